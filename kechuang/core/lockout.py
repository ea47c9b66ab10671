"""Log-in locks: django-axes' account lock, plus a lock of the client address over all accounts.

Axes counts failures per user name (AXES_LOCKOUT_PARAMETERS = ["username"]) with one limit; someone trying four
passwords on each of many accounts from one address never reaches it. This handler also counts the failures of
the address within the cool-off, over every user name, against KECHUANG_LOGIN_IP_FAILURE_LIMIT, and locks the
address when it is reached. Both locks send axes' `user_locked_out` signal (audited in core.signals)."""

from __future__ import annotations

from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.db.models import Sum

# Set on the request when the address (not the account) is what is locked: the audit entry says which.
IP_LOCK_ATTRIBUTE = "kechuang_ip_locked"
REPEAT_ATTRIBUTE = "kechuang_already_locked"


def ip_failures(ip_address: str | None, request: Any = None) -> int:
    if not ip_address:
        return 0
    attempts = AccessAttempt.objects.filter(ip_address=ip_address, attempt_time__gte=get_cool_off_threshold(request))
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


def ip_locked(request: Any) -> bool:
    return ip_failures(getattr(request, "axes_ip_address", None), request) >= settings.KECHUANG_LOGIN_IP_FAILURE_LIMIT


class LockoutHandler(AxesDatabaseHandler):
    def is_locked(self, request: Any, credentials: dict | None = None) -> bool:
        if super().is_locked(request, credentials):
            return True
        if ip_locked(request):
            setattr(request, IP_LOCK_ATTRIBUTE, True)
            return True
        return False

    def user_login_failed(self, sender: Any, credentials: dict, request: Any = None, **kwargs: Any) -> None:
        if request is not None:
            # A refused attempt while locked is a failed log-in, not a new lockout: core.signals logs a
            # lockout only when this failure is the one that locks.
            setattr(
                request,
                REPEAT_ATTRIBUTE,
                bool(getattr(request, "axes_locked_out", False)) or self.is_locked(request, credentials),
            )
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or getattr(request, "axes_locked_out", False) or not ip_locked(request):
            return
        # The address limit is reached (the account's is not: axes would have locked it).
        request.axes_locked_out = True
        request.axes_credentials = credentials
        setattr(request, IP_LOCK_ATTRIBUTE, True)
        user_locked_out.send(
            "axes",
            request=request,
            username=get_client_username(request, credentials),
            ip_address=request.axes_ip_address,
        )
