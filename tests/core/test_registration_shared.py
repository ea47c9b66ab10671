"""core.registration, what the talent's and the enterprise's public registration share: the keyed address hash and
the rate limit, the checks of the chosen user name and password, and the new account."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from kechuang.core import firm_accounts, registration
from kechuang.core.models import AccountRequest, AuditEntry, OrgUnit, User
from kechuang.core.roles import Role
from kechuang.enterprises.population import credit_code
from kechuang.talent.models import RegistrationAttempt

pytestmark = pytest.mark.django_db
PASSWORD = "Zibo-Shared-2026!"
CODE = credit_code("370302", 910_002)


def test_the_address_is_kept_as_a_keyed_hash_each_page_with_its_own(settings):
    plain, salted = registration.address_hash("10.0.0.1"), registration.address_hash("10.0.0.1", salt="registration:")
    assert len(plain) == 64 and "10.0.0.1" not in plain and plain != salted
    assert plain != registration.address_hash("10.0.0.2")
    assert salted == firm_accounts.ip_hash("10.0.0.1")  # the enterprise page's hashes, as stored before
    settings.SECRET_KEY = "another key " * 5
    assert registration.address_hash("10.0.0.1") != plain  # keyed: not a plain digest anyone can recompute


def test_over_limit_counts_the_addresses_rows_within_the_window():
    now = timezone.now()
    for _ in range(3):
        RegistrationAttempt.objects.create(ip_hash=registration.address_hash("10.0.0.1"))
    RegistrationAttempt.objects.create(ip_hash=registration.address_hash("10.0.0.2"))
    window = dt.timedelta(minutes=30)

    def over(ip, limit, at=now, salt=""):
        return registration.over_limit(
            RegistrationAttempt.objects, ip, limit=limit, window=window, at="at", salt=salt, now=at
        )

    assert over("10.0.0.1", 3) and not over("10.0.0.1", 4)
    assert not over("10.0.0.2", 2) and not over("10.0.0.3", 1)
    assert not over("10.0.0.1", 3, salt="registration:")  # another page's hashes are not this page's
    assert not over("10.0.0.1", 1, at=now + window + dt.timedelta(seconds=5))  # the window has passed


def test_the_user_name_is_refused_when_invalid_reserved_or_taken_by_an_account_or_a_pending_request(persona):
    zhangdian = OrgUnit.objects.get(code="zhangdian")

    def request(username, status):
        return AccountRequest.objects.create(
            credit_code=CODE,
            organisation="某企业",
            region=zhangdian,
            contact_name="王",
            email="w@example.cn",
            mobile="13800000000",
            username=username,
            status=status,
        )

    request("waiting", AccountRequest.Status.PENDING)
    request("refused", AccountRequest.Status.REFUSED)
    taken = persona("bureau_staff").username
    assert registration.check_username("  newcomer ") == "newcomer"
    assert registration.check_username("refused") == "refused"  # a decided request holds no name
    with translation.override("en"):
        for name in (taken.upper(), "Waiting"):
            with pytest.raises(ValidationError) as caught:
                registration.check_username(name)
            assert caught.value.messages == ["This user name is taken: choose another."]
        for name in ("admin", "bad name!"):
            with pytest.raises(ValidationError):
                registration.check_username(name)


def test_the_password_rules_apply_against_the_account_asked_for():
    registration.check_password(PASSWORD, username="newcomer", display_name="陈明")
    with pytest.raises(ValidationError):
        registration.check_password("short", username="newcomer")
    with pytest.raises(ValidationError):
        registration.check_password("newcomer2026!A", username="newcomer")  # too like the user name


def test_the_new_account_is_saved_and_logged_from_the_password_or_its_hash():
    from django.contrib.auth.hashers import make_password

    pending = registration.new_account(
        actor=None, username="pending1", password=PASSWORD, role=Role.TALENT, taken="taken", is_active=False
    )
    confirmed = registration.new_account(
        actor=None,
        username="confirmed1",
        password_hash=make_password(PASSWORD),
        role=Role.ENTERPRISE,
        taken="taken",
        credit_code=CODE,
    )
    for user, active in ((pending, False), (confirmed, True)):
        user = User.objects.get(pk=user.pk)
        assert user.is_active is active and user.check_password(PASSWORD)
        assert AuditEntry.objects.filter(object_type="core.user", object_id=str(user.pk), action="create").exists()
    with pytest.raises(ValueError):
        registration.new_account(actor=None, username="x1", role=Role.TALENT, taken="taken")
    with pytest.raises(ValidationError):  # the name taken meanwhile: nothing more saved
        registration.new_account(actor=None, username="pending1", password=PASSWORD, role=Role.TALENT, taken="taken")
    assert User.objects.filter(username__in=["pending1", "confirmed1"]).count() == 2
