"""Every transition of the workflow table, the forbidden ones, and what each step records."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from kechuang.core.models import AuditEntry, Message
from kechuang.policy.models import TaskDepartment
from kechuang.supervision import services, workflow
from kechuang.supervision.models import Milestone, ProgressReport, ReportEvent
from tests.conftest import first

State = ProgressReport.State
pytestmark = pytest.mark.django_db


def test_opening_a_period_gives_every_department_a_report_per_task_it_leads_or_supports(policy, period):
    links = TaskDepartment.objects.filter(task__policy=policy)
    assert period.reports.count() == links.count() == 65
    assert period.reports.values("department").distinct().count() == 16
    supporter = period.reports.get(task__number=3, department__code="education")
    assert supporter.role == "support" and supporter.lead_department.code == "science_tech"
    assert supporter.due_date == period.supporters_due_date
    lead = period.reports.get(task__number=3, department__code="science_tech")
    assert lead.role == "lead" and lead.lead_department is None and lead.due_date == period.due_date
    # Task 10 has two lead departments: supporters report to the first (市国资委).
    assert period.reports.get(task__number=10, department__code="science_tech").lead_department.code == "sasac"
    assert AuditEntry.objects.filter(object_type="supervision.reportingperiod", object_id=str(period.pk)).exists()


def test_period_cannot_be_opened_twice_or_by_an_officer(policy, period, persona, today):
    with pytest.raises(ValidationError):
        services.period_open(actor=persona("bureau_staff"), policy=policy, year=2026, quarter=3, due_date=today)
    with pytest.raises(PermissionDenied):
        services.period_open(actor=persona("lead_officer"), policy=policy, year=2026, quarter=4, due_date=today)


def test_full_walk_supporter_to_lead_to_bureau(report_of, written, persona):
    support, lead = report_of(3, "education"), report_of(3, "science_tech")
    written(support, "supporting_officer")
    services.report_submit(actor=persona("supporting_officer"), report=support)
    support.refresh_from_db()
    assert support.state == State.WITH_LEAD and support.submitted_at and support.first_submitted_at
    assert Message.objects.filter(
        user=persona("lead_officer"), kind="review", about_type="supervision.progressreport", about_id=support.pk
    ).exists()

    written(lead, "lead_officer")
    services.report_consolidate(actor=persona("lead_officer"), report=lead)
    lead.refresh_from_db()
    support.refresh_from_db()
    assert lead.state == State.WITH_BUREAU
    assert support.consolidated_into_id == lead.pk

    services.report_return(actor=persona("bureau_staff"), report=lead, comment="请补充数据")
    lead.refresh_from_db()
    assert lead.state == State.RETURNED and lead.return_comment == "请补充数据" and lead.returned_at
    assert Message.objects.filter(
        user=persona("lead_officer"), kind="returned", about_type="supervision.progressreport", about_id=lead.pk
    ).exists()
    # A returned report can be edited and resubmitted.
    services.report_update(actor=persona("lead_officer"), report=lead, figures_text="新增平台12家")
    services.report_consolidate(actor=persona("lead_officer"), report=lead)

    services.report_accept(actor=persona("bureau_staff"), report=lead)
    lead.refresh_from_db()
    support.refresh_from_db()
    assert lead.state == support.state == State.ACCEPTED and lead.accepted_at
    steps = list(ReportEvent.objects.filter(report=lead).values_list("action", flat=True))
    assert steps == ["consolidate", "return", "consolidate", "accept"]
    audited = AuditEntry.objects.filter(object_type="supervision.progressreport", object_id=str(lead.pk))
    transitions = [e.detail.get("transition") for e in audited.order_by("id") if e.detail.get("transition")]
    assert transitions == ["consolidate", "return", "consolidate", "accept"]


def test_lead_may_return_a_supporters_report(report_of, written, persona):
    support = report_of(3, "education")
    written(support, "supporting_officer")
    services.report_submit(actor=persona("supporting_officer"), report=support)
    services.report_return(actor=persona("lead_officer"), report=support, comment="请补充配合工作")
    support.refresh_from_db()
    assert support.state == State.RETURNED
    services.report_submit(actor=persona("supporting_officer"), report=support)
    support.refresh_from_db()
    assert support.state == State.WITH_LEAD


def test_report_cannot_be_edited_after_acceptance(report_of, written, persona):
    lead = report_of(1, "science_tech")
    written(lead, "lead_officer")
    services.report_consolidate(actor=persona("lead_officer"), report=lead)
    services.report_accept(actor=persona("bureau_staff"), report=lead)
    with pytest.raises(ValidationError) as err:
        services.report_update(actor=persona("lead_officer"), report=lead, work_done="改写")
    assert err.value.code == "accepted"
    with pytest.raises(ValidationError):
        services.report_consolidate(actor=persona("lead_officer"), report=lead)
    with pytest.raises(ValidationError):
        services.report_return(actor=persona("bureau_staff"), report=lead, comment="再看看")
    lead.refresh_from_db()
    assert lead.state == State.ACCEPTED and lead.work_done.startswith("本季度")


def test_handed_on_report_cannot_be_edited(report_of, written, persona):
    support = report_of(3, "education")
    written(support, "supporting_officer")
    services.report_submit(actor=persona("supporting_officer"), report=support)
    with pytest.raises(ValidationError):
        services.report_update(actor=persona("supporting_officer"), report=support, work_done="改写")


def test_department_cannot_submit_for_a_task_it_does_not_own(report_of, written, persona):
    # 市教育局 neither leads nor supports task 1: 市科技局's report is not its to write or submit.
    other = report_of(1, "science_tech")
    with pytest.raises(PermissionDenied):
        services.report_update(actor=persona("supporting_officer"), report=other, work_done="x")
    written(other, "lead_officer")
    with pytest.raises(PermissionDenied):
        services.report_submit(actor=persona("supporting_officer"), report=other)
    with pytest.raises(PermissionDenied):
        services.report_consolidate(actor=persona("supporting_officer"), report=other)


def test_supporter_cannot_consolidate(report_of, written, persona):
    support = report_of(3, "education")
    written(support, "supporting_officer")
    with pytest.raises(PermissionDenied):
        services.report_consolidate(actor=persona("supporting_officer"), report=support)
    # nor consolidate the lead's report
    lead = report_of(3, "science_tech")
    written(lead, "lead_officer")
    with pytest.raises(PermissionDenied):
        services.report_consolidate(actor=persona("supporting_officer"), report=lead)
    support.refresh_from_db()
    lead.refresh_from_db()
    assert support.state == lead.state == State.DRAFT


def test_lead_cannot_accept_and_bureau_cannot_submit(report_of, written, persona):
    lead = report_of(3, "science_tech")
    written(lead, "lead_officer")
    with pytest.raises(PermissionDenied):
        services.report_submit(actor=persona("lead_officer"), report=lead)  # a lead consolidates, never "submits"
    services.report_consolidate(actor=persona("lead_officer"), report=lead)
    with pytest.raises(PermissionDenied):
        services.report_accept(actor=persona("lead_officer"), report=lead)
    with pytest.raises(PermissionDenied):
        services.report_consolidate(actor=persona("bureau_staff"), report=lead)
    with pytest.raises(PermissionDenied):
        services.report_accept(actor=persona("leader"), report=lead)
    with pytest.raises(PermissionDenied):
        services.report_accept(actor=persona("zhangdian_officer"), report=lead)


def test_bureau_cannot_accept_a_draft_and_return_needs_a_comment(report_of, written, persona):
    lead = report_of(3, "science_tech")
    with pytest.raises(ValidationError):
        services.report_accept(actor=persona("bureau_staff"), report=lead)
    with pytest.raises(ValidationError) as err:
        services.report_consolidate(actor=persona("lead_officer"), report=lead)  # empty report
    assert err.value.error_dict["work_done"][0].code == "empty"
    written(lead, "lead_officer")
    services.report_consolidate(actor=persona("lead_officer"), report=lead)
    with pytest.raises(ValidationError):
        services.report_return(actor=persona("bureau_staff"), report=lead, comment="  ")


def test_table_is_the_only_source_of_transitions():
    assert workflow.next_state("draft", "submit", "supporter") == "with_lead"
    assert workflow.next_state("returned", "consolidate", "lead") == "with_bureau"
    for state in ("with_lead", "with_bureau", "accepted"):
        assert not workflow.can_edit(state, "lead")
    assert workflow.can_edit("returned", "supporter")
    with pytest.raises(workflow.TransitionRefused):
        workflow.next_state("accepted", "return", "bureau")
    assert workflow.allowed_actions("with_bureau", "bureau") == ["return", "accept"]
    assert workflow.allowed_actions("draft", "other") == []


def test_acceptance_completes_reported_milestones(report_of, written, persona):
    from kechuang.policy.models import Target

    task_number = 2  # has a numeric target (600 platforms by 2027)
    lead = report_of(task_number, "science_tech")
    target = first(Target.objects.filter(task=lead.task).exclude(comparator="achieved").exclude(value=None))
    milestone = services.milestone_create(
        actor=persona("bureau_staff"),
        task=lead.task,
        title="印发实施方案",
        due_date=lead.due_date,
        department=lead.department,
        targets=[target],
    )
    written(lead, "lead_officer")
    services.report_update(
        actor=persona("lead_officer"), report=lead, milestones_reached=[milestone], figures={target.pk: 42}
    )
    services.report_consolidate(actor=persona("lead_officer"), report=lead)
    milestone.refresh_from_db()
    assert milestone.completed_on is None  # only acceptance completes it
    services.report_accept(actor=persona("bureau_staff"), report=lead)
    milestone.refresh_from_db()
    assert milestone.completed_on is not None and milestone.completed_by_report_id == lead.pk


def test_supervision_feeds_the_indicators(report_of, written, persona, policy, django_capture_on_commit_callbacks):
    """Defect 3: accepted figures reach the indicator module through core.registry's feeds (no fake module, no
    probe): the observation is written after commit, for the period's quarter, naming where it comes from."""
    from kechuang.indicators.models import Observation
    from kechuang.policy.models import Target

    lead = report_of(2, "science_tech")
    target = Target.objects.filter(task=lead.task).exclude(comparator="achieved").exclude(value=None).first()
    region = target.region or policy.city
    observations = Observation.objects.filter(indicator=target.indicator, region=region, year=2026, quarter=3)
    written(lead, "lead_officer")
    services.report_update(actor=persona("lead_officer"), report=lead, figures={target.pk: 42})
    with django_capture_on_commit_callbacks(execute=True):
        services.report_consolidate(actor=persona("lead_officer"), report=lead)
    assert not observations.exists()  # a figure counts once the bureau accepts it
    with django_capture_on_commit_callbacks(execute=True):
        services.report_accept(actor=persona("bureau_staff"), report=lead)
    obs = observations.get()
    # the current year's figures are preliminary, a past year's final (the test may run on a moved clock)
    status = Observation.Status.PRELIMINARY if timezone.localdate().year == 2026 else Observation.Status.FINAL
    assert obs.value == 42 and obs.status == status and not obs.is_demo
    assert "督查督办" in obs.source  # provenance: the supervision reports, as accepted by the bureau
    assert lead.figures.get().observation_recorded

    from kechuang.indicators.services import sync_feeds

    assert sync_feeds([2026]) == 0  # idempotent: the feed already wrote it


