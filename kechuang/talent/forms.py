from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kechuang.core.models import OrgUnit
from kechuang.talent.models import (
    Application,
    CardGrade,
    ForeignExpert,
    ForeignProject,
    SelectionRound,
    ServiceItem,
    Talent,
    Team,
    Visit,
)
from kechuang.talent.services import TALENT_FIELDS


class TalentForm(forms.ModelForm):
    class Meta:
        model = Talent
        fields = list(TALENT_FIELDS)
        widgets = {
            "birth_date": forms.DateInput(attrs={"type": "date"}),
            "arrival_date": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args: Any, regions: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions if regions is not None else OrgUnit.objects.regions()

    def _post_clean(self) -> None:
        # The service validates (ID check digit, duplicates, employer) inside its transaction.
        pass


class ApplicationForm(forms.Form):
    round = forms.ModelChoiceField(label=_("Round"), queryset=SelectionRound.objects.filter(is_open=True))
    talent = forms.ModelChoiceField(label=_("Talent"), queryset=Talent.objects.none())
    category = forms.CharField(label=_("Category"), max_length=50, required=False)
    requested_wan = forms.DecimalField(label=_("Requested (10k yuan)"), min_value=0, max_digits=10, decimal_places=2)

    def __init__(self, *args: Any, talents: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if talents is not None:
            self.fields["talent"].queryset = talents


class StepForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    on = forms.DateField(label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    amount_wan = forms.DecimalField(
        label=_("Amount (10k yuan)"), required=False, min_value=0, max_digits=10, decimal_places=2
    )
    approved_wan = forms.DecimalField(
        label=_("Approved (10k yuan)"), required=False, min_value=0, max_digits=10, decimal_places=2
    )


class ReviewForm(forms.Form):
    conflict = forms.BooleanField(label=_("I have a conflict of interest"), required=False)
    conflict_note = forms.CharField(label=_("Conflict"), max_length=200, required=False)
    score = forms.IntegerField(label=_("Review score"), min_value=0, max_value=100, required=False)
    comment = forms.CharField(label=_("Review comment"), max_length=500, required=False)


STATE_CHOICES = Application.State.choices


class CardApplyForm(forms.Form):
    talent = forms.ModelChoiceField(label=_("Talent"), queryset=Talent.objects.none())
    grade = forms.ModelChoiceField(label=_("Card and grade"), queryset=CardGrade.objects.select_related("card_type"))

    def __init__(self, *args: Any, talents: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if talents is not None:
            self.fields["talent"].queryset = talents


class RequestForm(forms.Form):
    talent = forms.ModelChoiceField(label=_("Talent"), queryset=Talent.objects.none())
    item = forms.ModelChoiceField(label=_("Service item"), queryset=ServiceItem.objects.filter(is_active=True))
    detail = forms.CharField(label=_("What is asked"), max_length=500, required=False, widget=forms.Textarea)

    def __init__(self, *args: Any, talents: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if talents is not None:
            self.fields["talent"].queryset = talents


class TeamForm(forms.ModelForm):
    """A talent team; the leader among the talents the user may manage, the members among those they may see (and
    whoever is already on the team, so that an edit keeps another district's member)."""

    class Meta:
        model = Team
        fields = ["name", "leader", "members", "field", "programme", "platforms"]

    def __init__(self, *args: Any, leaders: Any = None, members: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = self.instance.members.all() if self.instance.pk else Talent.objects.none()
        leader = Talent.objects.filter(pk=self.instance.leader_id) if self.instance.pk else Talent.objects.none()
        if leaders is not None:
            self.fields["leader"].queryset = (leaders | leader).distinct().order_by("name", "pk")
        if members is not None:
            self.fields["members"].queryset = (members | current).distinct().order_by("name", "pk")
        self.fields["members"].help_text = _("Hold Ctrl (⌘ on a Mac) to choose several.")


class ForeignExpertForm(forms.ModelForm):
    """A foreign expert: a talent of the register, its host unit (linked to the register by credit code), the
    programme it came under and the region that hosts it."""

    class Meta:
        model = ForeignExpert
        fields = ["talent", "host_credit_code", "host_name", "programme", "region"]

    def __init__(self, *args: Any, talents: Any = None, regions: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["talent"]  # the record is the talent's; another talent is another record
        elif talents is not None:
            self.fields["talent"].queryset = talents
        if regions is not None:
            current = OrgUnit.objects.filter(pk=self.instance.region_id) if self.instance.pk else OrgUnit.objects.none()
            self.fields["region"].queryset = (regions | current).distinct()

    def _post_clean(self) -> None:
        pass  # the service validates inside its transaction


class VisitForm(forms.ModelForm):
    class Meta:
        model = Visit
        fields = ["expert", "arrived_on", "left_on", "purpose"]
        widgets = {
            "arrived_on": forms.DateInput(attrs={"type": "date"}),
            "left_on": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args: Any, experts: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if experts is not None:
            self.fields["expert"].queryset = experts.select_related("talent")
        self.fields["expert"].label_from_instance = lambda e: f"{e.talent.name}（{e.talent.nationality}）"

    def _post_clean(self) -> None:
        pass


class ForeignProjectForm(forms.ModelForm):
    class Meta:
        model = ForeignProject
        fields = [
            "title",
            "host_credit_code",
            "host_name",
            "region",
            "level",
            "year",
            "funding_wan",
            "experts",
            "outcomes",
            "in_library",
        ]

    def __init__(
        self, *args: Any, experts: Any = None, regions: Any = None, library: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if not library:
            del self.fields["in_library"]  # the bureau decides what the outcomes library shares
        if experts is not None:
            current = self.instance.experts.all() if self.instance.pk else ForeignExpert.objects.none()
            self.fields["experts"].queryset = (experts | current).distinct().select_related("talent")
        self.fields["experts"].label_from_instance = lambda e: f"{e.talent.name}（{e.talent.nationality}）"
        self.fields["experts"].required = False
        if regions is not None:
            current = OrgUnit.objects.filter(pk=self.instance.region_id) if self.instance.pk else OrgUnit.objects.none()
            self.fields["region"].queryset = (regions | current).distinct()

    def _post_clean(self) -> None:
        pass


class RegistrationForm(forms.Form):
    """A talent asks for a portal account. Every check here is one an anonymous visitor may be told (the number's
    own check digit, the user name, the password rules); whether the number is in the register is not."""

    id_number = forms.CharField(label=_("ID number"), max_length=32, help_text=_("As given to your district."))
    name = forms.CharField(label=_("Your name"), max_length=50)
    phone = forms.CharField(label=_("Mobile phone"), max_length=20, help_text=_("The number your district holds."))
    username = forms.CharField(label=_("User name"), max_length=150)
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(
        label=_("Password again"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean_id_number(self) -> str:
        from kechuang.talent.engines import idcard
        from kechuang.talent.models import ID_PROBLEMS

        value = idcard.normalise(self.cleaned_data["id_number"])
        # 18 characters: a resident ID card, checked by GB 11643 (a passport number is checked by the district)
        if len(value) == 18 and value[:17].isdigit() and (problem := idcard.problem(value)):
            raise forms.ValidationError(ID_PROBLEMS[problem])
        return value

    def clean_username(self) -> str:
        from kechuang.core.registration import check_username

        return check_username(self.cleaned_data["username"])

    def clean(self) -> dict:
        from kechuang.core.registration import check_password

        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            try:
                check_password(first, username=data.get("username", ""), display_name=data.get("name", ""))
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data
