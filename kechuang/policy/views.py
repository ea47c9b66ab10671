from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from kechuang.core.models import OrgUnit
from kechuang.policy import selectors


def _policy(request: HttpRequest):
    policy = selectors.policy_for(request.user, request.GET.get("policy") or None)
    if policy is None:
        raise Http404("no policy is loaded")
    return policy


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    policy = _policy(request)
    return render(
        request,
        "policy/overview.html",
        {
            "policy": policy,
            "sections": selectors.policy_sections(policy),
            "goal_targets": selectors.policy_goal_targets(policy),
            "goals": policy.goals.all(),
            "issuers": [link.department for link in policy.issuer_links.select_related("department")],
        },
    )


@login_required
def task_detail(request: HttpRequest, number: int) -> HttpResponse:
    policy = _policy(request)
    task = selectors.task_detail(policy, number)
    if task is None:
        raise Http404
    siblings = list(policy.tasks.values_list("number", flat=True))
    index = siblings.index(task.number)
    return render(
        request,
        "policy/task_detail.html",
        {
            "policy": policy,
            "task": task,
            "previous": siblings[index - 1] if index > 0 else None,
            "next": siblings[index + 1] if index + 1 < len(siblings) else None,
        },
    )


@login_required
def department_list(request: HttpRequest) -> HttpResponse:
    policy = _policy(request)
    return render(
        request, "policy/department_list.html", {"policy": policy, "rows": selectors.policy_departments(policy)}
    )


@login_required
def department_detail(request: HttpRequest, code: str) -> HttpResponse:
    policy = _policy(request)
    department = get_object_or_404(OrgUnit.objects.departments(), parent=policy.city, code=code)
    work = selectors.department_work(policy, department)
    return render(
        request,
        "policy/department_detail.html",
        {
            "policy": policy,
            "department": department,
            "lead": work["lead"],
            "support": work["support"],
            "targets": department.owned_targets.filter(policy=policy).select_related("indicator", "task"),
        },
    )


@login_required
def search(request: HttpRequest) -> HttpResponse:
    policy = _policy(request)
    query = request.GET.get("q", "").strip()[:100]
    results = selectors.policy_search(policy, query) if query else None
    return render(request, "policy/search.html", {"policy": policy, "query": query, "results": results})
