from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kechuang.core.forms import RegionsMixin
from kechuang.core.models import OrgUnit
from kechuang.platforms.models import (
    CARRIER_FIELDS,
    CARRIER_YEAR_FIELDS,
    PLATFORM_FIELDS,
    YEAR_FIELDS,
    Carrier,
    CarrierYear,
    Incubatee,
    Level,
    Platform,
    PlatformSettings,
    PlatformType,
    PlatformYear,
    State,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PlatformForm(RegionsMixin, forms.ModelForm):
    class Meta:
        model = Platform
        fields = list(PLATFORM_FIELDS)
        widgets = {"co_builders": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = OrgUnit.objects.departments().order_by("sort_order", "id")
        self.fields["host_name"].required = False
        self.fields["host_name"].help_text = _("filled from the register for an enterprise host")


class CreateForm(PlatformForm):
    """A new platform: in the reserve pool or applied; the bureau may enter one already recognised (or under
    construction) with its document."""

    initial_state = forms.ChoiceField(
        label=_("state"),
        choices=[
            (s, label) for s, label in State.choices if s in ("reserve", "applied", "under_construction", "recognised")
        ],
    )
    document = forms.CharField(label=_("document number"), max_length=100, required=False)
    on = forms.DateField(label=_("date"), required=False, widget=DATE)


class TransitionForm(forms.Form):
    target = forms.ChoiceField(label=_("next state"), choices=State.choices)
    document = forms.CharField(label=_("document number"), max_length=100, required=False)
    on = forms.DateField(label=_("date"), widget=DATE)
    level = forms.ChoiceField(label=_("new level (downgrade)"), choices=[("", "—"), *Level.choices], required=False)
    note = forms.CharField(label=_("note"), max_length=300, required=False)


class PlatformYearForm(forms.ModelForm):
    class Meta:
        model = PlatformYear
        fields = list(YEAR_FIELDS)


class EvaluationForm(forms.Form):
    year = forms.IntegerField(label=_("year"), min_value=1980, max_value=2100)
    score = forms.DecimalField(label=_("score"), min_value=0, max_value=100, decimal_places=2)
    document = forms.CharField(label=_("document number"), max_length=100, required=False)
    on = forms.DateField(label=_("date"), widget=DATE)


class SettingsForm(forms.ModelForm):
    counted_types = forms.ModelMultipleChoiceField(
        label=_("types that count toward the 600"),
        queryset=PlatformType.objects.all(),
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = PlatformSettings
        fields = ["count_under_construction", "reward_each_wan", "reward_cap_wan", "hte_window_years", "reward_source"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["counted_types"].initial = list(
            PlatformType.objects.filter(counts_for_task2=True).values_list("code", flat=True)
        )


class CarrierForm(RegionsMixin, forms.ModelForm):
    class Meta:
        model = Carrier
        fields = list(CARRIER_FIELDS)
        widgets = {"recognition_date": DATE}


class CarrierYearForm(forms.ModelForm):
    class Meta:
        model = CarrierYear
        fields = list(CARRIER_YEAR_FIELDS)


class IncubateeForm(forms.Form):
    credit_code = forms.CharField(label=_("credit code"), max_length=18)
    entered_on = forms.DateField(label=_("entered on"), widget=DATE)


class IncubateeMoveForm(forms.Form):
    target = forms.ChoiceField(label=_("next state"), choices=Incubatee.State.choices)
    on = forms.DateField(label=_("date"), widget=DATE)
    reason = forms.CharField(label=_("reason for leaving"), max_length=200, required=False)
