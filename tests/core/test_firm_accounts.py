"""Enterprise portal accounts (issue 18 §1, §6): registration confirmed by the district or activated by an invitation
code, the firm administrator's management of its own accounts, its second factor, and the daily firm notices."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client as PlainClient
from django.urls import reverse
from django.utils import timezone

from kechuang.core import firm_accounts
from kechuang.core.models import AccountRequest, AuditEntry, ConsentRecord, InvitationCode, Message, OrgUnit, User
from kechuang.core.roles import Role
from kechuang.core.validators import credit_code_check_char
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Qiye-Mima#2026"


def code(body: str) -> str:
    first17 = ("91370303" + body).ljust(17, "0")[:17]
    return first17 + credit_code_check_char(first17)


@pytest.fixture
def firms():
    """Two firms of the register: one of 张店区, one of 淄川区."""
    from kechuang.enterprises.models import Enterprise

    made = {}
    for key, region in (("zhangdian", "zhangdian"), ("zichuan", "zichuan")):
        unit = OrgUnit.objects.get(code=region, kind=OrgUnit.Kind.REGION)
        made[key] = Enterprise.objects.create(
            credit_code=code("MA3C" + {"zhangdian": "1001", "zichuan": "2002"}[key]),
            name=f"测试企业（{unit.name}）",
            region=unit,
        )
    return made


def form(firm_code: str, **over) -> dict:
    data = {
        "credit_code": firm_code,
        "organisation": "测试企业",
        "contact_name": "李经理",
        "email": "li@example.com",
        "mobile": "13800138000",
        "username": "qiye_li",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        "invitation_code": "",
        "consent": "on",
    }
    data.update(over)
    return data


def register(data: dict, ip: str = "10.0.0.1"):
    # in English, so that the tests can read the errors' words
    return PlainClient(REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE="en").post(reverse("core:register"), data)


def can_log_in(username: str, password: str = NEW_PASSWORD) -> bool:
    response = PlainClient().post(reverse("login"), {"username": username, "password": password})
    return response.status_code == 302


def counts() -> tuple:
    return (
        User.objects.count(),
        AccountRequest.objects.filter(status="pending").count(),
        InvitationCode.objects.filter(used_at=None, revoked_at=None).count(),
        AuditEntry.objects.filter(success=True).count(),  # a refusal is logged (success=False), nothing else
    )


# ---------------------------------------------------------------- registration and the district


def test_pending_cannot_log_in_confirmed_can(firms, client_as, persona):
    response = register(form(firms["zhangdian"].credit_code))
    assert response.status_code == 302
    req = AccountRequest.objects.get()
    assert req.status == "pending" and req.as_admin and req.region.code == "zhangdian"
    assert ConsentRecord.objects.filter(object_type="core.accountrequest", object_id=str(req.pk)).exists()
    assert not User.objects.filter(username="qiye_li").exists()
    assert not can_log_in("qiye_li")
    # the district officer is told, and sees it in the queue
    officer = persona("zhangdian_officer")
    assert Message.objects.filter(user=officer, key=f"core.accountrequest.{req.pk}").exists()
    client = client_as("zhangdian_officer")
    assert "qiye_li" in client.get(reverse("core:registration_queue")).content.decode()
    response = client.post(reverse("core:registration_decide", args=[req.pk]), {"decision": "confirm"})
    assert response.status_code == 302
    req.refresh_from_db()
    user = User.objects.get(username="qiye_li")
    assert req.status == "confirmed" and req.account == user and req.password == ""
    assert user.role == Role.ENTERPRISE and user.is_org_admin and user.credit_code == firms["zhangdian"].credit_code
    assert user.organisation == firms["zhangdian"].name  # the register's name, not the one typed
    assert can_log_in("qiye_li")
    assert AuditEntry.objects.filter(object_type="core.user", object_id=str(user.pk), action="create").exists()


def test_refused_cannot_log_in_and_is_told_the_reason(firms, client_as):
    register(form(firms["zhangdian"].credit_code))
    req = AccountRequest.objects.get()
    client = client_as("bureau_staff")
    url = reverse("core:registration_decide", args=[req.pk])
    client.post(url, {"decision": "refuse", "reason": ""})
    assert AccountRequest.objects.get().status == "pending"  # a refusal needs its reason
    with_mail = len(mail.outbox)
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(url, {"decision": "refuse", "reason": "非本企业员工"})
    req.refresh_from_db()
    assert req.status == "refused" and req.password == "" and req.reason == "非本企业员工"
    assert not User.objects.filter(username="qiye_li").exists()
    assert not can_log_in("qiye_li")
    assert len(mail.outbox) == with_mail + 1 and "非本企业员工" in mail.outbox[-1].body


@pytest.mark.parametrize("name", ["zichuan_officer", "lead_officer", "leader"])
def test_another_district_cannot_decide(firms, client_as, name):
    register(form(firms["zhangdian"].credit_code))
    req = AccountRequest.objects.get()
    client = client_as(name)
    before = counts()
    response = client.post(reverse("core:registration_decide", args=[req.pk]), {"decision": "confirm"})
    assert response.status_code == (404 if name == "zichuan_officer" else 403)
    assert counts() == before and AccountRequest.objects.get().status == "pending"
    if name == "zichuan_officer":
        assert "qiye_li" not in client.get(reverse("core:registration_queue")).content.decode()


def test_second_request_of_a_firm_with_an_administrator_is_an_ordinary_user(firms, client_as, persona):
    admin = persona("enterprise_admin")
    User.objects.filter(pk=admin.pk).update(credit_code=firms["zhangdian"].credit_code)
    register(form(firms["zhangdian"].credit_code))
    req = AccountRequest.objects.get()
    assert not req.as_admin
    client_as("zhangdian_officer").post(reverse("core:registration_decide", args=[req.pk]), {"decision": "confirm"})
    user = User.objects.get(username="qiye_li")
    assert not user.is_org_admin
    assert Message.objects.filter(user=admin, key=f"core.accountrequest.{req.pk}.admin").exists()


# ---------------------------------------------------------------- bad input on the public form


@pytest.mark.parametrize(
    ("over", "field", "words"),
    [
        ({"credit_code": "91370303MA3C00000X"}, "credit_code", ""),
        ({"credit_code": "<script>alert(1)</script>"}, "credit_code", ""),
        ({"mobile": "12345"}, "mobile", ""),
        ({"email": "not-an-email"}, "email", ""),
        ({"password1": "short", "password2": "short"}, "password1", ""),
        ({"password2": "Other-Mima#2026"}, "password2", "differ"),
        ({"username": "admin"}, "username", ""),
        ({"consent": ""}, "consent", "Consent"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(firms, over, field, words):
    data = form(firms["zhangdian"].credit_code)
    data.update(over)
    before = counts()
    response = register(data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert words in " ".join(errors[field])
    assert counts() == before
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_a_code_outside_the_register_is_refused_without_telling_more(firms):
    response = register(form(code("MA3C9999")))
    assert "credit_code" in response.context["form"].errors
    assert firms["zichuan"].name not in response.content.decode()
    assert not AccountRequest.objects.exists()


def test_a_firm_the_register_places_in_no_district_is_refused_as_unregistered(firms, client_as):
    """A register row whose region is the city itself (no district, county or zone): the firm lookup leaves it out,
    so registration and invitation refuse it on the credit code, as a firm outside the register, storing nothing
    (the path on which a found firm without a region cannot occur)."""
    from kechuang.enterprises.models import Enterprise

    city = OrgUnit.objects.get(code="zibo", parent=None)
    firm = Enterprise.objects.create(credit_code=code("MA3C3003"), name="测试企业（市本级）", region=city)
    staff = client_as("bureau_staff")
    before = counts()
    response = register(form(firm.credit_code))
    assert "register" in " ".join(response.context["form"].errors["credit_code"])
    response = staff.post(reverse("core:invitations"), {"credit_code": firm.credit_code, "valid_days": 30})
    assert "企业库" in " ".join(response.context["form"].errors["credit_code"])
    assert counts() == before


def test_a_taken_user_name_is_refused(firms):
    response = register(form(firms["zhangdian"].credit_code, username="p_leader"))
    assert "username" in response.context["form"].errors


def test_rate_limit(firms, settings):
    settings.KECHUANG_REGISTRATION_FAILURE_LIMIT_PER_HOUR = 3
    bad = form(code("MA3C9999"))
    for _ in range(3):
        assert register(bad, ip="10.9.9.9").status_code == 200
    response = register(form(firms["zhangdian"].credit_code), ip="10.9.9.9")
    assert response.status_code == 429 and not AccountRequest.objects.exists()
    assert register(form(firms["zhangdian"].credit_code), ip="10.9.9.8").status_code == 302


# ---------------------------------------------------------------- invitation codes


def issue(client, credit_code: str, days: int = 30) -> str:
    response = client.post(reverse("core:invitations"), {"credit_code": credit_code, "valid_days": days})
    assert response.status_code == 200 and "code" in response.context, response.context["form"].errors
    assert "no-store" in response["Cache-Control"]
    return response.context["code"]


def test_valid_invitation_activates_at_once(firms, client_as):
    raw = issue(client_as("zhangdian_officer"), firms["zhangdian"].credit_code)
    stored = InvitationCode.objects.get()
    assert raw.replace("-", "") not in stored.digest and stored.hint == raw[-4:]
    response = register(form(firms["zhangdian"].credit_code, invitation_code=raw.lower()))
    assert response.status_code == 302
    user = User.objects.get(username="qiye_li")
    assert user.is_org_admin and user.is_active
    assert AccountRequest.objects.get().status == "invited"
    stored.refresh_from_db()
    assert stored.used_by == user and stored.state() == "used"
    assert can_log_in("qiye_li")
    # used: a second registration with it is refused
    again = register(form(firms["zhangdian"].credit_code, username="qiye_zhao", invitation_code=raw))
    assert "invitation_code" in again.context["form"].errors


def test_invalid_invitations_are_refused(firms, client_as):
    client = client_as("bureau_staff")
    zd, zc = firms["zhangdian"].credit_code, firms["zichuan"].credit_code
    expired = issue(client, zd)
    InvitationCode.objects.filter(hint=expired[-4:]).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    revoked = issue(client, zd)
    pk = InvitationCode.objects.get(hint=revoked[-4:]).pk
    assert client.post(reverse("core:invitation_revoke", args=[pk])).status_code == 302
    other_firm = issue(client, zc)
    for raw, word in (
        (expired, "expired"),
        (revoked, "revoked"),
        (other_firm, "not valid"),
        ("ABCD-EFGH", "not valid"),
    ):
        before = counts()
        response = register(form(zd, invitation_code=raw))
        assert response.status_code == 200
        errors = response.context["form"].errors["invitation_code"]
        assert word in " ".join(errors), errors
        assert counts() == before


def test_a_district_invites_only_its_own_firms(firms, client_as):
    client = client_as("zhangdian_officer")
    response = client.post(reverse("core:invitations"), {"credit_code": firms["zichuan"].credit_code, "valid_days": 30})
    assert "credit_code" in response.context["form"].errors and not InvitationCode.objects.exists()
    issue(client_as("zichuan_officer"), firms["zichuan"].credit_code)
    pk = InvitationCode.objects.get().pk
    client = client_as("zhangdian_officer")  # the same test client, signed in again
    assert client.post(reverse("core:invitation_revoke", args=[pk])).status_code == 404
    assert InvitationCode.objects.get().revoked_at is None


# ---------------------------------------------------------------- the firm administrator


@pytest.fixture
def firm_admin(firms, persona):
    """The enterprise personas act for the 张店区 firm; a third account belongs to the 淄川区 firm."""
    zd = firms["zhangdian"].credit_code
    User.objects.filter(role=Role.ENTERPRISE, username__startswith="p_").update(credit_code=zd, organisation="测试企业")
    stranger = User(username="other_firm_user", role=Role.ENTERPRISE, credit_code=firms["zichuan"].credit_code)
    stranger.set_password(PASSWORD)
    stranger.save()
    return persona("enterprise_admin"), persona("enterprise_user"), stranger


def test_administrator_lists_adds_disables_only_its_firm(firm_admin, client_as):
    admin, colleague, stranger = firm_admin
    client = client_as("enterprise_admin")
    page = client.get(reverse("core:firm_users")).content.decode()
    assert colleague.username in page and stranger.username not in page
    response = client.post(reverse("core:firm_users"), {"username": "qiye_wang", "display_name": "王工", "email": ""})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    added = User.objects.get(username="qiye_wang")
    assert added.credit_code == admin.credit_code and not added.is_org_admin and added.must_change_password
    assert can_log_in("qiye_wang", response.context["password"])
    client.post(reverse("core:firm_user_active", args=[colleague.pk]), {"active": "0"})
    assert not User.objects.get(pk=colleague.pk).is_active
    assert AuditEntry.objects.filter(object_type="core.user", object_id=str(colleague.pk), actor=admin).exists()


@pytest.mark.parametrize("name", ["firm_user_active", "firm_user_reset_password", "firm_user_handover"])
def test_another_firms_account_is_not_found(firm_admin, client_as, name):
    _admin, _colleague, stranger = firm_admin
    client = client_as("enterprise_admin")
    before = (counts(), list(User.objects.values_list("pk", "is_active", "is_org_admin", "password")))
    response = client.post(reverse(f"core:{name}", args=[stranger.pk]), {"active": "0"})
    assert response.status_code == 404
    assert (counts(), list(User.objects.values_list("pk", "is_active", "is_org_admin", "password"))) == before


def test_an_ordinary_firm_user_manages_nothing(firm_admin, client_as):
    admin, _colleague, _stranger = firm_admin
    client = client_as("enterprise_user")
    assert client.get(reverse("core:firm_users")).status_code == 403
    assert client.post(reverse("core:firm_user_active", args=[admin.pk]), {"active": "0"}).status_code == 403
    assert User.objects.get(pk=admin.pk).is_active


def test_handover_makes_the_new_administrator_pass_a_second_factor(firm_admin, client_as):
    admin, colleague, _stranger = firm_admin
    client = client_as("enterprise_admin")
    assert client.post(reverse("core:firm_user_handover", args=[colleague.pk])).status_code == 302
    assert User.objects.get(pk=colleague.pk).is_org_admin and not User.objects.get(pk=admin.pk).is_org_admin
    assert client.get(reverse("core:firm_users")).status_code == 403  # the former administrator manages no more
    fresh = PlainClient()
    fresh.post(reverse("login"), {"username": colleague.username, "password": PASSWORD})
    response = fresh.get(reverse("core:firm_users"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("core:second_factor_enrol"))


def test_enterprise_administrator_with_password_only_goes_to_the_second_factor(firm_admin):
    admin, colleague, _stranger = firm_admin
    fresh = PlainClient()
    fresh.post(reverse("login"), {"username": admin.username, "password": PASSWORD})
    response = fresh.get(reverse("my_home"))
    assert response.status_code == 302 and "/accounts/second-factor/" in response["Location"]
    plain = PlainClient()
    plain.post(reverse("login"), {"username": colleague.username, "password": PASSWORD})
    assert plain.get(reverse("message_list")).status_code == 200  # an ordinary firm user needs none


def test_one_administrator_per_firm_is_a_constraint(firm_admin):
    from django.db import IntegrityError, transaction

    _admin, colleague, _stranger = firm_admin
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=colleague.pk).update(is_org_admin=True)


# ---------------------------------------------------------------- notices for firms


def test_notices_are_sent_once_and_only_to_the_firms_own_accounts(firm_admin, firms):
    from kechuang.enterprises.models import Qualification
    from kechuang.projects.models import Application, Call

    admin, colleague, stranger = firm_admin
    today = timezone.localdate()
    for firm in firms.values():
        Qualification.objects.create(
            enterprise=firm,
            tier="high_tech",
            certificate_number=f"GR{firm.pk:08d}",
            issue_date=today - dt.timedelta(days=3 * 365),
            expiry_date=today + dt.timedelta(days=20),
        )
    zichuan = OrgUnit.objects.get(code="zichuan", kind=OrgUnit.Kind.REGION)
    open_to_all = Call.objects.create(
        code="T-1",
        kind="guide",
        mode="guide",
        plan="key_rd",
        year=today.year,
        title="全市指南",
        problem="p",
        state="open",
        published_on=today,
        application_deadline=today + dt.timedelta(days=5),
    )
    Call.objects.create(
        code="T-2",
        kind="guide",
        mode="guide",
        plan="key_rd",
        year=today.year,
        title="淄川区指南",
        problem="p",
        state="open",
        published_on=today,
        region=zichuan,
    )
    Application.objects.create(
        call=open_to_all,
        applicant="淄川企业",
        credit_code=firms["zichuan"].credit_code,
        region=zichuan,
        project_title="退回的申报",
        state="formal_failed",
        formal_note="缺少财务报表",
    )
    call_command("send_firm_notices")
    mine = set(Message.objects.filter(user=admin).values_list("kind", flat=True))
    assert mine == {"expiring", "opportunity", "deadline"}
    assert Message.objects.filter(user=colleague).count() == Message.objects.filter(user=admin).count() == 3
    theirs = set(Message.objects.filter(user=stranger).values_list("kind", flat=True))
    assert theirs == {"expiring", "opportunity", "returned"}  # its region's call; it applied to the city-wide one
    # an expiry notice opens the firm's ladder page, where the criteria of the renewal are
    assert set(Message.objects.filter(kind="expiring").values_list("url", flat=True)) == {reverse("portal:ladder")}
    assert not Message.objects.filter(user=admin, subject__contains="淄川区指南").exists()
    total = Message.objects.count()
    call_command("send_firm_notices")
    assert Message.objects.count() == total  # idempotent
    # the next stage of the same expiry is news again
    call_command("send_firm_notices", today=(today + dt.timedelta(days=15)).isoformat())
    assert Message.objects.filter(user=admin, kind="expiring").count() == 1  # 5 days left: still the 30-day stage
    assert not Message.objects.filter(user__role=Role.DISTRICT_OFFICER, kind="expiring").exists()


def test_registration_pages_render(firms, client_as):
    assert PlainClient().get(reverse("core:register")).status_code == 200
    assert client_as("zhangdian_officer").get(reverse("core:invitations")).status_code == 200
    assert firm_accounts.REGISTRATION_PURPOSE


def test_withdrawing_consent_ends_a_pending_request(firms):
    from kechuang.core import consent

    register(form(firms["zhangdian"].credit_code))
    record = ConsentRecord.objects.get(object_type="core.accountrequest")
    consent.withdraw(reference=record.reference, contact="13800138000")
    req = AccountRequest.objects.get()
    assert req.status == "refused" and req.contact_name == "" and req.mobile == "" and req.password == ""


def test_the_grant_page_refuses_a_second_administrator(firm_admin, persona):
    from django.core.exceptions import ValidationError

    from kechuang.core.user_admin import grant_role

    admin, colleague, _stranger = firm_admin
    with pytest.raises(ValidationError) as refused:
        grant_role(
            actor=persona("secadmin"),
            user=colleague,
            role=Role.ENTERPRISE,
            org_unit=None,
            credit_code=admin.credit_code,
            is_org_admin=True,
        )
    assert "is_org_admin" in refused.value.error_dict
    assert not User.objects.get(pk=colleague.pk).is_org_admin
