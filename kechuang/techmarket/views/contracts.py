"""Technology contract pages: list, export, detail, form, registration steps and statistics."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kechuang.core import exports
from kechuang.core.forms import flash_errors, save_or_errors
from kechuang.core.permissions import get_for_user, is_bureau, require_writer
from kechuang.core.roles import READ_ONLY
from kechuang.core.scope import can_write
from kechuang.core.selectors import regions_for
from kechuang.techmarket import forms, selectors, services, workflow
from kechuang.techmarket.filters import ContractFilter
from kechuang.techmarket.models import (
    Contract,
    ContractField,
    ContractParty,
    ContractType,
    InstitutionType,
    NonTechnicalItem,
)
from kechuang.techmarket.registration import suggested_technology_amount
from kechuang.techmarket.views._common import list_context


@login_required
def contract_list(request: HttpRequest) -> HttpResponse:
    ctx = list_context(
        request,
        ContractFilter(request.GET, selectors.contracts(request.user)),
        types=ContractType.choices,
        statuses=Contract.Status.choices,
        regions=regions_for(request.user),
        contract_fields=ContractField.choices,
        years=range(timezone.localdate().year, 2020, -1),
        can_create=request.user.role not in READ_ONLY,
    )
    selectors.with_parties(list(ctx["page"].object_list))
    return render(request, "techmarket/contract_list.html", ctx)


@login_required
def contract_export(request: HttpRequest) -> HttpResponse:
    headers = [
        _("Registration number"),
        _("Project name"),
        _("Contract type"),
        _("Technology field"),
        _("Registering region"),
        _("Sellers"),
        _("Buyers"),
        _("Signed on"),
        _("Registered on"),
        _("Contract amount (10k yuan)"),
        _("Technology transaction amount (10k yuan)"),
        _("Status"),
        _("Rule version"),
    ]

    def row(c: Contract):
        return [
            c.registration_number,
            c.project_name,
            c.get_contract_type_display(),
            c.get_tech_field_display(),
            c.region.name,
            "；".join(f"{p.name}（{p.region_code}）" for p in c.sellers),
            "；".join(f"{p.name}（{p.region_code}）" for p in c.buyers),
            c.signed_on,
            c.registered_on,
            c.total_amount_wan,
            c.technology_amount_wan,
            c.get_status_display(),
            c.rule_version,
        ]

    spec = exports.Export(
        "techmarket.contract", _("Technology contracts"), "contracts", headers, row, prepare=selectors.with_parties
    )
    return exports.list_export(
        request, ContractFilter(request.GET, selectors.contracts(request.user)), spec, "techmarket:contracts"
    )


@login_required
def contract_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contract = get_for_user(request, selectors.contracts(request.user).select_related("demand", "achievement"), pk)
    selectors.with_parties([contract])
    items = list(contract.non_technical_items.all())
    writable = can_write(request.user, contract)
    actions = workflow.contract_actions(contract.status) if writable else []
    if not is_bureau(request.user):
        actions = [a for a in actions if a == workflow.SUBMIT]
    from kechuang.techmarket import registration

    return render(
        request,
        "techmarket/contract_detail.html",
        {
            "c": contract,
            "items": items,
            "suggested": suggested_technology_amount(contract.total_amount_wan, items),
            "problems": registration.registrability_problems(contract, contract.sellers + contract.buyers),
            "actions": actions,
            "can_edit": writable and contract.status in workflow.CONTRACT_EDITABLE,
            "events": contract.events.select_related("actor"),
            "step_form": forms.StepForm(initial={"on": timezone.localdate()}),
            "register_form": forms.RegisterForm(
                initial={
                    "on": timezone.localdate(),
                    "technology_amount_wan": suggested_technology_amount(contract.total_amount_wan, items),
                }
            ),
            "status_labels": dict(Contract.Status.choices),
        },
    )


def _contract_form(request: HttpRequest, contract: Contract | None) -> HttpResponse:
    require_writer(request.user)
    if contract is not None and contract.status not in workflow.CONTRACT_EDITABLE:
        messages.error(request, _("A contract can be edited only as a draft or when sent back for correction."))
        return redirect("techmarket:contract", pk=contract.pk)
    regions = regions_for(request.user, writable=True)
    data = request.POST or None
    form = forms.ContractForm(data, instance=contract, regions=regions)
    party_qs = contract.parties.all() if contract else ContractParty.objects.none()
    item_qs = contract.non_technical_items.all() if contract else NonTechnicalItem.objects.none()
    initial = [] if contract else [{"role": "seller"}, {"role": "buyer"}]
    parties = forms.PartyFormSet(data, queryset=party_qs, prefix="party", initial=initial)
    if not contract:
        parties.extra = 2
    items = forms.ItemFormSet(data, queryset=item_qs, prefix="item")
    if request.method == "POST" and form.is_valid() and parties.is_valid() and items.is_valid():
        obj = form.save(commit=False)
        party_objs = [f.save(commit=False) for f in parties.forms if f.has_changed() or f.instance.pk]
        for p in party_objs:
            p.pk = None
        # The service rewrites the cost rows: keep the unchanged stored ones too, not only the edited ones.
        item_objs = [
            f.save(commit=False)
            for f in items.forms
            if (f.has_changed() or f.instance.pk) and not (items.can_delete and f.cleaned_data.get("DELETE"))
        ]
        for i in item_objs:
            i.pk = None
        if (
            save_or_errors(
                form,
                lambda: services.contract_save(actor=request.user, contract=obj, parties=party_objs, items=item_objs),
            )
            is not None
        ):
            messages.success(request, _("Contract saved."))
            return redirect("techmarket:contract", pk=obj.pk)
    return render(
        request,
        "techmarket/contract_form.html",
        {"form": form, "parties": parties, "items": items, "contract": contract},
    )


@login_required
def contract_create(request: HttpRequest) -> HttpResponse:
    return _contract_form(request, None)


@login_required
def contract_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _contract_form(request, get_for_user(request, selectors.contracts(request.user), pk, write=True))


@login_required
@require_POST
def contract_step(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    contract = get_for_user(request, selectors.contracts(request.user), pk)
    service = services.CONTRACT_SERVICES.get(action)
    if service is None:
        raise Http404
    form = (forms.RegisterForm if action == workflow.REGISTER else forms.StepForm)(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            " ".join(
                f"{form.fields[k].label}: {e}" if k in form.fields else e
                for k, errs in form.errors.items()
                for e in errs
            ),
        )
        return redirect("techmarket:contract", pk=pk)
    data = form.cleaned_data
    kwargs: dict[str, Any] = {"on": data["on"], "note": data.get("note") or ""}
    if action == workflow.REGISTER:
        kwargs.update(
            technology_amount_wan=data["technology_amount_wan"],
            amount_note=data.get("amount_note", ""),
            registration_number=data.get("registration_number", ""),
        )
    try:
        service(actor=request.user, contract=contract, **kwargs)
        messages.success(request, _("Contract status: %(s)s") % {"s": contract.get_status_display()})
    except workflow.TransitionRefused:
        messages.error(request, _("This step is not allowed from the contract's current status."))
    except ValidationError as exc:
        flash_errors(request, exc, Contract)
    return redirect("techmarket:contract", pk=pk)


@login_required
def statistics(request: HttpRequest) -> HttpResponse:
    data = selectors.turnover_table(request.user)
    type_labels, field_labels = dict(ContractType.choices), dict(ContractField.choices)
    roles, natures = dict(ContractParty.Role.choices), dict(InstitutionType.choices)
    years = data["years"]
    data["type_rows"] = _pivot(
        data["by_type"],
        lambda r: (type_labels.get(r["contract_type"], r["contract_type"]), r["sub_type"] or "—"),
        "registered_on__year",
        years,
    )
    data["field_rows"] = _pivot(
        data["by_field"],
        lambda r: (field_labels.get(r["tech_field"], r["tech_field"] or "—"),),
        "registered_on__year",
        years,
    )
    data["party_rows"] = _pivot(
        data["by_party"],
        lambda r: (roles.get(r["role"], r["role"]), natures.get(r["nature"], r["nature"] or "—")),
        "year",
        years,
    )
    data["city_rows"] = list(zip(data["city_output"], data["city_absorbed"], strict=True))
    return render(request, "techmarket/statistics.html", data)


def _pivot(rows: list[dict[str, Any]], key: Any, year_key: str, years: list[int]) -> list[tuple[tuple, list]]:
    """Long rows (one per category × year) → one line per category, sorted, with a (contracts, amount, average per
    contract) cell per year."""
    lines: dict[tuple, dict[int, tuple[int, Any, Any]]] = {}
    for r in rows:
        lines.setdefault(key(r), {})[r[year_key]] = (r["n"], r["total"], r["total"] / r["n"] if r["n"] else None)
    return [(labels, [cells.get(y) for y in years]) for labels, cells in sorted(lines.items())]
