"""Deployment checks of accounts (security-baseline.md, 访问控制 b–d): `manage.py check --deploy` fails in
production while an active account is a superuser, a demo account or has a reserved name."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.db import DatabaseError

SECURITY = Tags.security


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
    errors = []
    superusers = sorted(u.username for u in users if u.is_superuser)
    if superusers:
        errors.append(
            Error(
                f"active superuser accounts in production: {', '.join(superusers)}",
                hint="No person holds every right (三权分立): remove is_superuser or deactivate the account.",
                id="kechuang.E101",
            )
        )
    demo = sorted(u.username for u in users if u.is_demo)
    if demo:
        errors.append(
            Error(
                f"active demo accounts in production: {', '.join(demo)}",
                hint="Demo accounts have passwords printed on a console: deactivate or delete them before going live.",
                id="kechuang.E102",
            )
        )
    reserved = sorted(u.username for u in users if is_reserved_username(u.username))
    if reserved:
        errors.append(
            Error(
                f"active accounts with reserved names in production: {', '.join(reserved)}",
                hint="Default and shared names (admin, root, test …) are refused: give each person a named account.",
                id="kechuang.E103",
            )
        )
    return errors
