"""Pages of data collection: the officer's forms and reminders, the entry form, the bureau's steps, the completeness
board and its export, the data sets. Thin: services change state, selectors read."""

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
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_POST

from kechuang.core import audit, exports
from kechuang.core.forms import save_or_errors
from kechuang.core.http import current_policy, paginate, query_without
from kechuang.core.messages import with_needs_action
from kechuang.core.models import Message, OrgUnit
from kechuang.core.permissions import bureau_required, get_for_user, is_bureau
from kechuang.indicators import collection_rules as rules
from kechuang.indicators import selectors, services
from kechuang.indicators.forms import DataSetForm, EntryForm, StepForm, ValidationRuleForm
from kechuang.indicators.models import DataSet, Submission, ValidationRule, period_label

BOARD_STATES = ("missing", "draft", "submitted", "returned", "approved", "overdue")


def _year(request: HttpRequest, today: Any) -> int:
    try:
        year = int(request.GET.get("year") or 0)
    except ValueError:
        year = 0
    return year if 2000 <= year <= today.year else today.year


# ---------------------------------------------------------------------------------------------------------------------
# The officer's page: forms to fill, reminders; the bureau's: forms awaiting approval


@login_required
def collection(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    cells = selectors.completeness_board(request.user, year=today.year, today=today) + selectors.completeness_board(
        request.user, year=today.year - 1, today=today
    )
    open_forms = [c for c in cells if c.state not in ("submitted", "approved")]
    open_forms.sort(key=lambda c: (c.deadline, c.data_set.code, c.org_unit.sort_order))
    # the reminders are messages of the message centre (services.collection_reminders_send): the latest twenty here
    # flagged as the message centre flags them: a reminder whose values are in no longer needs action
    reminders = with_needs_action(Message.objects.filter(user=request.user, about_type=services.ABOUT_DATA_SET))[:20]
    return render(
        request,
        "indicators/collection.html",
        {
            "page": paginate(request, open_forms),
            "query": query_without(request, "page"),
            "reminders": reminders,
            "awaiting": selectors.forms_awaiting_approval(request.user) if is_bureau(request.user) else [],
            "today": today,
            "totals": selectors.board_totals(cells),
        },
    )


# ---------------------------------------------------------------------------------------------------------------------
# The entry form and the bureau's steps


def _form_target(request: HttpRequest, data_set: str, org: str, period: str) -> tuple[DataSet, OrgUnit, int, int]:
    """The data set, organisation and period of a form URL, or 404 (also for an organisation the user may not
    read: another district's form is not found, as its records are)."""
    found = DataSet.objects.filter(code=data_set).first()
    parsed = selectors.parse_period(period)
    policy = current_policy(request)
    unit = (
        found.org_units.filter(code=org, parent=policy.city).first()
        if found is not None and parsed is not None
        else None
    )
    if unit is None or parsed is None:
        raise Http404
    if not services.can_read_form(request.user, unit):
        audit.note_refusal(request.user, OrgUnit, {"pk": unit.pk})
        raise Http404
    year, period, period_type = parsed
    if period_type != found.period_type or period not in selectors.periods_of(found, year):
        raise Http404
    return found, unit, year, period


def _entry_url(data_set: DataSet, unit: OrgUnit, year: int, period: int) -> str:
    label = period_label(year, period, data_set.period_type)
    return reverse("indicators:collection_entry", args=[data_set.code, unit.code, label])


@login_required
def entry(request: HttpRequest, data_set: str, org: str, period: str) -> HttpResponse:
    ds, unit, year, quarter = _form_target(request, data_set, org, period)
    relations = services.form_relations(request.user, ds, unit)
    form_row = Submission.objects.filter(data_set=ds, org_unit=unit, year=year, period=quarter).first()
    state = form_row.state if form_row else rules.DRAFT
    editable = rules.can_edit(state, relations)
    if request.method == "POST" and not editable:
        if not relations:
            raise PermissionDenied  # logged as a denied attempt, as every 403
        messages.error(
            request, _("This form is %(state)s: it cannot be changed.") % {"state": form_row.get_state_display()}
        )
        return redirect(_entry_url(ds, unit, year, quarter))
    indicators = list(ds.indicators.order_by("code"))
    stored = selectors.form_values(ds, unit, year, quarter)
    initial: dict[str, Any] = {code: o.value for code, o in stored.items()}
    initial.update({f"c_{k}": v for k, v in (form_row.comments if form_row else {}).items()})
    form = EntryForm(request.POST or None, indicators=indicators, initial_values=initial)
    check = None
    if request.method == "POST" and form.is_valid():
        submit = request.POST.get("action") == rules.SUBMIT
        try:
            _saved, check = services.submission_save(
                actor=request.user,
                data_set=ds,
                org_unit=unit,
                year=year,
                period=quarter,
                values=form.values(),
                comments=form.comments(),
                submit=submit,
            )
        except services.CollectionInvalid as exc:
            check = exc.check
            for name, errors in exc.message_dict.items():
                form.add_error(None if name == "__all__" else name, errors)
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(None if name == "__all__" or name not in form.fields else name, errors)
        else:
            if submit:
                messages.success(request, _("The form was submitted to the bureau for approval."))
            elif check.findings:
                messages.warning(request, _("Draft saved. Some values break a rule: see the messages beside them."))
            else:
                messages.success(request, _("Draft saved."))
            return redirect(_entry_url(ds, unit, year, quarter))
    if check is None and form_row is not None:
        check = rules.validate(
            {i.code: stored[i.code].value if i.code in stored else None for i in indicators},
            services.collection_rules_of(ds),
            last_year=services.last_year_values(ds, unit, year, quarter),
            comments=form_row.comments,
        )
    findings = {}
    for finding in check.findings if check else []:
        findings.setdefault(finding.field, []).append(
            {"text": services.finding_message(finding), "blocks": finding.blocks, "severity": finding.severity}
        )
    last_year = services.last_year_values(ds, unit, year, quarter)
    rows = [
        {
            "indicator": i,
            "value": form[f"v_{i.code}"],
            "comment": form[f"c_{i.code}"],
            "last": last_year.get(i.code),
            "stored": stored.get(i.code),
            "elsewhere": stored[i.code].submission_id not in (None, getattr(form_row, "pk", None))
            if i.code in stored
            else False,
            "findings": findings.get(i.code, []),
        }
        for i in indicators
    ]
    cell = selectors.BoardCell(
        ds,
        unit,
        year,
        quarter,
        len(indicators),
        sum(1 for o in stored.values() if form_row is not None and o.submission_id == form_row.pk),
        form_row,
        selectors.form_deadline(ds, year, quarter),
        timezone.localdate(),
    )
    return render(
        request,
        "indicators/collection_entry.html",
        {
            "data_set": ds,
            "unit": unit,
            "period": period_label(year, quarter, ds.period_type),
            "form": form,
            "rows": rows,
            "submission": form_row,
            "cell": cell,
            "editable": editable,
            "steps": [a for a in rules.allowed_actions(state, relations) if a not in (rules.SAVE, rules.SUBMIT)],
            "step_form": StepForm(),
            "history": audit.history_for(form_row) if form_row else [],
        },
    )


@login_required
@require_POST
def step(request: HttpRequest, data_set: str, org: str, period: str, action: str) -> HttpResponse:
    ds, unit, year, quarter = _form_target(request, data_set, org, period)
    if not is_bureau(request.user):
        raise PermissionDenied
    submission = get_for_user(request, Submission, data_set=ds, org_unit=unit, year=year, period=quarter)
    form = StepForm(request.POST)
    form.is_valid()
    result = save_or_errors(
        form,
        lambda: services.submission_step(
            actor=request.user, submission=submission, action=action, reason=form.cleaned_data.get("reason", "")
        ),
    )
    if result is None:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    else:
        messages.success(
            request,
            {
                rules.APPROVE: _("Approved: the period is locked."),
                rules.RETURN: _("Returned to the organisation with your reason."),
                rules.UNLOCK: _("Unlocked: the organisation may correct the form and submit it again."),
            }.get(action, _("Done.")),
        )
    return redirect(_entry_url(ds, unit, year, quarter))


# ---------------------------------------------------------------------------------------------------------------------
# The completeness board and its export


def _board(request: HttpRequest) -> tuple[list[selectors.BoardCell], dict[str, str], int]:
    today = timezone.localdate()
    year = _year(request, today)
    state = request.GET.get("state", "")
    period_type = request.GET.get("period_type", "")
    filters = {
        "year": str(year),
        "data_set": request.GET.get("data_set", ""),
        "org_unit": request.GET.get("org_unit", ""),
        "state": state if state in BOARD_STATES else "",
        "period_type": period_type if period_type in DataSet.PeriodType.values else "",
    }
    cells = selectors.completeness_board(
        request.user,
        year=year,
        today=today,
        data_set_code=filters["data_set"],
        org_unit_code=filters["org_unit"],
        state=filters["state"],
        period_type=filters["period_type"],
    )
    return cells, filters, year


@login_required
def board(request: HttpRequest) -> HttpResponse:
    cells, filters, _year_shown = _board(request)
    columns, rows = selectors.board_rows(cells)
    page = paginate(request, rows, default_size=50)
    today = timezone.localdate()
    data_sets = DataSet.objects.filter(is_active=True).prefetch_related("org_units")
    units = sorted(
        {u for d in data_sets for u in selectors.readable_org_units(request.user, d)},
        key=lambda u: (u.kind, u.sort_order),
    )
    return render(
        request,
        "indicators/collection_board.html",
        {
            "page": page,
            "columns": columns,
            "period_types": DataSet.PeriodType.choices,
            "totals": selectors.board_totals(cells),
            "filters": filters,
            "query": query_without(request, "page"),
            "export_query": query_without(request, "page", "size"),
            "years": list(range(today.year, today.year - 5, -1)),
            "data_sets": data_sets,
            "units": units,
            "states": [(s, label) for s, label in Submission.State.choices]
            + [("missing", pgettext_lazy("return state", "Not started")), ("overdue", _("Overdue"))],
        },
    )


@login_required
def board_xlsx(request: HttpRequest) -> HttpResponse:
    cells, filters, year = _board(request)
    back = exports.list_url(request, reverse("indicators:collection_board"))
    if refused := exports.refused(request, len(cells), back):
        return refused
    exports.record(
        request,
        object_type="indicators.submission",
        label=_("Completeness board"),
        rows=len(cells),
        filters={k: v for k, v in filters.items() if v},
    )
    headers = [
        _("Data set"),
        _("Reporting organisation"),
        _("Period"),
        _("State"),
        _("Values expected"),
        _("Values entered"),
        _("Completeness"),
        _("Deadline"),
        _("Submitted"),
        _("On time"),
    ]
    yes_no = {True: _("Yes"), False: _("No"), None: ""}
    rows = [
        [
            c.data_set.name,
            c.org_unit.name,
            c.period_label,
            c.state_label,
            c.expected,
            c.entered,
            round(c.completeness.ratio, 4),
            c.deadline,
            c.submitted_on or "",
            yes_no[c.on_time],
        ]
        for c in cells
    ]
    return exports.xlsx_response(
        f"completeness-{year}.xlsx", [exports.Sheet(str(_("Completeness board")), headers, rows)]
    )


# ---------------------------------------------------------------------------------------------------------------------
# Data sets


@login_required
def data_sets(request: HttpRequest) -> HttpResponse:
    rows = DataSet.objects.visible_to(request.user).prefetch_related("indicators", "org_units", "rules")
    return render(request, "indicators/data_sets.html", {"data_sets": rows, "can_manage": is_bureau(request.user)})


@login_required
def data_set(request: HttpRequest, code: str) -> HttpResponse:
    found = get_for_user(request, DataSet.objects.prefetch_related("indicators", "org_units"), code=code)
    rule_form = ValidationRuleForm(data_set=found)
    return render(
        request,
        "indicators/data_set.html",
        {
            "data_set": found,
            "rules": found.rules.select_related("indicator", "other"),
            "rule_form": rule_form,
            "can_manage": is_bureau(request.user),
            # the indicator pages the reader may open (a department officer: its department's); None: every one
            "openable": selectors.department_codes(request.user),
            "history": audit.history_for(found),
        },
    )


def _data_set_form(request: HttpRequest, instance: DataSet | None) -> HttpResponse:
    policy = current_policy(request)
    form = DataSetForm(request.POST or None, instance=instance, city=policy.city)
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        saved = save_or_errors(
            form,
            lambda: services.data_set_save(
                actor=request.user,
                data_set=obj,
                indicators=form.cleaned_data["indicators"],
                org_units=form.cleaned_data["org_units"],
            ),
        )
        if saved is not None:
            messages.success(request, _("The data set was saved.") if saved else _("Nothing changed."))
            return redirect("indicators:data_set", code=obj.code)
    return render(request, "indicators/data_set_form.html", {"form": form, "data_set": instance})


@bureau_required
def data_set_new(request: HttpRequest) -> HttpResponse:
    return _data_set_form(request, None)


@bureau_required
def data_set_edit(request: HttpRequest, code: str) -> HttpResponse:
    return _data_set_form(request, get_for_user(request, DataSet, code=code, write=True))


@bureau_required
@require_POST
def rule_add(request: HttpRequest, code: str) -> HttpResponse:
    found = get_for_user(request, DataSet, code=code, write=True)
    form = ValidationRuleForm(request.POST, data_set=found)
    if form.is_valid():
        rule = form.save(commit=False)
        if save_or_errors(form, lambda: services.validation_rule_add(actor=request.user, rule=rule)) is not None:
            messages.success(request, _("The rule was added."))
            return redirect("indicators:data_set", code=found.code)
    return render(
        request,
        "indicators/data_set.html",
        {
            "data_set": found,
            "rules": found.rules.select_related("indicator", "other"),
            "rule_form": form,
            "can_manage": True,
            "history": audit.history_for(found),
        },
        status=200,
    )


@bureau_required
@require_POST
def rule_remove(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_for_user(request, ValidationRule.objects.select_related("data_set", "indicator"), pk, write=True)
    code = rule.data_set.code
    services.validation_rule_remove(actor=request.user, rule=rule)
    messages.success(request, _("The rule was removed."))
    return redirect("indicators:data_set", code=code)
