"""Observations: revision history, derived values refused, scope of entry and reading, import, add-up check."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kechuang.core.imports import ImportRejected, import_now
from kechuang.core.models import AuditEntry
from kechuang.indicators import services
from kechuang.indicators.imports import parse_file, template_xlsx
from kechuang.indicators.models import Observation, ObservationRevision, TargetAllocation


def _save(actor, indicator, region, value, **kw):
    args = dict(year=2024, source="市科技局统计", status=Observation.Status.PRELIMINARY)
    return services.observation_save(
        actor=actor, indicator=indicator, region=region, value=Decimal(value), **{**args, **kw}
    )


def test_revision_keeps_the_previous_version_and_needs_a_reason(catalogue, persona, city):
    staff = persona("bureau_staff")
    ind = catalogue["high_tech_enterprises"]
    first = _save(staff, ind, city, "1500")
    assert first.created
    with pytest.raises(ValidationError) as exc:
        _save(staff, ind, city, "1520", status=Observation.Status.FINAL)
    assert "reason" in exc.value.message_dict
    assert Observation.objects.get(pk=first.observation.pk).value == Decimal("1500")  # not overwritten
    second = _save(staff, ind, city, "1520", status=Observation.Status.FINAL, reason="年报核定")
    assert second.changed and not second.created
    revision = ObservationRevision.objects.get(observation=first.observation)
    assert (revision.value, revision.new_value, revision.status, revision.reason) == (
        Decimal("1500"),
        Decimal("1520"),
        "preliminary",
        "年报核定",
    )
    assert revision.changed_by == staff
    assert AuditEntry.objects.filter(object_type="indicators.observation", action="update").exists()
    # Same value again: nothing to revise, no reason needed.
    assert not _save(staff, ind, city, "1520", status=Observation.Status.FINAL).changed
    # Final values do not go back to preliminary.
    with pytest.raises(ValidationError):
        _save(staff, ind, city, "1530", status=Observation.Status.PRELIMINARY, reason="x")


def test_derived_values_are_never_entered(catalogue, persona, city):
    with pytest.raises(ValidationError) as exc:
        _save(persona("bureau_staff"), catalogue["rd_intensity"], city, "2.7")
    assert "computed, never entered" in str(exc.value) or "不能填报" in str(exc.value)
    obs = Observation(indicator=catalogue["rd_intensity"], region=city, year=2024, value=1, source="x")
    with pytest.raises(ValidationError):
        obs.full_clean()


def test_district_officer_enters_and_sees_only_their_region(catalogue, persona, unit, city):
    officer = persona("zhangdian_officer")
    ind = catalogue["high_tech_enterprises"]
    _save(officer, ind, unit("zhangdian"), "400")
    for other in (unit("zichuan"), city):
        with pytest.raises(PermissionDenied):
            _save(officer, ind, other, "10")
    _save(persona("bureau_staff"), ind, unit("zichuan"), "150")
    visible = Observation.objects.visible_to(officer)
    assert {o.region.code for o in visible} == {"zhangdian"}
    assert {o.region.code for o in Observation.objects.visible_to(persona("zichuan_officer"))} == {"zichuan"}


def test_department_officer_only_their_department_indicators(catalogue, persona, city, unit):
    lead = persona("lead_officer")  # 市科技局
    education = persona("supporting_officer")  # 市教育局
    _save(lead, catalogue["high_tech_enterprises"], city, "1500")
    with pytest.raises(PermissionDenied):
        _save(lead, catalogue["gdp"], city, "5000")  # 市统计局's indicator
    _save(education, catalogue["college_students"], city, "120000")
    with pytest.raises(PermissionDenied):
        _save(education, catalogue["high_tech_enterprises"], unit("zhangdian"), "1")
    assert {o.indicator.code for o in Observation.objects.visible_to(education)} == {"college_students"}
    assert "college_students" not in {o.indicator.code for o in Observation.objects.visible_to(lead)}
    with pytest.raises(PermissionDenied):
        _save(persona("leader"), catalogue["high_tech_enterprises"], city, "1")


def _xlsx(rows):
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["指标代码", "区域代码", "年份", "季度", "数值", "状态", "数据来源", "口径版本"])
    for r, row in enumerate(rows, start=1):
        sheet.write_row(r, 0, row)
    book.close()
    return buffer.getvalue()


def test_import_is_all_or_nothing_and_lists_every_row_error(catalogue, persona):
    staff = persona("bureau_staff")
    data = _xlsx(
        [
            ["high_tech_enterprises", "zhangdian", 2024, "", 401, "最终", "区科技局"],
            ["rd_intensity", "zibo", 2024, "", 2.7, "", "x"],
            ["high_tech_enterprises", "nowhere", "二〇二四", 7, "many", "maybe", ""],
            ["high_tech_enterprises", "zhangdian", 2024, "", 402, "", "重复"],
        ]
    )
    before = Observation.objects.count()  # the published figures the catalogue loaded
    job = import_now("indicators", actor=staff, filename="data.xlsx", data=data)
    assert job.status == "failed"
    assert Observation.objects.count() == before  # nothing written, not even the good first row
    found = {(e["row"], e["field"]) for e in job.errors}
    assert (3, "indicator_code") in found  # derived
    assert {(4, "region_code"), (4, "year"), (4, "quarter"), (4, "value"), (4, "status"), (4, "source")} <= found
    assert (5, "year") in found  # duplicate of row 2
    error = next(e for e in job.errors if (e["row"], e["field"]) == (4, "value"))
    assert error["value"] == "many" and error["reason"]


def test_import_good_file_upserts_with_revisions(catalogue, persona, unit):
    staff = persona("bureau_staff")
    good = "指标代码,区域代码,年份,季度,数值,状态,数据来源\nhigh_tech_enterprises,张店区,2024,,401,最终,区科技局\n"
    job = import_now("indicators", actor=staff, filename="a.csv", data=good.encode())
    assert job.status == "done" and job.counts["created"] == 1
    again = good.replace("401", "405")
    job = import_now("indicators", actor=staff, filename="a.csv", data=again.encode())
    assert (job.counts["created"], job.counts["updated"]) == (0, 1)
    obs = Observation.objects.get(region=unit("zhangdian"))
    assert obs.value == 405 and obs.revisions.get().reason == "从文件 a.csv 导入"


def test_import_respects_scope(catalogue, persona):
    data = b"indicator_code,region_code,year,value,source\nhigh_tech_enterprises,zichuan,2024,1,x\n"
    job = import_now("indicators", actor=persona("zhangdian_officer"), filename="a.csv", data=data)
    assert [(e["row"], e["field"]) for e in job.errors] == [(2, "region_code")]


def test_template_round_trips(catalogue, city, unit):
    """The template as downloaded has no data row (its example once imported as data, issue 10); the example on
    the instructions sheet has the data sheet's columns, so copied there it reads as a row."""
    from openpyxl import load_workbook

    data = template_xlsx([catalogue["high_tech_enterprises"]], [unit("zhangdian")])
    with pytest.raises(ImportRejected):
        parse_file("template.xlsx", data)
    notes = [[c for c in row] for row in load_workbook(io.BytesIO(data))["填写说明"].iter_rows(values_only=True)]
    header = next(i for i, row in enumerate(notes) if row[0] == "指标")
    copied = "\n".join(",".join("" if c is None else str(c) for c in row) for row in notes[header : header + 2])
    rows = parse_file("copy.csv", copied.encode())
    assert rows[0]["indicator_code"] == catalogue["high_tech_enterprises"].name and rows[0]["row"] == 2


