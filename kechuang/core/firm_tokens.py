"""API tokens of a firm's own systems (issue 18 §7: "the API covers the same data for the firm's own systems").

The firm's administrator (an enterprise account with `is_org_admin`, past its second factor) issues, lists and
revokes them on `/accounts/firm-api-tokens/`. A token is `core.models.ApiToken` (only its SHA-256 kept, the raw
value shown once) with the firm's credit code, an expiry and a scope, read only or read and write. Rules kept
here and in `core.api_auth.TokenAuth`, whatever the caller:

- a firm token acts as the account that issued it, for the firm of its credit code only, and reaches only the API
  endpoints of `FIRM_TOKEN_API` (the portal's API: /api/portal/*, /api/my-enterprise/*), checked here for every
  request by `core.api_auth.TokenAuth`; every other endpoint, a new one included, and the API docs answer 403;
- a read-only token reads: any other method answers 403, but for the what-if (`READ_ONLY_POSTS`), a computation
  that saves nothing;
- a revoked or expired token is refused (401), as is a token whose issuing account is disabled, no longer an
  enterprise account, or moved to another firm's credit code. Disabling the account (by the firm's administrator,
  the system administrator, or the idle-account job) also revokes its firm tokens for good, so enabling it again
  does not bring them back. Handing the administration over keeps them: they are the firm's, and the new
  administrator sees and may revoke them;
- every issue and revocation is written to the audit log (action "API token").
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core import audit
from kechuang.core.models import ApiToken
from kechuang.core.roles import Role

MAX_VALID_DAYS = 365
MAX_ACTIVE_TOKENS = 20  # per firm: enough for its systems, few enough to keep an eye on
# POST endpoints a read-only token may call: they compute and save nothing.
READ_ONLY_POSTS = frozenset({"api:my_whatif"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


# The one allow-list of the API endpoints (URL names) a firm's token reaches: the enterprise portal's own API (issue
# 18 §7, "the same data for the firm's own systems"). Anything else, a route added tomorrow included, is refused:
# being open to enterprise accounts in the browser (AppConfig.external_pages) is not enough for a machine. Refused
# on purpose, though the firm's session reaches them:
# - api:finance_my_score: the score is in the portal API already (home, applications: total, grade, date); its
#   criterion-by-criterion working is the finance module's page for a person;
# - api:project_corrections: the staff list of correction orders, scoped by role; the firm's orders are on its
#   portal page, and a staff endpoint is not the firm's API;
# - api:project_application_create: applying for a call is the firm's declaration, made by a signed-in person on
#   the call's page, not by a system holding a token; the endpoint is also the staff's entry point.
FIRM_TOKEN_API = frozenset(
    {
        "api:portal_home",
        "api:portal_push",
        "api:portal_demands",
        "api:portal_demand",
        "api:portal_demand_create",
        "api:portal_demand_update",
        "api:portal_applications",
        "api:my_ladder",
        "api:my_whatif",
        "api:my_corrections",
        "api:my_correction_propose",
    }
)


def firm_api_names() -> frozenset[str]:
    """The URL names a firm token reaches: the allow-list, less any endpoint no longer open to enterprise accounts
    (a token never reaches more than its account's session)."""
    from kechuang.core.registry import external_pages

    return FIRM_TOKEN_API & external_pages(Role.ENTERPRISE)


def _is_firm_admin(actor: Any) -> bool:
    from kechuang.core.firm_accounts import is_firm_admin

    return is_firm_admin(actor)


def _require_firm_admin(actor: Any) -> None:
    if not _is_firm_admin(actor):
        raise PermissionDenied(_("Only the enterprise's administrator manages its API tokens."))


def firm_tokens(actor: Any) -> QuerySet[ApiToken]:
    """The tokens of the administrator's own firm, newest first (whoever of its accounts issued them)."""
    _require_firm_admin(actor)
    return ApiToken.objects.filter(credit_code=actor.credit_code).select_related("user").order_by("-created_at", "-id")


@transaction.atomic
def firm_token_issue(*, actor: Any, name: str, valid_days: int, scope: str) -> tuple[ApiToken, str]:
    """A new token of the actor's firm; returns the record and the raw token (shown once, stored as a digest)."""
    _require_firm_admin(actor)
    name = (name or "").strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = _("Name what the token is for, e.g. the system that uses it.")
    if not isinstance(valid_days, int) or not 1 <= valid_days <= MAX_VALID_DAYS:
        errors["valid_days"] = _("A token is valid for 1 to %(days)d days.") % {"days": MAX_VALID_DAYS}
    if scope not in ApiToken.Scope.values:
        errors["scope"] = _("Choose read only, or read and write.")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    active = (
        ApiToken.objects.select_for_update()
        .filter(credit_code=actor.credit_code, revoked_at__isnull=True, expires_at__gt=now)
        .count()
    )
    if active >= MAX_ACTIVE_TOKENS:
        raise ValidationError(
            {"name": _("Your enterprise has %(n)d valid tokens: revoke one first.") % {"n": MAX_ACTIVE_TOKENS}}
        )
    token, raw = ApiToken.issue(
        user=actor,
        name=name[:100],
        expires_at=now + dt.timedelta(days=valid_days),
        credit_code=actor.credit_code,
        scope=scope,
    )
    audit.record(
        actor=actor,
        action=audit.Action.TOKEN,
        obj=token,
        detail={"event": "firm_token_issued", "credit_code": actor.credit_code, "scope": scope, "days": valid_days},
    )
    return token, raw


@transaction.atomic
def firm_token_revoke(*, actor: Any, token_id: int) -> ApiToken:
    """Revoke a valid token of the actor's firm (another firm's: ApiToken.DoesNotExist, the view answers 404)."""
    token = firm_tokens(actor).select_for_update().get(pk=token_id)
    if token.state() != "valid":
        raise ValidationError(_("Only a token that is still valid can be revoked."))
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record(
        actor=actor,
        action=audit.Action.TOKEN,
        obj=token,
        detail={"event": "firm_token_revoked", "credit_code": token.credit_code},
    )
    return token


def revoke_for_disabled(user: Any, *, actor: Any) -> int:
    """Revoke the firm tokens issued by `user`, whose account is being disabled (in the caller's transaction)."""
    tokens = list(ApiToken.objects.filter(user=user, revoked_at__isnull=True).exclude(credit_code=""))
    now = timezone.now()
    for token in tokens:
        token.revoked_at = now
        token.save(update_fields=["revoked_at"])
        audit.record(
            actor=actor,
            action=audit.Action.TOKEN,
            obj=token,
            detail={"event": "firm_token_revoked", "credit_code": token.credit_code, "reason": "account_disabled"},
        )
    return len(tokens)


@functools.cache
def _operation_names() -> dict[tuple[str, str], str]:
    """(URL name Django resolves a path to, HTTP method) → URL name of the API operation that answers it. Ninja
    registers a path once per operation, and Django resolves it to the first one's name (GET and POST on
    /api/portal/demands both resolve to api:portal_demands), so a rule keyed on the resolved name alone would let
    every method of an allowed path through, one added later included."""
    from kechuang.api import api

    names: dict[tuple[str, str], str] = {}
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            named = [
                (op, f"{api.urls_namespace}:{getattr(op, 'url_name', None) or api.get_operation_url_name(op, router)}")
                for op in path_view.operations
            ]
            for op, name in named:
                for method in op.methods:
                    names[(named[0][1], method.upper())] = name
    return names


def operation_name(request: Any) -> str:
    """The URL name of the API operation this request reaches (its path and its method); "" for none."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    method = "GET" if request.method == "HEAD" else request.method
    return _operation_names().get((match.view_name, method), "")


def firm_principal(request: Any, token: ApiToken) -> Any:
    """The account a firm token acts as for this request, or None (refused as unauthenticated). Raises
    PermissionDenied (403) for an endpoint outside the firm's, or a write with a read-only token."""
    user = token.user
    if user.role != Role.ENTERPRISE or not user.credit_code or user.credit_code != token.credit_code:
        return None
    name = operation_name(request)
    if name not in firm_api_names():
        raise PermissionDenied(_("A firm's API token reaches only the endpoints of its own enterprise."))
    if token.scope != ApiToken.Scope.READ_WRITE and request.method not in SAFE_METHODS and name not in READ_ONLY_POSTS:
        raise PermissionDenied(_("This API token is read only."))
    return user
