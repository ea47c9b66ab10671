"""Pages: dashboard, indicator detail, region comparison, targets and breakdowns, observations (entry, import,
export, history), catalogue, briefing. Thin: selectors compute, services change state."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kechuang.core import exports
from kechuang.core import imports as core_imports
from kechuang.core.codes import TechField
from kechuang.core.forms import save_or_errors
from kechuang.core.http import current_policy, paginate, query_without, role_required
from kechuang.core.models import OrgUnit
from kechuang.core.numbers import plain_decimal
from kechuang.core.permissions import bureau_required, get_for_user, is_bureau
from kechuang.core.registry import indicator_feeds
from kechuang.core.roles import CITY_WIDE, READ_ONLY, WRITERS, Role
from kechuang.core.scope import _unit_ids
from kechuang.core.selectors import regions_for
from kechuang.indicators import briefing as briefing_mod
from kechuang.indicators import imports, selectors, services
from kechuang.indicators import whatif as whatif_engine
from kechuang.indicators.filters import ObservationFilter
from kechuang.indicators.forms import AllocationForm, ImportForm, ObservationForm, WhatIfForm
from kechuang.indicators.models import Indicator, Observation, ObservationRevision
from kechuang.policy.models import Target

METHOD_LABELS = {
    "linear": gettext_lazy("linear trend"),
    "log_linear": gettext_lazy("log-linear trend (compound growth)"),
    "drift": gettext_lazy("drift (the average yearly change so far)"),
    "log_drift": gettext_lazy("drift on the log scale (the average growth rate so far)"),
    "damped_trend": gettext_lazy("damped trend (exponential smoothing)"),
    "log_damped": gettext_lazy("damped trend on the log scale (damped compound growth)"),
    "insufficient_data": gettext_lazy("too few values"),
}


def method_label(forecast: dict | None) -> str:
    """The forecast model's name, saying when its path is averaged with the drift path (issue 14)."""
    forecast = forecast or {}
    label = str(METHOD_LABELS.get(forecast.get("method", ""), ""))
    partner = forecast.get("combined_with")
    if label and partner in METHOD_LABELS:
        return _("%(model)s, averaged with %(drift)s") % {"model": label, "drift": METHOD_LABELS[partner]}
    return label


# ---------------------------------------------------------------------------------------------------------------------
# Dashboard and cockpit


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    policy = current_policy(request)
    ctx, unit, cards = selectors.target_cards(request.user, policy)
    counts = selectors.status_counts(cards)
    return render(
        request,
        "indicators/dashboard.html",
        {
            "policy": policy,
            "unit": unit,
            "cards": cards,
            "deadline_cards": [c for c in cards if not c.quota],
            "quota_cards": [c for c in cards if c.quota],
            "counts": counts,
            "demo": ctx.any_demo,
            "baseline_year": policy.issue_date.year,
            "rule_lines": selectors.status_rule_lines(),
        },
    )


# ---------------------------------------------------------------------------------------------------------------------
# Detail


