from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kechuang.core.models import Liaison


class LiaisonForm(forms.ModelForm):
    class Meta:
        model = Liaison
        fields = ["org_unit", "name", "position", "phone", "email", "note"]

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["org_unit"].queryset = units


class ArchiveForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)