def test_report_page_promises_no_module_that_may_be_missing(report_of, client_as):
    html = client_as("lead_officer").get(f"/supervision/reports/{report_of(2, 'science_tech').pk}/").content.decode()
    assert "once it is installed" not in html and "安装" not in html


def test_rolled_back_acceptance_feeds_nothing(report_of, written, persona, policy):
    from kechuang.indicators.models import Observation
    from kechuang.policy.models import Target

    lead = report_of(2, "science_tech")
    target = first(Target.objects.filter(task=lead.task).exclude(comparator="achieved").exclude(value=None))
    written(lead, "lead_officer")
    services.report_update(actor=persona("lead_officer"), report=lead, figures={target.pk: 7})
    services.report_consolidate(actor=persona("lead_officer"), report=lead)
    services.report_accept(actor=persona("bureau_staff"), report=lead)  # on_commit never runs in the test
    assert lead.figures.get().value == 7
    assert not Observation.objects.filter(indicator=target.indicator, year=2026, quarter=3).exists()


def test_figures_only_for_the_tasks_own_targets(report_of, persona):
    from kechuang.policy.models import Target

    lead = report_of(3, "science_tech")
    foreign = first(Target.objects.exclude(task=lead.task).exclude(task=None))
    with pytest.raises(ValidationError):
        services.report_update(actor=persona("lead_officer"), report=lead, figures={foreign.pk: 1})


def test_milestones_by_bureau_only_and_for_the_tasks_departments(policy, persona, unit):
    task = policy.tasks.get(number=3)
    with pytest.raises(PermissionDenied):
        services.milestone_create(
            actor=persona("lead_officer"), task=task, title="x", due_date="2026-12-31", department=unit("science_tech")
        )
    with pytest.raises(ValidationError):
        services.milestone_create(
            actor=persona("bureau_staff"), task=task, title="x", due_date="2026-12-31", department=unit("finance")
        )
    m = services.milestone_create(
        actor=persona("bureau_staff"), task=task, title="x", due_date="2026-12-31", department=unit("education")
    )
    assert Milestone.objects.get(pk=m.pk).department.code == "education"
