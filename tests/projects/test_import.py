"""Excel import and export of projects with their task books (issue 17, point 7): the template, a good file, every
kind of bad row named by sheet, row and column with nothing written, the update rules by state, the export → import
round trip, scope per role, and a small hostile workbook."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from kechuang.core import imports
from kechuang.core.models import AuditEntry, ImportJob
from kechuang.enterprises.models import Enterprise
from kechuang.enterprises.population import credit_code
from kechuang.projects import services
from kechuang.projects.models import Milestone, PerformanceGoal, Project
from tests import hostile_files
from tests.projects.conftest import approved_project, make_expert

pytestmark = pytest.mark.django_db

ZD_FIRM = credit_code("370302", 520_001)  # 张店区
ZD_OTHER = credit_code("370302", 520_002)
ZC_FIRM = credit_code("370303", 520_003)  # 淄川区
NOT_IN_REGISTER = credit_code("370302", 520_099)

PROJECT_HEAD = ["项目编号", "项目名称", "计划类别", "组织方式", "资助方式", "榜单/指南编号", "承担单位统一社会信用代码",
                "承担单位", "主管部门", "项目负责人/首席科学家", "开始日期", "结束日期", "财政资金（万元）",
                "自筹资金（万元）", "包干制", "状态"]  # fmt: skip
MILESTONE_HEAD = ["项目编号", "节点序号", "节点日期", "考核指标", "拨付比例（%）"]
GOAL_HEAD = ["项目编号", "一级指标", "二级指标", "三级指标", "目标值", "计量单位", "指标方向", "权重"]


@pytest.fixture
def register(db, unit):
    for code, region, name in (
        (ZD_FIRM, "zhangdian", "张店导入测试企业"),
        (ZD_OTHER, "zhangdian", "张店另一企业"),
        (ZC_FIRM, "zichuan", "淄川导入测试企业"),
    ):
        Enterprise.objects.create(credit_code=code, name=name, region=unit(region))


def project_row(code: str, firm: str = ZD_FIRM, **kw) -> list:
    row = {
        "code": code, "title": "陶瓷膜导入项目", "plan": "重点研发计划", "mode": "指南申报", "funding": "无偿资助",
        "call": "", "firm": firm, "unit": "", "department": "", "pi": "张工", "start": "2026-01-01",
        "end": "2027-12-31", "fiscal": 200, "self": 100, "lump": "否", "state": "",
    } | kw  # fmt: skip
    return list(row.values())


def task_book(code: str, shares=(40, 60)) -> tuple[list[list], list[list]]:
    dates = ["2026-06-30", "2027-06-30", "2027-12-01"]
    milestones = [[code, i + 1, dates[i], f"第{i + 1}阶段指标", s] for i, s in enumerate(shares)]
    goals = [
        [code, "产出指标", "数量指标", "申请发明专利", 3, "件", "不低于", 60],
        [code, "效益指标", "经济效益", "新增销售收入", 500, "万元", "不低于", 30],
        [code, "满意度指标", "", "需求方满意度", 90, "%", "不低于", 10],
    ]
    return milestones, goals


def workbook(projects: list[list], milestones: list[list], goals: list[list], *, heads=None) -> bytes:
    book = Workbook()
    book.remove(book.active)
    heads = heads or {}
    for title, head, rows in (
        ("项目", PROJECT_HEAD, projects),
        ("任务书节点", MILESTONE_HEAD, milestones),
        ("绩效目标", GOAL_HEAD, goals),
    ):
        ws = book.create_sheet(title)
        ws.append(heads.get(title, head))
        for row in rows:
            ws.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def good_file(*codes: str, firm: str = ZD_FIRM) -> bytes:
    projects, milestones, goals = [], [], []
    for code in codes:
        m, g = task_book(code)
        projects.append(project_row(code, firm))
        milestones += m
        goals += g
    return workbook(projects, milestones, goals)


def run(actor, data: bytes) -> ImportJob:
    return imports.import_now("projects", actor=actor, filename="projects.xlsx", data=data)


def errors_of(job: ImportJob) -> dict[tuple[str, int, str], str]:
    return {(e["sheet"], e["row"], e["column"]): e["reason"] for e in job.errors}


# ---------------------------------------------------------------------------------------------------- the template
def test_template_is_chinese_with_english_notes(client_as):
    response = client_as("bureau_staff").get(reverse("projects:import_template"))
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["项目", "任务书节点", "绩效目标", "说明"]
    assert [c.value for c in book["项目"][1]][:2] == ["项目编号 *", "项目名称 *"]
    notes = " ".join(str(c.value) for row in book["说明"].iter_rows() for c in row if c.value)
    assert "Project number" in notes and "Payment share (%)" in notes and "Instructions" in notes


# ---------------------------------------------------------------------------------------------------- a good file
def test_good_file_creates_projects_with_task_books_and_is_idempotent(register, persona):
    staff = persona("bureau_staff")
    m, g = task_book("XM-2026-002")
    data = workbook(
        [project_row("XM-2026-001"), project_row("XM-2026-002", ZC_FIRM, state="实施中", unit="淄川承担单位")],
        task_book("XM-2026-001")[0] + m,
        task_book("XM-2026-001")[1] + g,
    )
    job = run(staff, data)
    assert job.status == "done", job.errors
    assert job.counts == {"created": 2, "updated": 0, "unchanged": 0, "milestones": 4, "goals": 6}
    first = Project.objects.get(code="XM-2026-001")
    assert first.state == "approved" and first.region.code == "zhangdian" and first.lead_unit == "张店导入测试企业"
    assert first.plan == "key_rd" and first.budget_fiscal_wan == Decimal(200) and not first.lump_sum
    assert list(first.milestones.values_list("seq", "payment_share")) == [(1, Decimal(40)), (2, Decimal(60))]
    assert sorted(first.goals.values_list("level", flat=True)) == ["benefit", "output", "satisfaction"]
    second = Project.objects.get(code="XM-2026-002")
    assert second.state == "in_progress" and second.region.code == "zichuan" and second.lead_unit == "淄川承担单位"
    assert AuditEntry.objects.filter(action="import", object_type="projects.project").count() == 1
    assert AuditEntry.objects.filter(action="create", object_type="projects.milestone").count() == 4
    # the same file again: nothing changes, nothing is duplicated
    again = run(staff, data)
    assert again.status == "done" and again.counts["unchanged"] == 2 and again.counts["created"] == 0
    assert Project.objects.count() == 2 and Milestone.objects.count() == 4 and PerformanceGoal.objects.count() == 6


# ---------------------------------------------------------------------------------------------------- bad rows
def test_every_kind_of_bad_row_is_named_and_nothing_is_written(register, persona, open_call, unit):
    staff = persona("bureau_staff")
    run(staff, good_file("XM-DUP"))  # a stored project, to be updated by a bad file below
    before = (Project.objects.count(), Milestone.objects.count(), PerformanceGoal.objects.count())
    ok_m, ok_g = task_book("P-OK")
    projects = [
        project_row("P-OK"),  # 2: good, but the file fails as a whole
        project_row("P-FIRM", NOT_IN_REGISTER),  # 3: not in the register
        project_row("P-CHECK", "91370303MA3C000000"),  # 4: a bad check digit
        project_row("P-CALL", call="C2099-9999"),  # 5: unknown call
        project_row("P-PLAN", call=open_call.code),  # 6: the call is of another plan and mode
        project_row("P-BADPLAN", plan="火星计划"),  # 7: not a plan
        project_row("P-DATE", start="2026-13-45"),  # 8: not a date
        project_row("P-ENDS", start="2027-01-01", end="2026-01-01"),  # 9: end before start
        project_row("P-DEPT", department="不存在的局"),  # 10: not a department
        project_row("P-OK"),  # 11: the number twice
        project_row("P-SHARES"),  # 12: shares sum to 90
        project_row("P-NOGOALS"),  # 13: no goal rows
        project_row("P-WEIGHTS"),  # 14: goal weights 90, no output goal
        project_row("P-STATE", state="已终止"),  # 15: a new project cannot enter terminated
        project_row("P-OUTSIDE"),  # 16: a milestone after the end
    ]
    milestones = [
        *ok_m,
        ["P-SHARES", 1, "2026-06-30", "阶段一", 40],  # 4
        ["P-SHARES", 2, "2027-06-30", "阶段二", 50],  # 5
        ["P-OUTSIDE", 1, "2026-06-30", "阶段一", 40],  # 6
        ["P-OUTSIDE", 1, "2028-06-30", "阶段二", 60],  # 7: after the end, and the number twice
        ["NO-SUCH", 1, "2026-06-30", "阶段一", 100],  # 8: not in 项目
    ]
    goals = list(ok_g)
    for code in ("P-FIRM", "P-CHECK", "P-CALL", "P-PLAN", "P-BADPLAN", "P-DATE", "P-ENDS", "P-DEPT", "P-SHARES",
                 "P-STATE", "P-OUTSIDE"):  # fmt: skip
        goals += task_book(code)[1]
    goals += [
        ["P-WEIGHTS", "效益指标", "", "新增销售收入", 500, "万元", "不低于", 50],
        ["P-WEIGHTS", "满意度指标", "", "满意度", 90, "%", "不低于", 40],
        ["P-DEPT", "产品", "", "坏的一级指标", 1, "件", "不低于", 10],
    ]
    job = run(staff, workbook(projects, milestones, goals))
    assert job.status == "failed"
    found = errors_of(job)
    expected = {
        ("项目", 3, "承担单位统一社会信用代码"): "register",
        ("项目", 4, "承担单位统一社会信用代码"): "",
        ("项目", 5, "榜单/指南编号"): "No call",
        ("项目", 6, "计划类别"): open_call.code,
        ("项目", 6, "组织方式"): open_call.code,
        ("项目", 7, "计划类别"): "one of",
        ("项目", 8, "开始日期"): "date",
        ("项目", 9, "结束日期"): "after the start",
        ("项目", 10, "主管部门"): "department",
        ("项目", 11, "项目编号"): "twice",
        ("任务书节点", 5, "拨付比例（%）"): "90 %",
        ("项目", 13, "项目编号"): "no performance goals",
        ("项目", 15, "状态"): "approved or in progress",
        ("任务书节点", 7, "节点日期"): "Outside the project's dates",
        ("任务书节点", 7, "节点序号"): "twice",
        ("任务书节点", 8, "项目编号"): "not in the sheet",
    }
    for key, words in expected.items():
        assert key in found, (key, sorted(found))
        assert words in found[key], (key, found[key])
    weights = [e["reason"] for e in job.errors if e["sheet"] == "绩效目标" and e["column"] == "权重"]
    assert len(weights) == 2 and "not 100" in weights[1] and "output" in weights[0], weights
    assert any(e["sheet"] == "绩效目标" and e["column"] == "一级指标" for e in job.errors)
    # every error names its sheet, row and column; nothing of the file was written
    assert all(e["sheet"] and e["row"] and e["column"] for e in job.errors), job.errors
    assert (Project.objects.count(), Milestone.objects.count(), PerformanceGoal.objects.count()) == before
    assert job.error_workbook  # the annotated copy to correct and upload again


def test_a_missing_required_column_is_named(register, persona):
    head = [h for h in PROJECT_HEAD if h != "财政资金（万元）"]
    job = run(persona("bureau_staff"), workbook([], [], [], heads={"项目": head}))
    assert job.status == "failed" and ("项目", 1, "财政资金（万元）") in errors_of(job)


def test_the_job_page_names_the_sheet_of_every_error_even_when_all_are_on_one(register, persona, client_as):
    # The template has three sheets keyed by 项目编号: a row number alone does not say where to look.
    bad = project_row("XM-SH1", NOT_IN_REGISTER)
    job = run(persona("bureau_staff"), workbook([bad], *task_book("XM-SH1")))
    assert job.status == "failed" and {e["sheet"] for e in job.errors} == {"项目"}
    page = client_as("bureau_staff").get(reverse("core:import_job", args=[job.pk])).content.decode()
    table = page.split('data-testid="import-errors"')[1].split("</table>")[0]
    assert "<th>工作表</th>" in table and "<td>项目</td>" in table
    annotated = load_workbook(io.BytesIO(job.error_workbook.open("rb").read()))["错误清单"]
    assert [c.value for c in annotated[1]][-1] == "工作表" and annotated.cell(2, 5).value == "项目"


# ---------------------------------------------------------------------------------------------------- updates
def test_updates_follow_the_projects_state(register, persona):
    staff = persona("bureau_staff")
    assert run(staff, good_file("XM-U1")).status == "done"
    project = Project.objects.get(code="XM-U1")
    # before the task book is signed, everything may change (the budget, the milestones)
    m, g = task_book("XM-U1", shares=(30, 70))
    job = run(staff, workbook([project_row("XM-U1", fiscal=250)], m, g))
    assert job.status == "done" and job.counts["updated"] == 1, job.errors
    project.refresh_from_db()
    assert project.budget_fiscal_wan == Decimal(250) and project.milestones.get(seq=1).payment_share == 30
    # signed: names may be corrected, the commitment may not
    services.project_step(actor=staff, project=project, action="sign_task_book")
    job = run(staff, workbook([project_row("XM-U1", fiscal=250, title="更正后的名称", state="实施中")], m, g))
    assert job.status == "done" and job.counts["updated"] == 1, job.errors
    job = run(staff, workbook([project_row("XM-U1", fiscal=300, state="实施中")], task_book("XM-U1")[0], g))
    assert job.status == "failed"
    found = errors_of(job)
    assert "change request" in found[("项目", 2, "财政资金（万元）")]
    assert "change request" in found[("项目", 2, "任务书节点")]
    # a state in the file differing from the stored one is refused: states change by steps on the page
    job = run(staff, workbook([project_row("XM-U1", fiscal=250, title="更正后的名称", state="已立项")], m, g))
    assert "project's page" in errors_of(job)[("项目", 2, "状态")]
    project.refresh_from_db()
    assert project.title == "更正后的名称" and project.budget_fiscal_wan == Decimal(250)


# ---------------------------------------------------------------------------------------------------- round trip
def test_export_then_import_round_trips(register, persona, client_as, open_call, unit):
    staff = persona("bureau_staff")
    # a project approved through a call (with the call's plan and mode), and imported ones, one with a formula-like
    # indicator the export neutralises
    project = approved_project(staff, open_call, unit, make_expert("rt_expert"), code=ZD_OTHER)
    for seq, (due, share) in enumerate(((dt.date(2026, 6, 1), 30), (dt.date(2027, 6, 1), 70)), start=1):
        services.milestone_add(actor=staff, project=project, due_on=due, indicators=f"-阶段{seq}", payment_share=share)
    services.project_step(actor=staff, project=project, action="sign_task_book")
    m, g = task_book("XM-R1")
    m[0][3] = "长指标" * 150  # 450 characters: kept whole through the import and the export
    r2_m, r2_g = task_book("XM-R2")
    job = run(staff, workbook([project_row("XM-R1"), project_row("XM-R2")], m + r2_m, g + r2_g))
    assert job.status == "done", job.errors
    assert Milestone.objects.get(project__code="XM-R1", seq=1).indicators == "长指标" * 150
    client = client_as("bureau_staff")
    exported = client.get(reverse("projects:import_export"))
    content = b"".join(exported.streaming_content)
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["项目", "任务书节点", "绩效目标"]
    assert {r[0] for r in book["项目"].iter_rows(min_row=2, values_only=True)} == {project.code, "XM-R1", "XM-R2"}
    job = run(staff, content)
    assert job.status == "done", job.errors
    assert job.counts["unchanged"] == 3 and job.counts["created"] == job.counts["updated"] == 0
    # corrected in the workbook, imported again: that project is updated, the others stay
    ws = book["项目"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == "XM-R2":
            row[1].value = "往返后更正的名称"
    buffer = io.BytesIO()
    book.save(buffer)
    job = run(staff, buffer.getvalue())
    assert job.status == "done" and job.counts["updated"] == 1 and job.counts["unchanged"] == 2, job.errors
    assert Project.objects.get(code="XM-R2").title == "往返后更正的名称"
    again = b"".join(client.get(reverse("projects:import_export")).streaming_content)
    second = load_workbook(io.BytesIO(again))
    for title in ("任务书节点", "绩效目标"):
        assert list(second[title].values) == list(book[title].values), title


# ---------------------------------------------------------------------------------------------------- scope
def test_a_district_imports_only_its_own_firms_projects(register, persona, client_as):
    zhangdian, zichuan = persona("zhangdian_officer"), persona("zichuan_officer")
    job = run(zhangdian, workbook([project_row("XM-S1")], [], []))  # a district's project comes without task book
    assert job.status == "done", job.errors
    assert Project.objects.get(code="XM-S1").region.code == "zhangdian"
    job = run(zhangdian, workbook([project_row("XM-S2", ZC_FIRM)], [], []))
    assert job.status == "failed" and "outside your area" in errors_of(job)[("项目", 2, "承担单位统一社会信用代码")]
    # 淄川 cannot take over 张店's project number, even naming its own firm
    job = run(zichuan, workbook([project_row("XM-S1", ZC_FIRM)], [], []))
    assert job.status == "failed" and "outside your area" in errors_of(job)[("项目", 2, "项目编号")]
    assert Project.objects.get(code="XM-S1").region.code == "zhangdian"
    # its export holds its own region's projects only
    content = b"".join(client_as("zichuan_officer").get(reverse("projects:import_export")).streaming_content)
    assert [r for r in load_workbook(io.BytesIO(content))["项目"].iter_rows(min_row=2, values_only=True)] == []
    # the page and the menu: the bureau and the districts; not the leader (read-only), nor a department officer
    assert client_as("zhangdian_officer").get(reverse("projects:import")).status_code == 200
    assert "导入项目" in client_as("zhangdian_officer").get(reverse("projects:pipeline")).content.decode()
    for name in ("leader", "lead_officer"):
        assert client_as(name).get(reverse("projects:import")).status_code == 403
        with pytest.raises(PermissionDenied):
            run(persona(name), good_file("XM-S9"))
    assert not Project.objects.filter(code="XM-S9").exists()


# ---------------------------------------------------------------------------------------------------- task books
BUREAU_ONLY = "Only the bureau"


def test_only_the_bureau_sets_or_changes_a_task_book_through_an_import(register, persona):
    """The project page's rule (milestones, goals and the signature are the bureau's: services.may_set_task_book)
    holds for a file too: a district's workbook that would set or change a task book is refused row by row, and
    nothing of it is written, not even its other, harmless rows."""
    staff, district = persona("bureau_staff"), persona("zhangdian_officer")
    m, g = task_book("XM-T2")
    # a new project with its task book, beside one without: both refused, the task book named by sheet, row, field
    job = run(district, workbook([project_row("XM-T0"), project_row("XM-T1")], task_book("XM-T1")[0],
                                 task_book("XM-T1")[1]))  # fmt: skip
    assert job.status == "failed"
    found = errors_of(job)
    assert BUREAU_ONLY in found[("项目", 3, "任务书节点")] and BUREAU_ONLY in found[("项目", 3, "绩效目标")], found
    assert not Project.objects.exists() and not Milestone.objects.exists() and not PerformanceGoal.objects.exists()
    # a new project entering as signed (in progress) is a signature
    job = run(district, workbook([project_row("XM-T3", state="实施中")], *task_book("XM-T3")))
    assert job.status == "failed" and BUREAU_ONLY in errors_of(job)[("项目", 2, "状态")], job.errors
    assert not Project.objects.exists()
    # the bureau sets the task book; the district corrects a name with the task book as stored
    assert run(staff, workbook([project_row("XM-T2")], m, g)).status == "done"
    job = run(district, workbook([project_row("XM-T2", title="区县更正的名称")], m, g))
    assert job.status == "done" and job.counts["updated"] == 1, job.errors
    # but may not change its milestones, nor its goals, nor leave them out
    audits = AuditEntry.objects.filter(object_type__startswith="projects.").count()
    changed_m, _g = task_book("XM-T2", shares=(30, 70))
    changed_g = [[*row[:7], row[7] + (5 if i == 0 else -5 if i == 1 else 0)] for i, row in enumerate(g)]
    for milestones, goals, column in ((changed_m, g, "任务书节点"), (m, changed_g, "绩效目标"), (m, [], "绩效目标")):
        job = run(district, workbook([project_row("XM-T2", title="再次更正")], milestones, goals))
        assert job.status == "failed" and BUREAU_ONLY in errors_of(job)[("项目", 2, column)], (column, job.errors)
    project = Project.objects.get(code="XM-T2")
    assert project.title == "区县更正的名称" and project.milestones.get(seq=1).payment_share == 40
    assert sorted(project.goals.values_list("weight", flat=True)) == [10, 30, 60]
    assert AuditEntry.objects.filter(object_type__startswith="projects.").count() == audits
    # the bureau still may, and a district's project left without task book gets one from the bureau
    job = run(staff, workbook([project_row("XM-T2")], changed_m, changed_g))
    assert job.status == "done" and job.counts["updated"] == 1, job.errors
    assert run(district, workbook([project_row("XM-T4")], [], [])).status == "done"
    job = run(staff, workbook([project_row("XM-T4")], *task_book("XM-T4")))
    assert job.status == "done" and job.counts["updated"] == 1, job.errors
    assert Project.objects.get(code="XM-T4").goals.count() == 3


def test_the_import_page_refuses_a_districts_task_book(register, client_as, django_capture_on_commit_callbacks):
    """The same through /projects/import/, as the district officer uses it; the bureau's upload goes through."""
    client = client_as("zhangdian_officer")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("projects:import"), {"file": SimpleUploadedFile("projects.xlsx", good_file("XM-P1"))}
        )
    job = ImportJob.objects.latest("id")
    assert response.status_code == 302 and job.status == "failed", job.errors
    assert ("项目", 2, "任务书节点") in errors_of(job) and ("项目", 2, "绩效目标") in errors_of(job)
    page = client.get(reverse("core:import_job", args=[job.pk])).content.decode()
    assert "任务书节点" in page and not Project.objects.exists()
    client = client_as("bureau_staff")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("projects:import"), {"file": SimpleUploadedFile("projects.xlsx", good_file("XM-P1"))})
    job = ImportJob.objects.latest("id")
    assert job.status == "done" and Project.objects.get(code="XM-P1").milestones.count() == 2, job.errors


