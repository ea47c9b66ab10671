"""A project a district registers has no task book until the bureau sets one (services.may_set_task_book): every page
that shows goals against actuals answers with a clear empty state for it, and the project page shows the task book's
forms and the signature to whoever the services let set them, and to nobody else."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kechuang.core import imports
from kechuang.projects import services
from kechuang.projects.models import Project
from tests.projects.test_import import project_row, register, workbook  # noqa: F401 (the register fixture)

pytestmark = pytest.mark.django_db

EMPTY_ZH = "尚未确定绩效目标（由市科技局在任务书中确定）"
EMPTY_EN = "No performance goals yet (the city S&T bureau sets them in the task book)."
TASK_BOOK_FORMS = ('value="milestone"', 'value="goals"', 'value="sign_task_book"')
PERSONAS = ["bureau_staff", "bureau_admin", "zhangdian_officer"]


@pytest.fixture
def goal_less(register, persona):  # noqa: F811
    data = workbook([project_row("XM-NG")], [], [])
    job = imports.import_now("projects", actor=persona("zhangdian_officer"), filename="p.xlsx", data=data)
    assert job.status == "done", job.errors
    project = Project.objects.get(code="XM-NG")
    assert not project.goals.exists() and project.state == "approved"
    return project


@pytest.mark.parametrize("name", PERSONAS)
def test_the_project_page_says_the_goals_are_the_bureaus_to_set(goal_less, client_as, persona, name):
    client = client_as(name)
    url = reverse("projects:project", args=[goal_less.pk])
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    page = response.content.decode()
    assert response.status_code == 200 and EMPTY_ZH in page
    assert 'data-testid="goal-score"' not in page and 'data-testid="goal-problems"' not in page  # no 0 as a score
    assert EMPTY_EN in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # the task book's forms and the signature: by the services' rule, the bureau's only
    shown = [f for f in TASK_BOOK_FORMS if f in page]
    assert shown == (list(TASK_BOOK_FORMS) if services.may_set_task_book(persona(name)) else [])
    assert shown == (list(TASK_BOOK_FORMS) if name.startswith("bureau") else []), (name, shown)


def test_a_district_cannot_submit_what_it_is_not_shown(goal_less, client_as):
    client = client_as("zhangdian_officer")
    url = reverse("projects:project_action", args=[goal_less.pk])
    for data in (
        {"do": "milestone", "due_on": "2026-06-30", "indicators": "阶段", "payment_share": "100"},
        {"do": "step", "action": "sign_task_book"},
    ):
        client.post(url, data)
    goal_less.refresh_from_db()
    assert goal_less.state == "approved" and not goal_less.milestones.exists()


@pytest.mark.parametrize("name", PERSONAS)
@pytest.mark.parametrize(
    "url_name",
    [
        "projects:pipeline",
        "projects:pipeline_export",
        "projects:performance",
        "projects:funds",
        "projects:funds_export",
        "projects:import_export",
    ],
)
def test_every_board_and_export_answers_for_a_goal_less_project(goal_less, client_as, name, url_name):
    response = client_as(name).get(reverse(url_name), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200, (name, url_name)


def test_an_evaluation_of_a_goal_less_project_asks_for_the_score(goal_less, persona, client_as):
    staff = persona("bureau_staff")
    services.project_step(actor=staff, project=goal_less, action="terminate", note="终止")
    page = client_as("bureau_staff").get(reverse("projects:project", args=[goal_less.pk])).content.decode()
    assert '<input name="score" inputmode="decimal" required>' in page
    with pytest.raises(ValidationError) as refused:
        services.evaluation_record(actor=staff, project=goal_less, kind="bureau", result_use="continue")
    assert refused.value.message_dict["score"] == [
        "该项目没有绩效目标表：请填写评分。"
    ]  # the page's language stays active
    row = services.evaluation_record(actor=staff, project=goal_less, kind="bureau", result_use="continue", score=70)
    assert row.score == 70


@pytest.mark.parametrize("name", ["bureau_staff", "zhangdian_officer"])
def test_the_api_gives_no_goals_rather_than_a_score(goal_less, client, token_for, name):
    response = client.get(f"/api/projects/{goal_less.pk}", **token_for(name))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["has_goals"] is False and body["goals"] == [] and body["evaluations"] == []


def test_the_goal_form_only_while_the_goal_table_may_change(staff, open_call, unit, client_as):
    from tests.projects.conftest import approved_project, make_expert, sign

    project = sign(staff, approved_project(staff, open_call, unit, make_expert("e1")))
    url = reverse("projects:project", args=[project.pk])
    assert 'value="goals"' not in client_as("bureau_staff").get(url).content.decode()  # signed: a change first
    change = services.change_request(actor=staff, project=project, kind="targets", description="调整指标")
    services.change_decide(actor=staff, change=change, approve=True)
    assert 'value="goals"' in client_as("bureau_staff").get(url).content.decode()
    assert 'value="goals"' not in client_as("zhangdian_officer").get(url).content.decode()
