"""The audit log: one mechanism every service uses to record who changed what.

Entries are chained: each holds an HMAC over its own content and the previous entry's chain value,
so an edited or deleted row breaks `verify_chain` (security-baseline.md, 安全审计 c). The chain's head is kept
outside the table as well, in a signed checkpoint file rewritten after each commit, so deleting the newest rows
shows too. The database refuses UPDATE and DELETE on the table (migration 0006_audit), except the retention
purge (`purge`), which leaves a signed anchor the kept entries verify from.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import datetime as dt
import decimal
import fcntl
import getpass
import hashlib
import hmac
import json
import os
import socket
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core.masking import mask_changes
from kechuang.core.middleware import current_request_info
from kechuang.core.models import AuditAnchor, AuditEntry
from kechuang.core.numbers import plain_decimal

Action = AuditEntry.Action
# Never written to the log, whatever the model (security-baseline.md: no passwords or tokens).
SECRET_FIELDS = frozenset({"password", "digest", "secret", "token"})


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        # 600 and 600.0000 are the same figure: compare and store them alike.
        return plain_decimal(value)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The object's concrete field values (foreign keys as ids), ready for JSON."""
    data = {}
    for field in obj._meta.concrete_fields:
        if field.name in SECRET_FIELDS or isinstance(field, models.AutoField | models.BigAutoField):
            continue
        data[field.attname] = _jsonable(getattr(obj, field.attname))
    return data


def diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, list[Any]]:
    """{field: [before, after]} for every field that differs."""
    before, after = before or {}, after or {}
    keys = list(dict.fromkeys([*before, *after]))
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


CHAIN_LOCK = 0x6B656368  # pg_advisory_xact_lock key of the audit chain's writers ("kech")


def _chain_value(previous: str, entry: AuditEntry) -> str:
    payload = json.dumps(
        [
            previous,
            entry.at.isoformat(),
            entry.actor_id,
            entry.actor_label,
            entry.action,
            entry.object_type,
            entry.object_id,
            entry.object_label,
            entry.changes,
            entry.detail,
            entry.ip,
            entry.success,
        ],
        ensure_ascii=False,
        sort_keys=True,
        default=str,
    )
    return _mac(payload)


def _mac(payload: str) -> str:
    key = settings.AUDIT_KEY
    if not key:
        # Production without KECHUANG_AUDIT_KEY: the system check stops the server; this stops everything else.
        raise ImproperlyConfigured("KECHUANG_AUDIT_KEY is not set: the audit log cannot be written or verified")
    return hmac.new(key.encode(), payload.encode(), hashlib.sha256).hexdigest()


def _system_account() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid())
    return f"system ({user}@{socket.gethostname()})"


def record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_label: str = "",
    changes: dict[str, Any] | None = None,
    detail: dict[str, Any] | None = None,
    success: bool = True,
) -> AuditEntry:
    """Append one entry; runs inside the caller's transaction so the log and the change land together."""
    info = current_request_info()
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_label = object_label or str(obj)[:300]
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    # No signed-in user: a request names nobody (a failed log-in names its attempt as the object); a command (cron's
    # purge, a backup) names the system account that ran it.
    actor_label = str(actor) if authenticated else ("" if info.request_id else _system_account())
    entry = AuditEntry(
        actor=actor if authenticated else None,
        actor_label=actor_label[:150],
        actor_role=getattr(actor, "role", "") if authenticated else "",
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_label=object_label,
        # Personal fields are stored masked: the log proves who changed a number, not what the number is.
        changes=mask_changes(_jsonable(changes or {})),
        detail=_jsonable(detail or {}),
        ip=info.ip,
        request_id=info.request_id,
        success=success,
    )
    with transaction.atomic():
        # Lock the chain's tail so two writers cannot fork it (SQLite writes serially anyway). On PostgreSQL the row
        # lock alone is not enough: a writer that waited for it still gets the row its query first found, not the
        # entry committed meanwhile, and forks the chain (the load soak broke it so). A transaction-scoped advisory
        # lock taken before the tail is read serialises the writers.
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK])
        last = AuditEntry.objects.select_for_update().order_by("-id").values_list("chain", flat=True).first()
        if last is None:
            anchor = _latest_anchor()
            last = anchor.chain if anchor is not None else ""
        entry.chain = _chain_value(last, entry)
        entry.save()
        _checkpoint_on_commit()
    return entry


