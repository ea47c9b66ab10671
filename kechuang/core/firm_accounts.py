"""Enterprise portal accounts (issue 18 §1): a firm asks for an account on a public page, the district (or the
bureau) confirms it, or an invitation code issued to the firm activates it at once; the firm's administrator then
manages the firm's other accounts. Every step is one transaction and writes the audit log.

Rules kept here whatever the caller:
- an account is bound to one credit code of the enterprise register (read through `core.registry`, so core imports
  no domain module); the anonymous visitor learns only whether the code is in the register, never its name,
  region, or whether the firm already has accounts;
- one administrator per firm (a database constraint too). A request from a firm that already has one is still
  received (the visitor is told nothing more) and goes to the district as a request for an ordinary user: the
  district knows the firm and can check the person; confirming it adds a user without administration rights and
  tells the firm's administrator, who can disable it. An invitation code is for the firm's administrator only: it
  is not issued, nor accepted, once the firm has one;
- a district officer confirms, refuses and invites only for firms of its own region (`writable_by`), the bureau
  for every region; another region's request is not found (404);
- the firm's administrator manages only accounts of its own credit code; another firm's account is not found.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core import audit, consent, crypto, messages, registration, registry
from kechuang.core.models import AccountRequest, ConsentRecord, InvitationCode, Notice, User
from kechuang.core.roles import ACCOUNT_CONFIRMERS, Role
from kechuang.core.scope import can_write_unit

logger = logging.getLogger(__name__)

REGISTRATION_PURPOSE = "core.enterprise_registration"  # the Notice and ConsentRecord purpose of the public form
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out over the phone
_CODE_LENGTH = 16  # 80 bits: guessing is hopeless even without the rate limit


# ---------------------------------------------------------------- the public form's rate limit


_SALT = "registration:"  # the address hashes of this page (core.registration.address_hash)


def ip_hash(ip: str | None) -> str:
    """A keyed hash of the client address: enough for the rate limit, no address stored."""
    return registration.address_hash(ip, salt=_SALT)


def _failure_key(ip: str | None) -> str:
    return f"registration-failures:{ip_hash(ip)}"


def rate_limited(ip: str | None, *, now: dt.datetime | None = None) -> bool:
    """Has this client used up its hour? Requests received (KECHUANG_REGISTRATION_LIMIT_PER_HOUR, counted in the
    database) and refused attempts (KECHUANG_REGISTRATION_FAILURE_LIMIT_PER_HOUR: a wrong invitation code, a
    credit code not in the register) are counted apart, as the log-in counts failures, so that a firm that
    mistypes keeps its allowance while a script trying codes is stopped."""
    limit = settings.KECHUANG_REGISTRATION_LIMIT_PER_HOUR
    window = dt.timedelta(hours=1)
    if registration.over_limit(
        AccountRequest.objects, ip, limit=limit, window=window, at="created_at", salt=_SALT, now=now
    ):
        return True
    return cache.get(_failure_key(ip), 0) >= settings.KECHUANG_REGISTRATION_FAILURE_LIMIT_PER_HOUR


def note_failure(ip: str | None) -> None:
    key = _failure_key(ip)
    if not cache.add(key, 1, 3600):
        try:
            cache.incr(key)
        except ValueError:  # expired between the two calls
            cache.set(key, 1, 3600)


# ---------------------------------------------------------------- invitation codes


def _normalise_code(raw: str) -> str:
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())


def _digest(code: str) -> str:
    return crypto.mac().hexdigest(f"invitation:{_normalise_code(code)}".encode())


def _new_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, _CODE_LENGTH, 4))


def can_confirm(actor: Any) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and actor.is_active and actor.role in ACCOUNT_CONFIRMERS)


def _require_confirmer(actor: Any) -> None:
    if not can_confirm(actor):
        raise PermissionDenied(_("Only the bureau and the district officers handle portal accounts."))


def _firm_has_admin(credit_code: str) -> bool:
    return User.objects.filter(credit_code=credit_code, is_org_admin=True).exists()


def _registered_firm(credit_code: str) -> registry.RegisteredFirm | None:
    """The firm with its register region (registry.registered_firms, the one lookup), or None: a firm whose register
    row names no district, county or zone is absent too, so a firm found always has its region."""
    return registry.registered_firms([credit_code]).get(credit_code)


def invitations(actor: Any) -> QuerySet[InvitationCode]:
    """The codes the actor may see: its region's (the bureau: all)."""
    _require_confirmer(actor)
    return InvitationCode.objects.visible_to(actor).select_related("region", "issued_by", "used_by")


