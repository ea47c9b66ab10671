from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kechuang.finance.explain import criterion_label, item_label
from kechuang.finance.models import (
    LOAN_FIELDS,
    InsuranceClaim,
    InsurancePolicy,
    ListingFirm,
    ListingService,
    Loan,
    VcFund,
    VcInstitution,
    VcInvestment,
)
from kechuang.finance.services import POLICY_FIELDS


class LoanForm(forms.ModelForm):
    class Meta:
        model = Loan
        fields = LOAN_FIELDS.form_fields()


class PolicyForm(forms.ModelForm):
    class Meta:
        model = InsurancePolicy
        fields = list(POLICY_FIELDS)


class ClaimForm(forms.ModelForm):
    class Meta:
        model = InsuranceClaim
        fields = ["filed_on", "amount_claimed_wan", "reason"]


class ClaimDecisionForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (InsuranceClaim.Status.PAID, _("Paid")),
            (InsuranceClaim.Status.REJECTED, pgettext_lazy("claim", "Rejected")),
        ],
    )
    amount_paid_wan = forms.DecimalField(
        label=_("amount paid (万元)"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    reason = forms.CharField(label=_("reason"), required=False, max_length=300)


class InstitutionForm(forms.ModelForm):
    class Meta:
        model = VcInstitution
        fields = ["name", "credit_code", "registered_in_city"]


class FundForm(forms.ModelForm):
    class Meta:
        model = VcFund
        fields = ["institution", "name", "size_wan", "conversion_fund", "yield_share_pct", "yield_rule"]


class InvestmentForm(forms.ModelForm):
    class Meta:
        model = VcInvestment
        fields = ["fund", "credit_code", "stage", "amount_wan", "invested_on"]


class ListingFirmForm(forms.ModelForm):
    class Meta:
        model = ListingFirm
        fields = ["credit_code", "stage", "target_board", "entered_on", "note"]


class ListingStageForm(forms.ModelForm):
    class Meta:
        model = ListingFirm
        fields = ["stage", "target_board", "note"]


class ListingServiceForm(forms.ModelForm):
    class Meta:
        model = ListingService
        fields = ["kind", "title", "provider", "given_on"]


def _tenth(value: Any) -> Any:
    number = float(value)
    return int(number) if number == int(number) else number


class SchemeForm(forms.Form):
    """A new version of the scoring scheme, criterion by criterion: each maximum, the bands of a measured number
    ("threshold:points, …") or the points each item earns, and the grades ("grade:minimum, …")."""

    version = forms.CharField(label=_("New version"), max_length=60)
    source = forms.CharField(label=_("Source document"), max_length=300, required=False)
    verified = forms.BooleanField(label=_("Confirmed by the bureau"), required=False)
    grades = forms.CharField(label=_("Grades (grade:minimum score, …)"), max_length=200)

    def __init__(self, *args: Any, current: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.current = current
        self.initial.setdefault("source", current.get("source", ""))
        self.initial.setdefault("verified", bool(current.get("verified")))
        self.initial.setdefault("grades", ", ".join(f"{g}:{_tenth(m)}" for m, g in current.get("grades", [])))
        for c in current["criteria"]:
            label = criterion_label(c["code"])
            self.fields[f"max__{c['code']}"] = forms.DecimalField(
                label=_("%(c)s: maximum") % {"c": label}, min_value=0, decimal_places=1, initial=_tenth(c["max"])
            )
            if c["kind"] == "bands":
                self.fields[f"bands__{c['code']}"] = forms.CharField(
                    label=_("%(c)s: bands (threshold:points, …)") % {"c": label},
                    initial=", ".join(f"{_tenth(a)}:{_tenth(p)}" for a, p in c["bands"]),
                    max_length=300,
                )
            else:
                for key, each in c["items"].items():
                    self.fields[f"item__{c['code']}__{key}"] = forms.DecimalField(
                        label=_("%(c)s: %(item)s, points each") % {"c": label, "item": item_label(key)},
                        min_value=0,
                        decimal_places=1,
                        initial=_tenth(each),
                    )

    @staticmethod
    def _pairs(text: str) -> list[list[str]]:
        parts = [p.strip() for p in re.split(r"[,，;；、]", text) if p.strip()]
        pairs = [re.split(r"[:：]", p, maxsplit=1) for p in parts]
        if not pairs or any(len(p) != 2 or not p[0].strip() or not p[1].strip() for p in pairs):
            raise forms.ValidationError(_("Write pairs such as 1:5, 2:10."))
        return [[a.strip(), b.strip()] for a, b in pairs]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for name, value in list(cleaned.items()):
            if name.startswith("bands__") or name == "grades":
                try:
                    pairs = self._pairs(value)
                    if name != "grades":
                        pairs = [[float(a), float(b)] for a, b in pairs]
                    else:
                        pairs = [[float(b), a] for a, b in pairs]
                except (forms.ValidationError, ValueError):
                    self.add_error(name, _("Write pairs such as 1:5, 2:10."))
                    continue
                cleaned[name] = pairs
        return cleaned

    def scheme_data(self) -> dict[str, Any]:
        """The scheme as data, in the shape of data/score_scheme.yaml."""
        d = self.cleaned_data
        criteria = []
        for c in self.current["criteria"]:
            row = {
                "code": c["code"],
                "kind": c["kind"],
                "max": float(d[f"max__{c['code']}"]),
                "unit": c.get("unit", ""),
            }
            if c["kind"] == "bands":
                row["bands"] = d[f"bands__{c['code']}"]
            else:
                row["items"] = {key: float(d[f"item__{c['code']}__{key}"]) for key in c["items"]}
            criteria.append(row)
        return {
            "version": d["version"],
            "source": d["source"],
            "verified": d["verified"],
            "criteria": criteria,
            "grades": d["grades"],
        }
