"""Baseline item 11: the application's database connection cannot change or delete audit rows; a tampered row
fails `verify_chain`; deleting the newest rows shows against the signed checkpoint; the audit key is its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import DatabaseError, connection, transaction

from kechuang.core import audit, checks, services
from kechuang.core.models import AuditAnchor, AuditEntry
from tests.security.tamper import audit_guard_lifted

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def entries(persona, unit, django_capture_on_commit_callbacks):
    """Five new entries, committed as far as the checkpoint knows (its on-commit write runs)."""
    staff = persona("bureau_staff")
    with django_capture_on_commit_callbacks(execute=True):
        liaison = services.liaison_create(actor=staff, org_unit=unit("boshan"), name="链甲")
        for position in ("科员", "科长", "处长", "局长"):
            services.liaison_update(actor=staff, liaison=liaison, position=position)
    return list(AuditEntry.objects.order_by("-id")[:5])[::-1]


def test_item_11_each_commit_signs_the_head_into_the_checkpoint(entries):
    point = audit.read_checkpoint()
    assert point is not None and point.last_id == entries[-1].pk and point.chain == entries[-1].chain
    assert point.count == AuditEntry.objects.filter(id__lte=point.last_id).count()
    assert audit.verify_chain() == [] and audit.check_chain().ok


def test_item_11_tampered_row_fails_verify_chain(entries):
    victim = entries[2]
    with audit_guard_lifted():
        AuditEntry.objects.filter(pk=victim.pk).update(object_label="改过的")
    assert audit.verify_chain() == [victim.pk]


def test_item_11_deleting_the_newest_rows_is_detected(entries):
    newest_two = [e.pk for e in entries[-2:]]
    with audit_guard_lifted():
        AuditEntry.objects.filter(pk__in=newest_two).delete()
    # What is left chains perfectly; only the checkpoint outside the table knows more was committed.
    assert audit.verify_chain() == [newest_two[-1]]  # the head the checkpoint signed is gone
    report = audit.check_chain()
    assert not report.ok and any(f"#{newest_two[-1]}" in p for p in report.problems)


def test_item_11_a_forged_checkpoint_is_reported(entries):
    path = audit.checkpoint_path()
    forged = json.loads(path.read_text())
    forged["last_id"] -= 2  # hides the newest entries, but cannot be signed without the audit key
    path.write_text(json.dumps(forged))
    report = audit.check_chain()
    assert not report.ok and "signature" in report.problems[0]


def test_item_11_a_late_writer_never_moves_the_checkpoint_back(entries):
    head = audit.read_checkpoint()
    with audit_guard_lifted():
        AuditEntry.objects.filter(pk=entries[-1].pk).delete()
    assert audit.write_checkpoint() == head  # a stale process writing after a newer one changes nothing
    assert audit.write_checkpoint(reset=True).last_id == entries[-2].pk  # a restore re-signs on purpose


@pytest.mark.parametrize("statement", ["update", "delete"])
def test_item_11_the_app_connection_cannot_update_or_delete_audit_rows(entries, statement):
    """The database itself refuses (a trigger on PostgreSQL, on SQLite too), whatever the application does."""
    target = AuditEntry.objects.filter(pk=entries[0].pk)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        if statement == "update":
            target.update(success=False)
        else:
            target.delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {AuditEntry._meta.db_table} SET actor_label = 'x'")
    assert AuditEntry.objects.get(pk=entries[0].pk).success is True
    assert audit.verify_chain() == []


def test_item_11_even_the_purge_cannot_delete_a_young_row_or_update_any(entries):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), audit.purge_unlocked():
        AuditEntry.objects.filter(pk=entries[0].pk).delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), audit.purge_unlocked():
        AuditEntry.objects.filter(pk=entries[0].pk).update(object_label="x")
    assert AuditEntry.objects.filter(pk=entries[0].pk).exists()


def test_item_11_purge_anchors_cannot_be_changed_either(entries):
    anchor = AuditAnchor(upto_id=0, chain="", purged=0, mac="")
    anchor.save()
    for change in (lambda: AuditAnchor.objects.filter(pk=anchor.pk).update(upto_id=9), anchor.delete):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            change()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only: DATABASE_URL=postgres://…")
def test_item_11_postgres_guard_is_a_trigger_that_only_the_flagged_purge_passes(entries):
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = 'core_auditentry'::regclass AND NOT tgisinternal")
        assert [row[0] for row in cursor.fetchall()] == ["core_auditentry_append_only"]
    # Setting the flag by hand does not let a young row go: the trigger checks the age too.
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL kechuang.audit_purge = 'on'")
        cursor.execute(f"DELETE FROM {AuditEntry._meta.db_table} WHERE id = %s", [entries[0].pk])


def test_item_11_audit_key_is_not_the_secret_key():
    assert django_settings.AUDIT_KEY and django_settings.AUDIT_KEY != django_settings.SECRET_KEY
    if not os.environ.get("KECHUANG_AUDIT_KEY"):
        # Development keeps a key of its own in the var dir.
        assert (django_settings.VAR_DIR / "audit_key").read_text().strip() == django_settings.AUDIT_KEY
    assert checks.audit_key_check() == []


def test_item_11_system_check_refuses_the_secret_key_as_audit_key(settings):
    settings.AUDIT_KEY = settings.SECRET_KEY
    assert [e.id for e in checks.audit_key_check()] == ["kechuang.audit.E002"]


def test_item_11_production_does_not_start_without_an_audit_key(tmp_path):
    env = {
        **os.environ,
        "KECHUANG_ENV": "production",
        "KECHUANG_SECRET_KEY": "x" * 60,
        "KECHUANG_VAR_DIR": str(tmp_path),
        "KECHUANG_ALLOWED_HOSTS": "kechuang.example.gov.cn",
    }
    env.pop("KECHUANG_AUDIT_KEY", None)
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0 and "kechuang.audit.E001" in result.stderr
    assert "KECHUANG_AUDIT_KEY" in result.stderr