@transaction.atomic
def invitation_issue(*, actor: Any, credit_code: str, valid_days: int) -> tuple[InvitationCode, str]:
    """A new code for the firm `credit_code`; returns the record and the code (shown once, stored as a MAC)."""
    _require_confirmer(actor)
    credit_code = credit_code.strip().upper()
    ref = _registered_firm(credit_code)
    if ref is None:
        raise ValidationError({"credit_code": _("This credit code is not in the enterprise register.")})
    region = ref.region
    if not can_write_unit(actor, region):
        raise ValidationError({"credit_code": _("This enterprise is registered in another region.")})
    if not 1 <= valid_days <= 90:
        raise ValidationError({"valid_days": _("A code is valid for 1 to 90 days.")})
    if _firm_has_admin(credit_code):
        raise ValidationError(
            {"credit_code": _("This enterprise has an administrator already; its administrator adds its users.")}
        )
    code = _new_code()
    invitation = InvitationCode(
        credit_code=credit_code,
        organisation=ref.name,
        region=region,
        digest=_digest(code),
        hint=code[-4:],
        issued_by=actor,
        expires_at=timezone.now() + dt.timedelta(days=valid_days),
    )
    audit.save(invitation, actor=actor)
    return invitation, code


@transaction.atomic
def invitation_revoke(*, actor: Any, invitation: InvitationCode) -> InvitationCode:
    _require_confirmer(actor)
    invitation = InvitationCode.objects.writable_by(actor).select_for_update().get(pk=invitation.pk)
    if invitation.state() != "valid":
        raise ValidationError(_("Only a code that is still valid can be revoked."))
    invitation.revoked_at = timezone.now()
    audit.save(invitation, actor=actor)
    return invitation


def _check_invitation(raw: str, credit_code: str) -> InvitationCode:
    """The valid code `raw` issued for `credit_code` (locked), or a field error. A code of another firm reads as
    not found: the holder of a code learns nothing about other firms."""
    invitation = InvitationCode.objects.select_for_update().filter(digest=_digest(raw)).first()
    if invitation is None or invitation.credit_code != credit_code:
        raise ValidationError({"invitation_code": _("This invitation code is not valid for this credit code.")})
    state = invitation.state()
    if state == "used":
        raise ValidationError({"invitation_code": _("This invitation code has been used already.")})
    if state == "revoked":
        raise ValidationError({"invitation_code": _("This invitation code has been revoked.")})
    if state == "expired":
        raise ValidationError({"invitation_code": _("This invitation code has expired: ask for a new one.")})
    return invitation


# ---------------------------------------------------------------- registration


def _check_username(username: str) -> str:
    try:
        return registration.check_username(username)
    except ValidationError as error:
        raise ValidationError({"username": error.messages}) from None


def _create_account(req: AccountRequest, *, as_admin: bool, actor: Any, organisation: str) -> User:
    """The enterprise account of request `req`, with the password chosen on the form (kept as its hash)."""
    return registration.new_account(
        actor=actor,
        username=req.username,
        password_hash=req.password,
        role=Role.ENTERPRISE,
        # Another request took the user name, or the firm's administrator, a moment earlier.
        taken=_("This user name is taken, or the enterprise has an administrator already."),
        display_name=req.contact_name,
        email=req.email,
        mobile=req.mobile,
        credit_code=req.credit_code,
        organisation=organisation or req.organisation,
        is_org_admin=as_admin,
    )


