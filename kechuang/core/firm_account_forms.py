"""Forms of the enterprise portal accounts (services: core.firm_accounts)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kechuang.core.validators import validate_credit_code, validate_mobile

CONSENT_REQUIRED = _("Consent is required: tick the box to agree to the privacy notice.")


class RegistrationForm(forms.Form):
    """The public page where a firm asks for a portal account."""

    credit_code = forms.CharField(
        label=_("Unified social credit code"),
        min_length=18,
        max_length=18,
        validators=[validate_credit_code],
        help_text=_("18 characters, as on the business licence"),
    )
    organisation = forms.CharField(label=_("Enterprise name"), max_length=200)
    contact_name = forms.CharField(label=_("Your name"), max_length=100)
    email = forms.EmailField(label=_("E-mail"), max_length=254)
    mobile = forms.CharField(label=_("Mobile phone"), max_length=20, validators=[validate_mobile])
    username = forms.CharField(label=_("User name"), max_length=150)
    password1 = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    invitation_code = forms.CharField(
        label=_("Invitation code"),
        required=False,
        max_length=40,
        help_text=_(
            "If the bureau or your district gave you one, the account is active at once; otherwise the "
            "district confirms it."
        ),
    )
    consent = forms.BooleanField(
        label=_("I agree that the bureau stores these details to check my request and to run my account."),
        error_messages={"required": CONSENT_REQUIRED},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password1"].help_text = password_validators_help_text_html()
        self.fields["credit_code"].widget.attrs.update(autocomplete="off", spellcheck="false")
        self.fields["mobile"].widget.attrs.update(inputmode="tel", autocomplete="tel")
        self.fields["username"].widget.attrs.update(autocomplete="username")

    def clean_credit_code(self) -> str:
        return self.cleaned_data["credit_code"].strip().upper()

    def clean_password2(self) -> str:
        first, second = self.cleaned_data.get("password1"), self.cleaned_data.get("password2")
        if first and second and first != second:
            raise ValidationError(_("The two passwords differ."))
        return second or ""

    def submission(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["password"] = data.pop("password1")
        data.pop("password2", None)
        data.pop("consent", None)
        return data


class DecisionForm(forms.Form):
    reason = forms.CharField(label=_("Reason (told to the enterprise when refusing)"), max_length=300, required=False)


class InvitationForm(forms.Form):
    credit_code = forms.CharField(
        label=_("Unified social credit code"), min_length=18, max_length=18, validators=[validate_credit_code]
    )
    valid_days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=90, initial=30)

    def clean_credit_code(self) -> str:
        return self.cleaned_data["credit_code"].strip().upper()


class FirmUserForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    display_name = forms.CharField(label=_("Full name"), max_length=100)
    email = forms.EmailField(label=_("E-mail"), max_length=254, required=False)


class FirmTokenForm(forms.Form):
    """The firm administrator's form for a new API token (core.firm_tokens)."""

    name = forms.CharField(
        label=_("What the token is for"), max_length=100, help_text=_("e.g. the ERP system's nightly sync")
    )
    scope = forms.ChoiceField(
        label=_("Scope"),
        choices=[("read", _("Read only")), ("read_write", _("Read and write"))],
        initial="read",
        widget=forms.RadioSelect,
    )
    valid_days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=365, initial=90)
