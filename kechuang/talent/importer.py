"""Excel import of the talent register: one sheet, one row per talent, all or nothing (core.imports does the upload
checks, the job, the progress and the annotated error workbook). Each row goes through `services.talent_create`
(the ID check digit, the duplicate check by blind index, the region the importer may manage)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kechuang.core.encrypted import blind_lookup
from kechuang.core.imports import (
    Column,
    Importer,
    RowError,
    Sheet,
    choice_labels,
    locate_columns,
    parse_cell,
    read_workbook,
)
from kechuang.core.models import OrgUnit
from kechuang.core.roles import Role
from kechuang.talent.engines import idcard
from kechuang.talent.models import Talent

TITLE = "人才"
MAX_ROWS = 20_000
COLUMNS = [
    Column("name", "姓名", "text", required=True),
    Column("id_type", "证件类型", "choice", choices=Talent.IdType),
    Column("id_number", "证件号码", "text", required=True),
    Column("phone", "手机号码", "text"),
    Column("degree", "学位", "choice", choices=Talent.Degree),
    Column("university", "毕业院校", "text"),
    Column("title", "职称", "text"),
    Column("discipline", "学科", "text"),
    Column("industry", "产业领域", "text"),
    Column("employer_credit_code", "用人单位统一社会信用代码", "code", required=True),
    Column("region", "所在区县", "region", required=True),
    Column("mode", "引进方式", "choice", choices=Talent.Mode),
    Column("arrival_date", "来淄日期", "date"),
]


def writable_regions(user: Any):
    regions = OrgUnit.objects.regions()
    if user.role == Role.DISTRICT_OFFICER:
        return regions.filter(pk=user.org_unit_id)
    from kechuang.core.permissions import is_bureau

    return regions if is_bureau(user) else regions.none()


def workbook_template(user: Any, sheets: list[tuple[str, list[Column]]], filename: str) -> HttpResponse:
    """The template workbook of the talent module's imports: a sheet each, required headers marked, the regions the
    user may manage and the choices as drop-downs (the talent import and the foreign-experts import)."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    head = book.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1})
    required = book.add_format({"bold": True, "bg_color": "#FCE8D5", "border": 1})
    regions = [r.name for r in writable_regions(user)]
    for title, columns in sheets:
        ws = book.add_worksheet(title)
        for c, col in enumerate(columns):
            ws.write(0, c, col.label + (" *" if col.required else ""), required if col.required else head)
            ws.set_column(c, c, max(12, len(col.label) * 2 + 2))
            options = {"region": regions, "choice": choice_labels(col.choices)}.get(col.kind)
            if options:
                ws.data_validation(1, c, MAX_ROWS, c, {"validate": "list", "source": options})
    book.close()
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def template_response(user: Any) -> HttpResponse:
    return workbook_template(user, [(TITLE, COLUMNS)], "talents-template.xlsx")


def missing_columns(sheet: Sheet, columns: list[Column], title: str, errors: list[RowError]) -> None:
    """Locate the sheet's columns by their headers; a required one absent is an error of row 1."""
    for label in locate_columns(sheet, [(c.key, c.label, c.required) for c in columns]):
        key = next(c.key for c in columns if c.label == label)
        errors.append(RowError(title, 1, label, "", _("column missing"), key))


def parsed_rows(
    sheet: Sheet,
    columns: list[Column],
    title: str,
    regions: dict,
    errors: list[RowError],
    progress: Callable[[int], None] | None,
) -> Iterator[tuple[int, dict[str, Any]]]:
    """The sheet's non-blank rows as (row number, {key: parsed value}), each cell parsed by its column; a cell that
    does not parse is an error naming the sheet `title`, row and column (and its key is left out of the row)."""
    for n, (number, cells) in enumerate(sheet.rows[1:], start=1):
        if progress and n % 500 == 0:
            progress(n)
        if not any(str(c or "").strip() for c in cells):
            continue
        row: dict[str, Any] = {}
        for col in columns:
            if col.key not in sheet.positions:
                continue
            pos = sheet.positions[col.key]
            raw = cells[pos] if pos < len(cells) else None
            try:
                row[col.key] = parse_cell(col, raw, regions)
            except ValueError as exc:
                errors.append(RowError(title, number, col.label, str(raw or ""), str(exc), col.key))
        yield number, row


def validate(actor: Any, sheets: list[Sheet], progress: Callable[[int], None] | None = None):
    allowed = list(writable_regions(actor))
    regions = {r.name: r for r in allowed} | {r.code: r for r in allowed}
    errors: list[RowError] = []
    clean: list[tuple[int, dict[str, Any]]] = []
    seen: dict[str, int] = {}
    for sheet in sheets:
        missing_columns(sheet, COLUMNS, TITLE, errors)
        for number, row in parsed_rows(sheet, COLUMNS, TITLE, regions, errors, progress):
            number_text = idcard.normalise(str(row.get("id_number") or ""))
            if row.get("id_type", Talent.IdType.RESIDENT) in (None, "", Talent.IdType.RESIDENT) and number_text:
                problem = idcard.problem(number_text)
                if problem:
                    from kechuang.talent.models import ID_PROBLEMS

                    errors.append(
                        RowError(TITLE, number, "证件号码", number_text, str(ID_PROBLEMS[problem]), "id_number")
                    )
            if number_text:
                if number_text in seen:
                    errors.append(
                        RowError(
                            TITLE,
                            number,
                            "证件号码",
                            number_text,
                            _("the same ID number as row %(n)s") % {"n": seen[number_text]},
                            "id_number",
                        )
                    )
                seen[number_text] = number
                if Talent.objects.filter(**blind_lookup(Talent, "id_number", number_text)).exists():
                    errors.append(
                        RowError(
                            TITLE,
                            number,
                            "证件号码",
                            number_text,
                            _("A talent with this ID number is already registered."),
                            "id_number",
                        )
                    )
            clean.append((number, {k: v for k, v in row.items() if v not in (None, "")}))
    return clean, errors


class TalentImport(Importer):
    kind = "talent"
    label = gettext_lazy("Import talents")
    audit_type = "talent.talent"
    page_url = "talent:import"

    def read(self, path: Path, filename: str) -> list[Sheet]:
        return read_workbook(path, {TITLE: "talents"}, max_rows=MAX_ROWS, first_if_none=True)

    def check(self, actor: Any, sheets: list[Sheet], progress: Callable[[int], None]):
        return validate(actor, sheets, progress)

    def write(self, actor: Any, clean: Any, errors: list[RowError], job: Any) -> dict[str, int]:
        from kechuang.talent import feed, services

        if errors:
            return {}
        created = 0
        for number, row in clean:
            region = row.pop("region")
            try:
                services.talent_create(actor=actor, region=region, **row)
                created += 1
            except (ValidationError, PermissionDenied) as exc:
                messages = exc.message_dict if hasattr(exc, "message_dict") else {"": [str(exc)]}
                for field, reasons in messages.items():
                    label = next((c.label for c in COLUMNS if c.key == field), "")
                    errors.extend(RowError(TITLE, number, label, "", str(r), field) for r in reasons)
        feed.talents_changed()
        return {"created": created}

    def done_message(self, counts: dict[str, int]) -> str:
        return _("Imported: %(n)s talents registered.") % {"n": counts.get("created", 0)}
