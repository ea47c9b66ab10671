"""The lists' FilterSets: each page, its export and its API endpoint apply the same one."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kechuang.core.filters import IntegerFilter, ListFilterSet, SearchFilter, SortFilter, YearFilter, signed_orders


class ProjectFilter(ListFilterSet):
    state = django_filters.CharFilter()
    plan = django_filters.CharFilter()
    mode = django_filters.CharFilter()
    funding = django_filters.CharFilter(field_name="funding_mode")
    region = django_filters.CharFilter(field_name="region__code")
    year = YearFilter(field_name="start_on__year")
    overdue = django_filters.CharFilter(method="filter_overdue", label=_("Overdue milestones"))
    credit_code = django_filters.CharFilter()
    q = SearchFilter("code", "title", "lead_unit", "chief_scientist")
    sort = SortFilter(
        signed_orders(
            {"code": "code", "start": "start_on", "end": "end_on", "budget": "budget_fiscal_wan", "paid": "paid_wan"}
        )
    )

    class Meta:
        fields: list[str] = []

    def filter_overdue(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(overdue_count__gt=0) if value == "1" else qs


class CallFilter(ListFilterSet):
    kind = django_filters.CharFilter()
    mode = django_filters.CharFilter()
    state = django_filters.CharFilter()
    plan = django_filters.CharFilter()
    year = IntegerFilter()
    q = SearchFilter("code", "title", "owner_name", "problem")
    sort = SortFilter(signed_orders({"code": "code", "year": "year", "ceiling": "funding_ceiling_wan"}))

    class Meta:
        fields: list[str] = []


class AppropriationFilter(ListFilterSet):
    source = django_filters.CharFilter()
    mode = django_filters.CharFilter()
    year = YearFilter(field_name="planned_on__year")
    region = django_filters.CharFilter(field_name="project__region__code")
    paid = django_filters.CharFilter(method="filter_paid")
    q = SearchFilter("document_no", "project__code", "project__title")
    sort = SortFilter(signed_orders({"planned": "planned_on", "amount": "amount_wan", "project": "project__code"}))

    class Meta:
        fields: list[str] = []

    def filter_paid(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        if value in ("1", "0"):
            return qs.filter(paid_on__isnull=value == "0")
        return qs


class LoanFilter(ListFilterSet):
    pool = IntegerFilter(field_name="pool_id")
    state = django_filters.CharFilter()
    region = django_filters.CharFilter(field_name="region__code")
    q = SearchFilter("borrower", "bank", "credit_code")
    sort = SortFilter(signed_orders({"filed": "filed_on", "amount": "amount_wan"}))

    class Meta:
        fields: list[str] = []
