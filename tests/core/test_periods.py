"""A quarter is written one way in every module (2026年第3季度 / Q3 2026), from one msgid of the core catalogue."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest
from django.utils import translation

from kechuang.core.periods import quarter_label

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("language", "expected"), [("zh-hans", "2026年第3季度"), ("en", "Q3 2026")])
def test_quarter_label(language, expected):
    with translation.override(language):
        assert quarter_label(2026, 3) == expected


def test_the_quarter_wording_lives_in_the_core_catalogue_only():
    holders = [
        path.parents[3].name
        for path in sorted(ROOT.glob("kechuang/*/locale/zh_Hans/LC_MESSAGES/django.po"))
        if any(e.msgid == "Q%(q)s %(year)s" and not e.obsolete for e in polib.pofile(str(path)))
    ]
    assert holders == ["core"]
