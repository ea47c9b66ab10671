"""Observation files: the downloadable Excel template, reading .xlsx/.csv, row validation, and the importer that
runs them through core/imports.py's pipeline.

Import is all-or-nothing (DESIGN.md, data rules): a file with any bad row writes nothing, and every error is
reported with its row number, column, value and reason.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kechuang.core.imports import (
    Importer,
    ImportRejected,
    RowError,
    Sheet,
    cell_text,
    locate_columns,
    number_text,
    unreadable_workbook,
)
from kechuang.core.models import OrgUnit
from kechuang.indicators.models import Indicator, Observation
from kechuang.indicators.services import can_enter, observations_write

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
# (key, header in the template). Either the key or the Chinese header is accepted in a file.
COLUMNS = (
    ("indicator_code", "指标"),
    ("region_code", "区域"),
    ("year", "年份"),
    ("quarter", "季度"),
    ("month", "月份"),
    ("value", "数值"),
    ("status", "状态"),
    ("source", "数据来源"),
    ("definition_version", "口径版本"),
)
LABELS = dict(COLUMNS)
REQUIRED = ("indicator_code", "region_code", "year", "value", "source")
SHEET_TITLE = "观测值"
# Headers of templates made when the first two columns took codes only; files made from them still import.
LEGACY_HEADERS = {"indicator_code": "指标代码", "region_code": "区域代码"}
STATUS_WORDS = {
    "": Observation.Status.PRELIMINARY,
    "preliminary": Observation.Status.PRELIMINARY,
    "初步": Observation.Status.PRELIMINARY,
    "初步数": Observation.Status.PRELIMINARY,
    "final": Observation.Status.FINAL,
    "最终": Observation.Status.FINAL,
    "最终数": Observation.Status.FINAL,
    "正式": Observation.Status.FINAL,
}


def read_sheet(name: str, data: bytes) -> Sheet:
    """An uploaded .xlsx or .csv as a sheet, its header located (every required column present)."""
    if len(data) > MAX_BYTES:
        raise ImportRejected(_("The file is larger than 5 MB."))
    lower = name.lower()
    if lower.endswith(".xlsx"):
        table = _read_xlsx(data)
    elif lower.endswith(".csv"):
        table = _read_csv(data)
    else:
        raise ImportRejected(_("Upload an .xlsx or .csv file."))
    if not table:
        raise ImportRejected(_("The file is empty."))
    sheet = Sheet("observations", SHEET_TITLE, [(i + 1, list(row)) for i, row in enumerate(table)])
    missing = locate_columns(sheet, [(k, label, k in REQUIRED) for k, label in COLUMNS], aliases=LEGACY_HEADERS)
    if missing:
        raise ImportRejected(_("The header row lacks the columns: %(cols)s.") % {"cols": "、".join(missing)})
    return sheet


def rows_of(sheet: Sheet) -> list[dict[str, Any]]:
    """The sheet's data rows as dicts keyed by column key, each with its spreadsheet `row` number."""
    rows = []
    for number, cells in sheet.rows[1:]:
        values = {key: cell_text(cells[i]) if i < len(cells) else "" for key, i in sheet.positions.items()}
        if not any(values.values()):
            continue
        values["row"] = number
        rows.append(values)
        if len(rows) > MAX_ROWS:
            raise ImportRejected(_("The file has more than %(n)s rows.") % {"n": MAX_ROWS})
    if not rows:
        raise ImportRejected(_("The file has no data rows: fill in the sheet 观测值 below its header row."))
    return rows


def parse_file(name: str, data: bytes) -> list[dict[str, Any]]:
    """Rows of an uploaded .xlsx or .csv as dicts keyed by column key, each with its spreadsheet `row` number."""
    return rows_of(read_sheet(name, data))


