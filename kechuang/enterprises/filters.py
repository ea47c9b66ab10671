"""FilterSets of the register (django-filter): one definition for the list page, its two exports and the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from kechuang.core.codes import TechField
from kechuang.core.filters import IntegerFilter, ListFilterSet, SortFilter
from kechuang.enterprises.models import Enterprise, FactCorrection, LadderResult, Qualification, Tier

SORTS = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "region": ("region__sort_order", "name"),
    "registered": ("registration_date", "id"),
    "-registered": ("-registration_date", "id"),
    "-updated": ("-updated_at", "-id"),
}


def held_exists(tier: str, on: dt.date) -> Exists:
    return Exists(
        Qualification.objects.filter(
            enterprise=OuterRef("pk"), tier=tier, revoked=False, issue_date__lte=on, expiry_date__gte=on
        )
    )


class EnterpriseFilter(ListFilterSet):
    """The register's filters. `status` defaults to active; an empty status (or "all") lists every status."""

    defaults = {"status": "active"}

    region = django_filters.CharFilter(field_name="region__code")
    held = django_filters.ChoiceFilter(choices=Tier.choices, method="filter_held")
    not_held = django_filters.ChoiceFilter(choices=Tier.choices, method="filter_not_held")
    eligible = django_filters.ChoiceFilter(choices=Tier.choices, method="filter_eligible")
    near = django_filters.ChoiceFilter(choices=Tier.choices, method="filter_near")
    status = django_filters.CharFilter(method="filter_status")
    field = django_filters.ChoiceFilter(field_name="tech_field", choices=TechField.choices)
    q = django_filters.CharFilter(method="filter_q")
    sort = SortFilter(SORTS)

    def __init__(self, data: Any = None, queryset: QuerySet | None = None, *, today: dt.date | None = None, **kw):
        if queryset is not None:
            queryset = queryset.order_by("name", "id")
        super().__init__(data, queryset, **kw)
        self.today = today or timezone.localdate()

    def filter_held(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(held_exists(value, self.today))

    def filter_not_held(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.exclude(held_exists(value, self.today))

    def filter_eligible(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(
            Exists(LadderResult.objects.filter(enterprise=OuterRef("pk"), tier=value, status="eligible"))
        )

    def filter_near(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # "One criterion away": not eligible, exactly one failed criterion.
        return queryset.filter(
            Exists(LadderResult.objects.filter(enterprise=OuterRef("pk"), tier=value, status="not_eligible", failed=1))
        )

    def filter_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(status=value) if value in Enterprise.Status.values else queryset

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(name__icontains=value) | Q(credit_code__startswith=value.upper()))


class FactCorrectionFilter(ListFilterSet):
    """The corrections queue: open proposals first by default; `status` empty lists every state."""

    defaults = {"status": "proposed"}

    status = django_filters.ChoiceFilter(choices=FactCorrection.Status.choices)
    region = django_filters.CharFilter(field_name="enterprise__region__code")
    year = IntegerFilter(field_name="year")
    q = django_filters.CharFilter(method="filter_q")

    class Meta:
        model = FactCorrection
        fields: list[str] = []

    def filter_q(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(Q(enterprise__name__icontains=value) | Q(enterprise__credit_code__iexact=value))
