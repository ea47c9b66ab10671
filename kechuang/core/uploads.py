"""Hostile-file checks for every upload, run before any module parses or stores a file (issue #10, defect 6).

`UploadInspectionMiddleware` runs `inspect_upload` on every file of every request, so each upload point
(imports, attachments, any later file field) is covered without opting in; `RequestSizeLimitMiddleware`
refuses a body larger than `KECHUANG_MAX_REQUEST_BYTES` before it is read. The parsers also call
`check_workbook` on the file they open, so a workbook that reaches them another way is bounded too.

What is refused, and why:
- archives (xlsx, docx, pptx are ZIP files) whose declared decompressed size, compression ratio or
  member count exceed the limits: a 200 KB workbook must not cost 500 MB of memory;
- archives whose members decompress to more than they declare (forged sizes; the CRC catches the rest),
  use another compression method, are encrypted, or nest archives more than one level deep;
- spreadsheets whose declared dimension or any cell lies beyond the row, column or cell-area limits: a
  parser that fills the empty area up to a far cell (XFD1048576) burns seconds of CPU for a 5 KB file;
- polyglots: files that are valid as their type but also carry HTML or script markup, which a browser
  could be talked into rendering from a download.

The work is bounded by the limits: at most `KECHUANG_UPLOAD_MAX_UNZIPPED_BYTES` are decompressed, and
most hostile files are refused from the archive's directory alone, before anything is decompressed.
"""

from __future__ import annotations

import contextlib
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _

_ZIP = b"PK\x03\x04"
_CHUNK = 1 << 20
# Markup a browser would act on. Checked in the raw bytes and in every decompressed member.
_MARKUP = re.compile(rb"<(?:html|script|iframe|body|!doctype\s+html)[\s>/]", re.IGNORECASE)
_SHEET = re.compile(r"^xl/worksheets/[^/]+\.xml$")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=[\"']([A-Za-z0-9:$]+)[\"']")
_CELL_REF = re.compile(rb"\sr=[\"']([A-Za-z]{0,3})(\d{1,9})[\"']")
_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")
_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,9})$")
# A member smaller than this may compress as well as it likes (an empty sheet, a styles part).
_RATIO_GRACE_BYTES = 1 << 20


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


