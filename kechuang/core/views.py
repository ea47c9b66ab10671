from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.cache import cache_control

from kechuang.core import exports, history, selectors, services
from kechuang.core.filters import AuditFilter, LiaisonFilter
from kechuang.core.forms import ArchiveForm, LiaisonForm
from kechuang.core.http import paginate, query_without, role_required
from kechuang.core.masking import mask_email, mask_phone
from kechuang.core.models import AuditEntry, Liaison
from kechuang.core.registry import cockpit_sections, target_progress
from kechuang.core.roles import Role
from kechuang.core.scope import can_write
from kechuang.policy.selectors import headline_targets, milestones, policy_for, recurring_targets


@login_required
def cockpit(request: HttpRequest) -> HttpResponse:
    policy = policy_for(request.user)
    today = timezone.localdate()
    targets = headline_targets(policy) if policy else []
    recurring = recurring_targets(policy) if policy else []
    target_day = max((t.deadline for t in targets), default=None)
    progress = target_progress(request.user, [*targets, *recurring])
    for target in (*targets, *recurring):
        target.progress = progress.get(target.pk)
    context = {
        "policy": policy,
        "targets": targets,
        "recurring": recurring,
        "status_rule": next((p.rule for p in progress.values() if p.rule), ()),
        "milestones": milestones(policy) if policy else [],
        "today": today,
        "target_day": target_day,
        "days_to_target": (target_day - today).days if target_day else None,
        "days_to_end": (policy.effective_to - today).days if policy else None,
        "elapsed_percent": _elapsed(policy.effective_from, policy.effective_to, today) if policy else 0,
        "sections": list(cockpit_sections(request.user)),
    }
    return render(request, "core/cockpit.html", context)


def _elapsed(start: dt.date, end: dt.date, today: dt.date) -> int:
    total = (end - start).days or 1
    return max(0, min(100, round((today - start).days * 100 / total)))


@login_required
def org_units(request: HttpRequest) -> HttpResponse:
    policy = policy_for(request.user)
    tree = selectors.org_tree(policy.city if policy else None)
    return render(request, "core/org_units.html", {"policy": policy, **tree})


@login_required
def liaison_list(request: HttpRequest) -> HttpResponse:
    filterset = LiaisonFilter(request.GET, selectors.liaisons(request.user))
    page = paginate(request, filterset.qs)
    unmask = selectors.can_unmask(request.user)
    for liaison in page.object_list:
        liaison.phone_shown = liaison.phone if unmask else mask_phone(liaison.phone)
        liaison.email_shown = liaison.email if unmask else mask_email(liaison.email)
    return render(
        request,
        "core/liaison_list.html",
        {
            "page": page,
            "units": selectors.liaison_units(request.user),
            "can_create": request.user.role != Role.LEADER,
            "query": query_without(request, "page"),
            "sort_query": query_without(request, "page", "sort"),
            "filters": filterset.values(),
        },
    )


@login_required
def liaison_export(request: HttpRequest) -> HttpResponse:
    filterset = LiaisonFilter(request.GET, selectors.liaisons(request.user))
    unmask = selectors.can_unmask(request.user)
    spec = exports.Export(
        object_type="core.liaison",
        label=_("Liaisons"),
        filename="liaisons",
        headers=[
            _("Org unit"),
            pgettext("person", "Name"),
            _("Position"),
            _("Mobile phone"),
            _("E-mail"),
            pgettext("liaison", "Active"),
            _("Note"),
        ],
        row=lambda x: [
            str(x.org_unit),
            x.name,
            x.position,
            x.phone if unmask else mask_phone(x.phone),
            x.email if unmask else mask_email(x.email),
            _("Yes") if x.is_active else _("No"),
            x.note,
        ],
    )
    back = exports.list_url(request, reverse("core:liaison_list"))
    return exports.export_response(request, spec, filterset.qs, filters=filterset.applied(), back=back)


