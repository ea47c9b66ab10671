"""Guard rails: the architecture contracts of pyproject.toml ([tool.importlinter]) hold, and each one bites.

`make lint` runs the same contracts (lint-imports); here they also run with the suite, and each contract is shown
to break on one import that crosses the line it draws, so a contract weakened into saying nothing fails too.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from copy import deepcopy
from pathlib import Path

import grimp
import pytest
from importlinter.configuration import configure
from importlinter.contracts.forbidden import ForbiddenContract
from importlinter.contracts.independence import IndependenceContract

ROOT = Path(__file__).resolve().parents[2]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
CONTRACTS = {c["id"]: c for c in CONFIG["contracts"]}
TYPES = {"forbidden": ForbiddenContract, "independence": IndependenceContract}
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def test_lint_imports_keeps_every_contract():
    result = subprocess.run(
        [str(LINT_IMPORTS), "--no-logo", "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=240
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(CONTRACTS)} kept, 0 broken" in result.stdout, result.stdout


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    configure()  # import-linter's own settings (its timer, its printer), as lint-imports sets them
    return grimp.build_graph(*CONFIG["root_packages"], include_external_packages=CONFIG["include_external_packages"])


def _check(graph: grimp.ImportGraph, contract_id: str, extra: tuple[str, str] | None = None) -> bool:
    options = {k: v for k, v in CONTRACTS[contract_id].items() if k not in {"id", "name", "type"}}
    contract = TYPES[CONTRACTS[contract_id]["type"]](
        name=contract_id, session_options=dict(CONFIG), contract_options=options
    )
    copy = deepcopy(graph)  # a contract may change the graph it checks (lint-imports copies it the same way)
    if extra is not None:
        copy.add_import(importer=extra[0], imported=extra[1], line_number=1, line_contents="import")
    return contract.check(copy, verbose=False).kept


@pytest.mark.parametrize(
    ("contract_id", "importer", "imported"),
    [
        ("engines", "kechuang.enterprises.ladder.engine", "django.db"),
        ("engines", "kechuang.techmarket.matching.engine", "kechuang.techmarket.models"),  # models bring Django
        ("core", "kechuang.core.views", "kechuang.policy.selectors"),
        ("core", "kechuang.core.registry", "kechuang.cockpit.views"),
        ("modules", "kechuang.supervision.views", "kechuang.policy.services"),
        ("modules", "kechuang.cockpit.views", "kechuang.enterprises.views"),
    ],
)
def test_each_contract_breaks_on_a_crossing_import(graph, contract_id, importer, imported):
    assert _check(graph, contract_id), f"{contract_id} is broken already"
    assert not _check(graph, contract_id, (importer, imported)), f"{contract_id} let {importer} → {imported} through"


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("kechuang.supervision.views", "kechuang.policy.selectors"),
        ("kechuang.supervision.models", "kechuang.policy.models"),
        ("kechuang.indicators.services", "kechuang.techmarket.feed"),
    ],
)
def test_a_module_may_use_a_siblings_public_face(graph, importer, imported):
    assert _check(graph, "modules", (importer, imported))


def test_templates_pass_djlint():
    """The templates pass djlint's rules ([tool.djlint]; lint mode only, nothing is reformatted)."""
    result = subprocess.run(
        [str(Path(sys.executable).with_name("djlint")), "kechuang", "--lint"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stdout + result.stderr
