"""The user-management pages of the separated administrators: list, export, create, edit, disable, reset, menu."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from django.test import Client as PlainClient
from django.urls import reverse

from kechuang.core.models import AuditEntry, User
from kechuang.core.roles import Role
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def temporary_password(response) -> str:
    return re.search(r'data-testid="temporary-password">([^<]+)<', response.content.decode()).group(1)


def can_log_in(username: str, password: str) -> bool:
    return PlainClient().post(reverse("login"), {"username": username, "password": password}).status_code == 302


def test_list_filters_search_and_pagination(client_as):
    client = client_as("secadmin")
    html = client.get(reverse("core:user_list"), {"role": "district_officer"}).content.decode()
    assert "p_zhangdian_officer" in html and "p_lead_officer" not in html
    html = client.get(reverse("core:user_list"), {"q": "教育局"}).content.decode()
    assert "p_supporting_officer" in html and "p_zichuan_officer" not in html
    for i in range(30):
        User.objects.create(username=f"bulk_{i:02d}", role=Role.PENDING, password="!")
    first = client.get(reverse("core:user_list"), {"size": 25}).content.decode()
    assert first.count("<tr") == 26 and "page=2" in first


def test_list_shows_disabled_accounts_on_request(client_as, persona):
    User.objects.filter(pk=persona("leader").pk).update(is_active=False)
    client = client_as("sysadmin")
    assert "p_leader" not in client.get(reverse("core:user_list")).content.decode()
    assert "p_leader" in client.get(reverse("core:user_list"), {"active": "0"}).content.decode()


def test_export_to_excel_is_filtered_and_logged(client_as):
    response = client_as("sysadmin").get(reverse("core:user_export"), {"role": "district_officer"})
    rows = list(openpyxl.load_workbook(io.BytesIO(response.getvalue())).active.iter_rows(min_row=2, values_only=True))
    assert {r[0] for r in rows} == {"p_zhangdian_officer", "p_zichuan_officer"}
    entry = AuditEntry.objects.filter(action="export", object_type="core.user").latest("id")
    assert entry.detail["filters"] == {"role": "district_officer", "active": "1"} and entry.detail["rows"] == 2


def test_export_masks_the_e_mails(client_as, persona):
    User.objects.filter(pk=persona("zhangdian_officer").pk).update(email="zhang.san@example.com")
    response = client_as("sysadmin").get(reverse("core:user_export"), {"role": "district_officer"})
    cells = repr(list(openpyxl.load_workbook(io.BytesIO(response.getvalue())).active.iter_rows(values_only=True)))
    assert "zhang.san@example.com" not in cells and "z***@example.com" in cells


def test_create_shows_the_temporary_password_once_and_the_account_has_no_role(client_as, persona):
    client = client_as("sysadmin")
    response = client.post(reverse("core:user_create"), {"username": "li_na", "display_name": "李娜", "email": ""})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    password = temporary_password(response)
    user = User.objects.get(username="li_na")
    assert user.role == Role.PENDING and user.check_password(password)
    assert password not in str(list(AuditEntry.objects.filter(object_id=str(user.pk)).values()))
    assert AuditEntry.objects.filter(actor=persona("sysadmin"), action="create", object_id=str(user.pk)).exists()


@pytest.mark.parametrize(("username", "field_error"), [("admin", "保留"), ("p_leader", "已存在")])
def test_create_refuses_reserved_and_taken_names_naming_the_field(client_as, username, field_error):
    html = client_as("sysadmin").post(reverse("core:user_create"), {"username": username, "display_name": "某"})
    text = html.content.decode()
    assert field_error in text and "用户名" in text
    assert User.objects.filter(username__iexact=username).count() == (username == "p_leader")


def test_edit_profile_and_refuse_own_account(client_as, persona):
    client = client_as("sysadmin")
    leader = persona("leader")
    response = client.post(reverse("core:user_edit", args=[leader.pk]), {"display_name": "市领导甲", "email": ""})
    assert response.status_code == 302 and User.objects.get(pk=leader.pk).display_name == "市领导甲"
    assert client.get(reverse("core:user_edit", args=[persona("sysadmin").pk])).status_code == 403


def test_disable_stops_the_log_in_and_enable_restores_it(client_as, persona):
    client = client_as("sysadmin")
    leader = persona("leader")
    assert client.post(reverse("core:user_active", args=[leader.pk]), {"active": "0"}).status_code == 302
    assert not User.objects.get(pk=leader.pk).is_active and not can_log_in("p_leader", PASSWORD)
    client.post(reverse("core:user_active", args=[leader.pk]), {"active": "1"})
    assert can_log_in("p_leader", PASSWORD)
    changes = [e.changes for e in AuditEntry.objects.filter(object_type="core.user", object_id=str(leader.pk))]
    assert {"is_active": [True, False]} in changes and {"is_active": [False, True]} in changes
    assert client.post(reverse("core:user_active", args=[persona("sysadmin").pk]), {"active": "0"}).status_code == 403


def test_reset_password_shows_it_once_and_the_old_one_stops(client_as, persona):
    client = client_as("sysadmin")
    leader = persona("leader")
    assert client.get(reverse("core:user_reset_password", args=[leader.pk])).status_code == 200  # asks first
    assert User.objects.get(pk=leader.pk).check_password(PASSWORD)
    response = client.post(reverse("core:user_reset_password", args=[leader.pk]))
    password = temporary_password(response)
    assert not can_log_in("p_leader", PASSWORD) and can_log_in("p_leader", password)


def test_reset_password_also_removes_a_lost_second_factor(client_as, persona):
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.conftest import enrolled_device

    officer = persona("zhangdian_officer")
    enrolled_device(officer)
    StaticDevice.objects.create(user=officer, name="recovery", confirmed=True)
    client_as("sysadmin").post(reverse("core:user_reset_password", args=[officer.pk]))
    assert (
        not TOTPDevice.objects.filter(user=officer).exists() and not StaticDevice.objects.filter(user=officer).exists()
    )
    assert AuditEntry.objects.filter(object_id=str(officer.pk), detail__event="second_factor_reset").exists()


@pytest.mark.parametrize(
    ("name", "entries"),
    [
        ("sysadmin", {"core:user_list", "core:org_units"}),
        ("secadmin", {"core:user_list", "core:org_units"}),
        ("auditor", {"core:audit_log"}),
    ],
)
def test_menu_has_only_the_duty_pages(client_as, name, entries):
    html = client_as(name).get("/", follow=True).content.decode()
    menu = html.split('class="sidenav"')[1].split("</nav>")[0]
    assert set(re.findall(r'href="([^"]+)"', menu)) == {reverse(e) for e in entries}


def test_business_menus_have_no_administration(client_as):
    html = client_as("bureau_admin").get("/").content.decode()
    assert reverse("core:user_list") not in html and reverse("core:audit_log") not in html
