"""Pages of the finance module: thin views over selectors and services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from kechuang.core import exports, imports
from kechuang.core.forms import flash_errors, save_or_errors
from kechuang.core.http import paginate, query_without, start_import
from kechuang.core.permissions import bureau_required, get_for_user, is_bureau
from kechuang.core.roles import READ_ONLY, Role
from kechuang.core.scope import can_write
from kechuang.core.selectors import regions_for
from kechuang.finance import filing, importer, selectors, services
from kechuang.finance.explain import explain, grades_text, scheme_rows
from kechuang.finance.filters import InvestmentFilter, ListingFilter, LoanFilter, PolicyFilter, ScoreFilter
from kechuang.finance.forms import (
    ClaimDecisionForm,
    ClaimForm,
    FundForm,
    InstitutionForm,
    InvestmentForm,
    ListingFirmForm,
    ListingServiceForm,
    ListingStageForm,
    LoanForm,
    PolicyForm,
    SchemeForm,
)
from kechuang.finance.models import (
    LOAN_FIELDS,
    CapabilityScore,
    InsuranceClaim,
    InsurancePolicy,
    ListingFirm,
    Loan,
    Stage,
    VcFund,
)
from kechuang.finance.scoring.engine import score


def _writer(request: HttpRequest) -> None:
    if request.user.role in READ_ONLY:
        raise PermissionDenied


def _form_page(
    request: HttpRequest,
    form: Any,
    save: Callable[[dict], Any],
    *,
    title: str,
    back: str,
    done: Callable[[Any], str],
    saved: str,
) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        result = save_or_errors(form, lambda: save(dict(form.cleaned_data)))
        if result is not None:
            messages.success(request, saved)
            return redirect(done(result))
    return render(request, "finance/form.html", {"form": form, "title": title, "back": back})


def _list_context(request: HttpRequest, filterset: Any, **extra: Any) -> dict[str, Any]:
    return {
        "filters": filterset.values(),
        "regions": regions_for(request.user),
        "query": query_without(request, "page"),
        "sort_query": query_without(request, "page", "sort"),
        "can_write": request.user.role not in READ_ONLY,
        "show_codes": selectors.show_codes(request.user),
        **extra,
    }


# ------------------------------------------------------------------------------------------ board
@login_required
def board(request: HttpRequest) -> HttpResponse:
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    year = min(max(year, 2000), 2100)
    data = selectors.board(request.user, year)
    months, distribution = data["months"] or [], data["distribution"] or []
    chart = {
        "months": [f"{m['month']}月" for m in months],
        "lukedai": [float(m["lukedai"]) for m in months],
        "rd_loan": [float(m["rd_loan"]) for m in months],
        "lukedai_label": str(Loan.Product.LUKEDAI.label),
        "rd_loan_label": str(Loan.Product.RD_LOAN.label),
        "bands": [d["band"] for d in distribution],
        "band_counts": [d["n"] for d in distribution],
    }
    names = {
        "loans": _("Loans"),
        "scores": _("Capability scores"),
        "insurance": _("Insurance pilot"),
        "venture_capital": _("Venture capital"),
        "listing_reserve": _("Listing reserve"),
    }
    return render(
        request,
        "finance/board.html",
        {
            "b": data,
            "chart": chart,
            "years": range(year - 3, year + 2),
            "hidden": [names[k] for k in data["hidden"]],
            "tasks": "、".join(str(n) for n in data["tasks"]),
        },
    )


# ------------------------------------------------------------------------------------------ scores
def _score_filterset(request: HttpRequest) -> ScoreFilter:
    return ScoreFilter(request.GET, selectors.scores(request.user))


@login_required
def score_list(request: HttpRequest) -> HttpResponse:
    filterset = _score_filterset(request)
    page = paginate(request, filterset.qs)
    scheme = services.current_scheme()
    parsed = selectors.scheme_of(scheme)
    return render(
        request,
        "finance/score_list.html",
        _list_context(
            request,
            filterset,
            page=page,
            scheme=scheme,
            grades=[g for _m, g in parsed.grades],
            can_run=is_bureau(request.user),
            latest=CapabilityScore.objects.order_by("-as_of").values_list("as_of", flat=True).first(),
        ),
    )


def _score_export_spec(codes: bool = True) -> exports.Export:
    return exports.Export(
        "finance.capabilityscore",
        _("Capability scores"),
        "capability-scores",
        [_("Credit code"), _("Enterprise"), _("Region"), _("Score"), _("Grade"), _("As of"), _("Scheme version")],
        lambda s: [
            s.credit_code if codes else "",
            s.enterprise_name,
            s.region.name,
            s.total,
            s.grade,
            s.as_of,
            s.scheme.version,
        ],
    )


@login_required
def score_export(request: HttpRequest) -> HttpResponse:
    filterset = _score_filterset(request)
    return exports.export_response(
        request,
        _score_export_spec(selectors.show_codes(request.user)),
        filterset.qs.select_related("scheme"),
        filters=filterset.applied(),
        back=exports.list_url(request, reverse("finance:scores")),
    )


def score_context(history: list[CapabilityScore]) -> dict[str, Any]:
    """One firm's latest score explained criterion by criterion (recomputed from its stored measures with the
    scheme it was computed with: the same points), with its history."""
    latest = history[0]
    scheme = selectors.scheme_of(latest.scheme)
    result = score(latest.measures, scheme)
    return {
        "latest": latest,
        "result": result,
        "lines": explain(result, scheme),
        "scheme": latest.scheme,
        "grades": grades_text(scheme),
        "history": history,
        "max_total": f"{scheme.max_total / 10:g}",
        "chart": {
            "dates": [h.as_of.isoformat() for h in reversed(history)],
            "totals": [float(h.total) for h in reversed(history)],
        },
    }


@login_required
def score_detail(request: HttpRequest, credit_code: str) -> HttpResponse:
    if not selectors.show_codes(request.user):
        # The page is keyed by the firm's credit code: a reader of names only (a department officer of the task)
        # reads the scores in the list and on the board.
        raise Http404
    history = list(selectors.score_history(request.user, credit_code)[:60])
    if not history:
        get_for_user(request, CapabilityScore, credit_code=credit_code, is_latest=True)  # 404, logged if out of scope
        raise Http404
    return render(request, "finance/score_detail.html", {**score_context(history), "show_codes": True})


@login_required
def my_score(request: HttpRequest) -> HttpResponse:
    """An enterprise account's own firm's score, explained criterion by criterion (its credit code only)."""
    if request.user.role != Role.ENTERPRISE:
        raise PermissionDenied
    history = list(selectors.own_score_history(request.user)[:60])
    if not history:
        return render(request, "finance/my_score_none.html", {"organisation": request.user.organisation})
    return render(request, "finance/score_detail.html", {**score_context(history), "own": True, "show_codes": True})


@bureau_required
@require_POST
def score_run(request: HttpRequest) -> HttpResponse:
    from kechuang.finance.tasks import compute_scores

    user_id = request.user.pk
    transaction.on_commit(lambda: compute_scores.enqueue(actor_id=user_id))
    messages.success(request, _("The whole register is being scored; the list shows the new scores when it is done."))
    return redirect("finance:scores")


@login_required
def scheme_page(request: HttpRequest) -> HttpResponse:
    if not is_bureau(request.user):
        raise PermissionDenied
    current = services.current_scheme()
    form = SchemeForm(request.POST or None, current=current.data)
    if (
        request.method == "POST"
        and form.is_valid()
        and save_or_errors(form, lambda: services.scheme_create(actor=request.user, data=form.scheme_data()))
    ):
        messages.success(request, _("New scheme version saved; score the register again to apply it."))
        return redirect("finance:scheme")
    return render(
        request,
        "finance/scheme.html",
        {
            "form": form,
            "current": current,
            "rows": scheme_rows(selectors.scheme_of(current)),
            "grades": grades_text(selectors.scheme_of(current)),
            "versions": selectors.ScoreScheme.objects.all()[:20],
        },
    )


# ------------------------------------------------------------------------------------------ loans
def _loan_filterset(request: HttpRequest) -> LoanFilter:
    return LoanFilter(request.GET, selectors.loans(request.user))


@login_required
def loan_list(request: HttpRequest) -> HttpResponse:
    filterset = _loan_filterset(request)
    page = paginate(request, filterset.qs)
    selectors.with_warnings(list(page.object_list))
    return render(
        request,
        "finance/loan_list.html",
        _list_context(request, filterset, page=page, products=Loan.Product.choices, statuses=Loan.Status.choices),
    )


@login_required
def loan_export(request: HttpRequest) -> HttpResponse:
    filterset = _loan_filterset(request)

    def prepare(chunk: list[Loan]) -> list[Loan]:
        return selectors.with_warnings(chunk)

    codes = selectors.show_codes(request.user)

    spec = exports.Export(
        "finance.loan",
        _("Loans"),
        "loans",
        [*LOAN_FIELDS.export_headers(), _("Tech-SME number lost")],
        lambda loan: [
            *LOAN_FIELDS.export_row(loan, None if codes else {"credit_code": lambda _loan: ""}),
            _("yes") if loan.warning else "",
        ],
        prepare=prepare,
    )
    return exports.list_export(request, filterset, spec, "finance:loans")


@login_required
def loan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    loan = get_for_user(request, selectors.loans(request.user), pk)
    selectors.with_warnings([loan])
    show = selectors.show_codes(request.user)

    return render(
        request,
        "finance/loan_detail.html",
        {
            "loan": loan,
            "facts": [r for r in LOAN_FIELDS.detail_rows(loan) if show or r.name != "credit_code"],
            "can_edit": can_write(request.user, loan),
            "history": selectors.history(request.user, loan),
            "show_codes": show,
        },
    )


@login_required
def loan_create(request: HttpRequest) -> HttpResponse:
    _writer(request)
    return _form_page(
        request,
        LoanForm(request.POST or None),
        lambda data: services.loan_create(actor=request.user, data=data),
        title=_("Loan"),
        back="finance:loans",
        done=lambda loan: reverse("finance:loan", args=[loan.pk]),
        saved=_("Loan saved."),
    )


@login_required
def loan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    loan = get_for_user(request, selectors.loans(request.user), pk, write=True)
    form = LoanForm(request.POST or None, instance=Loan.objects.get(pk=loan.pk))
    return _form_page(
        request,
        form,
        lambda data: services.loan_update(actor=request.user, loan=loan, data=data) or loan,
        title=_("Loan"),
        back="finance:loans",
        done=lambda _r: reverse("finance:loan", args=[loan.pk]),
        saved=_("Loan saved."),
    )


def _filing_month(request: HttpRequest) -> dt.date:
    text = request.GET.get("month") or ""
    try:
        year, month = (int(p) for p in text.split("-")[:2])
        return dt.date(year, month, 1)
    except ValueError:
        today = timezone.localdate()
        return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def _filing_loans(request: HttpRequest, month: dt.date):
    return selectors.loans(request.user).filter(month=month).exclude(status=Loan.Status.REVOKED)


@login_required
def loan_filing(request: HttpRequest) -> HttpResponse:
    month = _filing_month(request)
    loans = _filing_loans(request, month)
    spec = filing.columns()
    return render(
        request,
        "finance/loan_filing.html",
        {
            "month": month,
            "spec": spec,
            "summary": filing.summary(loans),
            "rows": filing.rows(loans, codes=selectors.show_codes(request.user))[:50],
            "count": loans.count(),
            "months": selectors.loans(request.user).dates("month", "month", order="DESC")[:24],
        },
    )


@login_required
def loan_filing_xlsx(request: HttpRequest) -> HttpResponse:
    month = _filing_month(request)
    loans = _filing_loans(request, month)
    spec = filing.columns()
    rows = filing.rows(loans, codes=selectors.show_codes(request.user))
    exports.record(
        request,
        object_type="finance.loan",
        label=_("Monthly loan filing"),
        rows=len(rows),
        filters={"month": month.strftime("%Y-%m")},
    )
    return exports.xlsx_response(
        f"loan-filing-{month:%Y-%m}.xlsx",
        [
            exports.Sheet(
                _("Loans"), [c["header"] for c in spec["columns"]], [[exports.safe_cell(v) for v in r] for r in rows]
            ),
            exports.Sheet(pgettext("filing", "Summary"), [_("Item"), _("Value")], filing.summary_rows(month, loans)),
        ],
    )


@login_required
def loan_import(request: HttpRequest) -> HttpResponse:
    _writer(request)
    if request.method == "POST":
        started = start_import(request, importer.LoanImport.kind, request.FILES.get("file"))
        if started is not None:
            return started
    return render(
        request,
        "finance/loan_import.html",
        {
            "jobs": imports.jobs_of(request.user, [importer.LoanImport.kind]),
            "columns": importer.columns(),
            "limit_mb": importer.LoanImport.max_upload_mb,
        },
    )


@login_required
def loan_import_template(request: HttpRequest) -> HttpResponse:
    return importer.template_response()


# ------------------------------------------------------------------------------------------ insurance
def _policy_filterset(request: HttpRequest) -> PolicyFilter:
    return PolicyFilter(request.GET, selectors.policies(request.user))


@login_required
def policy_list(request: HttpRequest) -> HttpResponse:
    filterset = _policy_filterset(request)
    return render(
        request,
        "finance/policy_list.html",
        _list_context(
            request, filterset, page=paginate(request, filterset.qs), products=InsurancePolicy.Product.choices
        ),
    )


@login_required
def policy_export(request: HttpRequest) -> HttpResponse:
    filterset = _policy_filterset(request)
    codes = selectors.show_codes(request.user)
    spec = exports.Export(
        "finance.insurancepolicy",
        _("Insurance policies"),
        "insurance-policies",
        [
            _("Policy number"),
            _("Insurer"),
            _("Product"),
            _("Credit code"),
            _("Enterprise"),
            _("Region"),
            _("Premium (万元)"),
            _("Premium subsidy (万元)"),
            _("Sum insured (万元)"),
            _("Starts on"),
            _("Ends on"),
            _("Claims"),
            _("Paid (万元)"),
        ],
        lambda p: [
            p.policy_number,
            p.insurer,
            p.get_product_display(),
            p.credit_code if codes else "",
            p.enterprise_name,
            p.region.name,
            p.premium_wan,
            p.subsidy_wan,
            p.sum_insured_wan,
            p.start_date,
            p.end_date,
            p.claims_n,
            p.paid or 0,
        ],
    )
    return exports.list_export(request, filterset, spec, "finance:policies")


@login_required
def policy_detail(request: HttpRequest, pk: int) -> HttpResponse:
    policy = get_for_user(request, selectors.policies(request.user), pk)
    return render(
        request,
        "finance/policy_detail.html",
        {
            "policy": policy,
            "claims": policy.claims.all(),
            "can_edit": can_write(request.user, policy),
            "claim_form": ClaimForm(),
            "decision_form": ClaimDecisionForm(),
            "show_codes": selectors.show_codes(request.user),
        },
    )


@login_required
def policy_create(request: HttpRequest) -> HttpResponse:
    _writer(request)
    return _form_page(
        request,
        PolicyForm(request.POST or None),
        lambda data: services.policy_create(actor=request.user, data=data),
        title=_("Insurance policy"),
        back="finance:policies",
        done=lambda p: reverse("finance:policy", args=[p.pk]),
        saved=_("Policy saved."),
    )


@login_required
def claim_create(request: HttpRequest, pk: int) -> HttpResponse:
    policy = get_for_user(request, InsurancePolicy, pk, write=True)
    return _form_page(
        request,
        ClaimForm(request.POST or None),
        lambda data: services.claim_create(actor=request.user, policy=policy, data=data),
        title=_("Insurance claim"),
        back="finance:policies",
        done=lambda c: reverse("finance:policy", args=[policy.pk]),
        saved=_("Claim filed."),
    )


@login_required
@require_POST
def claim_decide(request: HttpRequest, pk: int) -> HttpResponse:
    claim = get_for_user(request, InsuranceClaim.objects.select_related("policy"), pk, write=True)
    form = ClaimDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose paid or rejected."))
    else:
        try:
            services.claim_decide(actor=request.user, claim=claim, **form.cleaned_data)
            messages.success(request, _("Claim settled."))
        except ValidationError as exc:
            flash_errors(request, exc, InsuranceClaim)
    return redirect("finance:policy", pk=claim.policy_id)


# ------------------------------------------------------------------------------------------ venture capital
def _investment_filterset(request: HttpRequest) -> InvestmentFilter:
    return InvestmentFilter(request.GET, selectors.investments(request.user))


@login_required
def investment_list(request: HttpRequest) -> HttpResponse:
    filterset = _investment_filterset(request)
    return render(
        request,
        "finance/investment_list.html",
        _list_context(
            request, filterset, page=paginate(request, filterset.qs), stages=Stage.choices, funds=VcFund.objects.all()
        ),
    )


@login_required
def investment_export(request: HttpRequest) -> HttpResponse:
    filterset = _investment_filterset(request)
    codes = selectors.show_codes(request.user)
    spec = exports.Export(
        "finance.vcinvestment",
        _("VC investments"),
        "vc-investments",
        [
            pgettext("vc", "Institution"),
            _("Fund"),
            _("Credit code"),
            _("Enterprise"),
            _("Region"),
            _("Stage"),
            _("Amount (万元)"),
            _("Invested on"),
            _("Yielded-returns rule applies"),
            _("Returns yielded (%)"),
        ],
        lambda i: [
            i.fund.institution.name,
            i.fund.name,
            i.credit_code if codes else "",
            i.enterprise_name,
            i.region.name,
            i.get_stage_display(),
            i.amount_wan,
            i.invested_on,
            _("yes") if i.yield_applies else _("no"),
            i.yield_share_pct if i.yield_share_pct is not None else "",
        ],
    )
    return exports.list_export(request, filterset, spec, "finance:investments")


@login_required
def investment_create(request: HttpRequest) -> HttpResponse:
    _writer(request)
    return _form_page(
        request,
        InvestmentForm(request.POST or None),
        lambda data: services.investment_create(actor=request.user, data=data),
        title=_("VC investment"),
        back="finance:investments",
        done=lambda _i: reverse("finance:investments"),
        saved=_("Investment saved."),
    )


@login_required
def fund_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "finance/fund_list.html",
        {
            "funds": selectors.funds(request.user),
            "institutions": selectors.institutions(),
            "rule": services.yield_rule_default(),
            "can_edit": is_bureau(request.user),
        },
    )


@bureau_required
def fund_create(request: HttpRequest) -> HttpResponse:
    return _form_page(
        request,
        FundForm(request.POST or None),
        lambda data: services.fund_create(actor=request.user, data=data),
        title=_("VC fund"),
        back="finance:funds",
        done=lambda _f: reverse("finance:funds"),
        saved=_("Fund saved."),
    )


@bureau_required
def institution_create(request: HttpRequest) -> HttpResponse:
    return _form_page(
        request,
        InstitutionForm(request.POST or None),
        lambda data: services.institution_create(actor=request.user, data=data),
        title=_("VC institution"),
        back="finance:funds",
        done=lambda _f: reverse("finance:funds"),
        saved=_("Institution saved."),
    )


# ------------------------------------------------------------------------------------------ listing reserve
def _listing_filterset(request: HttpRequest) -> ListingFilter:
    return ListingFilter(request.GET, selectors.listing(request.user))


@login_required
def listing_list(request: HttpRequest) -> HttpResponse:
    filterset = _listing_filterset(request)
    return render(
        request,
        "finance/listing_list.html",
        _list_context(
            request,
            filterset,
            page=paginate(request, filterset.qs),
            stages=ListingFirm.Stage.choices,
            boards=ListingFirm.Board.choices,
        ),
    )


@login_required
def listing_export(request: HttpRequest) -> HttpResponse:
    filterset = _listing_filterset(request)
    codes = selectors.show_codes(request.user)
    spec = exports.Export(
        "finance.listingfirm",
        _("Listing reserve"),
        "listing-reserve",
        [
            _("Credit code"),
            _("Enterprise"),
            _("Region"),
            _("Stage reached"),
            _("Target board"),
            _("Entered the reserve on"),
            _("Training and services"),
        ],
        lambda f: [
            f.credit_code if codes else "",
            f.enterprise_name,
            f.region.name,
            f.get_stage_display(),
            f.get_target_board_display(),
            f.entered_on,
            f.services_n,
        ],
    )
    return exports.list_export(request, filterset, spec, "finance:listing")


@login_required
def listing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    firm = get_for_user(request, selectors.listing(request.user), pk)

    return render(
        request,
        "finance/listing_detail.html",
        {
            "firm": firm,
            "services": firm.services.all(),
            "can_edit": can_write(request.user, firm),
            "history": selectors.history(request.user, firm),
            "show_codes": selectors.show_codes(request.user),
        },
    )


@login_required
def listing_create(request: HttpRequest) -> HttpResponse:
    _writer(request)
    return _form_page(
        request,
        ListingFirmForm(request.POST or None),
        lambda data: services.listing_firm_create(actor=request.user, data=data),
        title=_("Listing-reserve firm"),
        back="finance:listing",
        done=lambda f: reverse("finance:listing_firm", args=[f.pk]),
        saved=_("Firm added to the reserve."),
    )


@login_required
def listing_edit(request: HttpRequest, pk: int) -> HttpResponse:
    firm = get_for_user(request, ListingFirm, pk, write=True)
    form = ListingStageForm(request.POST or None, instance=ListingFirm.objects.get(pk=firm.pk))
    return _form_page(
        request,
        form,
        lambda data: services.listing_firm_update(actor=request.user, firm=firm, data=data) or firm,
        title=_("Listing-reserve firm"),
        back="finance:listing",
        done=lambda _r: reverse("finance:listing_firm", args=[firm.pk]),
        saved=_("Saved."),
    )


@login_required
def listing_service_create(request: HttpRequest, pk: int) -> HttpResponse:
    firm = get_for_user(request, ListingFirm, pk, write=True)
    return _form_page(
        request,
        ListingServiceForm(request.POST or None),
        lambda data: services.listing_service_create(actor=request.user, firm=firm, data=data),
        title=_("Training or service"),
        back="finance:listing",
        done=lambda _s: reverse("finance:listing_firm", args=[firm.pk]),
        saved=_("Saved."),
    )
