from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kechuang.core.selectors import regions_for
from kechuang.outreach import services
from kechuang.outreach.models import Dispatch, ServiceLog


class DispatchForm(forms.ModelForm):
    class Meta:
        model = Dispatch
        fields = list(services.DISPATCH_FIELDS)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions_for(user, writable=True)
        self.fields["served_name"].required = False
        self.fields["served_name"].help_text = _("a village dispatch may leave it empty: the village is the party")


class ServiceLogForm(forms.ModelForm):
    class Meta:
        model = ServiceLog
        fields = list(services.LOG_FIELDS)


class AssessmentForm(forms.Form):
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    score = forms.DecimalField(label=_("score"), min_value=0, max_value=100, decimal_places=1)
    comment = forms.CharField(label=_("comment"), max_length=300, required=False)


class EvaluationForm(forms.Form):
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    score = forms.DecimalField(label=_("score"), min_value=0, max_value=100, decimal_places=1)
    visitors = forms.IntegerField(label=_("visitors in the year"), min_value=0, required=False)


class RecogniseForm(forms.Form):
    level = forms.ChoiceField(
        label=_("new title"), choices=[("provincial", _("Provincial level")), ("national", _("National level"))]
    )
    year = forms.IntegerField(label=_("recognised in"), min_value=2000, max_value=2100)
    document_number = forms.CharField(label=_("recognition document"), max_length=100)