def registration_submit(
    *,
    credit_code: str,
    organisation: str,
    contact_name: str,
    email: str,
    mobile: str,
    username: str,
    password: str,
    invitation_code: str = "",
    ip: str | None,
    consent_given: bool,
    notice: Notice | None,
) -> AccountRequest:
    """Receive a firm's request for a portal account (the public page). With a valid invitation code the account
    is created at once as the firm's administrator; otherwise the request waits for the district."""
    if not consent_given:
        raise ValidationError({"consent": _("Consent is required: tick the box to agree to the privacy notice.")})
    credit_code = credit_code.strip().upper()
    ref = _registered_firm(credit_code)
    if ref is None:
        raise ValidationError(
            {
                "credit_code": _(
                    "This credit code is not in the enterprise register of the city. Check it, or ask the science "
                    "and technology office of your district to add the enterprise."
                )
            }
        )
    region = ref.region
    username = _check_username(username)
    try:
        registration.check_password(password, username=username, display_name=contact_name, email=email)
    except ValidationError as error:
        raise ValidationError({"password1": error.messages}) from None
    with transaction.atomic():
        has_admin = _firm_has_admin(credit_code)
        invitation = None
        if invitation_code.strip():
            invitation = _check_invitation(invitation_code, credit_code)
            if has_admin:
                raise ValidationError(
                    {"invitation_code": _("The enterprise has an administrator already: ask them to add your account.")}
                )
        req = AccountRequest(
            credit_code=credit_code,
            organisation=organisation.strip(),
            region=region,
            contact_name=contact_name.strip(),
            email=email.strip(),
            mobile=mobile.strip(),
            username=username,
            as_admin=not has_admin,
            ip_hash=ip_hash(ip),
        )
        req.password = _hash(password)
        audit.save(req, actor=None)
        consent.give(
            purpose=REGISTRATION_PURPOSE,
            notice=notice,
            contact=req.mobile,
            obj=req,
            channel=ConsentRecord.Channel.PUBLIC_FORM,
        )
        if invitation is not None:
            user = _create_account(req, as_admin=True, actor=None, organisation=ref.name)
            invitation.used_at, invitation.used_by = timezone.now(), user
            audit.save(invitation, actor=None)
            req.status, req.account, req.decided_at, req.password = (
                AccountRequest.Status.INVITED,
                user,
                timezone.now(),
                "",
            )
            audit.save(req, actor=None)
        else:
            officers = User.objects.filter(role=Role.DISTRICT_OFFICER, org_unit=region, is_active=True)
            messages.notify(
                officers,
                kind="reminder",
                subject=_("New portal account request: %(firm)s") % {"firm": req.organisation},
                body=_("Confirm or refuse it on the page of account requests."),
                url=reverse("core:registration_queue"),
                key=f"core.accountrequest.{req.pk}",
            )
    return req


def _hash(password: str) -> str:
    from django.contrib.auth.hashers import make_password

    return make_password(password)


def registration_consent_withdrawn(record: ConsentRecord) -> None:
    """Withdrawing the consent of a pending request ends it: refused, its contact and password blanked (runs in the
    withdrawal's transaction; a decided request is left alone, its account has its own copy)."""
    consent.anonymise(
        AccountRequest,
        AccountRequest.objects.filter(pk=record.object_id, status=AccountRequest.Status.PENDING).values("pk"),
        ["contact_name", "email", "mobile", "password"],
        status=AccountRequest.Status.REFUSED,
        reason=_("Consent withdrawn"),
        decided_at=timezone.now(),
    )


def registration_queue(actor: Any) -> QuerySet[AccountRequest]:
    """The requests of the actor's region (the bureau: all), pending first."""
    _require_confirmer(actor)
    return AccountRequest.objects.visible_to(actor).select_related("region", "decided_by", "account")