@login_required
def detail(request: HttpRequest, code: str) -> HttpResponse:
    policy = current_policy(request)
    indicator = get_for_user(request, Indicator.objects.prefetch_related("departments"), code=code)
    ctx = selectors.context_for(request.user, policy.city)
    if not ctx.allows(code):
        raise Http404  # out of the department's scope, as the forecast API answers it
    unit = selectors.focus_unit(request.user, policy.city)
    feeds = indicator_feeds()
    target = selectors.target_of(policy, indicator)
    series = ctx.resolver.series(code, unit.code)
    card = assessment = forecast = None
    target_value = None
    if target is not None:
        card = selectors.card_for(ctx, policy, target, unit, indicator=indicator, series=series, sparkline=False)
        target_value, assessment = card.target_value, card.assessment
        forecast = assessment.forecast
    years = ctx.resolver.years(code)[-11:]
    table = selectors.region_table(ctx, code, years)
    published = selectors.published_for(indicator)
    province_name = policy.city.province_name
    province = selectors.province_comparison(published, province_name)
    chart = {
        "name": indicator.name,
        "comparison": [[year, value] for year, value, _source in province],
        "comparison_sources": sorted({source for _y, _v, source in province}),
        "comparison_source": selectors.comparison_source_summary([source for _y, _v, source in province]),
        "unit": indicator.unit,
        "history": series,
        "path": (assessment.path if assessment and assessment.path else []),
        "forecast": (forecast or {}).get("forecast", []),
        "target": target_value,
        "target_label": target.value_display if target else "",
        "level": selectors.FORECAST_LEVEL,
        "labels": {
            "history": _("Actual"),
            "path": _("Planned path"),
            "forecast": _("Forecast"),
            "band": _("80% prediction interval"),
            "target": _("Target"),
            "comparison": _("%(province)s (published: %(source)s)")
            % {
                "province": province_name,
                "source": selectors.comparison_source_summary([source for _y, _v, source in province]).split("；")[0],
            },
            "comparison_axis": province_name,
        },
    }
    # what the modules count for this indicator, computed once for the provenance and the official-vs-counted table
    fed = selectors.fed_values(code, feeds=[f for f in feeds if f.code == code])
    rows = selectors.observation_rows(request.user, indicator)
    page = paginate(request, rows)
    revisions_by_obs = set(
        ObservationRevision.objects.filter(observation__in=[o.pk for o in page.object_list]).values_list(
            "observation_id", flat=True
        )
    )
    components = []
    if indicator.formula:
        spec = ctx.resolver.specs[code].formula
        components = list(Indicator.objects.filter(code__in=[spec.numerator, spec.denominator]))
    return render(
        request,
        "indicators/detail.html",
        {
            "policy": policy,
            "indicator": indicator,
            "unit": unit,
            "target": target,
            "card": card,
            "assessment": assessment,
            "forecast": forecast,
            "growth": selectors.recent_growth(series),
            "method_label": method_label(forecast),
            "chart": chart,
            "years": years,
            "table": table,
            "page": page,
            "query": query_without(request, "page"),
            "revised": revisions_by_obs,
            "published": published,
            "mismatches": ctx.resolver.mismatches(code),
            "counted": selectors.counted_beside_entered(request.user, indicator, unit, feeds, fed),
            "provenance": selectors.provenance(indicator, unit, series[-1][0] if series else None, feeds, fed),
            "pipeline": selectors.pipeline_projection(
                code, card.target_year if card else None, timezone.localdate().year
            ),
            "components": components,
            # the component pages the reader may open (a department officer: its department's); None: every one
            "openable": ctx.allowed_codes,
            "demo": ctx.is_demo(code, unit.code),
            "sentence": briefing_mod.sentence(card, forecast) if card else "",
            "baseline_year": policy.issue_date.year,
            "rule_lines": selectors.status_rule_lines(),
            "fed": code in {feed.code for feed in feeds},
            "what_if": selectors.what_if_applies(target),
            "can_enter": request.user.role not in READ_ONLY and not indicator.formula,
        },
    )


# ---------------------------------------------------------------------------------------------------------------------
# What-if: a support programme on a ladder-backed target


def _what_if_page(request: HttpRequest, code: str) -> tuple[Indicator, WhatIfForm, selectors.WhatIfPage | None]:
    """The indicator, the programme's form and (when the form is valid) the what-if; 404 where none applies."""
    policy = current_policy(request)
    indicator = get_for_user(request, Indicator.objects.all(), code=code)
    allowed = selectors.department_codes(request.user)
    target = selectors.target_of(policy, indicator)
    if (allowed is not None and code not in allowed) or not selectors.what_if_applies(target):
        raise Http404
    data = request.GET.copy()
    data.setdefault("firms", "200")  # the acceptance question's programme, until the user chooses another
    form = WhatIfForm(
        data,
        regions=[(r.code, r.name) for r in regions_for(request.user)],
        fields=list(TechField.choices),
    )
    if not form.is_valid():
        return indicator, form, None
    programme = whatif_engine.Programme(
        form.cleaned_data["firms"], region=form.cleaned_data["region"], field=form.cleaned_data["field"]
    )
    found = selectors.what_if(request.user, policy, indicator, programme, timezone.localdate())
    return indicator, form, found


