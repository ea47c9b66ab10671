"""Security events into the audit log: log-in, log-out, failed log-in, lockout; the SQLite side of the audit guard."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.backends.signals import connection_created
from django.dispatch import receiver
from django.utils import timezone

from kechuang.core import audit
from kechuang.core.accounts import LOGIN_AT_SESSION_KEY
from kechuang.core.lockout import IP_LOCK_ATTRIBUTE, REPEAT_ATTRIBUTE

# Set on the request by whoever ends a session for a reason other than the user's click (the audit entry says it).
LOGOUT_REASON_ATTRIBUTE = "kechuang_logout_reason"


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    if session is not None:
        # The absolute session limit counts from here (core.middleware.AccountPolicyMiddleware).
        session[LOGIN_AT_SESSION_KEY] = timezone.now().timestamp()
    audit.record(actor=user, action=audit.Action.LOGIN, obj=user)


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        reason = getattr(request, LOGOUT_REASON_ATTRIBUTE, "")
        audit.record(actor=user, action=audit.Action.LOGOUT, obj=user, detail={"reason": reason} if reason else {})


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: dict, request: Any = None, **kwargs: Any) -> None:
    # The attempted user name only: never the password.
    audit.record(
        actor=None,
        action=audit.Action.LOGIN_FAILED,
        object_type="core.user",
        object_label=str(credentials.get("username", ""))[:150],
        success=False,
    )


@receiver(connection_created)
def _sqlite_audit_unlock(sender: Any, connection: Any, **kwargs: Any) -> None:
    # The SQLite trigger of migration 0006_audit asks this before it lets an audit row be deleted.
    if connection.vendor == "sqlite":
        connection.connection.create_function("kechuang_audit_unlock", 0, audit.unlock_state, deterministic=False)


@receiver(user_locked_out)
def _locked_out(sender: Any, request: Any, username: str | None, ip_address: str | None, **kwargs: Any) -> None:
    """The failure that locks an account or an address (core.lockout); later refused attempts are failed log-ins."""
    if getattr(request, REPEAT_ATTRIBUTE, False):
        return
    audit.record(
        actor=None,
        action=audit.Action.LOCKOUT,
        object_type="core.user",
        object_label=str(username or "")[:150],
        detail={
            "username": username or "",
            "ip": ip_address or "",
            "locked": "address" if getattr(request, IP_LOCK_ATTRIBUTE, False) else "account",
        },
        success=False,
    )