class UploadRefused(Exception):
    """A file that no module may parse or store; `message` is the user-facing reason (translated)."""

    def __init__(self, reason: str, *, filename: str = "", field: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.filename = filename
        self.field = field
        self.inspection: Inspection | None = None

    @property
    def message(self) -> str:
        if self.field:
            return _("The file %(name)s in the field “%(field)s” was refused: %(reason)s") % {
                "name": self.filename or "—",
                "field": field_label(self.field),
                "reason": self.reason,
            }
        return _("The file %(name)s was refused: %(reason)s") % {"name": self.filename or "—", "reason": self.reason}

    def __str__(self) -> str:
        return self.message


def field_label(name: str) -> str:
    """The visible name of a file field, for error messages (the form's label where the name is ours)."""
    labels = {"file": _("File"), "attachment": _("Attachment"), "upload": _("File")}
    label = labels.get(name)
    return f"{label}（{name}）" if label else name


@dataclass
class Inspection:
    """What checking one file cost: the bound the hostile-file tests assert."""

    filename: str
    size: int = 0
    inflated: int = 0  # bytes decompressed, nested archives included
    members: int = 0
    notes: list[str] = field(default_factory=list)


def _mb(n: int) -> str:
    return f"{n / (1 << 20):.0f}"


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


class _SheetExtent:
    """The farthest row and column a worksheet's XML reaches, fed in chunks."""

    def __init__(self) -> None:
        self.rows = 0
        self.columns = 0
        self.row_tags = 0
        self._carry = b""

    def feed(self, chunk: bytes, final: bool = False) -> None:
        data = self._carry + chunk
        # Scan up to the last complete tag; keep the rest for the next chunk so no match is split.
        cut = len(data) if final else data.rfind(b">") + 1
        if cut <= 0 and len(data) > _CHUNK:
            cut = len(data)
        body, self._carry = data[:cut], data[cut:]
        for match in _DIMENSION.finditer(body):
            for ref in match.group(1).decode("ascii", "replace").split(":"):
                found = _REF.match(ref)
                if found:
                    self._see(found.group(1), int(found.group(2)))
        for match in _CELL_REF.finditer(body):
            self._see(match.group(1).decode("ascii"), int(match.group(2)))
        self.row_tags += len(_ROW_TAG.findall(body))

    def _see(self, letters: str, row: int) -> None:
        self.rows = max(self.rows, row)
        if letters:
            self.columns = max(self.columns, _column_number(letters))

    def problem(self) -> str | None:
        rows = max(self.rows, self.row_tags)
        columns = max(self.columns, 1)
        max_rows = _limit("KECHUANG_UPLOAD_MAX_SHEET_ROWS", 200_001)
        max_columns = _limit("KECHUANG_UPLOAD_MAX_SHEET_COLUMNS", 200)
        max_cells = _limit("KECHUANG_UPLOAD_MAX_SHEET_CELLS", 12_000_000)
        if rows > max_rows:
            return _("a worksheet reaches row %(n)s; at most %(max)s rows are accepted") % {
                "n": f"{rows:,}",
                "max": f"{max_rows:,}",
            }
        if columns > max_columns:
            return _("a worksheet reaches column %(n)s; at most %(max)s columns are accepted") % {
                "n": f"{columns:,}",
                "max": f"{max_columns:,}",
            }
        if rows * columns > max_cells:
            return _("a worksheet spans %(n)s cells; at most %(max)s are accepted") % {
                "n": f"{rows * columns:,}",
                "max": f"{max_cells:,}",
            }
        return None


def _scan_markup(fh: IO[bytes]) -> int:
    """Bytes read; raises on HTML/script markup anywhere in the raw file."""
    fh.seek(0)
    carry = b""
    total = 0
    while chunk := fh.read(_CHUNK):
        total += len(chunk)
        if _MARKUP.search(carry + chunk):
            raise UploadRefused(_("it contains web page or script markup (a disguised file)"))
        carry = chunk[-32:]
    fh.seek(0)
    return total


def _check_directory(book: zipfile.ZipFile, depth: int) -> list[zipfile.ZipInfo]:
    """Refuse from the archive's directory alone: nothing is decompressed yet."""
    members = book.infolist()
    max_members = _limit("KECHUANG_UPLOAD_MAX_MEMBERS", 2000)
    max_total = _limit("KECHUANG_UPLOAD_MAX_UNZIPPED_BYTES", 256 << 20)
    max_ratio = _limit("KECHUANG_UPLOAD_MAX_RATIO", 100)
    if len(members) > max_members:
        raise UploadRefused(
            _("the archive holds %(n)s parts; at most %(max)s are accepted") % {"n": len(members), "max": max_members}
        )
    names = [m.filename for m in members]
    if len(set(names)) != len(names):
        raise UploadRefused(_("the archive names the same part twice"))
    total = 0
    for m in members:
        if m.flag_bits & 0x1:
            raise UploadRefused(_("the archive is encrypted and cannot be checked"))
        if m.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UploadRefused(_("the archive uses an unsupported compression method"))
        total += m.file_size
        if m.file_size > _RATIO_GRACE_BYTES and m.file_size > max_ratio * max(m.compress_size, 1):
            raise UploadRefused(
                _("a part expands %(ratio)s times when decompressed; at most %(max)s times is accepted")
                % {"ratio": f"{m.file_size // max(m.compress_size, 1):,}", "max": max_ratio}
            )
    if total > max_total:
        raise UploadRefused(
            _("it decompresses to %(n)s MB; at most %(max)s MB is accepted") % {"n": _mb(total), "max": _mb(max_total)}
        )
    return members


def _inspect_zip(fh: IO[bytes], report: Inspection, depth: int) -> None:
    try:
        book = zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise UploadRefused(_("it looks like an archive but cannot be read")) from None
    with book:
        members = _check_directory(book, depth)
        report.members += len(members)
        max_total = _limit("KECHUANG_UPLOAD_MAX_UNZIPPED_BYTES", 256 << 20)
        # Directory first: a far <dimension> is refused before any sheet is decompressed in full.
        for info in members:
            if _SHEET.match(info.filename):
                _check_sheet_head(book, info, report)
        for info in members:
            extent = _SheetExtent() if _SHEET.match(info.filename) else None
            nested: bytearray | None = None
            read = 0
            carry = b""
            try:
                with book.open(info) as member:
                    while chunk := member.read(_CHUNK):
                        read += len(chunk)
                        report.inflated += len(chunk)
                        if report.inflated > max_total:
                            raise UploadRefused(_("it decompresses to more than %(max)s MB") % {"max": _mb(max_total)})
                        if read == len(chunk) and chunk.startswith(_ZIP):
                            if depth >= 1:
                                raise UploadRefused(_("it nests archives inside archives"))
                            nested = bytearray()
                        if nested is not None:
                            nested += chunk
                        elif _MARKUP.search(carry + chunk):
                            raise UploadRefused(_("it contains web page or script markup (a disguised file)"))
                        carry = chunk[-32:]
                        if extent is not None:
                            extent.feed(chunk)
                            problem = extent.problem()
                            if problem:
                                raise UploadRefused(problem)
            except zipfile.BadZipFile:
                # Python's reader stops at the declared size, so a forged size shows up as a CRC error.
                raise UploadRefused(_("the archive is damaged or declares false sizes")) from None
            except (OSError, EOFError, ValueError, NotImplementedError):
                raise UploadRefused(_("the archive is damaged or declares false sizes")) from None
            if extent is not None:
                extent.feed(b"", final=True)
                problem = extent.problem()
                if problem:
                    raise UploadRefused(problem)
            if nested is not None:
                _inspect_zip(io.BytesIO(bytes(nested)), report, depth + 1)


def _check_sheet_head(book: zipfile.ZipFile, info: zipfile.ZipInfo, report: Inspection) -> None:
    """The <dimension> element sits at the top of a sheet: read only its first few KB."""
    extent = _SheetExtent()
    try:
        with book.open(info) as member:
            head = member.read(8192)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
        raise UploadRefused(_("the archive is damaged or declares false sizes")) from None
    report.inflated += len(head)
    for match in _DIMENSION.finditer(head):
        extent.feed(match.group(0) + b">", final=True)
    problem = extent.problem()
    if problem:
        raise UploadRefused(problem)


def inspect_upload(fileobj: Any, *, field: str = "", filename: str | None = None) -> Inspection:
    """Check one uploaded file (a Django UploadedFile or any binary file object); raises UploadRefused."""
    name = filename if filename is not None else (getattr(fileobj, "name", "") or "")
    name = str(name).replace("\\", "/").rsplit("/", 1)[-1][:200]
    report = Inspection(filename=name)
    fh = getattr(fileobj, "file", fileobj)
    try:
        report.size = _scan_markup(fh)
        fh.seek(0)
        head = fh.read(4)
        fh.seek(0)
        if head == _ZIP:
            _inspect_zip(fh, report, depth=0)
    except UploadRefused as refused:
        refused.filename, refused.field, refused.inspection = name, field, report
        raise
    finally:
        with contextlib.suppress(OSError, ValueError):
            fh.seek(0)
    return report


def check_workbook(path: Path | str, *, field: str = "file", filename: str = "") -> Inspection:
    """The parsers' guard: `path` must be an .xlsx workbook within the limits (see the module docstring)."""
    with open(path, "rb") as fh:
        return check_workbook_fileobj(fh, field=field, filename=filename or Path(path).name)


def check_workbook_fileobj(fh: IO[bytes], *, field: str = "file", filename: str = "") -> Inspection:
    """`check_workbook` for an open binary file (or `io.BytesIO(data)`)."""
    head = fh.read(4)
    fh.seek(0)
    if head != _ZIP:
        raise UploadRefused(_("it is not an .xlsx workbook"), filename=filename, field=field)
    return inspect_upload(fh, field=field, filename=filename)
