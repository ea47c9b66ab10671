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
