"""The lists of the finance module: one FilterSet each, for the page, its export and its API endpoint."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kechuang.core import registry
from kechuang.core.filters import IntegerFilter, ListFilterSet, SearchFilter, SortFilter, YearFilter, signed_orders
from kechuang.finance.models import CapabilityScore, InsurancePolicy, ListingFirm, Loan, Stage, VcInvestment


class ScoreFilter(ListFilterSet):
    region = django_filters.CharFilter(field_name="region__code")
    grade = django_filters.CharFilter()
    min_score = IntegerFilter(field_name="total", lookup_expr="gte", label=_("Minimum score"))
    q = SearchFilter("enterprise_name", "credit_code")
    sort = SortFilter(signed_orders({"score": "total", "name": "enterprise_name", "region": "region__sort_order"}))

    class Meta:
        model = CapabilityScore
        fields: list[str] = []


class LoanFilter(ListFilterSet):
    region = django_filters.CharFilter(field_name="region__code")
    product = django_filters.ChoiceFilter(choices=Loan.Product.choices)
    status = django_filters.ChoiceFilter(choices=Loan.Status.choices)
    bank = django_filters.CharFilter(lookup_expr="icontains")
    month = django_filters.DateFilter(field_name="month", input_formats=["%Y-%m"], label=_("Month"))
    warning = django_filters.CharFilter(method="filter_warning", label=_("Tech-SME number lost"))
    q = SearchFilter("enterprise_name", "credit_code", "bank")
    sort = SortFilter(
        signed_orders({"month": "month", "amount": "amount_wan", "rate": "rate_pct", "name": "enterprise_name"})
    )

    class Meta:
        model = Loan
        fields: list[str] = []

    def filter_warning(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value != "1":
            return queryset
        return queryset.filter(status__in=ACTIVE_LOAN).exclude(credit_code__in=registry.tier_holders("tech_sme"))


ACTIVE_LOAN = (Loan.Status.GRANTED, Loan.Status.OVERDUE)


class PolicyFilter(ListFilterSet):
    region = django_filters.CharFilter(field_name="region__code")
    product = django_filters.ChoiceFilter(choices=InsurancePolicy.Product.choices)
    year = YearFilter(field_name="start_date__year")
    q = SearchFilter("enterprise_name", "credit_code", "insurer", "policy_number")
    sort = SortFilter(signed_orders({"start": "start_date", "premium": "premium_wan", "name": "enterprise_name"}))

    class Meta:
        model = InsurancePolicy
        fields: list[str] = []


class InvestmentFilter(ListFilterSet):
    region = django_filters.CharFilter(field_name="region__code")
    stage = django_filters.ChoiceFilter(choices=Stage.choices)
    fund = IntegerFilter(field_name="fund_id")
    year = YearFilter(field_name="invested_on__year")
    q = SearchFilter("enterprise_name", "credit_code", "fund__name", "fund__institution__name")
    sort = SortFilter(signed_orders({"date": "invested_on", "amount": "amount_wan", "name": "enterprise_name"}))

    class Meta:
        model = VcInvestment
        fields: list[str] = []


class ListingFilter(ListFilterSet):
    region = django_filters.CharFilter(field_name="region__code")
    stage = django_filters.ChoiceFilter(choices=ListingFirm.Stage.choices)
    board = django_filters.ChoiceFilter(field_name="target_board", choices=ListingFirm.Board.choices)
    q = SearchFilter("enterprise_name", "credit_code")
    sort = SortFilter(signed_orders({"name": "enterprise_name", "entered": "entered_on", "stage": "stage"}))

    class Meta:
        model = ListingFirm
        fields: list[str] = []
