"""Helpers of the walk (tests/core/test_walk.py): the URL patterns of the resolver, and what a body reveals.

Kept apart from the rule table so that other systemic tests (visible text, reconciliation) can walk the same
patterns with the same enumeration.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

# Django's own admin site is Django's code, reached only by the bureau admin for emergency fixes and guarded
# by Django's staff checks; walking its ~50 generated pages would test Django, not Kechuang. Static files are
# served by the web server in production and by runserver's handler in development; no pattern exists here.
SKIPPED_NAMESPACES = frozenset({"admin"})


@dataclass(frozen=True)
class WalkUrl:
    """One pattern of the resolver. `key` is the URL name (or the route for an unnamed pattern)."""

    key: str
    route: str
    methods: frozenset[str] | None  # HTTP methods of an API operation; None for a page (any method)
    app: str = "core"  # the Kechuang app whose view answers (Django's own views count as core)

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api/")


def _ninja_methods(callback: Callable, name: str) -> frozenset[str] | None:
    """The methods of the ninja operation behind a pattern (ninja registers one pattern per operation)."""
    for cell in getattr(callback, "__closure__", None) or ():
        path_view = cell.cell_contents
        operations = getattr(path_view, "operations", None)
        if operations is None:
            continue
        for operation in operations:
            if getattr(operation, "url_name", None) == name or operation.view_func.__name__ == name:
                return frozenset(operation.methods)
        return frozenset(m for op in operations for m in op.methods)
    return None


def _app_of(callback: Callable) -> str:
    """The app of the view behind a pattern: a ninja operation's function, a class-based view's class, or the view."""
    view = getattr(callback, "view_class", callback)
    for cell in getattr(callback, "__closure__", None) or ():
        operations = getattr(cell.cell_contents, "operations", None)
        if operations:
            view = operations[0].view_func
            break
    parts = (getattr(view, "__module__", "") or "").split(".")
    return parts[1] if parts[0] == "kechuang" and len(parts) > 2 else "core"


def _walk(patterns, prefix: str = "", namespace: str | None = None) -> Iterator[WalkUrl]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace in SKIPPED_NAMESPACES:
                continue
            inner = pattern.namespace
            ns = f"{namespace}:{inner}" if namespace and inner else inner or namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            name = pattern.name
            key = (f"{namespace}:{name}" if namespace else name) if name else route
            methods = _ninja_methods(pattern.callback, name or "")
            yield WalkUrl(key=key, route=route, methods=methods, app=_app_of(pattern.callback))


def url_patterns() -> list[WalkUrl]:
    """Every pattern of the project's resolver except the skipped namespaces, in resolver order."""
    return list(_walk(get_resolver().url_patterns))


def body_text(response) -> str:
    """The text a response shows or hands over: HTML/JSON/CSV as is, an xlsx's cell text; '' for binaries."""
    content_type = response.get("Content-Type", "")
    content = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    if "spreadsheetml" in content_type:
        with zipfile.ZipFile(io.BytesIO(content)) as book:
            return "\n".join(
                book.read(name).decode()
                for name in book.namelist()
                if name.startswith("xl/worksheets/") or name == "xl/sharedStrings.xml"
            )
    if content_type.startswith(("text/", "application/json")):
        return content.decode(response.charset or "utf-8", errors="replace")
    return ""


HREF = re.compile(r"""href=["']([^"'#?]+)""")


def linked_paths(text: str) -> set[str]:
    return set(HREF.findall(text))


LINK = re.compile(r"""href=["'](/[^"'#]*)""")
# Links whose GET changes the session rather than opens a page, and files the web server serves.
NOT_FOLLOWED = ("/static/", "/media/", "/accounts/logout")


def closed_links(client, path: str, seen: set[str] | None = None) -> list[tuple[str, int]]:
    """Every link of the page at `path` (as the client's user) that answers 403 or 404: a link must appear only where
    its page opens for the reader. With `seen`, a link followed for an earlier page is not followed again (the
    menu's links, an indicator listed on many pages), and the links followed here are added to it."""
    import html

    page = client.get(path)
    assert page.status_code == 200, (path, page.status_code)
    links = sorted({html.unescape(href) for href in LINK.findall(page.content.decode())})
    followed = [href for href in links if not href.startswith(NOT_FOLLOWED)]
    assert followed, f"no link on {path}"
    if seen is not None:
        fresh = [href for href in followed if href not in seen]
        seen.update(followed)
        followed = fresh
    return [(href, status) for href in followed if (status := client.get(href).status_code) in (403, 404)]
