"""Expert pages: list, export, detail, form and deactivation."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from kechuang.core import exports, unmask
from kechuang.core.codes import TechField
from kechuang.core.forms import flash_errors
from kechuang.core.permissions import get_for_user, is_bureau, require_bureau
from kechuang.techmarket import forms, selectors, services
from kechuang.techmarket.filters import ExpertFilter
from kechuang.techmarket.models import Expert
from kechuang.techmarket.views._common import list_context, recent_matches, record_form


@login_required
def expert_list(request: HttpRequest) -> HttpResponse:
    ctx = list_context(
        request,
        ExpertFilter(request.GET, selectors.experts(request.user)),
        is_bureau=is_bureau(request.user),
    )
    return render(request, "techmarket/expert_list.html", ctx)


@login_required
def expert_export(request: HttpRequest) -> HttpResponse:
    bureau = is_bureau(request.user)
    unmasked = bool(unmask.export_purpose(request))
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
        contact = selectors.expert_contact(e, request.user, unmasked=unmasked)
        return [*out, contact["phone"], contact["email"]] if contact else out

    spec = exports.Export("techmarket.experts", _("Experts"), "experts", headers, row)
    return exports.list_export(
        request, ExpertFilter(request.GET, selectors.experts(request.user)), spec, "techmarket:experts"
    )


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
            "matches": recent_matches(expert, request.user),
        },
    )


def _expert_form(request: HttpRequest, expert: Expert | None) -> HttpResponse:
    require_bureau(request.user)
    form = forms.ExpertForm(request.POST or None, instance=expert, regions=selectors.city_regions())
    return record_form(
        request,
        form,
        lambda obj: services.expert_save(actor=request.user, expert=obj),
        saved=_("Expert saved."),
        done=lambda obj: redirect("techmarket:expert", pk=obj.pk),
        title=_("Expert"),
        back="techmarket:experts",
    )


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
