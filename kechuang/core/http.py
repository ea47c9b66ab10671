"""Small helpers every module's views share: role checks, the current policy, pagination, Excel responses."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterable, Sequence
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone

from kechuang.core import registry

PAGE_SIZES = (25, 50, 100)


def role_required(*roles: str) -> Callable:
    """Signed-in users of the given roles only; others get 403."""

    def decorator(view: Callable) -> Callable:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.user.role not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def current_policy(request_or_user: Any, code: str | None = None) -> Any:
    """The policy the user works under (or the one named `code`); 404 when none is loaded or it is out of scope."""
    policy = registry.policy_for(getattr(request_or_user, "user", request_or_user), code or None)
    if policy is None:
        raise Http404("no policy is loaded")
    return policy


def paginate(request: HttpRequest, items: Any, default_size: int = 25) -> Page:
    try:
        size = int(request.GET.get("size", default_size))
    except ValueError:
        size = default_size
    size = size if size in PAGE_SIZES else default_size
    return Paginator(items, size).get_page(request.GET.get("page"))


def query_without(request: HttpRequest, *keys: str) -> str:
    """The current query string minus some keys, for pagination and sort links."""
    params = request.GET.copy()
    for key in keys:
        params.pop(key, None)
    return params.urlencode()


def local_datetime_text(value: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored (UTC) datetime as the reader's wall-clock time in the platform's zone (Asia/Shanghai)."""
    if value is None:
        return ""
    return (timezone.localtime(value) if timezone.is_aware(value) else value).strftime(fmt)


def safe_cell(value: Any) -> Any:
    """Neutralise spreadsheet formulas in exported text (CSV/Excel injection); datetimes in local time."""
    if isinstance(value, dt.datetime):
        return local_datetime_text(value, "%Y-%m-%d %H:%M:%S")
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def xlsx_response(filename: str, sheet: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> HttpResponse:
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    ws = book.add_worksheet(sheet[:31])
    bold = book.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1})
    widths = [max(8, len(str(h)) * 2) for h in headers]
    ws.write_row(0, 0, headers, bold)
    for r, row in enumerate(rows, start=1):
        cells = [safe_cell(v) for v in row]
        ws.write_row(r, 0, cells)
        for c, v in enumerate(cells):
            widths[c] = min(60, max(widths[c], len(str(v)) + 2))
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)
    ws.freeze_panes(1, 0)
    book.close()
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
