"""What the public registration pages share: the talent's self-registration (`/talent/register/`, talent.services)
and the enterprise's (`/accounts/register/`, core.firm_accounts).

- the rate limit per client: the address is kept only as a keyed hash (`address_hash`), and a page counts the rows
  its address sent within a window against a limit its settings give (`over_limit`);
- the new account's user name and password, checked before anything is stored (`check_username`,
  `check_password`): a name taken by an account or by a request still awaiting confirmation is refused;
- the account itself, validated, saved and logged in one transaction (`new_account`): inactive while a talent's
  request awaits confirmation; for a firm, created (active) when its request is confirmed, from the password's hash
  the request kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core import audit
from kechuang.core.models import AccountRequest, User
from kechuang.core.validators import validate_username_not_reserved


def address_hash(ip: str | None, *, salt: str = "") -> str:
    """A keyed hash of the client address (`core.middleware.client_ip`): enough for a rate limit, the address is
    never stored. `salt` keeps one page's hashes apart from another's."""
    return hmac.new(settings.SECRET_KEY.encode(), f"{salt}{ip or ''}".encode(), hashlib.sha256).hexdigest()


def over_limit(
    rows: QuerySet,
    ip: str | None,
    *,
    limit: int,
    window: dt.timedelta,
    at: str,
    salt: str = "",
    now: dt.datetime | None = None,
) -> bool:
    """Has this address sent `limit` or more of `rows` (a model with the hash in `ip_hash` and the time in the
    field `at`) within `window` before `now`?"""
    now = now or timezone.now()
    recent = rows.filter(ip_hash=address_hash(ip, salt=salt), **{f"{at}__gte": now - window})
    return recent.count() >= limit


def check_username(username: str) -> str:
    """The user name a visitor chose, stripped; ValidationError (the field's messages) when it is not a valid user
    name, is reserved, or is taken by an account or a pending portal account request (case aside)."""
    username = (username or "").strip()
    UnicodeUsernameValidator()(username)
    validate_username_not_reserved(username)
    taken = (
        User.objects.filter(username__iexact=username).exists()
        or AccountRequest.objects.filter(username__iexact=username, status=AccountRequest.Status.PENDING).exists()
    )
    if taken:
        raise ValidationError(_("This user name is taken: choose another."))
    return username


def check_password(password: str, *, username: str, display_name: str = "", email: str = "") -> None:
    """The platform's password rules (AUTH_PASSWORD_VALIDATORS), against the account the visitor is asking for;
    ValidationError (the field's messages) when they are not met."""
    validate_password(password, user=User(username=username, display_name=display_name, email=email))


def new_account(
    *, actor: Any, username: str, role: str, taken: str, password: str = "", password_hash: str = "", **fields: Any
) -> User:
    """The account of a registration: with the visitor's `password` (hashed here, and kept in the password history)
    or, when the request stored only its hash, with `password_hash` (make_password); validated, saved and logged in
    one transaction. A user name (or another unique value) taken in the meantime is the error `taken` on the field
    `username`."""
    if bool(password) == bool(password_hash):
        raise ValueError("give the password or its hash")
    user = User(username=username, role=role, **fields)
    if password:
        user.set_password(password)
    else:
        user.password = password_hash
    try:
        with transaction.atomic():
            audit.save(user, actor=actor)
    except IntegrityError:
        raise ValidationError({"username": taken}) from None
    return user
