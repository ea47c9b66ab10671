"""Account rules (security-baseline.md, 身份鉴别 a–b, 访问控制 a–c): password changes and resets, expiry, the
absolute session limit, temporary and idle accounts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from kechuang.core import audit
from kechuang.core.firm_tokens import revoke_for_disabled
from kechuang.core.models import ApiToken, User
from kechuang.core.passwords import generate_password

# The session key holding the log-in time (a POSIX timestamp) for the absolute session limit.
LOGIN_AT_SESSION_KEY = "kechuang_login_at"


class AccountBackend(ModelBackend):
    """Django's model backend; an account past its `valid_until` day can neither log in nor keep a session."""

    def user_can_authenticate(self, user: Any) -> bool:
        return super().user_can_authenticate(user) and not account_expired(user)


def account_expired(user: Any, today: dt.date | None = None) -> bool:
    valid_until = getattr(user, "valid_until", None)
    return valid_until is not None and valid_until < (today or timezone.localdate())


def password_expired(user: Any, now: dt.datetime | None = None) -> bool:
    changed = getattr(user, "password_changed_at", None)
    if changed is None:
        return False
    age = (now or timezone.now()) - changed
    return age > dt.timedelta(days=settings.KECHUANG_PASSWORD_MAX_AGE_DAYS)


def password_change_reason(user: Any) -> str:
    """'reset', 'expired' or '' — why the user must change the password before anything else."""
    if getattr(user, "must_change_password", False):
        return "reset"
    if password_expired(user):
        return "expired"
    return ""


@transaction.atomic
def change_password(*, user: User, new_password: str) -> None:
    """The user's own change (already validated by the form): restarts the expiry, ends a forced change."""
    user.set_password(new_password)
    user.save()
    audit.record(actor=user, action=audit.Action.UPDATE, obj=user, changes={"password": ["***", "***"]})


@transaction.atomic
def reset_password(user: User, actor: Any) -> str:
    """Give `user` a generated temporary password that must be changed at the next log-in; returns it once.

    The caller (an administrator's page) checks the actor's right to reset. The user's sessions end (the session
    hash changes with the password) and a lockout of the account is lifted."""
    from axes.utils import reset

    password = generate_password()
    user.set_password(password)
    user.must_change_password = True
    user.save()
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        obj=user,
        changes={"password": ["***", "***"], "must_change_password": [False, True]},
        detail={"event": "password_reset"},
    )
    reset(username=user.get_username())
    return password


def session_started_at(session: Any) -> dt.datetime | None:
    stamp = session.get(LOGIN_AT_SESSION_KEY)
    if not isinstance(stamp, int | float):
        return None
    return dt.datetime.fromtimestamp(stamp, tz=dt.UTC)


def session_too_old(session: Any, now: dt.datetime | None = None) -> bool:
    """Past KECHUANG_SESSION_ABSOLUTE_HOURS since its log-in, however active; a session that never recorded its
    log-in (made before this rule) counts as too old."""
    started = session_started_at(session)
    if started is None:
        return True
    return (now or timezone.now()) - started > dt.timedelta(hours=settings.KECHUANG_SESSION_ABSOLUTE_HOURS)


def idle_accounts(now: dt.datetime | None = None):
    """Active accounts unused for KECHUANG_ACCOUNT_IDLE_DAYS: no log-in (never logged in: counted from creation) and
    no request with any of their API tokens. A token acts as the account that issued it (core.api_auth), so its use
    is that account's activity: a firm administrator whose ERP calls the API daily is not idle for never signing in
    through the browser (and disabling it would revoke the firm's tokens)."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.KECHUANG_ACCOUNT_IDLE_DAYS)
    used_token = ApiToken.objects.filter(user=OuterRef("pk"), last_used_at__gte=cutoff)
    return (
        User.objects.filter(is_active=True)
        .filter(Q(last_login__lt=cutoff) | Q(last_login__isnull=True, date_joined__lt=cutoff))
        .exclude(Exists(used_token))
    )


@transaction.atomic
def disable_idle_accounts(now: dt.datetime | None = None) -> list[str]:
    """Deactivate every idle account (security-baseline.md, 访问控制 a); returns their user names."""
    disabled = []
    for user in idle_accounts(now).select_for_update().order_by("username"):
        user.is_active = False
        user.save(update_fields=["is_active"])
        audit.record(
            actor=None,
            action=audit.Action.UPDATE,
            obj=user,
            changes={"is_active": [True, False]},
            detail={"event": "idle_account_disabled", "idle_days": settings.KECHUANG_ACCOUNT_IDLE_DAYS},
        )
        revoke_for_disabled(user, actor=None)
        disabled.append(user.username)
    return disabled
