"""The one import pipeline: column specs, cell parsing with reasons, row errors, the job and the annotated error
workbook.

A module describes its file with an `Importer` (its sheets' `Column`s, `check` and `write`) and offers it through
its AppConfig's `importers()` hook. `start` stores the upload and queues an `ImportJob` on the task worker
(core/tasks.py); `run` reads the file, checks every row (every error of the file in one pass, progress written as it
goes), writes in one transaction only when nothing failed, records one audit entry, and keeps the annotated copy of
a rejected file on the job, downloadable by its uploader only."""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kechuang.core import audit
from kechuang.core.models import ImportJob, OrgUnit
from kechuang.core.storage import StorageFailed
from kechuang.core.validators import credit_code_error

log = logging.getLogger(__name__)

TRUE_WORDS = {"是", "true", "yes", "y", "1", "有"}
FALSE_WORDS = {"否", "false", "no", "n", "0", "无"}
# No figure of an import reaches 10^18 (money is in 万元); past it a number is refused as too large.
MAX_DIGITS = 18
# Excel stores a date as days since 1899-12-30; a date cell without a date format arrives as that number.
EXCEL_EPOCH = dt.date(1899, 12, 30)
# Serial 10,000 is 1927-05-18: no date an import holds is earlier, and a smaller number is a year or a slip.
EARLIEST_SERIAL = 10_000


class ImportRejected(Exception):
    """The upload itself is unusable (not a workbook, too large)."""


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str  # text | code | date | month | int | money | float | bool | choice | region
    required: bool = False
    # For "choice": a TextChoices (the drop-down shows its Chinese labels; a cell may hold the Chinese or
    # English label or the code) or a plain tuple of accepted values.
    choices: Any = ()
    signed: bool = False  # a number that may be negative (net profit)
    aliases: Mapping[str, str] | None = None  # for "choice": further cell texts → code (a catalogue's headings)


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
    """One problem of a file: sheet, row number (0: the file itself), column label, value, reason; `field` is the
    column's key when the problem sits in a known column."""

    sheet: str
    row: int
    column: str
    value: str
    reason: str
    field: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "reason": self.reason,
            "field": self.field,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RowError:
        return cls(**{k: data.get(k, "") for k in ("sheet", "row", "column", "value", "reason", "field")})


# Invisible characters that text pasted from web pages and chat brings along (zero-width spaces, a BOM): kept, they
# make a district's name an unknown region and the same key a different one to the duplicate checks.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
# Thousands grouped by commas, as Excel shows them: 1,234 and 12,345.6, never 1,5 (which may mean 1.5).
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")
_DIGITS = re.compile(r"[+-]?[\d,]+(?:\.\d*)?")
# The unit a column's label ends with: 营业收入（万元）, 场地面积（㎡）, 拨付比例（%）; not a range (评分（0–8）).
_UNIT = re.compile(r"[（(]([^（）()\d]+)[）)]\s*\*?\s*$")
# A month as people type it: 2026-03, 2026/3, 2026.3, 2026年3月 (an export writes 2026-03).
_MONTH = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?")
# A date as people type it: 2026-3-1, 2026/03/01, 2026.3.1, 2026年3月1日 (after full-width digits are folded).
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+0{1,2}:00(?::00)?)?")


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).translate(_INVISIBLE).strip()


def number_text(text: str, label: str = "") -> str:
    """A number cell's text as Decimal reads it: full-width forms folded (１２３，４５６．５), thousands separators
    dropped where they group thousands, and the column's own unit allowed after the figure (1,234 万元 under
    营业收入（万元））. Raises ValueError when the commas do not group thousands: 1,5 is not silently 15."""
    text = unicodedata.normalize("NFKC", text).strip()
    unit = _UNIT.search(label)
    suffix = unicodedata.normalize("NFKC", unit.group(1)).strip() if unit else ""
    if suffix and text.endswith(suffix):
        text = text[: -len(suffix)].strip()
    if "," in text and _DIGITS.fullmatch(text):
        if not _GROUPED.fullmatch(text):
            raise ValueError(_("commas may only separate thousands (1,234.5); write the decimal point as a dot"))
        text = text.replace(",", "")
    return text


def _not_a_number(label: str, reason: str) -> ValueError:
    """The reason for a cell that is no number, naming the column's unit when it has one (1234元 under （万元））."""
    unit = _UNIT.search(label)
    if unit:
        return ValueError(
            _("%(reason)s: write the figure in %(unit)s, digits only") % {"reason": reason, "unit": unit.group(1)}
        )
    return ValueError(reason)