def _send_mail(address: str, subject: str, text: str) -> None:
    """A mail to someone without an account (a refused request), after the commit; a failure is logged only."""

    def send() -> None:
        try:
            send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, [address], fail_silently=False)
        except Exception:
            logger.exception("mail about an account request failed")

    if address:
        transaction.on_commit(send)


@transaction.atomic
def registration_decide(*, actor: Any, request: AccountRequest, confirm: bool, reason: str = "") -> AccountRequest:
    """Confirm (the account is created, as the firm's administrator if it has none) or refuse with a reason. Only a
    request of the actor's region; only a pending one."""
    _require_confirmer(actor)
    req = AccountRequest.objects.writable_by(actor).select_for_update().filter(pk=request.pk).first()
    if req is None:
        raise PermissionDenied(_("This request belongs to another region."))
    if req.status != AccountRequest.Status.PENDING:
        raise ValidationError(_("This request has been decided already."))
    reason = reason.strip()
    if not confirm and not reason:
        raise ValidationError({"reason": _("Give the reason for refusing: the enterprise is told it.")})
    req.decided_by, req.decided_at, req.reason = actor, timezone.now(), reason
    if confirm:
        ref = registry.enterprise_refs([req.credit_code]).get(req.credit_code)
        as_admin = req.as_admin and not _firm_has_admin(req.credit_code)
        user = _create_account(req, as_admin=as_admin, actor=actor, organisation=ref.name if ref else "")
        req.status, req.account, req.as_admin = AccountRequest.Status.CONFIRMED, user, as_admin
        messages.notify(
            [user],
            kind="decision",
            subject=_("Your enterprise portal account is confirmed"),
            body=_("Sign in with the user name and password you chose.")
            + (
                " " + _("As the enterprise's administrator you set up a second factor at the first sign-in.") * as_admin
            ),
            url="/",
            key=f"core.accountrequest.{req.pk}.confirmed",
        )
        if not as_admin:
            admins = User.objects.filter(credit_code=req.credit_code, is_org_admin=True)
            messages.notify(
                admins,
                kind="reminder",
                subject=_("A new account of your enterprise: %(user)s") % {"user": user.username},
                body=_("The district confirmed it. If you do not know this person, disable the account."),
                url=reverse("core:firm_users"),
                key=f"core.accountrequest.{req.pk}.admin",
            )
    else:
        req.status = AccountRequest.Status.REFUSED
        _send_mail(
            req.email,
            _("Your enterprise portal account request"),
            _("Your request for the account %(user)s was refused: %(reason)s")
            % {"user": req.username, "reason": reason},
        )
    req.password = ""  # nosec B105 - not a password: the chosen password's hash is cleared, nothing is kept
    audit.save(req, actor=actor)
    return req


# ---------------------------------------------------------------- the firm's administrator


def is_firm_admin(actor: Any) -> bool:
    return bool(
        getattr(actor, "is_authenticated", False)
        and actor.is_active
        and actor.role == Role.ENTERPRISE
        and actor.is_org_admin
        and actor.credit_code
    )


def _require_firm_admin(actor: Any) -> None:
    if not is_firm_admin(actor):
        raise PermissionDenied(_("Only the enterprise's administrator manages its accounts."))


def firm_users(actor: Any) -> QuerySet[User]:
    """The accounts of the administrator's own enterprise."""
    _require_firm_admin(actor)
    return User.objects.filter(role=Role.ENTERPRISE, credit_code=actor.credit_code).order_by(
        "-is_org_admin", "username"
    )


def firm_user(actor: Any, pk: int) -> User:
    """One account of the administrator's enterprise (User.DoesNotExist for any other: the view answers 404)."""
    return firm_users(actor).get(pk=pk)


def _not_self(actor: Any, user: User) -> None:
    if actor.pk == user.pk:
        raise PermissionDenied(_("Your own account is changed by another administrator."))


