"""Import of loans from Excel (the banks' or districts' monthly lists): one sheet 贷款, the columns of the loan's
field declaration (models.LOAN_FIELDS). Every row is checked before anything is written: the credit code must be an
active firm of the register, in the importer's area; the whole file is written in one transaction, or nothing."""

from __future__ import annotations

import io
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kechuang.core import registry
from kechuang.core.imports import (
    Column,
    Importer,
    RowError,
    Sheet,
    cell_text,
    choice_labels,
    locate_columns,
    model_errors,
    parse_cell,
    read_workbook,
)
from kechuang.core.models import OrgUnit
from kechuang.core.scope import can_write_unit
from kechuang.finance.models import LOAN_FIELDS, Loan
from kechuang.finance.services import loan_create

SHEET = "贷款"
CENTS = Decimal("0.01")
MAX_ROWS = 20_000


def _column(key: str, header: str, kind: str, required: bool, choices: Any) -> Column:
    return Column(key, header, "choice" if kind == "label" else kind, required, choices or ())


def columns() -> list[Column]:
    return LOAN_FIELDS.import_columns(_column)


def template_response() -> HttpResponse:
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1})
    sheet = book.add_worksheet(SHEET)
    for c, col in enumerate(columns()):
        sheet.write(0, c, f"{col.label} *" if col.required else col.label, bold)
        sheet.set_column(c, c, max(12, len(col.label) * 2 + 4))
        if col.kind == "choice":
            sheet.data_validation(1, c, MAX_ROWS, c, {"validate": "list", "source": choice_labels(col.choices)})
    sheet.freeze_panes(1, 0)
    book.close()
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="loans-template.xlsx"'
    return response


class LoanImport(Importer):
    kind = "finance_loans"
    label = gettext_lazy("Import loans")
    audit_type = "finance.loan"
    page_url = "finance:loan_import"
    max_upload_mb = 10

    def read(self, path: Path, filename: str) -> list[Sheet]:
        return read_workbook(path, {SHEET: "loans"}, max_rows=MAX_ROWS, first_if_none=True)

    def check(self, actor: Any, sheets: list[Sheet], progress: Callable[[int], None]) -> tuple[Any, list[RowError]]:
        sheet = sheets[0]
        cols = columns()
        errors: list[RowError] = []
        missing = locate_columns(sheet, [(c.key, c.label, c.required) for c in cols])
        for label in missing:
            errors.append(RowError(sheet.title, 1, label, "", _("required column missing")))
        if missing:
            return [], errors
        parsed: list[tuple[int, dict[str, Any]]] = []
        for number, cells in sheet.rows[1:]:
            if all(cell_text(v) == "" for v in cells):
                continue
            row: dict[str, Any] = {}
            bad = False
            for col in cols:
                pos = sheet.positions.get(col.key)
                raw = cells[pos] if pos is not None and pos < len(cells) else None
                try:
                    value = parse_cell(col, raw, {})
                    # money cells arrive with six places; 500.000000 is 500.00, 3.456 stays and is refused below
                    if isinstance(value, Decimal) and value == value.quantize(CENTS):
                        value = value.quantize(CENTS)
                    row[col.key] = value
                except ValueError as exc:
                    errors.append(RowError(sheet.title, number, col.label, cell_text(raw), str(exc), col.key))
                    bad = True
            if not bad:
                parsed.append((number, row))
        profiles = {p["credit_code"]: p for p in registry.enterprise_profiles({r["credit_code"] for _n, r in parsed})}
        regions = {u.pk: u for u in OrgUnit.objects.filter(pk__in={p["region_id"] for p in profiles.values()})}
        label = {c.key: c.label for c in cols}
        clean = []
        for i, (number, row) in enumerate(parsed):
            progress(i)
            profile = profiles.get(row["credit_code"])
            if profile is None:
                errors.append(
                    RowError(
                        sheet.title,
                        number,
                        label["credit_code"],
                        row["credit_code"],
                        _("no active enterprise of the register has this credit code"),
                        "credit_code",
                    )
                )
                continue
            if not can_write_unit(actor, regions[profile["region_id"]]):
                errors.append(
                    RowError(
                        sheet.title,
                        number,
                        label["credit_code"],
                        row["credit_code"],
                        _("this enterprise is outside your area"),
                        "credit_code",
                    )
                )
                continue
            values = {k: v for k, v in row.items() if v is not None}
            problems = model_errors(Loan, values, sheet=sheet.title, row=number, labels=label)
            if problems:
                errors.extend(problems)
                continue
            clean.append((number, values))
        return clean, errors

    def write(self, actor: Any, clean: Any, errors: list[RowError], job: Any) -> dict[str, int]:
        if errors:
            return {}
        created = 0
        for number, values in clean:
            try:
                loan_create(actor=actor, data=values)
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    errors.append(RowError(SHEET, number, field, "", "；".join(messages), field))
                continue
            created += 1
        return {"created": created}

    def done_message(self, counts: dict[str, int]) -> str:
        return _("Imported: %(n)s loans.") % {"n": counts.get("created", 0)}
