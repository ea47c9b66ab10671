"""What the identity tests (items 1–4, 6) share: logging in through the real log-in view."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD


def log_in(client: Client, username: str, password: str = PASSWORD):
    """POST the log-in form, as a browser does; returns the response (302 on success)."""
    return client.post(reverse("login"), {"username": username, "password": password})


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session
