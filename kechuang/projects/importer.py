"""Excel import and export of projects with their task books (core/imports.py's pipeline: template with drop-downs,
every error of the file in one pass, all or nothing in one transaction).

Three sheets, keyed by the project number: 项目 (one row per project), 任务书节点 (its milestones) and 绩效目标 (its
goal table). A project's milestones and goals are the rows of those sheets with its number: the file gives the
whole task book, so a project listed in 项目 with no goal rows is an error, not a table left as it was.

A project number already stored is an update: the bureau keeps its project list in the export of this same layout,
corrects it and imports it again, so an unchanged file changes nothing (idempotent) and a corrected one updates in
place; refusing a known number would make every correction a manual job. What an update may change depends on the
project's state (services.project_import): everything before the task book is signed, only names afterwards, nothing
once closed. Scope: the bureau imports for every region, a district officer only projects of firms of its own
region (the firm's region in the enterprise register) and never a number used by another region's project. The task
book (milestones, goals, the signature) is the bureau's, as on the project page (services.may_set_task_book): a
district's file registers a new project without one and gives a stored project's as it is."""

from __future__ import annotations

import io
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kechuang.core import exports, registry
from kechuang.core.imports import (
    Column,
    Importer,
    RowError,
    Sheet,
    cell_text,
    choice_labels,
    locate_columns,
    model_errors,
    parse_cell,
    read_workbook,
)
from kechuang.core.models import OrgUnit
from kechuang.core.roles import BUREAU, Role
from kechuang.core.scope import can_write_unit, writable_pks
from kechuang.projects import services
from kechuang.projects.models import Call, FundingMode, Milestone, Mode, PerformanceGoal, Plan, Project

MAX_UPLOAD_MB = 10
MAX_ROWS = 20_000
IMPORTERS = BUREAU | {Role.DISTRICT_OFFICER}
PROJECTS, MILESTONES, GOALS = "projects", "milestones", "goals"
ORDER = [PROJECTS, MILESTONES, GOALS]
CENT = Decimal("0.01")
# Cells kept whole up to this length (core.imports cuts text cells at 300 characters; a milestone's indicators is a
# text field, and a cut one would read as a change on the next import).
LONG_TEXT = {"indicators": 4000}


def sheets() -> dict[str, dict[str, Any]]:
    """Each sheet: its title and columns; `english` gives each column's English name for the instructions."""
    return {
        PROJECTS: {
            "title": "项目",
            "english": "Projects",
            "columns": [
                (Column("code", "项目编号", "text", required=True), "Project number"),
                (Column("title", "项目名称", "text", required=True), "Title"),
                (Column("plan", "计划类别", "choice", required=True, choices=Plan), "Plan"),
                (Column("mode", "组织方式", "choice", required=True, choices=Mode), "Organisation mode"),
                (Column("funding_mode", "资助方式", "choice", required=True, choices=FundingMode), "Funding mode"),
                (Column("call", "榜单/指南编号", "text"), "Call number (optional)"),
                (Column("credit_code", "承担单位统一社会信用代码", "code", required=True), "Lead unit's credit code"),
                (Column("lead_unit", "承担单位", "text"), "Lead unit (default: the register's name)"),
                (Column("department", "主管部门", "text"), "Competent department (optional)"),
                (Column("chief_scientist", "项目负责人/首席科学家", "text"), "PI / chief scientist"),
                (Column("start_on", "开始日期", "date", required=True), "Start (YYYY-MM-DD)"),
                (Column("end_on", "结束日期", "date", required=True), "End (YYYY-MM-DD)"),
                (Column("budget_fiscal_wan", "财政资金（万元）", "money", required=True), "Fiscal funds (10k yuan)"),
                (Column("budget_self_wan", "自筹资金（万元）", "money"), "Self-raised (10k yuan)"),
                (Column("lump_sum", "包干制", "bool"), "Lump sum (是/否)"),
                (Column("state", "状态", "choice", choices=Project.State), "State (new: approved or in progress)"),
            ],
        },
        MILESTONES: {
            "title": "任务书节点",
            "english": "Task-book milestones",
            "columns": [
                (Column("code", "项目编号", "text", required=True), "Project number"),
                (Column("seq", "节点序号", "int", required=True), "Milestone no."),
                (Column("due_on", "节点日期", "date", required=True), "Due (YYYY-MM-DD)"),
                (Column("indicators", "考核指标", "text", required=True), "Indicators"),
                (Column("payment_share", "拨付比例（%）", "money", required=True), "Payment share (%)"),
            ],
        },
        GOALS: {
            "title": "绩效目标",
            "english": "Performance goals",
            "columns": [
                (Column("code", "项目编号", "text", required=True), "Project number"),
                (Column("level", "一级指标", "choice", required=True, choices=PerformanceGoal.Level), "Level 1"),
                (Column("sublevel", "二级指标", "text"), "Level 2"),
                (Column("indicator", "三级指标", "text", required=True), "Indicator"),
                (Column("target", "目标值", "money", required=True, signed=True), "Target"),
                (Column("unit", "计量单位", "text", required=True), "Unit"),
                (Column("direction", "指标方向", "choice", required=True, choices=PerformanceGoal.Direction),
                 "Direction"),
                (Column("weight", "权重", "money", required=True), "Weight (the table sums to 100)"),
            ],
        },
    }  # fmt: skip


