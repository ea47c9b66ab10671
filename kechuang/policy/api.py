"""API: policies, their tasks and targets (read-only; the policy changes by loading its file)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Router

from kechuang.core.http import current_policy
from kechuang.policy import selectors
from kechuang.policy.models import Policy

router = Router(tags=["policy"])


@router.get("/policies")
def policies(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "code": p.code,
            "document_number": p.document_number,
            "title": p.title,
            "city": p.city.name,
            "effective_from": p.effective_from,
            "effective_to": p.effective_to,
        }
        for p in Policy.objects.visible_to(request.user).select_related("city")
    ]


@router.get("/policies/{code}")
def policy(request: HttpRequest, code: str) -> dict[str, Any]:
    """The whole policy in the `export_policy` shape."""
    return selectors.policy_export(current_policy(request, code))


@router.get("/policies/{code}/tasks")
def tasks(request: HttpRequest, code: str) -> list[dict[str, Any]]:
    return selectors.policy_export(current_policy(request, code))["tasks"]


@router.get("/policies/{code}/tasks/{number}")
def task(request: HttpRequest, code: str, number: int) -> dict[str, Any]:
    found = selectors.task_detail(current_policy(request, code), number)
    if found is None:
        raise Http404
    return {
        "number": found.number,
        "section": found.section.number,
        "section_title": found.section.title,
        "title": found.title,
        "text": found.text,
        "responsibility": found.responsibility,
        "lead_departments": [d.label for d in found.leads()],
        "supporting_departments": [d.label for d in found.supporters()],
        "targets": [selectors.target_json(t) for t in found.targets.all()],
    }


# Named apart from the indicator module's /targets, so that each URL name reverses to one route.
@router.get("/policies/{code}/targets", url_name="policy_targets")
def targets(request: HttpRequest, code: str, milestone: bool | None = None) -> list[dict[str, Any]]:
    policy = current_policy(request, code)
    qs = policy.targets.select_related("indicator", "region").prefetch_related("owners")
    if milestone is not None:
        qs = qs.filter(comparator="achieved") if milestone else qs.exclude(comparator="achieved")
    return [selectors.target_json(t) for t in qs]
