"""Visible text (issue #10): every page a persona reaches from the menu, and the demo records' pages linked
from there, read clean — no snake_case field name, ISO duration, scientific notation or model label — in
Chinese and in English.

One walk per persona and language over the demo data (the `demo_site` fixture of tests/demo_site.py): the
menu's pages, then every page they link to, one address per URL pattern (so the 5,000 enterprises cost one
enterprise page, not 5,000). Downloads (Excel, PDF, CSV) are not pages and are left to the export tests.
"""

from __future__ import annotations

import re

import pytest
from django.urls import Resolver404, resolve, reverse

from kechuang.core.duties import home_of
from kechuang.core.registry import navigation_for
from tests.conftest import ALL_PERSONAS, EXTERNAL_PERSONAS, PERSONAS
from tests.visible_text import visible_text_problems

pytestmark = pytest.mark.django_db

LANGUAGES = ("zh-hans", "en")
_HREF = re.compile(r'href="(/[^"#?]*)(?:\?[^"#]*)?"')
# Not pages: the sign-out, the language switch, Django's admin, the API docs, static files, downloads.
_SKIP = re.compile(r"^/(?:accounts/logout|i18n/|site-admin/|api/|static/|favicon)|\.(?:xlsx|pdf|csv|zip|json)$")


def _route(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name


def _walk(client, start: list[str]) -> dict[str, list[str]]:
    """Fetch the start pages, then one linked page per URL pattern; {path: problems} of every page with any."""
    problems: dict[str, list[str]] = {}
    seen_routes: set[str] = set()
    queue = list(start)
    fetched: set[str] = set()
    depth = {path: 0 for path in start}
    while queue:
        path = queue.pop(0)
        if path in fetched:
            continue
        fetched.add(path)
        response = client.get(path)
        assert response.status_code < 500, (path, response.status_code)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        found = visible_text_problems(html)
        if found:
            problems[path] = found
        if depth[path] >= 1:
            continue
        for link in _HREF.findall(html):
            if link in fetched or _SKIP.search(link):
                continue
            route = _route(link)
            if route is None or route in seen_routes:
                continue
            seen_routes.add(route)
            depth[link] = depth[path] + 1
            queue.append(link)
    return problems


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", list(ALL_PERSONAS))
def test_walked_pages_show_no_raw_codes(demo_site, client, persona, name, language):
    user = persona(name)
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    menu = [item["url"] for group in navigation_for(user, "/") for item in group["items"]]
    if name in EXTERNAL_PERSONAS:
        # An external account's menu is what the modules open to its role (maybe nothing yet): start at its home.
        menu.append(reverse(home_of(user.role)))
    assert len(menu) >= (5 if name in PERSONAS else 1), menu  # the walk starts from a real menu
    problems = _walk(client, menu)
    assert not problems, "\n".join(f"{path}: {p}" for path, found in problems.items() for p in found[:5])


@pytest.mark.parametrize("name", list(ALL_PERSONAS))
def test_every_menu_entry_opens_for_its_persona(demo_site, client, persona, name):
    """The menu offers a persona only what it may open: a 403 behind a menu entry is a broken promise."""
    user = persona(name)
    client.force_login(user)
    menu = [item["url"] for group in navigation_for(user, "/") for item in group["items"]]
    # a menu entry may redirect (e.g. "my reports" to the current period), but must end on a page
    refused = {url: code for url in menu if (code := client.get(url, follow=True).status_code) != 200}
    assert not refused, refused
