from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.cache import cache_control

from kechuang.core import audit, exports, history, registry, selectors, services, unmask
from kechuang.core.filters import AuditFilter, LiaisonFilter
from kechuang.core.forms import ArchiveForm, LiaisonForm, save_or_errors
from kechuang.core.http import paginate, query_without, role_required
from kechuang.core.masking import mask_attr
from kechuang.core.models import AuditEntry, ImportJob, Liaison
from kechuang.core.permissions import get_for_user
from kechuang.core.roles import AUDIT_READERS, READ_ONLY
from kechuang.core.scope import can_write


@login_required
def org_units(request: HttpRequest) -> HttpResponse:
    policy = registry.default_policy()
    tree = selectors.org_tree(policy.city if policy else None)
    from kechuang.core.duties import may_visit

    # an administrator keeps the tree but may not open the policy's department pages: names, not links
    linked = may_visit(request.user.role, "policy:department_detail")
    return render(request, "core/org_units.html", {"policy": policy, "link_departments": linked, **tree})


@login_required
def liaison_list(request: HttpRequest) -> HttpResponse:
    filterset = LiaisonFilter(request.GET, selectors.liaisons(request.user))
    page = paginate(request, filterset.qs)
    for liaison in page.object_list:
        liaison.phone_shown, liaison.email_shown = mask_attr(liaison, "phone"), mask_attr(liaison, "email")
    return render(
        request,
        "core/liaison_list.html",
        {
            "page": page,
            "units": selectors.liaison_units(request.user),
            "can_create": request.user.role not in READ_ONLY,
            "query": query_without(request, "page"),
            "sort_query": query_without(request, "page", "sort"),
            "filters": filterset.values(),
        },
    )


@login_required
def liaison_export(request: HttpRequest) -> HttpResponse:
    filterset = LiaisonFilter(request.GET, selectors.liaisons(request.user))
    unmasked = bool(unmask.export_purpose(request))
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
            x.phone if unmasked else mask_attr(x, "phone"),
            x.email if unmasked else mask_attr(x, "email"),
            _("Yes") if x.is_active else _("No"),
            x.note,
        ],
    )
    return exports.list_export(request, filterset, spec, "core:liaison_list")


@login_required
def liaison_detail(request: HttpRequest, pk: int) -> HttpResponse:
    liaison = get_for_user(request, Liaison.objects.select_related("org_unit"), pk)
    liaison.phone_shown, liaison.email_shown = mask_attr(liaison, "phone"), mask_attr(liaison, "email")
    return render(
        request,
        "core/liaison_detail.html",
        {
            "liaison": liaison,
            "can_edit": can_write(request.user, liaison),
            "history": audit.history_for(liaison),
            "archive_form": ArchiveForm(),
        },
    )


@login_required
def liaison_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    liaison = get_for_user(request, Liaison, pk, write=True) if pk else None
    if request.user.role in READ_ONLY:
        raise PermissionDenied
    form = LiaisonForm(request.POST or None, instance=liaison, units=selectors.liaison_units(request.user))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if liaison is None:
            saved = save_or_errors(form, lambda: services.liaison_create(actor=request.user, **data))
        else:
            stored = Liaison.objects.get(pk=liaison.pk)
            saved = save_or_errors(form, lambda: services.liaison_update(actor=request.user, liaison=stored, **data))
        if saved is not None:
            messages.success(request, _("Saved."))
            return redirect("core:liaison_detail", pk=saved.pk)
    return render(request, "core/liaison_form.html", {"form": form, "liaison": liaison})


@login_required
def liaison_archive(request: HttpRequest, pk: int) -> HttpResponse:
    liaison = get_for_user(request, Liaison, pk)
    if request.method != "POST":
        return redirect("core:liaison_detail", pk=pk)
    form = ArchiveForm(request.POST)
    if form.is_valid():
        services.liaison_archive(actor=request.user, liaison=liaison, reason=form.cleaned_data["reason"])
        messages.success(request, _("Archived."))
    else:
        messages.error(request, _("Give the reason for archiving."))
    return redirect("core:liaison_detail", pk=pk)


@role_required(*AUDIT_READERS)
def audit_log(request: HttpRequest) -> HttpResponse:
    filterset = AuditFilter(request.GET, selectors.audit_entries())
    # A bad date filters nothing and the page answers 400 naming the field (it crashed the query before).
    errors = filterset.errors
    entries = filterset.qs
    exporting = request.GET.get("format") == "xlsx" and not errors
    if not exporting:
        # Who looked at the log, and with which filters (the export is logged by exports.export_response).
        audit.record(
            actor=request.user,
            action=audit.Action.VIEW_AUDIT,
            object_type="core.auditentry",
            object_label=_("Audit log"),
            detail={"filters": filterset.applied(), "page": request.GET.get("page", "1")[:10]},
        )
    if exporting:
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
                pgettext("audit", "Result"),
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
                pgettext("audit", "Succeeded") if e.success else pgettext("audit", "Failed"),
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
            "results": [("true", pgettext("audit", "Succeeded")), ("false", pgettext("audit", "Failed"))],
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


