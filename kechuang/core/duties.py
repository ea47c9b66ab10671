"""What the three administrators (and an account awaiting its role) may reach: their own pages, nothing else.

An administrator holds no business data (GB/T 22239-2019 §8.1.5, 三权分立): instead of every business view
listing who it refuses, `AdminDutyMiddleware` lets an administrator through only to the pages of their duty and
the account pages everyone has; every other page (the business modules, the API) answers 403, and a page added
tomorrow is refused to them from the start. The home page sends an administrator to the page of their duty, and
an account awaiting its role to a page that says so.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from kechuang.core.roles import BUSINESS, EXTERNAL, Role
from kechuang.core.second_factor import OPEN_PAGES

# Pages of one's own account, whatever the role.
ACCOUNT_PAGES = OPEN_PAGES | {"password_change", "awaiting_role", "message_list", "message_open"}
USER_LIST_PAGES = frozenset({"core:user_list", "core:user_export"})
DUTY_PAGES: dict[str, frozenset[str]] = {
    Role.SYSADMIN: USER_LIST_PAGES
    | {"core:user_create", "core:user_edit", "core:user_active", "core:user_reset_password", "core:org_units"},
    Role.SECADMIN: USER_LIST_PAGES | {"core:user_grant", "core:org_units"},
    Role.AUDITOR: frozenset({"core:audit_log"}),
    Role.PENDING: frozenset(),
}
HOME = {
    Role.SYSADMIN: "core:user_list",
    Role.SECADMIN: "core:user_list",
    Role.AUDITOR: "core:audit_log",
    Role.PENDING: "awaiting_role",
}


def duty_pages(role: str) -> frozenset[str]:
    """The pages of `role`'s duty: an administrator's are listed here, an external role's are opened by the
    modules (AppConfig `external_pages`)."""
    if role in EXTERNAL:
        from kechuang.core.registry import external_pages

        opened = external_pages(role)
        # The home page of an external account lists what the modules open to it (several modules serve a firm).
        return opened | {"my_home"} if opened else opened
    return DUTY_PAGES.get(role, frozenset())


def home_of(role: str) -> str | None:
    """Where the home page sends a role that does not see the cockpit (None: it sees the cockpit)."""
    if role in EXTERNAL:
        from kechuang.core.registry import external_home, external_pages

        # An external account whose role no module serves yet has nothing to open: it is told so, as a new account.
        if not external_pages(role):
            return "awaiting_role"
        # A module may offer the role's home (the enterprise portal); otherwise the list of what the modules offer.
        home = external_home(role)
        return home if home in external_pages(role) else "my_home"
    return HOME.get(role)


def may_visit(role: str, view_name: str) -> bool:
    """May an account of `role` open the page named `view_name`? (Business roles: the views decide.)"""
    if role in BUSINESS:
        return True
    return view_name in ACCOUNT_PAGES or view_name in duty_pages(role)


class AdminDutyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view: Callable, args: tuple, kwargs: dict) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.role in BUSINESS:
            return None
        name = request.resolver_match.view_name if request.resolver_match else ""
        if may_visit(user.role, name):
            return None
        home = home_of(user.role)
        if name == "cockpit" and home:
            return redirect(home)
        raise PermissionDenied
