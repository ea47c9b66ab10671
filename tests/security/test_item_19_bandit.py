"""Checklist item 19: bandit finds nothing in kechuang/ (each finding fixed or justified with `# nosec <id>`), and the
pip-audit step of `make lint` fails on a vulnerability and never reports an audit it could not do as a pass."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("audit_dependencies", ROOT / "scripts" / "audit_dependencies.py")
audit_dependencies = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(audit_dependencies)
SKIPPED, verdict = audit_dependencies.SKIPPED, audit_dependencies.verdict


def test_item_19_bandit_finds_nothing_in_kechuang():
    result = subprocess.run(
        [sys.executable, "-m", "bandit", "-c", "pyproject.toml", "-r", "kechuang", "-f", "json", "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    report = json.loads(result.stdout)
    findings = [f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_text']}" for r in report["results"]]
    assert findings == [], "\n".join(findings)
    assert result.returncode == 0
    assert report["metrics"]["_totals"]["loc"] > 10_000  # it really read the code base


def test_item_19_bandit_config_excludes_only_migrations():
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["bandit"]
    assert config == {"exclude_dirs": ["*/migrations/*"]}  # no test skipped globally


DJANGO_VULN = {"id": "PYSEC-2099-1", "fix_versions": ["5.2.99"], "aliases": [], "description": "x"}


@pytest.mark.parametrize(
    ("report", "code", "start"),
    [
        (
            {"dependencies": [{"name": "django", "version": "5.2.1", "vulns": [DJANGO_VULN]}]},
            1,
            "pip-audit: 1 known vulnerabilities",
        ),
        (
            {"dependencies": [{"name": "django", "version": "5.2.1", "vulns": []}, {"name": "x", "skip_reason": "y"}]},
            0,
            "pip-audit: 1 packages audited, no known vulnerabilities",
        ),
        ({"dependencies": [{"name": "django", "skip_reason": "Dependency not found on PyPI"}]}, 0, SKIPPED),
        (None, 0, SKIPPED),
    ],
)
def test_item_19_pip_audit_step_fails_on_a_vulnerability_and_never_fakes_a_pass(report, code, start):
    got_code, message = verdict(report, "ConnectionError")
    assert got_code == code
    assert message.startswith(start), message
