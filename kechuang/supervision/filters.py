"""FilterSets of the supervision lists (django-filter): one definition for the page's filters and its query."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from kechuang.core.filters import IntegerFilter, ListFilterSet
from kechuang.core.models import Message
from kechuang.policy.models import Policy
from kechuang.supervision import selectors
from kechuang.supervision.models import ProgressReport

SHOW_ACTION, SHOW_STALE, SHOW_ALL = "action", "stale", "all"


class InboxFilter(django_filters.FilterSet):
    """The module's view of the message centre. By default it shows only what needs action now
    (selectors.message_needs_action); the other filters read what selectors.messages_for annotates."""

    show = django_filters.ChoiceFilter(
        label=_("Show"),
        choices=(
            (SHOW_ACTION, _("Needs action")),
            (SHOW_STALE, _("Handled or closed")),
            (SHOW_ALL, _("All")),
        ),
        empty_label=None,
        method="filter_show",
    )
    period = django_filters.ChoiceFilter(label=_("Period"), field_name="period_code", empty_label=_("All"))
    status = django_filters.ChoiceFilter(
        label=_("State of the report"),
        field_name="report_state",
        choices=ProgressReport.State.choices,
        empty_label=_("All"),
    )
    task = django_filters.ChoiceFilter(label=_("Task"), field_name="task_number", empty_label=_("All"))
    department = django_filters.ChoiceFilter(label=_("Department"), field_name="department_code", empty_label=_("All"))
    sort = django_filters.OrderingFilter(
        label=_("Sort by"),
        fields=(("created_at", "time"), ("due_date", "due"), ("task_number", "task")),
        field_labels={
            "-time": _("Newest first"),
            "time": _("Oldest first"),
            "due": _("Due date"),
            "task": _("Task"),
        },
        choices=(
            ("-time", _("Newest first")),
            ("time", _("Oldest first")),
            ("due", _("Due date")),
            ("task", _("Task")),
        ),
        empty_label=None,
    )

    class Meta:
        model = Message
        fields: list[str] = []

    def __init__(self, data: QueryDict | None, queryset: QuerySet, *, policy: Policy, **kwargs: Any) -> None:
        data = data.copy() if data is not None else QueryDict(mutable=True)
        # Unbound filters would show everything: the default is what needs action, newest first.
        data.setdefault("show", SHOW_ACTION)
        data.setdefault("sort", "-time")
        super().__init__(data, queryset, **kwargs)
        self.filters["period"].extra["choices"] = [(p.code, p.label) for p in selectors.periods(policy)]
        self.filters["task"].extra["choices"] = [
            (str(t.number), f"{t.number}. {t.title}") for t in policy.tasks.order_by("number")
        ]
        self.filters["department"].extra["choices"] = [
            (d.code, d.name) for d in sorted(selectors.policy_departments(policy), key=lambda d: d.sort_order)
        ]

    def filter_show(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # `needs_action` is annotated by core.messages.with_needs_action (a CASE: no NULL slips between the two).
        if value == SHOW_ACTION:
            return queryset.filter(needs_action=True)
        if value == SHOW_STALE:
            return queryset.filter(needs_action=False)
        return queryset


class ReportFilter(ListFilterSet):
    """Progress reports (the API's report list): by period code, task number, state and department code."""

    period = django_filters.CharFilter(field_name="period__code")
    task = IntegerFilter(field_name="task__number")
    state = django_filters.CharFilter()
    department = django_filters.CharFilter(field_name="department__code")
