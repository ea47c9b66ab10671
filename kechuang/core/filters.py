"""The pieces every list's FilterSet (django-filter) is built from, and the two ways a list applies one.

A list page, its export and its API endpoint apply the same FilterSet (`<app>/filters.py`):
- `filtered()` for pages and exports: a value that does not parse filters nothing, as before;
- `filtered_or_422()` for the API: such a value is refused with the API's 422 body naming the parameter.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_filters.constants import EMPTY_VALUES

from kechuang.core.api_params import MAX_YEAR, MIN_YEAR


class ListFilterSet(django_filters.FilterSet):
    """A FilterSet that is always bound: `defaults` fill parameters that are absent (an empty one stays empty,
    which is how a reader asks for "all"), and `values()` gives the parameters as the page and the audit see them."""

    defaults: dict[str, str] = {}

    def __init__(self, data: Mapping[str, Any] | None = None, queryset: QuerySet | None = None, **kwargs: Any):
        bound = QueryDict(mutable=True)
        if data is not None:
            for key in data:
                if key in self.base_filters:
                    value = data.getlist(key) if isinstance(data, QueryDict) else [data[key]]
                    bound.setlist(key, [v.strip() if isinstance(v, str) else v for v in value])
        for key, value in self.defaults.items():
            if key not in bound:
                bound[key] = value
        super().__init__(bound, queryset, **kwargs)

    def values(self) -> dict[str, str]:
        """Every parameter of the list, "" when not given (the page's inputs read them)."""
        return {name: str(self.data.get(name, "")) for name in self.filters}

    def applied(self) -> dict[str, str]:
        """The parameters that filter or sort (what an export's audit entry records)."""
        return {k: v for k, v in self.values().items() if v}


# What a database integer holds (SQLite's and PostgreSQL's bigint): beyond it SQLite raised OverflowError, a 500.
MAX_INTEGER = 2**63 - 1


class IntegerFilter(django_filters.NumberFilter):
    """A whole number (a year, a readiness level, an id): "3.5" or "abc" filters nothing instead of a fraction, nor
    does a number beyond 64 bits."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", -MAX_INTEGER)
        kwargs.setdefault("max_value", MAX_INTEGER)
        super().__init__(*args, **kwargs)


class YearFilter(IntegerFilter):
    """A calendar year for a `<date>__year` lookup: Django builds the year's first and last day from it, so a year
    outside 1–9999 (year=99999, year=-5) raised ValueError, a 500; out of MIN_YEAR–MAX_YEAR it now does not parse."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", MIN_YEAR)
        kwargs.setdefault("max_value", MAX_YEAR)
        super().__init__(*args, **kwargs)


class SearchFilter(django_filters.CharFilter):
    """Free text matched (case-insensitive, contained) against any of several fields."""

    def __init__(self, *fields: str, distinct: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Search"))
        super().__init__(**kwargs)
        self.search_fields = fields
        self.make_distinct = distinct

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        if value in EMPTY_VALUES:
            return qs
        cond = Q()
        for field in self.search_fields:
            cond |= Q(**{f"{field}__icontains": value})
        qs = qs.filter(cond)
        return qs.distinct() if self.make_distinct else qs


class SortFilter(django_filters.CharFilter):
    """`sort`: a key of `orders` (each an `order_by` tuple); an unknown key keeps the queryset's own order."""

    def __init__(self, orders: Mapping[str, tuple[str, ...]], **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Sort by"))
        super().__init__(**kwargs)
        self.orders = dict(orders)

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        return qs.order_by(*self.orders[value]) if value in self.orders else qs


def signed_orders(fields: Mapping[str, str], tie: str = "-id") -> dict[str, tuple[str, ...]]:
    """`{"title": "title"}` → sort=title ascending and sort=-title descending, ties broken by `tie`."""
    orders: dict[str, tuple[str, ...]] = {}
    for key, field in fields.items():
        orders[key] = (field, tie)
        orders[f"-{key}"] = (f"-{field}", tie)
    return orders


def filtered(filterset_class: type[ListFilterSet], data: Mapping[str, Any], queryset: QuerySet, **kwargs: Any):
    """The list with the filters applied; a parameter that does not parse is ignored (pages and exports)."""
    return filterset_class(data, queryset, **kwargs).qs


def filtered_or_422(
    filterset_class: type[ListFilterSet], data: Mapping[str, Any], queryset: QuerySet, **kwargs: Any
) -> QuerySet:
    """The list for an API endpoint: a parameter that does not parse answers 422 naming it (the API's error body)."""
    filterset = filterset_class(data, queryset, **kwargs)
    if not filterset.is_valid():
        raise ValidationError({name: list(errors) for name, errors in filterset.errors.items()})
    return filterset.qs


# ---------------------------------------------------------------- core's own lists
class LiaisonFilter(ListFilterSet):
    """Liaisons: page, export and API. `active` is "1" (the default), "0" (archived) or anything else for all."""

    defaults = {"active": "1"}

    unit = django_filters.CharFilter(field_name="org_unit__code")
    q = SearchFilter("name", "position", "org_unit__name")
    active = django_filters.CharFilter(method="filter_active")
    sort = SortFilter(
        {
            "name": ("name", "id"),
            "-name": ("-name", "-id"),
            "unit": ("org_unit__sort_order", "name"),
            "-updated": ("-updated_at", "-id"),
        }
    )

    class Meta:
        fields: list[str] = []

    def filter_active(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(is_active=value == "1") if value in ("1", "0") else queryset


class AuditFilter(ListFilterSet):
    """The audit log: page and export. A date that is not a date is an error the page answers with 400."""

    action = django_filters.CharFilter()
    object_type = django_filters.CharFilter()
    actor = django_filters.CharFilter(field_name="actor_label", lookup_expr="icontains")
    date_from = django_filters.DateFilter(label=_("From"), field_name="at", lookup_expr="date__gte")
    date_to = django_filters.DateFilter(label=_("To"), field_name="at", lookup_expr="date__lte")
    success = django_filters.BooleanFilter(label=pgettext_lazy("audit", "Result"))
    q = django_filters.CharFilter(method="filter_q")

    class Meta:
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(object_label__icontains=value) | Q(object_id=value))
