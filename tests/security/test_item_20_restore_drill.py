"""Checklist item 20: a restore drill (backup, damage, restore) ends with the manifest's row counts and a verifying
audit chain; a damaged archive, another schema and an unconfirmed restore are refused before anything changes.

Runs on the suite's database (SQLite here, PostgreSQL in CI's PostgreSQL leg, through pg_dump / pg_restore).
A restore replaces the whole database, so these tests are transactional (the database is flushed after each)."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from kechuang.core import audit
from kechuang.core.models import AuditEntry, User
from kechuang.techmarket import index
from kechuang.techmarket.models import VocabularyTerm
from tests.conftest import seed_platform

pytestmark = pytest.mark.django_db(transaction=True)

DEMO_ENTERPRISES = 120  # a representative subset: every module's demo data, a smaller enterprise register


def count_rows(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
        return cursor.fetchone()[0]


def read_manifest(archive: Path) -> dict:
    with tarfile.open(archive, "r:gz") as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith("/manifest.json"))
        return json.load(tar.extractfile(member))


def rewrite_archive(archive: Path, target: Path, change) -> Path:
    """A copy of `archive` with `change(name, data) -> data` applied to each member."""
    with tarfile.open(archive, "r:gz") as source, tarfile.open(target, "w:gz") as copy:
        for member in source.getmembers():
            data = source.extractfile(member).read() if member.isfile() else None
            if data is not None:
                data = change(member.name, data)
                member.size = len(data)
            copy.addfile(member, io.BytesIO(data) if data is not None else None)
    return target


@pytest.fixture
def small_site(tmp_path, settings):
    """The seeded platform (policy, personas, vocabulary), an upload, an import file and the matching index, in
    folders of this test."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.KECHUANG_IMPORT_DIR = tmp_path / "imports"
    settings.TECHMARKET_INDEX_DIR = str(tmp_path / "match_index")
    index.reset()
    seed_platform()
    for user in User.objects.all():
        audit.record(actor=user, action="login", obj=user)
    (settings.MEDIA_ROOT / "attachments").mkdir(parents=True)
    (settings.MEDIA_ROOT / "attachments" / "合同.pdf").write_bytes(b"%PDF-1.7 contract")
    (settings.KECHUANG_IMPORT_DIR / "uploads").mkdir(parents=True)
    (settings.KECHUANG_IMPORT_DIR / "uploads" / "enterprises.xlsx").write_bytes(b"PK\x03\x04 workbook")
    index.rebuild()
    yield tmp_path
    index.reset()


@pytest.fixture
def site(small_site):
    """`small_site` with the demo data of every module (a smaller enterprise register) and its index."""
    from kechuang.enterprises import demo as enterprise_demo

    with mock.patch.object(enterprise_demo, "DEMO_SIZE", DEMO_ENTERPRISES):
        call_command("load_demo", stdout=io.StringIO())
    index.rebuild()
    return small_site


