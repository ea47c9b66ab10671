"""Residual-information protection on the way out (security-baseline.md, 剩余信息保护; checklist item 19).

- `Cache-Control: no-store` on every response to a signed-in user and on every download (an attachment or a file
  response): pages behind the login show personal or business data, and neither the browser nor a proxy may keep
  a copy. The simplest sound rule: no page needs to be cached once it is personal.
- `Clear-Site-Data: "cache", "cookies", "storage"` on the response of a completed logout, so the browser drops
  what the session left behind (keyed on the `logout` URL name, whoever implements the view).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import FileResponse, HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils.cache import patch_cache_control

CLEAR_SITE_DATA = '"cache", "cookies", "storage"'


def _is_download(response: HttpResponse) -> bool:
    disposition = response.get("Content-Disposition", "")
    return (isinstance(response, FileResponse) and response.as_attachment) or disposition.startswith("attachment")


def _signed_in(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


def _logout_path() -> str | None:
    try:
        return reverse("logout")
    except NoReverseMatch:
        return None


class PrivateResponseMiddleware:
    """Adds the no-store and Clear-Site-Data headers; placed after the authentication middleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Asked before the view runs (a logout replaces request.user with an anonymous one) and after it (an API
        # token signs the user in inside the view).
        signed_in = _signed_in(request)
        response = self.get_response(request)
        if signed_in or _signed_in(request) or _is_download(response):
            # no-store alone is what matters; private and max-age=0 stop caches that ignore it.
            patch_cache_control(response, no_store=True, private=True, max_age=0)
            response.headers.pop("Expires", None)
        if request.method == "POST" and request.path == _logout_path() and response.status_code < 400:
            response["Clear-Site-Data"] = CLEAR_SITE_DATA
        return response
