"""Pages of the talent module: thin, each reading a selector and writing through a service."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_POST

from kechuang.core import audit, exports, unmask
from kechuang.core.forms import ArchiveForm, error_messages, save_or_errors
from kechuang.core.http import paginate, paginate_by_ids, query_without, role_required, start_import
from kechuang.core.masking import mask_attr
from kechuang.core.models import OrgUnit, User
from kechuang.core.permissions import get_for_user, is_bureau
from kechuang.core.roles import READ_ONLY, Role
from kechuang.core.scope import can_write
from kechuang.indicators import selectors as indicator_selectors
from kechuang.talent import selectors, services
from kechuang.talent.engines import cards as card_rules
from kechuang.talent.engines import requests as reqflow
from kechuang.talent.engines import workflow as wf
from kechuang.talent.filters import (
    ApplicationFilter,
    CardFilter,
    ForeignExpertFilter,
    MembershipFilter,
    ProjectFilter,
    RequestFilter,
    TalentFilter,
    TeamFilter,
    VisitFilter,
)
from kechuang.talent.forms import (
    ApplicationForm,
    CardApplyForm,
    ForeignExpertForm,
    ForeignProjectForm,
    RegistrationForm,
    RequestForm,
    ReviewForm,
    StepForm,
    TalentForm,
    TeamForm,
    VisitForm,
)
from kechuang.talent.models import (
    Application,
    CalendarDay,
    CardGrade,
    CardType,
    ForeignExpert,
    ForeignProject,
    Membership,
    PortalRegistration,
    Programme,
    ServiceItem,
    ServiceRequest,
    Talent,
    TalentCard,
    Team,
    Tier,
    Visit,
)


def _writable_regions(user):
    regions = OrgUnit.objects.regions()
    if user.role == Role.DISTRICT_OFFICER:
        return regions.filter(pk=user.org_unit_id)
    return regions if is_bureau(user) else regions.none()


def _shown(talent: Talent) -> Talent:
    talent.id_shown = mask_attr(talent, "id_number")
    talent.phone_shown = mask_attr(talent, "phone")
    return talent


@login_required
def talent_list(request: HttpRequest) -> HttpResponse:
    lookup = request.GET.get("id_number", "").strip()
    if lookup:
        found = services.talent_by_id_number(request.user, lookup)
        if found is not None:
            return redirect("talent:detail", pk=found.pk)
        messages.info(request, _("No talent you may see has this ID number."))
    filterset = TalentFilter(request.GET, selectors.talents(request.user))
    page = paginate_by_ids(request, filterset.qs)  # 100,000 talents: the page's ids from an index, then its rows
    for t in page.object_list:
        _shown(t)
    return render(
        request,
        "talent/talent_list.html",
        {
            "page": page,
            "filters": filterset.values(),
            "tiers": Tier.objects.all(),
            "programmes": Programme.objects.all(),
            "regions": selectors.regions(),
            "modes": Talent.Mode.choices,
            "can_create": request.user.role not in READ_ONLY and _writable_regions(request.user).exists(),
            "query": query_without(request, "page", "id_number"),
            "sort_query": query_without(request, "page", "sort", "id_number"),
        },
    )


@login_required
def talent_export(request: HttpRequest) -> HttpResponse:
    if unmask.refuse_bad_purpose(request):
        return redirect(exports.list_url(request, reverse("talent:list")))
    filterset = TalentFilter(request.GET, selectors.talents(request.user))
    unmasked = bool(unmask.export_purpose(request))
    spec = exports.Export(
        object_type="talent.talent",
        label=_("Talent register"),
        filename="talents",
        headers=[
            pgettext("person", "Name"),
            _("Gender"),
            _("Birth date"),
            _("Nationality"),
            _("ID type"),
            _("ID number"),
            _("Mobile phone"),
            _("Degree"),
            _("Graduated from"),
            _("Professional title"),
            _("Discipline"),
            _("Industry field"),
            _("Employer credit code"),
            _("Employer"),
            _("Region"),
            _("Mode"),
            _("Arrival date"),
            _("Talent tier"),
            _("Status"),
        ],
        row=lambda t: [
            t.name,
            t.get_gender_display(),
            t.birth_date,
            t.nationality,
            t.get_id_type_display(),
            t.id_number if unmasked else mask_attr(t, "id_number"),
            t.phone if unmasked else mask_attr(t, "phone"),
            t.get_degree_display(),
            t.university,
            t.title,
            t.discipline,
            t.industry,
            t.employer_credit_code,
            t.employer_name,
            t.region.name,
            t.get_mode_display(),
            t.arrival_date,
            str(t.tier) if t.tier_id else "",
            t.get_status_display(),
        ],
    )
    return exports.list_export(request, filterset, spec, "talent:list")


@login_required
def talent_detail(request: HttpRequest, pk: int) -> HttpResponse:
    talent = _shown(get_for_user(request, Talent.objects.select_related("region", "tier"), pk))
    return render(
        request,
        "talent/talent_detail.html",
        {
            "talent": talent,
            "can_edit": can_write(request.user, talent),
            "is_bureau": is_bureau(request.user),
            "history": audit.history_for(talent),
            "archive_form": ArchiveForm(),
            "tier_rule": _("The highest tier among the talent's live programme titles (approved, or term completed)."),
            **selectors.talent_view(request.user, talent),
        },
    )


@login_required
def talent_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    talent = get_for_user(request, Talent, pk, write=True) if pk else None
    regions = _writable_regions(request.user)
    if request.user.role in READ_ONLY or not regions.exists():
        raise PermissionDenied
    form = TalentForm(request.POST or None, instance=talent, regions=regions)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in services.TALENT_FIELDS}
        if talent is None:
            saved = save_or_errors(form, lambda: services.talent_create(actor=request.user, **data))
        else:
            stored = Talent.objects.get(pk=talent.pk)
            saved = save_or_errors(form, lambda: services.talent_update(actor=request.user, talent=stored, **data))
        if saved is not None:
            messages.success(request, _("Saved."))
            return redirect("talent:detail", pk=saved.pk)
    return render(request, "talent/talent_form.html", {"form": form, "talent": talent})


@login_required
@require_POST
def talent_archive(request: HttpRequest, pk: int) -> HttpResponse:
    talent = get_for_user(request, Talent, pk, write=True)
    form = ArchiveForm(request.POST)
    if form.is_valid():
        services.talent_archive(actor=request.user, talent=talent, reason=form.cleaned_data["reason"])
        messages.success(request, _("Archived."))
    else:
        messages.error(request, _("Give the reason for archiving."))
    return redirect("talent:detail", pk=pk)


@login_required
def board(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "talent/board.html",
        {
            "quotas": selectors.quota_progress(request.user),
            "grid": selectors.tier_by_region(request.user),
            # the indicator pages the reader may open (a department officer: its department's); None: every one
            "openable": indicator_selectors.department_codes(request.user),
        },
    )


@login_required
def tiers(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "talent/tiers.html",
        {"tiers": Tier.objects.all(), "programmes": Programme.objects.select_related("tier", "owner_department")},
    )


@login_required
def programmes(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "talent/programmes.html",
        {"programmes": Programme.objects.select_related("tier", "owner_department")},
    )


@login_required
def programme_detail(request: HttpRequest, code: str) -> HttpResponse:
    programme = get_for_user(request, Programme.objects.select_related("tier", "owner_department"), code=code)
    rules = [
        (key, programme.rule(key), programme.is_default_rule(key))
        for key in ("max_wan", "term_years", "objection_days", "clawback", "tranches")
    ]
    return render(
        request,
        "talent/programme_detail.html",
        {"programme": programme, "rules": rules, **selectors.programme_funnel(request.user, programme)},
    )


@login_required
def applications(request: HttpRequest) -> HttpResponse:
    filterset = ApplicationFilter(request.GET, selectors.applications(request.user))
    return render(
        request,
        "talent/applications.html",
        {
            "page": paginate(request, filterset.qs),
            "filters": filterset.values(),
            "programmes": Programme.objects.all(),
            "regions": selectors.regions(),
            "states": Application.State.choices,
            "can_create": request.user.role not in READ_ONLY,
            "query": query_without(request, "page"),
        },
    )


@login_required
def application_create(request: HttpRequest) -> HttpResponse:
    if request.user.role in READ_ONLY:
        raise PermissionDenied
    form = ApplicationForm(
        request.POST or None, talents=Talent.objects.writable_by(request.user).filter(is_active=True)
    )
    if request.method == "POST" and form.is_valid():
        saved = save_or_errors(form, lambda: services.application_create(actor=request.user, **form.cleaned_data))
        if saved is not None:
            messages.success(request, _("Saved."))
            return redirect("talent:application", pk=saved.pk)
    return render(request, "talent/application_form.html", {"form": form})


@login_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    app = get_for_user(request, selectors.applications(request.user), pk)
    labels = {
        wf.SUBMIT: _("Submit"),
        wf.RECOMMEND: _("Recommend"),
        wf.ACCEPT_FOR_CHECK: _("Start the formal check"),
        wf.PASS_CHECK: _("Pass the formal check"),
        wf.PUBLISH: _("Publish the public notice"),
        wf.APPROVE: _("Approve"),
        wf.REJECT: _("Turn down"),
        wf.SIGN: _("Sign the agreement"),
        wf.DISBURSE: _("Pay a tranche"),
        wf.CHECK: _("Record the annual check"),
        wf.SUSPEND: _("Suspend"),
        wf.REINSTATE: _("Reinstate"),
        wf.REMOVE: _("Remove from the programme"),
        wf.EVALUATE: _("Start the term evaluation"),
        wf.CLOSE: _("Close out"),
        wf.LEAVE: _("Left the city (claw back)"),
    }
    steps = (
        [(a, labels[a]) for a in wf.actions_from(app.state) if services._may_act(request.user, app, wf.ACTOR_OF[a])]
        if request.user.role not in READ_ONLY
        else []
    )
    return render(
        request,
        "talent/application_detail.html",
        {
            "app": app,
            "steps": steps,
            "form": StepForm(),
            "reviews": app.reviews.select_related("reviewer") if is_bureau(request.user) else [],
            "assignable": _assignable_experts(request.user, app),
            "tranches": app.tranches.all(),
            "history": audit.history_for(app),
            "objection_days_default": app.round.programme.is_default_rule("objection_days"),
            "objection_days": app.round.programme.rule("objection_days"),
        },
    )


def _posted_pk(request: HttpRequest, name: str) -> int:
    """A record id from the form (0, which matches nothing, for anything but digits)."""
    raw = request.POST.get(name, "")
    return int(raw) if raw.isdigit() else 0


def _assignable_experts(user: Any, app: Application) -> list:
    """Expert accounts the user may assign to `app` (none outside expert review or without the right)."""
    if app.state != wf.EXPERT_REVIEW or not (is_bureau(user) or services._may_act(user, app, "department")):
        return []
    experts = User.objects.filter(role=Role.EXPERT, is_active=True).exclude(pk__in=app.reviews.values("reviewer"))
    return list(experts.exclude(credit_code=app.employer_credit_code).order_by("username")[:200])


@login_required
@require_POST
def application_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """Assign an expert account to review the application (the bureau or the programme's department)."""
    app = get_for_user(request, selectors.applications(request.user), pk)
    reviewer = User.objects.filter(pk=_posted_pk(request, "reviewer")).first()
    try:
        services.review_assign(actor=request.user, application=app, reviewer=reviewer)
        messages.success(request, _("The expert is assigned."))
    except ValidationError as exc:
        for m in error_messages(exc, Application):
            messages.error(request, m)
    return redirect("talent:application", pk=pk)


@login_required
@require_POST
def application_step(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    app = get_for_user(request, selectors.applications(request.user), pk)
    if action not in wf.ACTOR_OF:
        raise Http404
    if request.user.role in READ_ONLY:
        raise PermissionDenied
    form = StepForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect("talent:application", pk=pk)
    data = form.cleaned_data
    try:
        services.application_step(
            actor=request.user,
            application=app,
            action=action,
            note=data.get("note") or "",
            on=data.get("on"),
            amount_wan=data.get("amount_wan") or Decimal(0),
            approved_wan=data.get("approved_wan"),
        )
        messages.success(request, _("Done."))
    except ValidationError as exc:
        for m in error_messages(exc, Application):
            messages.error(request, m)
    return redirect("talent:application", pk=pk)


def _reviewer(user) -> bool:
    return is_bureau(user) or user.role == Role.EXPERT


@login_required
def review_list(request: HttpRequest) -> HttpResponse:
    if not _reviewer(request.user):
        raise PermissionDenied
    return render(request, "talent/review_list.html", {"apps": services.reviewable_by(request.user)[:200]})


@login_required
def review(request: HttpRequest, pk: int) -> HttpResponse:
    if not _reviewer(request.user):
        raise PermissionDenied
    app = services.reviewable_by(request.user).filter(pk=pk).first()
    if app is None:
        raise Http404
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        saved = save_or_errors(
            form, lambda: services.review_submit(actor=request.user, application=app, **form.cleaned_data)
        )
        if saved is not None:
            messages.success(request, _("Saved."))
            return redirect("talent:review_list")
    return render(request, "talent/review_form.html", {"form": form, "app": app})


@login_required
def memberships(request: HttpRequest) -> HttpResponse:
    filterset = MembershipFilter(request.GET, selectors.memberships(request.user))
    return render(
        request,
        "talent/memberships.html",
        {
            "page": paginate(request, filterset.qs),
            "filters": filterset.values(),
            "query": query_without(request, "page"),
        },
    )


@login_required
def visits(request: HttpRequest) -> HttpResponse:
    filterset = VisitFilter(request.GET, selectors.visits(request.user))
    return render(
        request,
        "talent/visits.html",
        {
            "page": paginate(request, filterset.qs),
            "filters": filterset.values(),
            "regions": selectors.regions(),
            "query": query_without(request, "page"),
            "total": filterset.qs.count(),
            "can_create": _may_record(request.user),
        },
    )


@login_required
def projects(request: HttpRequest) -> HttpResponse:
    filterset = ProjectFilter(request.GET, selectors.projects(request.user))
    return render(
        request,
        "talent/projects.html",
        {
            "page": paginate(request, filterset.qs),
            "filters": filterset.values(),
            "regions": selectors.regions(),
            "query": query_without(request, "page"),
            "total": filterset.qs.count(),
            "can_create": _may_record(request.user),
        },
    )


# ---------------------------------------------------------------- talent cards
CARD_REASONS = {
    "valid": gettext_lazy("Valid"),
    "code_expired": gettext_lazy("This code has expired: ask the holder to open the card page again."),
    "bad_signature": gettext_lazy("This is not a code of a talent card (forged or damaged)."),
    "revoked": gettext_lazy("This card has been revoked or suspended."),
    "suspended": gettext_lazy("This card has been revoked or suspended."),
    "card_expired": gettext_lazy("This card is no longer valid."),
}


@login_required
def cards(request: HttpRequest) -> HttpResponse:
    filterset = CardFilter(request.GET, selectors.cards(request.user))
    return render(
        request,
        "talent/cards.html",
        {
            "page": paginate(request, filterset.qs),
            "state": filterset.values()["state"],
            "states": TalentCard.State.choices,
            "counts": selectors.card_counts(request.user),
            "expiring": selectors.cards_due_for_renewal(request.user)[:50],
            "types": CardType.objects.prefetch_related("grades__min_tier").select_related("issuer"),
            "can_apply": request.user.role not in READ_ONLY,
            "query": query_without(request, "page"),
        },
    )


@login_required
def card_apply(request: HttpRequest) -> HttpResponse:
    if request.user.role in READ_ONLY:
        raise PermissionDenied
    form = CardApplyForm(request.POST or None, talents=Talent.objects.writable_by(request.user).filter(is_active=True))
    if request.method == "POST" and form.is_valid():
        grade = form.cleaned_data["grade"]
        saved = save_or_errors(
            form,
            lambda: services.card_apply(
                actor=request.user, talent=form.cleaned_data["talent"], card_type=grade.card_type, grade=grade
            ),
        )
        if saved is not None:
            messages.success(request, _("Saved."))
            return redirect("talent:card", pk=saved.pk)
    return render(request, "talent/card_form.html", {"form": form})


@login_required
def card_detail(request: HttpRequest, pk: int) -> HttpResponse:
    card = get_for_user(request, selectors.cards(request.user), pk)
    labels = {
        card_rules.REVIEW: _("Pass the district review"),
        card_rules.RECHECK: _("Pass the department re-check"),
        card_rules.ISSUE: _("Issue the card"),
        card_rules.REJECT: _("Turn down"),
        card_rules.SUSPEND: _("Suspend"),
        card_rules.REINSTATE: _("Reinstate"),
        card_rules.REVOKE: _("Revoke"),
        card_rules.EXPIRE: _("Mark as expired"),
        card_rules.RENEW: _("Renew"),
    }
    steps = []
    if request.user.role not in READ_ONLY:
        steps = [
            (a, labels[a])
            for a in card_rules.actions_from(card.state)
            if services._card_may_act(request.user, card, card_rules.ACTOR_OF[a])
        ]
    return render(
        request, "talent/card_detail.html", _card_context(card) | {"steps": steps, "history": audit.history_for(card)}
    )


def _card_context(card: TalentCard) -> dict:
    qr = ""
    if card.state == card_rules.ISSUED:
        code = services.card_code(card)
        url = reverse("talent:card_verify") + "?" + urlencode({"code": code})
        qr = segno.make(url, error="m").svg_inline(scale=4, omitsize=False)
    return {"card": card, "qr": qr, "code_minutes": services.CODE_MINUTES, "services": selectors.services_of_card(card)}


@login_required
@require_POST
def card_step(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    card = get_for_user(request, selectors.cards(request.user), pk)
    if request.user.role in READ_ONLY:
        raise PermissionDenied
    try:
        services.card_step(actor=request.user, card=card, action=action, note=request.POST.get("note", ""))
        messages.success(request, _("Done."))
    except ValidationError as exc:
        for m in error_messages(exc, TalentCard):
            messages.error(request, m)
    return redirect("talent:card", pk=pk)


@login_required
def card_verify(request: HttpRequest) -> HttpResponse:
    """The service desk's check of a scanned code."""
    code = request.GET.get("code", "").strip()
    result = services.card_verify(code) if code else None
    return render(
        request,
        "talent/card_verify.html",
        {
            "code": code,
            "result": result,
            "reason": CARD_REASONS.get(result.reason, "") if result else "",
            "holder": mask_attr(result.card.talent, "name") if result and result.card else "",
            "services": selectors.services_of_card(result.card) if result and result.ok else [],
        },
    )


# ---------------------------------------------------------------- service catalogue and requests
@login_required
def service_items(request: HttpRequest) -> HttpResponse:
    items = ServiceItem.objects.select_related("provider").prefetch_related("eligible_tiers", "eligible_cards")
    return render(
        request,
        "talent/service_items.html",
        {"items": items, "calendar": CalendarDay.objects.filter(day__year__gte=timezone.localdate().year - 1)},
    )


@login_required
def service_requests(request: HttpRequest) -> HttpResponse:
    filterset = RequestFilter(request.GET, selectors.service_requests(request.user))
    page = paginate_by_ids(request, filterset.qs)  # a million requests: the page's ids in id order, then its rows
    cal = services.calendar()
    for r in page.object_list:
        r.sla = services.sla_status(r, cal=cal)
    return render(
        request,
        "talent/service_requests.html",
        {
            "page": page,
            "desk": selectors.service_desk(request.user),
            "states": ServiceRequest.State.choices,
            "filters": filterset.values(),
            "can_create": request.user.role not in READ_ONLY,
            "query": query_without(request, "page"),
        },
    )


@login_required
def service_request_create(request: HttpRequest) -> HttpResponse:
    if request.user.role in READ_ONLY:
        raise PermissionDenied
    form = RequestForm(request.POST or None, talents=Talent.objects.writable_by(request.user).filter(is_active=True))
    if request.method == "POST" and form.is_valid():
        saved = save_or_errors(form, lambda: services.request_submit(actor=request.user, **form.cleaned_data))
        if saved is not None:
            messages.success(request, _("Saved."))
            return redirect("talent:service_request", pk=saved.pk)
    return render(request, "talent/request_form.html", {"form": form})


REQUEST_LABELS = {
    "accept": gettext_lazy("Accept the request"),
    "start": gettext_lazy("Start handling"),
    "return": gettext_lazy("Return for information"),
    "resubmit": gettext_lazy("Information supplied"),
    "complete": gettext_lazy("Complete"),
    "rate": gettext_lazy("Rate"),
    "reject": gettext_lazy("Turn down"),
    "cancel": gettext_lazy("Cancel the request"),
}


@login_required
def service_request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    req = get_for_user(request, selectors.service_requests(request.user), pk)
    steps = []
    if request.user.role not in READ_ONLY:
        steps = [
            (a, REQUEST_LABELS[a])
            for a in reqflow.actions_from(req.state)
            if services._request_may_act(request.user, req, reqflow.ACTOR_OF[a])
        ]
    return render(
        request,
        "talent/service_request.html",
        {"req": req, "sla": services.sla_status(req), "steps": steps, "history": audit.history_for(req)},
    )


@login_required
@require_POST
def service_request_step(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    req = get_for_user(request, selectors.service_requests(request.user), pk)
    if request.user.role in READ_ONLY:
        raise PermissionDenied
    rating = request.POST.get("rating") or None
    try:
        services.request_step(
            actor=request.user,
            request=req,
            action=action,
            note=request.POST.get("note", ""),
            rating=int(rating) if rating and rating.isdigit() else None,
        )
        messages.success(request, _("Done."))
    except ValidationError as exc:
        for m in error_messages(exc, ServiceRequest):
            messages.error(request, m)
    return redirect("talent:service_request", pk=pk)


# ---------------------------------------------------------------- portal (全服务上网): talents, employers, experts
def _own_talent(request: HttpRequest) -> Talent:
    """The talent record bound to the signed-in talent account (404 when none is)."""
    talent = Talent.objects.select_related("region", "tier").filter(account=request.user, is_active=True).first()
    if talent is None:
        raise Http404
    return talent


@role_required(Role.TALENT)
def portal_home(request: HttpRequest) -> HttpResponse:
    talent = _own_talent(request)
    cal = services.calendar()
    reqs = list(ServiceRequest.objects.filter(talent=talent).select_related("item__provider")[:50])
    for r in reqs:
        r.sla = services.sla_status(r, cal=cal)
    cards = list(TalentCard.objects.filter(talent=talent).select_related("card_type", "grade"))
    issued = next((c for c in cards if c.state == card_rules.ISSUED), None)
    grades = [
        g
        for ct in CardType.objects.all()
        for g in services.card_grades_for(talent, ct)
        if not any(
            c.card_type_id == ct.pk and c.state not in (card_rules.REVOKED, card_rules.REJECTED, card_rules.EXPIRED)
            for c in cards
        )
    ]
    return render(
        request,
        "talent/portal_home.html",
        {
            "talent": _shown(talent),
            "cards": cards,
            **(_card_context(issued) if issued else {}),
            "memberships": Membership.objects.filter(talent=talent).select_related("programme__tier"),
            "applications": Application.objects.filter(talent=talent).select_related("round__programme"),
            "items": selectors.items_for(talent),
            "requests": reqs,
            "pushed": selectors.policy_push(talent),
            "grades": grades,
            "form": RequestForm(initial={"talent": talent.pk}),
        },
    )


@role_required(Role.TALENT)
@require_POST
def portal_request(request: HttpRequest) -> HttpResponse:
    talent = _own_talent(request)
    item = ServiceItem.objects.filter(pk=_posted_pk(request, "item"), is_active=True).first()
    if item is None:
        raise Http404
    try:
        services.request_submit(actor=request.user, talent=talent, item=item, detail=request.POST.get("detail", ""))
        messages.success(request, _("Your request has been submitted."))
    except ValidationError as exc:
        for m in error_messages(exc, ServiceRequest):
            messages.error(request, m)
    return redirect("talent:portal_home")


@role_required(Role.TALENT)
@require_POST
def portal_card_apply(request: HttpRequest) -> HttpResponse:
    talent = _own_talent(request)
    grade = CardGrade.objects.select_related("card_type").filter(pk=_posted_pk(request, "grade")).first()
    if grade is None:
        raise Http404
    try:
        services.card_apply(actor=request.user, talent=talent, card_type=grade.card_type, grade=grade)
        messages.success(request, _("Your card application has been submitted."))
    except ValidationError as exc:
        for m in error_messages(exc, TalentCard):
            messages.error(request, m)
    return redirect("talent:portal_home")


@role_required(Role.TALENT)
@require_POST
def portal_request_step(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    talent = _own_talent(request)
    req = ServiceRequest.objects.filter(pk=pk, talent=talent).first()
    if req is None or action not in (reqflow.RESUBMIT, reqflow.RATE, reqflow.CANCEL):
        raise Http404
    rating = request.POST.get("rating") or ""
    try:
        services.request_step(
            actor=request.user,
            request=req,
            action=action,
            note=request.POST.get("note", ""),
            rating=int(rating) if rating.isdigit() else None,
        )
        messages.success(request, _("Done."))
    except ValidationError as exc:
        for m in error_messages(exc, ServiceRequest):
            messages.error(request, m)
    return redirect("talent:portal_home")


def _employer_talents(request: HttpRequest):
    code = getattr(request.user, "credit_code", "")
    if not code:
        raise Http404
    return Talent.objects.filter(employer_credit_code=code, is_active=True).select_related("region", "tier")


@role_required(Role.ENTERPRISE)
def employer_home(request: HttpRequest) -> HttpResponse:
    talents = list(_employer_talents(request))
    pushed = [(t, selectors.policy_push(t)) for t in talents]
    return render(
        request,
        "talent/employer_home.html",
        {
            "talents": [_shown(t) for t in talents],
            "pushed": [(t, p) for t, p in pushed if p],
            "applications": Application.objects.filter(employer_credit_code=request.user.credit_code).select_related(
                "talent", "round__programme"
            )[:100],
            "form": ApplicationForm(talents=_employer_talents(request)),
            "registrations": PortalRegistration.objects.filter(
                talent__in=_employer_talents(request), state=PortalRegistration.State.PENDING
            ).select_related("talent", "account"),
        },
    )


@role_required(Role.ENTERPRISE)
@require_POST
def employer_apply(request: HttpRequest) -> HttpResponse:
    """An employer applies for a programme for one of its talents, and hands the application in."""
    form = ApplicationForm(request.POST, talents=_employer_talents(request))
    if not form.is_valid():
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, e)
        return redirect("talent:employer_home")
    try:
        with transaction.atomic():
            app = services.application_create(actor=request.user, **form.cleaned_data)
            services.application_step(actor=request.user, application=app, action=wf.SUBMIT)
        messages.success(request, _("The application has been submitted to the district."))
    except ValidationError as exc:
        for m in error_messages(exc, Application):
            messages.error(request, m)
    return redirect("talent:employer_home")


# ---------------------------------------------------------------- import
@login_required
def talent_import(request: HttpRequest) -> HttpResponse:
    from kechuang.core import imports
    from kechuang.talent import importer

    if request.user.role in READ_ONLY or not _writable_regions(request.user).exists():
        raise PermissionDenied
    if request.method == "POST":
        started = start_import(request, importer.TalentImport.kind, request.FILES.get("file"))
        if started is not None:
            return started
    jobs = imports.jobs_of(request.user, [importer.TalentImport.kind])
    return render(request, "talent/import.html", {"jobs": jobs, "columns": importer.COLUMNS})


@login_required
def talent_import_template(request: HttpRequest) -> HttpResponse:
    from kechuang.talent import importer

    return importer.template_response(request.user)


@login_required
@require_POST
def talent_bind_account(request: HttpRequest, pk: int) -> HttpResponse:
    talent = get_for_user(request, Talent, pk, write=True)
    try:
        services.talent_bind_account(actor=request.user, talent=talent, username=request.POST.get("username", ""))
        messages.success(request, _("Saved."))
    except ValidationError as exc:
        for m in error_messages(exc):
            messages.error(request, m)
    return redirect("talent:detail", pk=pk)


# ---------------------------------------------------------------- teams
def _teams(user):
    return selectors.teams(user)


@login_required
def team_list(request: HttpRequest) -> HttpResponse:
    filterset = TeamFilter(request.GET, _teams(request.user))
    return render(
        request,
        "talent/team_list.html",
        {
            "page": paginate(request, filterset.qs),
            "filters": filterset.values(),
            "programmes": Programme.objects.all(),
            "regions": selectors.regions(),
            "can_create": request.user.role not in READ_ONLY and _writable_regions(request.user).exists(),
            "query": query_without(request, "page"),
            "sort_query": query_without(request, "page", "sort"),
        },
    )


@login_required
def team_export(request: HttpRequest) -> HttpResponse:
    filterset = TeamFilter(request.GET, _teams(request.user))
    spec = exports.Export(
        object_type="talent.team",
        label=_("Talent teams"),
        filename="talent-teams",
        headers=[
            _("Team"),
            _("Team leader"),
            _("Region"),
            _("Members"),
            _("Field"),
            _("Programme"),
            _("Platforms"),
            _("Status"),
        ],
        row=lambda t: [
            t.name,
            t.leader.name,
            t.leader.region.name,
            "、".join(m.name for m in t.members.all()),
            t.field,
            t.programme.name if t.programme_id else "",
            t.platforms,
            _("Not archived") if t.is_active else _("Archived"),
        ],
    )
    return exports.list_export(request, filterset, spec, "talent:teams")


@login_required
def team_detail(request: HttpRequest, pk: int) -> HttpResponse:
    team = get_for_user(request, _teams(request.user), pk)
    return render(
        request,
        "talent/team_detail.html",
        {
            "team": team,
            "members": list(team.members.select_related("region", "tier")),
            "can_edit": can_write(request.user, team) and request.user.role not in READ_ONLY,
            "history": audit.history_for(team),
            "archive_form": ArchiveForm(),
        },
    )


@login_required
def team_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    team = get_for_user(request, Team, pk, write=True) if pk else None
    if request.user.role in READ_ONLY or not _writable_regions(request.user).exists():
        raise PermissionDenied
    writable = Talent.objects.writable_by(request.user).filter(is_active=True)
    readable = Talent.objects.visible_to(request.user).filter(is_active=True)
    form = TeamForm(request.POST or None, instance=team, leaders=writable, members=readable)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in services.TEAM_FIELDS}
        members = list(form.cleaned_data["members"])
        if team is None:
            saved = save_or_errors(form, lambda: services.team_create(actor=request.user, members=members, **data))
        else:
            stored = Team.objects.get(pk=team.pk)
            saved = save_or_errors(
                form, lambda: services.team_update(actor=request.user, team=stored, members=members, **data)
            )
        if saved is not None:
            messages.success(request, _("Saved."))
            return redirect("talent:team", pk=saved.pk)
    return render(request, "talent/team_form.html", {"form": form, "team": team})


@login_required
@require_POST
def team_archive(request: HttpRequest, pk: int) -> HttpResponse:
    team = get_for_user(request, Team, pk, write=True)
    if request.user.role in READ_ONLY:
        raise PermissionDenied
    form = ArchiveForm(request.POST)
    if form.is_valid():
        services.team_archive(actor=request.user, team=team, reason=form.cleaned_data["reason"])
        messages.success(request, _("Archived."))
    else:
        messages.error(request, _("Give the reason for archiving."))
    return redirect("talent:team", pk=pk)


# ---------------------------------------------------------------- foreign experts, visits, 引智 projects (task 13)
def _may_record(user) -> bool:
    return user.role not in READ_ONLY and _writable_regions(user).exists()


@login_required
def foreign_experts(request: HttpRequest) -> HttpResponse:
    filterset = ForeignExpertFilter(request.GET, selectors.foreign_experts(request.user))
    return render(
        request,
        "talent/foreign_experts.html",
        {
            "page": paginate(request, filterset.qs),
            "filters": filterset.values(),
            "regions": selectors.regions(),
            "can_create": _may_record(request.user),
            "query": query_without(request, "page"),
        },
    )


@login_required
def foreign_expert_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    expert = get_for_user(request, ForeignExpert, pk, write=True) if pk else None
    if not _may_record(request.user):
        raise PermissionDenied
    talents = (
        Talent.objects.visible_to(request.user)
        .filter(is_active=True, foreign_expert__isnull=True)
        .order_by("name", "pk")
    )
    form = ForeignExpertForm(
        request.POST or None, instance=expert, talents=talents, regions=_writable_regions(request.user)
    )
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in services.EXPERT_FIELDS}
        if expert is None:
            saved = save_or_errors(
                form,
                lambda: services.foreign_expert_create(actor=request.user, talent=form.cleaned_data["talent"], **data),
            )
        else:
            stored = ForeignExpert.objects.get(pk=expert.pk)
            saved = save_or_errors(
                form, lambda: services.foreign_expert_update(actor=request.user, expert=stored, **data)
            )
        if saved is not None:
            messages.success(request, _("Saved."))
            return redirect(reverse("talent:foreign_experts") + f"?q={saved.talent.name}")
    return render(request, "talent/foreign_form.html", {"form": form, "record": expert, "kind": "expert"})


@login_required
def visit_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    visit = get_for_user(request, Visit, pk, write=True) if pk else None
    if not _may_record(request.user):
        raise PermissionDenied
    experts = ForeignExpert.objects.writable_by(request.user)
    if visit is not None:
        experts = (experts | ForeignExpert.objects.filter(pk=visit.expert_id)).distinct()
    form = VisitForm(request.POST or None, instance=visit, experts=experts)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in services.VISIT_FIELDS}
        if visit is None:
            saved = save_or_errors(form, lambda: services.visit_create(actor=request.user, **data))
        else:
            stored = Visit.objects.get(pk=visit.pk)
            saved = save_or_errors(form, lambda: services.visit_update(actor=request.user, visit=stored, **data))
        if saved is not None:
            messages.success(request, _("Saved."))
            return redirect(reverse("talent:visits") + f"?year={saved.arrived_on.year}")
    return render(request, "talent/foreign_form.html", {"form": form, "record": visit, "kind": "visit"})


@login_required
def project_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    project = get_for_user(request, ForeignProject, pk, write=True) if pk else None
    if not _may_record(request.user):
        raise PermissionDenied
    form = ForeignProjectForm(
        request.POST or None,
        instance=project,
        experts=ForeignExpert.objects.visible_to(request.user),
        regions=_writable_regions(request.user),
        library=is_bureau(request.user),
    )
    if request.method == "POST" and form.is_valid():
        fields = services._project_allowed(request.user)
        data = {k: form.cleaned_data[k] for k in fields if k in form.cleaned_data}
        experts = list(form.cleaned_data["experts"])
        if project is None:
            saved = save_or_errors(form, lambda: services.project_create(actor=request.user, experts=experts, **data))
        else:
            stored = ForeignProject.objects.get(pk=project.pk)
            saved = save_or_errors(
                form,
                lambda: services.project_update(actor=request.user, project=stored, experts=experts, **data),
            )
        if saved is not None:
            messages.success(request, _("Saved."))
            return redirect(reverse("talent:projects") + f"?year={saved.year}")
    return render(request, "talent/foreign_form.html", {"form": form, "record": project, "kind": "project"})


@login_required
def outcomes(request: HttpRequest) -> HttpResponse:
    """The 引智 outcomes library: the outcomes of the projects the bureau shares (no other library of them exists
    in the platform, so this list is it)."""
    filterset = ProjectFilter(request.GET, selectors.outcomes(request.user))
    return render(
        request,
        "talent/outcomes.html",
        {
            "page": paginate(request, filterset.qs),
            "filters": filterset.values(),
            "regions": selectors.regions(),
            "query": query_without(request, "page"),
        },
    )


@login_required
def foreign_import(request: HttpRequest) -> HttpResponse:
    from kechuang.core import imports
    from kechuang.talent import foreign_import as importer

    if not _may_record(request.user):
        raise PermissionDenied
    if request.method == "POST":
        started = start_import(request, importer.ForeignImport.kind, request.FILES.get("file"))
        if started is not None:
            return started
    jobs = imports.jobs_of(request.user, [importer.ForeignImport.kind])
    return render(request, "talent/foreign_import.html", {"jobs": jobs, "sheets": importer.SHEETS})


@login_required
def foreign_import_template(request: HttpRequest) -> HttpResponse:
    from kechuang.talent import foreign_import as importer

    return importer.template_response(request.user)


# ---------------------------------------------------------------- self-registration (portal accounts)
def talent_register(request: HttpRequest) -> HttpResponse:
    """The public registration page: a talent of the register asks for a portal account. Whatever the register
    holds, a well-formed request gets the same answer (the page never tells whether a number is registered)."""
    from kechuang.core.middleware import client_ip

    form = RegistrationForm(request.POST or None)
    limited = False
    if request.method == "POST":
        ip = client_ip(request)
        if services.registration_rate_limited(ip):
            limited = True
            form.add_error(None, _("Too many requests from your network: try again in 30 minutes."))
        elif form.is_valid():
            data = form.cleaned_data
            services.registration_request(
                ip=ip,
                id_number=data["id_number"],
                name=data["name"],
                phone=data["phone"],
                username=data["username"],
                password=data["password1"],
            )
            return redirect("talent:register_sent")
    response = render(request, "talent/register.html", {"form": form, "limited": limited})
    if limited:
        response.status_code = 429
    return response


def talent_register_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "talent/register_sent.html")


