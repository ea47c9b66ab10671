"""Hostile files, generated (never checked in): workbook and archive bombs, nested archives, polyglots.

Each generator returns (file name, bytes). `ALL` lists them for the systemic hostile-file test; other
tests may reuse single generators. Everything here is small on disk; the bombs are small *compressed*."""

from __future__ import annotations

import functools
import io
import struct
import zipfile
from collections.abc import Callable

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    "{sheets}</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
SHEET_HEAD = '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'

# One sheet per title the importers look for, so each importer reaches the bomb on an unguarded build.
SHEET_TITLES = ("企业", "年度数据", "知识产权", "资质", "成果", "需求", "专家", "合同", "Sheet1")


def workbook(sheet_xml: str | Callable[[zipfile.ZipFile, str], None], *, comment: bytes = b"", extra=None) -> bytes:
    """A minimal .xlsx whose every sheet is `sheet_xml` (or written by the callable, for streamed bombs)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, len(SHEET_TITLES) + 1)
        )
        z.writestr("[Content_Types].xml", CONTENT_TYPES.format(sheets=overrides))
        z.writestr("_rels/.rels", ROOT_RELS)
        sheets = "".join(
            f'<sheet name="{t}" sheetId="{i}" r:id="rId{i}"/>' for i, t in enumerate(SHEET_TITLES, start=1)
        )
        z.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f"<sheets>{sheets}</sheets></workbook>",
        )
        rels = "".join(
            f'<Relationship Id="rId{i}" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            f'Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, len(SHEET_TITLES) + 1)
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships '
            f'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>',
        )
        for i in range(1, len(SHEET_TITLES) + 1):
            name = f"xl/worksheets/sheet{i}.xml"
            if callable(sheet_xml):
                sheet_xml(z, name)
            else:
                z.writestr(name, sheet_xml)
        if extra:
            extra(z)
        z.comment = comment
    return buffer.getvalue()


def far_dimension() -> tuple[str, bytes]:
    """Declares the whole grid (A1:XFD1048576) with one real cell."""
    xml = (
        SHEET_HEAD + '<dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1" t="inlineStr">'
        "<is><t>名称</t></is></c></row></sheetData></worksheet>"
    )
    return "far-dimension.xlsx", workbook(xml)


def far_cell() -> tuple[str, bytes]:
    """No dimension, but one cell at XFD1048576: a parser filling the empty area burns seconds of CPU."""
    xml = (
        SHEET_HEAD + '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>名称</t></is></c></row>'
        '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>'
    )
    return "far-cell.xlsx", workbook(xml)


def _padded_sheet(megabytes: int) -> Callable[[zipfile.ZipFile, str], None]:
    def write(z: zipfile.ZipFile, name: str) -> None:
        with z.open(name, "w", force_zip64=True) as fh:
            fh.write(SHEET_HEAD.encode() + b"<sheetData>")
            row = b'<row><c t="inlineStr"><is><t>' + b"x" * 4000 + b"</t></is></c></row>"
            for _ in range(megabytes * 256):
                fh.write(row)
            fh.write(b"</sheetData></worksheet>")

    return write


@functools.cache
def high_ratio() -> tuple[str, bytes]:
    """About 200 KB on disk, tens of MB of sheet XML once decompressed (the 505 MB workbook of the issue)."""
    return "high-ratio.xlsx", workbook(_padded_sheet(4))


@functools.cache
def zip_bomb() -> tuple[str, bytes]:
    """300 parts of 1 MB of zeros each: no part trips the ratio limit, their sum trips the size limit."""
    zeros = b"\0" * (1 << 20)

    def extra(z: zipfile.ZipFile) -> None:
        for i in range(300):
            z.writestr(f"xl/media/blob{i}.bin", zeros)

    return "zip-bomb.xlsx", workbook(SHEET_HEAD + "<sheetData/></worksheet>", extra=extra)


def many_parts() -> tuple[str, bytes]:
    """Thousands of empty parts: each is cheap, their directory is not."""

    def extra(z: zipfile.ZipFile) -> None:
        for i in range(3000):
            z.writestr(f"xl/media/p{i}.bin", b"")

    return "many-parts.xlsx", workbook(SHEET_HEAD + "<sheetData/></worksheet>", extra=extra)


def forged_sizes() -> tuple[str, bytes]:
    """A part that declares 1 KB but inflates to 8 MB: the directory looks harmless."""

    def extra(z: zipfile.ZipFile) -> None:
        z.writestr("xl/media/forged.bin", b"\0" * (8 << 20))

    data = bytearray(workbook(SHEET_HEAD + "<sheetData/></worksheet>", extra=extra))
    name = b"xl/media/forged.bin"
    # Patch the uncompressed size in the local header (offset 22) and the central directory entry (offset 24).
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (found := data.find(signature, start)) != -1:
            header_len = 30 if signature == b"PK\x03\x04" else 46
            name_len = struct.unpack_from("<H", data, found + (26 if signature == b"PK\x03\x04" else 28))[0]
            if data[found + header_len : found + header_len + name_len] == name:
                struct.pack_into("<I", data, found + offset, 1024)
            start = found + 4
    return "forged-sizes.xlsx", bytes(data)


@functools.cache
def nested_zip() -> tuple[str, bytes]:
    """A workbook carrying an archive that carries a bomb: harmless at the first level."""
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as z, z.open("payload.bin", "w") as fh:
        zeros = b"\0" * (1 << 20)
        for _ in range(64):
            fh.write(zeros)
    middle = io.BytesIO()
    with zipfile.ZipFile(middle, "w", zipfile.ZIP_STORED) as z:
        z.writestr("inner.zip", inner.getvalue())

    def extra(z: zipfile.ZipFile) -> None:
        z.writestr("xl/embeddings/package.zip", middle.getvalue(), compress_type=zipfile.ZIP_STORED)

    return "nested-zip.xlsx", workbook(SHEET_HEAD + "<sheetData/></worksheet>", extra=extra)


def polyglot_xlsx() -> tuple[str, bytes]:
    """A readable workbook whose archive comment is an HTML page with a script."""
    page = b"<html><body><script>alert(document.cookie)</script></body></html>"
    return "polyglot.xlsx", workbook(SHEET_HEAD + "<sheetData/></worksheet>", comment=page)


def polyglot_pdf() -> tuple[str, bytes]:
    """A valid PDF with an HTML page appended after %%EOF."""
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    return "polyglot.pdf", pdf + b"<!DOCTYPE html><html><script>fetch('/api/')</script></html>"


def html_first() -> tuple[str, bytes]:
    """A CSV (or anything) whose first bytes are a web page."""
    return "page.csv", b"<html><script>alert(1)</script></html>\nregion,indicator,year,value\n"


ALL: list[Callable[[], tuple[str, bytes]]] = [
    far_dimension,
    far_cell,
    high_ratio,
    zip_bomb,
    many_parts,
    forged_sizes,
    nested_zip,
    polyglot_xlsx,
    polyglot_pdf,
    html_first,
]
