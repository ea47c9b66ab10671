"""Observation imports: a rejected file comes back annotated as a downloadable Excel workbook (DESIGN.md data rule:
every row error — row number, column, value, reason — on screen and in an annotated copy of the file)."""

from __future__ import annotations

import io
import re

from django.urls import reverse
from openpyxl import load_workbook

from kechuang.core.models import ImportJob
from kechuang.indicators.models import Observation
from tests.conftest import Client

BAD_CSV = (
    "指标代码,区域代码,年份,季度,数值,状态,数据来源\n"
    "high_tech_enterprises,zhangdian,2024,,401,最终,区科技局\n"
    "high_tech_enterprises,nowhere,20x4,,many,,区科技局\n"
    "\n"
    "high_tech_enterprises,zichuan,2024,,=1+1,,\n"
).encode()


def _upload(client, content: bytes, name: str = "bad.csv"):
    upload = io.BytesIO(content)
    upload.name = name
    return client.post(reverse("indicators:import"), {"file": upload}, follow=True)


def test_rejected_file_offers_the_annotated_workbook(catalogue, client_as, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    client = client_as("bureau_staff")
    before = Observation.objects.count()
    response = _upload(client, BAD_CSV)
    assert Observation.objects.count() == before  # all or nothing
    errors = response.context["errors"]
    page_errors = {(e.row, e.field, e.value) for e in errors}
    assert {(3, "region_code", "nowhere"), (3, "year", "20x4"), (3, "value", "many")} <= page_errors
    assert {(5, "value", "=1+1"), (5, "source", "")} <= page_errors
    html = response.content.decode()
    link = re.search(r'href="([^"]+)" data-testid="annotated-link"', html)
    assert link, "the error page links to the annotated workbook"

    download = client.get(link.group(1))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    book = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    sheet, listing = book.worksheets
    header = [c.value for c in sheet[1]]
    assert header[:7] == ["指标", "区域", "年份", "季度", "数值", "状态", "数据来源"]
    assert header[-1] == "错误说明"
    note_col = len(header)
    # Rows keep their numbers in the uploaded file (the blank line 4 stays blank); the good row has no note.
    assert sheet.cell(2, 2).value == "zhangdian" and sheet.cell(2, note_col).value is None
    assert sheet.cell(3, 2).value == "nowhere" and sheet.cell(3, 5).value == "many"
    assert sheet.cell(4, 1).value is None
    assert sheet.cell(5, 5).value == "=1+1" and sheet.cell(5, 5).data_type == "s"  # text, never a formula
    # Each bad cell carries its reason as a comment and is filled red; good cells are untouched.
    reason = next(e.reason for e in errors if (e.row, e.field) == (3, "value"))
    assert sheet.cell(3, 5).comment is not None and sheet.cell(3, 5).comment.text.startswith(reason)
    assert sheet.cell(3, 5).fill.fgColor.rgb.endswith("F8D7DA")
    assert sheet.cell(2, 5).comment is None
    assert "数值" in sheet.cell(3, note_col).value and reason in sheet.cell(3, note_col).value
    # The second sheet lists every error the page lists.
    listed = [tuple(c.value for c in row) for row in listing.iter_rows(min_row=2)]
    assert len(listed) == len(errors)
    assert (3, "数值", "many", reason) in listed


def test_annotated_workbook_is_only_for_the_uploading_session(catalogue, client_as, persona, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    response = _upload(client_as("bureau_staff"), BAD_CSV)
    url = re.search(r'href="([^"]+)" data-testid="annotated-link"', response.content.decode()).group(1)
    other = Client()
    other.force_login(persona("zhangdian_officer"))
    assert other.get(url).status_code == 404
    assert other.get(reverse("core:import_job_errors", args=[10**9])).status_code == 404


def test_good_file_has_no_annotated_workbook(catalogue, client_as, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    good = "indicator_code,region_code,year,value,source\nhigh_tech_enterprises,zhangdian,2024,401,区科技局\n"
    response = _upload(client_as("bureau_staff"), good.encode())
    assert response.redirect_chain and response.redirect_chain[0][1] == 302
    job = ImportJob.objects.latest("id")
    assert job.status == ImportJob.Status.DONE and not job.error_workbook
    assert 'data-testid="annotated-link"' not in response.content.decode()
    assert not list(tmp_path.glob("indicator_import_errors/*.xlsx"))
