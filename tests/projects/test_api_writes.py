"""The projects API's writes: the same services as the pages (applications, formal check, expert scores, monitoring,
change requests, correction orders), scoped the same way; a refused write leaves the database unchanged."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from kechuang.core.models import AuditEntry, User
from kechuang.core.roles import Role
from kechuang.projects.models import Application, ChangeRequest, Correction, MonitoringReport, ReviewAssignment
from tests.projects.conftest import FIRM_A, FIRM_B, FIRM_C, approved_project, make_expert, sign

pytestmark = pytest.mark.django_db


def post(client, path, body, auth):
    return client.post(path, body, content_type="application/json", **auth)


@pytest.fixture
def firm_a(db):
    return User.objects.create(username="t_api_firm_a", role=Role.ENTERPRISE, credit_code=FIRM_A, display_name="A")


@pytest.fixture
def registered(unit):
    """FIRM_A and FIRM_C in the enterprise register (an enterprise account applies for a registered firm)."""
    from kechuang.enterprises.models import Enterprise

    Enterprise.objects.create(credit_code=FIRM_A, name="企业A", region=unit("zhangdian"))
    Enterprise.objects.create(credit_code=FIRM_C, name="企业C", region=unit("zichuan"))


def test_applications_by_district_and_by_the_firm(open_call, client, token_for, firm_a, registered, unchanged_db):
    path = f"/api/projects/calls/{open_call.pk}/applications"
    body = {"project_title": "膜", "requested_wan": "100", "applicant": "企业B", "credit_code": FIRM_B}
    made = post(client, path, body | {"region": "zhangdian"}, token_for("zhangdian_officer"))
    assert made.status_code == 201, made.content
    assert made.json()["region"] == "zhangdian" and made.json()["state"] == "submitted"
    with unchanged_db():
        # another district's firm, the leader, an unknown region, over the ceiling: refused, nothing written
        assert post(client, path, body | {"region": "zichuan"}, token_for("zhangdian_officer")).status_code == 403
        assert post(client, path, body | {"region": "zhangdian"}, token_for("leader")).status_code == 403
        bad = post(client, path, body | {"region": "nowhere"}, token_for("bureau_staff"))
        assert bad.status_code == 422 and "region" in bad.content.decode()
        over = body | {"region": "zhangdian", "credit_code": FIRM_C, "requested_wan": "99999"}
        assert "requested_wan" in post(client, path, over, token_for("bureau_staff")).content.decode()
    # the firm's own account: its credit code and region from its account and the register, whatever is sent
    client.force_login(firm_a)
    own = client.post(path, body | {"credit_code": FIRM_C, "region": "zichuan"}, content_type="application/json")
    assert own.status_code == 201, own.content
    app = Application.objects.get(pk=own.json()["id"])
    assert app.credit_code == FIRM_A and app.region.code == "zhangdian"


def test_formal_check_and_expert_scores(staff, open_call, unit, client, token_for):
    from tests.projects.conftest import apply

    app = apply(staff, open_call, FIRM_A, unit("zhangdian"))
    step = f"/api/projects/applications/{app.pk}/steps/"
    refused = post(client, step + "formal_fail", {"note": ""}, token_for("bureau_staff"))
    assert refused.status_code == 422 and "note" in refused.content.decode()
    assert post(client, step + "formal_pass", {}, token_for("zhangdian_officer")).status_code == 403
    assert post(client, step + "formal_pass", {}, token_for("zichuan_officer")).status_code == 404
    assert post(client, step + "formal_pass", {}, token_for("bureau_staff")).json()["state"] == "formal_passed"
    from kechuang.projects import services

    expert, other = make_expert("api_e1"), make_expert("api_e2")
    app.refresh_from_db()
    assignment = services.review_assign(actor=staff, application=app, expert=expert)
    path = f"/api/projects/reviews/{assignment.pk}"
    client.force_login(other)
    assert client.post(path, {"score": 80, "no_conflict": True}, content_type="application/json").status_code == 404
    client.force_login(expert)
    no_declaration = client.post(path, {"score": 80}, content_type="application/json")
    assert no_declaration.status_code == 422 and "no_conflict" in no_declaration.content.decode()
    done = client.post(path, {"score": 80, "no_conflict": True}, content_type="application/json")
    assert done.status_code == 200 and done.json()["state"] == "scored"
    assert ReviewAssignment.objects.get(pk=assignment.pk).score == Decimal(80)
    # not for a government account, even the bureau's
    client.logout()
    assert post(client, path, {"score": 1, "no_conflict": True}, token_for("bureau_staff")).status_code == 403


def test_monitoring_changes_and_corrections(staff, open_call, unit, client, token_for, firm_a, unchanged_db):
    project = sign(staff, approved_project(staff, open_call, unit, make_expert("api_e3")))
    path = f"/api/projects/{project.pk}/monitoring"
    body = {"period": "2026-H2", "progress": "滞后", "budget_execution": "10", "planned_execution": "60"}
    with unchanged_db():
        assert post(client, path, body | {"action": "correct"}, token_for("zhangdian_officer")).status_code == 403
        assert post(client, path, body, token_for("zichuan_officer")).status_code == 404
        assert post(client, path, body, token_for("leader")).status_code == 403
        bad = post(client, path, body | {"action": "correct"}, token_for("bureau_staff"))
        assert bad.status_code == 422 and "correction" in bad.content.decode()
        assert post(client, path, body | {"action": "sideways"}, token_for("bureau_staff")).status_code == 422
    due = (timezone.localdate() + dt.timedelta(days=20)).isoformat()
    made = post(
        client,
        path,
        body | {"action": "correct", "correction": "补凭证", "correction_due": due},
        token_for("bureau_staff"),
    )
    assert made.status_code == 201 and made.json()["warning"] and made.json()["correction_id"]
    order = Correction.objects.get(pk=made.json()["correction_id"])
    assert order.due_on.isoformat() == due and MonitoringReport.objects.filter(project=project).count() == 1
    # the corrections list: the district's and the firm's own; not another district's
    listed = client.get("/api/projects/corrections?overdue=false", **token_for("zhangdian_officer")).json()
    assert [c["id"] for c in listed["items"]] == [order.pk]
    assert client.get("/api/projects/corrections", **token_for("zichuan_officer")).json()["items"] == []
    respond, verify = (
        f"/api/projects/corrections/{order.pk}/response",
        f"/api/projects/corrections/{order.pk}/verification",
    )
    with unchanged_db():
        assert post(client, respond, {"response": "x"}, token_for("zichuan_officer")).status_code == 404
        assert post(client, verify, {"close": True}, token_for("zhangdian_officer")).status_code == 403
        assert post(client, verify, {"close": True}, token_for("bureau_staff")).status_code == 422  # not answered yet
    client.force_login(firm_a)
    assert client.get("/api/projects/corrections").json()["items"][0]["id"] == order.pk
    # the firm answers on its portal page; through the API, its district (or the bureau) does
    assert client.post(respond, {"response": "x"}, content_type="application/json").status_code == 403
    client.logout()
    answered = post(client, respond, {"response": "已整改"}, token_for("zhangdian_officer"))
    assert answered.status_code == 200 and answered.json()["state"] == "responded"
    reopened = post(client, verify, {"close": False, "note": "不全"}, token_for("bureau_staff"))
    assert reopened.status_code == 200 and reopened.json()["state"] == "open" and reopened.json()["reopened"] == 1
    steps = AuditEntry.objects.filter(object_type="projects.correction", object_id=str(order.pk))
    assert list(steps.exclude(action="denied").order_by("id").values_list("action", flat=True)) == [
        "create",
        "update",
        "update",
    ]
    # change requests and the bureau's decision
    change = post(client, f"/api/projects/{project.pk}/changes", {"kind": "schedule", "description": "延期"},
                  token_for("zhangdian_officer"))  # fmt: skip
    assert change.status_code == 422 and "new_end_on" in change.content.decode()
    change = post(
        client,
        f"/api/projects/{project.pk}/changes",
        {"kind": "schedule", "description": "延期", "new_end_on": "2028-03-31"},
        token_for("zhangdian_officer"),
    )
    assert change.status_code == 201
    decide = f"/api/projects/{project.pk}/changes/{change.json()['id']}/decision"
    assert post(client, decide, {"approve": True}, token_for("zhangdian_officer")).status_code == 403
    assert post(client, decide, {"approve": True}, token_for("bureau_staff")).json()["state"] == "approved"
    assert ChangeRequest.objects.get(pk=change.json()["id"]).state == "approved"


def test_a_district_cannot_file_another_districts_registered_firm_under_its_own_region(
    open_call, client, token_for, registered, client_as, unit
):
    """A district entered an application for a firm the enterprise register places in another district, filed
    under its own region (the API and the call page take the region as typed): the other district never saw its
    firm's application. The import already refused that; entry now does too, for the bureau as well."""
    path = f"/api/projects/calls/{open_call.pk}/applications"
    body = {"project_title": "膜", "requested_wan": "100", "applicant": "企业C", "credit_code": FIRM_C}
    refused = post(client, path, body | {"region": "zhangdian"}, token_for("zhangdian_officer"))
    assert refused.status_code == 422 and "region" in refused.json()["error"]["fields"], refused.content
    wrong = post(client, path, body | {"region": "zhangdian"}, token_for("bureau_staff"))
    assert wrong.status_code == 422 and "region" in wrong.json()["error"]["fields"], wrong.content
    page = client_as("zhangdian_officer").post(
        reverse("projects:call_action", args=[open_call.pk]),
        body | {"do": "apply", "region": "zhangdian", "self_raised_wan": "0"},
    )
    assert page.status_code == 302
    assert not Application.objects.filter(call=open_call, credit_code=FIRM_C).exists()
    made = post(client, path, body | {"region": "zichuan"}, token_for("bureau_staff"))
    assert made.status_code == 201 and made.json()["region"] == "zichuan", made.content
