"""load_policy / export_policy: idempotent loads, all-or-nothing failures, the JSON shape."""

from __future__ import annotations

import json
from io import StringIO

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from kechuang.core.models import AuditEntry, OrgUnit
from kechuang.policy.models import Policy, Target, Task
from tests.conftest import FICTIONAL_POLICY, ZIBO_POLICY

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def table_counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in (Policy, Task, Target, OrgUnit, AuditEntry)}


def test_reload_is_idempotent():
    before = table_counts()
    out = run("load_policy", str(ZIBO_POLICY))
    assert "25 tasks, 16 departments" in out
    assert "0 created, 0 updated, 0 removed" in out
    assert out.count("\n") == 1
    assert table_counts() == before


def test_changed_file_updates_and_audits(tmp_path):
    data = yaml.safe_load(ZIBO_POLICY.read_text(encoding="utf-8"))
    data["sections"][1]["tasks"][0]["title"] = "构建任务导向的实验室体系（修订）"
    data["sections"][1]["tasks"][0]["supporting_departments"] = ["市教育局"]
    changed = tmp_path / "changed.yaml"
    changed.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    out = run("load_policy", str(changed))
    # the task link to 市教育局 is new; the task title and the policy's source checksum changed
    assert "1 created, 2 updated, 0 removed" in out
    task = Task.objects.get(policy__code="zibo-kefa-2023-22", number=1)
    assert task.title.endswith("（修订）")
    assert [d.short_name for d in task.supporters()] == ["市教育局"]
    entry = AuditEntry.objects.filter(object_type="policy.task", object_id=str(task.pk)).latest("id")
    assert entry.changes["title"] == ["构建任务导向的实验室体系", "构建任务导向的实验室体系（修订）"]


def test_broken_file_lists_errors_and_writes_nothing(tmp_path):
    data = yaml.safe_load(ZIBO_POLICY.read_text(encoding="utf-8"))
    data["title"] = "改了标题"  # would be written if validation were partial
    data["sections"][1]["tasks"][0]["lead_departments"] = ["市宇宙局"]
    data["sections"][1]["tasks"][1]["targets"][0]["comparator"] = "at_least"
    del data["sections"][2]["tasks"][0]["title"]
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    before = table_counts()
    err = StringIO()
    with pytest.raises(CommandError, match="3 error"):
        call_command("load_policy", str(broken), stdout=StringIO(), stderr=err)
    lines = err.getvalue().splitlines()
    assert len(lines) == 3
    assert any("lead_departments.0" in line and "市宇宙局" in line for line in lines)
    assert any("comparator" in line for line in lines)
    assert any("tasks.0.title" in line and "Field required" in line for line in lines)
    assert table_counts() == before
    assert Policy.objects.get(code="zibo-kefa-2023-22").title != "改了标题"


def test_export_policy_json():
    data = json.loads(run("export_policy"))
    assert (data["code"], data["effective_from"], data["effective_to"]) == (
        "zibo-kefa-2023-22",
        "2024-01-20",
        "2028-12-31",
    )
    assert len(data["departments"]) == 16
    assert len(data["tasks"]) == 25
    task2 = data["tasks"][1]
    assert task2["number"] == 2
    assert task2["lead_departments"] == ["市科技局"]
    assert task2["supporting_departments"] == ["市发展改革委", "市工业和信息化局"]
    target = task2["targets"][0]
    assert {k: target[k] for k in ("indicator", "comparator", "value", "unit", "deadline", "cadence")} == {
        "indicator": "innovation_platforms_provincial_plus",
        "comparator": "ge",
        "value": 600.0,
        "unit": "家",
        "deadline": "2027-12-31",
        "cadence": None,
    }
    task10 = data["tasks"][9]
    assert task10["lead_departments"] == ["市国资委", "市财政局"] and task10["supporting_departments"] == ["市科技局"]
    all_targets = [t for g in data["goals"] for t in g["targets"]] + [t for t in data["tasks"] for t in t["targets"]]
    assert sum(not t["milestone"] for t in all_targets) >= 10
    assert sum(t["milestone"] for t in all_targets) >= 5
    assert all(("deadline" in t) and ("cadence" in t) for t in all_targets)


def test_second_city_loads_beside_zibo():
    out = run("load_policy", str(FICTIONAL_POLICY))
    assert "0 removed" in out
    data = json.loads(run("export_policy", "--code", "lanshan-kechuang-2024-3"))
    assert data["code"] == "lanshan-kechuang-2024-3"
    assert OrgUnit.objects.get(code="lanshan", parent=None).children.count() >= 5
    # Zibo's data is untouched by the other city's departments of the same kind.
    assert Task.objects.filter(policy__code="zibo-kefa-2023-22").count() == 25


def test_missing_policy_for_export():
    with pytest.raises(CommandError):
        run("export_policy", "--code", "nope")
