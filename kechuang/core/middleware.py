"""Per-request context (client IP, request id) that the audit log reads without threading `request` through."""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse


@dataclass(frozen=True)
class RequestInfo:
    ip: str | None = None
    request_id: str = ""


_NO_REQUEST = RequestInfo()
_current: contextvars.ContextVar[RequestInfo | None] = contextvars.ContextVar("kechuang_request", default=None)


def current_request_info() -> RequestInfo:
    return _current.get() or _NO_REQUEST


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current.set(RequestInfo(ip=client_ip(request), request_id=uuid.uuid4().hex))
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        return response