def test_item_20_restore_drill_brings_back_rows_files_index_and_a_verifying_chain(site):
    from kechuang.enterprises.models import Enterprise

    assert audit.check_chain().ok
    call_command("backup", output=str(site / "backups"), stdout=io.StringIO())
    (archive,) = (site / "backups").glob("kechuang-backup-*.tar.gz")
    manifest = read_manifest(archive)
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["row_counts"]["enterprises_enterprise"] == Enterprise.objects.count() > 0
    assert {"files/media/attachments/合同.pdf", "files/imports/uploads/enterprises.xlsx"} <= set(manifest["members"])
    assert any(name.startswith("files/match_index/") for name in manifest["members"])
    assert AuditEntry.objects.filter(action="backup", success=True).exists()

    # The damage: rows deleted and changed, a file lost, one added, the index gone.
    newest = list(Enterprise.objects.order_by("-id").values_list("id", flat=True)[:30])
    Enterprise.objects.filter(id__in=newest).delete()
    User.objects.update(display_name="damaged")
    (settings.MEDIA_ROOT / "attachments" / "合同.pdf").unlink()
    (settings.KECHUANG_IMPORT_DIR / "uploads" / "stray.xlsx").write_bytes(b"not in the backup")
    for path in sorted(Path(settings.TECHMARKET_INDEX_DIR).rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()

    out = io.StringIO()
    call_command("restore", str(archive), yes=True, stdout=out, stderr=out)
    index.reset()
    assert "the audit chain verifies" in out.getvalue()

    # Every table has the manifest's row count again (the audit log: plus the restore's own entry).
    counts = {table: count_rows(table) for table in manifest["row_counts"]}
    expected = dict(manifest["row_counts"], core_auditentry=manifest["row_counts"]["core_auditentry"] + 1)
    assert counts == expected
    assert not User.objects.filter(display_name="damaged").exists()
    assert (settings.MEDIA_ROOT / "attachments" / "合同.pdf").read_bytes() == b"%PDF-1.7 contract"
    assert not (settings.KECHUANG_IMPORT_DIR / "uploads" / "stray.xlsx").exists()
    assert (Path(settings.TECHMARKET_INDEX_DIR) / "tantivy").is_dir()
    assert audit.check_chain().ok
    restore_entry = AuditEntry.objects.order_by("-id").first()
    assert (restore_entry.action, restore_entry.success) == ("restore", True)
    assert AuditEntry.objects.filter(action="backup").exists()  # the backup's own entry came back with the data


def test_item_20_manifest_references_keys_and_never_holds_them(small_site):
    site = small_site
    call_command("backup", output=str(site / "backups"), stdout=io.StringIO())
    (archive,) = (site / "backups").glob("*.tar.gz")
    with tarfile.open(archive, "r:gz") as tar:
        everything = b"".join(tar.extractfile(m).read() for m in tar.getmembers() if m.isfile())
    manifest = read_manifest(archive)
    assert set(manifest["keys"]) >= {"audit_key", "secret_key"}
    assert len(manifest["keys"]["audit_key"]["fingerprint"]) == 16
    for secret in {settings.SECRET_KEY, settings.AUDIT_KEY}:
        assert secret.encode() not in everything
    assert not any(name.endswith("field_keys.json") for name in manifest["members"])


def test_item_20_restore_without_the_index_rebuilds_it(small_site):
    site = small_site
    call_command("backup", output=str(site / "backups"), stdout=io.StringIO())
    (archive,) = (site / "backups").glob("*.tar.gz")
    without_index = rewrite_archive(archive, site / "no-index.tar.gz", lambda name, data: data)
    # Drop the index members and their manifest entries: an archive of a site whose index was never built.
    with tarfile.open(without_index, "r:gz") as tar:
        kept = [(m, tar.extractfile(m).read()) for m in tar.getmembers() if "/files/match_index/" not in m.name]
    with tarfile.open(without_index, "w:gz") as tar:
        for member, data in kept:
            if member.name.endswith("manifest.json"):
                manifest = json.loads(data)
                manifest["members"] = {k: v for k, v in manifest["members"].items() if "match_index" not in k}
                data = json.dumps(manifest).encode()
                member.size = len(data)
            tar.addfile(member, io.BytesIO(data))
    out = io.StringIO()
    call_command("restore", str(without_index), yes=True, stdout=out)
    index.reset()
    assert "rebuilt match_index" in out.getvalue()
    assert (Path(settings.TECHMARKET_INDEX_DIR) / "tantivy").is_dir()


def test_item_20_a_damaged_archive_another_schema_or_no_confirmation_changes_nothing(small_site):
    site = small_site
    call_command("backup", output=str(site / "backups"), stdout=io.StringIO())
    (archive,) = (site / "backups").glob("*.tar.gz")
    VocabularyTerm.objects.filter(pk__in=list(VocabularyTerm.objects.values_list("pk", flat=True)[:3])).delete()
    after_damage = VocabularyTerm.objects.count()

    def flip_a_byte(name: str, data: bytes) -> bytes:
        if name.endswith(("database.sqlite3", "database.pgdump")):
            return data[:-1] + bytes([data[-1] ^ 1])
        return data

    tampered = rewrite_archive(archive, site / "tampered.tar.gz", flip_a_byte)
    with pytest.raises(CommandError, match="checksum mismatch"):
        call_command("restore", str(tampered), yes=True, stdout=io.StringIO())

    def newer_schema(name: str, data: bytes) -> bytes:
        if name.endswith("manifest.json"):
            manifest = json.loads(data)
            manifest["schema"]["migrations"].append("core.9999_from_the_future")
            return json.dumps(manifest).encode()
        return data

    other_schema = rewrite_archive(archive, site / "schema.tar.gz", newer_schema)
    with pytest.raises(CommandError, match=r"schema mismatch.*--force"):
        call_command("restore", str(other_schema), yes=True, stdout=io.StringIO())

    with mock.patch("builtins.input", return_value="no"), pytest.raises(CommandError, match="cancelled"):
        call_command("restore", str(archive), stdout=io.StringIO())
    assert VocabularyTerm.objects.count() == after_damage

    call_command("restore", str(other_schema), yes=True, force=True, stdout=io.StringIO())
    assert VocabularyTerm.objects.count() == after_damage + 3
    assert audit.check_chain().ok
    forced = AuditEntry.objects.order_by("-id").first()
    assert forced.action == "restore" and forced.detail["forced"] is True
