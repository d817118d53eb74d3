"""One settings object reads the environment, and README.md documents exactly what it reads."""

from __future__ import annotations

import ast
import datetime as dt
import os
import re
import subprocess
import sys
import typing
from pathlib import Path

import pytest

from bot.config import (
    ConfigError,
    Settings,
    get_settings,
    unknown_variables,
    variable_names,
    zalo_env_defaults,
)

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
ZALO_DOC = (ROOT / "docs" / "zalo.md").read_text(encoding="utf-8")


def readme_table_variables() -> set:
    section = README.split("## Configuration (environment variables)", 1)[1].split("\n## ", 1)[0]
    names = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            names.update(re.findall(r"`([A-Z][A-Z0-9_]+)`", line.split("|")[1]))
    return names


def test_every_documented_variable_is_read_and_every_read_variable_is_documented():
    documented = readme_table_variables()
    read = set(variable_names())
    assert documented - read == set(), "documented in README.md but read by nothing"
    not_zalo = {name for name in read if not name.startswith("ZALO_")}
    assert not_zalo - documented == set(), "read but missing from README.md's configuration table"
    zalo_doc = set(re.findall(r"\bZALO_[A-Z0-9_]*[A-Z0-9]\b", ZALO_DOC))
    zalo_read = {name for name in read if name.startswith("ZALO_")}
    assert zalo_read - zalo_doc == set(), "Zalo variables missing from docs/zalo.md"
    assert zalo_doc - zalo_read == set(), "docs/zalo.md names Zalo variables nothing reads"


def _changed_value(annotation, default):
    kind = typing.get_args(annotation)[0] if typing.get_origin(annotation) is typing.Union else annotation
    if kind is bool:
        return ("0" if default else "1"), (not default)
    if kind is int:
        return str(default + 1), default + 1
    if kind is float:
        return "0.25", 0.25
    if kind is dt.date:
        return "2030-01-31", dt.date(2030, 1, 31)
    return "value-from-the-environment", "value-from-the-environment"


@pytest.mark.parametrize("name", variable_names())
def test_each_variable_reaches_its_setting(name, monkeypatch):
    field = Settings.model_fields[name.lower()]
    default = field.get_default(call_default_factory=True)
    raw, expected = _changed_value(field.annotation, default)
    monkeypatch.setenv(name, raw)
    assert getattr(get_settings(), name.lower()) == expected
    assert getattr(Settings(), name.lower()) != default or default is None


def test_empty_values_count_as_unset(monkeypatch):
    monkeypatch.setenv("CONSOLE_PAGE_SIZE", "")
    monkeypatch.setenv("REDIS_URL", "")
    settings = get_settings()
    assert settings.console_page_size == 50 and settings.redis_url is None


def test_a_malformed_value_is_one_clear_line(monkeypatch):
    monkeypatch.setenv("WEB_PORT", "80OO")
    with pytest.raises(ConfigError) as info:
        get_settings()
    assert "WEB_PORT='80OO'" in str(info.value) and "\n" not in str(info.value)


def test_the_zalo_placeholders_of_credentials_are_the_zalo_settings():
    credentials = (ROOT / "credentials.yml").read_text(encoding="utf-8")
    assert set(re.findall(r"\$\{(ZALO_[A-Z0-9_]+)\}", credentials)) == set(zalo_env_defaults())


def test_every_placeholder_of_the_rasa_files_is_a_setting():
    for name in ("credentials.yml", "endpoints.yml", "endpoints.scaled.yml"):
        lines = (ROOT / name).read_text(encoding="utf-8").splitlines()
        text = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
        assert set(re.findall(r"\$\{([A-Z][A-Z0-9_]+)\}", text)) <= set(variable_names()), name


def test_the_procfile_variables_are_settings():
    for procfile in ("Procfile", "Procfile.scaled"):
        text = (ROOT / procfile).read_text(encoding="utf-8")
        names = set(re.findall(r"\$\{?([A-Z][A-Z0-9_]+)", text)) - {"PORT"}  # PORT: set by honcho
        assert names <= set(variable_names()), procfile


def test_unknown_console_and_zalo_variables_are_named():
    lines = unknown_variables(
        {
            "CONSOLE_COOKIE_SECURE": "1",
            "ZALO_APPID": "x",
            "CONSOLE_SECRET": "s",
            "HOME": "/root",
            "RASA_TELEMETRY_ENABLED": "false",
        }
    )
    assert len(lines) == 2
    assert "CONSOLE_COOKIE_SECURE" in lines[0] and "CONSOLE_SECURE_COOKIES" in lines[0]
    assert "ZALO_APPID" in lines[1] and "ZALO_APP_ID" in lines[1]


def _check(tmp_path, **env):
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("CONSOLE_", "ZALO_"))}
    environ.update(DATABASE_URL=f"sqlite:///{tmp_path / 'check.db'}", **env)
    return subprocess.run(
        [sys.executable, "-m", "bot", "check"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_bot_check_stops_on_an_unknown_variable(tmp_path):
    result = _check(tmp_path, CONSOLE_COOKIE_SECURE="1")
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "CONSOLE_COOKIE_SECURE" in lines[0] and "CONSOLE_SECURE_COOKIES" in lines[0]
    result = _check(tmp_path, ZALO_OA_SECRET="x")
    assert result.returncode == 2 and "ZALO_OA_SECRET" in result.stderr
    result = _check(tmp_path, CONSOLE_SECURE_COOKIES="1", RASA_TELEMETRY_ENABLED="false")
    assert result.returncode == 0, result.stderr


def test_bot_check_stops_on_a_malformed_number(tmp_path):
    result = _check(tmp_path, CONSOLE_PAGE_SIZE="fifty")
    assert result.returncode == 2
    assert (
        result.stderr.strip().splitlines() == [result.stderr.strip()] and "CONSOLE_PAGE_SIZE" in result.stderr
    )


def _environment_reads(path: Path):
    """(line, code) of every read of os.environ / os.getenv; copying the whole environment
    for a child process and writing defaults for Rasa's placeholders are not reads."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}

    def is_environ(node):
        return (
            isinstance(node, ast.Attribute)
            and node.attr == "environ"
            and isinstance(node.value, ast.Name)
            and node.value.id == "os"
        )

    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "getenv"
            and getattr(node.value, "id", "") == "os"
        ):
            yield node.lineno, ast.unparse(node)
        if not is_environ(node):
            continue
        parent = parents.get(node)
        if isinstance(parent, ast.Attribute) and parent.attr == "setdefault":
            continue
        if isinstance(parent, ast.Subscript) and isinstance(parent.ctx, ast.Store):
            continue
        if (
            isinstance(parent, ast.Dict)
            and node in parent.values
            and parent.keys[parent.values.index(node)] is None
        ):  # {**os.environ, ...}
            continue
        yield node.lineno, ast.unparse(parent or node)


def test_nothing_but_the_settings_object_reads_the_environment():
    found = []
    for folder in ("bot", "actions", "scripts"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path == ROOT / "bot" / "config.py":
                continue
            found += [f"{path.relative_to(ROOT)}:{line}: {code}" for line, code in _environment_reads(path)]
    assert found == []


def test_the_scan_finds_a_read(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import os\nA = os.environ.get('X')\nB = os.getenv('Y')\nC = os.environ['Z']\n"
        "os.environ.setdefault('W', '1')\nD = {**os.environ, 'V': '1'}\n"
    )
    assert sorted(line for line, _ in _environment_reads(sample)) == [2, 3, 4]
