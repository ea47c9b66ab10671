"""The message centre (消息中心): one inbox per account, fed by every module, with e-mail and text messages.

A module calls `notify(...)` inside its own transaction; the messages are stored with it and delivered after the
commit, so a rolled-back write sends nothing. E-mail goes through Django's mail backend (KECHUANG_EMAIL_*). Text
messages go through the gateway named by `KECHUANG_SMS_BACKEND` (a dotted path to a class with
`send(mobile, text)`); unset, no text message is ever sent. A delivery that fails is logged and left undelivered
(its time stays empty): `deliver_pending` sends it again.

It is the only inbox of an account: a module keeps no message table of its own. A message may name the record it
is about (`about`); the module owning that record tells, through the registry hook `message_needs_action`, which
of its messages still ask their reader to act (a report waiting for review) and which were handled since.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import models, transaction
from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.module_loading import import_string

from kechuang.core import registry
from kechuang.core.models import Message, User

logger = logging.getLogger(__name__)


class SmsGateway(Protocol):
    def send(self, mobile: str, text: str) -> None: ...


class ConsoleSms:
    """Development gateway: writes the text message to the log instead of sending it."""

    def send(self, mobile: str, text: str) -> None:
        logger.info("SMS to %s: %s", mobile[:3] + "****" + mobile[-4:], text)


class MemorySms:
    """Test gateway: keeps what it was asked to send in `MemorySms.outbox`."""

    outbox: list[tuple[str, str]] = []

    def send(self, mobile: str, text: str) -> None:
        MemorySms.outbox.append((mobile, text))


def sms_gateway() -> SmsGateway | None:
    path = getattr(settings, "KECHUANG_SMS_BACKEND", "")
    return import_string(path)() if path else None


def notify(
    users: Iterable[User],
    *,
    kind: str,
    subject: str,
    body: str = "",
    url: str = "",
    key: str = "",
    about: models.Model | None = None,
) -> list[int]:
    """Store one message per account and deliver it after the commit; returns the ids of the messages created.

    With `key`, an account that already has a message with that key gets no second one (daily reminders call
    this every day). `url` is a path inside the site. `about` is the record the message is about (a report, a
    period), for its module's "needs action" rule."""
    if kind not in Message.Kind.values:
        raise ValueError(f"unknown message kind {kind!r}")
    if url and (not url.startswith("/") or url.startswith("//")):
        raise ValueError("a message links only to a page of this site")
    targets = {u.pk: u for u in users if u.is_active}
    if not targets:
        return []
    if key:
        seen = set(Message.objects.filter(user_id__in=targets, key=key).values_list("user_id", flat=True))
        targets = {pk: u for pk, u in targets.items() if pk not in seen}
    about_type, about_id = about_of(about)
    rows = [
        Message(
            user_id=pk,
            kind=kind,
            subject=subject[:200],
            body=body,
            url=url[:300],
            key=key[:160],
            about_type=about_type,
            about_id=about_id,
        )
        for pk in sorted(targets)
    ]
    if key:
        # Two workers sending the same reminder at once: the unique (user, key) keeps one, without an error.
        Message.objects.bulk_create(rows, ignore_conflicts=True)
        ids = list(
            Message.objects.filter(user_id__in=targets, key=key[:160], emailed_at=None, texted_at=None).values_list(
                "pk", flat=True
            )
        )
    else:
        ids = [m.pk for m in Message.objects.bulk_create(rows)]
    if ids:
        transaction.on_commit(lambda: deliver(ids))
        transaction.on_commit(lambda: cache.delete_many([_badge_key(pk) for pk in targets]))
    return ids


def about_of(obj: models.Model | None) -> tuple[str, int | None]:
    """The (type, id) a message stores for the record it is about: "app_label.model", as the audit log names it."""
    if obj is None:
        return "", None
    if obj.pk is None:
        raise ValueError("a message can only be about a saved record")
    return obj._meta.label_lower, obj.pk


def mail_contacts(addresses: Iterable[str], *, subject: str, body: str = "", url: str = "") -> None:
    """E-mail people who have no account (a department's liaison), after the commit. They have no inbox, so
    nothing is stored: a failed send is logged, as a message's would be, but not retried."""
    chosen = sorted({a for a in addresses if a})
    if not chosen:
        return
    text = "\n\n".join(part for part in (body, _absolute(url)) if part)

    def send() -> None:
        try:
            send_mail(subject[:200], text, settings.DEFAULT_FROM_EMAIL, chosen, fail_silently=False)
        except Exception:
            logger.exception("e-mail to %s contacts failed", len(chosen))

    transaction.on_commit(send)


def _absolute(url: str) -> str:
    base = getattr(settings, "KECHUANG_SITE_URL", "").rstrip("/")
    return f"{base}{url}" if url else ""


