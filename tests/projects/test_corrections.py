"""Correction orders (整改) after a monitoring finding: the order with its due date, the project's response (its
district, the bureau, or the firm's own enterprise account), the bureau's verification (close, or reopen with a
reason and a new date), the overdue flag; every step audited, every forbidden step refused with nothing written."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from kechuang.core.models import AuditEntry, User
from kechuang.core.roles import Role
from kechuang.projects import selectors, services
from kechuang.projects.models import Correction
from tests.projects.conftest import FIRM_A, FIRM_C, approved_project, make_expert, sign

pytestmark = pytest.mark.django_db


def _steps(order: Correction) -> list[str]:
    return list(
        AuditEntry.objects.filter(object_type="projects.correction", object_id=str(order.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


@pytest.fixture
def project(staff, open_call, unit):
    return sign(staff, approved_project(staff, open_call, unit, make_expert("e1")))


def _order(staff, project, **extra) -> Correction:
    report = services.monitoring_file(
        actor=staff,
        project=project,
        period=extra.pop("period", "2026-H2"),
        progress="滞后",
        budget_execution=Decimal(10),
        planned_execution=Decimal(60),
        action="correct",
        correction=extra.pop("correction", "补齐支出凭证"),
        **extra,
    )
    return report.correction


def test_order_due_by_the_rule_or_the_bureaus_date(staff, project):
    today = timezone.localdate()
    order = _order(staff, project)
    assert order.state == "open" and order.ordered_on == today
    assert order.due_on == today + dt.timedelta(days=int(services.rule_params()["correction_days"]))
    assert _steps(order) == ["create"]
    later = today + dt.timedelta(days=10)
    assert _order(staff, project, period="2027-H1", correction_due=later).due_on == later


def test_a_correction_needs_its_requirement_and_a_future_date(staff, project, unchanged_db):
    with unchanged_db():
        with pytest.raises(ValidationError) as caught:
            _order(staff, project, correction=" ")
        assert "correction" in caught.value.message_dict
        with pytest.raises(ValidationError) as caught:
            _order(staff, project, correction_due=timezone.localdate())
        assert "correction_due" in caught.value.message_dict


def test_respond_verify_close(staff, project, persona):
    order = _order(staff, project)
    services.correction_respond(actor=persona("zhangdian_officer"), correction=order, response="已补齐凭证")
    order.refresh_from_db()
    assert order.state == "responded" and order.responded_on == timezone.localdate()
    services.correction_verify(actor=staff, correction=order, close=True, note="复核通过")
    order.refresh_from_db()
    assert order.state == "closed" and order.verification_note == "复核通过" and not order.is_overdue(dt.date.max)
    assert _steps(order) == ["create", "update", "update"]


def test_reopen_needs_a_reason_and_sets_a_new_date(staff, project, persona, unchanged_db):
    order = _order(staff, project)
    services.correction_respond(actor=staff, correction=order, response="已整改")
    with unchanged_db():
        with pytest.raises(ValidationError) as caught:
            services.correction_verify(actor=staff, correction=order, close=False, note="")
        assert "note" in caught.value.message_dict
    new_due = timezone.localdate() + dt.timedelta(days=14)
    services.correction_verify(actor=staff, correction=order, close=False, note="凭证不全", due_on=new_due)
    order.refresh_from_db()
    assert order.state == "open" and order.due_on == new_due and order.reopened == 1


def test_forbidden_steps_change_nothing(staff, project, persona, unchanged_db):
    order = _order(staff, project)
    with unchanged_db():
        # verify before any response; close twice; answer a closed order
        with pytest.raises(ValidationError):
            services.correction_verify(actor=staff, correction=order, close=True)
        # only the bureau verifies
        with pytest.raises(PermissionDenied):
            services.correction_verify(actor=persona("zhangdian_officer"), correction=order, close=True)
        # another district, the read-only leader, a department officer: not theirs to answer
        for name in ("zichuan_officer", "leader", "lead_officer"):
            with pytest.raises(PermissionDenied):
                services.correction_respond(actor=persona(name), correction=order, response="x")
        with pytest.raises(ValidationError) as caught:
            services.correction_respond(actor=staff, correction=order, response="  ")
        assert "response" in caught.value.message_dict
    services.correction_respond(actor=staff, correction=order, response="ok")
    services.correction_verify(actor=staff, correction=order, close=True)
    with unchanged_db():
        for call in (
            lambda: services.correction_respond(actor=staff, correction=order, response="again"),
            lambda: services.correction_verify(actor=staff, correction=order, close=False, note="x"),
        ):
            with pytest.raises(ValidationError):
                call()


def test_overdue_flag_and_the_board(staff, project, persona):
    order = _order(staff, project)
    Correction.objects.filter(pk=order.pk).update(due_on=timezone.localdate() - dt.timedelta(days=1))
    order.refresh_from_db()
    assert order.is_overdue(timezone.localdate())
    board = selectors.performance_board(persona("zhangdian_officer"))
    assert board["n_corrections"] == 1 and board["n_overdue"] == 1
    other = selectors.performance_board(persona("zichuan_officer"))
    assert other["n_corrections"] == 0 and other["n_overdue"] == 0
    # answered late: no longer overdue, marked late
    services.correction_respond(actor=staff, correction=order, response="迟交")
    order.refresh_from_db()
    assert not order.is_overdue(timezone.localdate()) and order.mark(timezone.localdate()).late
    assert selectors.performance_board(staff)["n_overdue"] == 0


def test_firm_answers_its_own_order_on_the_portal(staff, project, client, unchanged_db):
    order = _order(staff, project)
    own = User.objects.create(username="t_firm_a", role=Role.ENTERPRISE, credit_code=FIRM_A, display_name="A")
    other = User.objects.create(username="t_firm_c", role=Role.ENTERPRISE, credit_code=FIRM_C, display_name="C")
    url = reverse("projects:portal_correction", args=[order.pk])
    client.force_login(other)
    assert order.requirement not in client.get(reverse("projects:portal")).content.decode()
    with unchanged_db():
        assert client.post(url, {"response": "不是我的"}).status_code == 404
    client.force_login(own)
    page = client.get(reverse("projects:portal")).content.decode()
    assert order.requirement in page and url in page
    response = client.post(url, {"response": "已整改完毕"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.state == "responded" and order.response == "已整改完毕"
    assert AuditEntry.objects.filter(object_type="projects.correction", object_id=str(order.pk), actor=own).exists()


def test_project_page_steps(staff, project, client_as):
    order = _order(staff, project)
    page = client_as("zhangdian_officer").get(reverse("projects:project", args=[project.pk])).content.decode()
    assert order.requirement in page and "correction_respond" in page and "correction_verify" not in page
    url = reverse("projects:project_action", args=[project.pk])
    client_as("zhangdian_officer").post(url, {"do": "correction_respond", "correction": order.pk, "response": "改"})
    bureau = client_as("bureau_staff")
    assert "correction_verify" in bureau.get(reverse("projects:project", args=[project.pk])).content.decode()
    bureau.post(url, {"do": "correction_verify", "correction": order.pk, "close": "1", "note": "好"})
    order.refresh_from_db()
    assert order.state == "closed"
