from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kechuang.core import audit
from kechuang.core import exports as core_exports
from kechuang.core import messages as centre
from kechuang.core.forms import flash_errors, save_or_errors
from kechuang.core.http import current_policy, paginate, query_without
from kechuang.core.models import OrgUnit
from kechuang.core.periods import quarter_label
from kechuang.core.permissions import get_for_user, is_bureau
from kechuang.core.roles import Role
from kechuang.policy.selectors import policy_for
from kechuang.supervision import exports, selectors, services, workflow
from kechuang.supervision.filters import InboxFilter
from kechuang.supervision.forms import AttachmentForm, MilestoneForm, PeriodForm, ReportForm
from kechuang.supervision.models import Milestone, ProgressReport, ReportAttachment


def _period_or_404(request: HttpRequest, policy, code: str | None = None):
    period = selectors.period_by_code(policy, code or request.GET.get("period"))
    if period is None and (code or request.GET.get("period")):
        raise Http404
    return period


@login_required
def matrix(request: HttpRequest) -> HttpResponse:
    policy = current_policy(request)
    period = _period_or_404(request, policy)
    today = timezone.localdate()
    context = {"policy": policy, "period": period, "periods": selectors.periods(policy), "today": today}
    if period is not None:
        context["matrix"] = selectors.matrix(request.user, policy, period, today)
        context["openable"] = selectors.openable_departments(
            request.user, [d.pk for d in context["matrix"]["departments"]]
        )
    return render(request, "supervision/matrix.html", context)


