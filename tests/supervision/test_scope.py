"""Data scope: a department sees its own reports; the lead also its supporters' submitted ones."""

from __future__ import annotations

import pytest

from kechuang.supervision import services
from kechuang.supervision.selectors import reports_visible_to

pytestmark = pytest.mark.django_db


def ids(user, period):
    return set(reports_visible_to(user).filter(period=period).values_list("pk", flat=True))


def test_department_sees_only_its_own_reports(period, persona):
    education = persona("supporting_officer")
    visible = reports_visible_to(education).filter(period=period)
    assert visible.exists()
    assert set(visible.values_list("department__code", flat=True)) == {"education"}


def test_lead_sees_supporters_reports_only_once_submitted(period, report_of, written, persona):
    lead_officer = persona("lead_officer")
    support = report_of(3, "education")
    assert support.pk not in ids(lead_officer, period)  # a draft stays with its department
    written(support, "supporting_officer")
    services.report_submit(actor=persona("supporting_officer"), report=support)
    assert support.pk in ids(lead_officer, period)


def test_supporter_never_sees_another_supporters_report(period, report_of, written, persona):
    # Task 8: 市科技局 leads; 市教育局, 市工业和信息化局 and 市财政局 support.
    finance = report_of(8, "finance")
    services.report_update(actor=finance_officer(persona), report=finance, work_done="配合工作")
    services.report_submit(actor=finance_officer(persona), report=finance)
    education = persona("supporting_officer")
    assert finance.pk not in ids(education, period)
    assert report_of(8, "science_tech").pk not in ids(education, period)  # nor the lead's report


def finance_officer(persona):
    from kechuang.core.models import OrgUnit, User
    from kechuang.core.roles import Role

    user, _ = User.objects.get_or_create(
        username="p_finance_officer",
        defaults={
            "role": Role.DEPARTMENT_OFFICER,
            "org_unit": OrgUnit.objects.get(parent__code="zibo", code="finance"),
        },
    )
    return user


def test_city_wide_roles_see_all_and_districts_none(period, persona):
    total = period.reports.count()
    assert len(ids(persona("bureau_staff"), period)) == total
    assert len(ids(persona("leader"), period)) == total
    assert ids(persona("zhangdian_officer"), period) == set()


def test_report_page_and_attachment_follow_the_scope(period, report_of, client_as):
    lead = report_of(3, "science_tech")
    assert client_as("supporting_officer").get(f"/supervision/reports/{lead.pk}/").status_code == 404
    assert client_as("zhangdian_officer").get(f"/supervision/reports/{lead.pk}/").status_code == 404
    assert client_as("lead_officer").get(f"/supervision/reports/{lead.pk}/").status_code == 200


def test_leader_reads_but_cannot_act(period, report_of, written, persona, client_as, unchanged_db):
    lead = report_of(3, "science_tech")
    written(lead, "lead_officer")
    services.report_consolidate(actor=persona("lead_officer"), report=lead)
    client = client_as("leader")
    page = client.get(f"/supervision/reports/{lead.pk}/")
    assert page.status_code == 200 and b'name="action"' not in page.content
    with unchanged_db():
        response = client.post(f"/supervision/reports/{lead.pk}/transition/", {"action": "accept"})
        assert response.status_code == 403
    lead.refresh_from_db()
    assert lead.state == "with_bureau"


def test_department_page_is_for_its_own_officers_and_the_bureau(period, client_as):
    assert client_as("supporting_officer").get("/supervision/departments/education/").status_code == 200
    assert client_as("supporting_officer").get("/supervision/departments/finance/").status_code == 404
    assert client_as("bureau_staff").get("/supervision/departments/finance/").status_code == 200
    assert client_as("zhangdian_officer").get("/supervision/departments/education/").status_code == 404
