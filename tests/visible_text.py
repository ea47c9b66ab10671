"""What a reader sees on a page, and the raw codes that must never be part of it (issue #10, "Visible text").

Reusable by any test that fetches pages (the persona menu walk here, the URL walk elsewhere):

    problems = visible_text_problems(response.content.decode())
    assert not problems, problems

Only text nodes count: attributes, <script>, <style> and <template> are the program's, not the reader's.
A code shown on purpose (an indicator code, an org unit's code in its 代码 column, a user name) is wrapped
in <code> by the template, and the check skips <code> elements: everything else must be a label.
The patterns look for the kinds of leak found by a new user: snake_case field names (`submitter_ip_hash`),
ISO-8601 durations (`P1Y`), scientific notation from Decimal.normalize() (`1.6E+2`) and dotted model labels
(`core.liaison`).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Elements whose content is never shown as text, and <code>: codes shown on purpose.
_HIDDEN_ELEMENTS = frozenset({"script", "style", "template", "noscript", "svg", "code"})
# Void elements never get an end tag, so they must not be pushed on the hidden-element stack.
_VOID_ELEMENTS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
)

# Addresses and e-mails legitimately hold underscores and dots; they are removed before the checks.
_URL_OR_EMAIL = re.compile(r"(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_SNAKE_CASE = re.compile(r"(?<![\w.-])[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+(?![\w-])")
_ISO_DURATION = re.compile(
    r"(?<![\w-])P(?=\d|T\d)(?:\d+Y)?(?:\d+M)?(?:\d+W)?(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?(?![\w-])"
)
_SCIENTIFIC = re.compile(r"(?<![\w.])\d+(?:\.\d+)?[eE][+-]\d+(?![\w])")
# app_label.model_name, e.g. core.liaison; the app labels are Django's own list, so a file name such as
# kechuang.css or a domain is not mistaken for one.
_DOTTED = re.compile(r"(?<![\w.])([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)(?![\w.])")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hidden_depth = 0
        self.stack: list[str] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID_ELEMENTS:
            return
        hidden = tag in _HIDDEN_ELEMENTS or any(name == "hidden" for name, _ in attrs)
        self.stack.append(tag if not hidden else f"!{tag}")
        if hidden:
            self.hidden_depth += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        return  # <br/>, <img/>: no text

    def handle_endtag(self, tag: str) -> None:
        # Pop to the matching open element; tolerate the unclosed <p> and <li> of real HTML.
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i].lstrip("!") == tag:
                for closed in self.stack[i:]:
                    if closed.startswith("!"):
                        self.hidden_depth -= 1
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        if self.hidden_depth == 0 and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> str:
    """The text a reader sees: text nodes outside scripts, styles, templates and `hidden` elements."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    return "\n".join(parser.parts)


def _app_labels() -> frozenset[str]:
    try:
        from django.apps import apps

        return frozenset(config.label for config in apps.get_app_configs())
    except Exception:  # Django not configured: the fixed list of this project's labels
        return frozenset({"core", "policy", "indicators", "supervision", "enterprises", "techmarket", "auth"})


def text_problems(text: str) -> list[str]:
    """Raw codes in an already extracted text (also usable on Excel cells or PDF text)."""
    problems: list[str] = []
    labels = _app_labels()
    for line in text.splitlines():
        clean = _URL_OR_EMAIL.sub(" ", line)
        for match in _SNAKE_CASE.finditer(clean):
            problems.append(f"snake_case identifier {match.group(0)!r} in {line.strip()[:120]!r}")
        for match in _ISO_DURATION.finditer(clean):
            problems.append(f"ISO-8601 duration {match.group(0)!r} in {line.strip()[:120]!r}")
        for match in _SCIENTIFIC.finditer(clean):
            problems.append(f"scientific notation {match.group(0)!r} in {line.strip()[:120]!r}")
        for match in _DOTTED.finditer(clean):
            if match.group(1) in labels:
                problems.append(f"model label {match.group(0)!r} in {line.strip()[:120]!r}")
    return problems


def visible_text_problems(html: str) -> list[str]:
    """Every raw code in the visible text of an HTML page, one message each (empty: the page reads clean)."""
    return text_problems(visible_text(html))