def _read_xlsx(data: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    from kechuang.core.uploads import UploadRefused, check_workbook_fileobj

    try:
        check_workbook_fileobj(io.BytesIO(data))  # bombs are refused before the parser sees them
    except UploadRefused as refused:
        raise ImportRejected(refused.message) from None
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # a corrupt or non-Excel file
        raise ImportRejected(unreadable_workbook()) from exc
    # The sheet 观测值, else the first the user can see: a hidden sheet (drop-down lists) is never read unseen.
    shown = [ws for ws in book.worksheets if ws.sheet_state == "visible"] or book.worksheets
    sheet = next((ws for ws in shown if ws.title.strip() == SHEET_TITLE), shown[0])
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _read_csv(data: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportRejected(_("The CSV file is neither UTF-8 nor GB18030 text."))
    return list(csv.reader(io.StringIO(text)))


def validate_rows(actor: Any, rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[RowError]]:
    """(clean rows ready for `observation_save`, every error). Runs a fixed number of queries."""
    city = OrgUnit.objects.filter(kind=OrgUnit.Kind.CITY, parent=None).first()
    units = {}
    for unit in OrgUnit.objects.filter(kind__in=[OrgUnit.Kind.CITY, OrgUnit.Kind.REGION], is_active=True):
        if unit.kind == OrgUnit.Kind.CITY and unit != city:
            continue
        if unit.kind == OrgUnit.Kind.REGION and city is not None and unit.parent_id != city.pk:
            continue
        for key in {unit.code, unit.name, unit.short_name}:
            if key:
                units[key] = unit
    indicators = {}
    for indicator in Indicator.objects.prefetch_related("departments"):
        # The template's drop-down offers names; a code (older files, other systems) is accepted as well.
        indicators.setdefault(indicator.name, indicator)
        indicators[indicator.code] = indicator
    errors: list[RowError] = []
    clean: list[dict[str, Any]] = []
    seen: dict[tuple, int] = {}
    for row in rows:
        n = row["row"]
        row_errors: list[RowError] = []

        def err(column: str, reason: str, n=n, row=row, row_errors=row_errors) -> None:
            row_errors.append(RowError(SHEET_TITLE, n, LABELS[column], str(row.get(column, "")), reason, column))

        for key in REQUIRED:
            if not row.get(key):
                err(key, _("required"))
        indicator = indicators.get(row.get("indicator_code", ""))
        if row.get("indicator_code") and indicator is None:
            err("indicator_code", _("unknown indicator (use its name or code)"))
        elif indicator is not None and indicator.formula:
            err("indicator_code", _("derived indicator (%(f)s): computed, never entered") % {"f": indicator.formula})
        region = units.get(row.get("region_code", ""))
        if row.get("region_code") and region is None:
            err("region_code", _("unknown region (use the city's or a region's code or name)"))
        year = quarter = month = None
        if row.get("year"):
            try:
                year = int(row["year"])
                if not 1949 <= year <= 2100:
                    raise ValueError
            except ValueError:
                err("year", _("not a year between 1949 and 2100"))
                year = None
        try:
            quarter = int(row.get("quarter") or 0)
            if not 0 <= quarter <= 4:
                raise ValueError
        except ValueError:
            err("quarter", _("quarter must be empty, 0 (whole year) or 1–4"))
        try:
            month = int(row.get("month") or 0)
            if not 0 <= month <= 12:
                raise ValueError
        except ValueError:
            err("month", _("month must be empty, 0 or 1–12"))
            month = None
        if quarter and month:
            err("month", _("a value is of a quarter or of a month, not both"))
        value = None
        if row.get("value"):
            try:
                value = Decimal(number_text(row["value"]))
                if not value.is_finite() or abs(value) >= Decimal("1e15"):
                    raise InvalidOperation
                if value.as_tuple().exponent < -4:
                    err("value", _("at most 4 decimal places"))
            except InvalidOperation:
                err("value", _("not a number"))
                value = None
            except ValueError as exc:  # commas that do not group thousands
                err("value", str(exc))
                value = None
        status = STATUS_WORDS.get(row.get("status", "").lower())
        if status is None:
            err("status", _("use 初步 (preliminary) or 最终 (final)"))
        if len(row.get("source", "")) > 500:
            err("source", _("longer than 500 characters"))
        in_scope = indicator is None or region is None or indicator.formula or can_enter(actor, indicator, region)
        if not in_scope:
            err("region_code", _("outside your data scope: you may not enter this indicator for this region"))
        if indicator is not None and region is not None and year is not None and None not in (quarter, month):
            key = (indicator.pk, region.pk, year, quarter, month)
            if key in seen:
                err("year", _("the same indicator, region and period is already on row %(r)s") % {"r": seen[key]})
            else:
                seen[key] = n
        if row_errors:
            errors.extend(row_errors)
            continue
        clean.append(
            {
                "row": n,
                "data": {
                    "indicator": indicator,
                    "region": region,
                    "year": year,
                    "quarter": quarter,
                    "month": month,
                    "value": value,
                    "status": status,
                    "source": row["source"],
                    "definition_version": row.get("definition_version", "")[:100],
                },
            }
        )
    return clean, errors


def template_xlsx(indicators: list[Indicator], regions: list[OrgUnit]) -> bytes:
    """The import template: the header row, an example, and the codes the user may use."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    bold = book.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1})
    sheet = book.add_worksheet("观测值")
    sheet.write_row(0, 0, [label for _key, label in COLUMNS], bold)
    # Drop-downs offer names, never codes: the lists live on the two reference sheets written below.
    if indicators:
        sheet.data_validation(
            1, 0, MAX_ROWS, 0, {"validate": "list", "source": f"='指标'!$B$2:$B${len(indicators) + 1}"}
        )
    if regions:
        sheet.data_validation(1, 1, MAX_ROWS, 1, {"validate": "list", "source": f"='区域'!$B$2:$B${len(regions) + 1}"})
    sheet.data_validation(1, 5, MAX_ROWS, 5, {"validate": "list", "source": ["初步", "最终"]})
    sheet.set_column(0, 0, 34)
    sheet.set_column(1, 7, 14)
    sheet.set_column(6, 6, 40)
    notes = book.add_worksheet("填写说明")
    lines = [
        "一次导入全部成功或全部不导入：任何一行有错，整个文件都不会写入，并逐行列出错误（行号、列、值、原因）。",
        "指标、区域从下拉列表选择名称（也可填代码，见右侧两张表）；派生指标（如研发投入强度、高新技术产业产值占比）由分子分母自动计算，不能填报。",
        "季度：留空或 0 表示全年；1–4 表示截至该季度末的累计值。状态：初步 或 最终（留空为初步）。",
        "已填报的数值再次导入不同数值时视为修订，原值保存在修订记录中（修订原因记为“从文件导入”）。",
        "同一指标、区域、期间在一个文件中只能出现一次。",
    ]
    for r, line in enumerate(lines):
        notes.write(r, 0, line)
    # The example lives here, never on the data sheet: an example row there was imported as data (issue 10).
    example = next((i for i in indicators if i.code == "high_tech_enterprises"), indicators[0] if indicators else None)
    if example is not None and regions:
        r = len(lines) + 1
        notes.write(r, 0, "填写示例（仅作说明：本表内容不会导入，请在“观测值”表中填写）：", bold)
        notes.write_row(r + 1, 0, [label for _key, label in COLUMNS], bold)
        notes.write_row(r + 2, 0, [example.name, regions[0].name, 2024, "", 1520, "最终", "市科技局 2024年统计", ""])
    notes.set_column(0, 0, 110)
    codes = book.add_worksheet("指标")
    codes.write_row(0, 0, ["指标代码", "指标名称", "单位", "汇总方式"], bold)
    for r, ind in enumerate(indicators, start=1):
        codes.write_row(r, 0, [ind.code, ind.name, ind.unit, ind.get_aggregation_display()])
    codes.set_column(0, 0, 36)
    codes.set_column(1, 1, 50)
    region_sheet = book.add_worksheet("区域")
    region_sheet.write_row(0, 0, ["区域代码", "区域名称"], bold)
    for r, unit in enumerate(regions, start=1):
        region_sheet.write_row(r, 0, [unit.code, unit.name])
    region_sheet.set_column(0, 1, 22)
    book.close()
    return buffer.getvalue()


class ObservationImport(Importer):
    kind = "indicators"
    label = gettext_lazy("Import observations")
    audit_type = "indicators.observation"
    page_url = "indicators:import"
    extensions = (".xlsx", ".csv")
    max_upload_mb = MAX_BYTES // (1024 * 1024)

    def read(self, path: Path, filename: str) -> list[Sheet]:
        sheet = read_sheet(filename, path.read_bytes())
        rows_of(sheet)  # a file without data rows is refused as a file, not "0 imported"
        return [sheet]

    def check(self, actor: Any, sheets: list[Sheet], progress: Callable[[int], None]):
        return validate_rows(actor, rows_of(sheets[0]))

    def write(self, actor: Any, clean: Any, errors: list[RowError], job: Any) -> dict[str, int]:
        return observations_write(actor=actor, clean=clean, errors=errors, filename=job.filename)

    def done_message(self, counts: dict[str, int]) -> str:
        return _("Imported: %(c)s new, %(u)s revised, %(n)s unchanged.") % {
            "c": counts.get("created", 0),
            "u": counts.get("updated", 0),
            "n": counts.get("unchanged", 0),
        }
