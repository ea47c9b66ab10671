"""Checklist item 5: administrators and staff who see personal data cannot pass without a second factor.

These tests sign in through the real log-in form with the password only (a plain Django test client, not the
suite's `Client`, which passes the second factor for other tests), then enrol and verify through the platform's
pages with real TOTP tokens computed from the device's secret.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client as PlainClient
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from kechuang.core.models import AuditEntry
from kechuang.core.personal_data import can_unmask, may_unmask_any
from kechuang.core.second_factor import requires_second_factor
from tests.conftest import ALL_PERSONAS, PASSWORD, enrolled_device, totp_token

pytestmark = pytest.mark.django_db

ENROL, VERIFY = "/accounts/second-factor/", "/accounts/second-factor/verify/"


def password_only(name: str) -> PlainClient:
    client = PlainClient()
    response = client.post(reverse("login"), {"username": ALL_PERSONAS[name][0], "password": PASSWORD})
    assert response.status_code == 302, "the password log-in itself must succeed"
    return client


def unthrottle(device) -> None:
    """After a failure django-otp makes the next attempt wait (1 s, doubling): the test does not sleep."""
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)


def refusals(user) -> int:
    return AuditEntry.objects.filter(actor=user, action="login_failed", success=False).count()


@pytest.mark.parametrize("name", sorted(ALL_PERSONAS))
def test_item_05_who_needs_the_second_factor(persona, name):
    """The administrators, the bureau administrator, an enterprise's administrator and everyone who may unmask
    personal data; not the leader, nor the other external accounts."""
    user = persona(name)
    expected = name in {"sysadmin", "secadmin", "auditor", "bureau_admin", "enterprise_admin"} or may_unmask_any(user)
    assert requires_second_factor(user) == expected
    # whoever may unmask anything (whole lists, or one record of their own unit) has the second factor
    assert not (can_unmask(user) or may_unmask_any(user)) or requires_second_factor(user)
    assert requires_second_factor(user) == (name not in {"leader", "expert", "enterprise_user", "talent"})


@pytest.mark.parametrize("name", ["sysadmin", "secadmin", "auditor", "bureau_admin", "bureau_staff", "zichuan_officer"])
def test_item_05_password_only_is_sent_to_enrolment_before_any_page(name):
    client = password_only(name)
    for path in ("/", reverse("core:liaison_list"), reverse("core:user_list"), reverse("core:audit_log")):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith(ENROL), (path, response)
    api = client.get("/api/liaisons")
    assert api.status_code == 403 and api.json()["error"]["code"] == "second_factor_required"


def test_item_05_enrolled_user_with_password_only_is_sent_to_verification(persona):
    enrolled_device(persona("sysadmin"))
    response = password_only("sysadmin").get(reverse("core:user_list"))
    assert response.status_code == 302 and response["Location"] == f"{VERIFY}?next=%2Faccounts%2Fusers%2F"


def test_item_05_the_leader_needs_none():
    assert password_only("leader").get("/").status_code == 200


def test_item_05_enrolment_with_qr_code_and_key_then_ten_recovery_codes_once(persona):
    user = persona("auditor")
    client = password_only("auditor")
    page = client.get(ENROL).content.decode()
    assert "<svg" in page and 'data-testid="totp-key"' in page
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    key = re.search(r'data-testid="totp-key">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    assert len(key) == 32  # the 20-byte secret in base32, as typed into an app

    wrong = client.post(ENROL, {"token": "000000" if totp_token(device) != "000000" else "111111"})
    assert "totp-key" in wrong.content.decode() and refusals(user) == 1
    assert client.get(reverse("core:audit_log")).status_code == 302  # still not through
    unthrottle(device)

    done = client.post(ENROL, {"token": totp_token(device), "next": reverse("core:audit_log")})
    codes = re.findall(r"<li><code>([^<]+)</code></li>", done.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10 and "no-store" in done["Cache-Control"]
    assert StaticToken.objects.filter(device__user=user).count() == 10
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    assert client.get(reverse("core:audit_log")).status_code == 200
    assert client.get(ENROL).status_code == 302  # shown once: enrolment does not come back
    assert AuditEntry.objects.filter(actor=user, detail__event="second_factor_enrolled").exists()


def test_item_05_verification_with_a_token_opens_the_pages(persona):
    device = enrolled_device(persona("secadmin"))
    client = password_only("secadmin")
    response = client.post(VERIFY, {"token": totp_token(device), "next": reverse("core:user_list")})
    assert response.status_code == 302 and response["Location"] == reverse("core:user_list")
    assert client.get(reverse("core:user_list")).status_code == 200
    assert AuditEntry.objects.filter(actor=persona("secadmin"), detail__event="second_factor_verified").exists()


def test_item_05_wrong_and_replayed_tokens_are_refused_and_logged(persona):
    user = persona("bureau_admin")
    device = enrolled_device(user)
    token = totp_token(device)
    first = password_only("bureau_admin")
    wrong = str((int(token) + 1) % 1_000_000).zfill(6)
    assert first.post(VERIFY, {"token": wrong}).status_code == 200  # the form again, with the error
    assert refusals(user) == 1
    entry = AuditEntry.objects.filter(actor=user, action="login_failed").latest("id")
    assert entry.detail == {"event": "second_factor_refused"} and entry.ip == "127.0.0.1" and entry.at
    unthrottle(device)

    assert first.post(VERIFY, {"token": token}).status_code == 302
    replay = password_only("bureau_admin")  # somebody who watched the code being typed
    answer = replay.post(VERIFY, {"token": token})
    assert answer.status_code == 200 and "已被使用" in answer.content.decode()
    assert replay.get("/").status_code == 302
    assert refusals(user) == 2


def test_item_05_a_recovery_code_works_once(persona):
    user = persona("sysadmin")
    enrolled_device(user)
    client = password_only("sysadmin")
    client.get(ENROL)  # already enrolled: sent on to verification, no new secret
    from kechuang.core.second_factor import _new_recovery_codes

    code = _new_recovery_codes(user)[0]
    assert client.post(VERIFY, {"token": code}).status_code == 302
    assert client.get(reverse("core:user_list")).status_code == 200
    assert AuditEntry.objects.filter(actor=user, detail__event="recovery_code_used").exists()
    again = password_only("sysadmin")
    assert again.post(VERIFY, {"token": code}).status_code == 200
    assert again.get(reverse("core:user_list")).status_code == 302
    assert StaticToken.objects.filter(device__user=user).count() == 9


def test_item_05_the_requirement_can_be_switched_off_only_outside_production(settings, tmp_path):
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    settings.KECHUANG_REQUIRE_2FA = False
    assert password_only("sysadmin").get(reverse("core:user_list")).status_code == 200
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        {
            "KECHUANG_VAR_DIR": str(tmp_path),
            "KECHUANG_ENV": "production",
            "KECHUANG_SECRET_KEY": "x" * 60,
            "KECHUANG_AUDIT_KEY": "y" * 60,
            "KECHUANG_REQUIRE_2FA": "0",
        }
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0 and "KECHUANG_REQUIRE_2FA" in result.stderr, result.stderr[-1500:]
