"""Consent for the public forms (checklist item 16; PIPL arts. 14, 15, 17): a versioned `Notice` per purpose, one
`ConsentRecord` per submission written in the submission's transaction, and withdrawal by the person's contact and
the reference shown to them. Modules whose processing rests on consent register what withdrawal stops
(`on_withdraw`); their consent-based steps ask `has_current_consent` first."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core import audit
from kechuang.core.encrypted import blind_lookup
from kechuang.core.models import ConsentRecord, Notice

CONSENT = audit.Action.CONSENT  # the audit action of giving and withdrawing a consent
_WITHDRAW_HANDLERS: dict[str, Callable[[ConsentRecord], None]] = {}
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out over the phone


def on_withdraw(purpose: str, handler: Callable[[ConsentRecord], None]) -> None:
    """Register what withdrawing a consent for `purpose` does to the record it covers (anonymise, exclude)."""
    _WITHDRAW_HANDLERS[purpose] = handler


def current_notice(purpose: str) -> Notice | None:
    """The notice in force for `purpose` (the highest version already effective)."""
    return Notice.objects.filter(purpose=purpose, effective_from__lte=timezone.now()).order_by("-version").first()


def _reference() -> str:
    return "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(10))


def give(*, purpose: str, notice: Notice | None, contact: str, obj: models.Model, channel: str) -> ConsentRecord:
    """Record the consent to `notice` for `obj`; call inside the transaction that stores `obj`."""
    if notice is None or notice.purpose != purpose:
        raise ValidationError({"consent": _("No privacy notice is in force for this form; it cannot be sent.")})
    record = ConsentRecord.objects.create(
        subject_contact=contact,
        notice=notice,
        purpose=purpose,
        channel=channel,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        reference=_reference(),
    )
    audit.record(
        actor=None,
        action=CONSENT,
        obj=obj,
        detail={"purpose": purpose, "notice_version": notice.version, "reference": record.reference},
    )
    return record


def has_current_consent(obj: models.Model, purpose: str) -> bool:
    """Is there a consent for `obj` and `purpose` that has not been withdrawn?"""
    return ConsentRecord.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk), purpose=purpose, withdrawn_at__isnull=True
    ).exists()


def withdraw(*, reference: str, contact: str) -> ConsentRecord:
    """Withdraw the consent with `reference` given from `contact`; the purpose's handler stops the processing.
    A wrong pair gets the same error whichever half is wrong (no probing of references)."""
    reference = (reference or "").strip().upper()
    with transaction.atomic():
        record = (
            ConsentRecord.objects.select_for_update()
            .filter(reference=reference, **blind_lookup(ConsentRecord, "subject_contact", contact))
            .first()
            if reference and contact
            else None
        )
        if record is None:
            raise ValidationError({"reference": _("No consent matches this reference and contact.")})
        if record.withdrawn_at is None:
            record.withdrawn_at = timezone.now()
            record.save(update_fields=["withdrawn_at"])
            handler = _WITHDRAW_HANDLERS.get(record.purpose)
            if handler is not None:
                handler(record)
            audit.record(
                actor=None,
                action=CONSENT,
                object_type=record.object_type,
                object_id=record.object_id,
                object_label=record.reference,
                detail={"purpose": record.purpose, "withdrawn": True},
            )
    return record


def anonymise(model: type[models.Model], pks: Any, fields: list[str], **also: Any) -> int:
    """Blank the named personal fields (and their blind indexes) of the rows `pks`; `also` sets other columns.
    One UPDATE; returns the rows changed."""
    values: dict[str, Any] = {**also}
    names = {f.name for f in model._meta.concrete_fields}
    for name in fields:
        values[name] = ""
        if f"{name}_bidx" in names:
            values[f"{name}_bidx"] = ""
    return model._default_manager.filter(pk__in=pks).update(**values)
