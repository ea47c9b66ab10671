"""Attachments: allowed types only, content sniffed, 20 MB limit, nothing stored on refusal,
downloads only through the permission-checked view."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from kechuang.supervision import services, uploads
from kechuang.supervision.models import ReportAttachment

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(root: Path) -> list[Path]:
    return [p for p in Path(root).rglob("*") if p.is_file()] if Path(root).exists() else []


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("报告.pdf", PDF),
        ("照片.png", PNG),
        ("材料.docx", docx_bytes()),
        ("旧表.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64),
    ],
)
def test_allowed_files_are_stored_under_media_root(report_of, persona, media, name, data):
    report = report_of(3, "education")
    attachment = services.attachment_add(
        actor=persona("supporting_officer"), report=report, upload=SimpleUploadedFile(name, data)
    )
    assert attachment.original_name == name and attachment.size == len(data)
    path = Path(attachment.file.path)
    assert path.is_file() and str(path).startswith(str(media)) and name not in path.name
    assert not str(path).startswith(str(settings.STATIC_ROOT))


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("virus.exe", b"MZ\x90\x00", "bad_type"),
        ("page.html", b"<html>", "bad_type"),
        ("fake.pdf", b"MZ\x90\x00 not a pdf", "content_mismatch"),
        ("fake.docx", PDF, "content_mismatch"),
        ("zip.docx", b"PK\x03\x04garbage", "content_mismatch"),
        ("png.jpg", PNG, "content_mismatch"),
        ("empty.pdf", b"", "empty"),
    ],
)
def test_forbidden_files_are_refused_with_a_clear_error_and_nothing_stored(report_of, persona, media, name, data, code):
    report = report_of(3, "education")
    with pytest.raises(ValidationError) as err:
        services.attachment_add(
            actor=persona("supporting_officer"), report=report, upload=SimpleUploadedFile(name, data)
        )
    assert name in err.value.message_dict["file"][0]
    assert err.value.error_dict["file"][0].code == code
    assert not ReportAttachment.objects.exists()
    assert stored_files(media) == []


class Huge:
    """An upload that says it is over the limit; it must be refused without being read."""

    name = "big.pdf"
    size = uploads.MAX_BYTES + 1

    def chunks(self):
        raise AssertionError("an oversized upload must not be read")


def test_oversized_upload_is_refused_unread(report_of, persona, media):
    report = report_of(3, "education")
    with pytest.raises(ValidationError, match="20 MB"):
        services.attachment_add(actor=persona("supporting_officer"), report=report, upload=Huge())
    assert not ReportAttachment.objects.exists() and stored_files(media) == []


def test_upload_through_the_page_states_the_limits_and_shows_the_error(report_of, client_as, media):
    report = report_of(3, "education")
    client = client_as("supporting_officer")
    page = client.get(f"/supervision/reports/{report.pk}/")
    assert "20 MB" in page.content.decode()
    response = client.post(
        f"/supervision/reports/{report.pk}/attachments/",
        {"file": SimpleUploadedFile("恶意.pdf", b"<script>alert(1)</script>")},
        follow=True,
    )
    assert "恶意.pdf" in response.content.decode() and not ReportAttachment.objects.exists()
    client.post(f"/supervision/reports/{report.pk}/attachments/", {"file": SimpleUploadedFile("方案.pdf", PDF)})
    assert ReportAttachment.objects.get().original_name == "方案.pdf"


def test_download_is_permission_checked(report_of, persona, client_as, written, media):
    report = report_of(3, "education")
    attachment = services.attachment_add(
        actor=persona("supporting_officer"), report=report, upload=SimpleUploadedFile("方案.pdf", PDF)
    )
    url = f"/supervision/attachments/{attachment.pk}/"
    response = client_as("supporting_officer").get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["X-Content-Type-Options"] == "nosniff"
    # The lead sees it only once the report is submitted; other departments and districts never.
    assert client_as("lead_officer").get(url).status_code == 404
    written(report, "supporting_officer")
    services.report_submit(actor=persona("supporting_officer"), report=report)
    assert client_as("lead_officer").get(url).status_code == 200
    assert client_as("zhangdian_officer").get(url).status_code == 404
    # Media files are not served by any URL of their own.
    assert client_as("bureau_staff").get("/media/" + attachment.file.name).status_code == 404


def test_no_upload_after_submission(report_of, persona, written, media):
    report = report_of(3, "education")
    written(report, "supporting_officer")
    services.report_submit(actor=persona("supporting_officer"), report=report)
    with pytest.raises(ValidationError):
        services.attachment_add(
            actor=persona("supporting_officer"), report=report, upload=SimpleUploadedFile("a.pdf", PDF)
        )
