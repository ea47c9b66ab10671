"""FilterSets of the technology market's lists (django-filter): one definition each for the list page, its export
and its API endpoint. Codes are matched as given (an unknown code lists nothing, as a typed URL should)."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from kechuang.core.filters import IntegerFilter, ListFilterSet, SearchFilter, SortFilter, YearFilter, signed_orders
from kechuang.core.selectors import json_list_contains


class AchievementFilter(ListFilterSet):
    field = django_filters.CharFilter()
    chain = django_filters.CharFilter(field_name="industry_chain")
    status = django_filters.CharFilter()
    trl = IntegerFilter(lookup_expr="gte")  # "at least this readiness level"
    owner_type = django_filters.CharFilter()
    q = SearchFilter("title", "owner_name", "abstract")
    sort = SortFilter(
        signed_orders(
            {"title": "title", "trl": "trl", "owner": "owner_name", "updated": "updated_at", "price": "price_wan"}
        )
    )


class DemandFilter(ListFilterSet):
    field = django_filters.CharFilter()
    region = django_filters.CharFilter(field_name="region__code")
    status = django_filters.CharFilter()
    mode = django_filters.CharFilter(field_name="cooperation_mode")
    q = SearchFilter("title", "enterprise_name", "description")
    sort = SortFilter(
        signed_orders(
            {
                "title": "title",
                "enterprise": "enterprise_name",
                "deadline": "deadline",
                "created": "created_at",
                "budget": "budget_max_wan",
            }
        )
    )


class ExpertFilter(ListFilterSet):
    """`active`: "0" the deactivated, "all" everyone, anything else (the default) the active."""

    field = django_filters.CharFilter(method="filter_field")
    active = django_filters.CharFilter(method="filter_active")
    q = SearchFilter("name", "institution", "expertise")
    sort = SortFilter(signed_orders({"name": "name", "institution": "institution"}))

    def filter_field(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # `fields__contains` on a JSON list is PostgreSQL-only (SQLite raised NotSupportedError); the quoted code
        # inside the list's JSON text matches on both, and field codes hold no quote or escape.
        return queryset.filter(Q(field=value) | Q(fields__icontains=f'"{value}"'))

    def filter_active(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "0":
            return queryset.filter(is_active=False)
        return queryset if value == "all" else queryset.filter(is_active=True)

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        # An absent or empty `active` still means the active experts (a filter method never sees an empty value).
        if not self.form.cleaned_data.get("active"):
            queryset = queryset.filter(is_active=True)
        return super().filter_queryset(queryset)


class MatchFilter(ListFilterSet):
    stage = django_filters.CharFilter()
    field = django_filters.CharFilter(field_name="demand__field")
    region = django_filters.CharFilter(field_name="demand__region__code")
    q = SearchFilter("demand__title", "achievement__title", "expert__name")
    sort = SortFilter(signed_orders({"updated": "updated_at", "stage": "stage", "recommended": "recommended_on"}))


class ContractFilter(ListFilterSet):
    type = django_filters.CharFilter(field_name="contract_type")
    status = django_filters.CharFilter()
    region = django_filters.CharFilter(field_name="region__code")
    field = django_filters.CharFilter(field_name="tech_field")
    year = YearFilter(field_name="signed_on", lookup_expr="year")
    q = SearchFilter("project_name", "registration_number", "parties__name", distinct=True)
    sort = SortFilter(
        signed_orders(
            {
                "signed": "signed_on",
                "amount": "total_amount_wan",
                "registered": "registered_on",
                "project": "project_name",
            }
        )
    )


class MatchCheckFilter(ListFilterSet):
    """Check queries: text `q` (query, note, terms), `active` "1" / "0", `sort`."""

    q = django_filters.CharFilter(method="filter_q")
    active = django_filters.ChoiceFilter(choices=(("1", "1"), ("0", "0")), method="filter_active")
    sort = SortFilter(signed_orders({"query": "query", "note": "note", "updated": "updated_at"}))

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(
            Q(query__icontains=value)
            | Q(note__icontains=value)
            | json_list_contains("any_terms", value)
            | json_list_contains("all_terms", value)
        )

    def filter_active(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(is_active=value == "1")


class VocabularyFilter(ListFilterSet):
    industry = django_filters.CharFilter()
    q = django_filters.CharFilter(method="filter_q")

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(lay__icontains=value) | json_list_contains("technical", value))
