"""Refuse input no database column can hold, before any view runs: a NUL character (0x00) in a query parameter
or a JSON body. PostgreSQL text cannot contain NUL, so such a parameter crashed the query with a 500 (found by the
API fuzz, issue 10). Form fields refuse NUL already (Django's CharField); files are not affected."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse

from kechuang.core.api_auth import error_body

NUL_MESSAGE = "contains a NUL character (0x00)"


def nul_field(request: HttpRequest) -> str | None:
    """The name of the first parameter holding a NUL character ("(body)" for a JSON body), or None."""
    for key, values in request.GET.lists():
        if "\x00" in key or any("\x00" in v for v in values):
            return key.replace("\x00", "") or "(query)"
    if request.content_type == "application/json" and (b"\x00" in request.body or b"\\u0000" in request.body):
        return "(body)"
    return None


class RejectNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        field = nul_field(request)
        if field is None:
            return self.get_response(request)
        if request.path.startswith("/api/"):
            body = error_body("bad_request", "The request has invalid fields.", {field: NUL_MESSAGE})
            return JsonResponse(body, status=400)
        return HttpResponseBadRequest(f"{field}: {NUL_MESSAGE}", content_type="text/plain; charset=utf-8")