def record_unmask(request: Any, obj: models.Model, fields: list[str], reason: str) -> AuditEntry:
    """Log that `request.user` saw `fields` of `obj` unmasked, and why (PIPL art. 51; baseline item 14). Never
    the values themselves."""
    return record(
        actor=getattr(request, "user", request),
        action=Action.UNMASK,
        obj=obj,
        detail={"fields": list(fields), "reason": str(reason)[:500]},
    )


def record_denied(
    actor: Any, *, obj: models.Model | None = None, object_type: str = "", object_label: str = "", **detail: Any
) -> AuditEntry:
    """Log a refused attempt (403, or 404 on a record outside the user's scope)."""
    return record(
        actor=actor,
        action=Action.DENIED,
        obj=obj,
        object_type=object_type,
        object_label=object_label,
        detail=detail,
        success=False,
    )


def note_refusal(user: Any, model: type[models.Model], lookup: Mapping[str, Any]) -> None:
    """`permissions.get_for_user` refused a lookup: when the record exists (it is out of the user's scope, not a
    mistyped address), log the attempt. Inside a request it is written after the response (denial middleware),
    outside the view's transaction, which the 404 may roll back; outside a request it is written at once."""
    try:
        found = model._default_manager.filter(**lookup).first()
    except (ValueError, TypeError, ValidationError):
        return
    if found is None:
        return
    info = current_request_info()
    if info.refusals is not None:
        info.refusals.append(found)
    else:
        record_denied(user, obj=found, reason="out of scope")


def save(obj: models.Model, *, actor: Any, action: str | None = None) -> dict[str, list[Any]]:
    """Validate, save and log `obj` with its before/after values; returns the changes (empty: nothing saved)."""
    before = None
    if obj.pk is not None:
        old = type(obj)._default_manager.filter(pk=obj.pk).first()
        before = snapshot(old) if old is not None else None
    obj.full_clean()
    after_unsaved = snapshot(obj)
    changes = diff(before, after_unsaved)
    if before is not None and not changes:
        return {}
    with transaction.atomic():
        obj.save()
        changes = diff(before, snapshot(obj))
        record(
            actor=actor,
            action=action or (Action.UPDATE if before is not None else Action.CREATE),
            obj=obj,
            changes=changes,
        )
    return changes


def assign(obj: models.Model, fields: Mapping[str, Any], *, allowed: Iterable[str]) -> None:
    """Set `fields` on `obj`, only those in `allowed`: a field outside the allow-list is refused, naming it, before
    anything is set (a form or API payload cannot reach the archive flag, the owner or a workflow state)."""
    allowed = frozenset(allowed)
    refused = [name for name in fields if name not in allowed]
    if refused:
        raise ValidationError({name: _("This field cannot be changed here.") for name in refused})
    for name, value in fields.items():
        setattr(obj, name, value)


def update(
    obj: models.Model, fields: Mapping[str, Any], *, allowed: Iterable[str], actor: Any, action: str | None = None
) -> dict[str, list[Any]]:
    """The one way an update service changes a record: `assign` the allowed fields, then validate, save and log the
    before/after diff once (`save`). Returns the changes (empty: nothing differed, nothing saved)."""
    assign(obj, fields, allowed=allowed)
    return save(obj, actor=actor, action=action)


def history_for(obj: models.Model, limit: int = 50) -> list[AuditEntry]:
    """The newest audit entries of `obj`, for its history table: render them with `includes/history_table.html`
    (core.history labels the fields and masks personal ones)."""
    entries = AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
    # Who was refused or saw personal data unmasked is for the audit log's readers, not for the record's.
    entries = entries.exclude(action__in=[Action.DENIED, Action.UNMASK])
    return list(entries.select_related("actor").order_by("-id")[:limit])


# ---------------------------------------------------------------------------------------------------------------
# Integrity: the checkpoint outside the table, the purge anchor, verification.


def _signed(fields: Mapping[str, Any]) -> str:
    return _mac(json.dumps(fields, sort_keys=True, default=str))


def _anchor_fields(anchor: AuditAnchor) -> dict[str, Any]:
    return {"upto_id": anchor.upto_id, "chain": anchor.chain, "purged": anchor.purged, "at": anchor.at.isoformat()}


def _latest_anchor() -> AuditAnchor | None:
    return AuditAnchor.objects.order_by("-upto_id").first()


