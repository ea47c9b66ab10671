"""Every list export: one row limit, one cell format, one streamed workbook (or CSV), one audit entry.

A list's export applies the list page's FilterSet and hands the rows to `export_response`. It refuses more than
`settings.KECHUANG_EXPORT_MAX_ROWS` rows (the reader is sent back to the list with the limit stated), records
`audit.record(action=EXPORT, object_type=…, detail={"rows": n, "filters": {…}})`, and writes the workbook row by
row (xlsxwriter's constant-memory mode into a temporary file, sent in blocks).

Cells, in both formats: text starting with = + - @ (or a tab or carriage return) gets a leading apostrophe so no
spreadsheet runs it as a formula (every workbook of the platform's exports is made by `workbook`, whose sheets do it
for every text cell, so a report writing its own cells cannot forget one); numbers stay numbers; dates and
datetimes are the platform's wall-clock time (Asia/Shanghai), as real Excel dates in the workbook (yyyy-mm-dd,
yyyy-mm-dd hh:mm:ss) and as that text in CSV.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import messages
from django.db.models import Model, QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core import audit
from kechuang.core.http import local_datetime_text
from kechuang.core.numbers import plain_decimal

if TYPE_CHECKING:
    from kechuang.core.filters import ListFilterSet

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT, DATETIME_FORMAT = "yyyy-mm-dd", "yyyy-mm-dd hh:mm:ss"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 2000  # rows fetched (and prepared, e.g. parties attached) per query
MAX_WIDTH = 60


def max_rows() -> int:
    return settings.KECHUANG_EXPORT_MAX_ROWS


def neutralise(text: str) -> str:
    """Text a spreadsheet would read as a formula (CSV/Excel injection) gets a leading apostrophe."""
    return "'" + text if text[:1] in FORMULA_STARTS else text


def local_datetime(value: dt.datetime) -> dt.datetime:
    """A stored (UTC) datetime as the naive wall-clock time of the platform's zone (Asia/Shanghai)."""
    return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value


def safe_cell(value: Any) -> Any:
    """A value as CSV or a report sheet writes it: formulas neutralised, datetimes as local wall-clock text."""
    if isinstance(value, dt.datetime):
        return local_datetime_text(value, "%Y-%m-%d %H:%M:%S")
    if isinstance(value, str):
        return neutralise(value)
    return value


def _xlsx_value(value: Any) -> Any:
    """A value as the workbook writes it: dates stay dates, Decimals become numbers, other objects text."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return local_datetime(value)
    if isinstance(value, dt.date | int | float | bool):
        return value
    if isinstance(value, Decimal):
        return float(value)
    return neutralise(str(value))


# Column widths are fitted to the first rows only: measuring every character of a whole register cost a tenth of
# the export's time, and the first rows are what the reader sees first.
WIDTH_SAMPLE_ROWS = 500


def _width(value: Any) -> int:
    if isinstance(value, dt.datetime):
        return 19
    if isinstance(value, dt.date):
        return 10
    # A Chinese character takes two columns' width.
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(value))


def workbook(target: Any, **options: Any) -> Any:
    """An XlsxWriter workbook for any export (a list's, a report's): text is never read as a formula or a link, and
    every text cell of its sheets goes through `neutralise`, whichever write call puts it there. A report that writes
    its own cells (a department's name, a task's title, a figure's label) cannot forget one."""
    import xlsxwriter
    from xlsxwriter.worksheet import Worksheet

    class TextSafeWorksheet(Worksheet):
        # XlsxWriter writes every text cell through this one method (write, write_row, write_string …).
        def _write_string(self, row: int, col: int, string: str, cell_format: Any = None) -> Any:
            return super()._write_string(row, col, neutralise(string), cell_format)

    class TextSafeWorkbook(xlsxwriter.Workbook):
        def add_worksheet(self, name: str | None = None, worksheet_class: Any = None) -> Any:
            return super().add_worksheet(name, worksheet_class or TextSafeWorksheet)

    return TextSafeWorkbook(target, {"strings_to_formulas": False, "strings_to_urls": False, **options})


@dataclass(frozen=True)
class Sheet:
    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]


def sheet_name(title: Any) -> str:
    """A worksheet name Excel accepts: none of []:*?/\\ (as in 榜单/指南) and at most 31 characters."""
    return str(title).translate(str.maketrans(dict.fromkeys("[]:*?/\\", "、")))[:31]


