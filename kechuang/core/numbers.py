"""One way to turn a stored Decimal into the digits a reader sees or edits."""

from __future__ import annotations

from decimal import Decimal


def plain_decimal(value: Decimal | int | float | None) -> str:
    """Decimal("160.0000") → "160", Decimal("0.0500") → "0.05"; never "1.6E+2" (Decimal.normalize alone gives that)."""
    if value is None:
        return ""
    if not isinstance(value, Decimal):
        value = Decimal(str(value))
    return format(value.normalize(), "f")