def columns(key: str) -> list[Column]:
    return [c for c, _english in sheets()[key]["columns"]]


def may_import(user: Any) -> bool:
    return getattr(user, "is_authenticated", False) and getattr(user, "role", None) in IMPORTERS


# ---------------------------------------------------------------------------------------------------- the template
def notes() -> list[str]:
    """The instructions sheet, Chinese with English; the entry states by the drop-down's own labels."""
    approved, in_progress = choice_labels(Project.State)[:2]
    return [
        "填写说明 Instructions",
        "1. 三个工作表以“项目编号”关联：一个项目在“项目”表占一行，其任务书节点和绩效目标分别列在另两个表。"
        " Three sheets joined by the project number: one row per project; its milestones and goals in the other two.",
        "2. 带 * 的列必须填写；日期格式 YYYY-MM-DD；金额单位为万元。"
        " Columns marked * are required; dates as YYYY-MM-DD; money in 万元 (10k yuan).",
        "3. 承担单位须已在企业库中，所属区县取自企业库；区县用户只能导入本辖区企业的项目。"
        " The lead unit must be in the enterprise register (its region comes from there); a district imports only its"
        " own firms' projects.",
        "4. 同一项目编号再次导入即为更新：任务书签订前可修改全部内容；签订后只能更正名称类信息，"
        "日期、资金、节点和绩效目标须通过项目页面的变更申请办理；已验收、未通过验收或已终止的项目不能修改。"
        " A known number updates: everything before the task book is signed, afterwards names only (dates, money,"
        " milestones and goals change by a change request), nothing once closed.",
        f"5. 新增项目的状态只能为“{approved}”或“{in_progress}”（任务书已签订，节点拨付比例合计须为 100%）；"
        "以后的状态变化在项目页面办理。"
        " A new project enters as approved or in progress (signed: the payment shares sum to 100 %).",
        "6. 每个项目须有完整的绩效目标表：含产出指标，权重合计 100。"
        " Every project needs a complete goal table: an output (产出) goal, weights summing to 100.",
        "   任务书（节点、绩效目标、签订）由市科技局确定：区县导入的新项目不填节点和绩效目标，"
        "已有项目的须与现有内容一致。"
        " The task book (milestones, goals, signing) is the bureau's: a district's file gives a new project without"
        " one, and an existing project's as it is stored.",
        "7. 任一行有错误时整个文件均不导入，页面和标注文件会列出全部错误（工作表、行、列和原因）。"
        " A file with any error imports nothing; every error is listed with its sheet, row, column and reason.",
        f"8. 单个文件不超过 {MAX_UPLOAD_MB} MB、每表 {MAX_ROWS:,} 行。"
        f" At most {MAX_UPLOAD_MB} MB, {MAX_ROWS:,} rows a sheet.",
    ]


