"""Backup and restore (security-baseline.md, 数据备份恢复; checklist item 20): `manage.py backup` / `restore`.

One archive, `kechuang-backup-<UTC time>.tar.gz`, holds
- the database: SQLite through the online backup API (a consistent copy while the platform runs), PostgreSQL
  through `pg_dump --format=custom`;
- the data folders: uploads (MEDIA_ROOT), the import storage (KECHUANG_IMPORT_DIR) and each module's folders
  (its AppConfig's `data_folders()`, e.g. the matching index, which a restore rebuilds when it is absent);
- `manifest.json`: time, versions, the applied migrations (the schema), row counts per table, the SHA-256 and size
  of every member, the audit chain's head, and *references* to the keys in use (ids and fingerprints; never a key:
  the keys are kept apart from the data, a backup that carried them would hand the data to whoever holds it).

A restore verifies every checksum before it touches anything, refuses another schema unless forced, restores the
database and the folders, rebuilds what is derived, checks the row counts and the audit chain against the manifest,
and records itself in the audit log. Stop the server and the task worker first: a restore replaces the database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import sqlite3
import subprocess  # nosec B404  # pg_dump / pg_restore, fixed argument lists
import tarfile
import tempfile
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import django
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from kechuang.core import audit
from kechuang.core.models import AuditEntry
from kechuang.core.registry import kechuang_apps

FORMAT = 1
MANIFEST = "manifest.json"
DB_MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why."""


@dataclass(frozen=True)
class DataFolder:
    """A folder of files the platform keeps beside the database. `rebuild_command`: the folder is derived data,
    rebuilt by that management command when a restore leaves it absent."""

    name: str
    path: Path
    rebuild_command: str = ""


def data_folders() -> list[DataFolder]:
    folders = [
        DataFolder("media", Path(settings.MEDIA_ROOT)),
        DataFolder("imports", Path(settings.KECHUANG_IMPORT_DIR)),
    ]
    for config in kechuang_apps():
        hook = getattr(config, "data_folders", None)
        if hook is not None:
            folders.extend(hook())
    return folders


# ---------------------------------------------------------------- what the manifest records
def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fingerprint(secret: str | bytes) -> str:
    """A key's reference: enough to tell two keys apart, useless to recover either."""
    data = secret.encode() if isinstance(secret, str) else secret
    return hashlib.sha256(b"kechuang-key-reference:" + data).hexdigest()[:16]


def key_references() -> dict[str, Any]:
    """Which keys the data needs, by id and fingerprint (never the key material)."""
    audit_source = "KECHUANG_AUDIT_KEY" if os.environ.get("KECHUANG_AUDIT_KEY", "").strip() else "KECHUANG_SECRET_KEY"
    refs: dict[str, Any] = {
        "audit_key": {"source": audit_source, "fingerprint": _fingerprint(settings.AUDIT_KEY)},
        "secret_key": {"fingerprint": _fingerprint(settings.SECRET_KEY)},
    }
    field_keys = getattr(settings, "KECHUANG_FIELD_KEYS", "")
    if field_keys:
        items = [item.strip() for item in field_keys.split(",") if item.strip()]
        refs["field_keys"] = {
            "source": "KECHUANG_FIELD_KEYS",
            "ids": [item.partition(":")[0] for item in items],
            "fingerprints": [_fingerprint(item.partition(":")[2]) for item in items],
        }
    elif (Path(settings.VAR_DIR) / "field_keys.json").exists():
        refs["field_keys"] = {"source": "development key file field_keys.json in KECHUANG_VAR_DIR (not archived)"}
    return refs


def applied_migrations() -> list[str]:
    return sorted(f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations())


