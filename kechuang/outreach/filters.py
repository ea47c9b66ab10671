"""FilterSets of the outreach lists: one definition each for the list page, its export and its API endpoint."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet

from kechuang.core.filters import IntegerFilter, ListFilterSet, SearchFilter, SortFilter, YearFilter, signed_orders
from kechuang.outreach.models import PopsciBase


class CommissionerFilter(ListFilterSet):
    region = django_filters.CharFilter(field_name="region__code")
    field = django_filters.CharFilter()
    employer = django_filters.CharFilter(field_name="employer_kind")
    level = django_filters.CharFilter()
    team = IntegerFilter(field_name="team_id")
    q = SearchFilter("name", "expertise", "employer_name", "team__name")
    sort = SortFilter(
        signed_orders({"name": "name", "employer": "employer_name", "field": "field", "dispatches": "n_dispatches"})
    )


class LogFilter(ListFilterSet):
    year = YearFilter(field_name="date__year")
    region = django_filters.CharFilter(field_name="dispatch__region__code")
    town = django_filters.CharFilter(field_name="dispatch__town")
    field = django_filters.CharFilter(field_name="dispatch__commissioner__field")
    commissioner = IntegerFilter(field_name="dispatch__commissioner_id")
    q = SearchFilter("place", "content", "technologies", "dispatch__commissioner__name", "dispatch__served_name")
    sort = SortFilter(
        signed_orders({"date": "date", "trained": "people_trained", "income": "income_effect_wan", "place": "place"})
    )


class BaseFilter(ListFilterSet):
    """`level`: a level code, or "provincial_plus" for provincial and national bases (what the indicator counts)."""

    region = django_filters.CharFilter(field_name="region__code")
    level = django_filters.CharFilter(method="filter_level")
    category = django_filters.CharFilter()
    candidate = django_filters.CharFilter(method="filter_candidate")
    q = SearchFilter("name", "organisation", "document_number")
    sort = SortFilter(signed_orders({"name": "name", "level": "level", "year": "recognised_year"}))

    def filter_level(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "provincial_plus":
            return queryset.exclude(level=PopsciBase.Level.CITY)
        return queryset.filter(level=value)

    def filter_candidate(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(provincial_candidate=value in ("1", "true", "yes"))


class ActivityFilter(ListFilterSet):
    kind = django_filters.CharFilter()
    year = YearFilter(field_name="date__year")
    region = django_filters.CharFilter(field_name="region__code")
    audience = django_filters.CharFilter()
    q = SearchFilter("title", "place", "organiser")
    sort = SortFilter(signed_orders({"date": "date", "participants": "participants", "title": "title"}))
