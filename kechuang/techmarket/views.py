"""Pages of the technology market: thin views over selectors and services."""

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
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from kechuang.core import audit, exports, imports
from kechuang.core.codes import TechField
from kechuang.core.filters import ListFilterSet
from kechuang.core.forms import flash_errors, save_or_errors
from kechuang.core.http import paginate, query_without
from kechuang.core.middleware import client_ip
from kechuang.core.permissions import bureau_required, get_for_user, is_bureau, require_bureau, require_writer
from kechuang.core.roles import READ_ONLY
from kechuang.core.scope import can_write, writable_pks
from kechuang.core.selectors import bureau_of, regions_for
from kechuang.techmarket import forms, importer, index, selectors, services, workflow
from kechuang.techmarket.filters import (
    AchievementFilter,
    ContractFilter,
    DemandFilter,
    ExpertFilter,
    MatchCheckFilter,
    MatchFilter,
    VocabularyFilter,
)
from kechuang.techmarket.models import (
    Achievement,
    Contract,
    ContractField,
    ContractParty,
    ContractType,
    CooperationMode,
    Demand,
    Expert,
    IndustryChain,
    InstitutionType,
    MatchCase,
    MatchCheck,
    NonTechnicalItem,
    VocabularyTerm,
)
from kechuang.techmarket.registration import suggested_technology_amount


def _list_context(request: HttpRequest, filterset: ListFilterSet, **extra: Any) -> dict[str, Any]:
    return {
        "page": paginate(request, filterset.qs),
        "filters": filterset.values(),
        "query": query_without(request, "page"),
        "sort_query": query_without(request, "page", "sort"),
        "export_query": query_without(request, "page", "size"),
        "fields": TechField.choices,
        **extra,
    }


def _export(request: HttpRequest, filterset: ListFilterSet, spec: exports.Export, list_name: str) -> HttpResponse:
    back = exports.list_url(request, reverse(f"techmarket:{list_name}"))
    return exports.export_response(request, spec, filterset.qs, filters=filterset.applied(), back=back)


# ---------------------------------------------------------------- achievements
@login_required
def achievement_list(request: HttpRequest) -> HttpResponse:
    ctx = _list_context(
        request,
        AchievementFilter(request.GET, selectors.achievements(request.user)),
        chains=IndustryChain.choices,
        statuses=Achievement.Status.choices,
        owner_types=InstitutionType.choices,
        can_create=is_bureau(request.user),
    )
    return render(request, "techmarket/achievement_list.html", ctx)


@login_required
def achievement_export(request: HttpRequest) -> HttpResponse:
    user = request.user
    headers = [
        _("Title"),
        _("High-tech field"),
        _("Industry chain"),
        "TRL",
        _("Owner institution"),
        _("Owner type"),
        _("Patent numbers"),
        _("Transfer modes"),
        _("Price expectation (10k yuan)"),
        _("Contact person"),
        _("Contact phone"),
        _("Status"),
        _("Keywords"),
    ]
    modes = dict(forms.TransferMode.choices)

    def row(a: Achievement):
        contact = selectors.contact_of(a, user)
        return [
            a.title,
            a.get_field_display(),
            a.get_industry_chain_display(),
            a.trl,
            a.owner_name,
            a.get_owner_type_display(),
            ", ".join(a.patent_numbers),
            "、".join(str(modes.get(m, m)) for m in a.transfer_modes),
            float(a.price_wan) if a.price_wan is not None else _("Negotiable"),
            contact["name"],
            contact["phone"],
            a.get_status_display(),
            "、".join(a.keywords),
        ]

    spec = exports.Export("techmarket.achievements", _("Achievements"), "achievements", headers, row)
    return _export(request, AchievementFilter(request.GET, selectors.achievements(user)), spec, "achievements")


def _recent_matches(obj: Achievement | Expert, user: Any) -> Any:
    """The record's latest matches the user may see (a match belongs to its demand's district)."""
    return obj.matches.visible_to(user).select_related("demand").order_by("-updated_at")[:20]