REGISTRATION_STEPS = ("activate", "refuse")


@login_required
def registrations(request: HttpRequest) -> HttpResponse:
    """Portal account requests awaiting confirmation (the district's talents; the bureau all)."""
    if request.user.role in READ_ONLY or not _writable_regions(request.user).exists():
        raise PermissionDenied
    qs = PortalRegistration.objects.visible_to(request.user).select_related("talent__region", "account")
    state = request.GET.get("state", PortalRegistration.State.PENDING)
    if state:
        qs = qs.filter(state=state)
    for r in (page := paginate(request, qs)).object_list:
        _shown(r.talent)
    return render(
        request,
        "talent/registrations.html",
        {
            "page": page,
            "state": state,
            "states": PortalRegistration.State.choices,
            "query": query_without(request, "page"),
        },
    )


def _decide(request: HttpRequest, registration: PortalRegistration, action: str) -> None:
    if action not in REGISTRATION_STEPS:
        raise Http404
    try:
        services.registration_decide(
            actor=request.user,
            registration=registration,
            activate=action == "activate",
            note=request.POST.get("note", ""),
        )
        messages.success(request, _("Done."))
    except ValidationError as exc:
        for m in error_messages(exc, PortalRegistration):
            messages.error(request, m)


@login_required
@require_POST
def registration_step(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if request.user.role in READ_ONLY or not _writable_regions(request.user).exists():
        raise PermissionDenied
    registration = get_for_user(request, PortalRegistration, pk, write=True)
    _decide(request, registration, action)
    return redirect("talent:registrations")


@role_required(Role.ENTERPRISE)
@require_POST
def employer_registration_step(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """The employer confirms (or turns down) a portal account request of one of its own talents."""
    registration = (
        PortalRegistration.objects.select_related("talent").filter(pk=pk, talent__in=_employer_talents(request)).first()
    )
    if registration is None:
        raise Http404
    _decide(request, registration, action)
    return redirect("talent:employer_home")
