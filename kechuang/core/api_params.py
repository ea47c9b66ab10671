"""Parameters every API module shares, with bounds, so that bad input gets a 422 naming the field (never a 500).

- `Pagination`: limit/offset paging for every list endpoint (`@paginate(Pagination)`). Unbounded numbers reached
  the database: an offset beyond 64 bits crashed SQLite, a huge limit loaded whole tables.
- `year_query()`: a calendar year as a query parameter (year 0 crashed the date lookups).
"""

from __future__ import annotations

from typing import Any

from ninja import Field, Query, Schema
from ninja.pagination import LimitOffsetPagination

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_OFFSET = 10**9
MIN_YEAR, MAX_YEAR = 1949, 2100


class Pagination(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"rows per page, 1–{MAX_LIMIT}")
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description="rows to skip")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_limit=MAX_LIMIT, **kwargs)


def year_query() -> Any:
    """An optional year filter: `year: int | None = year_query()` (a default, not an `Annotated` alias, because
    string annotations of paginated views resolve in ninja's module, where an alias is unknown)."""
    return Query(None, ge=MIN_YEAR, le=MAX_YEAR, description=f"a year, {MIN_YEAR}–{MAX_YEAR}")
