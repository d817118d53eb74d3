"""The action server registers exactly the custom actions the domain lists."""

from pathlib import Path

import yaml
from rasa_sdk.executor import ActionExecutor

ROOT = Path(__file__).resolve().parents[2]


def test_every_domain_action_is_served_and_nothing_opens_a_database_at_import(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")  # import must not connect
    executor = ActionExecutor()
    executor.register_package("actions")
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    # an entry is a name, or {name: {send_domain: true}}
    names = {next(iter(a)) if isinstance(a, dict) else a for a in domain["actions"]}
    custom = {a for a in names if not a.startswith("utter_")}
    assert custom <= set(executor.actions), custom - set(executor.actions)
    forms = set(domain["forms"])
    assert {f"validate_{f}" for f in forms} <= set(executor.actions)