def test_the_project_page_and_the_import_ask_the_same_rule(register, persona, open_call, unit):
    """milestone_add, goals_set, the signature and the import all refuse a district officer by one check."""
    staff, district = persona("bureau_staff"), persona("zhangdian_officer")
    assert services.may_set_task_book(staff) and not services.may_set_task_book(district)
    assert not services.may_set_task_book(persona("lead_officer"))
    project = approved_project(staff, open_call, unit, make_expert("tb_expert"))
    with pytest.raises(PermissionDenied, match=BUREAU_ONLY):
        services.milestone_add(
            actor=district, project=project, due_on=dt.date(2026, 6, 1), indicators="x", payment_share=Decimal(100)
        )
    with pytest.raises(PermissionDenied, match=BUREAU_ONLY):
        services.goals_set(actor=district, project=project, goals=[])
    with pytest.raises(PermissionDenied, match=BUREAU_ONLY):
        services.project_step(actor=district, project=project, action="sign_task_book")


# ---------------------------------------------------------------------------------------------------- hostile files
def test_a_small_hostile_workbook_is_refused(register, persona, client_as):
    name, content = hostile_files.far_cell()
    assert len(content) < 5 * 1024
    response = client_as("zhangdian_officer").post(
        reverse("projects:import"), {"file": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 400 and name in response.content.decode()
    assert not ImportJob.objects.exists() and not Project.objects.exists()
    # past the upload guard too (a management command, a file already stored): the pipeline refuses it as the file's
    # one error, and writes nothing
    job = run(persona("zhangdian_officer"), content)
    assert job.status == "failed" and job.errors[0]["row"] == 0 and not Project.objects.exists()


# ---------------------------------------------------------------------------------------------------- the language
def _post_blank_title(client, language: str) -> ImportJob:
    """The import page posted in `language` with a project whose required title is blank."""
    data = workbook([project_row("XM-LANG", title="")], *task_book("XM-LANG"))
    upload = SimpleUploadedFile("projects.xlsx", data)
    response = client.post(reverse("projects:import"), {"file": upload}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 302, response.content[:500]
    return ImportJob.objects.get(kind="projects")


@pytest.mark.parametrize(("language", "reason"), [("zh-hans", "必填"), ("en", "required")])
def test_the_jobs_reasons_are_in_the_language_of_the_request_that_started_it(register, client_as, language, reason):
    job = _post_blank_title(client_as("bureau_staff"), language)
    assert job.status == "failed" and job.language == language
    assert errors_of(job)[("项目", 2, "项目名称")] == reason, job.errors


@pytest.mark.parametrize(("language", "worker", "reason"), [("zh-hans", "en", "必填"), ("en", "zh-hans", "required")])
def test_a_worker_in_another_language_keeps_the_requesters(register, client_as, settings, language, worker, reason):
    # The task worker is another process with its own language: the job carries the request's to it.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    job = _post_blank_title(client_as("bureau_staff"), language)
    assert job.status == "queued"
    from django.utils import translation

    with translation.override(worker):
        imports.run(job.pk)
    job.refresh_from_db()
    assert errors_of(job)[("项目", 2, "项目名称")] == reason, job.errors
