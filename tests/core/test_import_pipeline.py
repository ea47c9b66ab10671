"""The one import pipeline (core/imports.py): every error of a file in one pass for each module's importer, one
error-workbook store private to the uploader, the job's life on the task backend, all or nothing, no threads."""

from __future__ import annotations

import ast
import io
from pathlib import Path

import openpyxl
import pytest
from django.db import connection
from django.urls import reverse

from kechuang.core.imports import import_now, start
from kechuang.core.models import AuditEntry, ImportJob
from kechuang.core.tasks import run_import
from kechuang.enterprises.models import Enterprise, LadderResult
from kechuang.enterprises.population import credit_code
from kechuang.indicators.models import Observation
from kechuang.techmarket.models import Demand
from tests.conftest import Client

pytestmark = pytest.mark.django_db

GOOD = credit_code("370302", 910_001)


@pytest.fixture
def catalogue(db):
    from kechuang.core.models import OrgUnit
    from kechuang.indicators.catalogue import catalogue_load
    from kechuang.indicators.models import Indicator

    catalogue_load(actor=None, city=OrgUnit.objects.get(code="zibo", parent=None))
    return Indicator.objects.get(code="high_tech_enterprises").name


def _xlsx(sheets: dict[str, list[list]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        ws = book.create_sheet(title)
        for row in rows:
            ws.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _enterprise_file() -> bytes:
    return _xlsx(
        {
            "企业": [
                ["统一社会信用代码 *", "企业名称 *", "所属区县 *", "成立日期"],
                [GOOD, "好企业", "张店区", "2018-03-01"],
                ["91350100M000100Y44", "名" * 201, "火星区", "2018-02-30"],
            ],
            "年度数据": [["统一社会信用代码", "年度", "营业收入（万元）"], [GOOD, 1970, -5]],
        }
    )


DEMAND_HEADER = ["企业名称", "所在区县", "需求名称", "需求描述", "技术领域", "合作方式", "联系人", "联系电话"]


def _demand_file(field_label: str, mode_label: str) -> bytes:
    good = ["华光陶瓷", "张店区", "耐高温陶瓷", "需要耐高温陶瓷配方", field_label, mode_label, "张三", "13800000000"]
    bad = ["华光陶瓷", "火星区", "", "描述", "不存在的领域", "随便", "张三", "12345"]
    return _xlsx({"技术需求": [DEMAND_HEADER, good, bad]})


def _demand_labels() -> tuple[str, str]:
    from kechuang.techmarket import importer

    columns = {c.key: c for c in importer.SPECS["demand"].columns}
    return importer._zh(columns["field"].choices)[0], importer._zh(columns["cooperation_mode"].choices)[0]


def _errors(job: ImportJob) -> set[tuple[str, int, str]]:
    return {(e["sheet"], e["row"], e["field"]) for e in job.errors}


def test_one_pass_reports_every_error_with_row_and_field_for_each_importer(persona, catalogue):
    staff = persona("bureau_staff")
    job = import_now("enterprises", actor=staff, filename="e.xlsx", data=_enterprise_file())
    assert job.status == ImportJob.Status.FAILED
    assert {
        ("企业", 3, "credit_code"),
        ("企业", 3, "name"),  # the model's own check, in the same pass as the cell errors
        ("企业", 3, "region"),
        ("企业", 3, "registration_date"),
        ("年度数据", 2, "year"),
        ("年度数据", 2, "operating_revenue_wan"),
    } <= _errors(job), job.errors

    bad = f"指标,区域,年份,季度,数值,状态,数据来源\n{catalogue},nowhere,20x4,9,many,maybe,\n"
    job = import_now("indicators", actor=staff, filename="o.csv", data=bad.encode())
    assert job.status == ImportJob.Status.FAILED
    fields = {field for _s, row, field in _errors(job) if row == 2}
    assert {"region_code", "year", "quarter", "value", "status", "source"} <= fields, job.errors

    job = import_now("techmarket.demand", actor=staff, filename="d.xlsx", data=_demand_file(*_demand_labels()))
    assert job.status == ImportJob.Status.FAILED
    assert {
        ("技术需求", 3, "region"),
        ("技术需求", 3, "title"),
        ("技术需求", 3, "field"),
        ("技术需求", 3, "cooperation_mode"),
        ("技术需求", 3, "contact_phone"),  # the model's check on a row that also has cell errors
    } <= _errors(job), job.errors
    assert all(e["reason"] for e in job.errors)


def _stored(settings) -> set[Path]:
    return {p for p in Path(settings.KECHUANG_IMPORT_DIR).rglob("*") if p.is_file()}


def test_error_workbook_is_stored_once_and_only_for_its_owner(persona, client_as, settings):
    before = _stored(settings)
    job = import_now("enterprises", actor=persona("zhangdian_officer"), filename="e.xlsx", data=_enterprise_file())
    # One file kept: the annotated workbook, in the one store; the upload itself is gone once read.
    assert _stored(settings) - before == {Path(job.error_workbook.path)}
    assert not job.upload
    url = reverse("core:import_job_errors", args=[job.pk])
    owner = client_as("zhangdian_officer")
    response = owner.get(url)
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["企业", "年度数据", "错误清单"]
    assert "所属区县" in book["企业"].cell(3, 5).value  # the error column after the uploaded ones
    for name in ("bureau_admin", "zichuan_officer", "leader"):
        other = Client()
        other.force_login(persona(name))
        assert other.get(url).status_code == 404
        assert other.get(reverse("core:import_job", args=[job.pk])).status_code == 404


def test_job_moves_queued_running_done_with_counts(persona, catalogue, django_capture_on_commit_callbacks):
    staff = persona("bureau_staff")
    data = f"指标,区域,年份,数值,数据来源\n{catalogue},张店区,2023,401,区科技局\n{catalogue},淄川区,2023,300,区科技局\n"
    upload = io.BytesIO(data.encode())
    upload.name, upload.size = "o.csv", len(data.encode())
    job = start("indicators", actor=staff, upload=upload, enqueue=False)
    assert job.status == ImportJob.Status.QUEUED and job.started_at is None

    seen: list[str] = []

    def watch(execute, sql, params, many, context):
        if "core_importjob" in sql and sql.lstrip().upper().startswith("UPDATE"):
            seen.extend(p for p in params or () if p in ImportJob.Status.values)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch), django_capture_on_commit_callbacks(execute=True):
        result = run_import.enqueue(job.pk)  # the immediate backend under pytest: the worker's code, at once
    assert result.status == "SUCCESSFUL"
    job.refresh_from_db()
    assert seen[0] == ImportJob.Status.RUNNING and seen[-1] == ImportJob.Status.DONE, (seen, job.errors)
    assert job.status == ImportJob.Status.DONE and job.counts == {"created": 2, "updated": 0, "unchanged": 0}
    assert job.total == job.done == 2 and job.started_at <= job.finished_at
    assert AuditEntry.objects.filter(action="import", object_label="o.csv").count() == 1


def test_the_view_queues_the_job_and_the_page_polls_until_done(client_as):
    client = client_as("bureau_staff")
    upload = io.BytesIO(_enterprise_file())
    upload.name = "e.xlsx"
    response = client.post(reverse("enterprises:import"), {"file": upload})
    job = ImportJob.objects.latest("id")
    assert response.status_code == 302 and response["Location"] == reverse("core:import_job", args=[job.pk])
    page = client.get(reverse("core:import_job", args=[job.pk]), headers={"HX-Request": "true"}).content.decode()
    assert 'data-testid="import-status"' in page and "hx-trigger" not in page  # finished: no more polling
    assert "<script" not in page and "style=" not in page  # CSP: no inline script or style


def test_a_failed_job_keeps_nothing(persona, catalogue):
    staff = persona("bureau_staff")
    before = (Enterprise.objects.count(), LadderResult.objects.count(), AuditEntry.objects.count())
    job = import_now("enterprises", actor=staff, filename="e.xlsx", data=_enterprise_file())
    assert job.status == ImportJob.Status.FAILED and job.counts == {}
    assert (Enterprise.objects.count(), LadderResult.objects.count(), AuditEntry.objects.count()) == before

    # Rows saved before a later row failed in its service (techmarket saves each row in a savepoint) are rolled back.
    job = import_now("techmarket.demand", actor=staff, filename="d.xlsx", data=_demand_file(*_demand_labels()))
    assert job.status == ImportJob.Status.FAILED and Demand.objects.count() == 0

    # An observation saved, then a row refused while saving: the file writes nothing.
    observations = Observation.objects.count()
    data = f"指标,区域,年份,数值,数据来源\n{catalogue},张店区,2023,401,区科技局\n{catalogue},张店区,2023,-1,区科技局\n"
    job = import_now("indicators", actor=staff, filename="o.csv", data=data.encode())
    assert job.status == ImportJob.Status.FAILED and Observation.objects.count() == observations


def test_no_threads_in_the_platform():
    """Long work runs on the task worker (django-tasks); no web process starts a thread. Locks are allowed: the
    matching engine's model and vector store are shared by the threads a threaded server serves requests on."""
    root = Path(__file__).resolve().parents[2] / "kechuang"
    starters = {"Thread", "Timer"}
    offenders = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
                if node.module == "threading" and any(a.name in starters for a in node.names):
                    offenders.append(f"{path.relative_to(root)}:{node.lineno}")
            elif (
                isinstance(node, ast.Attribute)
                and node.attr in starters
                and isinstance(node.value, ast.Name)
                and node.value.id == "threading"
            ):
                offenders.append(f"{path.relative_to(root)}:{node.lineno}")
            if any(n.split(".")[0] == "_thread" or n == "concurrent.futures" for n in names):
                offenders.append(f"{path.relative_to(root)}:{node.lineno}")
    assert offenders == []
