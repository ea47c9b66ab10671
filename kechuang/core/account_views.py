"""Pages of the separated administrators (user management) and of the second factor. Thin: the rules are in
core.user_admin and core.second_factor."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from kechuang.core import exports, second_factor, user_admin
from kechuang.core.account_forms import AccountForm, GrantForm, ProfileForm, TokenForm, UserFilter, role_choices
from kechuang.core.forms import save_or_errors
from kechuang.core.http import local_datetime_text, paginate, query_without, role_required
from kechuang.core.masking import mask_attr
from kechuang.core.models import OrgUnit, User
from kechuang.core.roles import ACCOUNT_MANAGERS, ROLE_GRANTERS, USER_READERS

# ---------------------------------------------------------------- user management


def _user_rows(request: HttpRequest) -> UserFilter:
    return UserFilter(request.GET, user_admin.users(request.user))


@role_required(*USER_READERS)
def user_list(request: HttpRequest) -> HttpResponse:
    filterset = _user_rows(request)
    return render(
        request,
        "core/user_list.html",
        {
            "page": paginate(request, filterset.qs),
            "filters": filterset.values(),
            "roles": role_choices(),
            "units": OrgUnit.objects.exclude(kind=OrgUnit.Kind.CITY).order_by("kind", "sort_order"),
            "query": query_without(request, "page"),
            "can_manage": user_admin.can_manage_accounts(request.user),
            "can_grant": user_admin.can_grant_roles(request.user),
        },
    )


@role_required(*USER_READERS)
def user_export(request: HttpRequest) -> HttpResponse:
    filterset = _user_rows(request)
    spec = exports.Export(
        object_type="core.user",
        label=_("Accounts"),
        filename="accounts",
        headers=[_("User name"), _("Full name"), _("E-mail"), _("Role"), _("Org unit"), _("Active"), _("Last log-in")],
        row=lambda u: [
            u.username,
            u.display_name,
            mask_attr(u, "email"),
            u.role_label,
            str(u.org_unit or ""),
            _("Yes") if u.is_active else _("No"),
            local_datetime_text(u.last_login),
        ],
    )
    return exports.list_export(request, filterset, spec, "core:user_list")


def _password_page(request: HttpRequest, account: User, password: str) -> HttpResponse:
    """The temporary password, shown this once and never stored in clear (nor cached by the browser)."""
    response = render(request, "core/user_password.html", {"account": account, "password": password})
    response["Cache-Control"] = "no-store"
    return response


@role_required(*ACCOUNT_MANAGERS)
def user_create(request: HttpRequest) -> HttpResponse:
    form = AccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        created = save_or_errors(form, lambda: user_admin.create_account(actor=request.user, **form.cleaned_data))
        if created is not None:
            return _password_page(request, *created)
    return render(request, "core/user_form.html", {"form": form, "account": None})


@role_required(*ACCOUNT_MANAGERS)
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(User, pk=pk)
    if account.pk == request.user.pk:
        raise PermissionDenied(_("Your own account is changed by another administrator."))
    form = ProfileForm(request.POST or None, initial={"display_name": account.display_name, "email": account.email})
    if request.method == "POST" and form.is_valid():
        saved = save_or_errors(
            form, lambda: user_admin.update_profile(actor=request.user, user=account, **form.cleaned_data)
        )
        if saved is not None:
            messages.success(request, _("Saved."))
            return redirect("core:user_list")
    return render(request, "core/user_form.html", {"form": form, "account": account})


@role_required(*ACCOUNT_MANAGERS)
@require_POST
def user_active(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(User, pk=pk)
    active = request.POST.get("active") == "1"
    user_admin.set_active(actor=request.user, user=account, active=active)
    messages.success(request, _("The account is enabled.") if active else _("The account is disabled."))
    return redirect("core:user_list")


@role_required(*ACCOUNT_MANAGERS)
def user_reset_password(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(User, pk=pk)
    if account.pk == request.user.pk:
        raise PermissionDenied(_("Your own account is changed by another administrator."))
    if request.method == "POST":
        return _password_page(request, account, user_admin.reset_user_password(actor=request.user, user=account))
    return render(request, "core/user_confirm.html", {"account": account, "action": "reset"})


@role_required(*ROLE_GRANTERS)
def user_grant(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(User, pk=pk)
    if account.pk == request.user.pk:
        raise PermissionDenied(_("Nobody grants a role to their own account."))
    initial = {
        "role": account.role,
        "org_unit": account.org_unit_id,
        "credit_code": account.credit_code,
        "organisation": account.organisation,
        "is_org_admin": account.is_org_admin,
    }
    form = GrantForm(request.POST or None, initial=initial)
    confirming = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        conflict = user_admin.duty_conflict(account.role, data["role"])
        if conflict:
            form.add_error("role", conflict)
        elif not data["confirmed"]:
            confirming = True  # the same form again, read-only, with the question
        else:
            grant = {k: data[k] for k in ("role", "org_unit", "credit_code", "organisation", "is_org_admin")}
            saved = save_or_errors(form, lambda: user_admin.grant_role(actor=request.user, user=account, **grant))
            if saved is not None:
                messages.success(request, _("The role is granted."))
                return redirect("core:user_list")
    context = {"form": form, "account": account, "confirming": confirming}
    if confirming:
        context["new_role"] = dict(form.fields["role"].choices)[form.cleaned_data["role"]]
        context["new_unit"] = form.cleaned_data["org_unit"]
    return render(request, "core/user_grant.html", context)


# ---------------------------------------------------------------- the second factor


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


@never_cache
@sensitive_post_parameters("token")
@login_required
def second_factor_enrol(request: HttpRequest) -> HttpResponse:
    if second_factor.totp_device(request.user) is not None:
        # Enrolled already: a new authenticator replaces it only through the system administrator (a reset).
        return redirect("core:second_factor_verify")
    device = second_factor.pending_device(request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = second_factor.confirm_enrolment(request, device, form.cleaned_data["token"])
        if codes is not None:
            return render(request, "core/second_factor_codes.html", {"codes": codes, "next": _next(request)})
        form.add_error("token", _("The code is wrong or has been used. Enter the code your app shows now."))
    context = {
        "form": form,
        "qr": second_factor.qr_svg(device),
        "key": second_factor.manual_key(device),
        "next": _next(request),
    }
    return render(request, "core/second_factor_enrol.html", context)


@never_cache
@sensitive_post_parameters("token")
@login_required
def second_factor_verify(request: HttpRequest) -> HttpResponse:
    if second_factor.totp_device(request.user) is None:
        return redirect("core:second_factor_enrol")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if second_factor.verify(request, form.cleaned_data["token"]):
            return redirect(_next(request))
        form.add_error("token", _("The code is wrong or has been used. Enter the code your app shows now."))
    context = {"form": form, "next": _next(request), "codes_left": second_factor.recovery_codes_left(request.user)}
    return render(request, "core/second_factor_verify.html", context)
