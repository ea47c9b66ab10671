"""Demand pages: list, export, detail (recommendations), form, review, close and recommend."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kechuang.core import audit, exports, unmask
from kechuang.core.forms import flash_errors
from kechuang.core.permissions import get_for_user, is_bureau, require_writer
from kechuang.core.roles import READ_ONLY
from kechuang.core.scope import can_write
from kechuang.core.selectors import regions_for
from kechuang.techmarket import forms, index, selectors, services, workflow
from kechuang.techmarket.filters import DemandFilter
from kechuang.techmarket.models import DEMAND_FIELDS, CooperationMode, Demand
from kechuang.techmarket.views._common import declared_export, list_context, record_form


@login_required
def demand_list(request: HttpRequest) -> HttpResponse:
    ctx = list_context(
        request,
        DemandFilter(request.GET, selectors.demands(request.user)),
        regions=regions_for(request.user),
        statuses=Demand.Status.choices,
        modes=CooperationMode.choices,
        can_create=request.user.role not in READ_ONLY,
        pending=selectors.demands(request.user).filter(status=Demand.Status.PENDING).count(),
    )
    return render(request, "techmarket/demand_list.html", ctx)


@login_required
def demand_export(request: HttpRequest) -> HttpResponse:
    spec = declared_export(
        DEMAND_FIELDS, unmask.export_purpose(request), "techmarket.demands", _("Technology demands"), "demands"
    )
    return exports.list_export(
        request, DemandFilter(request.GET, selectors.demands(request.user)), spec, "techmarket:demands"
    )


@login_required
def demand_detail(request: HttpRequest, pk: int) -> HttpResponse:
    demand = get_for_user(request, selectors.demands(request.user), pk)
    text = index.query_text(demand)
    achievements = index.resolve(index.search(text, kind="achievement", k=10, query_field=demand.field), request.user)
    experts = index.resolve(index.search(text, kind="expert", k=5, query_field=demand.field), request.user)
    existing = demand.matches.select_related("achievement", "expert").order_by("-updated_at")
    recommended = {(m.achievement_id, m.expert_id) for m in existing if m.stage != workflow.CLOSED}
    for r in achievements:
        r["recommended"] = (r["object"].pk, None) in recommended
    for r in experts:
        r["recommended"] = (None, r["object"].pk) in recommended
    editable = can_write(request.user, demand)
    return render(
        request,
        "techmarket/demand_detail.html",
        {
            "d": demand,
            "facts": DEMAND_FIELDS.detail_rows(demand),
            "contact": selectors.contact_of(demand),
            "achievements": achievements,
            "experts": experts,
            "matches": existing,
            "can_edit": editable,
            "is_bureau": is_bureau(request.user),
            "can_recommend": editable and demand.status in Demand.OPEN_STATES,
            "history": audit.history_for(demand, limit=30) if is_bureau(request.user) else [],
        },
    )


def _demand_form(request: HttpRequest, demand: Demand | None) -> HttpResponse:
    require_writer(request.user)
    regions = regions_for(request.user, writable=True)
    form = forms.DemandForm(request.POST or None, instance=demand, regions=regions)
    return record_form(
        request,
        form,
        lambda obj: services.demand_save(actor=request.user, demand=obj),
        saved=_("Demand saved."),
        done=lambda obj: redirect("techmarket:demand", pk=obj.pk),
        title=_("Technology demand"),
        back="techmarket:demands",
    )


@login_required
def demand_create(request: HttpRequest) -> HttpResponse:
    return _demand_form(request, None)


@login_required
def demand_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _demand_form(request, get_for_user(request, selectors.demands(request.user), pk, write=True))


@login_required
@require_POST
def demand_review(request: HttpRequest, pk: int) -> HttpResponse:
    demand = get_for_user(request, selectors.demands(request.user), pk)
    approve = request.POST.get("decision") == "approve"
    try:
        services.demand_review(
            actor=request.user, demand=demand, approve=approve, reason=request.POST.get("reason", "")
        )
        messages.success(request, _("Demand published.") if approve else _("Demand rejected."))
    except ValidationError as exc:
        flash_errors(request, exc)
    return redirect("techmarket:demand", pk=pk)


@login_required
@require_POST
def demand_close(request: HttpRequest, pk: int) -> HttpResponse:
    demand = get_for_user(request, selectors.demands(request.user), pk)
    try:
        services.demand_close(actor=request.user, demand=demand, reason=request.POST.get("reason", ""))
        messages.success(request, _("Demand closed."))
    except ValidationError as exc:
        flash_errors(request, exc)
    return redirect("techmarket:demand", pk=pk)


@login_required
@require_POST
def demand_recommend(request: HttpRequest, pk: int) -> HttpResponse:
    demand = get_for_user(request, selectors.demands(request.user), pk)
    achievement = expert = None
    if request.POST.get("achievement"):
        achievement = get_for_user(request, selectors.achievements(request.user), request.POST["achievement"])
    elif request.POST.get("expert"):
        expert = get_for_user(request, selectors.experts(request.user), request.POST["expert"])
    terms = [t for t in request.POST.get("terms", "").split(",") if t][:20]
    try:
        score = float(request.POST.get("score", "") or 0) or None
    except ValueError:
        score = None
    try:
        case = services.match_recommend(
            actor=request.user, demand=demand, achievement=achievement, expert=expert, score=score, matched_terms=terms
        )
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect("techmarket:demand", pk=pk)
    messages.success(request, _("Recommendation recorded."))
    return redirect("techmarket:match", pk=case.pk)
