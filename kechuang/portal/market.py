"""My market: the firm's own technology demands (post, edit, see matches with their reasons), its matchmaking and
the registration of contracts where it is a party.

The form and the service are the technology market's (`FirmDemandForm`, `demand_save_for_firm`): the same fields,
checks and bureau review as its public form, with the firm's name, code and district taken from the account.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from kechuang.core.forms import save_or_errors
from kechuang.core.http import role_required
from kechuang.core.roles import Role
from kechuang.portal import selectors
from kechuang.techmarket import selectors as market_selectors
from kechuang.techmarket.forms import FirmDemandForm
from kechuang.techmarket.models import Demand
from kechuang.techmarket.services import FIRM_EDITABLE, demand_save_for_firm


def _own_demand(request: HttpRequest, pk: int) -> Demand:
    """One of the firm's demands; another firm's (or a missing one) is a 404, never a 403 that confirms it exists."""
    demand = selectors.demands(request.user).filter(pk=pk).first()
    if demand is None:
        raise Http404
    return demand


@role_required(Role.ENTERPRISE)
def demands(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "portal/demands.html",
        {
            "firm": selectors.firm(user),
            "demands": list(selectors.demands(user)[: selectors.LIST_LIMIT]),
            "matches": list(selectors.matches(user)[: selectors.LIST_LIMIT]),
            "contracts": list(selectors.contracts(user).prefetch_related("parties")[: selectors.LIST_LIMIT]),
            "editable": FIRM_EDITABLE,
        },
    )


@role_required(Role.ENTERPRISE)
def demand(request: HttpRequest, pk: int) -> HttpResponse:
    d = _own_demand(request, pk)
    suggestions = market_selectors.demand_suggestions(d, request.user) if d.status in Demand.OPEN_STATES else []
    return render(
        request,
        "portal/demand.html",
        {
            "d": d,
            "suggestions": suggestions,
            "matches": list(d.matches.select_related("achievement", "expert").order_by("-updated_at")),
            "can_edit": d.status in FIRM_EDITABLE,
        },
    )


def demand_save(actor, demand: Demand | None, changes: dict) -> Demand:
    """Post (`demand` None) or change a demand of the actor's firm from data (the portal's API): checked by the
    page's form, field by field, and saved by the same service, so it goes to the bureau's review like one from the
    page. Fields not in `changes` keep their values; a ValidationError names each bad field."""
    data = model_to_dict(demand) if demand is not None else {}
    data.update({k: ("" if v is None else v) for k, v in changes.items()})
    form = FirmDemandForm(data=data, instance=demand)
    if not form.is_valid():
        raise ValidationError(
            {("non_field" if k == "__all__" else k): [str(m) for m in v] for k, v in form.errors.items()}
        )
    return demand_save_for_firm(actor=actor, demand=form.save(commit=False))


def _demand_form(request: HttpRequest, d: Demand | None) -> HttpResponse:
    form = FirmDemandForm(request.POST or None, instance=d)
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        saved = save_or_errors(form, lambda: demand_save_for_firm(actor=request.user, demand=obj))
        if saved is not None:
            messages.success(request, _("Demand sent: the bureau reviews it before it is published."))
            return redirect("portal:demand", pk=saved.pk)
    return render(request, "portal/demand_form.html", {"form": form, "d": d, "firm": selectors.firm(request.user)})


@role_required(Role.ENTERPRISE)
def demand_new(request: HttpRequest) -> HttpResponse:
    return _demand_form(request, None)


@role_required(Role.ENTERPRISE)
def demand_edit(request: HttpRequest, pk: int) -> HttpResponse:
    d = _own_demand(request, pk)
    if d.status not in FIRM_EDITABLE:
        messages.error(request, _("A demand in negotiation, signed or closed can no longer be edited."))
        return redirect("portal:demand", pk=pk)
    return _demand_form(request, d)