def parse_date(raw: Any, text: str) -> dt.date:
    """A date cell: a real Excel date, a serial number (a date cell without a date format), or text as people type
    it (2026-03-01, 2026/3/1, 2026.3.1, 2026年3月1日, 20260301). Raises ValueError with the reason."""
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, int | float) and not isinstance(raw, bool) and raw < 2_958_466:
        if raw < EARLIEST_SERIAL:  # 2026 typed into a date column is a year, not 18 July 1905
            raise ValueError(_("a number, not a date: write the date as YYYY-MM-DD"))
        return EXCEL_EPOCH + dt.timedelta(days=int(raw))
    folded = unicodedata.normalize("NFKC", text).strip()
    found = _DATE.fullmatch(folded)
    if found:
        try:
            return dt.date(*(int(part) for part in found.groups()))
        except ValueError:
            raise ValueError(_("no such date in the calendar (YYYY-MM-DD)")) from None
    try:
        return dt.date.fromisoformat(folded)
    except ValueError:
        raise ValueError(_("not a date (YYYY-MM-DD)")) from None


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
        code = unicodedata.normalize("NFKC", text).replace(" ", "").upper()  # typed with a full-width IME
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
        return parse_date(raw, text)
    if col.kind == "month":  # held as its first day
        found = _MONTH.fullmatch(unicodedata.normalize("NFKC", text))
        if found is None:
            try:
                return parse_date(raw, text).replace(day=1)
            except ValueError:
                raise ValueError(_("not a month (YYYY-MM)")) from None
        year, month = (int(part) for part in found.groups())
        if not 1 <= month <= 12:
            raise ValueError(_("not a month (YYYY-MM)"))
        return dt.date(year, month, 1)
    if col.kind == "int":
        try:
            number = Decimal(number_text(text, col.label))
        except InvalidOperation:
            raise _not_a_number(col.label, _("not a whole number")) from None
        if not number.is_finite():
            raise ValueError(_("not a whole number"))
        if number != number.to_integral_value() or number < 0:
            raise ValueError(_("must be a whole number, 0 or more"))
        if number.adjusted() >= MAX_DIGITS:
            raise ValueError(_("number too large"))
        return int(number)
    if col.kind in ("money", "float"):
        try:
            number = Decimal(number_text(text, col.label))
        except InvalidOperation:
            raise _not_a_number(col.label, _("not a number")) from None
        if not number.is_finite():
            raise ValueError(_("not a number"))
        if number < 0 and not col.signed:
            raise ValueError(_("must not be negative"))
        # 1e30 would overflow the 6-place quantize (an InvalidOperation, i.e. an internal error) and 1e400 a float.
        if number.adjusted() >= MAX_DIGITS:
            raise ValueError(_("number too large"))
        return number.quantize(Decimal("0.000001")) if col.kind == "money" else float(number)
    if col.kind == "bool":
        lowered = text.lower()
        if lowered in TRUE_WORDS:
            return True
        if lowered in FALSE_WORDS:
            return False
        raise ValueError(_("answer 是 or 否"))
    if col.kind == "choice":
        lookup = choice_lookup(col.choices) | dict(col.aliases or {})
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
            out.append(RowError(sheet, row, label, shown(values.get(name))[:100], message, name if label else ""))
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


# ---------------------------------------------------------------------------------------------------------------------
# The file: sheets as read, before any parsing


@dataclass
class Sheet:
    """One sheet of an upload as read: (row number, cells) with the header row, and where each known column sits."""

    key: str
    title: str
    rows: list[tuple[int, list[Any]]]
    labels: dict[str, str] = field(default_factory=dict)  # column key → the template's label
    positions: dict[str, int] = field(default_factory=dict)  # column key → index in the row
    repeated: dict[str, list[int]] = field(default_factory=dict)  # column key → every index heading it, when several

    @property
    def data_rows(self) -> int:
        return max(0, len(self.rows) - 1)

    @property
    def filled_rows(self) -> int:
        """Data rows with anything in them (a blank row between rows, or below them, is no row)."""
        return sum(1 for _n, cells in self.rows[1:] if any(cell_text(c) for c in cells))