@login_required
def liaison_detail(request: HttpRequest, pk: int) -> HttpResponse:
    liaison = get_object_or_404(Liaison.objects.visible_to(request.user).select_related("org_unit"), pk=pk)
    unmask = selectors.can_unmask(request.user)
    liaison.phone_shown = liaison.phone if unmask else mask_phone(liaison.phone)
    liaison.email_shown = liaison.email if unmask else mask_email(liaison.email)
    history = list(
        AuditEntry.objects.filter(object_type="core.liaison", object_id=str(liaison.pk)).select_related("actor")[:50]
    )
    return render(
        request,
        "core/liaison_detail.html",
        {
            "liaison": liaison,
            "can_edit": can_write(request.user, liaison),
            "history": history,
            "archive_form": ArchiveForm(),
        },
    )


@login_required
def liaison_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    liaison = get_object_or_404(Liaison.objects.visible_to(request.user), pk=pk) if pk else None
    units = selectors.liaison_units(request.user)
    if request.user.role == Role.LEADER or (liaison and not can_write(request.user, liaison)):
        raise PermissionDenied
    form = LiaisonForm(request.POST or None, instance=liaison, units=units)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            if liaison is None:
                liaison = services.liaison_create(actor=request.user, **data)
            else:
                liaison = services.liaison_update(
                    actor=request.user, liaison=Liaison.objects.get(pk=liaison.pk), **data
                )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("core:liaison_detail", pk=liaison.pk)
    return render(request, "core/liaison_form.html", {"form": form, "liaison": liaison})


@login_required
def liaison_archive(request: HttpRequest, pk: int) -> HttpResponse:
    liaison = get_object_or_404(Liaison.objects.visible_to(request.user), pk=pk)
    if request.method != "POST":
        return redirect("core:liaison_detail", pk=pk)
    form = ArchiveForm(request.POST)
    if form.is_valid():
        services.liaison_archive(actor=request.user, liaison=liaison, reason=form.cleaned_data["reason"])
        messages.success(request, _("Archived."))
    else:
        messages.error(request, _("Give the reason for archiving."))
    return redirect("core:liaison_detail", pk=pk)


@role_required(Role.BUREAU_ADMIN)
def audit_log(request: HttpRequest) -> HttpResponse:
    filterset = AuditFilter(request.GET, selectors.audit_entries())
    # A bad date filters nothing and the page answers 400 naming the field (it crashed the query before).
    errors = filterset.errors
    entries = filterset.qs
    if request.GET.get("format") == "xlsx" and not errors:
        spec = exports.Export(
            object_type="core.auditentry",
            label=_("Audit log"),
            filename="audit",
            headers=[
                _("Time"),
                _("User"),
                _("Role"),
                _("Action"),
                _("Object type"),
                _("Object id"),
                _("Object"),
                _("Changes"),
                _("IP address"),
            ],
            row=lambda e: [
                e.at,
                e.actor_label,
                history.role_label(e.actor_role),
                e.get_action_display(),
                history.model_label(e.object_type),
                e.object_id,
                e.object_label,
                history.changes_text(e),
                e.ip or "",
            ],
        )
        back = exports.list_url(request, request.path)
        return exports.export_response(request, spec, entries, filters=filterset.applied(), back=back)
    page = paginate(request, entries, default_size=50)
    types = AuditEntry.objects.order_by().values_list("object_type", flat=True).distinct()
    # Listed by what the reader sees (the model's name), filtered by the code.
    return render(
        request,
        "core/audit_log.html",
        {
            "page": page,
            "filters": filterset.values(),
            "actions": AuditEntry.Action.choices,
            "object_types": sorted((t for t in types if t), key=history.model_label),
            "query": query_without(request, "page"),
            "date_errors": [(filterset.form[k].label, e) for k, messages in errors.items() for e in messages],
            "invalid": set(errors),
        },
        status=400 if errors else 200,
    )


@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> FileResponse:
    """/favicon.ico from the app's static files: browsers ask for it on their own, outside any page's <link>."""
    found = finders.find("kechuang/favicon.ico")
    if not found:
        raise Http404
    return FileResponse(open(found, "rb"), content_type="image/x-icon")
