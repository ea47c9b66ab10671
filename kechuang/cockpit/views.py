"""The cockpit (/): the policy in force, its headline targets with their status, and each module's cards."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from kechuang.core.registry import cockpit_sections, target_progress
from kechuang.policy.selectors import headline_targets, milestones, policy_for, recurring_targets


@login_required
def cockpit(request: HttpRequest) -> HttpResponse:
    policy = policy_for(request.user)
    today = timezone.localdate()
    targets = headline_targets(policy) if policy else []
    recurring = recurring_targets(policy) if policy else []
    target_day = max((t.deadline for t in targets), default=None)
    progress = target_progress(request.user, [*targets, *recurring])
    for target in (*targets, *recurring):
        target.progress = progress.get(target.pk)
    context = {
        "policy": policy,
        "targets": targets,
        "recurring": recurring,
        "status_rule": next((p.rule for p in progress.values() if p.rule), ()),
        "milestones": milestones(policy) if policy else [],
        "today": today,
        "target_day": target_day,
        "days_to_target": (target_day - today).days if target_day else None,
        "days_to_end": (policy.effective_to - today).days if policy else None,
        "elapsed_percent": _elapsed(policy.effective_from, policy.effective_to, today) if policy else 0,
        "sections": list(cockpit_sections(request.user)),
    }
    return render(request, "cockpit/cockpit.html", context)


def _elapsed(start: dt.date, end: dt.date, today: dt.date) -> int:
    total = (end - start).days or 1
    return max(0, min(100, round((today - start).days * 100 / total)))
