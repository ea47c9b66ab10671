"""Forms and the list filter of the user-management and second-factor pages (services: core.user_admin)."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kechuang.core.filters import IntegerFilter, ListFilterSet, SearchFilter
from kechuang.core.models import OrgUnit
from kechuang.core.roles import Role


def _units() -> QuerySet[OrgUnit]:
    return OrgUnit.objects.exclude(kind=OrgUnit.Kind.CITY).filter(is_active=True).order_by("kind", "sort_order")


class UserFilter(ListFilterSet):
    """The user list and its export: role, org unit, active or disabled, and a search over names and e-mail."""

    defaults = {"active": "1"}

    role = django_filters.CharFilter()
    unit = IntegerFilter(field_name="org_unit_id")
    active = django_filters.CharFilter(method="filter_active")
    q = SearchFilter("username", "display_name", "email")

    class Meta:
        fields: list[str] = []

    def filter_active(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(is_active=value == "1") if value in ("1", "0") else queryset


class AccountForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    display_name = forms.CharField(label=_("Full name"), max_length=100)
    email = forms.EmailField(label=_("E-mail"), required=False)
    org_unit = forms.ModelChoiceField(label=_("Org unit"), queryset=OrgUnit.objects.none(), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = _units()


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=_("Full name"), max_length=100)
    email = forms.EmailField(label=_("E-mail"), required=False)


class GrantForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"))
    org_unit = forms.ModelChoiceField(label=_("Org unit"), queryset=OrgUnit.objects.none(), required=False)
    # For accounts outside the government (expert, enterprise user, talent) instead of an org unit.
    credit_code = forms.CharField(
        label=_("Organisation credit code"),
        max_length=18,
        required=False,
        help_text=_("external accounts: the enterprise an enterprise user acts for, or an expert's employer"),
    )
    organisation = forms.CharField(label=_("Organisation"), max_length=200, required=False)
    is_org_admin = forms.BooleanField(
        label=_("Organisation administrator"),
        required=False,
        help_text=_("manages the other accounts of the same enterprise"),
    )
    # The page asks once more before the grant takes effect; this is set by the confirmation step.
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(r.value, r.label) for r in Role if r != Role.PENDING]
        self.fields["org_unit"].queryset = _units()


class TokenForm(forms.Form):
    token = forms.CharField(
        label=pgettext_lazy("second factor", "Code"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
        help_text=_("The six digits your authenticator app shows, or one of your recovery codes."),
    )


def role_choices() -> list[tuple[str, Any]]:
    return [(r.value, r.label) for r in Role]
