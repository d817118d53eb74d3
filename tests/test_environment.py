"""The installed environment must match the lock files exactly (a drifting install fails loudly)."""

from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LOCK_FILES = [ROOT / "requirements" / "lock.txt", ROOT / "requirements" / "rasa.txt"]
# Tools of the virtual environment itself, not of the project.
NOT_LOCKED = {"pip"}


def canonical(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def read_lock():
    pins = {}
    for path in LOCK_FILES:
        for line in path.read_text().splitlines():
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            name, sep, version = line.partition("==")
            assert sep, f"{path.name}: '{line}' is not pinned with =="
            pins[canonical(name)] = version
    return pins


def installed():
    return {canonical(d.metadata["Name"]): d.version for d in metadata.distributions()}


def test_every_locked_package_is_installed_at_its_version():
    have = installed()
    wrong = {
        name: (version, have.get(name)) for name, version in read_lock().items() if have.get(name) != version
    }
    assert not wrong, f"installed versions differ from the lock (name: (locked, installed)): {wrong}"


def test_nothing_unlocked_is_installed():
    extra = set(installed()) - set(read_lock()) - NOT_LOCKED
    assert not extra, f"installed but not in the lock files: {sorted(extra)}"


@pytest.mark.parametrize(
    "pin",
    [
        "python-socketio==5.8.0",
        "sanic==21.12.2",
        "SQLAlchemy==1.4.54",
        "tensorflow==2.12.0",
        "dask==2022.10.2",
    ],
)
def test_pins_that_matter(pin):
    name, version = pin.split("==")
    assert read_lock()[canonical(name)] == version
