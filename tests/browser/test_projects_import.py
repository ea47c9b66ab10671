"""Projects imported from Excel as the bureau meets it (issue 17, point 7): the page from the menu, a bad file's
errors by sheet, row and column, then the corrected file; and the finance board of a department with no finance
task, which says why it shows no figures."""

from __future__ import annotations

from playwright.sync_api import expect

from kechuang.core.models import OrgUnit
from kechuang.enterprises.models import Enterprise
from kechuang.projects.models import Project
from tests.projects.test_import import ZD_FIRM, project_row, task_book, workbook


def test_import_projects_from_the_menu(login, site, shot, tmp_path):
    Enterprise.objects.create(
        credit_code=ZD_FIRM, name="张店导入测试企业", region=OrgUnit.objects.get(code="zhangdian")
    )
    milestones, goals = task_book("XM-B1", shares=(40, 50))
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(workbook([project_row("XM-B1")], milestones, goals))
    good = tmp_path / "good.xlsx"
    good.write_bytes(workbook([project_row("XM-B1")], task_book("XM-B1")[0], goals))
    page = login("bureau_staff")
    page.goto(f"{site}/projects/")
    page.get_by_role("link", name="导入项目").first.click()
    shot("projects-import")
    page.set_input_files("#id_file", str(bad))
    page.get_by_role("button", name="导入").click()
    errors = page.get_by_test_id("import-errors")
    expect(errors).to_contain_text("拨付比例（%）")
    expect(errors).to_contain_text("不是 100%")
    shot("projects-import-errors")
    assert not Project.objects.filter(code="XM-B1").exists()
    page.goto(f"{site}/projects/import/")
    page.set_input_files("#id_file", str(good))
    page.get_by_role("button", name="导入").click()
    expect(page.get_by_test_id("import-status")).to_contain_text("新增项目 1 个")
    assert Project.objects.get(code="XM-B1").milestones.count() == 2


def test_finance_board_of_a_department_without_finance_task(login, site, shot):
    page = login("supporting_officer")  # 市教育局
    page.goto(f"{site}/finance/")
    expect(page.get_by_test_id("board-none")).to_contain_text("第 19、20 项任务")
    shot("finance-board-no-competence")
