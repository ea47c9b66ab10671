from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kechuang.core.forms import RegionsMixin
from kechuang.enterprises.models import (
    Award,
    ComplianceEvent,
    Enterprise,
    EnterpriseYear,
    IntellectualProperty,
    Qualification,
    RdInstitution,
    Standard,
)
from kechuang.enterprises.services import ENTERPRISE_FIELDS, FACT_FIELDS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class EnterpriseForm(RegionsMixin, forms.ModelForm):
    class Meta:
        model = Enterprise
        fields = ["credit_code", *ENTERPRISE_FIELDS]
        widgets = {"registration_date": DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # The credit code is the natural key: changing it would make a different enterprise.
            self.fields["credit_code"].disabled = True


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Enterprise.Status.choices)
    reason = forms.CharField(max_length=200)


class YearForm(forms.ModelForm):
    class Meta:
        model = EnterpriseYear
        fields = list(FACT_FIELDS)


RECORD_FORMS: dict[str, type[forms.ModelForm]] = {}


def _record_form(model, fields, dates):
    meta = type("Meta", (), {"model": model, "fields": fields, "widgets": {d: DATE for d in dates}})
    # __module__ given: the metaclass would otherwise name Django's module as the class's home.
    return type(f"{model.__name__}Form", (forms.ModelForm,), {"Meta": meta, "__module__": __name__})


for kind, model, fields, dates in (
    (
        "ip",
        IntellectualProperty,
        ["ip_class", "kind", "number", "title", "grant_date", "acquisition", "used_in_prior_hte", "high_value"],
        ["grant_date"],
    ),
    (
        "qualification",
        Qualification,
        ["tier", "certificate_number", "issue_date", "expiry_date", "issuer"],
        ["issue_date", "expiry_date"],
    ),
    ("award", Award, ["kind", "name", "rank", "awarded_on", "valid_until"], ["awarded_on", "valid_until"]),
    ("standard", Standard, ["level", "number", "title", "led", "published_on"], ["published_on"]),
    ("institution", RdInstitution, ["name", "level", "recognised_on"], ["recognised_on"]),
    ("event", ComplianceEvent, ["kind", "occurred_on", "resolved_on", "description"], ["occurred_on", "resolved_on"]),
):
    RECORD_FORMS[kind] = _record_form(model, fields, dates)


class CorrectionDecisionForm(forms.Form):
    """The district's decision on a firm's proposed figure; a rejection says why."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("confirm", _("Confirm: write it into the register")),
            ("reject", pgettext_lazy("fact correction", "Reject")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not (data.get("note") or "").strip():
            self.add_error("note", _("Give the reason for the rejection."))
        return data
