"""Achievement pages: list, export, detail (push to demands), form and status."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kechuang.core import audit, exports, unmask
from kechuang.core.forms import flash_errors
from kechuang.core.permissions import get_for_user, is_bureau, require_bureau
from kechuang.core.scope import writable_pks
from kechuang.techmarket import forms, index, selectors, services, workflow
from kechuang.techmarket.filters import AchievementFilter
from kechuang.techmarket.models import ACHIEVEMENT_FIELDS, Achievement, Demand, IndustryChain, InstitutionType
from kechuang.techmarket.views._common import declared_export, list_context, recent_matches, record_form


@login_required
def achievement_list(request: HttpRequest) -> HttpResponse:
    ctx = list_context(
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
    spec = declared_export(
        ACHIEVEMENT_FIELDS, unmask.export_purpose(request), "techmarket.achievements", _("Achievements"), "achievements"
    )
    return exports.list_export(
        request, AchievementFilter(request.GET, selectors.achievements(user)), spec, "techmarket:achievements"
    )


@login_required
def achievement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    achievement = get_for_user(request, selectors.achievements(request.user), pk)
    results = index.resolve(
        index.search(
            index.query_text(achievement),
            kind="demand",
            k=8,
            exclude=[index.doc_id(achievement)],
            query_field=achievement.field,
        ),
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
    return render(
        request,
        "techmarket/achievement_detail.html",
        {
            "a": achievement,
            "facts": ACHIEVEMENT_FIELDS.detail_rows(achievement),
            "contact": selectors.contact_of(achievement),
            "results": results,
            "push": achievement,
            "is_bureau": is_bureau(request.user),
            "matches": recent_matches(achievement, request.user),
            "history": audit.history_for(achievement, limit=30) if is_bureau(request.user) else [],
        },
    )


def _achievement_form(request: HttpRequest, achievement: Achievement | None) -> HttpResponse:
    require_bureau(request.user)
    form = forms.AchievementForm(request.POST or None, instance=achievement, regions=selectors.city_regions())
    return record_form(
        request,
        form,
        lambda obj: services.achievement_save(actor=request.user, achievement=obj),
        saved=_("Achievement saved."),
        done=lambda obj: redirect("techmarket:achievement", pk=obj.pk),
        title=_("Achievement"),
        back="techmarket:achievements",
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
