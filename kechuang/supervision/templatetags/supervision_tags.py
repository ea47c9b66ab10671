from __future__ import annotations

from django import template

from kechuang.supervision.exports import status_label as _status_label

register = template.Library()


@register.filter
def status_label(code: str) -> str:
    """The one wording of a report or task status (see exports.status_label)."""
    return _status_label(code)


@register.filter
def reason_label(code: str) -> str:
    from django.utils.translation import gettext as _

    return {
        "milestone_overdue": _("a milestone is past its date"),
        "report_overdue": _("a report is overdue"),
        "all_milestones_completed": _("every milestone completed"),
        "progress_reported": _("progress reported, nothing late"),
    }.get(code, code)


@register.simple_tag
def days_late(due, today) -> int:
    return max(0, (today - due).days)
