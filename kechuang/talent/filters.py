"""The talent module's lists: one FilterSet each, shared by the page, its export and its API endpoint."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet

from kechuang.core.filters import IntegerFilter, ListFilterSet, SearchFilter, SortFilter, YearFilter, signed_orders


class TalentFilter(ListFilterSet):
    defaults = {"active": "1"}

    tier = django_filters.CharFilter(field_name="tier__code")
    programme = django_filters.CharFilter(field_name="memberships__programme__code", distinct=True)
    region = django_filters.CharFilter(field_name="region__code")
    industry = django_filters.CharFilter(field_name="industry")
    employer = django_filters.CharFilter(field_name="employer_credit_code")
    mode = django_filters.CharFilter(field_name="mode")
    status = django_filters.CharFilter(field_name="status")
    year = IntegerFilter(field_name="memberships__batch_year", distinct=True)
    q = SearchFilter("name", "employer_name", "discipline", "university")
    active = django_filters.CharFilter(method="filter_active")
    sort = SortFilter(signed_orders({"name": "name", "tier": "tier__rank", "arrival": "arrival_date"}))

    class Meta:
        fields: list[str] = []

    def filter_active(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(is_active=value == "1") if value in ("1", "0") else queryset


class ApplicationFilter(ListFilterSet):
    programme = django_filters.CharFilter(field_name="round__programme__code")
    year = YearFilter(field_name="round__year")
    region = django_filters.CharFilter(field_name="region__code")
    state = django_filters.CharFilter(field_name="state")
    q = SearchFilter("talent__name", "talent__employer_name")
    sort = SortFilter(signed_orders({"year": "round__year", "state": "state"}))

    class Meta:
        fields: list[str] = []


class MembershipFilter(ListFilterSet):
    programme = django_filters.CharFilter(field_name="programme__code")
    quota = django_filters.CharFilter(field_name="programme__quota")
    year = IntegerFilter(field_name="batch_year")
    region = django_filters.CharFilter(field_name="talent__region__code")
    status = django_filters.CharFilter(field_name="status")

    class Meta:
        fields: list[str] = []


class VisitFilter(ListFilterSet):
    year = YearFilter(field_name="arrived_on__year")
    region = django_filters.CharFilter(field_name="expert__region__code")
    expert = IntegerFilter(field_name="expert_id")

    class Meta:
        fields: list[str] = []


class ProjectFilter(ListFilterSet):
    year = IntegerFilter(field_name="year")
    region = django_filters.CharFilter(field_name="region__code")
    level = django_filters.CharFilter(field_name="level")
    library = django_filters.CharFilter(method="filter_library")
    q = SearchFilter("title", "host_name", "outcomes")

    class Meta:
        fields: list[str] = []

    def filter_library(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(in_library=True) if value == "1" else queryset


class CardFilter(ListFilterSet):
    """The card desk: page and API."""

    state = django_filters.CharFilter(field_name="state")
    type = django_filters.CharFilter(field_name="card_type__code")
    region = django_filters.CharFilter(field_name="talent__region__code")
    talent = IntegerFilter(field_name="talent_id")
    q = SearchFilter("talent__name", "number")
    sort = SortFilter(signed_orders({"expires": "expires_on", "issued": "issued_on"}))

    class Meta:
        fields: list[str] = []


class RequestFilter(ListFilterSet):
    """The service desk: page and API."""

    state = django_filters.CharFilter(field_name="state")
    provider = django_filters.CharFilter(field_name="item__provider__code")
    item = django_filters.CharFilter(field_name="item__code")
    region = django_filters.CharFilter(field_name="talent__region__code")
    talent = IntegerFilter(field_name="talent_id")
    late = django_filters.CharFilter(method="filter_late")
    q = SearchFilter("talent__name", "item__name", "detail")
    sort = SortFilter(signed_orders({"submitted": "submitted_on", "due": "due_on"}))

    class Meta:
        fields: list[str] = []

    def filter_late(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(breached=True) if value == "1" else queryset


class TeamFilter(ListFilterSet):
    region = django_filters.CharFilter(field_name="leader__region__code")
    programme = django_filters.CharFilter(field_name="programme__code")
    q = SearchFilter("name", "field", "leader__name", "platforms")
    active = django_filters.CharFilter(method="filter_active")
    sort = SortFilter(signed_orders({"name": "name"}))

    defaults = {"active": "1"}

    class Meta:
        fields: list[str] = []

    def filter_active(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(is_active=value == "1") if value in ("1", "0") else queryset


class ForeignExpertFilter(ListFilterSet):
    region = django_filters.CharFilter(field_name="region__code")
    programme = django_filters.CharFilter(field_name="programme__code")
    q = SearchFilter("talent__name", "host_name", "talent__nationality")

    class Meta:
        fields: list[str] = []