@login_required
def periods(request: HttpRequest) -> HttpResponse:
    policy = current_policy(request)
    today = timezone.localdate()
    can_open = is_bureau(request.user)
    form = PeriodForm(request.POST or None, initial={"year": today.year, "quarter": (today.month - 1) // 3 + 1})
    if request.method == "POST":
        if not can_open:
            raise PermissionDenied
        if form.is_valid():
            period = save_or_errors(
                form, lambda: services.period_open(actor=request.user, policy=policy, **form.cleaned_data)
            )
            if period is not None:
                messages.success(
                    request,
                    _("Period %(code)s opened: %(n)s reports to write.")
                    % {"code": period.label, "n": period.reports.count()},
                )
                return redirect(f"{request.path}?period={period.code}")
    # Without a choice, the overdue list opens on the period that has overdue reports (the current one is
    # usually not due yet, so defaulting to it showed an empty list).
    chosen = request.GET.get("period")
    period = _period_or_404(request, policy) if chosen else selectors.overdue_period(request.user, policy, today)
    rows = []
    for p in selectors.periods(policy):
        rows.append((p, selectors.period_summary(request.user, policy, p, today)))
    return render(
        request,
        "supervision/periods.html",
        {
            "policy": policy,
            "rows": rows,
            "period": period,
            "overdue": selectors.overdue_reports(request.user, period, today) if period else [],
            "period_chosen": bool(chosen),
            "form": form if can_open else None,
            "today": today,
        },
    )


@login_required
@require_POST
def period_close(request: HttpRequest, code: str) -> HttpResponse:
    policy = current_policy(request)
    period = _period_or_404(request, policy, code)
    services.period_close(actor=request.user, period=period)
    messages.success(request, _("Period %(code)s closed.") % {"code": period.label})
    return redirect("supervision:periods")


def _export(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    policy = current_policy(request)
    period = _period_or_404(request, policy, code)
    if request.user.role == Role.DISTRICT_OFFICER:
        raise PermissionDenied
    today = timezone.localdate()
    data = selectors.export_data(request.user, policy, period, today)
    core_exports.record(request, obj=period, rows=len(data["reports"]), filters={"period": period.code})
    if fmt == "pdf":
        return exports.pdf_response(request, policy, period, data, today)
    return exports.xlsx_response(policy, period, data, today)


@login_required
def export_pdf(request: HttpRequest, code: str) -> HttpResponse:
    return _export(request, code, "pdf")


@login_required
def export_xlsx(request: HttpRequest, code: str) -> HttpResponse:
    return _export(request, code, "xlsx")


@login_required
def my_reports(request: HttpRequest) -> HttpResponse:
    if request.user.role != Role.DEPARTMENT_OFFICER or request.user.org_unit is None:
        return redirect("supervision:matrix")
    return redirect("supervision:department", code=request.user.org_unit.code)


@login_required
def department(request: HttpRequest, code: str) -> HttpResponse:
    policy = current_policy(request)
    dept = get_object_or_404(OrgUnit.objects.departments(), parent=policy.city, code=code)
    user = request.user
    if not selectors.may_open_department(user, dept.pk):
        raise Http404
    today = timezone.localdate()
    return render(
        request,
        "supervision/department.html",
        {"policy": policy, "department": dept, "today": today, **selectors.department_owes(user, dept, today)},
    )


@login_required
def ranking(request: HttpRequest) -> HttpResponse:
    policy = current_policy(request)
    today = timezone.localdate()
    chosen = [c for c in request.GET.getlist("period") if c]
    rows = selectors.timeliness_ranking(policy, today, chosen or None)
    return render(
        request,
        "supervision/ranking.html",
        {
            "policy": policy,
            "rows": rows,
            "openable": selectors.openable_departments(request.user, [r.department.pk for r in rows]),
            "periods": selectors.periods(policy),
            "chosen": chosen,
        },
    )


@login_required
def task(request: HttpRequest, number: int) -> HttpResponse:
    policy = current_policy(request)
    found = selectors.task_for(policy, number)
    if found is None:
        raise Http404
    today = timezone.localdate()
    can_plan = is_bureau(request.user)
    form = MilestoneForm(request.POST or None, task=found)
    if request.method == "POST":
        if not can_plan:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            created = save_or_errors(
                form,
                lambda: services.milestone_create(
                    actor=request.user,
                    task=found,
                    title=data["title"],
                    due_date=data["due_date"],
                    department=data["department"],
                    targets=data["targets"],
                    note=data["note"],
                ),
            )
            if created is not None:
                messages.success(request, _("Milestone added."))
                return redirect("supervision:task", number=number)
    period = selectors.current_period(policy)
    status = selectors.task_statuses(policy, period, today).get(found.pk)
    return render(
        request,
        "supervision/task.html",
        {
            "policy": policy,
            "task": found,
            "status": status,
            "period": period,
            "milestones": selectors.task_milestones(found),
            "timeline": selectors.task_timeline(request.user, found),
            "form": form if can_plan else None,
            "today": today,
        },
    )


@login_required
def milestone_edit(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = get_for_user(request, Milestone.objects.select_related("task"), pk)
    if not is_bureau(request.user):
        raise PermissionDenied
    form = MilestoneForm(request.POST or None, instance=milestone, task=milestone.task)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = save_or_errors(
            form,
            lambda: services.milestone_update(
                actor=request.user,
                milestone=Milestone.objects.get(pk=pk),
                targets=data["targets"],
                title=data["title"],
                due_date=data["due_date"],
                department=data["department"],
                note=data["note"],
            ),
        )
        if saved is not None:
            messages.success(request, _("Saved."))
            return redirect("supervision:task", number=milestone.task.number)
    return render(request, "supervision/milestone_form.html", {"form": form, "milestone": milestone})


def _report(request: HttpRequest, pk: int):
    report = selectors.report_detail(request.user, pk)
    if report is None:
        raise Http404
    return report


@login_required
def report(request: HttpRequest, pk: int) -> HttpResponse:
    found = _report(request, pk)
    relation = services.relation_of(request.user, found)
    editable = workflow.can_edit(found.state, relation)
    targets = list(found.task.targets.select_related("indicator").exclude(comparator="achieved"))
    form = ReportForm(request.POST or None, instance=found, targets=targets)
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        if form.is_valid():
            saved = save_or_errors(
                form,
                lambda: services.report_update(
                    actor=request.user,
                    report=found,
                    work_done=form.cleaned_data["work_done"],
                    figures_text=form.cleaned_data["figures_text"],
                    problems=form.cleaned_data["problems"],
                    next_steps=form.cleaned_data["next_steps"],
                    milestones_reached=form.cleaned_data["milestones_reached"],
                    figures=form.figures(),
                ),
            )
            if saved is not None:
                messages.success(request, _("Saved."))
                return redirect("supervision:report", pk=pk)
    today = timezone.localdate()
    found.cell = selectors.cell_status(found.state, found.due_date, today)
    supporters = selectors.supporters_of(request.user, found)
    # Supporters that have not handed their report to this lead yet (names only: drafts stay private).
    missing = [
        r.department
        for r in ProgressReport.objects.filter(
            period=found.period, task=found.task, lead_department=found.department, state=ProgressReport.State.DRAFT
        ).select_related("department")
    ]
    return render(
        request,
        "supervision/report.html",
        {
            "report": found,
            "relation": relation,
            "editable": editable,
            "form": form,
            "attachment_form": AttachmentForm(),
            "actions": workflow.allowed_actions(found.state, relation),
            "supporters": supporters,
            "missing_supporters": missing,
            "attachments": [a for a in found.attachments.all() if a.removed_at is None],
            "today": today,
        },
    )


@login_required
@require_POST
def report_transition(request: HttpRequest, pk: int) -> HttpResponse:
    found = _report(request, pk)
    action = request.POST.get("action", "")
    try:
        services.report_transition(
            actor=request.user, report=found, action=action, comment=request.POST.get("comment", "")
        )
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        done = {
            "submit": _("Submitted to the lead department."),
            "consolidate": _("Consolidated and submitted to the bureau."),
            "return": _("Returned."),
            "accept": _("Accepted."),
        }
        messages.success(request, done.get(action, _("Saved.")))
    return redirect("supervision:report", pk=pk)


@login_required
@require_POST
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    found = _report(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to upload."))
        return redirect("supervision:report", pk=pk)
    try:
        services.attachment_add(actor=request.user, report=found, upload=form.cleaned_data["file"])
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Attachment uploaded."))
    return redirect("supervision:report", pk=pk)


def _attachment(request: HttpRequest, pk: int) -> ReportAttachment:
    attachment = get_object_or_404(ReportAttachment.objects.select_related("report"), pk=pk, removed_at__isnull=True)
    # Permission follows the report: whoever may read the report may read its files.
    if not selectors.reports_visible_to(request.user).filter(pk=attachment.report_id).exists():
        raise Http404
    return attachment


@login_required
def attachment_download(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = _attachment(request, pk)
    audit.record(
        actor=request.user,
        action=audit.Action.EXPORT,
        obj=attachment,
        detail={"download": attachment.original_name, "report": attachment.report_id},
    )
    content_types = {
        "pdf": "application/pdf",
        "png": "image/png",
        "jpg": "image/jpeg",
    }
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=content_types.get(attachment.kind, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def attachment_remove(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = _attachment(request, pk)
    try:
        services.attachment_remove(actor=request.user, attachment=attachment)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Attachment removed."))
    return redirect("supervision:report", pk=attachment.report_id)


@login_required
def report_messages(request: HttpRequest) -> HttpResponse:
    """The message centre (core.messages) seen from this module: the messages about reports and periods, with what
    still needs action apart from what was handled, and the report's period, state, task and department to filter
    on. Each message opens through the centre (core's message_open), which marks it read."""
    if request.method == "POST":
        centre.messages_read_all(user=request.user, about_types=selectors.ABOUT_TYPES)
        return redirect("supervision:messages")
    items = selectors.messages_for(request.user)
    policy = policy_for(request.user)
    if policy is None:
        page = paginate(request, items)
        context: dict = {"page": page, "query": ""}
    else:
        inbox = InboxFilter(request.GET, items, policy=policy)
        counts = items.aggregate(action=Count("pk", filter=Q(needs_action=True)), total=Count("pk"))
        page = paginate(request, inbox.qs)
        context = {
            "filter": inbox,
            "page": page,
            "query": query_without(request, "page"),
            "action_count": counts["action"],
            "stale_count": counts["total"] - counts["action"],
        }
    states = dict(ProgressReport.State.choices)
    for message in page.object_list:
        message.report_state_label = states.get(message.report_state, "")
        message.report_pk = message.about_id if message.about_type == selectors.ABOUT_REPORT else None
        message.period_label = quarter_label(message.period_year, message.period_quarter) if message.period_year else ""
    return render(request, "supervision/messages.html", context)
