from __future__ import annotations

import json

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

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


class SchemeForm(forms.Form):
    data = forms.CharField(
        label=_("Scheme (JSON)"),
        widget=forms.Textarea(attrs={"rows": 30, "class": "mono"}),
        help_text=_("version, source, verified, criteria (code, kind bands|items, max, bands or items), grades"),
    )

    def clean_data(self):
        try:
            value = json.loads(self.cleaned_data["data"])
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(_("Not JSON: %(e)s") % {"e": exc.msg}) from None
        if not isinstance(value, dict):
            raise forms.ValidationError(_("The scheme is one JSON object."))
        return value
