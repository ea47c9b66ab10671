"""FilterSets of the platform register and the incubation chain: one definition for each list page, its export and
its API endpoint."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone

from kechuang.core.filters import IntegerFilter, ListFilterSet, SortFilter
from kechuang.platforms.models import Carrier, Incubatee, Level, Platform, Stage, State

SORTS = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "region": ("region__sort_order", "name", "id"),
    "recognised": ("recognition_date", "id"),
    "-recognised": ("-recognition_date", "-id"),
}


class PlatformFilter(ListFilterSet):
    """The register's filters. `counted=<year>` keeps the platforms counted toward task 2 in that year (the board's
    rule, one per platform at its highest level): the list behind every number of the board."""

    type = django_filters.CharFilter(field_name="type__code")
    family = django_filters.CharFilter(field_name="type__family")
    level = django_filters.ChoiceFilter(choices=Level.choices)
    state = django_filters.ChoiceFilter(choices=State.choices)
    region = django_filters.CharFilter(field_name="region__code")
    chain = django_filters.CharFilter(field_name="industry_chain")
    host = django_filters.CharFilter(field_name="host_credit_code")
    counted = IntegerFilter(method="filter_counted", min_value=1980, max_value=2100)
    q = django_filters.CharFilter(method="filter_q")
    sort = SortFilter(SORTS)

    def __init__(self, data: Any = None, queryset: QuerySet | None = None, *, user: Any = None, **kw: Any):
        if queryset is not None:
            queryset = queryset.order_by("name", "id")
        super().__init__(data, queryset, **kw)
        self.user = user

    def filter_counted(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        from kechuang.platforms.selectors import counted_pks

        year = int(value)
        if year > timezone.localdate().year:
            return queryset.none()
        return queryset.filter(pk__in=counted_pks(self.user, year))

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(
            Q(name__icontains=value)
            | Q(host_name__icontains=value)
            | Q(recognition_document__icontains=value)
            | Q(host_credit_code__startswith=value.upper())
        )

    class Meta:
        model = Platform
        fields: list[str] = []


class CarrierFilter(ListFilterSet):
    stage = django_filters.ChoiceFilter(choices=Stage.choices)
    level = django_filters.ChoiceFilter(choices=Level.choices)
    region = django_filters.CharFilter(field_name="region__code")
    q = django_filters.CharFilter(method="filter_q")

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(name__icontains=value) | Q(operator_name__icontains=value))

    class Meta:
        model = Carrier
        fields: list[str] = []


class IncubateeFilter(ListFilterSet):
    state = django_filters.ChoiceFilter(choices=Incubatee.State.choices)

    class Meta:
        model = Incubatee
        fields: list[str] = []
