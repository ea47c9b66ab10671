"""Checklist item 8: one user cannot hold two of the three administrators' roles (三权分立), and an administrator
holds no business data.

A user has one role (a single field, not a set of groups), so two duties at once cannot be stored; the grant
service also refuses a duty *after* another (a system administrator made auditor would audit their own work), a
business account turned administrator, and a grant to oneself. These tests go through the services and the pages.
"""

from __future__ import annotations

import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from kechuang.core import accounts, user_admin
from kechuang.core.models import AuditEntry, User
from kechuang.core.roles import ADMIN_DUTIES, BUSINESS, EXTERNAL, ORGANISATION_BOUND, Role
from kechuang.core.validators import credit_code_check_char

pytestmark = pytest.mark.django_db

ROLES = [r for r in Role if r != Role.PENDING]
FIRM = "91370303MA3C4XY2K" + credit_code_check_char("91370303MA3C4XY2K")


def account(role: str, name: str = "x_account") -> User:
    unit = _unit_for(role) if role in (Role.DISTRICT_OFFICER, Role.DEPARTMENT_OFFICER) else None
    user = User(username=name, role=role, display_name=name, org_unit=unit)
    if role in ORGANISATION_BOUND:
        user.credit_code, user.organisation = FIRM, "某某科技有限公司"
    user.set_unusable_password()
    user.save()
    return user


def test_item_08_a_user_has_exactly_one_role_field():
    role_fields = [f.name for f in User._meta.get_fields() if "role" in f.name]
    assert role_fields == ["role"] and not User._meta.get_field("role").many_to_many
    # Django's groups and permissions grant nothing on this platform: no view or service reads them.
    assert User.objects.filter(groups__isnull=False).count() == 0


@pytest.mark.parametrize(("current", "new"), list(itertools.product([*ROLES, Role.PENDING], ROLES)))
def test_item_08_grant_refuses_every_second_duty(persona, current, new):
    user = account(current)
    allowed = current == new or (current not in ADMIN_DUTIES and (new not in ADMIN_DUTIES or current == Role.PENDING))
    # Accounts inside and outside the government are kept apart: a staff account never becomes a firm's or a
    # talent's, nor the other way round.
    allowed = allowed and (current == Role.PENDING or (current in EXTERNAL) == (new in EXTERNAL))
    unit = None if new not in (Role.DISTRICT_OFFICER, Role.DEPARTMENT_OFFICER) else _unit_for(new)
    firm = {"credit_code": FIRM, "organisation": "某某科技有限公司"} if new in ORGANISATION_BOUND else {}
    before = AuditEntry.objects.count()
    if allowed:
        user_admin.grant_role(actor=persona("secadmin"), user=user, role=new, org_unit=unit, **firm)
        assert User.objects.get(pk=user.pk).role == new
        assert AuditEntry.objects.count() == before + (current != new)
    else:
        with pytest.raises(ValidationError) as refused:
            user_admin.grant_role(actor=persona("secadmin"), user=user, role=new, org_unit=unit, **firm)
        assert "role" in refused.value.message_dict
        assert User.objects.get(pk=user.pk).role == current and AuditEntry.objects.count() == before


def _unit_for(role: str):
    from kechuang.core.models import OrgUnit

    kind = "region" if role == Role.DISTRICT_OFFICER else "department"
    return OrgUnit.objects.filter(kind=kind, parent__code="zibo").first()


@pytest.mark.parametrize("name", ["sysadmin", "auditor", "bureau_admin", "bureau_staff", "leader"])
def test_item_08_only_the_security_administrator_grants(persona, name):
    user = account(Role.PENDING)
    with pytest.raises(PermissionDenied):
        user_admin.grant_role(actor=persona(name), user=user, role=Role.AUDITOR, org_unit=None)
    assert User.objects.get(pk=user.pk).role == Role.PENDING


def test_item_08_nobody_grants_to_themselves(persona):
    secadmin = persona("secadmin")
    with pytest.raises(PermissionDenied):
        user_admin.grant_role(actor=secadmin, user=secadmin, role=Role.SYSADMIN, org_unit=None)
    assert User.objects.get(pk=secadmin.pk).role == Role.SECADMIN


@pytest.mark.parametrize("name", ["secadmin", "auditor", "bureau_admin"])
def test_item_08_only_the_system_administrator_creates_accounts(persona, name):
    with pytest.raises(PermissionDenied):
        user_admin.create_account(actor=persona(name), username="someone_new", display_name="某人")
    assert not User.objects.filter(username="someone_new").exists()


