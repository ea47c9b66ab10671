"""Every page an enterprise account can open renders in the portal's layout (issue 18 §7: "all of it in the portal's
own simple layout"), whichever module keeps it: the portal's own pages, a call's one-click application, the
firm's score, the employer's talent pages, the message centre, the password, its administrator's pages.

The pages are not listed by hand: they are every URL name `core.duties.may_visit` lets the enterprise role open, so
a page a module opens to firms tomorrow is walked too (and fails here until it extends `base_template`)."""

from __future__ import annotations

import pytest
from django.test import Client as DjangoClient
from django.urls import NoReverseMatch, get_resolver, reverse

from kechuang.core import messages as core_messages
from kechuang.core.duties import may_visit
from kechuang.core.models import Message
from kechuang.core.roles import Role

PORTAL_MARK = 'data-layout="portal"'
# Steps that only take a POST (a form shown on another page, which is walked): they render no page.
POST_ONLY = {
    "logout",
    "core:firm_user_active",
    "core:firm_user_reset_password",
    "core:firm_user_handover",
    "core:firm_api_token_revoke",
    "projects:portal_correction",
    "talent:employer_apply",
    "talent:employer_registration_step",
}
# Not a page of the account: the log-in form (anonymous), the icon, the language switch (sends back where it came).
NOT_PAGES = {"login", "favicon", "set_language"}
# The second factor's pages are walked by their own test below (a verified session is sent on from them).
SECOND_FACTOR = {"core:second_factor_enrol", "core:second_factor_verify"}


def _enterprise_pages() -> list[str]:
    names = set()

    def walk(resolver, namespace=""):
        for pattern in resolver.url_patterns:
            if hasattr(pattern, "url_patterns"):
                ns = pattern.namespace or ""
                walk(pattern, f"{namespace}{ns}:" if ns else namespace)
            elif pattern.name:
                names.add(f"{namespace}{pattern.name}")

    walk(get_resolver())
    return sorted(n for n in names if may_visit(Role.ENTERPRISE, n) and not n.startswith("api:") and n not in NOT_PAGES)


def _args(name: str, world, message) -> list:
    """The path arguments of a page: the firm's own records."""
    return {
        "portal:demand": [world["own_demand"].pk],
        "portal:demand_edit": [world["own_demand"].pk],
        "projects:portal_apply": [world["call"].pk],
        "message_open": [message.pk],
    }.get(name, [])


@pytest.fixture
def admin_client(client, world):
    client.force_login(world["user"])
    return client


def test_the_walk_covers_the_pages_firms_reach():
    pages = set(_enterprise_pages())
    for expected in ("portal:home", "projects:portal_apply", "projects:portal", "finance:my_score", "message_list"):
        assert expected in pages, expected


def test_every_page_an_enterprise_account_opens_is_in_the_portal_layout(admin_client, world):
    core_messages.notify([world["user"]], kind="reminder", subject="测试消息", body="正文", url="/portal/")
    message = Message.objects.filter(user=world["user"]).latest("pk")
    world["apps"][world["own"].credit_code].delete()  # so that the call's application page is open to the firm
    walked, wrong = [], []
    for name in _enterprise_pages():
        if name in SECOND_FACTOR or name in POST_ONLY:
            continue
        try:
            url = reverse(name, args=_args(name, world, message))
        except NoReverseMatch:
            wrong.append((name, "no arguments for this page in _args"))
            continue
        response = admin_client.get(url, follow=True)
        assert response.status_code == 200, (name, url, response.status_code)
        walked.append(name)
        if PORTAL_MARK not in response.content.decode():
            wrong.append((name, url))
    assert not wrong, wrong
    assert len(walked) >= 15, walked


def test_the_second_factor_pages_of_a_firm_administrator_are_in_the_portal_layout(world):
    client = DjangoClient()
    DjangoClient.force_login(client, world["user"])  # the password only: the second factor is still owed
    response = client.get(reverse("portal:home"), follow=True)
    assert response.redirect_chain and response.status_code == 200
    assert PORTAL_MARK in response.content.decode()
