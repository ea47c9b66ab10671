from __future__ import annotations

import re
import time

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kechuang.core.codes import TechField
from kechuang.core.forms import RegionsMixin
from kechuang.core.models import OrgUnit
from kechuang.techmarket.models import (
    ACHIEVEMENT_FIELDS,
    DEMAND_FIELDS,
    Achievement,
    Contract,
    ContractParty,
    Demand,
    Expert,
    InstitutionType,
    MatchCheck,
    NonTechnicalItem,
    TransferMode,
    VocabularyTerm,
)

_SPLIT = re.compile(r"[、，,；;\s]+")


def split_terms(text: str) -> list[str]:
    return list(dict.fromkeys(t for t in _SPLIT.split(text or "") if t))


class RemapErrorsMixin:
    """Model validation errors on stored fields land on the form inputs they were typed in."""

    error_field_map: dict[str, str] = {}

    def _update_errors(self, errors):
        if hasattr(errors, "error_dict"):
            remapped = {}
            for key, value in errors.error_dict.items():
                target = self.error_field_map.get(key, key)
                remapped.setdefault(target if target in self.fields else "__all__", []).extend(value)
            errors = ValidationError(remapped)
        super()._update_errors(errors)


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: OrgUnit) -> str:
        return obj.name


# An achievement's lists are typed as text: the model field → the form input that holds it.
ACHIEVEMENT_TEXT_INPUTS = {"keywords": "keywords_text", "patent_numbers": "patents_text"}


