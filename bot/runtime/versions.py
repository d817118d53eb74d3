"""Version guard for the changes to Rasa's (and Sanic's) behaviour in this package.

Each change replaces a function of a specific release. On any other release the
replaced function may have changed, and applying ours would silently undo a fix
or break a feature, so `supported()` refuses: the change is not applied and one
log line says which and why. tests/runtime/test_rasa_sources.py pins the source
of every replaced function, so CI fails on an upgrade before production does.

How to upgrade Rasa: docs/architecture.md ("Upgrading Rasa").
"""

from __future__ import annotations

import logging
from typing import Set

logger = logging.getLogger(__name__)

RASA_VERSION = "3.6.21"
SANIC_VERSION = "21.12.2"

_refused: Set[str] = set()


def installed(package: str) -> str:
    if package == "rasa":
        import rasa

        return rasa.__version__
    if package == "sanic":
        import sanic

        return sanic.__version__
    raise ValueError(f"no version guard for {package!r}")


def supported(change: str, package: str = "rasa") -> bool:
    """Whether `change` (a name for the log) may patch the installed `package`."""
    expected = RASA_VERSION if package == "rasa" else SANIC_VERSION
    found = installed(package)
    if found == expected:
        return True
    if change not in _refused:
        _refused.add(change)
        logger.error(
            "Not applying %s: written for %s %s, found %s (see docs/architecture.md, 'Upgrading Rasa')",
            change,
            package,
            expected,
            found,
        )
    return False
