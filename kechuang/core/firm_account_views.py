"""Pages of the enterprise portal accounts: the public registration, the district's queue and invitation codes,
and the enterprise administrator's page of its firm's accounts. Thin: the rules are in core.firm_accounts."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from kechuang.core import consent, firm_accounts, firm_tokens
from kechuang.core.firm_account_forms import (
    DecisionForm,
    FirmTokenForm,
    FirmUserForm,
    InvitationForm,
    RegistrationForm,
)
from kechuang.core.forms import flash_errors, save_or_errors
from kechuang.core.http import paginate, query_without, role_required
from kechuang.core.masking import mask_attr
from kechuang.core.middleware import client_ip
from kechuang.core.models import AccountRequest, ApiToken, InvitationCode, User
from kechuang.core.roles import ACCOUNT_CONFIRMERS

# ---------------------------------------------------------------- the public registration


@never_cache
@sensitive_post_parameters("password1", "password2", "invitation_code")
def register(request: HttpRequest) -> HttpResponse:
    form = RegistrationForm(request.POST or None)
    notice = consent.current_notice(firm_accounts.REGISTRATION_PURPOSE)
    limited = False
    if request.method == "POST":
        ip = client_ip(request)
        if firm_accounts.rate_limited(ip):
            limited = True
            form.add_error(None, _("Too many attempts from your network in the last hour: try again later."))
        elif form.is_valid():
            saved = save_or_errors(
                form,
                lambda: firm_accounts.registration_submit(
                    **form.submission(), ip=ip, consent_given=True, notice=notice
                ),
            )
            if saved is not None:
                request.session["registration_status"] = saved.status
                return redirect("core:register_done")
            firm_accounts.note_failure(ip)
        else:
            firm_accounts.note_failure(ip)
    response = render(request, "core/register.html", {"form": form, "notice": notice, "limited": limited})
    if limited:
        response.status_code = 429
    return response


def register_done(request: HttpRequest) -> HttpResponse:
    status = request.session.pop("registration_status", "")
    return render(request, "core/register_done.html", {"active": status == AccountRequest.Status.INVITED})


# ---------------------------------------------------------------- the district's queue


@role_required(*ACCOUNT_CONFIRMERS)
def registration_queue(request: HttpRequest) -> HttpResponse:
    rows = firm_accounts.registration_queue(request.user)
    status = request.GET.get("status", AccountRequest.Status.PENDING)
    if status in AccountRequest.Status.values:
        rows = rows.filter(status=status)
    page = paginate(request, rows)
    page.object_list = list(page.object_list)  # the rows carry their masked contacts to the template
    for row in page.object_list:
        # masked by default (checklist item 14): the officer checks the person through the firm's own number
        row.mobile_shown, row.email_shown = mask_attr(row, "mobile"), mask_attr(row, "email")
    return render(
        request,
        "core/registration_queue.html",
        {
            "page": page,
            "status": status,
            "statuses": AccountRequest.Status.choices,
            "query": query_without(request, "page"),
            "form": DecisionForm(),
        },
    )


@role_required(*ACCOUNT_CONFIRMERS)
@require_POST
def registration_decide(request: HttpRequest, pk: int) -> HttpResponse:
    req = get_object_or_404(AccountRequest.objects.visible_to(request.user), pk=pk)
    form = DecisionForm(request.POST)
    confirm = request.POST.get("decision") == "confirm"
    if form.is_valid():
        try:
            firm_accounts.registration_decide(
                actor=request.user, request=req, confirm=confirm, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            flash_errors(request, error, AccountRequest)
        else:
            messages.success(request, _("The account is created.") if confirm else _("The request is refused."))
    return redirect("core:registration_queue")


@role_required(*ACCOUNT_CONFIRMERS)
def invitations(request: HttpRequest) -> HttpResponse:
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        issued = save_or_errors(form, lambda: firm_accounts.invitation_issue(actor=request.user, **form.cleaned_data))
        if issued is not None:
            response = render(request, "core/invitation_code.html", {"invitation": issued[0], "code": issued[1]})
            response["Cache-Control"] = "no-store"  # the code is shown this once
            return response
    return render(
        request,
        "core/invitations.html",
        {"form": form, "page": paginate(request, firm_accounts.invitations(request.user)), "query": ""},
    )


@role_required(*ACCOUNT_CONFIRMERS)
@require_POST
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(InvitationCode.objects.visible_to(request.user), pk=pk)
    try:
        firm_accounts.invitation_revoke(actor=request.user, invitation=invitation)
    except InvitationCode.DoesNotExist:
        raise PermissionDenied from None
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("The code is revoked."))
    return redirect("core:invitations")


# ---------------------------------------------------------------- the enterprise administrator's page


def _firm_admin(request: HttpRequest) -> None:
    if not firm_accounts.is_firm_admin(request.user):
        raise PermissionDenied(_("Only the enterprise's administrator manages its accounts."))


def firm_admin_post(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A step of the administrator's page: anyone else is refused (403) before the method is looked at (405)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        _firm_admin(request)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        return view(request, *args, **kwargs)

    return wrapped


def _account(request: HttpRequest, pk: int) -> User:
    try:
        return firm_accounts.firm_user(request.user, pk)
    except User.DoesNotExist:
        raise Http404 from None


def _password_page(request: HttpRequest, account: User, password: str) -> HttpResponse:
    context = {"account": account, "password": password}
    response = render(request, "core/firm_user_password.html", context)
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@login_required
def firm_users(request: HttpRequest) -> HttpResponse:
    _firm_admin(request)
    form = FirmUserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        created = save_or_errors(form, lambda: firm_accounts.firm_user_create(actor=request.user, **form.cleaned_data))
        if created is not None:
            return _password_page(request, *created)
    return render(
        request,
        "core/firm_users.html",
        {
            "form": form,
            "accounts": firm_accounts.firm_users(request.user),
        },
    )


@login_required
@firm_admin_post
def firm_user_active(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account(request, pk)
    active = request.POST.get("active") == "1"
    firm_accounts.firm_user_set_active(actor=request.user, user=account, active=active)
    messages.success(request, _("The account is enabled.") if active else _("The account is disabled."))
    return redirect("core:firm_users")


@login_required
@firm_admin_post
def firm_user_reset_password(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account(request, pk)
    return _password_page(request, account, firm_accounts.firm_user_reset_password(actor=request.user, user=account))


@login_required
@firm_admin_post
def firm_user_handover(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account(request, pk)
    try:
        firm_accounts.firm_admin_handover(actor=request.user, user=account)
    except ValidationError as error:
        flash_errors(request, error)
        return redirect("core:firm_users")
    messages.success(request, _("%(user)s is now the administrator.") % {"user": account})
    return redirect("my_home")


# ---------------------------------------------------------------- the firm's API tokens (core.firm_tokens)


@never_cache
@login_required
def firm_api_tokens(request: HttpRequest) -> HttpResponse:
    """The administrator's tokens page: issue one (shown once), list the firm's, revoke."""
    _firm_admin(request)
    form = FirmTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        issued = save_or_errors(form, lambda: firm_tokens.firm_token_issue(actor=request.user, **form.cleaned_data))
        if issued is not None:
            context = {"token": issued[0], "raw": issued[1]}
            response = render(request, "core/firm_api_token_issued.html", context)
            response["Cache-Control"] = "no-store"  # the token is shown this once
            return response
    return render(
        request,
        "core/firm_api_tokens.html",
        {
            "form": form,
            "tokens": firm_tokens.firm_tokens(request.user),
            "max_days": firm_tokens.MAX_VALID_DAYS,
        },
    )


@login_required
@firm_admin_post
def firm_api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        firm_tokens.firm_token_revoke(actor=request.user, token_id=pk)
    except ApiToken.DoesNotExist:
        raise Http404 from None
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("The token is revoked: it no longer works."))
    return redirect("core:firm_api_tokens")
