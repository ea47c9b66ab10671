from __future__ import annotations

import copy

from django import forms
from django.forms.boundfield import BoundField
from django.forms.renderers import DjangoTemplates
from django.forms.widgets import Widget
from django.utils.translation import gettext_lazy as _

from kechuang.core.models import Liaison

# The only formats a browser's date and datetime-local inputs accept (HTML §2.3.5). Django renders dates in the
# language's first input format (2027/08/26 in zh-hans); the input then shows empty and a save wipes the date.
ISO_DATE = "%Y-%m-%d"
ISO_DATETIME = "%Y-%m-%dT%H:%M"


def iso_widget(widget: Widget) -> Widget:
    """The widget as a browser date (or datetime) picker with its value in ISO format; other widgets unchanged."""
    if isinstance(widget, forms.DateTimeInput):
        iso = copy.copy(widget)
        iso.input_type, iso.format = "datetime-local", ISO_DATETIME
        return iso
    if isinstance(widget, forms.DateInput):
        iso = copy.copy(widget)
        iso.input_type, iso.format = "date", ISO_DATE
        return iso
    return widget


class IsoDateBoundField(BoundField):
    """Renders every date and datetime field of every form as an ISO-valued picker (see `FormRenderer`)."""

    def as_widget(self, widget=None, attrs=None, only_initial=False):
        return super().as_widget(iso_widget(widget or self.field.widget), attrs, only_initial)


class FormRenderer(DjangoTemplates):
    """The project's form renderer (settings.FORM_RENDERER): it applies to every form of every module, including
    formsets and forms added later, so no form can bring the localised date format back."""

    bound_field_class = IsoDateBoundField


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
