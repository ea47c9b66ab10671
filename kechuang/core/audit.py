"""The audit log: one mechanism every service uses to record who changed what.

Entries are chained: each holds an HMAC over its own content and the previous entry's chain value,
so an edited or deleted row breaks `verify_chain` (security-baseline.md, 安全审计 c).
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils.translation import gettext as _

from kechuang.core.masking import mask_changes
from kechuang.core.middleware import current_request_info
from kechuang.core.models import AuditEntry
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
    return hmac.new(settings.AUDIT_KEY.encode(), payload.encode(), hashlib.sha256).hexdigest()


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
    entry = AuditEntry(
        actor=actor if authenticated else None,
        actor_label=(str(actor) if authenticated else "")[:150],
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
        entry.chain = _chain_value(last or "", entry)
        entry.save()
    return entry


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
    return list(entries.select_related("actor").order_by("-id")[:limit])


def verify_chain() -> list[int]:
    """Ids of entries whose chain value does not match: empty when the log is intact."""
    broken: list[int] = []
    previous = ""
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        if _chain_value(previous, entry) != entry.chain:
            broken.append(entry.pk)
        previous = entry.chain
    return broken