def header_errors(sheets: list[Sheet]) -> list[RowError]:
    """A known column headed twice (pasted from two files, a copy left beside the original): an error of the header
    row naming the columns, since only one of them would be read and the other silently dropped."""
    from openpyxl.utils import get_column_letter

    out = []
    for sheet in sheets:
        for key, found in sheet.repeated.items():
            comma = "、" if (translation.get_language() or "").startswith("zh") else ", "
            letters = comma.join(get_column_letter(i + 1) for i in found)
            reason = _("the column appears %(n)s times (columns %(letters)s): keep one") % {
                "n": len(found),
                "letters": letters,
            }
            out.append(RowError(sheet.title, 1, sheet.labels.get(key, key), "", reason, key))
    return out


def header_key(value: Any) -> str:
    """A header as matched against the template's labels: half- and full-width forms alike (营业收入(万元) is
    营业收入（万元）, ＊ is *), line breaks and spaces ignored (a header wrapped with Alt+Enter), the template's "*"
    dropped. No label of an import has a space in it."""
    text = unicodedata.normalize("NFKC", cell_text(value))
    return re.sub(r"\s+", "", text).rstrip("*")


def locate_columns(sheet: Sheet, columns: Iterable[tuple[str, str, bool]], *, aliases: dict[str, str] | None = None):
    """Fill `sheet.labels` and `sheet.positions` from its header row; (key, label, required) per column. A header may
    be the label (with or without the template's " *"), the key, or an alias, however it was retyped (see
    `header_key`). Returns the missing required labels."""
    header = [header_key(h) for h in (sheet.rows[0][1] if sheet.rows else [])]
    missing = []
    for key, label, required in columns:
        sheet.labels[key] = label
        names = {header_key(n) for n in (label, key, (aliases or {}).get(key)) if n}
        found = [i for i, h in enumerate(header) if h in names]
        if found:
            sheet.positions[key] = found[0]
        if len(found) > 1:  # which copy holds the data is anyone's guess: the pipeline refuses the file
            sheet.repeated[key] = found
        if required and key not in sheet.positions:
            missing.append(label)
    return missing


def unreadable_workbook() -> str:
    """What a user is told of a file no reader can open, whatever the parser said: what it is not and what to do."""
    return _(
        "The file cannot be read as an Excel workbook (.xlsx). Open it in Excel or WPS, save it as an Excel "
        "workbook (*.xlsx) and upload it again."
    )


def _fill_merged_down(rows: list[list[Any]], merged: Iterable[tuple[tuple[int, int], tuple[int, int]]]) -> None:
    """A value merged over several rows (区县 merged over the three firms of one district, as Excel and WPS users
    do) is what the user means for every one of them, but the file holds it in the range's top cell only: copy it
    down into the range's first column. Never across into another column (that would be another field), never from
    the header row (a header merged down is not data), never over a value, never into a row otherwise blank (a
    merge drawn past the last firm makes no row).
    `merged`: ((top, left), (bottom, right)), 0-based, as python-calamine gives them."""
    for (top, left), (bottom, _right) in merged:
        if top == 0 or top >= len(rows) or left >= len(rows[top]):
            continue
        value = rows[top][left]
        for below in rows[top + 1 : bottom + 1]:
            if left < len(below) and not cell_text(below[left]) and any(cell_text(c) for c in below):
                below[left] = value


def read_workbook(path: Path, titles: dict[str, str], *, max_rows: int, first_if_none: bool = False) -> list[Sheet]:
    """The sheets of an .xlsx whose names are in `titles` (title → key); with `first_if_none`, the first sheet when
    none is. Bombs are refused before the parser sees them (core/uploads.py)."""
    from python_calamine import CalamineWorkbook, SheetVisibleEnum

    from kechuang.core.uploads import UploadRefused, check_workbook

    try:
        check_workbook(path)
    except UploadRefused as refused:
        raise ImportRejected(refused.message) from None
    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:
        # The parser's words ("File not found '_rels/.rels'") help us, not the user: they go to the log.
        log.info("unreadable workbook %s: %s", path.name, exc)
        raise ImportRejected(unreadable_workbook()) from None
    # A hidden sheet is never read unseen: an empty one (a template sheet put away) is skipped, one with rows refuses
    # the file, and the sheet taken when none is named is the first the user can see.
    hidden = {m.name for m in book.sheets_metadata if m.visible != SheetVisibleEnum.Visible}
    visible = [n for n in book.sheet_names if n not in hidden]
    found = []
    for name in book.sheet_names:
        if name.strip() not in titles:
            continue
        if name in hidden:
            rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
            if any(cell_text(c) for row in rows[1:] for c in row):
                raise ImportRejected(
                    _("The sheet %(name)s is hidden: unhide it to check what it holds, or delete it.") % {"name": name}
                )
            continue
        found.append((titles[name.strip()], name))
    if not found and first_if_none and visible:
        found = [(next(iter(titles.values())), visible[0])]
    if not found:
        raise ImportRejected(_("The workbook has none of the sheets %(names)s.") % {"names": "、".join(titles)})
    sheets = []
    for key, name in found:
        sheet = book.get_sheet_by_name(name)
        rows = sheet.to_python(skip_empty_area=False)
        if len(rows) > max_rows + 1:
            raise ImportRejected(_("At most %(n)s rows per file.") % {"n": f"{max_rows:,}"})
        _fill_merged_down(rows, sheet.merged_cell_ranges or [])
        title = next(t for t, k in titles.items() if k == key)
        sheets.append(Sheet(key, title, [(i + 1, list(row)) for i, row in enumerate(rows)]))
    return sheets