def code_migrations() -> list[str]:
    """Every migration the installed code ships: the schema a restored database must have."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return sorted(f"{app}.{name}" for app, name in loader.disk_migrations)


def schema_id(migrations: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(migrations)).encode()).hexdigest()[:16]


def row_counts() -> dict[str, int]:
    counts: dict[str, int] = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed or meta.db_table in counts:
            continue
        counts[meta.db_table] = model._base_manager.using(connection.alias).count()
    return dict(sorted(counts.items()))


def _audit_head() -> dict[str, Any]:
    last = AuditEntry.objects.order_by("-id").values("id", "chain").first()
    return {
        "entries": AuditEntry.objects.count(),
        "last_id": last["id"] if last else None,
        "head": last["chain"] if last else "",
    }


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"


# ---------------------------------------------------------------- the database
def vendor() -> str:
    if connection.vendor not in DB_MEMBER:
        raise BackupError(f"backup supports SQLite and PostgreSQL, not {connection.vendor}")
    return connection.vendor


def _pg_env() -> dict[str, str]:
    conf = connection.settings_dict
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if conf.get(key):
            env[var] = str(conf[key])
    sslmode = (conf.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = sslmode
    return env


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed (Debian: postgresql-client; `make system-deps` installs it)")
    return found


def _run(command: list[str]) -> None:
    result = subprocess.run(command, env=_pg_env(), capture_output=True, text=True)  # nosec B603  # fixed argv
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()[-2000:]}")


def dump_database(target: Path) -> None:
    if vendor() == "sqlite":
        connection.ensure_connection()
        copy = sqlite3.connect(target)
        try:
            connection.connection.backup(copy)  # the online backup API: consistent while others write
        finally:
            copy.close()
    else:
        name = connection.settings_dict["NAME"]
        _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={target}", name])


def load_database(source: Path) -> None:
    if connection.in_atomic_block:
        raise BackupError("a restore cannot run inside a transaction")
    if vendor() == "sqlite":
        connection.ensure_connection()
        dump = sqlite3.connect(source)
        try:
            dump.backup(connection.connection)  # page by page over the configured database
        finally:
            dump.close()
    else:
        name = connection.settings_dict["NAME"]
        connection.close()  # pg_restore drops the tables: no open connection of ours may hold a lock on them
        _run(
            [
                _pg_tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                f"--dbname={name}",
                str(source),
            ]
        )


# ---------------------------------------------------------------- backup
@dataclass
class BackupResult:
    path: Path
    manifest: dict[str, Any]
    seconds: float = 0.0


def _folder_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def _write_archive(archive: Path, root: str, db_vendor: str, created_at: dt.datetime) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(dir=archive.parent, prefix=".backup-") as scratch:
        dump = Path(scratch) / DB_MEMBER[db_vendor]
        dump_database(dump)
        members: list[tuple[str, Path]] = [(DB_MEMBER[db_vendor], dump)]
        folders = data_folders()
        for folder in folders:
            members += [
                (f"files/{folder.name}/{p.relative_to(folder.path).as_posix()}", p) for p in _folder_files(folder.path)
            ]
        migrations = applied_migrations()
        manifest = {
            "format": FORMAT,
            "created_at": created_at.isoformat(),
            "versions": {
                "kechuang": _version("kechuang"),
                "django": django.get_version(),
                "python": platform.python_version(),
            },
            "database": {"vendor": db_vendor, "member": DB_MEMBER[db_vendor]},
            "schema": {"id": schema_id(migrations), "migrations": migrations},
            "row_counts": row_counts(),
            "audit": _audit_head(),
            "folders": {f.name: {"rebuild_command": f.rebuild_command, "present": f.path.is_dir()} for f in folders},
            "keys": key_references(),
            "members": {name: {"sha256": sha256_of(path), "bytes": path.stat().st_size} for name, path in members},
        }
        manifest_path = Path(scratch) / MANIFEST
        manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
        partial = archive.with_suffix(".partial")
        with tarfile.open(partial, "w:gz", compresslevel=6) as tar:
            tar.add(manifest_path, arcname=f"{root}/{MANIFEST}")
            for name, path in members:
                tar.add(path, arcname=f"{root}/{name}", recursive=False)
        partial.rename(archive)  # an interrupted backup never looks like a finished one
    archive.chmod(0o600)
    return manifest


def create_backup(output_dir: Path | str, *, actor: Any = None) -> BackupResult:
    """Write one archive into `output_dir` and record the backup in the audit log."""
    started = dt.datetime.now(dt.UTC)
    stamp = started.strftime("%Y%m%dT%H%M%S%fZ")
    root = f"kechuang-backup-{stamp}"
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    archive = output_dir / f"{root}.tar.gz"
    db_vendor = vendor()
    # Recorded first, so the archive holds its own backup event and a restored log shows where it came from.
    audit.record(
        actor=actor,
        action="backup",
        object_type="backup",
        object_label=archive.name,
        detail={"archive": archive.name, "database": db_vendor},
    )
    try:
        manifest = _write_archive(archive, root, db_vendor, started)
    except Exception as error:
        audit.record(
            actor=actor,
            action="backup",
            object_type="backup",
            object_label=archive.name,
            detail={"archive": archive.name, "error": str(error)[:500]},
            success=False,
        )
        raise
    seconds = (dt.datetime.now(dt.UTC) - started).total_seconds()
    return BackupResult(archive, manifest, seconds)


# ---------------------------------------------------------------- restore
@dataclass
class RestoreResult:
    manifest: dict[str, Any]
    row_count_differences: dict[str, tuple[int, int]] = field(default_factory=dict)
    broken_audit_ids: list[int] = field(default_factory=list)
    audit_problems: list[str] = field(default_factory=list)
    audit_head_matches: bool = True
    rebuilt: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return (
            not self.row_count_differences
            and not self.broken_audit_ids
            and not self.audit_problems
            and self.audit_head_matches
        )


def _extract(tar: tarfile.TarFile, into: Path) -> None:
    """Only plain files and folders inside `into` (no absolute paths, no .., no links or devices)."""
    for member in tar.getmembers():
        parts = Path(member.name).parts
        if not (member.isfile() or member.isdir()) or Path(member.name).is_absolute() or ".." in parts:
            raise BackupError(f"the archive has a member a backup never has: {member.name!r}")
    if hasattr(tarfile, "data_filter"):  # Python ≥ 3.11.4: the standard library checks as well
        tar.extractall(into, filter="data")
    else:
        tar.extractall(into)  # nosec B202  # every member was checked above


def read_archive(archive: Path | str, into: Path) -> tuple[Path, dict[str, Any]]:
    """Extract `archive` into `into` and verify every member against the manifest; returns (root, manifest)."""
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"no archive at {archive}")
    try:
        with tarfile.open(archive, "r:gz") as tar:
            _extract(tar, into)
    except (tarfile.TarError, OSError, EOFError) as error:
        raise BackupError(f"{archive.name} is not a readable backup archive ({error})") from None
    roots = [p for p in into.iterdir() if p.is_dir()]
    if len(roots) != 1 or not (roots[0] / MANIFEST).is_file():
        raise BackupError(f"{archive.name} has no {MANIFEST}")
    root = roots[0]
    manifest = json.loads((root / MANIFEST).read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r} (this version reads {FORMAT})")
    listed = manifest["members"]
    present = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()} - {MANIFEST}
    problems = [f"{name}: missing" for name in sorted(set(listed) - present)]
    problems += [f"{name}: not in the manifest" for name in sorted(present - set(listed))]
    problems += [
        f"{name}: checksum mismatch"
        for name in sorted(set(listed) & present)
        if sha256_of(root / name) != listed[name]["sha256"]
    ]
    if problems:
        raise BackupError("the archive does not match its manifest: " + "; ".join(problems[:20]))
    return root, manifest


def schema_problem(manifest: dict[str, Any]) -> str | None:
    """Why the backup's schema differs from the code's (None: it is the same)."""
    theirs = set(manifest["schema"]["migrations"])
    ours = set(code_migrations())
    if theirs == ours:
        return None
    missing, extra = sorted(ours - theirs), sorted(theirs - ours)
    parts = []
    if missing:
        parts.append(f"{len(missing)} migrations of this code are not in the backup (e.g. {missing[0]})")
    if extra:
        parts.append(f"the backup has {len(extra)} migrations this code lacks (e.g. {extra[0]})")
    return "; ".join(parts)


def _replace_folder(source: Path, target: Path) -> None:
    """Put `source`'s files in place of `target`'s; the old folder is removed only once the new one is there."""
    target.parent.mkdir(parents=True, exist_ok=True)
    aside = target.with_name(f".{target.name}.before-restore")
    if aside.exists():
        shutil.rmtree(aside)
    if target.exists():
        target.rename(aside)
    if source.is_dir():
        shutil.move(str(source), str(target))
    else:
        target.mkdir()
    if aside.exists():
        shutil.rmtree(aside)


def restore_backup(archive: Path | str, *, force: bool = False, actor: Any = None) -> RestoreResult:
    """Restore `archive` over the configured database and folders (the caller has asked for confirmation)."""
    started = dt.datetime.now(dt.UTC)
    with tempfile.TemporaryDirectory(dir=settings.VAR_DIR, prefix=".restore-") as scratch:
        root, manifest = read_archive(archive, Path(scratch))
        if manifest["database"]["vendor"] != vendor():
            raise BackupError(f"the backup holds a {manifest['database']['vendor']} database; this one is {vendor()}")
        problem = schema_problem(manifest)
        if problem and not force:
            raise BackupError(f"schema mismatch: {problem}. Use --force to restore anyway, then run migrate.")
        load_database(root / manifest["database"]["member"])
        result = RestoreResult(manifest)
        for folder in data_folders():
            _replace_folder(root / "files" / folder.name, folder.path)
    for folder in data_folders():
        if folder.rebuild_command and not any(folder.path.iterdir()):
            call_command(folder.rebuild_command, verbosity=0)
            result.rebuilt.append(folder.name)
    counts = row_counts()
    result.row_count_differences = {
        table: (expected, counts.get(table, -1))
        for table, expected in manifest["row_counts"].items()
        if counts.get(table, -1) != expected
    }
    head = _audit_head()
    result.audit_head_matches = (head["last_id"], head["head"]) == (
        manifest["audit"]["last_id"],
        manifest["audit"]["head"],
    )
    # The chain head kept outside the table (the signed checkpoint) still names the newer log that was replaced:
    # it now starts from the restored head, which the manifest vouched for above.
    if result.audit_head_matches:
        audit.write_checkpoint(reset=True)
    chain = audit.check_chain()
    result.broken_audit_ids, result.audit_problems = chain.broken, chain.problems
    result.seconds = (dt.datetime.now(dt.UTC) - started).total_seconds()
    audit.record(
        actor=actor,
        action="restore",
        object_type="backup",
        object_label=Path(archive).name,
        detail={
            "archive": Path(archive).name,
            "created_at": manifest["created_at"],
            "schema": manifest["schema"]["id"],
            "forced": bool(force and schema_problem(manifest)),
            "rows_differing": sorted(result.row_count_differences),
            "audit_chain_broken": len(result.broken_audit_ids),
            "audit_head_matches": result.audit_head_matches,
            "rebuilt": result.rebuilt,
            "seconds": round(result.seconds, 2),
        },
        success=result.ok,
    )
    return result
