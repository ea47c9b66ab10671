"""What the enterprise module offers the indicator module (its contract; see selectors for the logic)."""

from kechuang.enterprises.selectors import qualification_counts, reserve_pool_counts

__all__ = ["qualification_counts", "reserve_pool_counts"]
