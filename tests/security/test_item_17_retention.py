"""Checklist item 17: the retention job anonymises personal data past its registered retention (contacts of
demands and achievements closed more than three years ago, withdrawn consents, old rate-limit hashes), leaves
younger and still-open records alone, and logs each run in the audit log with the counts per model."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from kechuang.core import retention
from kechuang.core.models import AuditEntry
from kechuang.techmarket.models import Achievement, Demand, PublicSubmission
from tests.techmarket import factories as f

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def _age(model, obj, **columns) -> None:
    model.objects.filter(pk=obj.pk).update(**columns)  # update(): auto_now would reset updated_at on save()


def test_item_17_expired_contacts_are_anonymised_and_the_rest_kept():
    old_closed = f.demand(status=Demand.Status.CLOSED)
    old_open = f.demand(status=Demand.Status.PUBLISHED)
    young_closed = f.demand(status=Demand.Status.CLOSED)
    old_withdrawn = f.achievement(status=Achievement.Status.WITHDRAWN)
    for obj in (old_closed, old_open):
        _age(Demand, obj, updated_at=NOW - dt.timedelta(days=3 * 365 + 10))
    _age(Demand, young_closed, updated_at=NOW - dt.timedelta(days=300))
    _age(Achievement, old_withdrawn, updated_at=NOW - dt.timedelta(days=4 * 365))
    PublicSubmission.objects.create(ip_hash="a" * 64, accepted=True)
    PublicSubmission.objects.filter().update(at=NOW - dt.timedelta(days=40))

    counts = retention.purge(now=NOW)

    gone = Demand.objects.get(pk=old_closed.pk)
    assert (gone.contact_name, gone.contact_phone, gone.contact_email, gone.contact_phone_bidx) == ("", "", "", "")
    assert gone.title == old_closed.title  # the record stays, without the person
    for kept in (old_open, young_closed):
        assert Demand.objects.get(pk=kept.pk).contact_phone == kept.contact_phone
    assert Achievement.objects.get(pk=old_withdrawn.pk).contact_phone == ""
    assert PublicSubmission.objects.get().ip_hash == ""
    assert counts["techmarket.demand:contact_name,contact_phone,contact_email"] == 1
    assert counts["techmarket.achievement:contact_name,contact_phone,contact_email"] == 1

    entry = AuditEntry.objects.filter(action="purge").latest("id")
    assert entry.detail["rows"] == counts and entry.detail["total"] == sum(counts.values())
    # a second run finds nothing more, and is logged too
    assert sum(retention.purge(now=NOW).values()) == 0
    assert AuditEntry.objects.filter(action="purge").count() == 2


def test_item_17_withdrawn_consent_contacts_go_after_their_retention(client):
    from kechuang.core import consent
    from kechuang.core.models import ConsentRecord
    from kechuang.techmarket import services

    d = f.demand()
    notice = consent.current_notice(services.PUBLIC_DEMAND_PURPOSE)
    record = consent.give(
        purpose=services.PUBLIC_DEMAND_PURPOSE, notice=notice, contact="13912345678", obj=d, channel="public_form"
    )
    ConsentRecord.objects.filter(pk=record.pk).update(withdrawn_at=NOW - dt.timedelta(days=3 * 365 + 1))
    retention.purge(now=NOW)
    assert ConsentRecord.objects.get(pk=record.pk).subject_contact == ""


def test_item_17_command_runs_the_job():
    out = io.StringIO()
    call_command("purge_personal_data", stdout=out)
    assert "rows anonymised" in out.getvalue()
    assert AuditEntry.objects.filter(action="purge", object_label="purge_personal_data").exists()


def test_item_17_task_runs_the_job():
    from kechuang.core.tasks import purge_personal_data

    purge_personal_data.enqueue()
    assert AuditEntry.objects.filter(action="purge").exists()


def test_item_17_import_workbooks_are_deleted_after_their_retention(persona, settings, tmp_path):
    """An error workbook repeats the rejected rows, contacts included: it and the upload go after 30 days."""
    from django.core.files.base import ContentFile

    from kechuang.core.models import ImportJob

    settings.KECHUANG_IMPORT_DIR = tmp_path
    jobs = {}
    for name, days in (("old", 31), ("young", 29)):
        job = ImportJob(kind="techmarket.demand", actor=persona("bureau_staff"), filename=f"{name}.xlsx")
        job.status, job.finished_at = ImportJob.Status.FAILED, NOW - dt.timedelta(days=days)
        job.errors = [{"row": 3, "field": "contact_phone", "message": "13800000000 is not a phone number"}]
        job.upload.save(f"{name}.xlsx", ContentFile(b"PK upload"), save=False)
        job.error_workbook.save(f"{name}-errors.xlsx", ContentFile(b"PK errors"), save=False)
        job.save()
        jobs[name] = job
    old_files = [tmp_path / jobs["old"].upload.name, tmp_path / jobs["old"].error_workbook.name]
    assert all(path.exists() for path in old_files)

    counts = retention.purge(now=NOW)

    assert counts[retention.IMPORT_FILES] == 1
    old = ImportJob.objects.get(pk=jobs["old"].pk)
    assert (old.upload.name, old.error_workbook.name, old.errors) == ("", "", [])
    assert old.status == ImportJob.Status.FAILED and old.filename == "old.xlsx"  # the job's outcome stays
    assert not any(path.exists() for path in old_files)
    young = ImportJob.objects.get(pk=jobs["young"].pk)
    assert young.errors and (tmp_path / young.error_workbook.name).exists()
    assert retention.purge(now=NOW)[retention.IMPORT_FILES] == 0
