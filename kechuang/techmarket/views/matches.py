"""Matchmaking pages: list, export, detail, workflow steps and the funnel."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kechuang.core import exports
from kechuang.core.forms import flash_errors
from kechuang.core.permissions import get_for_user
from kechuang.core.scope import can_write
from kechuang.core.selectors import regions_for
from kechuang.techmarket import forms, selectors, services, workflow
from kechuang.techmarket.filters import MatchFilter
from kechuang.techmarket.models import MatchCase
from kechuang.techmarket.views._common import list_context


@login_required
def match_list(request: HttpRequest) -> HttpResponse:
    ctx = list_context(
        request,
        MatchFilter(request.GET, selectors.matches(request.user)),
        stages=MatchCase.Stage.choices,
        regions=regions_for(request.user),
    )
    return render(request, "techmarket/match_list.html", ctx)


@login_required
def match_export(request: HttpRequest) -> HttpResponse:
    headers = [
        _("Demand"),
        _("Enterprise"),
        _("Region"),
        _("High-tech field"),
        _("Recommended"),
        _("Stage"),
        _("Recommended on"),
        _("Contact made on"),
        _("Negotiation started on"),
        _("Signed on"),
        _("Closed on"),
        _("Matched terms"),
    ]

    def row(m: MatchCase):
        return [
            m.demand.title,
            m.demand.enterprise_name,
            m.demand.region.name,
            m.demand.get_field_display(),
            str(m.counterpart),
            m.get_stage_display(),
            m.recommended_on,
            m.contacted_on,
            m.negotiation_on,
            m.signed_on,
            m.closed_on,
            "、".join(m.matched_terms),
        ]

    spec = exports.Export("techmarket.matches", _("Matchmaking"), "matches", headers, row)
    return exports.list_export(
        request, MatchFilter(request.GET, selectors.matches(request.user)), spec, "techmarket:matches"
    )


@login_required
def match_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_for_user(request, selectors.matches(request.user), pk)
    actions = services.match_actions_for(request.user, case)
    return render(
        request,
        "techmarket/match_detail.html",
        {
            "m": case,
            "actions": actions,
            "form": forms.StepForm(initial={"on": timezone.localdate()}),
            "events": case.events.select_related("actor"),
            "stage_labels": dict(MatchCase.Stage.choices),
            "contracts": case.contracts.visible_to(request.user),
        },
    )


@login_required
@require_POST
def match_step(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    case = get_for_user(request, selectors.matches(request.user).select_related("demand__region"), pk)
    service = services.MATCH_SERVICES.get(action)
    if service is None:
        raise Http404
    if not can_write(request.user, case):
        raise PermissionDenied  # a read-only or out-of-scope caller; a step's other blockers are explained below
    form = forms.StepForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect("techmarket:match", pk=pk)
    try:
        service(actor=request.user, case=case, on=form.cleaned_data["on"], note=form.cleaned_data["note"] or "")
        messages.success(request, _("Match moved to: %(stage)s") % {"stage": case.get_stage_display()})
    except workflow.TransitionRefused:
        messages.error(request, _("This step is not allowed from the match's current stage."))
    except ValidationError as exc:
        flash_errors(request, exc)
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("You may not do this."))
    return redirect("techmarket:match", pk=pk)


@login_required
def funnel(request: HttpRequest) -> HttpResponse:
    return render(request, "techmarket/funnel.html", {"funnel": selectors.funnel(request.user)})