# ---------------------------------------------------------------------------------------------------------------------
# Importers


class Importer:
    """What a module says about one kind of file; the pipeline does the rest (store, queue, progress, one
    transaction, audit, error workbook). Subclasses set the attributes and implement `read`, `check` and `write`."""

    kind: str  # ImportJob.kind
    label: Any  # what the job page calls it
    audit_type: str  # the audit entry's object type, e.g. "enterprises.enterprise"
    page_url: str  # the module's import page (url name)
    extensions: tuple[str, ...] = (".xlsx",)
    max_upload_mb: int = 10

    def sheet_count(self) -> int:
        """How many sheets the module's template has; with more than one, every error names its sheet."""
        return 1

    def may_import(self, user: Any) -> bool:
        from kechuang.core.roles import READ_ONLY

        return user.is_authenticated and user.role not in READ_ONLY

    def read(self, path: Path, filename: str) -> list[Sheet]:
        raise NotImplementedError

    def check(self, actor: Any, sheets: list[Sheet], progress: Callable[[int], None]) -> tuple[Any, list[RowError]]:
        """Parse and check every row without writing; returns (what `write` takes, every error found)."""
        raise NotImplementedError

    def write(self, actor: Any, clean: Any, errors: list[RowError], job: ImportJob) -> dict[str, int]:
        """Write inside the pipeline's transaction and return the counts; errors found while writing are appended to
        `errors` (then the transaction is rolled back). Called even when `check` found errors, so that an importer
        whose services check more can report those in the same pass; one that cannot returns at once."""
        raise NotImplementedError

    def done_message(self, counts: dict[str, int]) -> str:
        return _("Imported.")

    def next_url(self) -> str:
        from django.urls import reverse

        return reverse(self.page_url)


def importers() -> dict[str, Importer]:
    """Every module's importers by kind (the AppConfig hook `importers()`)."""
    out: dict[str, Importer] = {}
    for config in apps.get_app_configs():
        hook = getattr(config, "importers", None)
        if hook is not None:
            out |= {i.kind: i for i in hook()}
    return out


def importer_for(kind: str) -> Importer:
    return importers()[kind]


# ---------------------------------------------------------------------------------------------------------------------
# Jobs


def start(kind: str, *, actor: Any, upload: Any, enqueue: bool = True, language: str | None = None) -> ImportJob:
    """Check the upload itself (rights, size, type), store it and queue the job; returns the job to show.

    The job runs later in `language`, by default the one active now (the request's, set by LocaleMiddleware)."""
    from django.core.exceptions import PermissionDenied

    importer = importer_for(kind)
    if not importer.may_import(actor):
        raise PermissionDenied
    if upload.size > importer.max_upload_mb * 1024 * 1024:
        raise ImportRejected(_("The file is larger than %(mb)s MB.") % {"mb": importer.max_upload_mb})
    name = Path(upload.name or "").name
    suffix = Path(name).suffix.lower()
    if suffix not in importer.extensions:
        raise ImportRejected(
            _("Upload an .xlsx workbook (the template from this page).")
            if importer.extensions == (".xlsx",)
            else _("Upload an .xlsx or .csv file.")
        )
    if suffix == ".xlsx":
        head = upload.read(4)
        upload.seek(0)
        if head != b"PK\x03\x04":  # .xlsx is a zip archive
            raise ImportRejected(unreadable_workbook())
    try:
        with transaction.atomic():  # the job and its queue entry together (the database backend queues there)
            language = language or translation.get_language() or settings.LANGUAGE_CODE
            job = ImportJob(kind=kind, actor=actor, filename=name[:200], language=language[:10])
            job.upload.save(f"{timezone.now():%Y%m%d}{suffix}", upload, save=False)
            job.save()
            if enqueue:
                from kechuang.core.tasks import run_import

                run_import.enqueue(job.pk)
    except StorageFailed as exc:  # a full disk: no job, no partial file (core/storage.py), a clear message
        raise ImportRejected(str(exc)) from None
    job.refresh_from_db()
    return job


