"""Audit entries as a reader sees them: model and field names as their verbose names, values as labels.

The audit log stores what the program knows (`indicators.observation`, `region_id`, ISO datetimes in UTC,
choice codes); every history table — the audit log, a liaison's, a demand's, an achievement's — renders its
entries through `change_rows` and the template `includes/history_changes.html`, so none shows a raw code, and
personal fields are masked there (entries written before the log masked them are masked on the way out).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from kechuang.core.masking import mask_changes

EMPTY = "∅"


def _model(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def model_label(object_type: str) -> str:
    """`indicators.observation` → the model's verbose name in the active language (the code if unknown)."""
    model = _model(object_type)
    if model is not None:
        return str(model._meta.verbose_name)
    # Not a model (e.g. `techmarket.demo`, the demo loader's own entry): the module's name.
    try:
        return str(apps.get_app_config(object_type.partition(".")[0]).verbose_name)
    except LookupError:
        return object_type


def role_label(code: str) -> str:
    """A role code stored with an entry (`bureau_admin`) → the role's name."""
    from kechuang.core.roles import Role

    return str(Role(code).label) if code in Role.values else code


def changes_text(entry: Any) -> str:
    """The entry's changes on one line, for exports: 所在单位: 甲区 → 乙区；…"""
    return "；".join(f"{row.label}: {row.before} → {row.after}" for row in change_rows(entry))


def _field(model: type[models.Model] | None, name: str) -> models.Field | None:
    if model is None:
        return None
    for candidate in (name, name.removesuffix("_id")):
        try:
            return model._meta.get_field(candidate)
        except FieldDoesNotExist:
            continue
    return None


def field_label(object_type: str, name: str) -> str:
    """`region_id` of `core.liaison` → 所在单位 (the field's verbose name; the code if the field is gone)."""
    field = _field(_model(object_type), name)
    if field is None or not hasattr(field, "verbose_name"):
        return name
    return str(field.verbose_name)


def display_value(field: models.Field | None, value: Any, related: dict[tuple[Any, Any], str]) -> str:
    """One stored value as the reader should see it: a choice's label, 是/否, local time, the related record."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, str) and isinstance(field, models.DateTimeField):
        parsed = parse_datetime(value)
        if parsed is not None:
            if timezone.is_aware(parsed):
                parsed = timezone.localtime(parsed)
            return parsed.strftime("%Y-%m-%d %H:%M:%S")
    if field is not None and field.is_relation and field.many_to_one:
        key = (field.related_model, value)
        if key not in related:
            obj = field.related_model._default_manager.filter(pk=value).first()
            related[key] = str(obj) if obj is not None else f"#{value}"
        return related[key]
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, list | dict):
        return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    return str(value)


@dataclass(frozen=True)
class ChangeRow:
    label: str
    before: str
    after: str
    is_code: bool = False  # a code shown on purpose (user name, unit code): the template wraps it in <code>


def _is_code(name: str) -> bool:
    return name in {"username", "code", "prefix"} or name.endswith("_code")


def change_rows(entry: Any) -> list[ChangeRow]:
    """The entry's {field: [before, after]} as labelled, displayable rows."""
    model = _model(entry.object_type)
    related: dict[tuple[Any, Any], str] = {}
    rows = []
    for name, pair in mask_changes(entry.changes or {}).items():
        before, after = [*pair, None, None][:2] if isinstance(pair, list | tuple) else (None, pair)
        field = _field(model, name)
        rows.append(
            ChangeRow(
                label=str(field.verbose_name) if field is not None else name,
                before=display_value(field, before, related),
                after=display_value(field, after, related),
                is_code=_is_code(name) and not (field is not None and field.choices),
            )
        )
    return rows