def template_response() -> HttpResponse:
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    head = book.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1, "text_wrap": True})
    required = book.add_format({"bold": True, "bg_color": "#FCE8D5", "border": 1, "text_wrap": True})
    specs = sheets()
    for spec in specs.values():
        ws = book.add_worksheet(spec["title"])
        for c, (col, _english) in enumerate(spec["columns"]):
            ws.write(0, c, col.label + (" *" if col.required else ""), required if col.required else head)
            ws.set_column(c, c, max(12, len(col.label) * 2 + 2))
            options = {"bool": ["是", "否"], "choice": choice_labels(col.choices)}.get(col.kind)
            if options:
                ws.data_validation(1, c, MAX_ROWS, c, {"validate": "list", "source": options})
        ws.freeze_panes(1, 0)
    lines = notes()
    sheet_notes = book.add_worksheet("说明")
    for r, line in enumerate(lines):
        sheet_notes.write(r, 0, line)
    r = len(lines) + 1
    sheet_notes.write_row(r, 0, ["工作表 Sheet", "列 Column", "English", "必填 Required"], head)
    for spec in specs.values():
        for col, english in spec["columns"]:
            r += 1
            sheet_notes.write_row(
                r, 0, [f"{spec['title']} {spec['english']}", col.label, english, "是" if col.required else ""]
            )
    sheet_notes.set_column(0, 0, 28)
    sheet_notes.set_column(1, 2, 30)
    book.close()
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="project-import-template.xlsx"'
    return response


# ---------------------------------------------------------------------------------------------------- the export
def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return value.normalize() if value == value.to_integral_value() else value
    return "" if value is None else value


def workbook_response(projects: Any) -> Any:
    """The given projects with their milestones and goals in the import layout (choices as the template's Chinese
    labels), so a file exported, corrected and imported again round-trips."""
    ids = list(projects.values_list("pk", flat=True))
    rows = Project.objects.filter(pk__in=ids).select_related("call", "department").order_by("code")
    milestones = Milestone.objects.filter(project_id__in=ids).select_related("project").order_by("project__code", "seq")
    goals = PerformanceGoal.objects.filter(project_id__in=ids).select_related("project").order_by("project__code", "id")
    with translation.override("zh-hans"):
        project_rows = [
            [
                _cell(p.code), p.title, str(p.get_plan_display()), str(p.get_mode_display()),
                str(p.get_funding_mode_display()), p.call.code if p.call else "", p.credit_code, p.lead_unit,
                p.department.name if p.department else "", p.chief_scientist, p.start_on, p.end_on,
                _cell(p.budget_fiscal_wan), _cell(p.budget_self_wan), _cell(p.lump_sum), str(p.get_state_display()),
            ]
            for p in rows.iterator(chunk_size=2000)
        ]  # fmt: skip
        milestone_rows = [
            [m.project.code, m.seq, m.due_on, m.indicators, _cell(m.payment_share)]
            for m in milestones.iterator(chunk_size=2000)
        ]
        goal_rows = [
            [
                g.project.code, str(g.get_level_display()), g.sublevel, g.indicator, _cell(g.target), g.unit,
                str(g.get_direction_display()), _cell(g.weight),
            ]
            for g in goals.iterator(chunk_size=2000)
        ]  # fmt: skip
    data = {PROJECTS: project_rows, MILESTONES: milestone_rows, GOALS: goal_rows}
    return exports.xlsx_response(
        f"projects-{timezone.localdate():%Y%m%d}.xlsx",
        [
            exports.Sheet(spec["title"], [c.label + (" *" if c.required else "") for c, _e in spec["columns"]], data[k])
            for k, spec in sheets().items()
        ],
    )


# ---------------------------------------------------------------------------------------------------- the import
def _text_back(value: Any) -> Any:
    """A text cell as the export wrote it: the apostrophe that neutralised a formula-like start is not data."""
    if isinstance(value, str) and value[:1] == "'" and value[1:2] in exports.FORMULA_STARTS:
        return value[1:]
    return value


def _departments() -> dict[str, OrgUnit]:
    units = OrgUnit.objects.departments().filter(is_active=True)
    return {u.name: u for u in units} | {u.code: u for u in units}