def import_now(kind: str, *, actor: Any, filename: str, data: bytes) -> ImportJob:
    """Store and run an import in this process (management commands, tests)."""
    job = start(kind, actor=actor, upload=ContentFile(data, name=filename), enqueue=False)
    run(job.pk)
    job.refresh_from_db()
    return job


class _Rejected(Exception):
    """Raised inside the pipeline's transaction so that nothing of a file with errors is kept."""


def run(job_id: int) -> None:
    """The job's whole import (on the task worker): read, check every row, write all or nothing, in the language of
    the request that started it."""
    job = ImportJob.objects.select_related("actor").get(pk=job_id)
    if job.finished:
        return
    with translation.override(job.language or settings.LANGUAGE_CODE):
        _run(job)


def _run(job: ImportJob) -> None:
    importer = importer_for(job.kind)
    job.status, job.started_at = ImportJob.Status.RUNNING, timezone.now()
    ImportJob.objects.filter(pk=job.pk).update(status=job.status, started_at=job.started_at)
    sheets: list[Sheet] = []
    try:

        def progress(done: int) -> None:
            ImportJob.objects.filter(pk=job.pk).update(done=min(done, job.total))

        try:
            sheets = importer.read(Path(job.upload.path), job.filename)
            job.total = sum(s.data_rows for s in sheets)
            ImportJob.objects.filter(pk=job.pk).update(total=job.total)
            clean, errors = importer.check(job.actor, sheets, progress)
            errors = header_errors(sheets) + errors
            if not errors and not any(s.filled_rows for s in sheets):
                raise ImportRejected(_("The file has no data rows: fill in the rows below the header row."))
        except ImportRejected as exc:  # the file itself is unusable: said as the file's one error
            _finish(job, importer, errors=[RowError("", 0, "", "", str(exc))], sheets=[])
            return
        counts: dict[str, int] = {}
        try:
            with transaction.atomic():
                counts = importer.write(job.actor, clean, errors, job)
                if errors:
                    raise _Rejected
                audit.record(
                    actor=job.actor,
                    action=audit.Action.IMPORT,
                    object_type=importer.audit_type,
                    object_label=job.filename[:300],
                    detail={"kind": job.kind, **counts},
                )
        except _Rejected:
            counts = {}
        _finish(job, importer, errors=errors, counts=counts, sheets=sheets)
    except Exception:
        log.exception("import job %s failed", job.pk)
        internal = RowError("", 0, "", "", _("The import stopped on an internal error; nothing was written."))
        _finish(job, importer, errors=[internal], sheets=[])
        raise


def _finish(
    job: ImportJob,
    importer: Importer,
    *,
    errors: list[RowError],
    sheets: list[Sheet],
    counts: dict[str, int] | None = None,
) -> None:
    order = {s.title: i for i, s in enumerate(sheets)}
    errors = sorted(errors, key=lambda e: (e.row > 0, order.get(e.sheet, -1), e.row))
    job.errors = [e.as_dict() for e in errors]
    job.counts = counts or {}
    job.status = ImportJob.Status.FAILED if errors else ImportJob.Status.DONE
    job.done = job.total
    job.finished_at = timezone.now()
    if errors and sheets:
        name = f"{job.pk}-{uuid.uuid4().hex}.xlsx"
        annotated = annotated_workbook(sheets, errors, several=importer.sheet_count() > 1)
        job.error_workbook.save(name, ContentFile(annotated), save=False)
    if job.upload:
        job.upload.delete(save=False)  # the upload is not kept once read: what was imported is in the database
    job.save()