def test_allocations_are_set_by_bureau_staff_and_checked(catalogue, persona, unit):
    from kechuang.indicators.selectors import allocation_addup as _addup
    from kechuang.indicators.selectors import partition_of
    from kechuang.policy.models import Target

    target = Target.objects.get(code="g_high_tech_enterprises_2027")
    with pytest.raises(PermissionDenied):
        services.allocations_set(actor=persona("zhangdian_officer"), target=target, values={unit("zhangdian"): 1})
    partition = partition_of(unit("zhangdian").parent)
    shares = {r: Decimal(250) for r in partition}  # 8 × 250 = 2000
    services.allocations_set(actor=persona("bureau_staff"), target=target, values=shares)
    assert _addup(Target.objects.get(pk=target.pk), partition)["state"] == "ok"
    services.allocations_set(actor=persona("bureau_staff"), target=target, values={unit("zichuan"): Decimal(200)})
    check = _addup(Target.objects.get(pk=target.pk), partition)
    assert check["state"] == "short" and check["total"] == 1950
    services.allocations_set(actor=persona("bureau_staff"), target=target, values={unit("zichuan"): None})
    check = _addup(Target.objects.get(pk=target.pk), partition)
    assert check["state"] == "short" and [r.code for r in check["missing"]] == ["zichuan"]
    assert TargetAllocation.objects.filter(target=target).count() == 7


def test_indicators_load_their_demo_after_the_modules_that_feed_them():
    from kechuang.core.registry import demo_loaders

    labels = [config.label for config in demo_loaders()]
    assert labels.index("indicators") > max(labels.index("enterprises"), labels.index("techmarket"))
