"""Identifier validators shared by every module (DESIGN.md data rules)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
# A mainland landline: area code 0 + 2–3 digits, a 7–8 digit number, an optional extension (0533-12345678-123).
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(?:-\d{1,6})?$")


def validate_mobile(value: str) -> None:
    """Mainland mobile number: 11 digits starting 13–19 (fields that must reach a person by text message)."""
    if value and not _MOBILE.match(value):
        raise ValidationError(_("Enter an 11-digit mainland mobile number, e.g. 13800000000."), code="mobile")


def validate_phone(value: str) -> None:
    """The one contact-phone rule: a mainland mobile number or a landline with area code (and extension)."""
    if value and not (_MOBILE.match(value) or _LANDLINE.match(value)):
        raise ValidationError(
            _("Enter a mobile number (13800000000) or a landline with its area code (0533-1234567, extension -123)."),
            code="phone",
        )


# GB 32100-2015 统一社会信用代码: 18 characters from this alphabet (no I, O, Z, S, V); the last is a check
# character over the first 17 with these weights, modulo 31.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    total = sum(CREDIT_CODE_ALPHABET.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def credit_code_error(value: str) -> str | None:
    """Why `value` is not a valid credit code, or None."""
    if len(value) != 18:
        return _("A credit code has 18 characters; this one has %(n)d.") % {"n": len(value)}
    bad = [c for c in value if c not in CREDIT_CODE_ALPHABET]
    if bad:
        return _("A credit code cannot contain %(chars)s.") % {"chars": "、".join(dict.fromkeys(bad))}
    if credit_code_check_char(value[:17]) != value[17]:
        return _("The check character of this credit code is wrong (GB 32100-2015).")
    return None


def validate_credit_code(value: str) -> None:
    error = credit_code_error(value)
    if error:
        raise ValidationError(error, code="credit_code")


def validate_admin_code(value: str) -> None:
    """A GB/T 2260 administrative division code: 6 digits."""
    if value and not (len(value) == 6 and value.isdigit()):
        raise ValidationError(_("An administrative code has 6 digits (GB/T 2260)."), code="admin_code")


# Default and shared account names (security-baseline.md, 访问控制 b): an account is a named person. A trailing
# number does not make one personal (admin1, test01).
RESERVED_USERNAMES = frozenset(
    {
        "admin",
        "administrator",
        "root",
        "superuser",
        "su",
        "sa",
        "sys",
        "system",
        "sysadmin",
        "test",
        "tester",
        "guest",
        "user",
        "demo",
        "default",
        "anonymous",
        "operator",
    }
)


def is_reserved_username(value: str) -> bool:
    return value.strip().lower().rstrip("0123456789_-.") in RESERVED_USERNAMES


def validate_username_not_reserved(value: str) -> None:
    if is_reserved_username(value):
        raise ValidationError(_("This user name is reserved; choose a personal one."), code="reserved_username")
