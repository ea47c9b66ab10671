"""What the enterprise module offers the indicator module (its contract; the logic is in selectors/services)."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache

from kechuang.enterprises.selectors import qualification_counts, reserve_pool_counts

__all__ = ["conversion_rates", "qualification_counts", "reserve_pool_counts"]


def conversion_rates() -> dict[str, dict[str, Any]]:
    """{tier: {one_away, two_away, base_one_away, base_two_away, year}}: last year's measured conversion of
    near misses into holders (services.ladder_conversion_rates); cached for an hour, the back-test evaluates
    the whole register."""
    from kechuang.enterprises.services import ladder_conversion_rates

    return cache.get_or_set("enterprises:conversion_rates", ladder_conversion_rates, 3600)