def xlsx_response(filename: str, sheets: Iterable[Sheet]) -> FileResponse:
    """A workbook of the given sheets, written row by row and streamed (headers bold, first row frozen)."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it once sent)
    book = workbook(handle, constant_memory=True)
    head = book.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1})
    datetime_format = book.add_format({"num_format": DATETIME_FORMAT})
    date_format = book.add_format({"num_format": DATE_FORMAT})
    for sheet in sheets:
        ws = book.add_worksheet(sheet_name(sheet.title))
        headers = [str(h) for h in sheet.headers]
        widths = [max(8, _width(h) + 2) for h in headers]
        ws.write_row(0, 0, headers, head)
        for r, row in enumerate(sheet.rows, start=1):
            for c, raw in enumerate(row):
                value = _xlsx_value(raw)
                if isinstance(value, dt.datetime):
                    ws.write_datetime(r, c, value, datetime_format)
                elif isinstance(value, dt.date):
                    ws.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date_format)
                elif isinstance(value, str):
                    ws.write_string(r, c, value)
                elif isinstance(value, bool):
                    ws.write_boolean(r, c, value)
                else:
                    ws.write_number(r, c, value)
                if c < len(widths) and r <= WIDTH_SAMPLE_ROWS:
                    widths[c] = min(MAX_WIDTH, max(widths[c], _width(value) + 2))
        for c, w in enumerate(widths):
            ws.set_column(c, c, w)
        ws.freeze_panes(1, 0)
    book.close()
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX_TYPE)


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(filename: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> StreamingHttpResponse:
    """UTF-8 CSV with a byte-order mark (so Chinese Excel opens it as UTF-8), streamed line by line."""
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff" + writer.writerow([str(h) for h in headers])
        for row in rows:
            yield writer.writerow([plain_decimal(v) if isinstance(v, Decimal) else safe_cell(v) for v in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def refused(request: HttpRequest, count: int, back: str) -> HttpResponse | None:
    """Over the row limit: a message stating the limit, and back to the list (else None)."""
    limit = max_rows()
    if count <= limit:
        return None
    messages.error(
        request,
        _("Narrow the filters: an export holds at most %(limit)s rows, and these filters give %(count)s.")
        % {"limit": f"{limit:,}", "count": f"{count:,}"},
    )
    return redirect(back)


def record(
    request: HttpRequest,
    *,
    object_type: str = "",
    label: str = "",
    rows: int,
    filters: Mapping[str, Any],
    obj: Model | None = None,
    purpose: str = "",
) -> None:
    """The one audit entry of an export (a list's, or a report's: then `obj` is what it reports on, if a record);
    an export with full personal details names its purpose."""
    detail: dict[str, Any] = {"rows": rows, "filters": dict(filters)}
    if purpose:
        detail.update(unmasked=True, purpose=purpose)
    audit.record(
        actor=request.user,
        action=audit.Action.EXPORT,
        obj=obj,
        object_type=object_type,
        object_label=str(label),
        detail=detail,
    )


@dataclass(frozen=True)
class Export:
    """What a list exports: `row` turns one record into cells; `prepare` (optional) runs on each chunk of
    records first, to fetch what the rows need in one query per chunk instead of one per row."""

    object_type: str
    label: str
    filename: str
    headers: Sequence[str]
    row: Callable[[Any], Sequence[Any]]
    prepare: Callable[[list[Any]], Iterable[Any]] | None = None


def _rows(spec: Export, records: QuerySet) -> Iterator[Sequence[Any]]:
    chunk: list[Any] = []
    for obj in records.iterator(chunk_size=CHUNK):
        chunk.append(obj)
        if len(chunk) == CHUNK:
            yield from map(spec.row, spec.prepare(chunk) if spec.prepare else chunk)
            chunk = []
    yield from map(spec.row, spec.prepare(chunk) if spec.prepare and chunk else chunk)


def export_response(
    request: HttpRequest,
    spec: Export,
    records: QuerySet,
    *,
    filters: Mapping[str, Any],
    back: str,
    fmt: str = "xlsx",
) -> HttpResponse:
    """The filtered list as a workbook (or CSV): the row limit, the audit entry, the file. Personal fields are
    masked unless the reader may unmask and states a purpose (`?purpose=`; core.unmask.export_purpose)."""
    from kechuang.core import unmask

    if unmask.refuse_bad_purpose(request):
        return redirect(back)
    count = records.count()
    if (refusal := refused(request, count, back)) is not None:
        return refusal
    purpose = unmask.export_purpose(request)
    record(request, object_type=spec.object_type, label=spec.label, rows=count, filters=filters, purpose=purpose)
    name = f"{spec.filename}-{timezone.localdate():%Y%m%d}"
    if fmt == "csv":
        response = csv_response(f"{name}.csv", spec.headers, _rows(spec, records))
    else:
        response = xlsx_response(f"{name}.xlsx", [Sheet(spec.label, spec.headers, _rows(spec, records))])
    if purpose:
        response["Cache-Control"] = "no-store, private"
    return response


def list_export(
    request: HttpRequest, filterset: ListFilterSet, spec: Export, list_name: str, *, fmt: str = "xlsx"
) -> HttpResponse:
    """A list page's export: the rows of the list's FilterSet (`filterset.qs`, its filters in the audit entry), a
    refusal sending the reader back to the list (URL name `list_name`) with the same filters."""
    back = list_url(request, reverse(list_name))
    return export_response(request, spec, filterset.qs, filters=filterset.applied(), back=back, fmt=fmt)


def list_url(request: HttpRequest, path: str) -> str:
    """The list page an export came from, with its filters (where a refused export sends the reader)."""
    query = request.GET.copy()
    query.pop("format", None)
    return f"{path}?{query.urlencode()}" if query else path