@login_required
def what_if(request: HttpRequest, code: str) -> HttpResponse:
    indicator, form, found = _what_if_page(request, code)
    rows = found.chosen_rows() if found else []
    return render(
        request,
        "indicators/what_if.html",
        {
            "indicator": indicator,
            "form": form,
            "found": found,
            "result": found.result if found else None,
            "page": paginate(request, rows),
            "query": query_without(request, "page"),
            "export_query": query_without(request, "page", "size"),
        },
    )


@login_required
def what_if_export(request: HttpRequest, code: str) -> HttpResponse:
    """The chosen firms as a workbook (core.exports: the row limit and the audit entry as every export)."""
    indicator, form, found = _what_if_page(request, code)
    back = exports.list_url(request, reverse("indicators:what_if", args=[code]))
    if found is None or found.result is None:
        messages.error(request, _("Correct the programme first: there is no list of chosen firms."))
        return redirect(back)
    rows = found.chosen_rows()
    if (refusal := exports.refused(request, len(rows), back)) is not None:
        return refusal
    exports.record(
        request,
        object_type="indicators.what_if",
        label=_("What-if: chosen firms · %(name)s") % {"name": indicator.name},
        rows=len(rows),
        filters={k: v for k, v in form.cleaned_data.items() if v not in ("", None)},
    )
    headers = [
        _("Rank"),
        _("Credit code"),
        _("Enterprise"),
        _("Region"),
        _("Technical field"),
        _("Criteria failed"),
        _("Failed criteria"),
        _("Score"),
        _("Probability of obtaining the title by the deadline"),
    ]
    cells = [
        [
            rank,
            c.key,
            c.name,
            c.region_name,
            c.field_label,
            c.failed,
            "、".join(c.gaps),
            round(c.score, 1),
            round(q, 4),
        ]
        for rank, (c, q) in enumerate(rows, start=1)
    ]
    name = f"what-if-{code}-{timezone.localdate():%Y%m%d}.xlsx"
    return exports.xlsx_response(name, [exports.Sheet(_("Chosen firms"), headers, cells)])


# ---------------------------------------------------------------------------------------------------------------------
# Region comparison


@login_required
def region_comparison(request: HttpRequest) -> HttpResponse:
    policy = current_policy(request)
    ctx = selectors.context_for(request.user, policy.city)
    targets = selectors.monitored_targets(policy)
    choices = [t.indicator for t in targets if t.indicator.aggregation != "max_or_flag"]
    extra = Indicator.objects.filter(
        in_catalogue=True,
        code__in=[
            "gdp",
            "rd_expenditure",
            "tech_contract_turnover_output",
            "tech_contract_turnover_registered_output",
            "invention_patents_per_10k",
        ],
    )
    seen = set()
    indicators = []
    for ind in [*choices, *extra]:
        if ind.code not in seen and ctx.allows(ind.code):
            seen.add(ind.code)
            indicators.append(ind)
    code = request.GET.get("indicator") or (indicators[0].code if indicators else "")
    indicator = next((i for i in indicators if i.code == code), None)
    years = ctx.resolver.years(code) if indicator else []
    try:
        year = int(request.GET.get("year") or (years[-1] if years else 0))
    except ValueError:
        year = years[-1] if years else 0
    target = next((t for t in targets if indicator and t.indicator_id == indicator.pk), None)
    rows = selectors.ranking(ctx, indicator, year, target) if indicator else []
    city_value = ctx.resolver.get(code, policy.city.code, year) if indicator else None
    chart = {
        "name": indicator.name if indicator else "",
        "unit": indicator.unit if indicator else "",
        "labels": [r["unit"].label for r in rows],
        "values": [r["value"] for r in rows],
        "allocations": [r["allocation"] for r in rows],
        "allocation_label": _("Region target"),
        "value_label": str(year),
    }
    return render(
        request,
        "indicators/region_comparison.html",
        {
            "policy": policy,
            "indicators": indicators,
            "indicator": indicator,
            "years": sorted(years, reverse=True),
            "year": year,
            "rows": rows,
            "chart": chart,
            "city_value": city_value,
            "target": target,
            "demo": any(r["demo"] for r in rows),
        },
    )


