"""One declaration of an entity's fields, read by its form, import columns, export columns, API schemas and detail page.

A module declares, beside the model, which of the model's fields each *use* shows and in what order:

    DEMAND_FIELDS = EntityFields(Demand, ["title", EntityField("region", label=_("Region")), ...],
                                 orders={"export": [...]})

Everything else comes from the model field: the label (verbose_name, capitalised), the help text, the import
column's kind and whether it is required, the API type and default, the export cell and the detail value. An entry
only states what differs (a label the page words otherwise, an import header kept for existing files, a detail row
that combines fields). A field added to the model and to the declaration therefore shows in every use without
editing the form, importer, export, API or template (`tests/core/test_entity_fields.py` holds every declaration to
this). `orders` fixes the order of a use where it differs from the declaration's; names it does not list follow in
declaration order, so a new field never has to be added there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pydantic
from django.db import models
from django.utils import translation
from django.utils.text import capfirst
from ninja import Schema

from kechuang.core.models import OrgUnit

FORM, IMPORT, EXPORT, API_IN, API_OUT, DETAIL = "form", "import", "export", "api_in", "api_out", "detail"
USES = frozenset({FORM, IMPORT, EXPORT, API_IN, API_OUT, DETAIL})


@dataclass(frozen=True)
class EntityField:
    """One model field and where it shows; every setting but `name` is an exception to what the model says."""

    name: str
    uses: frozenset[str] = USES
    label: Any = None  # the page's and export's label, when it differs from the capitalised verbose_name
    import_header: str = ""  # the import column's header (Chinese), when it differs from the verbose_name's
    import_kind: str = ""  # the import column's kind, when it differs from the one the model field implies
    choices: Any = None  # the choices of a list field's items (a TextChoices): import column, display
    display: Callable[[Any], Any] | None = None  # the value a reader sees, when the generic one does not fit
    export: Callable[[Any], Any] | None = None  # the export cell, when it differs from the displayed value
    detail_template: str = ""  # a template drawing this row of the detail page (fields shown together)
    detail_if_set: bool = False  # the detail page shows the row only when the field has a value
    # A personal field some readers see masked: the export's caller supplies its cell, the detail page draws it with
    # its template, and the API shows it only through the caller's own (masking) schema.
    masked: bool = False

    def __post_init__(self) -> None:
        unknown = set(self.uses) - USES
        if unknown:
            raise ValueError(f"{self.name}: unknown uses {sorted(unknown)}")
        if self.masked and (API_OUT in self.uses or (DETAIL in self.uses and not self.detail_template)):
            raise ValueError(f"{self.name}: masked: the API and detail page show it only as their caller masks it")


@dataclass(frozen=True)
class DetailRow:
    """One row of a detail page's facts list (`includes/entity_fields.html`)."""

    name: str
    label: str
    value: Any
    multiline: bool = False
    template: str = ""


