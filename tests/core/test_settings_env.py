"""The typed environment readers of kechuang/settings.py: defaults, parsing, and a refusal naming the variable."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from kechuang.settings import env_bool, env_int, env_list, env_str

ROOT = Path(__file__).resolve().parents[2]
NAME = "KECHUANG_TEST_SETTING"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, True),
        ("", True),
        ("1", True),
        ("yes", True),
        ("TRUE", True),
        (" on ", True),
        ("0", False),
        ("Off", False),
    ],
)
def test_env_bool_reads_the_usual_spellings(monkeypatch, raw, expected):
    if raw is None:
        monkeypatch.delenv(NAME, raising=False)
    else:
        monkeypatch.setenv(NAME, raw)
    assert env_bool(NAME, True) is expected


def test_env_int_and_its_minimum(monkeypatch):
    monkeypatch.delenv(NAME, raising=False)
    assert env_int(NAME, 25) == 25
    monkeypatch.setenv(NAME, " 40 ")
    assert env_int(NAME, 25, minimum=1) == 40
    monkeypatch.setenv(NAME, "0")
    with pytest.raises(ImproperlyConfigured, match=f"^{NAME} must be at least 1; it is 0$"):
        env_int(NAME, 25, minimum=1)


def test_env_list_and_env_str(monkeypatch):
    monkeypatch.setenv(NAME, " a.example.cn, ,b.example.cn ")
    assert env_list(NAME, ["x"]) == ["a.example.cn", "b.example.cn"]
    monkeypatch.setenv(NAME, "")
    assert env_list(NAME, ["x"]) == ["x"]
    assert env_str(NAME, "fallback") == "fallback"
    monkeypatch.setenv(NAME, "production")
    assert env_str(NAME, "development", choices=("development", "production")) == "production"


@pytest.mark.parametrize(
    ("reader", "raw", "message"),
    [
        (
            lambda: env_bool(NAME, False),
            "no way",
            f"{NAME} must be 1 or 0 (or true/false, yes/no, on/off); it is 'no way'",
        ),
        (lambda: env_int(NAME, 5), "5 minutes", f"{NAME} must be a whole number; it is '5 minutes'"),
        (lambda: env_int(NAME, 5), "2.5", f"{NAME} must be a whole number; it is '2.5'"),
        (lambda: env_str(NAME, "a", choices=("a", "b")), "c", f"{NAME} must be one of a, b; it is 'c'"),
    ],
)
def test_a_bad_value_is_refused_naming_the_variable(monkeypatch, reader, raw, message):
    monkeypatch.setenv(NAME, raw)
    with pytest.raises(ImproperlyConfigured, match=f"^{re.escape(message)}$"):
        reader()


@pytest.mark.parametrize(
    ("variable", "raw"),
    [
        ("KECHUANG_SESSION_IDLE_SECONDS", "half an hour"),
        ("KECHUANG_EMAIL_TLS", "maybe"),
        ("KECHUANG_ENV", "prod"),
        ("DATABASE_URL", "nosuchdb://x"),
    ],
)
def test_the_platform_does_not_start_on_a_bad_value(tmp_path, variable, raw):
    """A mistyped variable stops `manage.py check` with the variable's name, never falls back silently."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update({"KECHUANG_VAR_DIR": str(tmp_path), variable: raw})
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {variable} " in result.stderr, result.stderr[-2000:]


def test_every_variable_settings_reads_is_in_the_readme_table():
    source = (ROOT / "kechuang" / "settings.py").read_text()
    read = set(re.findall(r'(?:env_str|env_bool|env_int|env_list|_raw)\(\s*"([A-Z_]+)"', source))
    table = (ROOT / "README.md").read_text().split("## Configuration", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`([A-Z][A-Z_]+)`", table))
    assert {"KECHUANG_ENV", "DATABASE_URL", "KECHUANG_LOG_LEVEL"} <= read  # the pattern finds the reads
    assert read - documented == set(), "variables read in settings.py but missing from the README table"
