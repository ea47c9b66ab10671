"""GB 11643-1999 citizen ID numbers (公民身份号码): 17 digits and a check character (ISO 7064 MOD 11-2)."""

from __future__ import annotations

import datetime as dt
import re

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"
SHAPE = re.compile(r"^\d{17}[\dX]$")


def check_char(first17: str) -> str:
    """The check character of the first 17 digits."""
    return CHECK[sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True)) % 11]


def normalise(value: str) -> str:
    """Upper-case x, no blanks."""
    return re.sub(r"\s", "", value or "").upper()


def problem(value: str) -> str | None:
    """None when `value` is a valid 18-character ID number; otherwise what is wrong (English, for translation)."""
    value = normalise(value)
    if not SHAPE.match(value):
        return "shape"
    try:
        dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "birth_date"
    if check_char(value[:17]) != value[17]:
        return "check_digit"
    return None


def birth_date(value: str) -> dt.date | None:
    value = normalise(value)
    if problem(value):
        return None
    return dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def gender(value: str) -> str:
    """ "male" / "female" from the 17th digit (odd: male)."""
    return "male" if int(normalise(value)[16]) % 2 else "female"