# ---------------------------------------------------------------------------------------------------------------------
# Targets and region breakdowns


@login_required
def targets(request: HttpRequest) -> HttpResponse:
    policy = current_policy(request)
    _ctx, unit, cards = selectors.target_cards(request.user, policy)
    partition = selectors.partition_of(policy.city)
    rows = [{"card": c, "addup": selectors.allocation_addup(c.target, partition)} for c in cards]
    return render(
        request,
        "indicators/targets.html",
        {"policy": policy, "rows": rows, "unit": unit, "can_allocate": is_bureau(request.user)},
    )


@bureau_required
def allocations(request: HttpRequest, pk: int) -> HttpResponse:
    policy = current_policy(request)
    target = get_for_user(
        request, Target.objects.select_related("indicator").prefetch_related("allocations"), pk, policy=policy
    )
    regions = selectors.regions_of(policy.city)
    initial = {a.region_id: plain_decimal(a.value) for a in target.allocations.all()}
    form = AllocationForm(request.POST or None, regions=regions, initial_values=initial)
    if request.method == "POST" and form.is_valid():
        changed = services.allocations_set(actor=request.user, target=target, values=form.values())
        messages.success(request, _("Region targets saved (%(n)s changes).") % {"n": changed})
        return redirect("indicators:allocations", pk=target.pk)
    target = Target.objects.prefetch_related("allocations").select_related("indicator").get(pk=target.pk)
    return render(
        request,
        "indicators/allocations.html",
        {
            "policy": policy,
            "target": target,
            "form": form,
            "addup": selectors.allocation_addup(target, selectors.partition_of(policy.city)),
        },
    )


# ---------------------------------------------------------------------------------------------------------------------
# Observations: list, export, entry, history, import


def _observations(request: HttpRequest) -> ObservationFilter:
    rows = Observation.objects.visible_to(request.user).select_related(
        "indicator", "region", "entered_by", "submission__data_set", "submission__org_unit"
    )
    return ObservationFilter(
        request.GET, rows.order_by("indicator__code", "-year", "-quarter", "-month", "region__sort_order")
    )


def _entry_indicators(user: Any):
    qs = Indicator.objects.visible_to(user).filter(formula="").exclude(aggregation="max_or_flag")
    if user.role == Role.DEPARTMENT_OFFICER:
        qs = qs.filter(departments__in=_unit_ids(user.org_unit)).distinct() if user.org_unit_id else qs.none()
    return qs.order_by("code")


def _entry_regions(user: Any, city: OrgUnit):
    qs = OrgUnit.objects.filter(Q(pk=city.pk) | Q(parent=city, kind=OrgUnit.Kind.REGION), is_active=True)
    if user.role == Role.DISTRICT_OFFICER:
        qs = qs.filter(pk__in=_unit_ids(user.org_unit), kind=OrgUnit.Kind.REGION) if user.org_unit_id else qs.none()
    return qs.order_by("kind", "sort_order")


