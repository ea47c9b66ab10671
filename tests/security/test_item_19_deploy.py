"""Checklist item 19: the production settings pass `check --deploy`, and plain HTTP is redirected to HTTPS.

Both run in a child process with the production environment (KECHUANG_ENV=production and what it requires),
because the settings module reads the environment once, at start-up."""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def production_env(var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KECHUANG_", "DJANGO_", "DATABASE_URL"))}
    env.update(
        KECHUANG_ENV="production",
        KECHUANG_SECRET_KEY=secrets.token_urlsafe(60),
        KECHUANG_AUDIT_KEY=secrets.token_urlsafe(40),
        # The field-encryption key ring production requires (kechuang/core/crypto.py): 32-byte keys in base64.
        KECHUANG_FIELD_KEYS="k1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
        KECHUANG_BLIND_INDEX_KEY=base64.b64encode(secrets.token_bytes(32)).decode(),
        KECHUANG_ALLOWED_HOSTS="kechuang.example.gov.cn,testserver",
        KECHUANG_VAR_DIR=str(var_dir),
        DJANGO_SETTINGS_MODULE="kechuang.settings",
    )
    return env


def test_item_19_check_deploy_is_clean_with_production_settings(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output


REDIRECT_PROBE = """
import django
django.setup()
from django.test import Client
plain = Client().get("/accounts/login/?next=/enterprises/")
print(plain.status_code, plain["Location"])
secure = Client().get("/favicon.ico", secure=True)
print(secure.get("Strict-Transport-Security", ""))
"""


def test_item_19_http_is_redirected_to_https_in_production(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", REDIRECT_PROBE],
        cwd=ROOT,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    redirect, hsts = result.stdout.strip().splitlines()[-2:]
    assert redirect == "301 https://testserver/accounts/login/?next=/enterprises/"
    assert "max-age=31536000" in hsts and "includeSubDomains" in hsts
