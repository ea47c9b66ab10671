"""Small helpers every module's views share: role checks, the current policy, pagination, local times, starting an
import from an upload (exports: core/exports.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core import imports, registry

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


def paginate_by_ids(request: HttpRequest, items: Any, default_size: int = 25) -> Page:
    """`paginate` for a large table: the page's ids first (the filtered, ordered query alone, without the joins of
    `select_related`, which could lead the planner to sort every match before it takes the page), then the page's
    rows by id, in the page's order. One query more, and each reads only what the page shows."""
    page = paginate(request, items.values_list("pk", flat=True), default_size)
    ids = list(page.object_list)
    rows = items.order_by().in_bulk(ids)
    page.object_list = [rows[pk] for pk in ids if pk in rows]
    return page


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


def start_import(request: HttpRequest, kind: str, upload: Any) -> HttpResponse | None:
    """A module's import page posted its file: start the import job of `kind` and answer the redirect to the job's
    page, or None with the reason as a message (no file chosen, or the file refused) for the page to show again.
    The view reads `request.FILES` itself and passes the file in, so the upload checks see every upload point
    (tests/core/test_hostile_files.py)."""
    if upload is None:
        messages.error(request, _("Choose an Excel file to import."))
        return None
    try:
        job = imports.start(kind, actor=request.user, upload=upload)
    except imports.ImportRejected as exc:
        messages.error(request, str(exc))
        return None
    return redirect("core:import_job", pk=job.pk)
