"""API authentication (bearer tokens for machines, the session for pages) and the one error shape."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError
from ninja.errors import ValidationError as SchemaValidationError
from ninja.security import HttpBearer, SessionAuth

from kechuang.core.firm_tokens import firm_principal
from kechuang.core.models import ApiToken
from kechuang.core.roles import BUSINESS

log = logging.getLogger(__name__)


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = ApiToken.objects.select_related("user").filter(digest=ApiToken.digest_of(token)).first()
        if found is None or not found.is_usable or not found.user.is_active:
            return None
        if found.credit_code:
            # A firm's token (core.firm_tokens): its own firm's endpoints only, read only unless it may write.
            user = firm_principal(request, found)
            if user is None:
                return None
        elif found.user.role not in BUSINESS:
            return None  # the API serves business data, which an administrator never reads (core.duties)
        else:
            user = found.user
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
        request.user = user
        return user


def error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def install_error_handlers(api: NinjaAPI) -> None:
    """Every failure, whatever raised it, answers {"error": {"code", "message", "fields"}}."""

    def reply(request: HttpRequest, status: int, code: str, message: str, fields: dict | None = None) -> HttpResponse:
        return api.create_response(request, error_body(code, message, fields), status=status)

    @api.exception_handler(SchemaValidationError)
    def _schema(request: HttpRequest, exc: SchemaValidationError) -> HttpResponse:
        fields: dict[str, str] = {}
        for err in exc.errors:
            loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "payload")]
            fields[".".join(loc) or "(request)"] = err.get("msg", "invalid")
        return reply(request, 422, "validation_error", "The request has invalid fields.", fields)

    @api.exception_handler(ValidationError)
    def _model(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        fields = (
            {k: " ".join(str(m) for m in v) for k, v in exc.message_dict.items()} if hasattr(exc, "error_dict") else {}
        )
        message = " ".join(exc.messages) if not fields else "The request has invalid fields."
        return reply(request, 422, "validation_error", message, fields)

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
        return reply(request, 401, "unauthenticated", "Sign in or send a valid bearer token.")

    @api.exception_handler(AuthorizationError)
    def _unauthorised(request: HttpRequest, exc: Exception) -> HttpResponse:
        return reply(request, 403, "forbidden", "You may not do this.")

    @api.exception_handler(PermissionDenied)
    def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return reply(request, 403, "forbidden", str(exc) or "You may not do this.")

    @api.exception_handler(Http404)
    def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return reply(request, 404, "not_found", "No such record, or it is outside your data scope.")

    @api.exception_handler(HttpError)
    def _http(request: HttpRequest, exc: HttpError) -> HttpResponse:
        codes = {
            400: "bad_request",
            401: "unauthenticated",
            403: "forbidden",
            404: "not_found",
            405: "method_not_allowed",
            409: "conflict",
            422: "validation_error",
            429: "throttled",
        }
        return reply(request, exc.status_code, codes.get(exc.status_code, "error"), str(exc))

    if not settings.DEBUG:

        @api.exception_handler(Exception)
        def _internal(request: HttpRequest, exc: Exception) -> HttpResponse:
            log.exception("API error")
            return reply(request, 500, "internal_error", "Something went wrong; the error has been logged.")


AUTH = [TokenAuth(), SessionAuth()]


def docs_require_sign_in(view: Any) -> Any:
    """The schema and the docs page need a session or a bearer token, like every endpoint they describe.

    A browser without a session is sent to the log-in page; a machine gets the API's 401 body."""
    from functools import wraps

    from django.contrib.auth.views import redirect_to_login
    from django.http import JsonResponse

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return view(request, *args, **kwargs)
        header = request.headers.get("Authorization", "")
        if header.lower().startswith("bearer ") and TokenAuth().authenticate(request, header[7:].strip()):
            return view(request, *args, **kwargs)
        if request.path.endswith(".json") or header:
            body = error_body("unauthenticated", "Sign in or send a valid bearer token.")
            return JsonResponse(body, status=401)
        return redirect_to_login(request.get_full_path())

    return wrapped