@login_required
def observations(request: HttpRequest) -> HttpResponse:
    policy = current_policy(request)
    filterset = _observations(request)
    page = paginate(request, filterset.qs, default_size=50)
    ctx = selectors.context_for(request.user, policy.city)
    visible_indicators = Indicator.objects.visible_to(request.user).filter(formula="").order_by("code")
    if ctx.allowed_codes is not None:
        visible_indicators = visible_indicators.filter(code__in=ctx.allowed_codes)
    flags = selectors.mismatches(ctx, [i for i in visible_indicators if i.is_additive])
    revised = set(
        ObservationRevision.objects.filter(observation__in=[o.pk for o in page.object_list]).values_list(
            "observation_id", flat=True
        )
    )
    return render(
        request,
        "indicators/observations.html",
        {
            "policy": policy,
            "page": page,
            "query": query_without(request, "page"),
            "export_query": query_without(request, "page", "size"),
            "filters": filterset.values(),
            "indicators": visible_indicators,
            "regions": _entry_regions(request.user, policy.city)
            if request.user.role == Role.DISTRICT_OFFICER
            else OrgUnit.objects.filter(Q(pk=policy.city.pk) | Q(parent=policy.city, kind=OrgUnit.Kind.REGION)),
            "flags": flags,
            "revised": revised,
            "can_enter": request.user.role in WRITERS,
            "statuses": Observation.Status.choices,
        },
    )


def _export_row(o: Observation) -> list[Any]:
    return [
        o.indicator.code,
        o.indicator.name,
        o.region.code,
        o.region.name,
        o.year,
        o.quarter or "",
        o.month or "",
        o.value,
        o.indicator.unit,
        o.get_status_display(),
        o.source,
        o.definition_version,
        _("Yes") if o.is_demo else "",
    ]


@login_required
def observations_export(request: HttpRequest, fmt_: str) -> HttpResponse:
    filterset = _observations(request)
    spec = exports.Export(
        object_type="indicators.observation",
        label=_("Observations"),
        filename="observations",
        headers=[
            _("Indicator code"),
            _("Indicator"),
            _("Region code"),
            _("Region"),
            _("Year"),
            _("Quarter"),
            _("Month"),
            _("Value"),
            _("Unit"),
            _("Status"),
            _("Source"),
            _("Definition version"),
            _("Demo data"),
        ],
        row=_export_row,
    )
    return exports.list_export(request, filterset, spec, "indicators:observations", fmt=fmt_)


@role_required(*WRITERS)
def observation_new(request: HttpRequest) -> HttpResponse:
    policy = current_policy(request)
    indicators = _entry_indicators(request.user)
    regions = _entry_regions(request.user, policy.city)
    initial = {k: request.GET[k] for k in ("year", "quarter") if request.GET.get(k)}
    if request.GET.get("indicator"):
        initial["indicator"] = indicators.filter(code=request.GET["indicator"]).first()
    if request.GET.get("region"):
        initial["region"] = regions.filter(code=request.GET["region"]).first()
    form = ObservationForm(request.POST or None, indicators=indicators, regions=regions, initial=initial)
    existing = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = save_or_errors(
                form,
                lambda: services.observation_save(
                    actor=request.user,
                    indicator=data["indicator"],
                    region=data["region"],
                    year=data["year"],
                    quarter=data["quarter"],
                    value=data["value"],
                    status=data["status"],
                    source=data["source"],
                    definition_version=data["definition_version"],
                    reason=data["reason"],
                ),
            )
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            result = None
        if result is not None:
            if result.created:
                messages.success(request, _("The value was saved."))
            elif result.changed:
                messages.success(request, _("The value was revised; the previous version is in its history."))
            else:
                messages.info(request, _("Nothing changed."))
            return redirect("indicators:observation_history", pk=result.observation.pk)
    d = getattr(form, "cleaned_data", {})
    if d.get("indicator") and d.get("region") and d.get("year"):
        existing = (
            Observation.objects.visible_to(request.user)
            .filter(
                indicator=d["indicator"], region=d["region"], year=d["year"], quarter=d.get("quarter") or 0, month=0
            )
            .first()
        )
    return render(request, "indicators/observation_form.html", {"form": form, "existing": existing})