def fail_stale(*, timeout: dt.timedelta | None = None, now: dt.datetime | None = None) -> int:
    """Mark FAILED, with a message, the jobs left RUNNING longer than `timeout` (settings.KECHUANG_IMPORT_TIMEOUT_
    MINUTES): their worker was killed mid-import, so their transaction was rolled back and nothing of the file was
    written, but nothing else would ever end them and their page would wait for ever. Returns how many."""
    from django.conf import settings

    timeout = timeout if timeout is not None else dt.timedelta(minutes=settings.KECHUANG_IMPORT_TIMEOUT_MINUTES)
    cutoff = (now or timezone.now()) - timeout
    stale = list(ImportJob.objects.filter(status=ImportJob.Status.RUNNING, started_at__lt=cutoff))
    message = _("The import was interrupted (the task worker stopped); nothing was written. Upload the file again.")
    for job in stale:
        with transaction.atomic():
            if not ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.RUNNING).update(
                status=ImportJob.Status.FAILED,
                errors=[RowError("", 0, "", "", message).as_dict()],
                counts={},
                finished_at=timezone.now(),
            ):
                continue  # it finished meanwhile
        if job.upload:
            job.upload.delete(save=False)
            ImportJob.objects.filter(pk=job.pk).update(upload="")
        log.warning("import job %s was left running since %s: marked failed", job.pk, job.started_at)
    return len(stale)


def jobs_of(user: Any, kinds: Iterable[str], limit: int = 10) -> list[ImportJob]:
    """The user's latest jobs of these kinds (a module's import page lists them); stale ones are ended first."""
    fail_stale()
    return list(ImportJob.objects.filter(actor=user, kind__in=list(kinds)).order_by("-id")[:limit])


# ---------------------------------------------------------------------------------------------------------------------
# The annotated workbook

MAX_COMMENTS = 5_000  # cell comments are heavy in a workbook; past this the fill and the error column carry it


def annotated_workbook(sheets: list[Sheet], errors: list[RowError], *, several: bool = False) -> bytes:
    """The rejected file as uploaded, to correct and import again: every row at its original row number, always as
    text (never a formula), the known columns headed by the template's labels, each bad cell red with its reason as
    a comment, an "错误说明" column per row, and a last sheet listing every error (row, column, value, reason)."""
    import xlsxwriter

    by_cell: dict[tuple[str, int], list[RowError]] = {}
    for e in errors:
        by_cell.setdefault((e.sheet, e.row), []).append(e)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False})
    bold = book.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1})
    bad = book.add_format({"bg_color": "#F8D7DA", "font_color": "#842029", "border": 1})
    note = book.add_format({"font_color": "#842029", "text_wrap": True})
    comments = 0
    for sheet in sheets:
        ws = book.add_worksheet(sheet.title[:31])
        width = max((len(cells) for _n, cells in sheet.rows), default=0)
        by_position = {i: key for key, i in sheet.positions.items()}
        for number, cells in sheet.rows:
            r = number - 1
            if number == 1:
                for c, value in enumerate(cells):
                    text = sheet.labels[by_position[c]] if c in by_position else cell_text(value)
                    ws.write_string(r, c, text, bold)
                ws.write_string(r, width, "错误说明", bold)
                continue
            problems = by_cell.get((sheet.title, number), [])
            wrong: dict[int, list[str]] = {}
            for p in problems:
                position = sheet.positions.get(p.field) if p.field else None
                if position is None:
                    position = next((i for k, i in sheet.positions.items() if sheet.labels.get(k) == p.column), None)
                if position is not None:
                    wrong.setdefault(position, []).append(p.reason)
            for c in range(max(len(cells), max(wrong, default=-1) + 1)):
                text = cell_text(cells[c]) if c < len(cells) else ""
                if c in wrong:
                    ws.write_string(r, c, text, bad)
                    if comments < MAX_COMMENTS:
                        ws.write_comment(r, c, "\n".join(wrong[c]))
                        comments += 1
                elif text:
                    ws.write_string(r, c, text)
            if problems:
                ws.write_string(
                    r, width, "；".join(f"{p.column}：{p.reason}" if p.column else p.reason for p in problems), note
                )
        ws.set_column(0, max(width - 1, 0), 16)
        ws.set_column(width, width, 60)
        ws.freeze_panes(1, 0)
    several = several or len(sheets) > 1
    listing = book.add_worksheet("错误清单")
    listing.write_row(0, 0, ["行号", "列", "值", "原因", *(["工作表"] if several else [])], bold)
    for r, e in enumerate(errors, start=1):
        listing.write_number(r, 0, e.row)
        listing.write_string(r, 1, e.column)
        listing.write_string(r, 2, str(e.value))
        listing.write_string(r, 3, e.reason)
        if several:
            listing.write_string(r, 4, e.sheet)
    listing.set_column(0, 0, 8)
    listing.set_column(1, 2, 18)
    listing.set_column(3, 3, 70)
    book.close()
    return buffer.getvalue()