@dataclass
class EntityFields:
    """The declaration of `model`'s fields: `entries` in order (a plain name stands for `EntityField(name)`)."""

    model: type[models.Model]
    entries: Sequence[EntityField | str]
    orders: Mapping[str, Sequence[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.entries = [e if isinstance(e, EntityField) else EntityField(e) for e in self.entries]
        self._by_name = {e.name: e for e in self.entries}
        for name in self._by_name:
            self.model._meta.get_field(name)  # a misspelt name fails at import, not on a page
        for use, names in self.orders.items():
            missing = [n for n in names if n not in self._by_name or use not in self._by_name[n].uses]
            if missing:
                raise ValueError(f"{self.model.__name__} order of {use} names fields it does not show: {missing}")

    # ------------------------------------------------------------ what each use shows
    def names(self, use: str) -> list[str]:
        """The fields `use` shows, in its order."""
        shown = [e.name for e in self.entries if use in e.uses]
        first = [n for n in self.orders.get(use, ()) if n in shown]
        return first + [n for n in shown if n not in first]

    def nullable(self, use: str) -> frozenset[str]:
        """The fields of `use` that may be set to null (a PATCH body's null clears them; others refuse it)."""
        return frozenset(n for n in self.names(use) if self.model_field(n).null)

    def entry(self, name: str) -> EntityField:
        return self._by_name[name]

    def model_field(self, name: str) -> models.Field:
        return self.model._meta.get_field(name)

    def label(self, name: str) -> str:
        """The label a page or an export shows (in the active language)."""
        entry = self._by_name[name]
        return str(entry.label) if entry.label is not None else capfirst(str(self.model_field(name).verbose_name))

    # ------------------------------------------------------------ form
    def form_fields(self) -> list[str]:
        """`Meta.fields` of the entity's ModelForm (labels and help texts come from the model)."""
        return self.names(FORM)

    # ------------------------------------------------------------ import
    def import_columns(self, column: Callable[..., Any]) -> list[Any]:
        """The import columns, built by `column(key, header, kind, required, choices)`. The kinds are core.imports'
        (text, code, date, int, money, bool, region) plus label, labels and longtext, as the technology market's
        column class reads them."""
        return [column(n, self.import_header(n), *self._import_kind(n)) for n in self.names(IMPORT)]

    def import_header(self, name: str) -> str:
        entry = self._by_name[name]
        if entry.import_header:
            return entry.import_header
        with translation.override("zh-hans"):  # the templates are Chinese
            return str(self.model_field(name).verbose_name)

    def _import_kind(self, name: str) -> tuple[str, bool, Any]:
        f, entry = self.model_field(name), self._by_name[name]
        required = not f.blank
        kind = entry.import_kind
        if not kind:
            if entry.choices and isinstance(f, models.JSONField):
                kind = "labels"
            elif f.choices:
                kind = "label"
            elif isinstance(f, models.ForeignKey) and f.related_model is OrgUnit:
                kind = "region"
            elif isinstance(f, models.ForeignKey):
                raise ValueError(f"{name}: give the import kind of a link to {f.related_model.__name__}")
            elif isinstance(f, models.TextField):
                kind = "longtext"
            elif isinstance(f, models.DecimalField):
                kind = "money"
            elif isinstance(f, models.DateTimeField | models.DateField):
                kind = "date"
            elif isinstance(f, models.BooleanField):
                kind = "bool"
            elif isinstance(f, models.IntegerField):
                kind = "int"
            else:
                kind = "text"
        return kind, required, entry.choices or f.choices or None

    def build(self, row: Mapping[str, Any], **extra: Any) -> models.Model:
        """A new (unsaved) record from a parsed import row: an empty cell gives the field's default where the
        field cannot be null."""
        values = {}
        for name in self.names(IMPORT):
            value = row[name]
            f = self.model_field(name)
            values[name] = f.get_default() if value is None and not f.null else value
        return self.model(**values, **extra)

    # ------------------------------------------------------------ export
    def export_headers(self) -> list[str]:
        return [self.label(n) for n in self.names(EXPORT)]

    def export_row(self, obj: models.Model, values: Mapping[str, Callable[[Any], Any]] | None = None) -> list[Any]:
        """One record's export cells; `values` replaces cells the caller decides (masked personal fields)."""
        values = values or {}
        out = []
        for name in self.names(EXPORT):
            fn = values.get(name) or self._by_name[name].export
            if fn is None and self._by_name[name].masked:
                raise ValueError(f"{name} is masked for some readers: the export must give its cell")
            out.append(fn(obj) if fn else self.display(obj, name))
        return out

    def display(self, obj: models.Model, name: str) -> Any:
        """The value as a reader sees it: a choice's label, a related record's name, a list joined by 、 (its items'
        labels when the entry has choices)."""
        f, entry = self.model_field(name), self._by_name[name]
        if entry.display is not None:
            return entry.display(obj)
        if f.choices:
            return obj._get_FIELD_display(f)
        value = getattr(obj, name)
        if isinstance(f, models.ForeignKey):
            return "" if value is None else getattr(value, "name", str(value))
        if isinstance(value, list):
            labels = dict(getattr(entry.choices, "choices", entry.choices) or ())
            return "、".join(str(labels.get(v, v)) for v in value)
        return value

    # ------------------------------------------------------------ API
    def schema(
        self,
        name: str,
        use: str,
        *,
        patch: bool = False,
        first: Mapping[str, Any] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> type[Schema]:
        """A django-ninja schema of `use` (API_IN or API_OUT). `first` and `extra` are annotations placed before and
        after the fields (an id, a nested contact). A related record travels as its code (a string). `patch`: every
        field optional and null by default (a PATCH body sends only what changes)."""
        spec: dict[str, Any] = {key: (annotation, ...) for key, annotation in (first or {}).items()}
        for field_name in self.names(use):
            f = self.model_field(field_name)
            annotation = _api_type(f)
            if patch:
                spec[field_name] = (annotation | None, None)
            elif use == API_OUT:
                spec[field_name] = (annotation, ...)
            else:
                spec[field_name] = (annotation, _api_default(f))
        spec |= {key: (annotation, ...) for key, annotation in (extra or {}).items()}
        return pydantic.create_model(name, __base__=Schema, __module__=self.model.__module__, **spec)

    # ------------------------------------------------------------ detail page
    def detail_rows(self, obj: models.Model) -> list[DetailRow]:
        """The detail page's facts, in order (render with `includes/entity_fields.html`)."""
        rows = []
        for name in self.names(DETAIL):
            entry, f = self._by_name[name], self.model_field(name)
            value = self.display(obj, name)
            if entry.detail_if_set and value in (None, "", []):
                continue
            if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
                value = value.isoformat()  # as the pages write dates: 2027-08-26
            rows.append(
                DetailRow(
                    name=name,
                    label=self.label(name),
                    value=value,
                    multiline=isinstance(f, models.TextField),
                    template=entry.detail_template,
                )
            )
        return rows


def _api_type(f: models.Field) -> Any:
    if isinstance(f, models.ForeignKey):
        base: Any = str  # a related record by its code
    elif isinstance(f, models.DecimalField):
        base = Decimal
    elif isinstance(f, models.DateTimeField):
        base = dt.datetime
    elif isinstance(f, models.DateField):
        base = dt.date
    elif isinstance(f, models.BooleanField):
        base = bool
    elif isinstance(f, models.IntegerField):
        base = int
    elif isinstance(f, models.JSONField):
        base = list[str]
    else:
        base = str
    return base | None if f.null else base


def _api_default(f: models.Field) -> Any:
    """An input field's default: required (...) unless the model lets it be empty."""
    if f.null:
        return None
    if f.has_default():
        default = f.get_default()
        return list(default) if isinstance(default, list) else default
    if f.blank:
        return [] if isinstance(f, models.JSONField) else ""
    return ...
