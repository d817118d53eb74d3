"""The Rasa and Sanic functions bot/runtime replaces, pinned by the hash of their source.

bot/runtime/versions.py refuses to patch another release; this test makes an
upgrade fail loudly in CI even when the version number alone would not tell
(a patched wheel, a backport). On a failure: read the new source of the function
named, port the change in the module named (or drop it if Rasa now does the same),
then update the hash and the version in bot/runtime/versions.py.
"""

from __future__ import annotations

import ast
import hashlib
import importlib
import inspect
import logging

import pytest

from bot.runtime import versions

# (module, qualified name) -> the module of bot/runtime that replaces (or, dialogue_states, reimplements) it
REPLACED = {
    ("rasa.core.actions.action", "RemoteAction._validate_action_result"): "speedups",
    ("rasa.core.actions.action", "RemoteAction._action_call_format"): "speedups",
    ("rasa.shared.core.domain", "Domain.states_for_tracker_history"): "dialogue_states",
    ("rasa.shared.core.trackers", "DialogueStateTracker.applied_events"): "dialogue_states",
    ("rasa.core.actions.action", "RemoteAction.run"): "resilience",
    ("rasa.core.processor", "MessageProcessor.handle_message"): "admission",
    ("sanic.server.websockets.frame", "WebsocketFrameAssembler.get"): "compat",
}
# qualified name -> sha256 of its source in the pinned release
PINNED = {
    "RemoteAction._validate_action_result": "24da0f6bdeb2d44f1f85da375a5aca57cd0a9fb2cdd5cfa722914761d759c018",
    "RemoteAction._action_call_format": "b8da18ca9f78d3ae4cf297e42b78a9f9ef1db77650ca6452629698f2ae5dd0c7",
    "Domain.states_for_tracker_history": "9d6f120379ee768e32035ae76c5d5f97e7522b30f5049f1cabf104a422990a2d",
    "DialogueStateTracker.applied_events": "78464fb46cdecd20ba5fce5476aba89d69376d8c14576885f4badf1ab52bf40d",
    "RemoteAction.run": "b530fc5a6789c82f2f273ef04df4894f741226fd9b15f154f0af78cd3f5df32b",
    "MessageProcessor.handle_message": "a96904e7796d7bf98c72f8e78b625fa05e7a50a7be84df56c3d3f018a2bc777c",
    "WebsocketFrameAssembler.get": "b645ec758b4e8dba97a9e4976016a0d2c5a9da449926fbf00c102cbc72c7378b",
}


def source_of(module_name: str, qualname: str) -> str:
    """The function's source as installed, read from its file (patches do not change it)."""
    module = importlib.import_module(module_name)
    text = inspect.getsource(module)
    tree = ast.parse(text)
    scope = tree.body
    *owners, name = qualname.split(".")
    for owner in owners:
        scope = next(n for n in scope if isinstance(n, ast.ClassDef) and n.name == owner).body
    node = next(n for n in scope if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == name)
    return ast.get_source_segment(text, node)


@pytest.mark.parametrize("module_name, qualname", sorted(REPLACED))
def test_replaced_function_is_the_one_our_change_was_written_for(module_name, qualname):
    digest = hashlib.sha256(source_of(module_name, qualname).encode()).hexdigest()
    change = REPLACED[(module_name, qualname)]
    assert digest == PINNED[qualname], (
        f"{module_name}.{qualname} changed: review bot/runtime/{change}.py against the new source, "
        f"then pin {digest}"
    )


def test_installed_versions_are_the_guarded_ones():
    assert versions.installed("rasa") == versions.RASA_VERSION
    assert versions.installed("sanic") == versions.SANIC_VERSION


def test_a_patch_refuses_another_rasa_version_with_one_log_line(monkeypatch, caplog):
    import rasa
    from rasa.core.processor import MessageProcessor

    from bot.runtime import admission

    unpatched = getattr(MessageProcessor.handle_message, "__wrapped__", MessageProcessor.handle_message)
    monkeypatch.setattr(MessageProcessor, "handle_message", unpatched)
    monkeypatch.setattr(rasa, "__version__", "3.7.0")
    monkeypatch.setattr(versions, "_refused", set())
    with caplog.at_level(logging.ERROR, logger="bot.runtime.versions"):
        assert admission.apply() is False
        assert admission.apply() is False
    assert MessageProcessor.handle_message is unpatched
    lines = [r.getMessage() for r in caplog.records]
    assert lines == [
        "Not applying admission: written for rasa 3.6.21, found 3.7.0 (see docs/architecture.md, "
        "'Upgrading Rasa')"
    ]


def test_every_patch_module_checks_the_version():
    from pathlib import Path

    import bot.runtime as runtime_package

    for change in set(REPLACED.values()) - {"dialogue_states"}:  # a featurizer config.yml names, no patch
        text = (Path(runtime_package.__file__).parent / f"{change}.py").read_text()
        assert "supported(" in text, f"bot/runtime/{change}.py patches Rasa without the version guard"
