from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from kechuang.core.http import current_policy
from kechuang.core.models import OrgUnit
from kechuang.policy import selectors


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    policy = current_policy(request, request.GET.get("policy"))
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
    policy = current_policy(request, request.GET.get("policy"))
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
    policy = current_policy(request, request.GET.get("policy"))
    return render(
        request, "policy/department_list.html", {"policy": policy, "rows": selectors.policy_departments(policy)}
    )


@login_required
def department_detail(request: HttpRequest, code: str) -> HttpResponse:
    policy = current_policy(request, request.GET.get("policy"))
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
    policy = current_policy(request, request.GET.get("policy"))
    query = request.GET.get("q", "").strip()[:100]
    results = selectors.policy_search(policy, query) if query else None
    return render(request, "policy/search.html", {"policy": policy, "query": query, "results": results})
