"""The pieces every Excel import shares: column specs, cell parsing with reasons, row errors, the
annotated error workbook. Modules describe their sheets with `Column`s and keep their own upsert logic."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import translation
from django.utils.translation import gettext as _

from kechuang.core.models import OrgUnit
from kechuang.core.validators import credit_code_error

TRUE_WORDS = {"是", "true", "yes", "y", "1", "有"}
FALSE_WORDS = {"否", "false", "no", "n", "0", "无"}
# Excel stores a date as days since 1899-12-30; a date cell without a date format arrives as that number.
EXCEL_EPOCH = dt.date(1899, 12, 30)


class ImportRejected(Exception):
    """The upload itself is unusable (not a workbook, too large)."""


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str  # text | code | date | int | money | float | bool | choice | region
    required: bool = False
    # For "choice": a TextChoices (the drop-down shows its Chinese labels; a cell may hold the Chinese or
    # English label or the code) or a plain tuple of accepted values.
    choices: Any = ()
    signed: bool = False  # a number that may be negative (net profit)


def _pairs(choices: Any) -> list[tuple[str, Any]] | None:
    """(code, lazy label) pairs of a TextChoices or a model field's choices; None for plain values."""
    if isinstance(choices, type) and issubclass(choices, models.Choices):
        return list(choices.choices)
    if choices and all(isinstance(c, list | tuple) and len(c) == 2 for c in choices):
        return [tuple(c) for c in choices]
    return None


def choice_labels(choices: Any) -> list[str]:
    """What a template's drop-down offers: the Chinese labels (the templates are Chinese), never the codes."""
    pairs = _pairs(choices)
    if pairs is None:
        return list(choices)
    with translation.override("zh-hans"):
        return [str(label) for _value, label in pairs]


def choice_lookup(choices: Any) -> dict[str, str]:
    """Cell text → code: the Chinese and English labels, and the code itself (files made before labels)."""
    pairs = _pairs(choices)
    if pairs is None:
        return {value: value for value in choices}
    out: dict[str, str] = {}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            out |= {str(label): value for value, label in pairs}
    return out | {value: value for value, _label in pairs}


@dataclass
class RowError:
    sheet: str
    row: int
    column: str
    value: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "value": self.value, "reason": self.reason}


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_cell(col: Column, raw: Any, regions: dict[str, OrgUnit]) -> Any:
    """The cell's value, or raise ValueError with the reason (shown with the sheet, row and column)."""
    text = cell_text(raw)
    if text == "":
        if col.required:
            raise ValueError(_("required"))
        return "" if col.kind == "text" else None
    if col.kind == "text":
        return text[:300]
    if col.kind == "code":
        code = text.upper()
        error = credit_code_error(code)
        if error:
            raise ValueError(error)
        return code
    if col.kind == "region":
        unit = regions.get(text)
        if unit is None:
            raise ValueError(_("not a region you may manage"))
        return unit
    if col.kind == "date":
        if isinstance(raw, dt.datetime):
            return raw.date()
        if isinstance(raw, dt.date):
            return raw
        if isinstance(raw, int | float) and not isinstance(raw, bool) and 1 <= raw < 2_958_466:
            return EXCEL_EPOCH + dt.timedelta(days=int(raw))
        try:
            return dt.date.fromisoformat(text.replace("/", "-"))
        except ValueError:
            raise ValueError(_("not a date (YYYY-MM-DD)")) from None
    if col.kind == "int":
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(_("not a whole number")) from None
        if number != number.to_integral_value() or number < 0:
            raise ValueError(_("must be a whole number, 0 or more"))
        return int(number)
    if col.kind in ("money", "float"):
        try:
            number = Decimal(text.replace(",", ""))
        except InvalidOperation:
            raise ValueError(_("not a number")) from None
        if not number.is_finite():
            raise ValueError(_("not a number"))
        if number < 0 and not col.signed:
            raise ValueError(_("must not be negative"))
        return number.quantize(Decimal("0.000001")) if col.kind == "money" else float(number)
    if col.kind == "bool":
        lowered = text.lower()
        if lowered in TRUE_WORDS:
            return True
        if lowered in FALSE_WORDS:
            return False
        raise ValueError(_("answer 是 or 否"))
    if col.kind == "choice":
        lookup = choice_lookup(col.choices)
        if text not in lookup:
            raise ValueError(_("one of: %(choices)s") % {"choices": "、".join(choice_labels(col.choices))})
        return lookup[text]
    raise AssertionError(col.kind)


def shown(value: Any) -> str:
    """A parsed value as the row error shows it: 是/否, a unit's name, the text."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if value is None:
        return ""
    return str(getattr(value, "name", value))


def validation_errors(
    sheet: str, row: int, exc: ValidationError, labels: dict[str, str], values: dict[str, Any]
) -> list[RowError]:
    """A model's ValidationError as row errors: each message under the label of the column its field came from
    (`labels`: model field → column label; `values`: model field → parsed value)."""
    items = exc.message_dict.items() if hasattr(exc, "error_dict") else [("", exc.messages)]
    out = []
    for name, messages in items:
        label = labels.get(name, "" if name in ("", "__all__") else name)
        for message in messages:
            out.append(RowError(sheet, row, label, shown(values.get(name))[:100], message))
    return out


def model_errors(
    model: type[models.Model], values: dict[str, Any], *, sheet: str, row: int, labels: dict[str, str]
) -> list[RowError]:
    """The model's own checks (field validators, lengths, `clean`) on one parsed row, before anything is written,
    so that they are reported together with the cell errors (one pass). Only the fields the row gives are checked:
    an empty or unparsable cell is left to the cell check and to the defaults; uniqueness and constraints across
    rows are the module's cross-row checks and upsert's business."""
    names = {f.name for f in model._meta.concrete_fields}
    given = {k: v for k, v in values.items() if k in names and v is not None}
    try:
        model(**given).full_clean(
            exclude=[n for n in names if n not in given], validate_unique=False, validate_constraints=False
        )
    except ValidationError as exc:
        return validation_errors(sheet, row, exc, labels, given)
    return []


def annotated_workbook(sheets: dict[str, list[tuple[int, list[Any]]]], errors: list[RowError]) -> bytes:
    """The uploaded rows, sheet by sheet, with an error column; rows with errors in red."""
    import xlsxwriter

    by_row: dict[tuple[str, int], list[RowError]] = {}
    for e in errors:
        by_row.setdefault((e.sheet, e.row), []).append(e)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    red = book.add_format({"bg_color": "#FDE2E1", "font_color": "#9C0006"})
    for title, rows in sheets.items():
        ws = book.add_worksheet(title[:31])
        width = max((len(cells) for _n, cells in rows), default=0)
        for number, cells in rows:
            problems = by_row.get((title, number), [])
            ws.write_row(number - 1, 0, [cell_text(c) for c in cells], red if problems and number > 1 else None)
            if number == 1:
                ws.write(0, width, "错误 Errors")
            elif problems:
                ws.write(number - 1, width, "；".join(f"{p.column}（{p.value}）：{p.reason}" for p in problems), red)
    book.close()
    return buffer.getvalue()
