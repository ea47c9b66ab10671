"""Identifier validators shared by every module (DESIGN.md data rules)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def validate_mobile(value: str) -> None:
    """Mainland mobile number: 11 digits starting 13–19."""
    if value and not _MOBILE.match(value):
        raise ValidationError(_("Enter an 11-digit mainland mobile number, e.g. 13800000000."), code="mobile")


def mask_phone(value: str) -> str:
    """138****5678, as the security baseline requires on screen and in exports."""
    if len(value) >= 7:
        return value[:3] + "*" * (len(value) - 7) + value[-4:]
    return "*" * len(value)