def test_item_08_a_new_account_has_no_role_and_reaches_nothing(persona, client):
    user, password = user_admin.create_account(actor=persona("sysadmin"), username="wang_xm", display_name="王小明")
    assert user.role == Role.PENDING and user.check_password(password)
    accounts.change_password(user=user, new_password="Own-Passw0rd-2026")  # the first log-in's forced change
    client.force_login(user)
    for path in (reverse("core:liaison_list"), reverse("core:user_list"), reverse("core:audit_log"), "/api/me"):
        assert client.get(path).status_code == 403, path
    # The home page says why, instead of a bare 403: the account waits for the security administrator's grant.
    home = client.get("/", follow=True)
    assert home.redirect_chain == [(reverse("awaiting_role"), 302)]
    assert "尚未分配角色" in home.content.decode()
    user.role = Role.LEADER  # a role without the second factor: the redirect is the page's own
    user.save()
    assert client.get(reverse("awaiting_role")).url == reverse("cockpit")  # granted: the page sends them home


def test_item_08_the_grant_page_asks_then_grants_and_refuses_a_second_duty(persona, client_as):
    user = account(Role.PENDING, "zhao_audit")
    client = client_as("secadmin")
    url = reverse("core:user_grant", args=[user.pk])
    asked = client.post(url, {"role": Role.AUDITOR})
    assert asked.status_code == 200 and 'name="confirmed" value="1"' in asked.content.decode()
    assert User.objects.get(pk=user.pk).role == Role.PENDING  # nothing granted before the confirmation
    done = client.post(url, {"role": Role.AUDITOR, "org_unit": "", "confirmed": "1"})
    assert done.status_code == 302 and User.objects.get(pk=user.pk).role == Role.AUDITOR
    entry = AuditEntry.objects.filter(object_type="core.user", object_id=str(user.pk)).latest("id")
    assert entry.actor == persona("secadmin") and entry.changes["role"] == [Role.PENDING, Role.AUDITOR]

    second = client.post(url, {"role": Role.SYSADMIN, "confirmed": "1"})
    assert second.status_code == 200 and "审计管理员" in second.content.decode()
    assert User.objects.get(pk=user.pk).role == Role.AUDITOR
    assert client.get(reverse("core:user_grant", args=[persona("secadmin").pk])).status_code == 403


@pytest.mark.parametrize("name", ["sysadmin", "secadmin", "auditor"])
def test_item_08_administrators_hold_no_business_data(persona, client_as, token_for, name):
    client = client_as(name)
    for path in (reverse("core:liaison_list"), reverse("core:liaison_export"), reverse("policy:overview")):
        assert client.get(path).status_code == 403, path
    assert client.get("/api/liaisons").status_code == 403
    # a bearer token of an administrator opens no business endpoint either
    assert Client().get("/api/liaisons", **token_for(name)).status_code == 401
    assert persona(name).role not in BUSINESS


def test_item_08_an_enterprise_account_names_its_firm_and_its_administrator_passes_a_second_factor(persona):
    from kechuang.core.second_factor import requires_second_factor

    user = account(Role.PENDING, "li_firm")
    with pytest.raises(ValidationError) as refused:
        user_admin.grant_role(actor=persona("secadmin"), user=user, role=Role.ENTERPRISE, org_unit=None)
    assert "credit_code" in refused.value.message_dict and User.objects.get(pk=user.pk).role == Role.PENDING
    with pytest.raises(ValidationError) as refused:
        user_admin.grant_role(
            actor=persona("secadmin"), user=user, role=Role.ENTERPRISE, org_unit=None, credit_code=FIRM[:17] + "0"
        )
    assert "credit_code" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        user_admin.grant_role(
            actor=persona("secadmin"), user=user, role=Role.ENTERPRISE, org_unit=_unit_for(Role.DISTRICT_OFFICER)
        )
    granted = user_admin.grant_role(
        actor=persona("secadmin"), user=user, role=Role.ENTERPRISE, org_unit=None, credit_code=FIRM.lower()
    )
    assert granted.credit_code == FIRM and not requires_second_factor(granted)
    admin = user_admin.grant_role(
        actor=persona("secadmin"), user=user, role=Role.ENTERPRISE, org_unit=None, credit_code=FIRM, is_org_admin=True
    )
    assert admin.is_org_admin and requires_second_factor(admin)
    # An organisation's administrator is an enterprise account only.
    expert = account(Role.PENDING, "wang_expert")
    granted = user_admin.grant_role(
        actor=persona("secadmin"), user=expert, role=Role.EXPERT, org_unit=None, credit_code=FIRM, is_org_admin=True
    )
    assert granted.credit_code == FIRM and not granted.is_org_admin


def test_item_08_an_external_account_reaches_only_its_account_pages(persona, client):
    client.force_login(persona("talent"))
    for path in (reverse("core:liaison_list"), reverse("policy:overview"), "/api/liaisons", "/api/me"):
        assert client.get(path).status_code == 403, path
    # The home page leads to the role's own first page (a module's, or the page saying none is open yet), never a 403.
    home = client.get("/", follow=True)
    assert home.status_code == 200 and home.redirect_chain