# ---------------------------------------------------------------------------------------------------------------------
# Import jobs (core/imports.py): one page for every module's imports, polled while the worker runs the job


@login_required
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    from kechuang.core.imports import RowError, fail_stale, importer_for

    fail_stale()  # a job whose worker was killed ends here as failed instead of polling for ever
    job = get_object_or_404(ImportJob, pk=pk, actor=request.user)  # a job is its uploader's alone
    importer = importer_for(job.kind)
    context = {
        "job": job,
        "importer": importer,
        "errors": [RowError.from_dict(e) for e in job.errors[:500]],
        # By the template, not by where the errors fell: the column stays put from one attempt to the next.
        "several_sheets": importer.sheet_count() > 1,
        "done_message": importer.done_message(job.counts) if job.status == ImportJob.Status.DONE else "",
    }
    template = "core/_import_progress.html" if request.htmx else "core/import_job.html"
    return render(request, template, context)


@login_required
def import_job_errors(request: HttpRequest, pk: int) -> HttpResponse:
    """The annotated copy of a rejected file, for its uploader only."""
    job = get_object_or_404(ImportJob, pk=pk, actor=request.user)
    if not job.error_workbook:
        raise Http404
    try:
        handle = job.error_workbook.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=f"import-{job.pk}-errors.xlsx")


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    """The user's own password change; also where an expired or reset password sends them (AccountPolicyMiddleware)."""
    from django.contrib.auth import update_session_auth_hash
    from django.contrib.auth.forms import PasswordChangeForm

    from kechuang.core import accounts

    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        accounts.change_password(user=request.user, new_password=form.cleaned_data["new_password1"])
        update_session_auth_hash(request, request.user)  # this session stays signed in; others end
        messages.success(request, _("Your password has been changed."))
        return redirect("cockpit")
    context = {
        "form": form,
        "reason": accounts.password_change_reason(request.user),
        "max_age": settings.KECHUANG_PASSWORD_MAX_AGE_DAYS,
    }
    return render(request, "core/password_change.html", context)


@login_required
def my_home(request: HttpRequest) -> HttpResponse:
    """The first page of an account outside the government: what each module offers its role, from their menus."""
    from kechuang.core.duties import home_of
    from kechuang.core.registry import navigation_for

    home = home_of(request.user.role)
    if home != "my_home":
        return redirect(home or "cockpit")
    return render(request, "core/my_home.html", {"groups": navigation_for(request.user, request.path)})


@login_required
def awaiting_role(request: HttpRequest) -> HttpResponse:
    """Where a new account lands until the security administrator grants it a role (it may open nothing else), and
    an external account whose role no installed module serves yet."""
    from kechuang.core.duties import home_of
    from kechuang.core.roles import Role

    if request.user.role != Role.PENDING and home_of(request.user.role) != "awaiting_role":
        return redirect("cockpit")
    return render(request, "core/awaiting_role.html")


@login_required
def message_list(request: HttpRequest) -> HttpResponse:
    """The account's message centre (its only inbox): unread by default, or what still needs action (each module
    judges the messages about its own records, registry `message_needs_action`), by type, paginated."""
    from django.db.models import Count, Q

    from kechuang.core import messages as centre
    from kechuang.core.models import Message

    if request.method == "POST":  # 全部标为已读
        centre.messages_read_all(user=request.user)
        return redirect("message_list")
    items = centre.with_needs_action(centre.inbox(request.user))
    counts = items.aggregate(
        action=Count("pk", filter=Q(needs_action=True)),
        notices=Count("pk", filter=Q(is_notice=True)),
        total=Count("pk"),
    )
    show = request.GET.get("show", "unread")
    show = show if show in ("unread", "action", "stale") else "all"
    if show == "unread":
        items = items.filter(read_at=None)
    elif show == "action":
        items = items.filter(needs_action=True)
    elif show == "stale":
        items = items.filter(needs_action=False, is_notice=False)
    kind = request.GET.get("kind", "")
    if kind in Message.Kind.values:
        items = items.filter(kind=kind)
    return render(
        request,
        "core/messages.html",
        {
            "page": paginate(request, items),
            "query": query_without(request, "page"),
            "show": show,
            "kind": kind,
            "kinds": Message.Kind.choices,
            "unread": centre.unread_count(request.user),
            "action_count": counts["action"],
            "stale_count": counts["total"] - counts["action"] - counts["notices"],
        },
    )


@login_required
def message_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one of one's own messages read and go to the page it is about (POST: reading changes state)."""
    from kechuang.core import messages as centre
    from kechuang.core.models import Message

    if request.method != "POST":
        return redirect("message_list")
    try:
        message = centre.message_open(user=request.user, pk=pk)
    except Message.DoesNotExist:
        raise Http404 from None
    return redirect(message.url or "message_list")
