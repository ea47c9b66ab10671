"""A form is acted on once: the same rendered form sent twice runs its view once.

A double click, a retry after a slow answer or the browser's back button sends a form a second time, byte for byte.
Each rendering of a form carries a fresh CSRF token (Django masks it anew every time), so two identical bodies with
the same token are one submission sent twice, while the same values typed into the form again are a new one. The
first submission of a signed-in user is noted (a hash of the user, address, fields and files) before its view runs;
when it ends in a redirect (the pattern of every form that writes: post, redirect, get) the destination is kept a
day, and a repeat is sent there with a notice instead of reaching the view. A repeat that arrives while the first is
still running waits for it. A form the view answered with its errors (or a refusal) is forgotten, so sending it again
runs again. The API is not concerned: machines send no CSRF token, and its writes are checked by their services.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext as _

KEEP = dt.timedelta(days=1)
WAIT_SECONDS = 30  # how long a repeat waits for the first submission's answer
# A submission still "running" after this never finished (its process was killed): a repeat then runs instead of
# being refused for the rest of the day. No request lives this long (the server's worker timeout is far below).
STALE = dt.timedelta(minutes=5)
POLL_SECONDS = 0.1


def submission_key(request: HttpRequest) -> str | None:
    """The hash identifying this submission, or None when the request is not a signed-in user's form."""
    if request.method != "POST" or not getattr(request, "user", None) or not request.user.is_authenticated:
        return None
    if request.path.startswith("/api/") or "csrfmiddlewaretoken" not in request.POST:
        return None
    digest = hashlib.sha256()
    for part in (str(request.user.pk), request.path, request.META.get("QUERY_STRING", "")):
        digest.update(part.encode() + b"\0")
    for name in sorted(request.POST):
        for value in request.POST.getlist(name):
            digest.update(f"{name}={value}".encode() + b"\0")
    for name in sorted(request.FILES):
        for upload in request.FILES.getlist(name):
            digest.update(f"{name}:{upload.name}:{upload.size}".encode())
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
    return digest.hexdigest()


class RepeatedSubmissionMiddleware:
    """Runs a signed-in user's form once (see the module). Last in MIDDLEWARE: its check runs after the CSRF, upload
    and account checks, right before the view."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        key = getattr(request, "_submission_key", None)
        if key is not None:
            _settle(key, response)
        return response

    def process_view(self, request: HttpRequest, view: Callable, args: tuple, kwargs: dict) -> HttpResponse | None:
        key = submission_key(request)
        if key is None:
            return None
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            if _claim(key, request.user):
                request._submission_key = key
                return None
            location = _location(key)
            if location:
                messages.info(request, _("This form had already been sent: it was not sent again."))
                return HttpResponseRedirect(location)
            if location is None:
                continue  # the first ended without a result to repeat: this one runs (claimed on the next turn)
            if time.monotonic() > deadline:
                message = _("This form is still being processed. Please wait and reload the page.")
                return HttpResponse(message, status=409)
            time.sleep(POLL_SECONDS)


def _claim(key: str, user) -> bool:
    """Note the submission as running; False when it is already noted (the same form sent before)."""
    from kechuang.core.models import SubmissionReceipt

    # a receipt left running by a process that died is taken over, not waited on
    SubmissionReceipt.objects.filter(key=key, location="", created_at__lt=timezone.now() - STALE).delete()
    try:
        with transaction.atomic():
            SubmissionReceipt.objects.create(key=key, user=user)
    except IntegrityError:
        return False
    SubmissionReceipt.objects.filter(user=user, created_at__lt=timezone.now() - KEEP).delete()
    return True


def _location(key: str) -> str | None:
    """Where the noted submission's answer led ("" while it runs); None when it is no longer noted."""
    from kechuang.core.models import SubmissionReceipt

    return SubmissionReceipt.objects.filter(key=key).values_list("location", flat=True).first()


def _settle(key: str, response: HttpResponse) -> None:
    """Keep where a redirect led, for a repeat; forget a submission that ended otherwise (errors, a refusal)."""
    from kechuang.core.models import SubmissionReceipt

    location = response.get("Location", "") if 300 <= response.status_code < 400 else ""
    receipts = SubmissionReceipt.objects.filter(key=key)
    if location:
        receipts.update(location=location[:2000])
    else:
        receipts.delete()
