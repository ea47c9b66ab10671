"""Security basics: log-in throttling, CSP, password rules, production settings, the API error shape."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.conftest import PASSWORD, ROOT

pytestmark = pytest.mark.django_db


def test_five_failures_lock_the_account(client):
    for _ in range(5):
        client.post(reverse("login"), {"username": "p_leader", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "p_leader", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_correct_password_logs_in(client):
    response = client.post(reverse("login"), {"username": "p_leader", "password": PASSWORD})
    assert response.status_code == 302 and response.url == "/"


def test_pages_need_login(client):
    for url in ("/", reverse("policy:overview"), reverse("core:liaison_list")):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_security_headers(client_as):
    response = client_as("leader").get("/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("password", ["short1A!", "alllowercase", "ALLUPPER123", "password123"])
def test_weak_passwords_rejected(password):
    if password == "short1A!":
        validate_password(password)  # 8 characters, 4 classes: accepted
        return
    with pytest.raises(ValidationError):
        validate_password(password)


def _run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_in_production(tmp_path: Path):
    env = {
        "KECHUANG_ENV": "production",
        "KECHUANG_SECRET_KEY": "x" * 30 + "-Prod-Secret-Key-0123456789abcdefghij",
        "KECHUANG_AUDIT_KEY": "y" * 30 + "-Prod-Audit-Key-0123456789abcdefghij",
        "KECHUANG_VAR_DIR": str(tmp_path),
        "KECHUANG_ALLOWED_HOSTS": "kechuang.example.gov.cn",
        "KECHUANG_FIELD_KEYS": "k1:" + "QUFB" * 11,
        "KECHUANG_BLIND_INDEX_KEY": "SUlJ" * 11,
    }
    result = _run_manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_secret_key(tmp_path: Path):
    env = {"KECHUANG_ENV": "production", "KECHUANG_SECRET_KEY": "", "KECHUANG_VAR_DIR": str(tmp_path)}
    result = _run_manage("check", env=env)
    assert result.returncode != 0 and "KECHUANG_SECRET_KEY" in result.stderr


def test_development_generates_its_secret_key_under_var(tmp_path: Path):
    env = {"KECHUANG_VAR_DIR": str(tmp_path), "KECHUANG_SECRET_KEY": ""}
    assert _run_manage("check", env=env).returncode == 0
    key = (tmp_path / "secret_key").read_text()
    assert len(key) >= 50 and oct((tmp_path / "secret_key").stat().st_mode)[-3:] == "600"


def test_api_needs_authentication(client):
    response = client.get("/api/liaisons")
    assert response.status_code == 401
    assert response.json() == {
        "error": {"code": "unauthenticated", "message": "Sign in or send a valid bearer token.", "fields": {}}
    }


def test_api_bad_or_revoked_token(client, persona):
    from django.utils import timezone

    from kechuang.core.models import ApiToken

    assert client.get("/api/me", HTTP_AUTHORIZATION="Bearer kc_nonsense").status_code == 401
    token, raw = ApiToken.issue(user=persona("leader"), name="t")
    assert client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {raw}").json()["role"] == "leader"
    token.revoked_at = timezone.now()
    token.save()
    assert client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_api_validation_error_names_the_field(client, token_for, unit):
    headers = token_for("bureau_staff")
    response = client.post("/api/liaisons", data='{"name": "x"}', content_type="application/json", **headers)
    assert response.status_code == 422
    assert "org_unit_id" in response.json()["error"]["fields"]
    response = client.post(
        "/api/liaisons",
        data=f'{{"org_unit_id": {unit("boshan").pk}, "name": "x", "phone": "123"}}',
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 422
    body = response.json()["error"]
    assert body["code"] == "validation_error" and "phone" in body["fields"]


def test_api_unknown_object_shape(client, token_for):
    response = client.get("/api/policies/nope/tasks/1", **token_for("leader"))
    assert response.status_code == 404
    assert set(response.json()["error"]) == {"code", "message", "fields"}


def test_create_api_token_command(client):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("create_api_token", "p_zhangdian_officer", "--name", "sync", "--days", "30", stdout=out)
    raw = out.getvalue().splitlines()[-1]
    me = client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {raw}").json()
    assert me["role"] == "district_officer" and me["org_unit"]["code"] == "zhangdian"