@transaction.atomic
def firm_user_create(*, actor: Any, username: str, display_name: str, email: str = "") -> tuple[User, str]:
    """One more account of the enterprise, and its one-time password (changed at the first sign-in)."""
    from kechuang.core.accounts import reset_password

    _require_firm_admin(actor)
    username = _check_username(username)
    user = User(
        username=username,
        display_name=display_name.strip(),
        email=email.strip(),
        role=Role.ENTERPRISE,
        credit_code=actor.credit_code,
        organisation=actor.organisation,
    )
    user.set_unusable_password()
    audit.save(user, actor=actor)
    return user, reset_password(user, actor)


@transaction.atomic
def firm_user_set_active(*, actor: Any, user: User, active: bool) -> User:
    _require_firm_admin(actor)
    user = firm_users(actor).select_for_update().get(pk=user.pk)
    _not_self(actor, user)
    user.is_active = active
    audit.save(user, actor=actor)
    if not active:
        from kechuang.core.firm_tokens import revoke_for_disabled

        revoke_for_disabled(user, actor=actor)  # a disabled account's firm tokens end with it (core.firm_tokens)
    return user


@transaction.atomic
def firm_user_reset_password(*, actor: Any, user: User) -> str:
    """A one-time password for one of the enterprise's accounts; its second factor goes too."""
    from kechuang.core.accounts import reset_password
    from kechuang.core.second_factor import remove_devices

    _require_firm_admin(actor)
    user = firm_users(actor).get(pk=user.pk)
    _not_self(actor, user)
    if remove_devices(user):
        audit.record(actor=actor, action=audit.Action.UPDATE, obj=user, detail={"event": "second_factor_reset"})
    return reset_password(user, actor)


@transaction.atomic
def firm_admin_handover(*, actor: Any, user: User) -> User:
    """Make `user` (an active account of the same enterprise) its administrator instead of the actor. The new
    administrator must pass the second factor before any page (core.second_factor), enrolling at once if needed."""
    _require_firm_admin(actor)
    user = firm_users(actor).select_for_update().get(pk=user.pk)
    _not_self(actor, user)
    if not user.is_active:
        raise ValidationError(_("Enable the account before handing the administration over to it."))
    me = User.objects.select_for_update().get(pk=actor.pk)
    me.is_org_admin = False
    audit.save(me, actor=actor)  # first: one administrator per firm is also a database constraint
    user.is_org_admin = True
    audit.save(user, actor=actor)
    actor.is_org_admin = False  # the request's copy of the account, for the rest of this request
    messages.notify(
        [user],
        kind="decision",
        subject=_("You are now the administrator of your enterprise's portal accounts"),
        body=_("Set up a second factor at your next sign-in; then you manage the enterprise's accounts."),
        url=reverse("core:firm_users"),
    )
    return user


# ---------------------------------------------------------------- notices for firms (issue 18 §6)


def firm_notices_send(*, today: dt.date, dry_run: bool = False) -> dict[str, int]:
    """Send what every module has to tell the firms with portal accounts today (registry.firm_notices), to the
    active accounts of each firm only. Each notice carries its module's key, so running this twice a day (or
    again tomorrow for the same expiry stage) sends nothing new."""
    accounts: dict[str, list[User]] = {}
    for user in User.objects.filter(role=Role.ENTERPRISE, is_active=True).exclude(credit_code=""):
        accounts.setdefault(user.credit_code, []).append(user)
    notices = registry.firm_notices(today, set(accounts))
    sent = 0
    with transaction.atomic():
        for notice in notices:
            users = accounts.get(notice.credit_code, [])
            if not users or dry_run:
                continue
            sent += len(
                messages.notify(
                    users,
                    kind=notice.kind,
                    subject=notice.subject,
                    body=notice.body,
                    url=notice.url,
                    key=notice.key,
                )
            )
    return {"notices": len(notices), "sent": sent, "firms": len(accounts)}
