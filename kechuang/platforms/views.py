"""Pages of the platform register, the 600 board, the lab pyramid and reserve pool, and the incubation chain.
Thin: reading is in selectors, writing in services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kechuang.core import audit, exports, imports
from kechuang.core.forms import flash_errors, save_or_errors
from kechuang.core.http import paginate, query_without, start_import
from kechuang.core.permissions import get_for_user, is_bureau
from kechuang.core.roles import READ_ONLY
from kechuang.core.scope import can_write
from kechuang.core.selectors import regions_for
from kechuang.platforms import importer, selectors, services
from kechuang.platforms.engine import workflow
from kechuang.platforms.filters import CarrierFilter, PlatformFilter
from kechuang.platforms.forms import (
    CarrierForm,
    CarrierYearForm,
    CreateForm,
    EvaluationForm,
    IncubateeForm,
    IncubateeMoveForm,
    PlatformForm,
    PlatformYearForm,
    SettingsForm,
    TransitionForm,
)
from kechuang.platforms.models import (
    YEAR_FIELDS,
    Carrier,
    CarrierYear,
    Incubatee,
    Level,
    Platform,
    PlatformSettings,
    PlatformYear,
    Stage,
    State,
)


def _platform_filter(request: HttpRequest) -> PlatformFilter:
    return PlatformFilter(request.GET, selectors.platforms(request.user), user=request.user)


@login_required
def platform_list(request: HttpRequest) -> HttpResponse:
    filterset = _platform_filter(request)
    page = paginate(request, filterset.qs)
    return render(
        request,
        "platforms/list.html",
        {
            "page": page,
            "filters": filterset.values(),
            "regions": regions_for(request.user),
            "types": selectors.types(),
            "levels": Level.choices,
            "states": State.choices,
            "query": query_without(request, "page"),
            "sort_query": query_without(request, "page", "sort"),
            "counted_year": filterset.values().get("counted"),
        },
    )


@login_required
def platform_export(request: HttpRequest) -> HttpResponse:
    filterset = _platform_filter(request)
    show_code = selectors.show_host_code(request.user)
    spec = exports.Export(
        object_type="platforms.platform",
        label=_("Innovation platforms"),
        filename="platforms",
        headers=[
            _("Name"),
            _("Type"),
            _("Level"),
            _("State"),
            _("Region"),
            _("Host organisation"),
            _("Host credit code"),
            _("Co-builders"),
            _("Industry chain"),
            _("Recognition document number"),
            _("Recognised on"),
        ],
        row=lambda p: [
            p.name,
            p.type.name,
            p.get_level_display(),
            p.get_state_display(),
            p.region.name,
            p.host_name,
            p.host_credit_code if show_code else "",
            "；".join(p.co_builder_list),
            p.industry_chain,
            p.recognition_document,
            p.recognition_date,
        ],
    )
    return exports.list_export(request, filterset, spec, "platforms:list")


def _writer(request: HttpRequest) -> None:
    if request.user.role in READ_ONLY:
        raise PermissionDenied


@login_required
def platform_create(request: HttpRequest) -> HttpResponse:
    _writer(request)
    form = CreateForm(
        request.POST or None,
        regions=regions_for(request.user, writable=True),
        initial={"initial_state": "reserve", "on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in PlatformForm.Meta.fields}

        def save():
            return services.platform_create(
                actor=request.user,
                data=data,
                initial_state=form.cleaned_data["initial_state"],
                document=form.cleaned_data["document"],
                on=form.cleaned_data["on"],
            )

        try:
            platform = save_or_errors(form, save)
        except PermissionDenied as exc:
            form.add_error("initial_state", str(exc))
            platform = None
        if platform is not None:
            messages.success(request, _("Platform added."))
            return redirect("platforms:detail", pk=platform.pk)
    return render(request, "platforms/form.html", {"form": form, "platform": None})


@login_required
def platform_edit(request: HttpRequest, pk: int) -> HttpResponse:
    platform = get_for_user(request, Platform, pk, write=True)
    form = PlatformForm(request.POST or None, instance=platform, regions=regions_for(request.user, writable=True))
    if not selectors.show_host_code(request.user):
        del form.fields["host_credit_code"]  # a department reads the platforms of its competence, not the register
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in PlatformForm.Meta.fields if k in form.fields}
        fresh = Platform.objects.get(pk=platform.pk)
        if (
            save_or_errors(form, lambda: services.platform_update(actor=request.user, platform=fresh, data=data))
            is not None
        ):
            messages.success(request, _("Saved."))
            return redirect("platforms:detail", pk=platform.pk)
    return render(request, "platforms/form.html", {"form": form, "platform": platform})


@login_required
def platform_detail(request: HttpRequest, pk: int) -> HttpResponse:
    platform = get_for_user(request, selectors.platforms(request.user), pk)
    writable = can_write(request.user, platform)
    kinds = workflow.actor_kinds(
        is_bureau=is_bureau(request.user),
        is_district_of_record=request.user.role == "district_officer" and writable,
        may_write=writable,
    )
    labels = dict(State.choices)
    steps = [
        {"target": s.target, "label": labels[s.target], "needs_document": s.needs_document}
        for s in workflow.allowed(platform.state, kinds)
    ]
    this_year = timezone.localdate().year
    refs = {}
    show_code = selectors.show_host_code(request.user)
    if platform.host_credit_code and show_code:
        from kechuang.core import registry

        refs = registry.enterprise_refs([platform.host_credit_code])
    host = refs.get(platform.host_credit_code)
    return render(
        request,
        "platforms/detail.html",
        {
            "platform": platform,
            "host": host if host and host.region_code == platform.region.code else None,
            "show_code": show_code,
            "events": platform.events.select_related("actor").order_by("on", "id"),
            "years": platform.years.all(),
            "year_fields": [PlatformYear._meta.get_field(f) for f in YEAR_FIELDS],
            "evaluations": platform.evaluations.all(),
            "writable": writable,
            "steps": steps,
            "transition_form": TransitionForm(initial={"on": timezone.localdate()}),
            "evaluation_form": EvaluationForm(initial={"on": timezone.localdate(), "year": this_year - 1}),
            "evaluable": is_bureau(request.user) and platform.state in workflow.EVALUABLE,
            "this_year": this_year,
            "bands": platform.type.grade_bands,
            "history": audit.history_for(platform, limit=30) if is_bureau(request.user) else [],
        },
    )


@login_required
@require_POST
def platform_transition(request: HttpRequest, pk: int) -> HttpResponse:
    platform = get_for_user(request, Platform, pk, write=True)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
        return redirect("platforms:detail", pk=platform.pk)
    try:
        services.platform_transition(
            actor=request.user,
            platform=platform,
            target=form.cleaned_data["target"],
            document=form.cleaned_data["document"],
            on=form.cleaned_data["on"],
            note=form.cleaned_data["note"],
            level=form.cleaned_data["level"],
        )
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Step recorded."))
    return redirect("platforms:detail", pk=platform.pk)


@login_required
def year_edit(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    platform = get_for_user(request, Platform, pk, write=True)
    instance = PlatformYear.objects.filter(platform=platform, year=year).first()
    form = PlatformYearForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in YEAR_FIELDS}
        saved = save_or_errors(
            form, lambda: services.platform_year_save(actor=request.user, platform=platform, year=year, data=data)
        )
        if saved is not None:
            messages.success(request, _("Saved."))
            return redirect("platforms:detail", pk=platform.pk)
    return render(request, "platforms/year_form.html", {"form": form, "platform": platform, "year": year})


@login_required
@require_POST
def evaluate(request: HttpRequest, pk: int) -> HttpResponse:
    platform = get_for_user(request, Platform, pk, write=True)
    form = EvaluationForm(request.POST)
    if not form.is_valid():
        messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
        return redirect("platforms:detail", pk=platform.pk)
    try:
        evaluation = services.evaluation_record(actor=request.user, platform=platform, **form.cleaned_data)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Evaluation recorded: %(g)s.") % {"g": evaluation.get_grade_display()})
    return redirect("platforms:detail", pk=platform.pk)


@login_required
def board(request: HttpRequest) -> HttpResponse:
    data = selectors.board(request.user)
    chart = {
        "years": [y for y, _ in data.series],
        "counts": [v for _, v in data.series],
        "target": data.target,
        "deadline": data.deadline,
        "forecast": [
            {"year": p["year"], "value": p["value"], "lower": p["lower"], "upper": p["upper"]}
            for p in (data.forecast or {}).get("forecast", [])
        ],
        "labels": {"count": _("Counted"), "forecast": _("Forecast"), "target": _("Target")},
    }
    return render(
        request,
        "platforms/board.html",
        {
            "board": data,
            "chart": chart,
            "list_url": reverse("platforms:list"),
            "year": data.year,
            "editable": is_bureau(request.user),
            "togo": max(0, int(data.target) - data.tally.total) if data.target is not None else None,
        },
    )


@login_required
def rule(request: HttpRequest) -> HttpResponse:
    """The counting and reward rules: everyone reads them; the bureau sets them."""
    current = PlatformSettings.current()
    form = SettingsForm(request.POST or None, instance=current)
    if request.method == "POST":
        if not is_bureau(request.user):
            raise PermissionDenied
        if form.is_valid():
            data = {k: form.cleaned_data[k] for k in SettingsForm.Meta.fields}
            codes = {t.code for t in form.cleaned_data["counted_types"]}
            saved = save_or_errors(
                form, lambda: services.settings_update(actor=request.user, data=data, counted_types=codes)
            )
            if saved is not None:
                messages.success(request, _("The rule is saved; the counts follow it."))
                return redirect("platforms:rule")
    return render(
        request,
        "platforms/rule.html",
        {"form": form, "settings": current, "types": selectors.types(), "editable": is_bureau(request.user)},
    )


@login_required
def labs(request: HttpRequest) -> HttpResponse:
    return render(request, "platforms/labs.html", {"levels": selectors.pyramid(request.user)})


@login_required
def reserve(request: HttpRequest) -> HttpResponse:
    type_code = request.GET.get("type", "")
    region = request.GET.get("region", "")
    pool = selectors.reserve_pool(request.user, type_code=type_code, region=region)
    page = paginate(request, pool)
    return render(
        request,
        "platforms/reserve.html",
        {
            "pool": page.object_list,
            "page": page,
            "query": query_without(request, "page"),
            "types": [t for t in selectors.types() if t.province_criteria],
            "regions": regions_for(request.user),
            "filters": {"type": type_code, "region": region},
            "criterion_labels": {f: PlatformYear._meta.get_field(f).verbose_name for f in YEAR_FIELDS},
        },
    )


@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    _writer(request)
    if request.method == "POST":
        started = start_import(request, importer.PlatformImport.kind, request.FILES.get("file"))
        if started is not None:
            return started
    jobs = imports.jobs_of(request.user, [importer.PlatformImport.kind])
    return render(request, "platforms/import.html", {"jobs": jobs, "sheets": importer.SHEETS})


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    return importer.template_response()


# ------------------------------------------------------------------------------------------------ incubation chain


def _carrier_filter(request: HttpRequest) -> CarrierFilter:
    return CarrierFilter(request.GET, selectors.carriers(request.user))


@login_required
def carrier_list(request: HttpRequest) -> HttpResponse:
    filterset = _carrier_filter(request)
    page = paginate(request, filterset.qs)
    rows = selectors.carrier_rows(page.object_list)
    return render(
        request,
        "platforms/carriers.html",
        {
            "page": page,
            "rows": rows,
            "filters": filterset.values(),
            "regions": regions_for(request.user),
            "stages": Stage.choices,
            "levels": Level.choices,
            "query": query_without(request, "page"),
            "settings": PlatformSettings.current(),
        },
    )


@login_required
def carrier_export(request: HttpRequest) -> HttpResponse:
    filterset = _carrier_filter(request)
    spec = exports.Export(
        object_type="platforms.carrier",
        label=_("Incubation carriers"),
        filename="carriers",
        headers=[
            _("Name"),
            _("Stage"),
            _("Level"),
            _("Region"),
            _("Operator"),
            _("Total space (m²)"),
            _("Space for incubatees (m²)"),
            _("Incubation fund (万元)"),
            _("Recognition document number"),
        ],
        row=lambda c: [
            c.name,
            c.get_stage_display(),
            c.get_level_display(),
            c.region.name,
            c.operator_name,
            c.space_total_m2,
            c.space_incubatee_m2,
            c.fund_wan,
            c.recognition_document,
        ],
    )
    return exports.list_export(request, filterset, spec, "platforms:carriers")


@login_required
def carrier_detail(request: HttpRequest, pk: int) -> HttpResponse:
    carrier = get_for_user(request, selectors.carriers(request.user), pk)
    stats = selectors.carrier_stats(carrier)
    incubatees = carrier.incubatees.order_by("-entered_on", "id")
    state = request.GET.get("state", "")
    if state in Incubatee.State.values:
        incubatees = incubatees.filter(state=state)
    return render(
        request,
        "platforms/carrier.html",
        {
            "carrier": carrier,
            "stats": stats,
            "page": paginate(request, incubatees),
            "query": query_without(request, "page"),
            "states": Incubatee.State.choices,
            "state": state,
            "years": carrier.years.all(),
            "writable": can_write(request.user, carrier),
            "incubatee_form": IncubateeForm(initial={"entered_on": timezone.localdate()}),
            "move_form": IncubateeMoveForm(initial={"on": timezone.localdate()}),
            "settings": PlatformSettings.current(),
            "this_year": timezone.localdate().year,
            "history": audit.history_for(carrier, limit=30) if is_bureau(request.user) else [],
        },
    )


@login_required
def carrier_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    carrier = get_for_user(request, Carrier, pk, write=True) if pk else None
    _writer(request)
    form = CarrierForm(request.POST or None, instance=carrier, regions=regions_for(request.user, writable=True))
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in CarrierForm.Meta.fields}
        fresh = Carrier.objects.get(pk=carrier.pk) if carrier else None
        saved = save_or_errors(form, lambda: services.carrier_save(actor=request.user, data=data, carrier=fresh))
        if saved is not None:
            messages.success(request, _("Saved."))
            return redirect("platforms:carrier", pk=saved.pk)
    return render(request, "platforms/carrier_form.html", {"form": form, "carrier": carrier})


@login_required
def carrier_year_edit(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    carrier = get_for_user(request, Carrier, pk, write=True)
    form = CarrierYearForm(
        request.POST or None, instance=CarrierYear.objects.filter(carrier=carrier, year=year).first()
    )
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in CarrierYearForm.Meta.fields}
        saved = save_or_errors(
            form, lambda: services.carrier_year_save(actor=request.user, carrier=carrier, year=year, data=data)
        )
        if saved is not None:
            messages.success(request, _("Saved."))
            return redirect("platforms:carrier", pk=carrier.pk)
    return render(request, "platforms/year_form.html", {"form": form, "carrier": carrier, "year": year})


@login_required
@require_POST
def incubatee_add(request: HttpRequest, pk: int) -> HttpResponse:
    carrier = get_for_user(request, Carrier, pk, write=True)
    form = IncubateeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
    else:
        try:
            services.incubatee_add(actor=request.user, carrier=carrier, **form.cleaned_data)
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("Incubatee added."))
    return redirect("platforms:carrier", pk=carrier.pk)


@login_required
@require_POST
def incubatee_move(request: HttpRequest, pk: int) -> HttpResponse:
    incubatee = get_for_user(request, Incubatee.objects.select_related("carrier"), pk)
    if not can_write(request.user, incubatee.carrier):
        raise PermissionDenied
    form = IncubateeMoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
    else:
        try:
            services.incubatee_move(actor=request.user, incubatee=incubatee, **form.cleaned_data)
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("Step recorded."))
    return redirect("platforms:carrier", pk=incubatee.carrier_id)


@login_required
def funnel(request: HttpRequest) -> HttpResponse:
    stages, year = selectors.funnel(request.user)
    chart = {"stages": [str(s["label"]) for s in stages], "now": [s["now"] for s in stages]}
    chart |= {
        "graduated": [s["graduated"] for s in stages],
        "hte": [s["hte"] for s in stages],
        "labels": {"now": _("In incubation"), "graduated": _("Graduated"), "hte": _("High-tech enterprises")},
    }
    return render(
        request,
        "platforms/funnel.html",
        {"stages": stages, "year": year, "chart": chart, "settings": PlatformSettings.current()},
    )
