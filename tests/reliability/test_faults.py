"""Faults (issue 12, reliability): a worker killed in the middle of an import, the database lost during a request, a
full disk during an upload. Each ends in a clear state and a clear message, with nothing half-written."""

from __future__ import annotations

import datetime as dt
import errno
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection
from django.urls import reverse
from django.utils import timezone, translation

from kechuang.core.imports import fail_stale
from kechuang.core.models import ImportJob
from kechuang.enterprises.models import Enterprise
from kechuang.enterprises.population import credit_code
from kechuang.supervision.models import ProgressReport, ReportAttachment

ROOT = Path(__file__).resolve().parents[2]
FIRMS = 120  # rows of the killed import
STALE_MESSAGE = "The import was interrupted (the task worker stopped); nothing was written. Upload the file again."
KILL_AFTER = 40  # enterprise rows inserted (uncommitted) when the worker is killed


def enterprise_workbook(n: int) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "企业"
    sheet.append(["统一社会信用代码 *", "企业名称 *", "所属区县 *", "成立日期"])
    for i in range(n):
        sheet.append([credit_code("370302", 920_000 + i), f"压力测试企业{i:03d}", "张店区", "2019-05-01"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _zh(text: str) -> str:
    """The Chinese the page shows for `text`; fails when there is none (the message must be translated)."""
    with translation.override("zh-hans"):
        shown = translation.gettext(text)
    assert shown != text, f"no Chinese for {text!r}"
    return shown


# ------------------------------------------------------------------------------------------------------------------
# (a) a worker killed in the middle of an import

PREPARE = """
import sys
from django.core.files.base import ContentFile
from kechuang.core.imports import start
from kechuang.core.models import OrgUnit, User
from kechuang.core.roles import Role

user = User.objects.create(username="importer", role=Role.BUREAU_STAFF,
                           org_unit=OrgUnit.objects.get(code="science_tech", parent__parent=None))
data = open(sys.argv[-1], "rb").read()
job = start("enterprises", actor=user, upload=ContentFile(data, name="firms.xlsx"))
print(job.pk)
"""

# The real task worker (django-tasks-db's db_worker), with one thing added: after its KILL_AFTER-th enterprise INSERT
# (inside the import's one transaction) it writes a marker and waits, so the test kills it at that point.
WORKER = """
import os, sys, time
import django
django.setup()
from django.core.management import call_command
from django.db import connection

marker, kill_after = sys.argv[1], int(sys.argv[2])
inserted = 0

def pause(execute, sql, params, many, context):
    global inserted
    result = execute(sql, params, many, context)
    if sql.lstrip().upper().startswith("INSERT") and '"enterprises_enterprise"' in sql:
        inserted += 1
        if inserted == kill_after:
            with open(marker, "w") as out:
                out.write(str(inserted))
            time.sleep(600)
    return result

with connection.execute_wrapper(pause):
    call_command("db_worker", "--batch", "--no-startup-delay")
"""


@pytest.fixture(scope="module")
def killed_import(tmp_path_factory) -> dict:
    """A real worker process SIGKILLed in the middle of an import's transaction, on its own SQLite database."""
    var = tmp_path_factory.mktemp("killed-import")
    env = os.environ | {
        "DATABASE_URL": f"sqlite:///{var / 'kechuang.sqlite3'}",
        "KECHUANG_VAR_DIR": str(var),
        "KECHUANG_IMPORT_DIR": str(var / "imports"),
        "KECHUANG_TASKS": "database",
        "KECHUANG_SECRET_KEY": "killed-import-test-key",
        "DJANGO_SETTINGS_MODULE": "kechuang.settings",
    }

    def manage(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    manage("migrate", "--verbosity", "0")
    manage("load_policy", str(ROOT / "policies" / "zibo-kefa-2023-22.yaml"))
    workbook = var / "firms.xlsx"
    workbook.write_bytes(enterprise_workbook(FIRMS))
    script = var / "prepare.py"
    script.write_text("import django\ndjango.setup()\n" + PREPARE)
    out = subprocess.run(
        [sys.executable, str(script), str(workbook)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr[-3000:]
    job_id = int(out.stdout.split()[-1])

    marker = var / "paused"
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER, str(marker), str(KILL_AFTER)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 180
    while not marker.exists():
        assert worker.poll() is None, worker.stderr.read().decode()[-3000:]
        assert time.monotonic() < deadline, "the worker never reached the import's writes"
        time.sleep(0.2)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=30)
    return {"var": var, "env": env, "job": job_id, "manage": manage, "returncode": worker.returncode}


def _query(var: Path, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(var / "kechuang.sqlite3") as db:
        return db.execute(sql, params).fetchall()


def test_killed_import_worker_leaves_no_rows_and_a_running_job(killed_import):
    var = killed_import["var"]
    assert killed_import["returncode"] == -signal.SIGKILL
    assert _query(var, "PRAGMA integrity_check") == [("ok",)]
    # KILL_AFTER enterprises had been inserted in the import's transaction: none survived the kill.
    assert _query(var, "SELECT COUNT(*) FROM enterprises_enterprise") == [(0,)]
    assert _query(var, "SELECT COUNT(*) FROM core_auditentry WHERE action = 'import'") == [(0,)]
    [(status, upload)] = _query(var, "SELECT status, upload FROM core_importjob WHERE id = ?", killed_import["job"])
    assert status == ImportJob.Status.RUNNING  # and nothing would ever end it: what fail_stale is for
    assert upload and (var / "imports" / upload).is_file()


def test_stale_import_is_marked_failed_with_a_message_and_its_upload_removed(killed_import):
    var = killed_import["var"]
    out = killed_import["manage"](
        "shell",
        "-c",
        "import datetime; from kechuang.core.imports import fail_stale; "
        "print(fail_stale(timeout=datetime.timedelta(0)))",
    )
    assert out.split()[-1] == "1"
    [(status, errors, upload)] = _query(
        var, "SELECT status, errors, upload FROM core_importjob WHERE id = ?", killed_import["job"]
    )
    assert status == ImportJob.Status.FAILED
    [error] = json.loads(errors)
    assert error["reason"] == _zh(STALE_MESSAGE)  # said in the platform's language (the command runs in zh-hans)
    assert not upload and not list((var / "imports" / "uploads").glob("*"))
    # The worker started again finds nothing to resume and writes nothing.
    killed_import["manage"]("db_worker", "--batch", "--no-startup-delay")
    assert _query(var, "SELECT COUNT(*) FROM enterprises_enterprise") == [(0,)]


def test_fail_stale_leaves_recent_and_queued_jobs_alone(persona):
    actor = persona("bureau_staff")
    now = timezone.now()
    old = ImportJob.objects.create(kind="enterprises", actor=actor, filename="a.xlsx", status="running")
    recent = ImportJob.objects.create(kind="enterprises", actor=actor, filename="b.xlsx", status="running")
    queued = ImportJob.objects.create(kind="enterprises", actor=actor, filename="c.xlsx")
    ImportJob.objects.filter(pk=old.pk).update(started_at=now - dt.timedelta(hours=3))
    ImportJob.objects.filter(pk=recent.pk).update(started_at=now - dt.timedelta(minutes=5))
    assert fail_stale(now=now) == 1
    statuses = dict(ImportJob.objects.filter(pk__in=[old.pk, recent.pk, queued.pk]).values_list("pk", "status"))
    assert statuses == {old.pk: "failed", recent.pk: "running", queued.pk: "queued"}


def test_job_page_ends_a_stale_job_instead_of_polling_for_ever(client_as, persona):
    job = ImportJob.objects.create(kind="enterprises", actor=persona("bureau_staff"), filename="a.xlsx")
    ImportJob.objects.filter(pk=job.pk).update(status="running", started_at=timezone.now() - dt.timedelta(days=1))
    response = client_as("bureau_staff").get(reverse("core:import_job", args=[job.pk]))
    assert response.status_code == 200
    assert _zh(STALE_MESSAGE) in response.content.decode()


# ------------------------------------------------------------------------------------------------------------------
# (b) the database lost during a request


@pytest.fixture
def draft_report(persona, unit):
    from kechuang.policy.selectors import default_policy
    from kechuang.supervision import services

    period = services.period_open(
        actor=persona("bureau_staff"),
        policy=default_policy(),
        year=2026,
        quarter=3,
        due_date=timezone.localdate() + dt.timedelta(days=10),
        supporters_due_date=timezone.localdate() + dt.timedelta(days=5),
    )
    return ProgressReport.objects.get(period=period, task__number=3, department=unit("education"))


def _lose_database_on(table: str):
    """An execute wrapper that drops the connection at the first INSERT into `table` (after the writes before it)."""

    def lose(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith("INSERT") and f'"{table}"' in sql:
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    return lose


def assert_clean_error_page(response) -> None:
    assert response.status_code == 500
    assert "500.html" in [t.name for t in response.templates]
    text = response.content.decode()
    assert _zh("Server error") in text
    for leak in ("Traceback", "OperationalError", "server closed the connection", 'File "/'):
        assert leak not in text


def test_database_lost_mid_write_shows_the_error_page_and_rolls_back(client_as, draft_report):
    client = client_as("supporting_officer")
    client.raise_request_exception = False
    url = reverse("supervision:report", args=[draft_report.pk])
    data = {"work_done": "数据库断开时写入的内容", "figures_text": "", "problems": "", "next_steps": ""}
    # The report's UPDATE runs first; the connection drops at the audit entry that follows in the same transaction.
    with connection.execute_wrapper(_lose_database_on("core_auditentry")):
        response = client.post(url, data)
    assert_clean_error_page(response)
    draft_report.refresh_from_db()
    assert draft_report.work_done != data["work_done"]
    # The same request with the database there saves: the failure above was the lost connection, nothing else.
    assert client.post(url, data).status_code == 302
    draft_report.refresh_from_db()
    assert draft_report.work_done == data["work_done"]


def test_database_lost_at_the_first_query_shows_the_error_page(client_as):
    client = client_as("bureau_staff")
    client.raise_request_exception = False

    def gone(execute, sql, params, many, context):
        raise OperationalError("could not connect to server: Connection refused")

    with connection.execute_wrapper(gone):
        response = client.get(reverse("enterprises:list"))
    assert_clean_error_page(response)


# ------------------------------------------------------------------------------------------------------------------
# (c) a full disk during an upload


class _FullDisk:
    """A file on a disk that fills up: it writes half of what it is given, then fails with ENOSPC."""

    def __init__(self, file) -> None:
        self.file = file

    def write(self, data) -> int:
        self.file.write(data[: len(data) // 2])
        self.file.flush()
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def close(self) -> None:
        self.file.close()


def full_disk_under(root: Path):
    """os.fdopen as the storage calls it, failing like a full disk for files under `root` (and only there)."""
    real = os.fdopen

    def fdopen(fd, *args, **kwargs):
        target = os.readlink(f"/proc/self/fd/{fd}")
        opened = real(fd, *args, **kwargs)
        return _FullDisk(opened) if target.startswith(str(root)) else opened

    return mock.patch("os.fdopen", fdopen)


def files_under(root: Path) -> list[Path]:
    return [p for p in Path(root).rglob("*") if p.is_file()] if Path(root).exists() else []


def test_full_disk_during_an_import_upload_says_so_and_keeps_nothing(client_as, tmp_path, settings):
    settings.KECHUANG_IMPORT_DIR = tmp_path / "imports"
    client = client_as("bureau_staff")
    jobs = ImportJob.objects.count()
    upload = SimpleUploadedFile("企业.xlsx", enterprise_workbook(5))
    with full_disk_under(tmp_path):
        response = client.post(reverse("enterprises:import"), {"file": upload}, follow=True)
    assert response.status_code == 200
    text = response.content.decode()
    assert _zh("The server has no space left to store the file; nothing was saved. Please tell the administrator.") in (
        text
    )
    assert ImportJob.objects.count() == jobs
    assert files_under(tmp_path / "imports") == []
    assert not Enterprise.objects.filter(name__startswith="压力测试企业").exists()


def test_full_disk_during_an_attachment_upload_says_so_and_keeps_nothing(client_as, draft_report, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    client = client_as("supporting_officer")
    pdf = SimpleUploadedFile("报告.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + b" " * 4096)
    with full_disk_under(tmp_path):
        response = client.post(
            reverse("supervision:attachment_upload", args=[draft_report.pk]), {"file": pdf}, follow=True
        )
    assert response.status_code == 200
    assert _zh("The server has no space left to store the file; nothing was saved. Please tell the administrator.") in (
        response.content.decode()
    )
    assert not ReportAttachment.objects.filter(report=draft_report).exists()
    assert files_under(tmp_path / "media") == []
    # With room on the disk the same upload is stored: the refusal above was the full disk.
    pdf.seek(0)
    client.post(reverse("supervision:attachment_upload", args=[draft_report.pk]), {"file": pdf})
    assert ReportAttachment.objects.filter(report=draft_report).count() == 1
    assert len(files_under(tmp_path / "media")) == 1
    assert str(settings.MEDIA_ROOT).startswith(str(tmp_path))
