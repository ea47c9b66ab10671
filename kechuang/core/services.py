"""Changing core data: users and liaisons. Each service is one transaction and writes the audit log."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kechuang.core import audit
from kechuang.core.models import Archivable, Liaison, OrgUnit, User
from kechuang.core.scope import can_write, can_write_unit
from kechuang.core.validators import validate_username_not_reserved

# What the liaison form and API may change; the archive flag and its reason change only by archiving.
LIAISON_FIELDS = ("org_unit", "name", "position", "phone", "email", "note")


@transaction.atomic
def user_create(
    *,
    username: str,
    role: str,
    org_unit: OrgUnit | None = None,
    display_name: str = "",
    password: str,
    must_change_password: bool = True,
    is_demo: bool = False,
    credit_code: str = "",
    organisation: str = "",
    is_org_admin: bool = False,
) -> User:
    """Create an account at installation (`create_account`, the demo accounts): the system itself is the actor.
    On the platform, the system administrator creates accounts through core.user_admin.create_account and the
    security administrator grants the role. Default and shared names and weak passwords are refused
    (security-baseline.md, 访问控制 b); whoever chose the password is not its owner, so by default it must be
    changed at the first log-in."""
    try:
        validate_username_not_reserved(username)
    except ValidationError as error:
        raise ValidationError({"username": error.messages}) from None
    user = User(
        username=username,
        role=role,
        org_unit=org_unit,
        display_name=display_name,
        is_demo=is_demo,
        credit_code=credit_code,
        organisation=organisation,
        is_org_admin=is_org_admin,
    )
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from None
    user.set_password(password)
    user.must_change_password = must_change_password
    audit.save(user, actor=None)
    return user


def _check_liaison_unit(actor: Any, org_unit: OrgUnit) -> None:
    if org_unit.kind == OrgUnit.Kind.CITY:
        raise ValidationError({"org_unit": _("Choose a region or a department.")})
    if not can_write_unit(actor, org_unit):
        raise PermissionDenied(_("You cannot manage liaisons of %(unit)s.") % {"unit": org_unit})


@transaction.atomic
def liaison_create(*, actor: Any, org_unit: OrgUnit, name: str, **fields: Any) -> Liaison:
    _check_liaison_unit(actor, org_unit)
    liaison = Liaison(org_unit=org_unit, name=name, **fields)
    audit.save(liaison, actor=actor)
    return liaison


@transaction.atomic
def liaison_update(*, actor: Any, liaison: Liaison, **fields: Any) -> Liaison:
    """Change a liaison; moving it to another unit needs write rights on both (import-as-update leak)."""
    if not can_write(actor, liaison):
        raise PermissionDenied(_("You cannot change this liaison."))
    if "org_unit" in fields:
        _check_liaison_unit(actor, fields["org_unit"])
    audit.update(liaison, fields, allowed=LIAISON_FIELDS, actor=actor)
    return liaison


@transaction.atomic
def archive(obj: Archivable, *, actor: Any, reason: str) -> Archivable:
    """Archive a record with its reason, logged as an archive; the caller has checked the actor's rights."""
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for archiving.")})
    obj.is_active = False
    obj.archived_reason = reason.strip()
    audit.save(obj, actor=actor, action=audit.Action.ARCHIVE)
    return obj


@transaction.atomic
def liaison_archive(*, actor: Any, liaison: Liaison, reason: str) -> Liaison:
    """Liaisons are archived with a reason, never deleted."""
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for archiving.")})
    if not can_write(actor, liaison):
        raise PermissionDenied(_("You cannot change this liaison."))
    return archive(liaison, actor=actor, reason=reason)
