"""System checks of security settings and accounts (security-baseline.md): the audit log's own key and retention
(item 11, every start) and, in production, no superuser, demo or reserved-name account (访问控制 b–d,
`manage.py check --deploy`)."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core import checks
from django.core.checks import Error, Tags, register
from django.db import DatabaseError

SECURITY = Tags.security


@checks.register(checks.Tags.security, deploy=False)
def audit_key_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Production needs its own audit key: never SECRET_KEY, never a key generated on the machine by chance."""
    errors: list[checks.CheckMessage] = []
    key = getattr(settings, "AUDIT_KEY", "")
    if getattr(settings, "PRODUCTION", False) and not os.environ.get("KECHUANG_AUDIT_KEY", "").strip():
        errors.append(
            checks.Error(
                "KECHUANG_AUDIT_KEY is not set.",
                hint="Production keys the audit log's HMAC chain with its own key, kept outside the database.",
                id="kechuang.audit.E001",
            )
        )
    elif not key or key == settings.SECRET_KEY:
        errors.append(
            checks.Error(
                "The audit key is empty or equal to SECRET_KEY.",
                hint="Set KECHUANG_AUDIT_KEY to a key of its own.",
                id="kechuang.audit.E002",
            )
        )
    if int(getattr(settings, "AUDIT_RETENTION_DAYS", 0)) < 184:
        errors.append(
            checks.Error(
                "AUDIT_RETENTION_DAYS is under 184: audit records are kept at least six months.",
                id="kechuang.audit.E003",
            )
        )
    return errors


def _active_users() -> list[Any] | None:
    """The active accounts, or None when the database is not there yet (a check before the first migrate)."""
    from kechuang.core.models import User

    try:
        return list(User.objects.filter(is_active=True).only("username", "is_superuser", "is_demo"))
    except DatabaseError:
        return None


@register(SECURITY, deploy=True)
def check_accounts(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if not settings.PRODUCTION:
        return []
    from kechuang.core.validators import is_reserved_username

    users = _active_users()
    if users is None:
        return []
    rules = (
        (
            "kechuang.E101",
            "active superuser accounts in production",
            lambda u: u.is_superuser,
            "No person holds every right (三权分立): remove is_superuser or deactivate the account.",
        ),
        (
            "kechuang.E102",
            "active demo accounts in production",
            lambda u: u.is_demo,
            "Demo accounts have passwords printed on a console: deactivate or delete them before going live.",
        ),
        (
            "kechuang.E103",
            "active accounts with reserved names in production",
            lambda u: is_reserved_username(u.username),
            "Default and shared names (admin, root, test …) are refused: give each person a named account.",
        ),
    )
    errors = []
    for check_id, what, offends, hint in rules:
        names = sorted(u.username for u in users if offends(u))
        if names:
            errors.append(Error(f"{what}: {', '.join(names)}", hint=hint, id=check_id))
    return errors
