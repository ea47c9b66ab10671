"""Self-registration of talents: a public request bound to the register by ID number (blind index), name and mobile
phone; the same answer whether or not it matched; rate-limited like the log-in; the password rules of core; the
account is activated only by the talent's district, its employer or the bureau."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from kechuang.core.models import AuditEntry, User
from kechuang.core.roles import Role
from kechuang.talent.models import PortalRegistration, RegistrationAttempt
from tests.talent import factories as f

pytestmark = pytest.mark.django_db
PASSWORD = "Zibo-Talent-2026!"


@pytest.fixture
def chen(persona, unit):
    return f.talent(persona("bureau_staff"), unit("zhangdian"), n=1, name="陈明", phone="13805330001")


def _post(client, **over):
    data = {
        "id_number": f.id_number(1),
        "name": "陈明",
        "phone": "13805330001",
        "username": "chenming",
        "password1": PASSWORD,
        "password2": PASSWORD,
    } | over
    return client.post(reverse("talent:register"), data, REMOTE_ADDR=over.pop("ip", "10.0.0.1"))


def _signs_in(client) -> bool:
    """Through the log-in page (axes needs the request)."""
    client.post(reverse("login"), {"username": "chenming", "password": PASSWORD}, REMOTE_ADDR="10.0.0.5")
    return client.session.get("_auth_user_id") == str(User.objects.get(username="chenming").pk)


def test_the_answer_is_the_same_whether_or_not_the_number_is_registered(chen, client):
    page = client.get(reverse("talent:register"))
    assert page.status_code == 200 and 'data-testid="talent-register"' in page.content.decode()
    unknown = _post(client, id_number=f.id_number(77), username="stranger")
    wrong_name = _post(client, name="陈明明", username="wrongname")
    wrong_phone = _post(client, phone="13900000000", username="wrongphone")
    match = _post(client)
    assert {r.status_code for r in (unknown, wrong_name, wrong_phone, match)} == {302}
    assert {r["Location"] for r in (unknown, wrong_name, wrong_phone, match)} == {reverse("talent:register_sent")}
    # only the full match made an account: inactive, a talent account, not yet bound
    assert list(
        User.objects.filter(role=Role.TALENT).exclude(username__startswith="p_").values_list("username", "is_active")
    ) == [("chenming", False)]
    reg = PortalRegistration.objects.get()
    assert reg.talent == chen and reg.state == "pending"
    chen.refresh_from_db()
    assert chen.account is None
    # a second request for the same talent while one is pending: nothing more, the same answer
    assert _post(client, username="chen2")["Location"] == reverse("talent:register_sent")
    assert PortalRegistration.objects.count() == 1 and not User.objects.filter(username="chen2").exists()
    # the audit log keeps the attempts, never the ID number
    texts = " ".join(str(e.detail) + str(e.changes) for e in AuditEntry.objects.all())
    assert f.id_number(1) not in texts and f.id_number(77) not in texts
    # an inactive account cannot sign in
    assert not _signs_in(client)


def test_what_the_visitor_may_be_told(chen, client):
    # the check digit (GB 11643), the user name, the password rules: named on the form, nothing created
    bad = f.id_number(1)[:-1] + ("0" if f.id_number(1)[-1] != "0" else "1")
    response = _post(client, id_number=bad)
    assert response.status_code == 200 and "id_number" in response.context["form"].errors
    response = _post(client, password1="short", password2="short")
    assert "password1" in response.context["form"].errors
    response = _post(client, password2=PASSWORD + "x")
    assert "password2" in response.context["form"].errors
    response = _post(client, username="p_bureau_staff")
    assert "username" in response.context["form"].errors
    response = _post(client, username="admin")
    assert "username" in response.context["form"].errors
    assert not PortalRegistration.objects.exists()


@override_settings(AXES_FAILURE_LIMIT=3)
def test_rate_limited_like_the_log_in(chen, client):
    for k in range(3):
        _post(client, id_number=f.id_number(50 + k), username=f"probe{k}")
    response = _post(client)  # even the right details: the address has used its window
    assert response.status_code == 429 and not PortalRegistration.objects.exists()
    assert RegistrationAttempt.objects.count() == 3
    # another address is not held back
    response = client.post(
        reverse("talent:register"),
        {
            "id_number": f.id_number(1),
            "name": "陈明",
            "phone": "13805330001",
            "username": "chenming",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
        REMOTE_ADDR="10.0.0.2",
    )
    assert response.status_code == 302 and PortalRegistration.objects.count() == 1


def test_the_district_activates_and_the_talent_signs_in(chen, client, client_as, persona):
    _post(client)
    reg = PortalRegistration.objects.get()
    # another district does not see it, the leader cannot decide, refusing needs a reason
    assert (
        client_as("zichuan_officer").post(reverse("talent:registration_step", args=[reg.pk, "activate"])).status_code
        == 404
    )
    assert client_as("leader").post(reverse("talent:registration_step", args=[reg.pk, "activate"])).status_code == 403
    officer = client_as("zhangdian_officer")
    assert "chenming" in officer.get(reverse("talent:registrations")).content.decode()
    officer.post(reverse("talent:registration_step", args=[reg.pk, "refuse"]), {"note": ""})
    reg.refresh_from_db()
    assert reg.state == "pending"
    officer.post(reverse("talent:registration_step", args=[reg.pk, "activate"]))
    reg.refresh_from_db()
    chen.refresh_from_db()
    assert reg.state == "activated" and reg.decided_by == persona("zhangdian_officer")
    assert chen.account.username == "chenming" and chen.account.is_active
    # decided once
    officer.post(reverse("talent:registration_step", args=[reg.pk, "refuse"]), {"note": "重复"})
    reg.refresh_from_db()
    assert reg.state == "activated"
    client.logout()
    assert _signs_in(client)
    page = client.get(reverse("talent:portal_home"))
    assert page.status_code == 200 and "陈明" in page.content.decode()


def test_the_employer_confirms_only_its_own_talents(chen, client, persona, unit):
    other = f.talent(persona("bureau_staff"), unit("zhangdian"), n=2, employer=2, name="周强", phone="13805330002")
    _post(client)
    _post(client, id_number=f.id_number(2), name="周强", phone="13805330002", username="zhouqiang", ip="10.0.0.9")
    mine, theirs = PortalRegistration.objects.get(talent=chen), PortalRegistration.objects.get(talent=other)
    employer = User.objects.create(username="e_chen", role=Role.ENTERPRISE, credit_code=f.credit_code(1))
    client.force_login(employer)
    home = client.get(reverse("talent:employer_home")).content.decode()
    assert "chenming" in home and "zhouqiang" not in home
    url = reverse("talent:employer_registration_step", args=[theirs.pk, "activate"])
    assert client.post(url).status_code == 404
    client.post(reverse("talent:employer_registration_step", args=[mine.pk, "refuse"]), {"note": "非本单位人员申请"})
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.state == "refused" and not mine.account.is_active and theirs.state == "pending"


def test_the_checks_and_the_account_are_the_enterprise_registrations_too(chen, client, unit):
    """core.registration: a name a firm's pending request holds is taken here too; the new (inactive) account is
    saved through the audit log like a firm's."""
    from kechuang.core.models import AccountRequest
    from kechuang.enterprises.population import credit_code

    AccountRequest.objects.create(
        credit_code=credit_code("370302", 910_003),
        organisation="某企业",
        region=unit("zhangdian"),
        contact_name="王",
        email="w@example.cn",
        mobile="13800000000",
        username="chenming",
    )
    response = _post(client)
    assert response.status_code == 200 and "username" in response.context["form"].errors
    assert _post(client, username="chenming2").status_code == 302
    account = User.objects.get(username="chenming2")
    assert not account.is_active
    assert AuditEntry.objects.filter(object_type="core.user", object_id=str(account.pk), action="create").exists()
