"""The README's security table (checklist item → test → held) names tests that exist, one or more per item."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ROW = re.compile(r"^\|\s*(\d{1,2})\s*\|(?P<rest>.*)\|\s*$")
TEST_REF = re.compile(r"`(tests/security/test_item_(\d{2})_\w+\.py)::(test_item_\d{2}_\w+)`")


def _table_rows() -> dict[int, str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### Security checklist", 1)[1].split("\n#", 1)[0]
    rows = {}
    for line in section.splitlines():
        match = ROW.match(line)
        if match:
            rows[int(match.group(1))] = match.group("rest")
    return rows


def _tests_in(path: Path) -> set[str]:
    """Test functions defined in `path`, and tests of another module aliased there under the item's name."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            names |= {target.id for target in node.targets if isinstance(target, ast.Name)}
    return names


def test_readme_maps_every_checklist_item_to_tests_that_exist() -> None:
    rows = _table_rows()
    assert sorted(rows) == list(range(1, 21))
    for item, rest in rows.items():
        refs = TEST_REF.findall(rest)
        assert refs, f"item {item}: no test named"
        for path, number, function in refs:
            assert int(number) == item, f"item {item} names a test of item {number}"
            assert (ROOT / path).is_file(), f"item {item}: {path} does not exist"
            assert function in _tests_in(ROOT / path), f"item {item}: {path} has no {function}"


def test_every_item_test_file_is_in_the_readme_table() -> None:
    rows = _table_rows()
    named = {path for rest in rows.values() for path, _, _ in TEST_REF.findall(rest)}
    files = {f"tests/security/{p.name}" for p in (ROOT / "tests/security").glob("test_item_*.py")}
    assert files <= named, f"not in the README table: {sorted(files - named)}"
