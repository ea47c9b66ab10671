"""What the identity tests (items 1–4, 6) share: logging in through the real log-in view."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD, verify_second_factor


def log_in(client: Client, username: str, password: str = PASSWORD):
    """POST the log-in form, as a browser does; returns the response (302 on success). A user who owes the second
    factor then passes it, as the verification page does after a good token (item 5 tests the page itself)."""
    response = client.post(reverse("login"), {"username": username, "password": password})
    if response.status_code == 302 and signed_in(client):
        from kechuang.core.models import User
        from kechuang.core.second_factor import requires_second_factor

        user = User.objects.get(pk=client.session["_auth_user_id"])
        if requires_second_factor(user):
            verify_second_factor(client, user)
    return response


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session
