"""Excel import: template, all-or-nothing with every row error, idempotent upsert, edit rights on updates."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.test import TestCase
from django.urls import reverse

from kechuang.core.models import ImportJob
from kechuang.enterprises.models import Enterprise, EnterpriseYear, LadderResult
from kechuang.enterprises.population import credit_code

pytestmark = [pytest.mark.django_db]

GOOD_A = credit_code("370302", 900_001)
GOOD_B = credit_code("370303", 900_002)


def workbook(enterprises, years=()) -> io.BytesIO:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "企业"
    ws.append(["统一社会信用代码 *", "企业名称 *", "所属区县 *", "成立日期", "属于中小企业"])
    for row in enterprises:
        ws.append(row)
    ys = book.create_sheet("年度数据")
    ys.append(["统一社会信用代码", "年度", "营业收入（万元）", "研发费用（万元）", "职工总数"])
    for row in years:
        ys.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "import.xlsx"
    return buffer


def upload(client, buffer) -> ImportJob:
    # The import runs on the (immediate) task backend; what it queues after commit (ladder re-evaluation) runs too.
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("enterprises:import"), {"file": buffer})
    assert response.status_code == 302, response.content[:500]
    return ImportJob.objects.latest("id")


def test_template_has_every_sheet_and_dropdowns(client_as):
    response = client_as("zhangdian_officer").get(reverse("enterprises:import_template"))
    book = openpyxl.load_workbook(io.BytesIO(response.getvalue()))
    assert book.sheetnames == ["企业", "年度数据", "知识产权", "资质", "说明"]
    validations = book["企业"].data_validations.dataValidation
    assert any('"张店区"' in (v.formula1 or "") for v in validations)
    assert not any("淄川区" in (v.formula1 or "") for v in validations)  # the officer's own region only


def test_good_file_imports_and_reimport_is_idempotent(client_as):
    client = client_as("bureau_staff")
    rows = [
        [GOOD_A, "张店测试科技有限公司", "张店区", "2018-03-01", "是"],
        [GOOD_B, "淄川测试材料有限公司", "淄川区", "2020-05-05", "是"],
    ]
    years = [[GOOD_A, 2025, 1200.5, 80, 60], [GOOD_A, 2024, 1000, 60, 55]]
    job = upload(client, workbook(rows, years))
    assert job.status == "done", job.errors
    assert job.counts["enterprises_created"] == 2 and job.counts["years"] == 2
    assert EnterpriseYear.objects.get(enterprise__credit_code=GOOD_A, year=2025).employees_total == 60
    assert LadderResult.objects.filter(enterprise__credit_code=GOOD_A).count() == 5
    again = upload(client, workbook(rows, years))
    assert again.status == "done"
    assert (
        again.counts["enterprises_created"] == 0
        and again.counts["enterprises_updated"] == 0
        and again.counts["years"] == 0
    )
    assert Enterprise.objects.filter(credit_code__in=[GOOD_A, GOOD_B]).count() == 2


def test_one_bad_row_imports_nothing_and_names_it(client_as):
    client = client_as("bureau_staff")
    before = Enterprise.objects.count()
    rows = [
        [GOOD_A, "好企业", "张店区", "2018-03-01", "是"],
        ["91350100M000100Y44", "坏企业", "火星区", "2018-02-30", "也许"],
    ]
    job = upload(client, workbook(rows, [[GOOD_A, "二〇二五", -5, 1, 1]]))
    assert job.status == "failed"
    found = {(e["sheet"], e["row"], e["column"]) for e in job.errors}
    assert {
        ("企业", 3, "统一社会信用代码"),
        ("企业", 3, "所属区县"),
        ("企业", 3, "成立日期"),
        ("企业", 3, "属于中小企业"),
        ("年度数据", 2, "年度"),
        ("年度数据", 2, "营业收入（万元）"),
    } <= found
    assert Enterprise.objects.count() == before
    html = client.get(reverse("core:import_job", args=[job.pk])).content.decode()
    assert "Y44" in html and "火星区" in html
    annotated = client.get(reverse("core:import_job_errors", args=[job.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(annotated.streaming_content)))["企业"]
    assert "所属区县" in (sheet.cell(row=3, column=6).value or "")


def test_update_needs_edit_rights_on_the_existing_record(client_as):
    upload(client_as("bureau_staff"), workbook([[GOOD_B, "淄川企业", "淄川区", "", ""]]))
    officer = client_as("zhangdian_officer")
    job = upload(officer, workbook([[GOOD_B, "被张店改名", "张店区", "", ""]]))
    assert job.status == "failed"
    assert any("淄川区" in e["reason"] for e in job.errors)
    assert Enterprise.objects.get(credit_code=GOOD_B).name == "淄川企业"


def test_not_a_workbook_is_refused(client_as):
    client = client_as("bureau_staff")
    fake = io.BytesIO(b"name,region\nx,y\n")
    fake.name = "data.xlsx"
    response = client.post(reverse("enterprises:import"), {"file": fake}, follow=True)
    assert ".xlsx" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_leader_cannot_import(client_as):
    assert client_as("leader").get(reverse("enterprises:import")).status_code == 403


def test_register_export_round_trips(population, client_as):
    client = client_as("zhangdian_officer")
    response = client.get(reverse("enterprises:register_export"))
    book = openpyxl.load_workbook(io.BytesIO(response.getvalue()))
    assert book.sheetnames == ["企业", "年度数据", "知识产权", "资质"]
    codes = {row[0] for row in book["企业"].iter_rows(min_row=2, values_only=True)}
    assert codes == set(Enterprise.objects.filter(region__code="zhangdian").values_list("credit_code", flat=True))
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "roundtrip.xlsx"
    job = upload(client, buffer)
    assert job.status == "done", job.errors[:3]
    assert job.counts["enterprises_created"] == 0 and job.counts["enterprises_updated"] == 0
    assert job.counts["years"] == 0 and job.counts["ip"] == 0 and job.counts["qualifications"] == 0


def test_every_error_reported_in_one_pass(client_as):
    """Issue 10, defect 16: cell errors and the model's own checks (a fiscal year 1980–2100, a name of at most
    200 characters) are reported together, not the second kind only after the first is fixed."""
    client = client_as("bureau_staff")
    rows = [
        [GOOD_A, "好企业", "张店区", "2018-03-01", "是"],
        [GOOD_B, "名" * 201, "火星区", "2018-03-01", "是"],
    ]
    job = upload(client, workbook(rows, [[GOOD_A, 1970, 100, 1, 1], [GOOD_A, 2024, 100, 1, 1]]))
    assert job.status == "failed"
    found = {(e["sheet"], e["row"], e["column"]) for e in job.errors}
    assert found == {("企业", 3, "所属区县"), ("企业", 3, "企业名称"), ("年度数据", 2, "年度")}, job.errors
    assert Enterprise.objects.filter(credit_code__in=[GOOD_A, GOOD_B]).count() == 0


def test_export_names_the_failed_criteria_never_their_ids(population, client_as):
    """The list export's "criteria failed" columns read as the enterprise page does (a user met `rd_ratio_3y`)."""
    import re

    response = client_as("bureau_staff").get(reverse("enterprises:export"), {"status": ""})
    sheet = openpyxl.load_workbook(io.BytesIO(response.getvalue())).active
    headers = [c.value for c in sheet[1]]
    columns = [i for i, h in enumerate(headers) if h and h.endswith("未达标条件")]
    cells = [row[i] for row in sheet.iter_rows(min_row=2, values_only=True) for i in columns if row[i]]
    assert columns and cells, "the export has failed criteria to show"  # precondition
    assert not [c for c in cells if re.search(r"[a-z]+_[a-z_0-9]+", c)], cells[:5]
