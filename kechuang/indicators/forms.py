from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kechuang.core.models import OrgUnit
from kechuang.indicators.models import DataSet, Indicator, Observation, ValidationRule


class ObservationForm(forms.Form):
    """Entry of one value; the indicator and region pickers list only what the user may enter."""

    indicator = forms.ModelChoiceField(label=_("Indicator"), queryset=Indicator.objects.none())
    region = forms.ModelChoiceField(label=_("Region"), queryset=OrgUnit.objects.none())
    year = forms.IntegerField(label=_("Year"), min_value=1949, max_value=2100)
    quarter = forms.TypedChoiceField(
        label=_("Period"),
        coerce=int,
        initial=0,
        choices=[
            (0, _("Whole year")),
            (1, _("Q1 (cumulative)")),
            (2, _("Q1–Q2 (cumulative)")),
            (3, _("Q1–Q3 (cumulative)")),
            (4, _("Q1–Q4 (cumulative)")),
        ],
    )
    value = forms.DecimalField(label=_("Value"), max_digits=20, decimal_places=4)
    status = forms.ChoiceField(label=_("Status"), choices=Observation.Status.choices)
    source = forms.CharField(
        label=_("Source"),
        max_length=500,
        help_text=_("publisher and document, e.g. the city statistics bureau's 2024 statistical bulletin"),
    )
    definition_version = forms.CharField(label=_("Definition version"), max_length=100, required=False)
    reason = forms.CharField(
        label=_("Reason for the revision"),
        max_length=300,
        required=False,
        help_text=_("Required when the value was entered before: the previous version is kept in the history."),
    )

    def __init__(self, *args: Any, indicators: QuerySet, regions: QuerySet, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = indicators
        self.fields["indicator"].label_from_instance = lambda i: f"{i.name}（{i.unit}）" if i.unit else i.name
        self.fields["region"].queryset = regions


class ImportForm(forms.Form):
    file = forms.FileField(label=_("File (.xlsx or .csv)"))


class AllocationForm(forms.Form):
    """One decimal field per region: the region's share of the city target (empty: no share)."""

    def __init__(self, *args: Any, regions: list[OrgUnit], initial_values: dict[int, Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.regions = regions
        for region in regions:
            self.fields[f"r{region.pk}"] = forms.DecimalField(
                label=region.name,
                required=False,
                max_digits=20,
                decimal_places=4,
                min_value=0,
                initial=initial_values.get(region.pk),
            )

    def values(self) -> dict[OrgUnit, Any]:
        return {r: self.cleaned_data.get(f"r{r.pk}") for r in self.regions}


# ---------------------------------------------------------------------------------------------------------------------
# Data collection


DATA_SET_FIELDS = (
    "code",
    "name",
    "period_type",
    "deadline_days",
    "reporter",
    "indicators",
    "org_units",
    "jump_threshold",
    "is_active",
)


class DataSetForm(forms.ModelForm):
    """A data set's definition (bureau staff): pickers list enterable indicators and the city's regions and
    departments; the reporting organisations must be of the kind that reports."""

    class Meta:
        model = DataSet
        fields = DATA_SET_FIELDS
        widgets = {"indicators": forms.CheckboxSelectMultiple, "org_units": forms.CheckboxSelectMultiple}

    def __init__(self, *args: Any, city: OrgUnit, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["indicators"].queryset = (
            Indicator.objects.filter(formula="").exclude(aggregation="max_or_flag").order_by("code")
        )
        self.fields["indicators"].label_from_instance = lambda i: f"{i.name}（{i.unit}）" if i.unit else i.name
        self.fields["org_units"].queryset = OrgUnit.objects.filter(
            parent=city, kind__in=(OrgUnit.Kind.REGION, OrgUnit.Kind.DEPARTMENT), is_active=True
        ).order_by("kind", "sort_order")
        if self.instance.pk:
            self.fields["code"].disabled = True  # URLs and the forms' history name it

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        reporter, units = data.get("reporter"), data.get("org_units")
        if reporter and units:
            wrong = [u.name for u in units if u.kind != reporter]
            if wrong:
                self.add_error(
                    "org_units",
                    _("%(units)s are not %(kind)s.")
                    % {"units": "、".join(wrong), "kind": DataSet.Reporter(reporter).label},
                )
        return data


class ValidationRuleForm(forms.ModelForm):
    class Meta:
        model = ValidationRule
        fields = ("kind", "indicator", "other", "minimum", "maximum", "threshold", "severity")

    def __init__(self, *args: Any, data_set: DataSet, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.instance.data_set = data_set
        for name in ("indicator", "other"):
            self.fields[name].queryset = data_set.indicators.order_by("code")


class EntryForm(forms.Form):
    """A collection form: one value (and a comment for warnings) per indicator of the data set."""

    def __init__(self, *args: Any, indicators: list[Indicator], initial_values: dict[str, Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.indicators = indicators
        for indicator in indicators:
            self.fields[f"v_{indicator.code}"] = forms.DecimalField(
                label=indicator.name,
                required=False,
                max_digits=20,
                decimal_places=4,
                initial=initial_values.get(indicator.code),
                help_text=indicator.unit,
            )
            self.fields[f"c_{indicator.code}"] = forms.CharField(
                label=_("Comment on a warning"),
                required=False,
                max_length=300,
                initial=initial_values.get(f"c_{indicator.code}"),
            )

    def rows(self) -> list[tuple[Indicator, Any, Any]]:
        return [(i, self[f"v_{i.code}"], self[f"c_{i.code}"]) for i in self.indicators]

    def values(self) -> dict[str, Any]:
        return {i.code: self.cleaned_data.get(f"v_{i.code}") for i in self.indicators}

    def comments(self) -> dict[str, str]:
        return {i.code: self.cleaned_data.get(f"c_{i.code}") or "" for i in self.indicators}


class StepForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class WhatIfForm(forms.Form):
    """The support programme of the what-if (read from the query string: the page changes nothing)."""

    firms = forms.IntegerField(label=_("Firms supported"), min_value=0, max_value=100_000, initial=200)
    region = forms.ChoiceField(label=_("Region"), required=False)
    field = forms.ChoiceField(label=_("Technical field"), required=False)

    def __init__(self, *args: Any, regions: list[tuple[str, str]], fields: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", _("every region")), *regions]
        self.fields["field"].choices = [("", _("every field")), *fields]
