"""Baseline item 12: `manage.py purge_audit` deletes audit entries older than the retention (never under 184
days), keeps every younger one, leaves the chain verifiable, and is itself logged."""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from kechuang.core import audit, checks
from kechuang.core.models import AuditAnchor, AuditEntry
from tests.security.tamper import audit_guard_lifted

# The SQLite/PostgreSQL guard judges a row's age by the database's clock, which time-machine does not move.
db_clock = pytest.mark.real_clock

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def empty_log() -> None:
    """The log starts with this test (the seeded rows are younger than any the test writes in the past)."""
    with audit_guard_lifted():
        AuditEntry.objects.all().delete()


def write_aged(ages_in_days: list[int]) -> list[AuditEntry]:
    """One entry per age, oldest first, each written with the clock moved back (as the server wrote it then)."""
    now = timezone.now()
    written = []
    for age in sorted(ages_in_days, reverse=True):
        with time_machine.travel(now - dt.timedelta(days=age, hours=1), tick=False):
            written.append(audit.record(actor=None, action=audit.Action.IMPORT, object_label=f"{age} days"))
    return written


def purge_quietly() -> str:
    out = io.StringIO()
    call_command("purge_audit", stdout=out)
    return out.getvalue()


def test_item_12_purge_deletes_old_entries_keeps_younger_and_the_chain_verifies(django_capture_on_commit_callbacks):
    empty_log()
    with django_capture_on_commit_callbacks(execute=True):
        entries = write_aged([400, 300, 185, 183, 100, 0])
    assert audit.read_checkpoint().last_id == entries[-1].pk
    with django_capture_on_commit_callbacks(execute=True):
        output = purge_quietly()
    assert "purged 3 audit entries" in output
    kept = list(AuditEntry.objects.exclude(action="purge").order_by("id").values_list("object_label", flat=True))
    assert kept == ["183 days", "100 days", "0 days"]
    anchor = AuditAnchor.objects.get()
    assert anchor.upto_id == entries[2].pk and anchor.chain == entries[2].chain and anchor.purged == 3
    # The kept entries chain from the anchor, and the checkpoint (rewritten after the purge) agrees.
    report = audit.check_chain()
    assert report.ok, report
    assert audit.read_checkpoint().anchor_id == anchor.upto_id


@db_clock
def test_item_12_the_purge_is_itself_logged(persona):
    empty_log()
    write_aged([200])
    result = audit.purge(actor=persona("bureau_admin"))
    entry = AuditEntry.objects.get(action="purge")
    assert entry.detail == {"purged": 1, "upto_id": result.upto_id, "retention_days": 184}
    assert entry.actor == persona("bureau_admin")
    assert audit.verify_chain() == []


@db_clock
def test_item_12_a_second_purge_chains_from_the_newer_anchor():
    empty_log()
    write_aged([600, 500])
    with time_machine.travel(timezone.now() - dt.timedelta(days=300), tick=False):
        assert audit.purge().purged == 2  # a purge 300 days ago
    write_aged([250, 10])
    second = audit.purge()
    assert second.purged == 2  # the first purge's own entry and the 250-day entry
    assert AuditAnchor.objects.count() == 2
    assert list(AuditEntry.objects.exclude(action="purge").values_list("object_label", flat=True)) == ["10 days"]
    assert audit.check_chain().ok


@db_clock
def test_item_12_a_longer_retention_keeps_more(settings):
    settings.AUDIT_RETENTION_DAYS = 365
    empty_log()
    write_aged([400, 300])
    assert audit.purge().purged == 1
    assert AuditEntry.objects.filter(object_label="300 days").exists()


def test_item_12_retention_under_184_days_is_refused(settings):
    settings.AUDIT_RETENTION_DAYS = 183
    empty_log()
    write_aged([190])
    with pytest.raises(CommandError, match="184"):
        purge_quietly()
    assert AuditEntry.objects.filter(object_label="190 days").exists()
    assert [e.id for e in checks.audit_key_check()] == ["kechuang.audit.E003"]


def test_item_12_the_environment_cannot_ask_for_less_than_184_days(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update({"KECHUANG_VAR_DIR": str(tmp_path), "KECHUANG_AUDIT_RETENTION_DAYS": "90"})
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "KECHUANG_AUDIT_RETENTION_DAYS must be at least 184" in result.stderr


def test_item_12_an_old_row_after_a_younger_one_waits_so_the_chain_stays_whole():
    """Only a run of the oldest ids goes: an old-dated row written after a young one stays until that one ages."""
    empty_log()
    write_aged([300, 10])
    with time_machine.travel(timezone.now() - dt.timedelta(days=250), tick=False):
        audit.record(actor=None, action=audit.Action.IMPORT, object_label="late 250")
    assert audit.purge().purged == 1
    assert set(AuditEntry.objects.exclude(action="purge").values_list("object_label", flat=True)) == {
        "10 days",
        "late 250",
    }
    assert audit.verify_chain() == []


@db_clock
@settings(max_examples=15, deadline=None)
@given(ages=st.lists(st.integers(min_value=0, max_value=600), min_size=1, max_size=8))
def test_item_12_purge_keeps_every_entry_younger_than_the_retention(ages):
    with transaction.atomic():
        empty_log()
        write_aged(ages)
        audit.purge()
        kept = sorted(
            int(label.split()[0])
            for label in AuditEntry.objects.filter(action="import").values_list("object_label", flat=True)
        )
        assert kept == sorted(a for a in ages if a < 184)
        assert audit.check_chain().ok
        transaction.set_rollback(True)
