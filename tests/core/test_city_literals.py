"""No city in the code (issue 11, item 6): the bundled city's and its province's names and codes live in data files
(the policy file, each module's data/ folder), never in kechuang/'s Python or templates. The names and codes
searched for are read from the bundled policy files, so a city added there is guarded too."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
CODE = ROOT / "kechuang"
# Data files may name the city: that is what they are for. Migrations record what was loaded; catalogues translate.
ALLOWED_PARTS = {"data", "migrations", "locale", "static"}
FIXED_WORDS = ("Zibo", "Shandong")


def _bare(name: str) -> str:
    for suffix in ("省", "市", "区", "县"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name.removesuffix(suffix)
    return name


def forbidden() -> list[re.Pattern[str]]:
    """Every name and code of every city the bundled policy files describe."""
    words: set[str] = set(FIXED_WORDS)
    codes: set[str] = set()
    slugs: set[str] = set()
    for path in sorted((ROOT / "policies").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        city, province = data["city"], data["city"]["province"]
        words |= {city["name"], _bare(city["name"]), province["name"], _bare(province["name"])}
        codes |= {city["admin_code"], city["admin_code"][:4], province["admin_code"]}
        slugs.add(city["code"])
        for region in data.get("regions", []):
            words |= {region["name"], _bare(region["name"])}
            codes.add(region["admin_code"])
            slugs.add(region["code"])
    patterns = [re.compile(re.escape(w), re.IGNORECASE) for w in sorted(words)]
    patterns += [re.compile(re.escape(c)) for c in sorted(codes)]
    patterns += [re.compile(rf"\b{re.escape(s)}\b", re.IGNORECASE) for s in sorted(slugs)]
    return patterns


def code_files() -> list[Path]:
    files = [*CODE.rglob("*.py"), *CODE.rglob("*.html")]
    return sorted(f for f in files if not ALLOWED_PARTS & set(f.relative_to(CODE).parts[:-1]))


def test_the_search_covers_the_code_and_knows_the_bundled_city():
    files = code_files()
    assert any(f.name == "services.py" for f in files) and any(f.suffix == ".html" for f in files)
    found = [p.pattern for p in forbidden()]
    assert "淄博" in found and "山东" in found and "370300" in found and "3703" in found and r"\bzhangdian\b" in found


def test_no_city_name_or_code_in_the_code():
    patterns = forbidden()
    hits = []
    for path in code_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for pattern in patterns:
                if pattern.search(line):
                    hits.append(f"{path.relative_to(ROOT)}:{number}: {pattern.pattern!r} in {line.strip()[:100]}")
    assert not hits, "city data in code (move it to a data file or derive it from the org units):\n" + "\n".join(hits)
