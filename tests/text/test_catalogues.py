"""Systemic: the translation catalogues (issue #10, "Visible text": zh-hans has no untranslated msgid).

- every entry of every zh_Hans catalogue is translated and not fuzzy;
- every string marked for translation in an app's code and templates has an entry in that app's catalogue
  (the expected msgids are computed by running makemessages on a temporary copy, never on the real files);
- one msgid without a context means one thing: where two catalogues translate it differently, one of the two
  apps is silently shown the other's word at run time (defect 13: 未导入 on a rejected demand), so such
  msgids must carry a pgettext context.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(ROOT.glob("kechuang/*/locale/zh_Hans/LC_MESSAGES/django.po"))
APPS = [path.parents[3] for path in CATALOGUES]


def entries(path: Path) -> list[polib.POEntry]:
    return [e for e in polib.pofile(str(path)) if not e.obsolete and e.msgid]


@pytest.mark.parametrize("path", CATALOGUES, ids=[p.parents[3].name for p in CATALOGUES])
def test_every_msgid_is_translated(path):
    problems = [
        f"{e.msgid!r}: {'fuzzy' if 'fuzzy' in e.flags else 'empty'}"
        for e in entries(path)
        if "fuzzy" in e.flags or not (e.msgstr or any(e.msgstr_plural.values()))
    ]
    assert not problems, problems


@pytest.mark.parametrize("path", CATALOGUES, ids=[p.parents[3].name for p in CATALOGUES])
def test_compiled_catalogue_is_up_to_date(path):
    mo = path.with_suffix(".mo")
    compiled = {(e.msgctxt, e.msgid): e.msgstr for e in polib.mofile(str(mo))}
    source = {(e.msgctxt, e.msgid): e.msgstr for e in entries(path) if e.msgstr}
    stale = [key for key, text in source.items() if compiled.get(key) != text]
    assert not stale, f"{mo.relative_to(ROOT)} is older than its .po (compilemessages): {stale[:10]}"


def test_one_msgid_has_one_translation_across_catalogues():
    translations: dict[tuple[str | None, str], dict[str, str]] = defaultdict(dict)
    for path in CATALOGUES:
        for e in entries(path):
            translations[(e.msgctxt, e.msgid)][path.parents[3].name] = e.msgstr
    conflicts = {key: apps for key, apps in translations.items() if len(set(apps.values())) > 1}
    assert not conflicts, "\n".join(f"{key}: {apps}" for key, apps in conflicts.items())


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="gettext tools missing")
@pytest.mark.parametrize("app", APPS, ids=[a.name for a in APPS])
def test_every_marked_string_has_an_entry(app, tmp_path):
    copy = tmp_path / app.name
    shutil.copytree(app, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo", "static"))
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "makemessages", "-l", "zh_Hans", "--no-location", "--no-obsolete",
         "-i", "*/ladder/*", "-i", "*/matching/*"],
        cwd=copy, check=True, capture_output=True,
    )  # fmt: skip
    expected = {(e.msgctxt, e.msgid) for e in entries(copy / "locale/zh_Hans/LC_MESSAGES/django.po")}
    present = {(e.msgctxt, e.msgid) for e in entries(app / "locale/zh_Hans/LC_MESSAGES/django.po")}
    missing = sorted(expected - present, key=str)
    assert not missing, f"{app.name}: no catalogue entry for {missing}"
