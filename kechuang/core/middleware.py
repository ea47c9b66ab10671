"""Per-request context (client IP, request id) that the audit log reads without threading `request` through."""

from __future__ import annotations

import contextvars
import ipaddress
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RequestInfo:
    ip: str | None = None
    request_id: str = ""
    # Records the permission helpers refused during this request (out of scope): logged after the response.
    # None outside a request.
    refusals: list | None = None


_NO_REQUEST = RequestInfo()
_current: contextvars.ContextVar[RequestInfo | None] = contextvars.ContextVar("kechuang_request", default=None)


def current_request_info() -> RequestInfo:
    return _current.get() or _NO_REQUEST


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _networks(entries: object) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    networks = []
    for entry in entries or ():
        try:
            networks.append(ipaddress.ip_network(str(entry).strip(), strict=False))
        except ValueError:
            continue
    return networks


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: the one place that reads it (audit, log-in locks, rate limits).

    X-Forwarded-For is trusted only when KECHUANG_BEHIND_PROXY is set and the connecting address is the reverse
    proxy (KECHUANG_PROXY_ADDRESSES, by default this host's loopback: nginx in front of gunicorn); from any other
    peer the header is ignored, so a client reaching the app past the proxy cannot name its own address. Then
    it is read only as far as trusted hops go: KECHUANG_TRUSTED_PROXIES (addresses or networks) name any further
    proxies. Reading from the right, the first hop that is not a trusted proxy is the client; a client cannot
    pass for someone else by sending its own X-Forwarded-For, because its forged entries sit to the left of the
    hop the proxy appended."""
    from django.conf import settings

    remote = request.META.get("REMOTE_ADDR") or None
    if not getattr(settings, "KECHUANG_BEHIND_PROXY", False) or remote is None:
        return remote
    peer = _address(remote)
    proxies = _networks(getattr(settings, "KECHUANG_PROXY_ADDRESSES", ("127.0.0.1", "::1")))
    networks = _networks(getattr(settings, "KECHUANG_TRUSTED_PROXIES", ()))
    if peer is None or not any(peer in network for network in proxies + networks):
        return remote
    client = remote
    for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        address = _address(hop)
        if address is None:
            break  # garbage in the header: keep the last address a trusted hop vouched for
        client = str(address)
        if not any(address in network for network in networks):
            break
    return client


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        info = RequestInfo(ip=client_ip(request), request_id=uuid.uuid4().hex, refusals=[])
        token = _current.set(info)
        try:
            response = self.get_response(request)
            if response.status_code == 403 or (response.status_code == 404 and info.refusals):
                _log_denial(request, response, info)
        finally:
            _current.reset(token)
        return response


def _log_denial(request: HttpRequest, response: HttpResponse, info: RequestInfo) -> None:
    """A 403, or a 404 on a record that exists outside the user's scope, into the audit log (baseline item 10).
    Written here, after the view, so the view's rolled-back transaction cannot take the entry with it. A 404 on
    an address that names nothing is a typo, not an attempt, and is not logged."""
    from django.db import DatabaseError

    from kechuang.core import audit

    obj = info.refusals[-1] if info.refusals else None
    try:
        audit.record_denied(
            getattr(request, "user", None),
            obj=obj,
            object_label="" if obj is not None else request.path[:300],
            method=request.method,
            path=request.path[:500],
            status=response.status_code,
        )
    except DatabaseError:
        # The database is what failed (the refusal page is being served anyway): say so in the server log.
        log.exception("could not log a refused request to %s", request.path)


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.META.get("HTTP_ACCEPT", "")


def refusal_response(request: HttpRequest, message: str, *, status: int, field: str = "") -> HttpResponse:
    """The clear refusal of an upload or an oversized body: JSON for the API, a page otherwise."""
    from django.http import JsonResponse
    from django.template.loader import render_to_string

    if _wants_json(request):
        return JsonResponse({"detail": message, "field": field}, status=status)
    from django.utils.http import url_has_allowed_host_and_scheme

    back = request.META.get("HTTP_REFERER", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = request.path
    context = {"message": message, "status": status, "back": back}
    html = render_to_string("core/upload_refused.html", context, request=request)
    return HttpResponse(html, status=status)


class RequestSizeLimitMiddleware:
    """Refuse a request body above KECHUANG_MAX_REQUEST_BYTES with 413, before anything reads it.

    Django's DATA_UPLOAD_MAX_MEMORY_SIZE leaves file parts out of its count; this caps the whole body."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.conf import settings
        from django.utils.translation import gettext as _

        limit = int(getattr(settings, "KECHUANG_MAX_REQUEST_BYTES", 25 << 20))
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit:
            message = _("The request is %(size)s MB; at most %(max)s MB may be sent at once.") % {
                "size": f"{length / (1 << 20):.1f}",
                "max": f"{limit / (1 << 20):.0f}",
            }
            return refusal_response(request, message, status=413)
        return self.get_response(request)


class UploadInspectionMiddleware:
    """Run core.uploads' hostile-file checks on every uploaded file before the view sees it.

    Placed after CSRF and authentication, so a forged request is refused by those first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view: Callable, args: tuple, kwargs: dict) -> HttpResponse | None:
        if not request.META.get("CONTENT_TYPE", "").startswith("multipart/"):
            return None
        from kechuang.core.uploads import UploadRefused, inspect_upload

        inspections = request.upload_inspections = []
        for name, files in request.FILES.lists():
            for upload in files:
                try:
                    inspections.append(inspect_upload(upload, field=name))
                except UploadRefused as refused:
                    inspections.append(refused.inspection)
                    log.warning("upload refused: %s (%s)", refused.message, client_ip(request))
                    return refusal_response(request, refused.message, status=400, field=name)
        return None


# Background polls (the import progress, `hx-headers` on the polling element) send this header: they must not
# restart the idle timeout, or a page left open would keep its session alive forever (身份鉴别 b).
POLL_HEADER = "HTTP_X_KECHUANG_POLL"


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's session middleware, except that a background poll does not save the session (and so does not
    push back its expiry, which SESSION_SAVE_EVERY_REQUEST does for every other request)."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if request.META.get(POLL_HEADER) and not request.session.modified:
            patch_vary_headers(response, ("Cookie",))
            return response
        return super().process_response(request, response)


class AccountPolicyMiddleware:
    """For a signed-in user, before any view: end the session past the absolute limit (KECHUANG_SESSION_ABSOLUTE_
    HOURS since log-in), and send a user whose password expired or was reset to the change page (logging out,
    the change page itself, the language switch and static files stay reachable)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        from django.conf import settings
        from django.contrib.auth import logout
        from django.contrib.auth.views import redirect_to_login
        from django.http import JsonResponse
        from django.shortcuts import redirect
        from django.urls import reverse
        from django.utils.translation import gettext as _

        from kechuang.core.accounts import password_change_reason, session_too_old
        from kechuang.core.signals import LOGOUT_REASON_ATTRIBUTE

        if session_too_old(request.session):
            setattr(request, LOGOUT_REASON_ATTRIBUTE, "session_limit")
            logout(request)
            if _wants_json(request):
                return JsonResponse({"detail": _("The session has ended; log in again.")}, status=401)
            return redirect_to_login(request.get_full_path())
        if password_change_reason(user):
            # The second factor's pages stay open: it is passed before the password is changed (else each sends
            # the user to the other).
            open_paths = {
                reverse(name)
                for name in (
                    "password_change",
                    "logout",
                    "set_language",
                    "core:second_factor_enrol",
                    "core:second_factor_verify",
                )
            }
            if request.path in open_paths or request.path.startswith("/" + settings.STATIC_URL.lstrip("/")):
                return self.get_response(request)
            if _wants_json(request):
                return JsonResponse({"detail": _("Change your password first.")}, status=403)
            return redirect("password_change")
        return self.get_response(request)