@dataclass(frozen=True)
class Checkpoint:
    """The chain's head as last committed: signed with the audit key, kept in KECHUANG_AUDIT_CHECKPOINT."""

    last_id: int
    chain: str
    count: int  # entries with an id up to last_id (after the last purge)
    anchor_id: int  # upto_id of the purge anchor the count starts after (0: none)
    at: str

    def fields(self) -> dict[str, Any]:
        return {
            "last_id": self.last_id,
            "chain": self.chain,
            "count": self.count,
            "anchor_id": self.anchor_id,
            "at": self.at,
        }


class CheckpointInvalid(Exception):
    """The checkpoint file is there but unreadable or its signature does not match."""


def checkpoint_path() -> Path:
    return Path(settings.KECHUANG_AUDIT_CHECKPOINT)


def read_checkpoint() -> Checkpoint | None:
    """The signed checkpoint; None when none was written yet. Raises CheckpointInvalid when forged or damaged."""
    path = checkpoint_path()
    try:
        raw = json.loads(path.read_text())
        point = Checkpoint(
            last_id=int(raw["last_id"]),
            chain=str(raw["chain"]),
            count=int(raw["count"]),
            anchor_id=int(raw["anchor_id"]),
            at=str(raw["at"]),
        )
        mac = str(raw["mac"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CheckpointInvalid(f"{path}: {exc}") from exc
    if not hmac.compare_digest(mac, _signed(point.fields())):
        raise CheckpointInvalid(f"{path}: the signature does not match")
    return point


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    # Several server processes write the file: one at a time, and never backwards (see write_checkpoint).
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{path}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def write_checkpoint(*, reset: bool = False) -> Checkpoint:
    """Sign the table's committed head into the checkpoint file. A process that commits earlier but writes later
    does not move the checkpoint back; `reset` rewrites it from the table whatever it said (after a restore)."""
    path = checkpoint_path()
    with _locked(path):
        try:
            previous = None if reset else read_checkpoint()
        except CheckpointInvalid:
            previous = None
        anchor = _latest_anchor()
        anchor_id = anchor.upto_id if anchor is not None else 0
        tail = AuditEntry.objects.order_by("-id").values_list("id", "chain").first()
        last_id, chain = tail if tail is not None else (anchor_id, anchor.chain if anchor is not None else "")
        if previous is not None and previous.anchor_id == anchor_id:
            if previous.last_id >= last_id:
                return previous
            # Counting only what was added since keeps each write cheap on a large table.
            count = previous.count + AuditEntry.objects.filter(id__gt=previous.last_id, id__lte=last_id).count()
        else:
            count = AuditEntry.objects.filter(id__lte=last_id).count()
        point = Checkpoint(last_id, chain, count, anchor_id, timezone.now().isoformat())
        temporary = path.with_name(f".{path.name}.{os.getpid()}")
        temporary.write_text(json.dumps({**point.fields(), "mac": _signed(point.fields())}, indent=1))
        os.replace(temporary, path)
        return point


def _write_checkpoint_after_commit() -> None:
    write_checkpoint()


def _checkpoint_on_commit() -> None:
    # Once per transaction, however many entries it writes.
    if not any(callback is _write_checkpoint_after_commit for _, callback, _ in connection.run_on_commit):
        transaction.on_commit(_write_checkpoint_after_commit)


@dataclass
class ChainReport:
    """What `check_chain` found: `broken` ids (altered, or missing since the checkpoint), `problems` in words."""

    broken: list[int] = dataclasses.field(default_factory=list)
    problems: list[str] = dataclasses.field(default_factory=list)
    entries: int = 0

    @property
    def ok(self) -> bool:
        return not self.broken and not self.problems


def check_chain() -> ChainReport:
    """Verify every entry's chain value from the purge anchor on, then the table's head against the checkpoint."""
    report = ChainReport()
    anchor = _latest_anchor()
    previous, start = "", 0
    if anchor is not None:
        if not hmac.compare_digest(anchor.mac, _signed(_anchor_fields(anchor))):
            report.problems.append(f"purge anchor up to #{anchor.upto_id}: the signature does not match")
        previous, start = anchor.chain, anchor.upto_id
    last_id = start
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        report.entries += 1
        if entry.pk <= start or _chain_value(previous, entry) != entry.chain:
            report.broken.append(entry.pk)
        previous, last_id = entry.chain, entry.pk
    try:
        point = read_checkpoint()
    except CheckpointInvalid as exc:
        report.problems.append(str(exc))
        return report
    if point is None or (point.anchor_id != start and point.last_id <= start):
        return report
    if point.last_id > last_id:
        # The newest entries are gone. Which ids between existed is unknown (a rolled-back transaction leaves a gap
        # in the sequence), the checkpoint's head did: it is the id reported.
        report.broken.append(point.last_id)
        report.problems.append(f"entries up to #{point.last_id} were committed; the newest left is #{last_id}")
    else:
        head = AuditEntry.objects.filter(pk=point.last_id).values_list("chain", flat=True).first()
        if head is not None and head != point.chain:
            report.broken.append(point.last_id)
        if point.anchor_id == start:
            count = AuditEntry.objects.filter(id__gt=start, id__lte=point.last_id).count()
            if count != point.count:
                report.problems.append(f"{point.count} entries up to #{point.last_id} were committed; {count} are left")
    report.broken = sorted(set(report.broken))
    return report


def verify_chain() -> list[int]:
    """Ids of entries whose chain value does not match, and the checkpoint's head id when the table lacks it (the
    newest entries were deleted): empty when the log is intact. `check_chain()` gives the whole report (a forged
    checkpoint, counts)."""
    return check_chain().broken


# ---------------------------------------------------------------------------------------------------------------
# Retention purge and the database guard.

# What the SQLite trigger asks (through the function `kechuang_audit_unlock()`, registered on each connection)
# before it lets an audit row go: "" refuse, "purge" the retention purge (rows older than 184 days only),
# "flush" the test suite emptying its database between transactional tests.
_unlock: contextvars.ContextVar[str] = contextvars.ContextVar("kechuang_audit_unlock", default="")


def unlock_state() -> str:
    return _unlock.get()


@contextlib.contextmanager
def allow_flush() -> Iterator[None]:
    """Let `manage.py flush` empty the audit table on SQLite (the test suite between transactional tests; a
    restore). Never used by the application's own requests."""
    token = _unlock.set("flush")
    try:
        yield
    finally:
        _unlock.reset(token)


@contextlib.contextmanager
def purge_unlocked() -> Iterator[None]:
    """Inside a transaction: tell the database guard that deletes are the retention purge. It still refuses any
    entry younger than 184 days, and every UPDATE."""
    if not connection.in_atomic_block:
        raise RuntimeError("the audit purge runs inside a transaction")
    postgres = connection.vendor == "postgresql"
    token = _unlock.set("purge")
    try:
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL kechuang.audit_purge = 'on'")
        yield
        # On an error the transaction (or its savepoint) rolls back, and the setting with it.
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL kechuang.audit_purge = 'off'")
    finally:
        _unlock.reset(token)


@dataclass(frozen=True)
class PurgeResult:
    purged: int
    upto_id: int
    cutoff: dt.datetime


def purge(*, actor: Any = None, now: dt.datetime | None = None) -> PurgeResult:
    """Delete the entries older than AUDIT_RETENTION_DAYS (never fewer than 184 days), oldest first and only a
    run of the oldest ids, so every younger entry stays and the rest still chains from the stored anchor. The
    purge is itself an audit entry."""
    days = int(settings.AUDIT_RETENTION_DAYS)
    if days < 184:
        raise ImproperlyConfigured(f"AUDIT_RETENTION_DAYS is {days}: audit records are kept at least 184 days")
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    with transaction.atomic():
        first_kept = AuditEntry.objects.filter(at__gte=cutoff).order_by("id").values_list("id", flat=True).first()
        doomed = AuditEntry.objects.filter(at__lt=cutoff)
        doomed = doomed.filter(id__lt=first_kept) if first_kept is not None else doomed
        last = doomed.order_by("-id").values_list("id", "chain").first()
        if last is None:
            result = PurgeResult(0, 0, cutoff)
        else:
            upto_id, chain = last
            purged = AuditEntry.objects.filter(id__lte=upto_id).count()
            anchor = AuditAnchor(upto_id=upto_id, chain=chain, purged=purged)
            anchor.at = timezone.now()
            anchor.mac = _signed(_anchor_fields(anchor))
            anchor.save()
            with purge_unlocked():
                AuditEntry.objects.filter(id__lte=upto_id).delete()
            result = PurgeResult(purged, upto_id, cutoff)
        record(
            actor=actor,
            action=Action.PURGE,
            object_type="core.auditentry",
            object_label=_("Entries before %(date)s") % {"date": f"{timezone.localtime(cutoff):%Y-%m-%d %H:%M}"},
            detail={"purged": result.purged, "upto_id": result.upto_id, "retention_days": days},
        )
        # The count restarts after the new anchor: rewrite the checkpoint whatever else this transaction queued.
        transaction.on_commit(_write_checkpoint_after_commit)
    return result
