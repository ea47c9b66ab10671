"""The one way a module's import page starts its job (core.http.start_import): no file, a refused file and a
good file answer the same at each of the pages that use it."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse

from kechuang.core.http import start_import
from kechuang.core.models import ImportJob

pytestmark = pytest.mark.django_db

PAGES = [
    ("enterprises:import", {}),
    ("platforms:import", {}),
    ("finance:loan_import", {}),
    ("talent:import", {}),
    ("talent:foreign_import", {}),
    ("outreach:import", {"kind": "outreach_commissioners"}),
]


def _file(name: str, content: bytes) -> io.BytesIO:
    upload = io.BytesIO(content)
    upload.name = name
    return upload


@pytest.mark.parametrize(("url_name", "data"), PAGES, ids=[p[0] for p in PAGES])
def test_no_file_and_a_refused_file_stay_on_the_page_with_the_reason(url_name, data, client_as):
    client = client_as("bureau_staff")
    url = reverse(url_name)
    empty = client.post(url, data)
    assert empty.status_code == 200 and "请选择要导入的 Excel 文件。" in empty.content.decode()
    refused = client.post(url, {**data, "file": _file("list.txt", b"name\n")})
    assert refused.status_code == 200 and "请上传 .xlsx" in refused.content.decode()
    assert not ImportJob.objects.exists()


def test_the_helper_answers_none_with_a_message_or_the_job_page(persona):
    import openpyxl
    from django.contrib.messages import get_messages
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.utils import translation

    request = RequestFactory().post("/")
    request.user = persona("bureau_staff")
    request.session = {}
    request._messages = FallbackStorage(request)
    with translation.override("en"):
        assert start_import(request, "enterprises", None) is None
        assert start_import(request, "enterprises", SimpleUploadedFile("a.xlsx", b"not a zip")) is None
    assert [str(m) for m in get_messages(request)] == [
        "Choose an Excel file to import.",
        "The file cannot be read as an Excel workbook (.xlsx). Open it in Excel or WPS, save it as an Excel "
        "workbook (*.xlsx) and upload it again.",
    ]
    assert not ImportJob.objects.exists()

    book, buffer = openpyxl.Workbook(), io.BytesIO()
    book.save(buffer)
    started = start_import(request, "enterprises", SimpleUploadedFile("b.xlsx", buffer.getvalue()))
    job = ImportJob.objects.get()
    assert started.status_code == 302 and started["Location"] == reverse("core:import_job", args=[job.pk])
    assert job.kind == "enterprises" and job.actor == request.user and job.filename == "b.xlsx"
