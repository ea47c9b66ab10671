"""My ladder (the portal's section 2): the firm's staircase of tiers, its yearly facts with the corrections it
proposes, and the what-if. Every view serves the account's own firm (`request.user.credit_code`) and takes no
parameter that could name another one."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from kechuang.core import registry
from kechuang.core.forms import save_or_errors
from kechuang.core.http import paginate
from kechuang.core.roles import Role
from kechuang.enterprises import selectors
from kechuang.enterprises.models import Enterprise


def _own(request: HttpRequest) -> Enterprise:
    if request.user.role != Role.ENTERPRISE:
        raise PermissionDenied
    enterprise = selectors.own_enterprise(request.user)
    if enterprise is None:
        raise Http404(_("Your account is not bound to an active enterprise of the register."))
    return enterprise


@login_required
def ladder(request: HttpRequest) -> HttpResponse:
    enterprise = _own(request)
    context = selectors.firm_ladder(enterprise, get_language())
    return render(request, "portal/ladder.html", {"enterprise": enterprise, **context})


@login_required
def facts(request: HttpRequest) -> HttpResponse:
    enterprise = _own(request)
    language = get_language()
    years = selectors.proposable_years()
    rows_by_year = {y.year: y for y in enterprise.years.all()}
    figures = []
    for field, label in selectors.proposable_fields(language):
        values = []
        for year in years:
            row = rows_by_year.get(year)
            value = getattr(row, field) if row is not None else None
            values.append({"year": year, "value": value})
        figures.append({"field": field, "label": label, "values": values})
    page = paginate(request, selectors.own_corrections(enterprise))
    selectors.describe_corrections(list(page.object_list), language)
    return render(
        request,
        "portal/ladder_facts.html",
        {
            "enterprise": enterprise,
            "years": years,
            "known_years": [y for y in years if y in rows_by_year],
            "figures": figures,
            "page": page,
            "pending": selectors.own_corrections(enterprise).filter(status="proposed").count(),
        },
    )


class CorrectionForm(forms.Form):
    year = forms.TypedChoiceField(label=gettext_lazy("Fiscal year"), coerce=int)
    field = forms.ChoiceField(label=gettext_lazy("Figure"))
    value = forms.CharField(
        label=gettext_lazy("Proposed value"),
        max_length=40,
        help_text=gettext_lazy("Money in 万元; for a yes/no declaration enter true or false."),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("What the figure rests on (audited accounts, a tax filing …): the district checks it."),
    )

    def __init__(self, *args: Any, language: str | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, str(y)) for y in selectors.proposable_years()]
        self.fields["field"].choices = selectors.proposable_fields(language)


@login_required
def fact_correct(request: HttpRequest) -> HttpResponse:
    """Propose a figure for one of the firm's yearly facts (a year the register lacks, too); nothing changes in the
    register until the district confirms it."""
    enterprise = _own(request)
    language = get_language()
    initial = {k: request.GET[k] for k in ("year", "field", "value") if request.GET.get(k)}
    form = CorrectionForm(request.POST or None, initial=initial, language=language)

    def save() -> HttpResponse:
        registry.fact_correction_propose(actor=request.user, **form.cleaned_data)
        messages.success(
            request, _("Proposal sent to the district. The register and your ladder change once it is confirmed.")
        )
        return redirect("portal:facts")

    if request.method == "POST" and form.is_valid() and (done := save_or_errors(form, save)) is not None:
        return done
    return render(request, "portal/ladder_correct.html", {"enterprise": enterprise, "form": form})


def _figure(value: Any) -> str:
    """A figure as a person writes it: 736, not 736.000000; "—" for none."""
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".")
    return str(value)


def _changes(request: HttpRequest, levers: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, str]]:
    """The levers the reader filled in, parsed; and an error per lever that is not a number."""
    changes: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for lever in levers:
        raw = request.GET.get(lever["name"], "").strip().replace(",", "")
        if not raw:
            continue
        try:
            number = Decimal(raw)
        except InvalidOperation:
            errors[lever["name"]] = _("Enter a number.")
            continue
        if not number.is_finite() or number < 0 or number > Decimal(10) ** 9:
            errors[lever["name"]] = _("Enter a number between 0 and 1,000,000,000.")
        elif lever["integer"] and number != number.to_integral_value():
            errors[lever["name"]] = _("Enter a whole number.")
        elif lever["name"] == "niche_market_share_pct" and number > 100:
            errors[lever["name"]] = _("A share is at most 100 %.")
        else:
            changes[lever["name"]] = (
                int(number)
                if lever["integer"]
                else (float(number) if lever["name"] == "niche_market_share_pct" else number)
            )
    return changes, errors


@login_required
def whatif(request: HttpRequest) -> HttpResponse:
    """What-if: the firm's own facts with the changes it types in, evaluated by the same engine; nothing is saved."""
    enterprise = _own(request)
    language = get_language()
    today = timezone.localdate()
    base = selectors.firm_whatif(enterprise, {}, language, today)
    levers = selectors.whatif_levers(base["record"], language, today)
    changes, errors = _changes(request, levers)
    for lever in levers:
        lever["value"] = request.GET.get(lever["name"], "")
        lever["error"] = errors.get(lever["name"], "")
        lever["current_text"] = _figure(lever["current"] if lever["current"] is not None or not lever["added"] else 0)
    result = selectors.firm_whatif(enterprise, changes, language, today) if changes and not errors else None
    record_errors = result.pop("errors", []) if result is not None else []
    if record_errors:
        result = None
    if result is not None:
        labels = {lever["name"]: lever["label"] for lever in levers}
        for change in result["changes"]:
            change.label = labels[change.lever]
            change.before_text, change.after_text = _figure(change.before), _figure(change.after)
    return render(
        request,
        "portal/ladder_whatif.html",
        {
            "enterprise": enterprise,
            "levers": levers,
            "result": result,
            "asked": bool(changes or errors),
            "record_errors": record_errors,
            "latest_year": today.year - 1,
        },
    )