@login_required
def achievement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    achievement = get_for_user(request, selectors.achievements(request.user), pk)
    results = index.resolve(
        index.search(index.query_text(achievement), kind="demand", k=8, exclude=[index.doc_id(achievement)]),
        request.user,
    )
    # push: bureau staff (or the demand's district) recommend this achievement to the enterprises that need it
    pushable = achievement.status in (Achievement.Status.PUBLISHED, Achievement.Status.NEGOTIATING)
    already = set(achievement.matches.exclude(stage=workflow.CLOSED).values_list("demand_id", flat=True))
    writable = writable_pks(request.user, Demand, [r["object"].pk for r in results]) if pushable else set()
    for r in results:
        demand = r["object"]
        r["recommended"] = demand.pk in already
        r["can_push"] = demand.pk in writable and demand.status in Demand.OPEN_STATES
    modes = dict(forms.TransferMode.choices)
    return render(
        request,
        "techmarket/achievement_detail.html",
        {
            "a": achievement,
            "contact": selectors.contact_of(achievement, request.user),
            "modes": [modes.get(m, m) for m in achievement.transfer_modes],
            "results": results,
            "push": achievement,
            "is_bureau": is_bureau(request.user),
            "matches": _recent_matches(achievement, request.user),
            "history": audit.history_for(achievement, limit=30) if is_bureau(request.user) else [],
        },
    )


def _achievement_form(request: HttpRequest, achievement: Achievement | None) -> HttpResponse:
    require_bureau(request.user)
    form = forms.AchievementForm(request.POST or None, instance=achievement, regions=selectors.city_regions())
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        if save_or_errors(form, lambda: services.achievement_save(actor=request.user, achievement=obj)) is not None:
            messages.success(request, _("Achievement saved."))
            return redirect("techmarket:achievement", pk=obj.pk)
    return render(
        request, "techmarket/form.html", {"form": form, "title": _("Achievement"), "back": "techmarket:achievements"}
    )


@login_required
def achievement_create(request: HttpRequest) -> HttpResponse:
    return _achievement_form(request, None)


@login_required
def achievement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _achievement_form(request, get_for_user(request, selectors.achievements(request.user), pk))


@login_required
@require_POST
def achievement_status(request: HttpRequest, pk: int) -> HttpResponse:
    achievement = get_for_user(request, selectors.achievements(request.user), pk)
    status = request.POST.get("status", "")
    if status not in (Achievement.Status.PUBLISHED, Achievement.Status.WITHDRAWN):
        raise Http404
    try:
        services.achievement_set_status(
            actor=request.user, achievement=achievement, status=status, reason=request.POST.get("reason", "")
        )
        messages.success(request, _("Status changed."))
    except ValidationError as exc:
        flash_errors(request, exc)
    return redirect("techmarket:achievement", pk=pk)


