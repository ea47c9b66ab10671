"""The projects' state labels in Chinese: each state its own word. A bare msgid such as "Approved" or "Accepted" is
shared with other apps' catalogues, and the app listed first in INSTALLED_APPS decides what it reads everywhere."""

from __future__ import annotations

from django.utils import translation

from kechuang.projects.models import Application, ChangeRequest, Project


def zh(choices) -> list[str]:
    with translation.override("zh-hans"):
        return [str(label) for _value, label in choices.choices]


def test_the_project_states_are_all_distinct_and_translated():
    labels = zh(Project.State)
    assert len(set(labels)) == len(labels), labels
    assert not set(labels) & {str(label) for _value, label in Project.State.choices}  # none left in English
    state = dict(zip(Project.State.values, labels, strict=True))
    assert state[Project.State.APPROVED] == "已立项"
    assert state[Project.State.ACCEPTED] == "验收通过"
    assert "审核" not in "".join(labels)  # a funded project is not "reviewed": it is approved, then accepted


def test_applications_and_changes_read_in_their_own_words():
    application = dict(zip(Application.State.values, zh(Application.State), strict=True))
    assert len(set(application.values())) == len(application)
    assert application[Application.State.APPROVED] == "已立项"
    change = dict(zip(ChangeRequest.State.values, zh(ChangeRequest.State), strict=True))
    assert change == {"requested": "已申请", "approved": "已批准", "refused": "不予批准"}