def deliver(ids: Sequence[int]) -> dict[str, int]:
    """Send the e-mails and text messages of these messages that were not sent yet; returns the counts sent."""
    sent = {"email": 0, "sms": 0}
    gateway = sms_gateway()
    for message in Message.objects.filter(pk__in=ids).select_related("user"):
        user = message.user
        link = _absolute(message.url)
        if message.emailed_at is None and user.email:
            text = "\n\n".join(part for part in (message.body, link) if part)
            try:
                send_mail(message.subject, text, settings.DEFAULT_FROM_EMAIL, [user.email], fail_silently=False)
            except Exception:  # a mail server down must not lose the message: it stays unsent and is retried
                logger.exception("e-mail of message %s failed", message.pk)
            else:
                message.emailed_at = timezone.now()
                sent["email"] += 1
        if gateway is not None and message.texted_at is None and user.mobile:
            try:
                gateway.send(user.mobile, message.subject)
            except Exception:
                logger.exception("text message of message %s failed", message.pk)
            else:
                message.texted_at = timezone.now()
                sent["sms"] += 1
        Message.objects.filter(pk=message.pk).update(emailed_at=message.emailed_at, texted_at=message.texted_at)
    return sent


def deliver_pending(max_age_days: int = 7) -> dict[str, int]:
    """Retry what a failed delivery left unsent (recent messages only: an old reminder is no longer news)."""
    since = timezone.now() - dt.timedelta(days=max_age_days)
    pending = Message.objects.filter(created_at__gte=since, emailed_at=None, user__email__gt="")
    ids = list(pending.values_list("pk", flat=True))
    if sms_gateway() is not None:
        ids += list(
            Message.objects.filter(created_at__gte=since, texted_at=None, user__mobile__gt="").values_list(
                "pk", flat=True
            )
        )
    return deliver(sorted(set(ids)))


def inbox(user: Any) -> QuerySet[Message]:
    return Message.objects.filter(user=user)


# A notice tells its reader of a decision (a report accepted, an account confirmed) and asks nothing: it never needs
# action, so it is never "handled" either.
NOTICE_KINDS = (Message.Kind.DECISION,)


def needs_action_condition() -> Q:
    """When a message still asks its reader to act. A notice never does (NOTICE_KINDS). A module judges the messages
    about its own records (registry hook `message_needs_action`); any other message needs action until it is read
    (reading it is the action). (with_needs_action puts the notices aside first.)"""
    judged: set[str] = set()
    condition = Q()
    for about_types, rule in registry.message_needs_action():
        judged |= set(about_types)
        condition |= Q(about_type__in=sorted(about_types)) & rule
    plain = Q(read_at=None) & ~Q(about_type__in=sorted(judged)) if judged else Q(read_at=None)
    return condition | plain if judged else plain


def with_needs_action(messages: QuerySet[Message]) -> QuerySet[Message]:
    """The messages, each flagged `needs_action` (a CASE, so no NULL slips between "needs action" and "handled")
    and `is_notice` (it asks nothing, so it is neither)."""
    return messages.annotate(
        needs_action=Case(
            When(kind__in=NOTICE_KINDS, then=Value(False)),
            When(needs_action_condition(), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
        is_notice=Case(
            When(kind__in=NOTICE_KINDS, then=Value(True)), default=Value(False), output_field=BooleanField()
        ),
    )


def unread_count(user: Any) -> int:
    return Message.objects.filter(user=user, read_at=None).count()


def _badge_key(user_id: int) -> str:
    return f"unread-messages:{user_id}"


def badge_count(user: Any) -> int:
    """The top bar's unread count, kept a minute per account: every page would otherwise pay a query for it.
    Sending and reading refresh it at once in this process; other workers' copies are at most a minute old."""
    count = cache.get(_badge_key(user.pk))
    if count is None:
        count = unread_count(user)
        cache.set(_badge_key(user.pk), count, 60)
    return count


def message_open(*, user: Any, pk: int) -> Message:
    """Mark one of the account's own messages read (another account's message is not found)."""
    message = Message.objects.get(pk=pk, user=user)
    if message.read_at is None:
        message.read_at = timezone.now()
        message.save(update_fields=["read_at"])
        cache.delete(_badge_key(user.pk))
    return message


def messages_read_all(*, user: Any, about_types: Iterable[str] | None = None) -> int:
    """Mark the account's unread messages read: all of them, or those about records of `about_types` (a module's
    own view of the message centre marks only its own)."""
    cache.delete(_badge_key(user.pk))
    unread = Message.objects.filter(user=user, read_at=None)
    if about_types is not None:
        unread = unread.filter(about_type__in=list(about_types))
    return unread.update(read_at=timezone.now())
