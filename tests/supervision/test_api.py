"""API: milestones, periods, reports; the same scope and workflow as the pages."""

from __future__ import annotations

import json

import pytest

from kechuang.supervision import services

pytestmark = pytest.mark.django_db


def get(client, url, headers):
    return client.get(url, **headers)


def send(client, method, url, headers, body):
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json", **headers)


def test_department_lists_only_its_own_reports(client, period, token_for):
    response = get(client, f"/api/supervision/reports?period={period.code}&limit=200", token_for("supporting_officer"))
    assert response.status_code == 200
    items = response.json()["items"]
    assert items and {r["department"] for r in items} == {"education"}
    assert get(client, "/api/supervision/reports", token_for("zhangdian_officer")).json()["count"] == 0


def test_supporter_cannot_read_another_supporters_draft_or_the_leads_report(client, period, report_of, token_for):
    for other in (report_of(8, "finance"), report_of(8, "science_tech")):
        response = get(client, f"/api/supervision/reports/{other.pk}", token_for("supporting_officer"))
        assert response.status_code == 404 and response.json()["error"]["code"]


def test_walk_through_the_api(client, period, report_of, token_for):
    support, lead = report_of(3, "education"), report_of(3, "science_tech")
    edu, sci, bureau = token_for("supporting_officer"), token_for("lead_officer"), token_for("bureau_staff")
    r = send(client, "patch", f"/api/supervision/reports/{support.pk}", edu, {"work_done": "配合开展基础研究"})
    assert r.status_code == 200 and r.json()["allowed_actions"] == ["submit"]
    # The lead cannot see the draft yet.
    assert get(client, f"/api/supervision/reports/{support.pk}", sci).status_code == 404
    r = send(client, "post", f"/api/supervision/reports/{support.pk}/transitions", edu, {"action": "submit"})
    assert r.status_code == 200 and r.json()["state"] == "with_lead"
    assert get(client, f"/api/supervision/reports/{support.pk}", sci).status_code == 200
    # A supporter consolidating: refused.
    r = send(client, "post", f"/api/supervision/reports/{support.pk}/transitions", edu, {"action": "consolidate"})
    assert r.status_code == 403 and r.json()["error"]["code"]
    send(client, "patch", f"/api/supervision/reports/{lead.pk}", sci, {"work_done": "汇总"})
    r = send(client, "post", f"/api/supervision/reports/{lead.pk}/transitions", sci, {"action": "consolidate"})
    assert r.json()["state"] == "with_bureau"
    r = send(client, "post", f"/api/supervision/reports/{lead.pk}/transitions", bureau, {"action": "accept"})
    assert r.json()["state"] == "accepted"
    r = send(client, "patch", f"/api/supervision/reports/{lead.pk}", sci, {"work_done": "改写"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "validation_error"


def test_periods_and_milestones(client, policy, token_for):
    bureau, sci = token_for("bureau_staff"), token_for("lead_officer")
    r = send(client, "post", "/api/supervision/periods", bureau, {"year": 2027, "quarter": 2, "due_date": "2027-06-25"})
    assert r.status_code == 201 and r.json()["code"] == "2027-Q2"
    assert (
        send(
            client, "post", "/api/supervision/periods", sci, {"year": 2027, "quarter": 3, "due_date": "2027-09-25"}
        ).status_code
        == 403
    )
    assert [p["code"] for p in get(client, "/api/supervision/periods", sci).json()] == ["2027-Q2"]
    body = {
        "task": 2,
        "title": "新增省级平台50家",
        "due_date": "2027-06-30",
        "department": "science_tech",
        "targets": ["t02_platforms_2027"],
    }
    r = send(client, "post", "/api/supervision/milestones", bureau, body)
    assert r.status_code == 201 and r.json()["targets"] == ["t02_platforms_2027"]
    assert send(client, "post", "/api/supervision/milestones", sci, body).status_code == 403
    assert len(get(client, "/api/supervision/milestones?task=2", sci).json()) == 1


def test_figures_by_target_code(client, period, report_of, token_for):
    lead = report_of(2, "science_tech")
    r = send(
        client,
        "patch",
        f"/api/supervision/reports/{lead.pk}",
        token_for("lead_officer"),
        {"figures": {"t02_platforms_2027": 530}},
    )
    assert r.status_code == 200 and r.json()["figures"][0]["target"] == "t02_platforms_2027"
    r = send(
        client,
        "patch",
        f"/api/supervision/reports/{lead.pk}",
        token_for("lead_officer"),
        {"figures": {"t11_provincial_talents_p1y": 5}},
    )
    assert r.status_code == 422


def test_leader_reads_but_cannot_transition(client, period, report_of, token_for, persona, written, unchanged_db):
    lead = report_of(3, "science_tech")
    written(lead, "lead_officer")
    services.report_consolidate(actor=persona("lead_officer"), report=lead)
    headers = token_for("leader")
    read = get(client, f"/api/supervision/reports/{lead.pk}", headers)
    assert read.status_code == 200 and read.json()["id"] == lead.pk and read.json()["state"] == "with_bureau"
    with unchanged_db():
        r = send(client, "post", f"/api/supervision/reports/{lead.pk}/transitions", headers, {"action": "accept"})
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
