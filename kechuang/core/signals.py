"""Security events into the audit log: log-in, log-out, failed log-in; the SQLite side of the audit guard."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.backends.signals import connection_created
from django.dispatch import receiver

from kechuang.core import audit


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit.record(actor=user, action=audit.Action.LOGIN, obj=user)


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit.record(actor=user, action=audit.Action.LOGOUT, obj=user)


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
    # The SQLite trigger of migration 0005_audit asks this before it lets an audit row be deleted.
    if connection.vendor == "sqlite":
        connection.connection.create_function("kechuang_audit_unlock", 0, audit.unlock_state, deterministic=False)
