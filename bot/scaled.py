"""`python -m bot.scaled` (`make run-scaled`): the scaled profile on one machine.

N Rasa replicas and M action servers (honcho, Procfile.scaled) behind nginx, on
PostgreSQL (DATABASE_URL) and Redis (REDIS_URL). nginx listens on the public
ports of the embedded profile (5005 Rasa, 5055 actions, 8000 web app):
- /socket.io/ is sticky per client address (ip_hash): socket.io's polling
  transport must reach the replica that holds its session;
- everything else goes to the least busy replica; the Redis lock store keeps a
  conversation consistent whichever replica answers;
- a replica that refuses connections (stopped, restarting) is skipped: nginx
  retries the next one, which is safe because the request never reached it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Dict, List

import jinja2

from bot.config import VAR_DIR, get_settings

BASE_PORT = 6000  # honcho: actions 6000+i, rasa 6100+i, web 6200 (+100 per Procfile entry)


def replica_ports(rasa_replicas: int, action_replicas: int, base: int = BASE_PORT) -> Dict[str, List[int]]:
    return {
        "actions": [base + i for i in range(action_replicas)],
        "rasa": [base + 100 + i for i in range(rasa_replicas)],
        "web": [base + 200],
    }


def nginx_config(
    ports: Dict[str, List[int]], listen_rasa: int = 5005, listen_actions: int = 5055, listen_web: int = 8000
) -> str:
    """The load balancer's configuration, rendered from bot/nginx.conf.j2."""

    def servers(name: str) -> str:
        return "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in ports[name])

    template = jinja2.Environment(keep_trailing_newline=True, undefined=jinja2.StrictUndefined).from_string(
        (Path(__file__).parent / "nginx.conf.j2").read_text()
    )
    return template.render(
        servers=servers, listen_rasa=listen_rasa, listen_actions=listen_actions, listen_web=listen_web
    )


def write_nginx_config(directory: Path, config: str) -> Path:
    for sub in ("logs", "tmp"):
        (directory / sub).mkdir(parents=True, exist_ok=True)
    path = directory / "nginx.conf"
    path.write_text(config)
    return path


def main() -> int:
    settings = get_settings()
    rasa_n, actions_n = settings.rasa_replicas, settings.action_replicas
    if settings.is_sqlite or not settings.redis_url:
        print(
            "error: the scaled profile needs DATABASE_URL=postgresql://... and REDIS_URL=redis://...",
            file=sys.stderr,
        )
        return 2
    ports = replica_ports(rasa_n, actions_n)
    write_nginx_config(VAR_DIR / "scaled", nginx_config(ports))
    os.environ["ACTION_ENDPOINT_URL"] = "http://127.0.0.1:5055/webhook"
    print(
        f"[run-scaled] {rasa_n} Rasa replicas {ports['rasa']}, {actions_n} action servers {ports['actions']}, "
        "nginx on :5005 (Rasa), :5055 (actions), :8000 (web app); Ctrl-C stops all",
        flush=True,
    )
    honcho = str(Path(sys.executable).parent / "honcho")
    os.execv(
        honcho,
        [
            honcho,
            "start",
            "-f",
            "Procfile.scaled",
            "-p",
            str(BASE_PORT),
            "-c",
            f"actions={actions_n},rasa={rasa_n},web=1,lb=1",
        ],
    )


if __name__ == "__main__":
    raise SystemExit(main())
