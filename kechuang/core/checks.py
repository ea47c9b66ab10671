"""System checks of the audit log's configuration (baseline item 11): `manage.py check` and every server start."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core import checks


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
