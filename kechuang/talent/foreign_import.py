"""Excel import of foreign experts, their visits and 引智 projects: one workbook of up to three sheets, all or
nothing (core.imports does the upload checks, the job, the progress and the annotated error workbook).

- 外国专家: a talent of the register (found by its ID or passport number through the blind index, among those the
  importer may see) recorded as a foreign expert, with its host unit and region;
- 来访: one row per stay (one person-visit), the expert named by the same number (recorded before, or on the first
  sheet of the same file);
- 引智项目: one row per project, its experts by their numbers separated by 、 or commas.

Each row goes through the same services as the forms (rights, the host's name from the register, the feed of the
quota counts); a row the services refuse is reported with its sheet, row and column, and nothing is written."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kechuang.core.encrypted import blind_lookup
from kechuang.core.imports import (
    Column,
    Importer,
    RowError,
    Sheet,
    read_workbook,
    validation_errors,
)
from kechuang.talent.engines import idcard
from kechuang.talent.importer import missing_columns, parsed_rows, workbook_template, writable_regions
from kechuang.talent.models import ForeignExpert, Programme, Talent

MAX_ROWS = 20_000
EXPERTS, VISITS, PROJECTS = "外国专家", "来访", "引智项目"
EXPERT_COLUMNS = [
    Column("id_number", "证件号码", "text", required=True),
    Column("host_credit_code", "接待单位统一社会信用代码", "code", required=True),
    Column("host_name", "接待单位", "text"),
    Column("programme", "引才计划", "text"),
    Column("region", "所在区县", "region", required=True),
]
VISIT_COLUMNS = [
    Column("id_number", "证件号码", "text", required=True),
    Column("arrived_on", "来访日期", "date", required=True),
    Column("left_on", "离开日期", "date"),
    Column("purpose", "来访目的", "text"),
]
PROJECT_COLUMNS = [
    Column("title", "项目名称", "text", required=True),
    Column("host_credit_code", "承担单位统一社会信用代码", "code", required=True),
    Column("host_name", "承担单位", "text"),
    Column("region", "所在区县", "region", required=True),
    Column("level", "项目级别", "choice", required=True, choices=Programme.Level),
    Column("year", "立项年度", "int", required=True),
    Column("funding_wan", "经费（万元）", "money"),
    Column("experts", "外国专家证件号码", "text"),
    Column("outcomes", "项目成果", "text"),
]
SHEETS = [(EXPERTS, EXPERT_COLUMNS), (VISITS, VISIT_COLUMNS), (PROJECTS, PROJECT_COLUMNS)]
KEYS = {EXPERTS: "experts", VISITS: "visits", PROJECTS: "projects"}
SEPARATORS = re.compile(r"[、,，;；\s]+")


def template_response(user: Any) -> HttpResponse:
    return workbook_template(user, SHEETS, "foreign-experts-template.xlsx")


def _number(text: Any) -> str:
    return idcard.normalise(str(text or ""))


def _talent_of(actor: Any, number: str) -> Talent | None:
    return Talent.objects.visible_to(actor).filter(**blind_lookup(Talent, "id_number", number), is_active=True).first()


def validate(actor: Any, sheets: list[Sheet], progress: Callable[[int], None] | None = None):
    allowed = list(writable_regions(actor))
    regions = {r.name: r for r in allowed} | {r.code: r for r in allowed}
    programmes = {p.code: p for p in Programme.objects.all()} | {p.name: p for p in Programme.objects.all()}
    errors: list[RowError] = []
    clean: dict[str, list] = {"experts": [], "visits": [], "projects": []}
    by_title = {s.title: s for s in sheets}
    new_experts: dict[str, int] = {}  # number → row of the experts sheet
    for title, columns in SHEETS:
        sheet = by_title.get(title)
        if sheet is None:
            continue
        missing_columns(sheet, columns, title, errors)
        for number, row in parsed_rows(sheet, columns, title, regions, errors, progress):
            if title == EXPERTS:
                _check_expert(actor, number, row, programmes, new_experts, errors)
            elif title == VISITS:
                _check_visit(actor, number, row, new_experts, errors)
            else:
                _check_project(actor, number, row, new_experts, errors)
            clean[KEYS[title]].append((number, row))
    return clean, errors


def _check_expert(actor: Any, number: int, row: dict, programmes: dict, new: dict, errors: list[RowError]) -> None:
    text = _number(row.get("id_number"))
    if not text:
        return
    talent = _talent_of(actor, text)
    if talent is None:
        errors.append(
            RowError(EXPERTS, number, "证件号码", text, _("No talent of the register you may see has this number."))
        )
    elif ForeignExpert.objects.filter(talent=talent).exists():
        errors.append(
            RowError(EXPERTS, number, "证件号码", text, _("This talent is already recorded as a foreign expert."))
        )
    elif text in new:
        errors.append(
            RowError(EXPERTS, number, "证件号码", text, _("the same ID number as row %(n)s") % {"n": new[text]})
        )
    row["talent"] = talent
    new.setdefault(text, number)
    name = row.pop("programme", "") or ""
    if name:
        if name not in programmes:
            errors.append(RowError(EXPERTS, number, "引才计划", name, _("no such programme"), "programme"))
        row["programme"] = programmes.get(name)


def _expert_known(actor: Any, text: str, new: dict) -> bool:
    if text in new:
        return True
    talent = _talent_of(actor, text)
    return talent is not None and ForeignExpert.objects.writable_by(actor).filter(talent=talent).exists()


def _check_visit(actor: Any, number: int, row: dict, new: dict, errors: list[RowError]) -> None:
    text = _number(row.get("id_number"))
    if text and not _expert_known(actor, text, new):
        errors.append(
            RowError(
                VISITS,
                number,
                "证件号码",
                text,
                _("No foreign expert of your region has this number (record it on the sheet 外国专家)."),
                "id_number",
            )
        )
    if row.get("arrived_on") and row.get("left_on") and row["left_on"] < row["arrived_on"]:
        errors.append(
            RowError(VISITS, number, "离开日期", str(row["left_on"]), _("The departure is before the arrival."))
        )


def _check_project(actor: Any, number: int, row: dict, new: dict, errors: list[RowError]) -> None:
    numbers = [_number(x) for x in SEPARATORS.split(row.pop("experts", "") or "") if x.strip()]
    visible = ForeignExpert.objects.visible_to(actor)
    for text in numbers:
        known = text in new or visible.filter(
            talent__in=Talent.objects.filter(**blind_lookup(Talent, "id_number", text))
        )
        if known is not True and not known.exists():
            reason = _("No foreign expert you may see has this number.")
            errors.append(RowError(PROJECTS, number, "外国专家证件号码", text, reason, "experts"))
    row["expert_numbers"] = numbers
    year = row.get("year")
    if year is not None and not 1990 <= year <= 2100:
        errors.append(RowError(PROJECTS, number, "立项年度", str(year), _("not a year")))


class ForeignImport(Importer):
    kind = "talent_foreign"
    label = gettext_lazy("Import foreign experts, visits and projects")
    audit_type = "talent.foreignproject"
    page_url = "talent:foreign_import"

    def may_import(self, user: Any) -> bool:
        return super().may_import(user) and writable_regions(user).exists()

    def sheet_count(self) -> int:
        return len(SHEETS)

    def read(self, path: Path, filename: str) -> list[Sheet]:
        return read_workbook(
            path, {EXPERTS: "experts", VISITS: "visits", PROJECTS: "projects"}, max_rows=MAX_ROWS, first_if_none=False
        )

    def check(self, actor: Any, sheets: list[Sheet], progress: Callable[[int], None]):
        return validate(actor, sheets, progress)

    def write(self, actor: Any, clean: Any, errors: list[RowError], job: Any) -> dict[str, int]:
        from kechuang.talent import services

        if errors:
            return {}
        counts = {"experts": 0, "visits": 0, "projects": 0}
        by_number: dict[str, ForeignExpert] = {}

        def expert_of(text: str) -> ForeignExpert | None:
            if text not in by_number:
                talent = Talent.objects.filter(**blind_lookup(Talent, "id_number", text)).first()
                found = ForeignExpert.objects.filter(talent=talent).first() if talent else None
                if found is not None:
                    by_number[text] = found
            return by_number.get(text)

        def attempt(sheet: str, number: int, columns: list[Column], fn: Callable[[], Any], values: dict) -> Any:
            try:
                return fn()
            except (ValidationError, PermissionDenied) as exc:
                labels = {c.key: c.label for c in columns}
                if isinstance(exc, PermissionDenied):
                    errors.append(RowError(sheet, number, "", "", str(exc) or _("You may not do this.")))
                else:
                    errors.extend(validation_errors(sheet, number, exc, labels, values))
                return None

        for number, row in clean["experts"]:
            data = {k: row.get(k) for k in ("host_credit_code", "host_name", "programme", "region")}
            data["host_name"] = data["host_name"] or ""
            made = attempt(
                EXPERTS,
                number,
                EXPERT_COLUMNS,
                lambda row=row, data=data: services.foreign_expert_create(actor=actor, talent=row["talent"], **data),
                row,
            )
            if made is not None:
                by_number[_number(row["id_number"])] = made
                counts["experts"] += 1
        for number, row in clean["visits"]:
            expert = expert_of(_number(row["id_number"]))
            data = {"expert": expert, "arrived_on": row["arrived_on"], "left_on": row.get("left_on")}
            data["purpose"] = row.get("purpose") or ""
            if attempt(
                VISITS, number, VISIT_COLUMNS, lambda data=data: services.visit_create(actor=actor, **data), row
            ):
                counts["visits"] += 1
        for number, row in clean["projects"]:
            experts = [e for e in (expert_of(t) for t in row["expert_numbers"]) if e is not None]
            data = {k: row.get(k) for k in ("title", "host_credit_code", "region", "level", "year")}
            data |= {
                "host_name": row.get("host_name") or "",
                "outcomes": row.get("outcomes") or "",
                "funding_wan": row.get("funding_wan") or 0,
            }
            made = attempt(
                PROJECTS,
                number,
                PROJECT_COLUMNS,
                lambda data=data, experts=experts: services.project_create(actor=actor, experts=experts, **data),
                row,
            )
            if made is not None:
                counts["projects"] += 1
        return counts

    def done_message(self, counts: dict[str, int]) -> str:
        return _("Imported: %(e)s foreign experts, %(v)s visits, %(p)s projects.") % {
            "e": counts.get("experts", 0),
            "v": counts.get("visits", 0),
            "p": counts.get("projects", 0),
        }
