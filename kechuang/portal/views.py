"""The enterprise portal's pages: the home page, the policy push, and the firm's applications and money.

Thin views over `selectors` (the firm of `request.user.credit_code` only); actions link to the pages of the modules
that keep the records (a call's application page, the employer's talent page, the score's explanation).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kechuang.core.http import role_required
from kechuang.core.registry import navigation_for
from kechuang.core.roles import Role
from kechuang.portal import present, selectors

PUSH_KINDS = ("title", "call", "talent", "loan", "finance", "insurance")


@role_required(Role.ENTERPRISE)
def home(request: HttpRequest) -> HttpResponse:
    context = selectors.home(request.user)
    context["push"] = [present.item(i) for i in context["push"]]
    context["push_gap"] = [present.item(i) for i in context["push_gap"]]
    # The other modules' pages for a firm (their menu entries for the role), as the former account home listed them.
    context["services"] = navigation_for(request.user, request.path)
    return render(request, "portal/home.html", context)


@role_required(Role.ENTERPRISE)
def push(request: HttpRequest) -> HttpResponse:
    view = selectors.firm(request.user)
    items = selectors.push_items(request.user, view)
    kind = request.GET.get("kind", "")
    if kind in PUSH_KINDS:
        items = [i for i in items if i.offer.kind == kind]
    else:
        kind = ""
    return render(
        request,
        "portal/push.html",
        {
            "firm": view,
            "items": [present.item(i) for i in items],
            "kind": kind,
            "kinds": PUSH_KINDS,
            "counts": {s: sum(1 for i in items if i.status == s) for s in ("qualifies", "gap", "applied")},
        },
    )


@role_required(Role.ENTERPRISE)
def applications(request: HttpRequest) -> HttpResponse:
    user = request.user
    limit = selectors.LIST_LIMIT
    return render(
        request,
        "portal/applications.html",
        {
            "firm": selectors.firm(user),
            "applications": list(selectors.project_applications(user)[:limit]),
            "projects": list(selectors.projects(user)[:limit]),
            "milestones": list(selectors.milestones(user).order_by("due_on", "project__code", "seq")[:limit]),
            "monitoring": list(selectors.monitoring(user).order_by("-reported_on", "-id")[:limit]),
            "goals": list(selectors.goals(user).order_by("project__code", "id")[:limit]),
            "post_subsidies": list(selectors.post_subsidies(user).order_by("-year", "-id")[:limit]),
            "loans": list(selectors.loans(user)[:limit]),
            "talent_applications": list(selectors.talent_applications(user)[:limit]),
        },
    )
