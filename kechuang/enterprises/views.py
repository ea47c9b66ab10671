from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, pgettext
from django.utils.translation import gettext as _

from kechuang.core import audit, exports, imports
from kechuang.core.codes import TechField
from kechuang.core.forms import save_or_errors
from kechuang.core.http import paginate, query_without, start_import
from kechuang.core.permissions import get_for_user
from kechuang.core.roles import READ_ONLY
from kechuang.core.scope import can_write
from kechuang.core.selectors import regions_for
from kechuang.enterprises import importer, ladder, selectors, services
from kechuang.enterprises.filters import EnterpriseFilter, FactCorrectionFilter
from kechuang.enterprises.forms import RECORD_FORMS, CorrectionDecisionForm, EnterpriseForm, StatusForm, YearForm
from kechuang.enterprises.ladder.labels import criterion_name, fact_label, gap_sentence
from kechuang.enterprises.models import Enterprise, FactCorrection, Tier

STATUS_LABELS = {
    "eligible": gettext_lazy("Eligible"),
    "not_eligible": gettext_lazy("Not eligible"),
    "not_evaluable": gettext_lazy("Not evaluable"),
}


def _filterset(request: HttpRequest) -> EnterpriseFilter:
    return EnterpriseFilter(request.GET, selectors.enterprises(request.user))


@login_required
def enterprise_list(request: HttpRequest) -> HttpResponse:
    filterset = _filterset(request)
    page = paginate(request, filterset.qs)
    selectors.with_ladder(list(page.object_list))
    return render(
        request,
        "enterprises/list.html",
        {
            "page": page,
            "filters": filterset.values(),
            "regions": regions_for(request.user),
            "tiers": selectors.LADDER_TIERS,
            "fields": TechField.choices,
            "statuses": Enterprise.Status.choices,
            "query": query_without(request, "page"),
            "sort_query": query_without(request, "page", "sort"),
        },
    )


@login_required
def enterprise_export(request: HttpRequest) -> HttpResponse:
    filterset = _filterset(request)
    tiers = selectors.LADDER_TIERS
    headers = [
        _("Credit code"),
        pgettext("enterprise", "Name"),
        _("Region"),
        _("Industry"),
        _("High-tech field"),
        _("Status"),
    ]
    suffixes = [_("held"), _("verdict"), _("score"), _("failed criteria")]
    for tier in tiers:
        headers += ["·".join((str(tier.label), suffix)) for suffix in suffixes]

    language = get_language()
    names: dict[tuple[str, str], dict[str, str]] = {}

    def failed_names(result: Any) -> str:
        """The stored criterion ids as the reader's criterion names (one lookup per tier and rule version)."""
        key = (result.tier, result.rule_version)
        if key not in names:
            rule_set = _rule_set_of(result)
            criteria = [(c.id, c.name) for c in rule_set.criteria] if rule_set else []
            if rule_set and rule_set.line:
                criteria.append(("score_line", rule_set.line.name))
            names[key] = {cid: criterion_name(result.tier, cid, name, language) for cid, name in criteria}
        return "、".join(names[key].get(cid, cid) for cid in result.failed_criteria)

    # Translated once, not per cell: a whole register is 5,000 rows × 7 tiers.
    yes, no = _("Yes"), _("No")
    verdicts = {status: str(label) for status, label in STATUS_LABELS.items()}

    def row(e: Enterprise) -> list[Any]:
        cells = [e.credit_code, e.name, str(e.region), e.industry, e.get_tech_field_display(), e.get_status_display()]
        for tier in tiers:
            result = e.verdicts.get(tier.value)
            cells += [
                yes if tier.value in e.held else no,
                verdicts.get(result.status, "") if result else "",
                result.score if result and result.score is not None else "",
                failed_names(result) if result else "",
            ]
        return cells

    spec = exports.Export(
        object_type="enterprises.enterprise",
        label=_("Enterprises"),
        filename="enterprises",
        headers=headers,
        row=row,
        prepare=selectors.with_ladder,
    )
    return exports.list_export(request, filterset, spec, "enterprises:list")


@login_required
def register_export(request: HttpRequest) -> HttpResponse:
    """The filtered register (facts, IP, qualifications too) in the import template's layout."""
    filterset = _filterset(request)
    rows = filterset.qs
    count = rows.count()
    if (refusal := exports.refused(request, count, exports.list_url(request, reverse("enterprises:list")))) is not None:
        return refusal
    exports.record(
        request,
        object_type="enterprises.enterprise",
        label=_("Register workbook"),
        rows=count,
        filters=filterset.applied(),
    )
    return importer.register_workbook(rows)


def _rule_set_of(result: Any) -> ladder.RuleSet | None:
    """The rule set a verdict was made by (an engine TierResult or a stored LadderResult)."""
    return next((rs for rs in ladder.rule_sets(result.tier) if rs.version == result.rule_version), None)


