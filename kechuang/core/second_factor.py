"""The second factor (身份鉴别 d, security-baseline.md §5 item 5): TOTP with ten one-time recovery codes.

Who needs it is one predicate, `requires_second_factor`: the three administrators, the bureau administrator and
everyone who may see personal data unmasked. `SecondFactorMiddleware` (after django-otp's OTPMiddleware) sends such
a user, signed in with the password only, to enrolment (no confirmed device yet) or to verification before any
other page. KECHUANG_REQUIRE_2FA=0 switches the requirement off (a demo without an authenticator app); it is on
by default and in production.

Every enrolment, verification and refused token is written to the audit log; a replayed TOTP token is refused
(django-otp keeps the last time step used), a recovery code works once (it is deleted when used).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import segno
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from kechuang.core import audit
from kechuang.core.roles import ADMIN_DUTIES, BUSINESS, ORGANISATION_BOUND, Role

RECOVERY_CODES = 10
TOTP_NAME = "totp"
RECOVERY_NAME = "recovery"
# What a user who still owes the second factor may reach: signing in and out, the language, and the two pages.
OPEN_PAGES = frozenset(
    {"login", "logout", "set_language", "favicon", "core:second_factor_enrol", "core:second_factor_verify"}
)
SECOND_FACTOR_ROLES = ADMIN_DUTIES | {Role.BUREAU_ADMIN}


def requires_second_factor(user: Any) -> bool:
    """Must `user` pass a second factor? Administrators, and whoever may see some personal data unmasked
    (core.personal_data.may_unmask_any: the one unmasking rule, for every registered field)."""
    from kechuang.core.personal_data import may_unmask_any

    if not getattr(user, "is_authenticated", False):
        return False
    if user.role in ORGANISATION_BOUND and user.is_org_admin:
        # The enterprise's administrator manages its other accounts (security-baseline.md, 身份鉴别 d).
        return True
    return user.role in SECOND_FACTOR_ROLES or (user.role in BUSINESS and may_unmask_any(user))


def is_enforced() -> bool:
    return bool(getattr(settings, "KECHUANG_REQUIRE_2FA", True))


def totp_device(user: Any) -> TOTPDevice | None:
    """The user's confirmed authenticator, if enrolled."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def pending_device(user: Any) -> TOTPDevice:
    """The authenticator being enrolled (a new secret the first time, the same one until it is confirmed)."""
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


def remove_devices(user: Any) -> int:
    """Delete the user's authenticator and recovery codes (the system administrator's reset); how many went."""
    removed = TOTPDevice.objects.filter(user=user).delete()[0]
    return removed + StaticDevice.objects.filter(user=user).delete()[0]


def manual_key(device: TOTPDevice) -> str:
    """The secret as the base32 text an authenticator app accepts when typed in, in groups of four."""
    text = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The enrolment QR code (the otpauth:// URL) as inline SVG: no image request, nothing for the CSP to allow."""
    return segno.make(device.config_url, error="m").svg_inline(scale=4, omitsize=False)


def _record(user: Any, action: str, event: str, device: Any = None, success: bool = True) -> None:
    audit.record(
        actor=user,
        action=action,
        object_type=device._meta.label_lower if device is not None else "core.user",
        object_id=str(device.pk) if device is not None else str(user.pk),
        object_label=str(user),
        detail={"event": event},
        success=success,
    )


def _new_recovery_codes(user: Any) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@transaction.atomic
def confirm_enrolment(request: HttpRequest, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the authenticator with its first token: the session is verified and the ten recovery codes are
    returned (shown once). None when the token is wrong (the refusal is logged)."""
    user = request.user
    if device.user_id != user.pk or not device.verify_token(token.strip()):
        _record(user, audit.Action.LOGIN_FAILED, "second_factor_enrol_refused", device, success=False)
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_recovery_codes(user)
    otp_login(request, device)
    _record(user, audit.Action.CREATE, "second_factor_enrolled", device)
    return codes


@transaction.atomic
def verify(request: HttpRequest, token: str) -> bool:
    """Check a TOTP token or a recovery code for the signed-in user; a match verifies the session. A wrong,
    replayed or used token is refused and logged."""
    user = request.user
    token = token.strip().replace(" ", "")
    for device in devices_for_user(user, confirmed=True, for_verify=True):
        if token and device.verify_token(token):
            otp_login(request, device)
            event = "recovery_code_used" if isinstance(device, StaticDevice) else "second_factor_verified"
            _record(user, audit.Action.LOGIN, event, device)
            return True
    _record(user, audit.Action.LOGIN_FAILED, "second_factor_refused", success=False)
    return False


def recovery_codes_left(user: Any) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def _destination(request: HttpRequest) -> str:
    return reverse("core:second_factor_verify" if totp_device(request.user) else "core:second_factor_enrol")


class SecondFactorMiddleware:
    """Before any page but the open ones: a user who needs the second factor and has not passed it goes to
    enrolment or verification (an API call through the session gets 403 in the API's error shape)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view: Callable, args: tuple, kwargs: dict) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if not is_enforced() or user is None or not requires_second_factor(user) or user.is_verified():
            return None
        match = request.resolver_match
        if match is not None and match.view_name in OPEN_PAGES:
            return None
        if request.path.startswith("/api/"):
            from kechuang.core.api_auth import error_body

            message = _("Pass the second factor on the platform's pages first.")
            return JsonResponse(error_body("second_factor_required", message), status=403)
        query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
        return redirect(_destination(request) + (f"?{query}" if query else ""))
