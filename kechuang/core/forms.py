from __future__ import annotations

import copy
from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.forms.boundfield import BoundField
from django.forms.renderers import DjangoTemplates
from django.forms.widgets import Widget
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kechuang.core.models import Liaison, OrgUnit
from kechuang.core.services import LIAISON_FIELDS

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


T = TypeVar("T")


def add_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Put a service's ValidationError on `form`: a field's errors on that field when the form has it, the rest
    (a plain message or list, or a field the form does not show) above the form. The one way every view does it."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


def save_or_errors(form: forms.BaseForm, save: Callable[[], T]) -> T | None:
    """Run a service for a valid form: its result, or None with the service's errors put on the form."""
    try:
        return save()
    except ValidationError as exc:
        add_service_errors(form, exc)
        return None


def error_messages(exc: ValidationError, model: type[models.Model] | None = None) -> list[str]:
    """A service's ValidationError as plain sentences (dict or list), for a page that shows them as messages; with
    `model`, a field's sentences start with the field's name (区域: …)."""
    if not hasattr(exc, "error_dict"):
        return [str(m) for m in exc.messages]
    labels = {f.name: str(f.verbose_name) for f in model._meta.fields} if model is not None else {}
    out = []
    for name, errors in exc.message_dict.items():
        label = labels.get(name, name) if model is not None and name != NON_FIELD_ERRORS else ""
        out.extend(f"{label}: {m}" if label else str(m) for m in errors)
    return out


def flash_errors(request: HttpRequest, exc: ValidationError, model: type[models.Model] | None = None) -> None:
    """Show a service's ValidationError as error messages on the next page (actions that redirect)."""
    for message in error_messages(exc, model):
        messages.error(request, message)


class RegionsMixin:
    """A model form whose `region` field lists `regions` (the writer's scope, passed by the view). Without them
    it lists every region when `all_regions_by_default`, else the model field's own choices."""

    all_regions_by_default = False

    def __init__(self, *args, regions: models.QuerySet | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if regions is None and self.all_regions_by_default:
            regions = OrgUnit.objects.regions()
        if regions is not None:
            self.fields["region"].queryset = regions


class LiaisonForm(forms.ModelForm):
    class Meta:
        model = Liaison
        fields = list(LIAISON_FIELDS)

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["org_unit"].queryset = units


class ArchiveForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)
