"""Pages of the outreach module: thin views over selectors and services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kechuang.core import exports, imports
from kechuang.core.forms import error_messages, save_or_errors
from kechuang.core.http import paginate, query_without, start_import
from kechuang.core.permissions import bureau_required, get_for_user
from kechuang.core.registry import enterprise_refs
from kechuang.core.roles import READ_ONLY, Role
from kechuang.core.scope import can_write
from kechuang.core.selectors import regions_for
from kechuang.outreach import importer, rules, selectors, services
from kechuang.outreach.filters import ActivityFilter, BaseFilter, CommissionerFilter, LogFilter
from kechuang.outreach.forms import AssessmentForm, DispatchForm, EvaluationForm, RecogniseForm, ServiceLogForm
from kechuang.outreach.models import Activity, Commissioner, PopsciBase


def _year(request: HttpRequest, years: list[int]) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = 0
    if 2000 <= year <= 2100:
        return year
    return years[0] if years else timezone.localdate().year


def _list_context(request: HttpRequest, filterset: Any, **extra: Any) -> dict[str, Any]:
    return {
        "page": paginate(request, filterset.qs),
        "filters": filterset.values(),
        "query": query_without(request, "page"),
        "sort_query": query_without(request, "page", "sort"),
        "regions": regions_for(request.user),
        **extra,
    }


# ---------------------------------------------------------------- commissioners
@login_required
def commissioners(request: HttpRequest) -> HttpResponse:
    fs = CommissionerFilter(request.GET, selectors.commissioners(request.user).order_by("name", "id"))
    return render(
        request,
        "outreach/commissioners.html",
        _list_context(
            request,
            fs,
            fields=Commissioner.Field.choices,
            employers=Commissioner.Employer.choices,
            levels=Commissioner.Level.choices,
        ),
    )


COMMISSIONER_EXPORT = exports.Export(
    "outreach.commissioner",
    "科技特派员",
    "commissioners",
    [
        "姓名",
        "服务领域",
        "专业特长",
        "职称",
        "特派员级别",
        "派出单位类型",
        "派出单位",
        "派出单位统一社会信用代码",
        "所属产业服务团",
        "管理区县",
        "主管部门",
        "选派日期",
        "选派次数",
    ],
    lambda c: [
        c.name,
        c.get_field_display(),
        c.expertise,
        c.title,
        c.get_level_display(),
        c.get_employer_kind_display(),
        c.employer_name,
        c.employer_credit_code,
        c.team.name if c.team else "",
        c.region.name,
        c.department.name,
        c.since,
        c.n_dispatches,
    ],
)


@login_required
def commissioners_export(request: HttpRequest) -> HttpResponse:
    fs = CommissionerFilter(request.GET, selectors.commissioners(request.user).order_by("name", "id"))
    return exports.list_export(request, fs, COMMISSIONER_EXPORT, "outreach:commissioners")


@login_required
def commissioner(request: HttpRequest, pk: int) -> HttpResponse:
    obj = get_for_user(request, selectors.commissioners(request.user), pk)
    dispatches = list(selectors.dispatches(request.user).filter(commissioner=obj).order_by("-start"))
    logs = selectors.logs(request.user).filter(dispatch__commissioner=obj)
    employer = enterprise_refs([obj.employer_credit_code]).get(obj.employer_credit_code)
    return render(
        request,
        "outreach/commissioner.html",
        {
            "c": obj,
            "employer": employer,
            "dispatches": dispatches,
            "writable_dispatches": {d.pk for d in dispatches if can_write(request.user, d)},
            "logs": logs[:20],
            "log_count": logs.count(),
            "assessments": obj.assessments.order_by("-year"),
            "can_write": can_write(request.user, obj),
            "can_assess": can_write(request.user, obj) and request.user.role != Role.DISTRICT_OFFICER,
            "assessment_form": AssessmentForm(initial={"year": timezone.localdate().year - 1}),
            "bands": rules.bands_text(services.commissioner_bands(), rules.COMMISSIONER_FAIL),
        },
    )


@login_required
def dispatch_create(request: HttpRequest, pk: int) -> HttpResponse:
    obj = get_for_user(request, Commissioner, pk, write=True)
    form = DispatchForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in services.DISPATCH_FIELDS}
        if save_or_errors(form, lambda: services.dispatch_create(actor=request.user, commissioner=obj, data=data)):
            messages.success(request, _("Dispatch recorded."))
            return redirect("outreach:commissioner", pk=obj.pk)
    return render(
        request,
        "outreach/form.html",
        {
            "form": form,
            "title": _("Dispatch %(name)s") % {"name": obj},
            "back": reverse("outreach:commissioner", args=[obj.pk]),
        },
    )


@login_required
def log_create(request: HttpRequest, pk: int) -> HttpResponse:
    dispatch = get_for_user(request, selectors.dispatches(request.user), pk, write=True)
    form = ServiceLogForm(
        request.POST or None, initial={"date": timezone.localdate(), "place": dispatch.village or dispatch.served_name}
    )
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in services.LOG_FIELDS}
        if save_or_errors(form, lambda: services.servicelog_create(actor=request.user, dispatch=dispatch, data=data)):
            messages.success(request, _("Service logged."))
            return redirect("outreach:commissioner", pk=dispatch.commissioner_id)
    title = _("Log a service: %(name)s at %(place)s") % {"name": dispatch.commissioner, "place": dispatch.served_name}
    return render(
        request,
        "outreach/form.html",
        {"form": form, "title": title, "back": reverse("outreach:commissioner", args=[dispatch.commissioner_id])},
    )


@login_required
@require_POST
def assessment_record(request: HttpRequest, pk: int) -> HttpResponse:
    obj = get_for_user(request, Commissioner, pk, write=True)
    if request.user.role == Role.DISTRICT_OFFICER:
        raise PermissionDenied(_("The programme's department or the bureau assesses commissioners."))
    form = AssessmentForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{form.fields[field].label if field in form.fields else ''}: {' '.join(errors)}")
    else:
        try:
            services.assessment_record(actor=request.user, commissioner=obj, **form.cleaned_data)
            messages.success(request, _("Assessment recorded."))
        except ValidationError as exc:
            for message in error_messages(exc):
                messages.error(request, message)
    return redirect("outreach:commissioner", pk=obj.pk)


# ---------------------------------------------------------------- service logs, region view, statistics
LOG_EXPORT = exports.Export(
    "outreach.servicelog",
    "服务日志",
    "service-logs",
    [
        "特派员姓名",
        "派出单位",
        "服务对象",
        "区县",
        "乡镇",
        "村",
        "服务日期",
        "服务地点",
        "服务内容",
        "培训人数",
        "引进技术数",
        "引进技术名称",
        "带动增收（万元）",
    ],
    lambda g: [
        g.dispatch.commissioner.name,
        g.dispatch.commissioner.employer_name,
        g.dispatch.served_name,
        g.dispatch.region.name,
        g.dispatch.town,
        g.dispatch.village,
        g.date,
        g.place,
        g.content,
        g.people_trained,
        g.technologies_introduced,
        g.technologies,
        g.income_effect_wan,
    ],
)


@login_required
def logs(request: HttpRequest) -> HttpResponse:
    fs = LogFilter(request.GET, selectors.logs(request.user))
    return render(
        request,
        "outreach/logs.html",
        _list_context(request, fs, years=selectors.log_years(request.user), fields=Commissioner.Field.choices),
    )


@login_required
def logs_export(request: HttpRequest) -> HttpResponse:
    fs = LogFilter(request.GET, selectors.logs(request.user))
    return exports.list_export(request, fs, LOG_EXPORT, "outreach:logs")


@login_required
def region_view(request: HttpRequest) -> HttpResponse:
    years = selectors.log_years(request.user)
    year = _year(request, years)
    region = request.GET.get("region", "")
    groups = selectors.region_view(request.user, year, region or None)
    return render(
        request,
        "outreach/regions.html",
        {
            "groups": groups,
            "year": year,
            "years": years,
            "region": region,
            "regions": regions_for(request.user),
            "visits": sum(g["visits"] for g in groups),
            "places": sum(g["places"] for g in groups),
        },
    )


STAT_HEADERS = [
    "区县",
    "服务特派员（人）",
    "在期选派（次）",
    "服务村及对象（个）",
    "服务次数",
    "培训人数",
    "引进技术（项）",
    "带动增收（万元）",
]


def _stat_cells(row: dict[str, Any]) -> list[Any]:
    return [
        row["commissioners"],
        row["dispatches"],
        row["villages"],
        row["visits"],
        row["people_trained"],
        row["technologies"],
        row["income_wan"],
    ]


@login_required
def stats(request: HttpRequest) -> HttpResponse:
    years = selectors.log_years(request.user)
    year = _year(request, years)
    data = selectors.commissioner_stats(request.user, year)
    return render(request, "outreach/stats.html", {"year": year, "years": years, **data})


@login_required
def stats_export(request: HttpRequest) -> HttpResponse:
    years = selectors.log_years(request.user)
    year = _year(request, years)
    data = selectors.commissioner_stats(request.user, year)
    rows = [[r["name"], *_stat_cells(r)] for r in data["rows"]] + [["合计", *_stat_cells(data["total"])]]
    fields = [[r["label"], r["commissioners"], r["visits"], r["people_trained"] or 0] for r in data["by_field"]]
    exports.record(
        request,
        object_type="outreach.stats",
        label=f"{year}年科技特派员服务统计",
        rows=len(rows),
        filters={"year": year},
    )
    return exports.xlsx_response(
        f"commissioner-statistics-{year}.xlsx",
        [
            exports.Sheet(f"{year}年按区县", STAT_HEADERS, rows),
            exports.Sheet(f"{year}年按领域", ["服务领域", "服务特派员（人）", "服务次数", "培训人数"], fields),
            exports.Sheet(f"{year}年考核等次", ["等次", "人数"], sorted(data["grades"].items())),
        ],
    )


# ---------------------------------------------------------------- popular science
BASE_EXPORT = exports.Export(
    "outreach.popscibase",
    "科普教育基地",
    "popsci-bases",
    ["基地名称", "运营单位", "类别", "级别", "认定年度", "认定文件", "所属区县", "责任部门", "省级称号后备"],
    lambda b: [
        b.name,
        b.organisation,
        b.get_category_display(),
        b.get_level_display(),
        b.recognised_year,
        b.document_number,
        b.region.name,
        b.department.name,
        "是" if b.provincial_candidate else "否",
    ],
)


@login_required
def bases(request: HttpRequest) -> HttpResponse:
    fs = BaseFilter(request.GET, selectors.bases(request.user))
    return render(
        request,
        "outreach/bases.html",
        _list_context(request, fs, levels=PopsciBase.Level.choices, categories=PopsciBase.Category.choices),
    )


@login_required
def bases_export(request: HttpRequest) -> HttpResponse:
    fs = BaseFilter(request.GET, selectors.bases(request.user))
    return exports.list_export(request, fs, BASE_EXPORT, "outreach:bases")


@login_required
def candidates(request: HttpRequest) -> HttpResponse:
    threshold, years = services.candidate_rule()
    return render(
        request,
        "outreach/candidates.html",
        {
            "candidates": selectors.candidates(request.user, threshold, years),
            "titled": selectors.provincial_titles(request.user),
            "threshold": threshold,
            "rule_years": years,
            "bands": rules.bands_text(services.base_bands(), rules.BASE_FAIL),
            "is_bureau": request.user.role in (Role.BUREAU_ADMIN, Role.BUREAU_STAFF),
            "can_evaluate": request.user.role not in READ_ONLY,
            "evaluation_form": EvaluationForm(initial={"year": timezone.localdate().year - 1}),
            "recognise_form": RecogniseForm(initial={"year": timezone.localdate().year, "level": "provincial"}),
        },
    )


@login_required
@require_POST
def base_evaluate(request: HttpRequest, pk: int) -> HttpResponse:
    base = get_for_user(request, PopsciBase, pk, write=True)
    form = EvaluationForm(request.POST)
    if form.is_valid():
        try:
            services.base_evaluate(
                actor=request.user,
                base=base,
                year=form.cleaned_data["year"],
                score=form.cleaned_data["score"],
                visitors=form.cleaned_data["visitors"] or 0,
            )
            messages.success(request, _("Evaluation recorded."))
        except ValidationError as exc:
            for message in error_messages(exc):
                messages.error(request, message)
    else:
        messages.error(request, _("Give a year and a score between 0 and 100."))
    return redirect("outreach:candidates")


@bureau_required
@require_POST
def base_recognise(request: HttpRequest, pk: int) -> HttpResponse:
    base = get_for_user(request, PopsciBase, pk, write=True)
    form = RecogniseForm(request.POST)
    if form.is_valid():
        try:
            services.base_recognise(actor=request.user, base=base, **form.cleaned_data)
            messages.success(request, _("Title recorded."))
        except ValidationError as exc:
            for message in error_messages(exc):
                messages.error(request, message)
    else:
        messages.error(request, _("Give the new title, the year and the recognition document."))
    return redirect("outreach:candidates")


ACTIVITY_EXPORT = exports.Export(
    "outreach.activity",
    "科普活动",
    "popsci-activities",
    [
        "活动类型",
        "活动名称",
        "活动日期",
        "活动地点",
        "所属区县",
        "主办单位",
        "责任部门",
        "受众",
        "参与人数",
        "依托科普基地",
    ],
    lambda a: [
        a.get_kind_display(),
        a.title,
        a.date,
        a.place,
        a.region.name,
        a.organiser,
        a.department.name,
        a.get_audience_display(),
        a.participants,
        a.base.name if a.base else "",
    ],
)


@login_required
def activities(request: HttpRequest) -> HttpResponse:
    fs = ActivityFilter(request.GET, selectors.activities(request.user))
    return render(
        request,
        "outreach/activities.html",
        _list_context(
            request,
            fs,
            kinds=Activity.Kind.choices,
            audiences=Activity.Audience.choices,
            years=selectors.activity_years(request.user),
        ),
    )


@login_required
def activities_export(request: HttpRequest) -> HttpResponse:
    fs = ActivityFilter(request.GET, selectors.activities(request.user))
    return exports.list_export(request, fs, ACTIVITY_EXPORT, "outreach:activities")


@login_required
def popsci_stats(request: HttpRequest) -> HttpResponse:
    years = selectors.activity_years(request.user)
    year = _year(request, years)
    return render(
        request,
        "outreach/popsci_stats.html",
        {"year": year, "years": years, **selectors.popsci_stats(request.user, year)},
    )


@login_required
def popsci_stats_export(request: HttpRequest) -> HttpResponse:
    years = selectors.activity_years(request.user)
    year = _year(request, years)
    data = selectors.popsci_stats(request.user, year)
    headers = ["区县"]
    for label in data["kinds"]:
        headers += [f"{label}（场次）", f"{label}（人次）"]
    headers += ["活动合计（场次）", "参与合计（人次）", "科普教育基地（个）", "其中省级以上（个）"]

    def cells(row: dict[str, Any]) -> list[Any]:
        out: list[Any] = []
        for k in row["kinds"]:
            out += [k["n"], k["participants"]]
        return [*out, row["activities"], row["participants"], row["bases"], row["provincial_bases"]]

    rows = [[r["name"], *cells(r)] for r in data["rows"]] + [["合计", *cells(data["total"])]]
    exports.record(
        request, object_type="outreach.popsci_stats", label=f"{year}年科普统计", rows=len(rows), filters={"year": year}
    )
    return exports.xlsx_response(f"popsci-statistics-{year}.xlsx", [exports.Sheet(f"{year}年科普统计", headers, rows)])


# ---------------------------------------------------------------- import
@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    if request.user.role in READ_ONLY:
        raise PermissionDenied
    kinds = importer.importers()
    if request.method == "POST":
        chosen = importer.importer_of(request.POST.get("kind", ""))
        upload = request.FILES.get("file")
        if chosen is None:
            messages.error(request, _("Choose what the file holds."))
        elif (started := start_import(request, chosen.kind, upload)) is not None:
            return started
    return render(
        request,
        "outreach/import.html",
        {
            "kinds": kinds,
            "jobs": imports.jobs_of(request.user, [k.kind for k in kinds]),
            "limit_mb": importer.MAX_UPLOAD_MB,
        },
    )


@login_required
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    chosen = importer.importer_of(kind)
    if chosen is None:
        raise Http404
    return chosen.template_response(request.user)
