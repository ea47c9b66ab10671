from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get(mapping: dict, key: Any) -> Any:
    return mapping.get(key, key) if mapping else key


@register.filter
def tenths(ratio: float) -> int:
    """A share 0–1 as a whole number of tenths (the bar's CSS width class)."""
    try:
        return max(0, min(10, round(float(ratio) * 10)))
    except (TypeError, ValueError):
        return 0


@register.filter
def percent(ratio: float | None) -> str:
    return "—" if ratio is None else f"{float(ratio) * 100:.0f}%"


@register.filter
def whole(value: Any) -> str:
    """A number rounded to a whole, with thousands separators; — for none."""
    return "—" if value is None else f"{float(value):,.0f}"