def _route_words(result: ladder.TierResult) -> str | None:
    """`direct:hte_cert` → the name of the criterion that opens the direct route; None for the score line."""
    if not result.route or not result.route.startswith("direct:"):
        return None
    cid = result.route.removeprefix("direct:")
    return next((getattr(c, "shown_name", c.name) for c in result.criteria if c.id == cid), None)


@login_required
def enterprise_detail(request: HttpRequest, credit_code: str) -> HttpResponse:
    enterprise = selectors.enterprise_detail(request.user, credit_code)
    if enterprise is None:
        raise Http404
    record, results = services.ladder_evaluate(enterprise)
    held = {
        q.tier
        for q in enterprise.qualifications.all()
        if not q.revoked and q.issue_date <= timezone.localdate() <= q.expiry_date
    }
    stored = {r.tier: r for r in enterprise.ladder_results.all()}
    language = get_language()
    for r in results:
        for c in r.criteria:
            # The rule modules speak Chinese; the page speaks the reader's language (labels.py has both).
            c.shown_name = criterion_name(r.tier, c.id, c.name, language)
            c.gap_text = gap_sentence(c.gap, c.shown_name, language)
    steps = [
        {
            "result": r,
            "label": Tier(r.tier).label,
            "held": r.tier in held,
            "stored": stored.get(r.tier),
            "failing": r.failed_criteria(),
            "rules": _rule_set_of(r),
            "route": _route_words(r),
            "missing": [fact_label(path, language) for path in r.missing],
        }
        for r in sorted(results, key=lambda r: [t.value for t in selectors.LADDER_TIERS].index(r.tier))
    ]
    years = sorted(enterprise.years.all(), key=lambda y: y.year)
    for y in years:
        y.rd_ratio = (
            float(y.rd_expense_wan) * 100 / float(y.operating_revenue_wan)
            if y.rd_expense_wan is not None and y.operating_revenue_wan
            else None
        )
    return render(
        request,
        "enterprises/detail.html",
        {
            "enterprise": enterprise,
            "years": years,
            "steps": steps,
            "record": record,
            "can_edit": can_write(request.user, enterprise),
            "today": timezone.localdate(),
            "latest_year": timezone.localdate().year - 1,
            "statuses": Enterprise.Status.choices,
        },
    )


@login_required
def enterprise_facts_json(request: HttpRequest, credit_code: str) -> JsonResponse:
    """The facts record the verdicts were computed from, in the shared facts format."""
    enterprise = selectors.enterprise_detail(request.user, credit_code)
    if enterprise is None:
        raise Http404
    record, _results = services.ladder_evaluate(enterprise)
    return JsonResponse(record, json_dumps_params={"ensure_ascii": False, "indent": 2, "default": str})


@login_required
def funnel(request: HttpRequest) -> HttpResponse:
    return render(request, "enterprises/funnel.html", {"funnel": selectors.funnel(request.user)})


@login_required
def reserve(request: HttpRequest) -> HttpResponse:
    tier = request.GET.get("tier") or Tier.HIGH_TECH
    if tier not in [t.value for t in selectors.LADDER_TIERS]:
        raise Http404
    region = request.GET.get("region", "")
    page = paginate(request, selectors.reserve_pool(request.user, tier, region=region))
    selectors.explain_stored(list(page.object_list), get_language())
    return render(
        request,
        "enterprises/reserve.html",
        {
            "page": page,
            "tier": Tier(tier),
            "tiers": selectors.LADDER_TIERS,
            "region": region,
            "regions": regions_for(request.user),
            "query": query_without(request, "page"),
        },
    )


@login_required
def expiring(request: HttpRequest) -> HttpResponse:
    try:
        months = max(1, min(36, int(request.GET.get("months", 6))))
    except ValueError:
        months = 6
    data = selectors.expiring(request.user, months=months)
    return render(
        request,
        "enterprises/expiring.html",
        {
            "months": months,
            "certificates": paginate(request, data["certificates"]),
            **{k: v for k, v in data.items() if k != "certificates"},
            "query": query_without(request, "page"),
        },
    )


@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    if request.user.role in READ_ONLY:
        raise PermissionDenied
    if request.method == "POST":
        started = start_import(request, importer.RegisterImport.kind, request.FILES.get("file"))
        if started is not None:
            return started
    jobs = imports.jobs_of(request.user, [importer.RegisterImport.kind])
    return render(
        request,
        "enterprises/import.html",
        {"jobs": jobs, "limit_mb": importer.MAX_UPLOAD_MB, "sheets": importer.SHEETS},
    )


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    return importer.template_response(request.user)


def _editable(request: HttpRequest, credit_code: str) -> Enterprise:
    return get_for_user(request, Enterprise, credit_code=credit_code, write=True)


def _save_form(request: HttpRequest, form, save) -> HttpResponse | None:
    """Run `save()` for a valid form, putting service errors back on the form; None when the form must be shown."""
    if request.method != "POST" or not form.is_valid():
        return None
    return save_or_errors(form, save)


