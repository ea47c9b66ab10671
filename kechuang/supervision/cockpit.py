"""Cockpit cards: this period's submission rate, overdue reports and delayed tasks."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core.registry import CockpitCard
from kechuang.policy.selectors import policy_for
from kechuang.supervision import selectors


def cards(user: Any) -> list[CockpitCard]:
    policy = policy_for(user)
    period = selectors.current_period(policy)
    if period is None:
        return []
    today = timezone.localdate()
    summary = selectors.period_summary(user, policy, period, today)
    url = reverse("supervision:matrix") + f"?period={period.code}"
    rate = summary.submission_rate
    return [
        CockpitCard(
            title=_("Reports submitted, %(period)s") % {"period": period.label},
            value=f"{rate}%",
            detail=_("%(done)s of %(total)s reports handed on; due %(due)s")
            % {"done": summary.handed_on, "total": summary.total, "due": period.due_date.isoformat()},
            status="on_track" if rate >= 90 or period.due_date >= today else ("at_risk" if rate >= 60 else "off_track"),
            url=url,
        ),
        CockpitCard(
            title=_("Overdue reports, %(period)s") % {"period": period.label},
            value=str(summary.overdue),
            detail=_("not handed on by their due date"),
            status="on_track" if summary.overdue == 0 else "off_track",
            url=reverse("supervision:periods") + f"?period={period.code}#overdue",
        ),
        CockpitCard(
            title=_("Tasks delayed"),
            value=str(summary.delayed_tasks),
            detail=_("a milestone past its date or a report overdue"),
            status="on_track" if summary.delayed_tasks == 0 else "off_track",
            url=url,
        ),
    ]
