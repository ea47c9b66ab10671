"""显示完整信息 (checklist item 14): personal fields are masked everywhere by default; whoever may unmask
(`personal_data.can_unmask`) asks for one record's fields in full with a reason. The answer is shown once (an htmx
fragment, or a small page without JavaScript), sent with `Cache-Control: no-store`, and logged as an `unmask`
audit event naming the record, the fields and the reason. Exports unmask with a stated purpose the same way."""

from __future__ import annotations

from typing import Any

from django import forms
from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from kechuang.core import audit, personal_data
from kechuang.core.permissions import get_for_user


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for viewing"),
        min_length=personal_data.UNMASK_REASON_MIN,
        max_length=200,
        help_text=_("Why you need the full details (recorded in the audit log)."),
    )

    def clean_reason(self) -> str:
        reason = " ".join(self.cleaned_data["reason"].split())
        if len(reason) < personal_data.UNMASK_REASON_MIN:
            raise forms.ValidationError(
                _("Give a reason of at least %(n)s characters.") % {"n": personal_data.UNMASK_REASON_MIN}
            )
        return reason


def _model(label: str) -> type[Any]:
    if label not in personal_data.UNMASKABLE or not personal_data.fields_of(label):
        raise Http404
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        raise Http404 from None


def shown_fields(obj: Any) -> list[tuple[str, str, str]]:
    """(field name, label, clear value) of the record's registered personal fields that the model shows."""
    out = []
    for entry in personal_data.fields_of(obj._meta.label_lower):
        if entry.masking == "hidden":
            continue
        field = obj._meta.get_field(entry.field)
        out.append((entry.field, str(field.verbose_name), getattr(obj, entry.field) or ""))
    return out


@login_required
@require_POST
def unmask(request: HttpRequest, label: str, pk: int) -> HttpResponse:
    obj = get_for_user(request, _model(label), pk)
    if not personal_data.can_unmask(request.user, obj):
        raise PermissionDenied(_("You may not view these personal details in full."))
    form = ReasonForm(request.POST)
    template = "core/_unmasked.html" if request.headers.get("HX-Request") else "core/unmasked.html"
    back = request.POST.get("back", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = ""
    ctx: dict[str, Any] = {"obj": obj, "label": label, "form": form, "back": back}
    if not form.is_valid():
        response = render(request, template, ctx, status=400 if not request.headers.get("HX-Request") else 200)
        add_never_cache_headers(response)
        return response
    fields = shown_fields(obj)
    audit.record_unmask(request, obj, [name for name, _label, _value in fields], form.cleaned_data["reason"])
    response = render(request, template, {**ctx, "fields": fields, "form": None})
    add_never_cache_headers(response)
    response["Cache-Control"] = "no-store, " + response["Cache-Control"]
    return response


def export_purpose(request: HttpRequest) -> str:
    """The purpose of an unmasked export, if the reader asked for one and may unmask lists ('' otherwise)."""
    purpose = " ".join(request.GET.get("purpose", "").split())
    if not purpose or not personal_data.can_unmask(request.user):
        return ""
    return purpose if len(purpose) >= personal_data.UNMASK_REASON_MIN else ""


def refuse_bad_purpose(request: HttpRequest) -> bool:
    """A purpose was given but is too short or the reader may not unmask: say so (the export then stays masked)."""
    given = " ".join(request.GET.get("purpose", "").split())
    if not given or export_purpose(request):
        return False
    if not personal_data.can_unmask(request.user):
        raise PermissionDenied(_("You may not export personal details in full."))
    messages.error(
        request,
        _("Purpose: give at least %(n)s characters to export full personal details.")
        % {"n": personal_data.UNMASK_REASON_MIN},
    )
    return True