@login_required
def observation_history(request: HttpRequest, pk: int) -> HttpResponse:
    obs = get_for_user(request, Observation.objects.select_related("indicator", "region", "entered_by"), pk)
    revisions = obs.revisions.select_related("changed_by")
    edit_url = reverse("indicators:observation_new") + (
        f"?indicator={obs.indicator.code}&region={obs.region.code}&year={obs.year}&quarter={obs.quarter}"
    )
    return render(
        request,
        "indicators/observation_history.html",
        {
            "obs": obs,
            "revisions": revisions,
            "can_edit": services.can_enter(request.user, obs.indicator, obs.region),
            "edit_url": edit_url,
        },
    )


@role_required(*WRITERS)
def import_view(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = core_imports.start(
                imports.ObservationImport.kind, actor=request.user, upload=form.cleaned_data["file"]
            )
        except core_imports.ImportRejected as exc:
            form.add_error("file", str(exc))
        else:
            return redirect("core:import_job", pk=job.pk)
    return render(
        request,
        "indicators/import.html",
        {
            "form": form,
            "columns": imports.COLUMNS,
            "jobs": core_imports.jobs_of(request.user, [imports.ObservationImport.kind]),
        },
    )


@role_required(*WRITERS)
def import_template(request: HttpRequest) -> HttpResponse:
    policy = current_policy(request)
    data = imports.template_xlsx(list(_entry_indicators(request.user)), list(_entry_regions(request.user, policy.city)))
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="observations-template.xlsx"'
    return response


# ---------------------------------------------------------------------------------------------------------------------
# Catalogue


@login_required
def catalogue(request: HttpRequest) -> HttpResponse:
    indicators = Indicator.objects.visible_to(request.user).prefetch_related("departments", "targets")
    show = request.GET.get("show", "catalogue")
    if show == "catalogue":
        indicators = indicators.filter(in_catalogue=True)
    return render(
        request,
        "indicators/catalogue.html",
        {
            "indicators": indicators,
            "show": show,
            "city_wide": request.user.role in CITY_WIDE,
            # the indicator pages a department officer may open (detail: its department's); None: every one
            "openable": selectors.department_codes(request.user),
        },
    )


# ---------------------------------------------------------------------------------------------------------------------
# Briefing


@login_required
def briefing(request: HttpRequest) -> HttpResponse:
    policy = current_policy(request)
    return render(
        request,
        "indicators/briefing.html",
        {
            "policy": policy,
            "periods": [
                (
                    "monthly",
                    _("Monthly"),
                    _(
                        "The month: what changed since last month, the monthly returns against the previous month "
                        "and the same month last year (approved values, drafts apart), values entered and revised, "
                        "reports due and overdue, and the targets whose data moved."
                    ),
                ),
                (
                    "quarterly",
                    _("Quarterly"),
                    _(
                        "The quarter: every target with its status and forecast, year-on-year and quarter-on-quarter "
                        "changes (the quarterly returns' approved values, drafts apart), task progress by lead "
                        "department, the quarter's supervision and the region ranking."
                    ),
                ),
            ],
        },
    )


def _briefing_period(request: HttpRequest) -> str:
    period = request.GET.get("period", "monthly")
    return period if period in briefing_mod.PERIODS else "monthly"


@login_required
def briefing_pdf(request: HttpRequest) -> HttpResponse:
    policy = current_policy(request)
    data = briefing_mod.build(request.user, policy, _briefing_period(request))
    pdf = briefing_mod.render_pdf(data)
    exports.record(
        request,
        object_type="indicators.briefing",
        label=data.title,
        rows=len(data.items),
        filters={"period": data.cadence},
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="briefing-{timezone.localdate():%Y%m%d}.pdf"'
    return response


@login_required
def briefing_xlsx(request: HttpRequest) -> HttpResponse:
    policy = current_policy(request)
    data = briefing_mod.build(request.user, policy, _briefing_period(request))
    content = briefing_mod.render_xlsx(data)
    exports.record(
        request,
        object_type="indicators.briefing",
        label=data.title,
        rows=len(data.items),
        filters={"period": data.cadence},
    )
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="briefing-{timezone.localdate():%Y%m%d}.xlsx"'
    return response
