"""Who may do what, in one vocabulary every view, API endpoint and service uses.

The data scope (scope.py) decides which records a user reaches; the role sets (roles.py) decide what a role may
do. This module joins them into the few checks the modules need:

- `get_for_user(request, Model or queryset, pk, write=False)`: one record, 404 when out of scope, 403 when the
  user may read but not change it;
- `bureau_required`: the decorator of a bureau-only page;
- `require_bureau(actor)` / `is_bureau(user)`: the same rule inside services and API endpoints.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404
from django.utils.translation import gettext as _

from kechuang.core import audit, registry
from kechuang.core.http import role_required
from kechuang.core.roles import BUREAU, READ_ONLY
from kechuang.core.scope import can_write, can_write_unit, is_scoped_for, scope_filter

M = TypeVar("M", bound=models.Model)


def _user(request_or_user: Any) -> Any:
    return getattr(request_or_user, "user", request_or_user)


def is_bureau(user: Any) -> bool:
    """Is `user` an active, signed-in member of the bureau's staff?"""
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.role in BUREAU)


def require_bureau(actor: Any, message: str | None = None) -> None:
    """Refuse (403) anyone but the bureau's staff; `message` replaces the standard explanation."""
    if not is_bureau(actor):
        raise PermissionDenied(_("Only bureau staff may do this.") if message is None else message)


def require_writer(actor: Any, message: str | None = None) -> None:
    """Refuse (403) a read-only role, or no user at all, anything that changes data."""
    if actor is None or not getattr(actor, "is_authenticated", False) or actor.role in READ_ONLY:
        raise PermissionDenied(_("Your role may read but not change data.") if message is None else message)


# The decorator of a bureau-only page: anonymous users go to the log-in page, other roles get 403.
bureau_required: Callable[[Callable], Callable] = role_required(*BUREAU)


def require_firm_in_scope(actor: Any, credit_code: str, *, field: str = "credit_code", stored: str = "") -> None:
    """Refuse (a field error) a record naming a firm of the register that `actor` may not write: a firm belongs to
    the district the register places it in, and its account sees what names it (its demands, its talents), so an
    officer naming another district's firm would write into that district. A firm outside the register (a
    university, a firm of another city) has no district here; the value already stored (`stored`) stays writable."""
    code = registry.normalise_credit_code(credit_code)
    if not code or code == registry.normalise_credit_code(stored):
        return
    region = registry.register_region(code)
    if region is not None and not can_write_unit(actor, region):
        raise ValidationError({field: _("This enterprise is outside your area.")})


def get_for_user(
    request_or_user: Any,
    source: type[M] | models.QuerySet,
    pk: Any = None,
    *,
    write: bool = False,
    **lookup: Any,
) -> M:
    """One record `request_or_user` may read, found by `pk` (or by `lookup`, e.g. `credit_code=…`).

    `source` is a model or a queryset: a selector's (already scoped for the user, see `scope.mark_scoped`) is used
    as it is; any other gets the data scope applied, so a caller cannot forget it. Out of scope or missing: 404,
    whatever the role, so an outsider cannot tell the two apart. With `write`, a record the user may read but not
    change: 403.
    """
    user = _user(request_or_user)
    queryset = source if isinstance(source, models.QuerySet) else source._default_manager.all()
    if not is_scoped_for(queryset, user):
        queryset = scope_filter(queryset, user)
    if pk is not None:
        lookup["pk"] = pk
    try:
        found = queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        # Logged as a denied attempt when the record exists: out of scope, not a mistyped address.
        audit.note_refusal(user, queryset.model, lookup)
        raise Http404 from exc
    if write and not can_write(user, found):
        audit.note_refusal(user, queryset.model, {"pk": found.pk})
        raise PermissionDenied
    return found


def writable_or_denied(request_or_user: Any, obj: models.Model) -> models.Model:
    """`obj` itself when the user may change it; 403 otherwise (for a record already found, e.g. by a selector)."""
    if not can_write(_user(request_or_user), obj):
        raise PermissionDenied
    return obj
