"""Attachment checks (security-baseline.md, 入侵防范 d: size limit, content sniffing). Plain Python.

The extension must be allowed *and* the first bytes must be what that extension claims: a renamed
executable or HTML page is refused. Office's modern formats are ZIP containers, checked for the part
that names their kind; the old ones are OLE2 compound files.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

MAX_BYTES = 20 * 1024 * 1024
ALLOWED_EXTENSIONS = ("pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "png", "jpg", "jpeg")
MAX_FILES_PER_REPORT = 10

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"
_OOXML_PART = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}


@dataclass(frozen=True)
class UploadRefused(Exception):
    code: str  # too_large / empty / bad_type / content_mismatch
    filename: str

    def __str__(self) -> str:
        return f"{self.filename}: {self.code}"


def extension_of(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def sniff(head: bytes, whole: bytes | None = None) -> str | None:
    """The kind the bytes really are (pdf, png, jpg, ole2, docx, xlsx, pptx), or None."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(_OLE2):
        return "ole2"
    if head.startswith(_ZIP) and whole is not None:
        try:
            names = zipfile.ZipFile(io.BytesIO(whole)).namelist()
        except zipfile.BadZipFile:
            return None
        for kind, prefix in _OOXML_PART.items():
            if "[Content_Types].xml" in names and any(n.startswith(prefix) for n in names):
                return kind
    return None


def check_name_and_size(filename: str, size: int) -> str:
    """Checks that need no content (run first, so an oversized upload is never read)."""
    ext = extension_of(filename)
    if ext not in ALLOWED_EXTENSIONS:
        raise UploadRefused("bad_type", filename)
    if size == 0:
        raise UploadRefused("empty", filename)
    if size > MAX_BYTES:
        raise UploadRefused("too_large", filename)
    return ext


def check_upload(filename: str, size: int, data: bytes) -> str:
    """The attachment's kind (its extension) if it may be stored; otherwise UploadRefused."""
    ext = check_name_and_size(filename, size)
    found = sniff(data[:16], data if data[:4] == _ZIP else None)
    expected = {"doc": "ole2", "xls": "ole2", "ppt": "ole2", "jpeg": "jpg"}.get(ext, ext)
    if found != expected:
        raise UploadRefused("content_mismatch", filename)
    return "jpg" if ext == "jpeg" else ext