@login_required
def enterprise_edit(request: HttpRequest, credit_code: str | None = None) -> HttpResponse:
    enterprise = _editable(request, credit_code) if credit_code else None
    if enterprise is None and request.user.role in READ_ONLY:
        raise PermissionDenied
    form = EnterpriseForm(request.POST or None, instance=enterprise, regions=regions_for(request.user, writable=True))

    def save():
        data = {k: v for k, v in form.cleaned_data.items() if k != "credit_code"}
        if enterprise is None:
            saved = services.enterprise_create(actor=request.user, credit_code=form.cleaned_data["credit_code"], **data)
        else:
            saved = services.enterprise_update(
                actor=request.user, enterprise=Enterprise.objects.get(pk=enterprise.pk), **data
            )
        messages.success(request, _("Saved."))
        return redirect("enterprises:detail", credit_code=saved.credit_code)

    return _save_form(request, form, save) or render(
        request,
        "enterprises/form.html",
        {"form": form, "enterprise": enterprise, "title": _("Edit enterprise") if enterprise else _("New enterprise")},
    )


@login_required
def enterprise_status(request: HttpRequest, credit_code: str) -> HttpResponse:
    enterprise = _editable(request, credit_code)
    form = StatusForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.enterprise_set_status(actor=request.user, enterprise=enterprise, **form.cleaned_data)
        messages.success(request, _("Status changed."))
    elif request.method == "POST":
        messages.error(request, _("Give the reason."))
    return redirect("enterprises:detail", credit_code=credit_code)


@login_required
def year_edit(request: HttpRequest, credit_code: str, year: int) -> HttpResponse:
    enterprise = _editable(request, credit_code)
    if not 1980 <= year <= timezone.localdate().year:
        raise Http404
    row = enterprise.years.filter(year=year).first()
    form = YearForm(request.POST or None, instance=row)

    def save():
        services.facts_save(actor=request.user, enterprise=enterprise, year=year, **form.cleaned_data)
        messages.success(request, _("Saved; the ladder verdicts have been recomputed."))
        return redirect("enterprises:detail", credit_code=credit_code)

    title = _("Facts of %(year)s") % {"year": year}
    return _save_form(request, form, save) or render(
        request, "enterprises/form.html", {"form": form, "enterprise": enterprise, "title": title}
    )


@login_required
def record_add(request: HttpRequest, credit_code: str, kind: str) -> HttpResponse:
    enterprise = _editable(request, credit_code)
    form_class = RECORD_FORMS.get(kind)
    if form_class is None:
        raise Http404
    form = form_class(request.POST or None)

    def save():
        services.register_record_add(actor=request.user, enterprise=enterprise, record=form.save(commit=False))
        messages.success(request, _("Saved; the ladder verdicts have been recomputed."))
        return redirect("enterprises:detail", credit_code=credit_code)

    title = _("Add: %(what)s") % {"what": form_class._meta.model._meta.verbose_name}
    return _save_form(request, form, save) or render(
        request, "enterprises/form.html", {"form": form, "enterprise": enterprise, "title": title}
    )


# --- the district's queue of fact corrections proposed by firms -------------------------------------------------


@login_required
def correction_list(request: HttpRequest) -> HttpResponse:
    """Corrections firms proposed to their yearly facts, in the reader's scope; open ones first by default."""
    filterset = FactCorrectionFilter(request.GET, selectors.corrections(request.user))
    page = paginate(request, filterset.qs)
    selectors.describe_corrections(list(page.object_list), get_language())
    return render(
        request,
        "enterprises/corrections.html",
        {
            "page": page,
            "filters": filterset.values(),
            "regions": regions_for(request.user),
            "statuses": FactCorrection.Status.choices,
            "query": query_without(request, "page"),
        },
    )


@login_required
def correction_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One proposal: the register's figure then and now, the proposed one, the reason; confirm or reject it."""
    correction = get_for_user(request, selectors.corrections(request.user), pk=pk)
    language = get_language()
    selectors.describe_corrections([correction], language)
    can_decide = can_write(request.user, correction) and correction.status == FactCorrection.Status.PROPOSED
    form = CorrectionDecisionForm(request.POST or None)
    if request.method == "POST":
        if not can_write(request.user, correction):
            raise PermissionDenied
        if form.is_valid():
            confirm = form.cleaned_data["decision"] == "confirm"

            def save():
                services.fact_correction_decide(
                    actor=request.user, correction=correction, confirm=confirm, note=form.cleaned_data["note"]
                )
                messages.success(
                    request,
                    _("Confirmed: the register holds the new figure and the ladder has been recomputed.")
                    if confirm
                    else _("Rejected: the register is unchanged."),
                )
                return redirect("enterprises:correction", pk=correction.pk)

            if (done := save_or_errors(form, save)) is not None:
                return done
    row = correction.enterprise.years.filter(year=correction.year).first()
    now = services.fact_text(getattr(row, correction.field)) if row is not None else ""
    return render(
        request,
        "enterprises/correction.html",
        {
            "correction": correction,
            "register_now": selectors.fact_shown(now),
            "changed_since": now != correction.current_value,
            "form": form,
            "can_decide": can_decide,
            "history": audit.history_for(correction),
        },
    )
