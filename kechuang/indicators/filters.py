"""FilterSets of the indicator lists (django-filter): one definition for the observations page, its exports
(Excel, CSV) and the API's observation list."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet

from kechuang.core.filters import IntegerFilter, ListFilterSet
from kechuang.indicators.models import Observation


class ObservationFilter(ListFilterSet):
    """`demo`: "0" without demo figures, "1" only demo figures, anything else both."""

    indicator = django_filters.CharFilter(field_name="indicator__code")
    region = django_filters.CharFilter(field_name="region__code")
    year = IntegerFilter()
    status = django_filters.ChoiceFilter(choices=Observation.Status.choices)
    demo = django_filters.CharFilter(method="filter_demo")

    def filter_demo(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(is_demo=value == "1") if value in ("0", "1") else queryset