class AchievementForm(RegionsMixin, RemapErrorsMixin, forms.ModelForm):
    all_regions_by_default = True

    error_field_map = ACHIEVEMENT_TEXT_INPUTS

    keywords_text = forms.CharField(label=_("Keywords"), required=False, help_text=_("separate with 、 or commas"))
    patents_text = forms.CharField(
        label=_("Patent numbers"), required=False, help_text=_("e.g. ZL202110123456.7, separated by commas")
    )
    transfer_modes = forms.MultipleChoiceField(
        label=_("Transfer modes"), choices=TransferMode.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Achievement
        fields = [ACHIEVEMENT_TEXT_INPUTS.get(n, n) for n in ACHIEVEMENT_FIELDS.form_fields()]
        field_classes = {"region": RegionChoiceField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["keywords_text"].initial = "、".join(self.instance.keywords)
            self.fields["patents_text"].initial = ", ".join(self.instance.patent_numbers)
            self.fields["transfer_modes"].initial = self.instance.transfer_modes

    def clean(self):
        data = super().clean()
        self.instance.keywords = split_terms(data.get("keywords_text", ""))
        self.instance.patent_numbers = [p.upper() for p in split_terms(data.get("patents_text", ""))]
        self.instance.transfer_modes = data.get("transfer_modes") or []
        return data


# Who asks and what for: the head of both demand forms (the staff's and the public one).
DEMAND_HEAD_FIELDS = ["enterprise_name", "credit_code", "region", "title", "description", "field"]


class DemandForm(RegionsMixin, RemapErrorsMixin, forms.ModelForm):
    class Meta:
        model = Demand
        fields = DEMAND_FIELDS.form_fields()
        widgets = {"deadline": forms.DateInput(attrs={"type": "date"})}
        field_classes = {"region": RegionChoiceField}


# Public form checks: spam and bad input get a clear error (issue 6 item 2).
MIN_SECONDS_TO_FILL = 3  # a person needs more than this to fill the form; bots post at once
MAX_FORM_AGE_SECONDS = 2 * 3600
_CJK = re.compile(r"[\u4e00-\u9fff]")
_URL = re.compile(r"https?://|www\.|\.(com|cn|net|top|xyz)\b", re.I)
_REPEAT = re.compile(r"(.)\1{7,}")
_SIGNING_SALT = "techmarket.public-demand"


def form_token(now: float | None = None) -> str:
    return signing.dumps({"t": int(now if now is not None else time.time())}, salt=_SIGNING_SALT)


def _content_errors(text: str, label) -> list[str]:
    errors = []
    if len(_CJK.findall(text)) < min(10, len(text) // 4 or 1):
        errors.append(_("%(field)s: write it in Chinese.") % {"field": label})
    if _URL.search(text):
        errors.append(_("%(field)s: links and web addresses are not accepted.") % {"field": label})
    if _REPEAT.search(text):
        errors.append(_("%(field)s: remove the repeated characters.") % {"field": label})
    return errors


CONSENT_REQUIRED = _("Consent is required: tick the box to agree to the privacy notice.")


class PublicDemandForm(RegionsMixin, RemapErrorsMixin, forms.ModelForm):
    """The form an enterprise fills without an account; bureau staff review what it sends."""

    website = forms.CharField(label=_("Leave this field empty"), required=False)  # honeypot
    token = forms.CharField(widget=forms.HiddenInput)
    consent = forms.BooleanField(
        label=_("I agree that the bureau stores these details to broker my demand and contacts me about it."),
        error_messages={"required": CONSENT_REQUIRED},
    )

    class Meta(DemandForm.Meta):
        fields = [
            *DEMAND_HEAD_FIELDS,
            "cooperation_mode",
            "budget_min_wan",
            "budget_max_wan",
            "deadline",
            "contact_name",
            "contact_phone",
            "contact_email",
        ]
        widgets = {
            "deadline": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 6}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "credit_code" in self.fields:  # the portal's form takes it from the account
            self.fields["credit_code"].required = True
        self.fields["title"].widget.attrs.update(minlength=6, maxlength=100)
        self.fields["description"].widget.attrs.update(minlength=30, maxlength=3000)
        self.fields["description"].help_text = _("30 to 3,000 characters: the problem, what you have tried, targets")
        self.fields["website"].widget.attrs.update(autocomplete="off", tabindex="-1")
        if not self.is_bound:
            self.fields["token"].initial = form_token()
        self.spam_reason = ""

    def clean_website(self):
        if self.cleaned_data.get("website"):
            self.spam_reason = "honeypot"
            raise ValidationError(_("This submission looks automated and was not accepted."))
        return ""

    def clean_token(self):
        try:
            stamp = signing.loads(self.cleaned_data["token"], salt=_SIGNING_SALT)["t"]
        except (signing.BadSignature, KeyError, TypeError):
            self.spam_reason = "token"
            raise ValidationError(_("The form has expired: reload the page and send it again.")) from None
        age = time.time() - stamp
        if age < MIN_SECONDS_TO_FILL:
            self.spam_reason = "too_fast"
            raise ValidationError(_("This submission looks automated and was not accepted."))
        if age > MAX_FORM_AGE_SECONDS:
            raise ValidationError(_("The form has expired: reload the page and send it again."))
        return self.cleaned_data["token"]

    def clean_title(self):
        value = self.cleaned_data["title"].strip()
        if len(value) < 6:
            raise ValidationError(_("Write at least 6 characters."))
        for e in _content_errors(value, self.fields["title"].label):
            raise ValidationError(e)
        return value

    def clean_description(self):
        value = self.cleaned_data["description"].strip()
        if not 30 <= len(value) <= 3000:
            raise ValidationError(_("Write between 30 and 3,000 characters (now %(n)d).") % {"n": len(value)})
        errors = _content_errors(value, self.fields["description"].label)
        if errors:
            raise ValidationError(errors)
        return value

    def clean_deadline(self):
        value = self.cleaned_data.get("deadline")
        if value and value <= timezone.localdate():
            raise ValidationError(_("The date must be in the future."))
        return value

    def demand_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class FirmDemandForm(PublicDemandForm):
    """The public form for a signed-in enterprise account (the enterprise portal): the same fields and checks, but the
    firm's name, credit code and district come from its account and the register (no re-typing), and neither the
    spam guards nor the consent box of an anonymous sender apply. Bureau staff review it like a public demand."""

    class Meta(PublicDemandForm.Meta):
        fields = [f for f in PublicDemandForm.Meta.fields if f not in ("enterprise_name", "credit_code", "region")]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("website", "token", "consent"):
            del self.fields[name]

    def clean_deadline(self):
        value = self.cleaned_data.get("deadline")
        if value and value != self.initial.get("deadline") and value <= timezone.localdate():
            raise ValidationError(_("The date must be in the future."))
        return value


class ConsentWithdrawForm(forms.Form):
    """Withdrawing a public form's consent: the reference shown after sending and the contact phone given."""

    reference = forms.CharField(label=_("Reference"), max_length=16)
    contact = forms.CharField(label=_("Contact phone"), max_length=20)


class ExpertForm(RegionsMixin, RemapErrorsMixin, forms.ModelForm):
    all_regions_by_default = True

    fields = forms.MultipleChoiceField(
        label=_("Other fields"), choices=TechField.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = Expert
        fields = [
            "name",
            "institution",
            "title",
            "field",
            "fields",
            "expertise",
            "past_projects",
            "phone",
            "email",
            "region",
        ]
        field_classes = {"region": RegionChoiceField}


class VocabularyForm(RemapErrorsMixin, forms.ModelForm):
    error_field_map = {"technical": "technical_text"}

    technical_text = forms.CharField(label=_("Technical terms"), help_text=_("separate with 、 or commas"))

    class Meta:
        model = VocabularyTerm
        fields = ["lay", "technical_text", "industry", "source", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["technical_text"].initial = "、".join(self.instance.technical)

    def clean(self):
        data = super().clean()
        self.instance.technical = split_terms(data.get("technical_text", ""))
        return data


# Check-query terms may hold spaces ("machine vision"): split on commas, 、, semicolons and new lines only.
_SPLIT_LINES = re.compile(r"[、，,；;\r\n]+")


def split_term_lines(text: str) -> list[str]:
    return list(dict.fromkeys(t.strip() for t in _SPLIT_LINES.split(text or "") if t.strip()))


class MatchCheckForm(RemapErrorsMixin, forms.ModelForm):
    error_field_map = {"any_terms": "any_text", "all_terms": "all_text"}

    any_text = forms.CharField(
        label=_("Any of these terms"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "one per line or separated by commas; a record answers when its title or keywords hold one of them"
        ),
    )
    all_text = forms.CharField(
        label=_("All of these terms"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("optional; a record must also hold every one of these"),
    )

    class Meta:
        model = MatchCheck
        fields = ["query", "any_text", "all_text", "note", "is_active"]
        widgets = {"query": forms.Textarea(attrs={"rows": 2})}
        labels = {"is_active": pgettext_lazy("check query", "Active")}
        help_texts = {
            "query": _("the question as an enterprise would ask it"),
            "note": _("e.g. the industry and the technology the question is about"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["any_text"].initial = "、".join(self.instance.any_terms)
            self.fields["all_text"].initial = "、".join(self.instance.all_terms)

    def clean(self):
        data = super().clean()
        self.instance.any_terms = split_term_lines(data.get("any_text", ""))
        self.instance.all_terms = split_term_lines(data.get("all_text", ""))
        return data


class ContractForm(RegionsMixin, RemapErrorsMixin, forms.ModelForm):
    error_field_map = {"ip_numbers": "ip_text"}

    ip_text = forms.CharField(label=_("IP involved"), required=False, help_text=_("patent numbers, comma-separated"))

    class Meta:
        model = Contract
        fields = [
            "contract_type",
            "sub_type",
            "project_name",
            "subject",
            "tech_field",
            "region",
            "signed_on",
            "valid_from",
            "valid_until",
            "total_amount_wan",
            "in_writing",
            "seals_consistent",
            "monopolising_clauses",
            "quantified_goal",
            "acceptance_clause",
            "ip_ownership_stated",
            "ip_text",
            "licence_scope",
            "deliverable",
        ]
        widgets = {
            "signed_on": forms.DateInput(attrs={"type": "date"}),
            "valid_from": forms.DateInput(attrs={"type": "date"}),
            "valid_until": forms.DateInput(attrs={"type": "date"}),
            "subject": forms.Textarea(attrs={"rows": 3}),
        }
        field_classes = {"region": RegionChoiceField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["ip_text"].initial = ", ".join(self.instance.ip_numbers)

    def clean(self):
        data = super().clean()
        self.instance.ip_numbers = [p.upper() for p in split_terms(data.get("ip_text", ""))]
        return data


class PartyForm(RemapErrorsMixin, forms.ModelForm):
    class Meta:
        model = ContractParty
        fields = ["role", "name", "credit_code", "nature", "region", "region_code"]
        field_classes = {"region": RegionChoiceField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = OrgUnit.objects.regions().filter(parent__parent__isnull=True)
        self.fields["region"].required = False
        self.fields["region_code"].required = False
        self.fields["nature"].initial = InstitutionType.ENTERPRISE

    def clean(self):
        data = super().clean()
        if not data.get("region_code"):
            region = data.get("region")
            if region is None:
                self.add_error("region_code", _("Give the region code of a party outside the city."))
            else:
                data["region_code"] = region.region_code
                self.instance.region_code = data["region_code"]
        return data


class ItemForm(forms.ModelForm):
    class Meta:
        model = NonTechnicalItem
        fields = ["kind", "description", "quantity", "amount_wan"]


PartyFormSet = forms.modelformset_factory(ContractParty, form=PartyForm, extra=0, min_num=2, validate_min=True)
ItemFormSet = forms.modelformset_factory(NonTechnicalItem, form=ItemForm, extra=2, can_delete=True)


class StepForm(forms.Form):
    on = forms.DateField(label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RegisterForm(StepForm):
    technology_amount_wan = forms.DecimalField(
        label=_("Technology transaction amount (10k yuan)"), min_value=0, max_digits=14, decimal_places=4
    )
    amount_note = forms.CharField(label=_("Note on the approved amount"), required=False, max_length=300)
    registration_number = forms.CharField(
        label=_("Registration number"), required=False, max_length=20, help_text=_("empty: assigned automatically")
    )
