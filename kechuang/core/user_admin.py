"""User management by the separated administrators (三权分立, security-baseline.md §5 items 7 and 8).

The system administrator creates accounts, edits their profile, disables, enables and resets passwords; the
security administrator grants the role and org unit. Neither reads the audit log or any business data (that is
kept by `kechuang.core.duties`). Rules that keep the duties apart, enforced here whatever the caller:

- a new account has no role (`pending`) until the security administrator grants one;
- an administrator's duty is never changed into another role, nor a business account into an administrator: one
  person holding two duties, even one after the other, is what the separation forbids; a second duty is a second
  account, created by the system administrator and granted by the security administrator;
- nobody grants a role to, or disables, resets or re-profiles, their own account.

Every write is one transaction and writes the audit log.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kechuang.core import audit
from kechuang.core.models import OrgUnit, User
from kechuang.core.roles import (
    ACCOUNT_MANAGERS,
    ADMIN_DUTIES,
    EXTERNAL,
    ORGANISATION_BOUND,
    ROLE_GRANTERS,
    USER_READERS,
    Role,
)
from kechuang.core.validators import validate_username_not_reserved

PROFILE_FIELDS = ("display_name", "email")


def _has(actor: Any, roles: frozenset[str]) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and actor.is_active and actor.role in roles)


def can_read_users(actor: Any) -> bool:
    return _has(actor, USER_READERS)


def can_manage_accounts(actor: Any) -> bool:
    return _has(actor, ACCOUNT_MANAGERS)


def can_grant_roles(actor: Any) -> bool:
    return _has(actor, ROLE_GRANTERS)


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _not_self(actor: Any, user: User) -> None:
    if actor.pk == user.pk:
        raise PermissionDenied(_("Your own account is changed by another administrator."))


def users(actor: Any) -> QuerySet[User]:
    """Every account, for the user list (filters: core.filters.UserFilter)."""
    _require(can_read_users(actor), _("Only the system or security administrator may list accounts."))
    return User.objects.select_related("org_unit").order_by("username")


def duty_conflict(current: str, new: str) -> str | None:
    """Why an account of role `current` may not receive role `new` (None when it may)."""
    if current == new:
        return None
    if current in ADMIN_DUTIES:
        return _(
            "This account holds the duty of %(duty)s; one account holds one administrator's duty and keeps it. "
            "Create a separate account for another role."
        ) % {"duty": Role(current).label}
    if new in ADMIN_DUTIES and current != Role.PENDING:
        return _(
            "An account with a business role cannot become %(duty)s: an administrator holds no business data. "
            "Create a separate account."
        ) % {"duty": Role(new).label}
    if current != Role.PENDING and (current in EXTERNAL) != (new in EXTERNAL):
        return _(
            "An account of %(current)s cannot become %(new)s: accounts inside and outside the government are kept "
            "apart. Create a separate account."
        ) % {"current": Role(current).label, "new": Role(new).label}
    return None


@transaction.atomic
def create_account(
    *, actor: Any, username: str, display_name: str, email: str = "", org_unit: OrgUnit | None = None
) -> tuple[User, str]:
    """A new account without a role, and its temporary password (shown once, changed at the first log-in)."""
    from kechuang.core.accounts import reset_password

    _require(can_manage_accounts(actor), _("Only the system administrator may create accounts."))
    try:
        validate_username_not_reserved(username)
    except ValidationError as error:
        raise ValidationError({"username": error.messages}) from None
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("An account with this user name exists.")})
    user = User(username=username, display_name=display_name, email=email, role=Role.PENDING, org_unit=org_unit)
    user.set_unusable_password()
    audit.save(user, actor=actor)
    return user, reset_password(user, actor)


@transaction.atomic
def update_profile(*, actor: Any, user: User, **fields: Any) -> User:
    _require(can_manage_accounts(actor), _("Only the system administrator may change accounts."))
    _not_self(actor, user)
    audit.update(user, fields, allowed=PROFILE_FIELDS, actor=actor)
    return user


@transaction.atomic
def set_active(*, actor: Any, user: User, active: bool) -> User:
    """Disable or enable an account (never deleted: the audit log keeps referring to it)."""
    _require(can_manage_accounts(actor), _("Only the system administrator may disable or enable accounts."))
    _not_self(actor, user)
    user.is_active = active
    audit.save(user, actor=actor)
    if not active:
        from kechuang.core.firm_tokens import revoke_for_disabled

        revoke_for_disabled(user, actor=actor)
    return user


@transaction.atomic
def reset_user_password(*, actor: Any, user: User) -> str:
    """A temporary password for `user`, returned once; the account must change it at the next log-in. Its second
    factor goes too (a lost phone is the usual reason to ask): the next log-in enrols a new authenticator."""
    from kechuang.core.accounts import reset_password
    from kechuang.core.second_factor import remove_devices

    _require(can_manage_accounts(actor), _("Only the system administrator may reset passwords."))
    _not_self(actor, user)
    removed = remove_devices(user)
    if removed:
        audit.record(actor=actor, action=audit.Action.UPDATE, obj=user, detail={"event": "second_factor_reset"})
    return reset_password(user, actor)


@transaction.atomic
def grant_role(
    *,
    actor: Any,
    user: User,
    role: str,
    org_unit: OrgUnit | None,
    credit_code: str = "",
    organisation: str = "",
    is_org_admin: bool = False,
) -> User:
    """Give `user` its role and org unit (or, for an account outside the government, its organisation); refuses a
    grant to oneself, any second administrator's duty and a crossing between staff and external roles."""
    _require(can_grant_roles(actor), _("Only the security administrator may grant roles."))
    if actor.pk == user.pk:
        raise PermissionDenied(_("Nobody grants a role to their own account."))
    user = User.objects.select_for_update().get(pk=user.pk)
    if role not in Role.values or role == Role.PENDING:
        raise ValidationError({"role": _("Choose a role.")})
    conflict = duty_conflict(user.role, role)
    if conflict:
        raise ValidationError({"role": conflict})
    user.role, user.org_unit = role, org_unit
    external = role in EXTERNAL
    user.credit_code = credit_code.strip().upper() if external else ""
    user.organisation = organisation.strip() if external else ""
    user.is_org_admin = bool(is_org_admin) and role in ORGANISATION_BOUND
    if user.is_org_admin and User.objects.filter(credit_code=user.credit_code, is_org_admin=True).exclude(pk=user.pk):
        # One administrator per enterprise (also a database constraint): the present one hands over on its page.
        raise ValidationError({"is_org_admin": _("This enterprise has an administrator already.")})
    user.full_clean(exclude=["password", "username"])
    audit.save(user, actor=actor)
    return user