class ProjectImport(Importer):
    kind = "projects"
    label = gettext_lazy("Import projects")
    audit_type = "projects.project"
    page_url = "projects:import"
    max_upload_mb = MAX_UPLOAD_MB

    def sheet_count(self) -> int:
        return len(sheets())

    def may_import(self, user: Any) -> bool:
        return may_import(user)

    def read(self, path: Path, filename: str) -> list[Sheet]:
        titles = {spec["title"]: key for key, spec in sheets().items()}
        return read_workbook(path, titles, max_rows=MAX_ROWS)

    def check(self, actor: Any, sheets_: list[Sheet], progress: Callable[[int], None]) -> tuple[Any, list[RowError]]:
        errors: list[RowError] = []
        by_key = {s.key: s for s in sheets_}
        if PROJECTS not in by_key:
            return {}, [RowError("", 0, "", "", _("The workbook has no sheet 项目 (the projects)."))]
        parsed: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        bad_codes: set[str] = set()
        done = 0
        for key in ORDER:
            sheet = by_key.get(key)
            if sheet is None:
                parsed[key] = []
                continue
            cols = columns(key)
            missing = locate_columns(sheet, [(c.key, c.label, c.required) for c in cols])
            errors.extend(RowError(sheet.title, 1, label, "", _("required column missing")) for label in missing)
            if missing:
                return {}, errors
            rows = []
            for number, cells in sheet.rows[1:]:
                if all(cell_text(v) == "" for v in cells):
                    continue
                values: dict[str, Any] = {}
                for col in cols:
                    pos = sheet.positions.get(col.key)
                    raw = _text_back(cells[pos] if pos is not None and pos < len(cells) else None)
                    try:
                        value = parse_cell(col, raw, {})
                        # money arrives with six places: 200.000000 is 200.00; 3.456 stays and the model refuses it
                        if isinstance(value, Decimal) and value == value.quantize(CENT):
                            value = value.quantize(CENT)
                        if col.key in LONG_TEXT and value:  # a text field: kept whole, not cut at 300 characters
                            value = cell_text(raw)[: LONG_TEXT[col.key]]
                        values[col.key] = value
                    except ValueError as exc:
                        errors.append(RowError(sheet.title, number, col.label, cell_text(raw), str(exc), col.key))
                        bad_codes.add(cell_text(cells[sheet.positions["code"]]) if "code" in sheet.positions else "")
                rows.append((number, values))
                done += 1
                if done % 500 == 0:
                    progress(done)
            parsed[key] = rows
        if not parsed[PROJECTS] and not errors:  # the template as downloaded: said, not a silent "0 imported"
            reason = _("The file has no data rows: fill in the sheet 项目 below its header row.")
            return {}, [RowError(by_key[PROJECTS].title, 0, "", "", reason)]
        projects = self._check_projects(actor, by_key[PROJECTS], parsed[PROJECTS], errors, bad_codes)
        self._check_task_books(by_key, parsed, projects, errors, bad_codes, services.may_set_task_book(actor))
        clean = [
            (number, code, values, parsed_task_book)
            for code, (number, values, parsed_task_book) in projects.items()
            if code not in bad_codes
        ]
        return {"projects": clean, "sheet": by_key[PROJECTS]}, errors

    def _check_projects(
        self, actor: Any, sheet: Sheet, rows: list[tuple[int, dict[str, Any]]], errors: list[RowError], bad: set[str]
    ) -> dict[str, tuple[int, dict[str, Any], dict[str, list]]]:
        """The 项目 rows' references: the firm in the register and in the actor's area, the call, the department,
        the number not repeated and not another region's project; returns number → (row, values, task book)."""
        label = {c.key: c.label for c in columns(PROJECTS)}
        # the firms' register regions: the one lookup every module uses (core.registry.registered_firms)
        firms = registry.registered_firms(v["credit_code"] for _n, v in rows if v.get("credit_code"))
        calls = Call.objects.in_bulk({v["call"] for _n, v in rows if v.get("call")}, field_name="code")
        departments = _departments()
        stored = dict(Project.objects.filter(code__in={v.get("code") for _n, v in rows}).values_list("code", "pk"))
        writable = writable_pks(actor, Project, list(stored.values()))
        out: dict[str, tuple[int, dict[str, Any], dict[str, list]]] = {}

        def error(number: int, key: str, value: Any, reason: str, code: str) -> None:
            errors.append(RowError(sheet.title, number, label[key], cell_text(value)[:100], reason, key))
            bad.add(code)

        for number, values in rows:
            code = values.get("code") or ""
            if not code:
                continue
            if code in out:
                error(number, "code", code, _("This project number appears twice in the sheet."), code)
                continue
            out[code] = (number, values, {MILESTONES: [], GOALS: []})
            if code in stored and stored[code] not in writable:
                error(number, "code", code, _("This project number belongs to a project outside your area."), code)
            firm = firms.get(registry.normalise_credit_code(values.get("credit_code") or ""))
            if values.get("credit_code") and firm is None:
                reason = _("No enterprise of the register has this credit code.")
                error(number, "credit_code", values["credit_code"], reason, code)
            elif firm is not None:
                if not can_write_unit(actor, firm.region):
                    error(
                        number, "credit_code", values["credit_code"], _("This enterprise is outside your area."), code
                    )
                values["region"] = firm.region
                values["lead_unit"] = values.get("lead_unit") or firm.name
            call = None
            if values.get("call"):
                call = calls.get(values["call"])
                if call is None:
                    error(number, "call", values["call"], _("No call has this number."), code)
                else:
                    for key in ("plan", "mode"):
                        if values.get(key) and values[key] != getattr(call, key):
                            shown = getattr(call, f"get_{key}_display")()
                            reason = _("The call %(call)s is of %(value)s.") % {"call": call.code, "value": shown}
                            error(number, key, values[key], reason, code)
            values["call"] = call
            if values.get("department"):
                unit = departments.get(values["department"])
                if unit is None:
                    error(number, "department", values["department"], _("Not a department of the city."), code)
                values["department"] = unit
            else:
                values["department"] = None
            if values.get("start_on") and values.get("end_on") and values["end_on"] <= values["start_on"]:
                error(number, "end_on", values["end_on"], _("The end must come after the start."), code)
            problems = model_errors(
                Project,
                {k: v for k, v in values.items() if k in {*services.PROJECT_IMPORT_FIELDS, "code"} and k != "region"},
                sheet=sheet.title,
                row=number,
                labels=label,
            )
            if problems:
                errors.extend(problems)
                bad.add(code)
        return out

    def _check_task_books(
        self,
        by_key: dict[str, Sheet],
        parsed: dict[str, list[tuple[int, dict[str, Any]]]],
        projects: dict[str, tuple[int, dict[str, Any], dict[str, list]]],
        errors: list[RowError],
        bad: set[str],
        sets_task_books: bool,
    ) -> None:
        """Each milestone and goal row belongs to a project of the 项目 sheet; a project's milestones are numbered
        once, inside its dates, paying out 100 % in all; its goal rows are each valid and make a complete table.
        Only one who may set task books is told a task book is missing: another writer's file gives none for a new
        project (services.project_import refuses any it gives that differs from the stored one)."""
        for key in (MILESTONES, GOALS):
            self._check_sheet(key, by_key, parsed[key], projects, errors, bad, sets_task_books)

    def _check_sheet(
        self,
        key: str,
        by_key: dict[str, Sheet],
        parsed: list[tuple[int, dict[str, Any]]],
        projects: dict[str, tuple[int, dict[str, Any], dict[str, list]]],
        errors: list[RowError],
        bad: set[str],
        sets_task_books: bool,
    ) -> None:
        sheet = by_key.get(key)
        label = {c.key: c.label for c in columns(key)}

        def error(number: int, column: str, value: Any, reason: str, code: str) -> None:
            errors.append(RowError(sheet.title, number, label[column], cell_text(value)[:100], reason, column))
            bad.add(code)

        last_row: dict[str, int] = {}
        for number, values in parsed:
            code = values.get("code") or ""
            if code not in projects:
                if code:
                    error(number, "code", code, _("This project number is not in the sheet 项目."), code)
                continue
            if key == MILESTONES:
                self._check_milestone(projects[code], number, values, lambda *a, c=code: error(*a, c))
            else:
                problems = model_errors(PerformanceGoal, values, sheet=sheet.title, row=number, labels=label)
                errors.extend(problems)
                if problems:
                    bad.add(code)
            projects[code][2][key].append((number, values))
            last_row[code] = number
        for code, (number, values, book) in projects.items():
            rows = [v for _n, v in book[key]]
            if key == MILESTONES:
                if not rows and values.get("state") == "in_progress" and sets_task_books:
                    reason = _("A project in progress has a signed task book: give its milestones in 任务书节点.")
                    self._project_error(errors, by_key[PROJECTS], number, "state", values["state"], reason)
                    bad.add(code)
                shares = [m["payment_share"] for m in rows if m.get("payment_share") is not None]
                total = sum(shares, Decimal(0)).normalize()
                if rows and len(shares) == len(rows) and total != 100:
                    reason = _("The payment shares of project %(code)s sum to %(n)s %%, not 100 %%.") % {
                        "code": code,
                        "n": f"{total:f}",
                    }
                    error(last_row[code], "payment_share", f"{total:f}", reason, code)
            elif not rows and sets_task_books:
                reason = _("The project has no performance goals in the sheet 绩效目标.")
                self._project_error(errors, by_key[PROJECTS], number, "code", code, reason)
                bad.add(code)
            elif rows and all(g.get("level") and g.get("weight") is not None for g in rows):
                for problem in services.goal_problems((g["level"], g["weight"]) for g in rows):
                    reason = _("The goal table of project %(code)s: %(p)s.") % {"code": code, "p": problem}
                    error(last_row[code], "weight", code, reason, code)

    @staticmethod
    def _project_error(errors: list[RowError], sheet: Sheet, number: int, key: str, value: Any, reason: str) -> None:
        label = {c.key: c.label for c in columns(PROJECTS)}
        errors.append(RowError(sheet.title, number, label[key], cell_text(value), reason, key))

    @staticmethod
    def _check_milestone(project: tuple, number: int, values: dict[str, Any], error: Callable[..., None]) -> None:
        _number, project_values, book = project
        if values.get("seq") is not None and values["seq"] in [m["seq"] for _n, m in book[MILESTONES]]:
            error(number, "seq", values["seq"], _("This milestone number appears twice for the project."))
        start, end, due = project_values.get("start_on"), project_values.get("end_on"), values.get("due_on")
        if start and end and due and not (start <= due <= end):
            reason = _("Outside the project's dates (%(start)s to %(end)s).") % {"start": start, "end": end}
            error(number, "due_on", due.isoformat(), reason)
        if values.get("payment_share") is not None and values["payment_share"] > 100:
            error(number, "payment_share", values["payment_share"], _("At most 100 %."))

    def write(self, actor: Any, clean: Any, errors: list[RowError], job: Any) -> dict[str, int]:
        """Each clean project through services.project_import (run even when other rows failed, so that the
        service's own refusals are reported in the same pass; the pipeline then rolls everything back)."""
        counts = {"created": 0, "updated": 0, "unchanged": 0, "milestones": 0, "goals": 0}
        if not clean:
            return counts
        sheet: Sheet = clean["sheet"]
        label = {c.key: c.label for c in columns(PROJECTS)}
        label |= {"milestones": "任务书节点", "goals": "绩效目标", "region": label["credit_code"]}
        for number, code, values, book in clean["projects"]:
            fields = {k: v for k, v in values.items() if k in services.PROJECT_IMPORT_FIELDS}
            fields["budget_self_wan"] = fields.get("budget_self_wan") or Decimal(0)
            fields["lump_sum"] = bool(fields.get("lump_sum"))
            try:
                outcome = services.project_import(
                    actor=actor,
                    code=code,
                    fields=fields,
                    milestones=[m for _n, m in book[MILESTONES]],
                    goals=[g for _n, g in book[GOALS]],
                    state=values.get("state") or "",
                )
            except PermissionDenied as exc:
                errors.append(RowError(sheet.title, number, label["code"], code, str(exc) or _("Not allowed.")))
                continue
            except ValidationError as exc:
                for key, messages in exc.message_dict.items():
                    column = label.get(key, "")
                    shown = cell_text(values.get(key)) if key in values and not hasattr(values[key], "pk") else ""
                    errors.append(RowError(sheet.title, number, column, shown[:100], "；".join(messages), key))
                continue
            counts[outcome] += 1
            if outcome != "unchanged":
                counts["milestones"] += len(book[MILESTONES])
                counts["goals"] += len(book[GOALS])
        return counts

    def done_message(self, counts: dict[str, int]) -> str:
        return _("Imported: %(c)s projects created, %(u)s updated, %(n)s unchanged.") % {
            "c": counts.get("created", 0),
            "u": counts.get("updated", 0),
            "n": counts.get("unchanged", 0),
        }