# ---------------------------------------------------------------- demands
@login_required
def demand_list(request: HttpRequest) -> HttpResponse:
    ctx = _list_context(
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
    user = request.user
    headers = [
        _("Title"),
        _("Enterprise"),
        _("Credit code"),
        _("Region"),
        _("High-tech field"),
        _("Cooperation mode"),
        _("Budget from (10k yuan)"),
        _("Budget up to (10k yuan)"),
        _("Wanted by"),
        _("Contact person"),
        _("Contact phone"),
        _("Status"),
        _("Source"),
        _("Created"),
    ]

    def row(d: Demand):
        contact = selectors.contact_of(d, user)
        return [
            d.title,
            d.enterprise_name,
            d.credit_code,
            d.region.name,
            d.get_field_display(),
            d.get_cooperation_mode_display(),
            d.budget_min_wan,
            d.budget_max_wan,
            d.deadline,
            contact["name"],
            contact["phone"],
            d.get_status_display(),
            d.get_source_display(),
            timezone.localdate(d.created_at),
        ]

    spec = exports.Export("techmarket.demands", _("Technology demands"), "demands", headers, row)
    return _export(request, DemandFilter(request.GET, selectors.demands(user)), spec, "demands")


@login_required
def demand_detail(request: HttpRequest, pk: int) -> HttpResponse:
    demand = get_for_user(request, selectors.demands(request.user), pk)
    text = index.query_text(demand)
    achievements = index.resolve(index.search(text, kind="achievement", k=10), request.user)
    experts = index.resolve(index.search(text, kind="expert", k=5), request.user)
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
            "contact": selectors.contact_of(demand, request.user),
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
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        if save_or_errors(form, lambda: services.demand_save(actor=request.user, demand=obj)) is not None:
            messages.success(request, _("Demand saved."))
            return redirect("techmarket:demand", pk=obj.pk)
    return render(
        request, "techmarket/form.html", {"form": form, "title": _("Technology demand"), "back": "techmarket:demands"}
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


# ---------------------------------------------------------------- public demand form (no login)
def public_demand(request: HttpRequest) -> HttpResponse:
    regions = selectors.city_regions()
    form = forms.PublicDemandForm(request.POST or None, regions=regions)
    limited = False
    if request.method == "POST":
        ip = client_ip(request)
        if services.public_rate_limited(ip):
            limited = True
            form.add_error(None, _("Too many submissions from your network in the last hour: try again later."))
        elif form.is_valid() and (earlier := services.public_duplicate(form.demand_data())) is not None:
            form.add_error(
                None,
                _("This demand was already submitted on %(date)s and is under review; no need to send it again.")
                % {"date": timezone.localtime(earlier.created_at).strftime("%Y-%m-%d")},
            )
            services.public_attempt(ip=ip, accepted=False, reason="duplicate")
        elif form.is_valid():
            services.demand_submit_public(data=form.demand_data(), ip=ip)
            return redirect("techmarket:public_thanks")
        else:
            services.public_attempt(ip=ip, accepted=False, reason=form.spam_reason or "invalid")
    first = regions.first()
    bureau = bureau_of(first.city if first else None)
    response = render(
        request,
        "techmarket/public_demand.html",
        {"form": form, "limited": limited, "bureau": bureau.name if bureau else ""},
    )
    if limited:
        response.status_code = 429
    return response


def public_thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "techmarket/public_thanks.html")


# ---------------------------------------------------------------- experts
@login_required
def expert_list(request: HttpRequest) -> HttpResponse:
    ctx = _list_context(
        request,
        ExpertFilter(request.GET, selectors.experts(request.user)),
        is_bureau=is_bureau(request.user),
    )
    return render(request, "techmarket/expert_list.html", ctx)


@login_required
def expert_export(request: HttpRequest) -> HttpResponse:
    bureau = is_bureau(request.user)
    labels = dict(TechField.choices)
    headers = [
        pgettext("person", "Name"),
        _("Institution"),
        _("Professional title"),
        _("Main field"),
        _("Other fields"),
        _("Expertise"),
    ]
    if bureau:
        headers += [_("Phone"), _("E-mail")]

    def row(e: Expert):
        out = [
            e.name,
            e.institution,
            e.title,
            e.get_field_display(),
            "、".join(str(labels.get(f, f)) for f in e.fields),
            e.expertise,
        ]
        return [*out, e.phone, e.email] if bureau else out

    spec = exports.Export("techmarket.experts", _("Experts"), "experts", headers, row)
    return _export(request, ExpertFilter(request.GET, selectors.experts(request.user)), spec, "experts")


@login_required
def expert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    expert = get_for_user(request, selectors.experts(request.user), pk)
    labels = dict(TechField.choices)
    return render(
        request,
        "techmarket/expert_detail.html",
        {
            "e": expert,
            "other_fields": [labels.get(f, f) for f in expert.fields],
            "contact": selectors.expert_contact(expert, request.user),
            "is_bureau": is_bureau(request.user),
            "matches": _recent_matches(expert, request.user),
        },
    )


def _expert_form(request: HttpRequest, expert: Expert | None) -> HttpResponse:
    require_bureau(request.user)
    form = forms.ExpertForm(request.POST or None, instance=expert, regions=selectors.city_regions())
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        if save_or_errors(form, lambda: services.expert_save(actor=request.user, expert=obj)) is not None:
            messages.success(request, _("Expert saved."))
            return redirect("techmarket:expert", pk=obj.pk)
    return render(request, "techmarket/form.html", {"form": form, "title": _("Expert"), "back": "techmarket:experts"})


@login_required
def expert_create(request: HttpRequest) -> HttpResponse:
    return _expert_form(request, None)


@login_required
def expert_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _expert_form(request, get_for_user(request, selectors.experts(request.user), pk))


@login_required
@require_POST
def expert_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    expert = get_for_user(request, selectors.experts(request.user), pk)
    try:
        services.expert_deactivate(actor=request.user, expert=expert, reason=request.POST.get("reason", ""))
        messages.success(request, _("Expert deactivated."))
    except ValidationError as exc:
        flash_errors(request, exc)
    return redirect("techmarket:expert", pk=pk)


# ---------------------------------------------------------------- search
SEARCH_POOL = 100


@login_required
def search(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:2000]
    kind = request.GET.get("kind", "achievement")
    if kind not in ("achievement", "demand", "expert"):
        kind = "achievement"
    selected = {name: request.GET.get(name, "") for name in selectors.SEARCH_FACETS}
    results, facets = [], []
    if q:  # facets are counted over the best SEARCH_POOL hits, the page shows the best 20 that pass them
        pool = index.resolve(index.search(q, kind=kind, k=SEARCH_POOL), request.user)
        pool, facets = selectors.search_facets(pool, kind, selected)
        results = pool[:20]
    return render(
        request,
        "techmarket/search.html",
        {
            "q": q,
            "kind": kind,
            "results": results,
            "facets": facets,
            "selected": selected,
            "field_labels": dict(TechField.choices),
            "facet_query": {name: query_without(request, name) for name in selectors.SEARCH_FACETS},
        },
    )


# ---------------------------------------------------------------- matches
@login_required
def match_list(request: HttpRequest) -> HttpResponse:
    ctx = _list_context(
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
    return _export(request, MatchFilter(request.GET, selectors.matches(request.user)), spec, "matches")


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


# ---------------------------------------------------------------- contracts
@login_required
def contract_list(request: HttpRequest) -> HttpResponse:
    ctx = _list_context(
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
    return _export(request, ContractFilter(request.GET, selectors.contracts(request.user)), spec, "contracts")


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


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    data = selectors.market_dashboard(request.user)
    chart = {
        "months": data["months"],
        "series": data["series"],
        "labels": {
            "achievements": _("Achievements posted"),
            "demands": _("Demands posted"),
            "matches": _("Matches recommended"),
            "contracts": _("Contracts signed"),
            "turnover_wan": _("Turnover registered (10k yuan)"),
        },
    }
    return render(request, "techmarket/dashboard.html", {"kpis": data["kpis"], "chart": chart})


# ---------------------------------------------------------------- import
def _import_kinds(user) -> dict:
    return {i.key: i.label for i in importer.importers() if i.may_import(user)}


@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    require_writer(request.user)
    kinds = _import_kinds(request.user)
    ctx: dict[str, Any] = {"kinds": kinds, "kind": request.POST.get("kind") or request.GET.get("kind") or "demand"}
    if request.method == "POST":
        kind = ctx["kind"]
        upload = request.FILES.get("file")
        if kind not in kinds:
            raise PermissionDenied
        if upload is None:
            messages.error(request, _("Choose an Excel file."))
        else:
            try:
                job = imports.start(f"techmarket.{kind}", actor=request.user, upload=upload)
            except imports.ImportRejected as exc:
                messages.error(request, str(exc))
            else:
                return redirect("core:import_job", pk=job.pk)
    ctx["jobs"] = imports.jobs_of(request.user, [f"techmarket.{k}" for k in importer.SPECS])
    return render(request, "techmarket/import.html", ctx)


@login_required
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    require_writer(request.user)
    if kind not in _import_kinds(request.user):
        raise Http404
    return importer.template_response(kind, request.user)


# ---------------------------------------------------------------- vocabulary
@bureau_required
def vocabulary(request: HttpRequest) -> HttpResponse:
    filterset = VocabularyFilter(request.GET, selectors.vocabulary())
    industries = VocabularyTerm.objects.order_by("industry").values_list("industry", flat=True).distinct()
    return render(
        request,
        "techmarket/vocabulary.html",
        {
            "page": paginate(request, filterset.qs, 50),
            "filters": filterset.values(),
            "industries": industries,
            "query": query_without(request, "page"),
        },
    )


def _vocabulary_form(request: HttpRequest, term: VocabularyTerm | None) -> HttpResponse:
    form = forms.VocabularyForm(request.POST or None, instance=term)
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        if save_or_errors(form, lambda: services.vocabulary_save(actor=request.user, term=obj)) is not None:
            messages.success(request, _("Vocabulary saved: new searches use it."))
            return redirect("techmarket:vocabulary")
    return render(
        request, "techmarket/form.html", {"form": form, "title": _("Vocabulary term"), "back": "techmarket:vocabulary"}
    )


@bureau_required
def vocabulary_create(request: HttpRequest) -> HttpResponse:
    return _vocabulary_form(request, None)


@bureau_required
def vocabulary_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _vocabulary_form(request, get_for_user(request, VocabularyTerm, pk))


# ---------------------------------------------------------------- check queries
CHECK_K = 10


@bureau_required
def check_list(request: HttpRequest) -> HttpResponse:
    filterset = MatchCheckFilter(request.GET, selectors.match_checks())
    ctx = _list_context(request, filterset, total=MatchCheck.objects.count(), ran=request.GET.get("run") == "1")
    if ctx["ran"]:
        report = services.run_saved_checks(k=CHECK_K)
        results = {
            r["check_id"]: r | {"top3": r["top"][:3], "first_rank": (r["relevant_ranks"] or [None])[0]}
            for r in report["results"]
        }
        ctx["page"].object_list = checks = list(ctx["page"].object_list)
        for check in checks:
            check.result = results.get(check.pk)  # None: inactive, not run
        ctx["summary"] = {
            "k": CHECK_K,
            "checks": report["checks"],
            "scored": report["checks_with_relevant_records"],
            "unscored": report["checks"] - report["checks_with_relevant_records"],
            "passed": report["passed"],
            "hit_rate": report[f"hit_rate@{CHECK_K}"],
            "hit_rate_pct": None if report[f"hit_rate@{CHECK_K}"] is None else report[f"hit_rate@{CHECK_K}"] * 100,
            "mrr": report[f"mrr@{CHECK_K}"],
        }
    return render(request, "techmarket/checks.html", ctx)


@bureau_required
def check_export(request: HttpRequest) -> HttpResponse:
    headers = [
        _("Query"),
        _("Any of these terms"),
        _("All of these terms"),
        _("Note"),
        pgettext("check query", "Active"),
        _("Updated"),
    ]

    def row(c: MatchCheck):
        return [
            c.query,
            "、".join(c.any_terms),
            "、".join(c.all_terms),
            c.note,
            _("Yes") if c.is_active else _("No"),
            c.updated_at,
        ]

    spec = exports.Export("techmarket.check_queries", _("Check queries"), "check_queries", headers, row)
    return _export(request, MatchCheckFilter(request.GET, selectors.match_checks()), spec, "checks")


def _check_form(request: HttpRequest, check: MatchCheck | None) -> HttpResponse:
    form = forms.MatchCheckForm(request.POST or None, instance=check)
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        if save_or_errors(form, lambda: services.match_check_save(actor=request.user, check=obj)) is not None:
            messages.success(request, _("Check query saved."))
            return redirect("techmarket:checks")
    return render(
        request, "techmarket/form.html", {"form": form, "title": _("Check query"), "back": "techmarket:checks"}
    )


@bureau_required
def check_create(request: HttpRequest) -> HttpResponse:
    return _check_form(request, None)


@bureau_required
def check_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _check_form(request, get_for_user(request, MatchCheck, pk))


@bureau_required
def check_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET shows what will be deleted and asks to confirm; only a POST deletes."""
    check = get_for_user(request, MatchCheck, pk)
    if request.method == "POST":
        services.match_check_delete(actor=request.user, check=check)
        messages.success(request, _("Check query deleted."))
        return redirect("techmarket:checks")
    return render(request, "techmarket/check_delete.html", {"check": check})
