"""Excel import of achievements, demands, experts and contracts: template with drop-downs, all-or-nothing, every
row error (row, column, value, reason) on the page and in an annotated copy of the workbook.

Uses the shared pieces of kechuang/core/imports.py (`parse_cell`, `Column`, `RowError`, `ImportRejected`,
`annotated_workbook`). Each upload is checked in two passes: every cell is parsed (types, choices, regions in
the user's scope); then, only if no cell failed, every row is built and saved through the module's services in one
transaction, each row in a savepoint so that model validation (`full_clean`) and permission errors of *all* rows
are collected; any error rolls the whole transaction back. Rows are created (an import adds records; edits go
through the pages).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _

from kechuang.core.imports import Column, ImportRejected, RowError, cell_text, parse_cell
from kechuang.core.selectors import regions_for
from kechuang.techmarket import selectors, services
from kechuang.techmarket.models import (
    Achievement,
    Contract,
    ContractField,
    ContractParty,
    ContractType,
    CooperationMode,
    Demand,
    Expert,
    InstitutionType,
    TechField,
    TransferMode,
)

MAX_UPLOAD_MB = 10
MAX_ROWS = 5_000
LIST_SEPARATORS = ("、", "，", ",", ";", "；")

__all__ = ["SPECS", "ImportRejected", "ImportResult", "RowError", "import_workbook", "template_response"]


def _labels(choices) -> dict[str, str]:
    """label → code for a TextChoices, in Chinese (the template's language) and English, plus code → code."""
    out = {}
    for lang in ("zh-hans", "en"):
        with translation.override(lang):
            out |= {str(label): value for value, label in choices.choices}
    return out | {value: value for value in choices.values}


def _zh(choices) -> list[str]:
    with translation.override("zh-hans"):
        return [str(label) for _v, label in choices.choices]


@dataclass(frozen=True)
class TmColumn:
    """A column: `kind` is one of enterprises' kinds (text, date, int, money, bool, region, code) or
    longtext (no 300-character cut), label (one choice, Chinese label or code) or labels (several, 、-separated)."""

    key: str
    label: str
    kind: str
    required: bool = False
    choices: Any = None  # a TextChoices for label / labels

    def parse(self, raw: Any, regions: dict) -> Any:
        text = cell_text(raw)
        if self.kind == "longtext":
            if not text and self.required:
                raise ValueError(_("required"))
            return text
        if self.kind in ("label", "labels"):
            if not text:
                if self.required:
                    raise ValueError(_("required"))
                return "" if self.kind == "label" else []
            mapping = _labels(self.choices)
            parts = [text] if self.kind == "label" else _split(text)
            bad = [p for p in parts if p not in mapping]
            if bad:
                raise ValueError(_("one of: %(choices)s") % {"choices": "、".join(_zh(self.choices))})
            codes = [mapping[p] for p in parts]
            return codes[0] if self.kind == "label" else list(dict.fromkeys(codes))
        value = parse_cell(Column(self.key, self.label, self.kind, self.required), raw, regions)
        if self.kind == "money" and value is not None:
            value = value.normalize()  # 12.000000 → 12: the models keep 2–4 decimal places
        return value


def _split(text: str) -> list[str]:
    for sep in LIST_SEPARATORS[1:]:
        text = text.replace(sep, LIST_SEPARATORS[0])
    return [p.strip() for p in text.split(LIST_SEPARATORS[0]) if p.strip()]


@dataclass
class Spec:
    title: str
    columns: list[TmColumn]
    build: Callable[[dict[str, Any]], Any]  # parsed row → what save takes
    save: Callable[[Any, Any], Any]  # (actor, built) → saved object
    bureau_only: bool = False
    field_columns: dict[str, str] = field(default_factory=dict)  # model field → column key, when they differ
    check: Callable[[dict[str, Any]], list[tuple[str, str]]] | None = None  # row → [(column key, reason)]


# ---------------------------------------------------------------- the four kinds
def _achievement(row: dict[str, Any]) -> Achievement:
    return Achievement(
        title=row["title"],
        abstract=row["abstract"],
        keywords=_split(row["keywords"]) if row["keywords"] else [],
        field=row["field"],
        trl=row["trl"],
        owner_name=row["owner_name"],
        owner_type=row["owner_type"],
        region=row["region"],
        transfer_modes=row["transfer_modes"],
        price_wan=row["price_wan"],
        contact_name=row["contact_name"],
        contact_phone=row["contact_phone"],
        contact_email=row["contact_email"],
        status=Achievement.Status.PUBLISHED if row["publish"] else Achievement.Status.DRAFT,
    )


def _demand(row: dict[str, Any]) -> Demand:
    return Demand(
        enterprise_name=row["enterprise_name"],
        credit_code=row["credit_code"] or "",
        region=row["region"],
        title=row["title"],
        description=row["description"],
        field=row["field"],
        cooperation_mode=row["cooperation_mode"],
        budget_min_wan=row["budget_min_wan"],
        budget_max_wan=row["budget_max_wan"],
        deadline=row["deadline"],
        contact_name=row["contact_name"],
        contact_phone=row["contact_phone"],
        contact_email=row["contact_email"],
    )


def _expert(row: dict[str, Any]) -> Expert:
    return Expert(
        name=row["name"],
        institution=row["institution"],
        title=row["title"],
        field=row["field"],
        expertise=row["expertise"],
        past_projects=row["past_projects"],
        phone=row["phone"],
        email=row["email"],
        region=row["region"],
    )


def _party(row: dict[str, Any], role: str) -> ContractParty:
    region = row[f"{role}_region"]
    code = row[f"{role}_region_code"]
    if not code and region is not None:
        code = services.REGION_CODES.get(region.code, "370300")
    return ContractParty(
        role=role,
        name=row[f"{role}_name"],
        nature=row[f"{role}_nature"],
        region=region,
        region_code=code or "",
    )


def _contract(row: dict[str, Any]) -> tuple[Contract, list[ContractParty]]:
    contract = Contract(
        contract_type=row["contract_type"],
        project_name=row["project_name"],
        subject=row["subject"],
        tech_field=row["tech_field"],
        region=row["region"],
        signed_on=row["signed_on"],
        total_amount_wan=row["total_amount_wan"],
        quantified_goal=row["quantified_goal"],
        acceptance_clause=bool(row["acceptance_clause"]),
        ip_ownership_stated=bool(row["ip_ownership_stated"]),
    )
    return contract, [_party(row, "seller"), _party(row, "buyer")]


def _check_contract(row: dict[str, Any]) -> list[tuple[str, str]]:
    out = []
    for role in ("seller", "buyer"):
        code = row.get(f"{role}_region_code") or ""
        if row.get(f"{role}_region") is None and not code:
            out.append((f"{role}_region_code", _("Give the region code of a party outside the city.")))
        elif code and not (code.isdigit() and len(code) == 6):
            out.append((f"{role}_region_code", _("A region code has 6 digits (GB/T 2260).")))
    return out


def _party_columns(role: str, label: str) -> list[TmColumn]:
    return [
        TmColumn(f"{role}_name", f"{label}名称", "text", True),
        TmColumn(f"{role}_nature", f"{label}性质", "label", True, InstitutionType),
        TmColumn(f"{role}_region", f"{label}所在区县（市内）", "city_region"),
        TmColumn(f"{role}_region_code", f"{label}行政区划代码（市外必填）", "text"),
    ]


SPECS: dict[str, Spec] = {
    "achievement": Spec(
        "科技成果",
        [
            TmColumn("title", "成果名称", "text", True),
            TmColumn("abstract", "成果简介", "longtext", True),
            TmColumn("keywords", "关键词（、分隔）", "text"),
            TmColumn("field", "技术领域", "label", True, TechField),
            TmColumn("trl", "技术成熟度（1–9）", "int", True),
            TmColumn("owner_name", "权属单位", "text", True),
            TmColumn("owner_type", "单位性质", "label", True, InstitutionType),
            TmColumn("region", "所在区县", "region"),
            TmColumn("transfer_modes", "转化方式（、分隔）", "labels", False, TransferMode),
            TmColumn("price_wan", "意向价格（万元）", "money"),
            TmColumn("contact_name", "联系人", "text", True),
            TmColumn("contact_phone", "联系电话", "text", True),
            TmColumn("contact_email", "电子邮箱", "text"),
            TmColumn("publish", "立即发布（是/否）", "bool"),
        ],
        _achievement,
        lambda actor, obj: services.achievement_save(actor=actor, achievement=obj),
        bureau_only=True,
    ),
    "demand": Spec(
        "技术需求",
        [
            TmColumn("enterprise_name", "企业名称", "text", True),
            TmColumn("credit_code", "统一社会信用代码", "code"),
            TmColumn("region", "所在区县", "region", True),
            TmColumn("title", "需求名称", "text", True),
            TmColumn("description", "需求描述", "longtext", True),
            TmColumn("field", "技术领域", "label", True, TechField),
            TmColumn("cooperation_mode", "合作方式", "label", True, CooperationMode),
            TmColumn("budget_min_wan", "预算下限（万元）", "money"),
            TmColumn("budget_max_wan", "预算上限（万元）", "money"),
            TmColumn("deadline", "期望完成日期", "date"),
            TmColumn("contact_name", "联系人", "text", True),
            TmColumn("contact_phone", "联系电话", "text", True),
            TmColumn("contact_email", "电子邮箱", "text"),
        ],
        _demand,
        lambda actor, obj: services.demand_save(actor=actor, demand=obj),
    ),
    "expert": Spec(
        "专家",
        [
            TmColumn("name", "姓名", "text", True),
            TmColumn("institution", "工作单位", "text", True),
            TmColumn("title", "职称", "text"),
            TmColumn("field", "主要领域", "label", True, TechField),
            TmColumn("expertise", "专长", "longtext", True),
            TmColumn("past_projects", "代表项目", "longtext"),
            TmColumn("phone", "手机", "text"),
            TmColumn("email", "电子邮箱", "text"),
            TmColumn("region", "所在区县", "region"),
        ],
        _expert,
        lambda actor, obj: services.expert_save(actor=actor, expert=obj),
        bureau_only=True,
    ),
    "contract": Spec(
        "技术合同",
        [
            TmColumn("contract_type", "合同类型", "label", True, ContractType),
            TmColumn("project_name", "项目名称", "text", True),
            TmColumn("subject", "技术内容", "longtext", True),
            TmColumn("tech_field", "技术领域", "label", True, ContractField),
            TmColumn("region", "登记区县", "region", True),
            TmColumn("signed_on", "签订日期", "date", True),
            TmColumn("total_amount_wan", "合同金额（万元）", "money", True),
            TmColumn("quantified_goal", "量化目标", "text"),
            TmColumn("acceptance_clause", "有验收条款（是/否）", "bool"),
            TmColumn("ip_ownership_stated", "约定知识产权归属（是/否）", "bool"),
            *_party_columns("seller", "卖方"),
            *_party_columns("buyer", "买方"),
        ],
        _contract,
        lambda actor, built: services.contract_save(actor=actor, contract=built[0], parties=built[1]),
        check=_check_contract,
    ),
}


# ---------------------------------------------------------------- template
def template_response(kind: str, user: Any) -> HttpResponse:
    import xlsxwriter

    spec = SPECS[kind]
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    head = book.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1, "text_wrap": True})
    required = book.add_format({"bold": True, "bg_color": "#FCE8D5", "border": 1, "text_wrap": True})
    writable = [r.name for r in regions_for(user, writable=True)]
    city = [r.name for r in regions_for(user)]
    ws = book.add_worksheet(spec.title)
    for c, col in enumerate(spec.columns):
        ws.write(0, c, col.label + (" *" if col.required else ""), required if col.required else head)
        ws.set_column(c, c, max(12, len(col.label) * 2 + 2))
        options = {"region": writable, "city_region": city, "bool": ["是", "否"]}.get(col.kind)
        if col.kind == "label":
            options = _zh(col.choices)
        if options and sum(len(o) + 1 for o in options) < 250:  # Excel's limit on a list validation
            ws.data_validation(1, c, MAX_ROWS, c, {"validate": "list", "source": options})
    ws.freeze_panes(1, 0)
    notes = book.add_worksheet("说明")
    lines = [
        "填写说明 Instructions",
        "1. 带 * 的列必须填写；日期格式 YYYY-MM-DD；金额单位为万元。",
        "2. 选项列填写下拉列表中的文字；多个选项用“、”分隔。",
        "3. 任一行有错误时整个文件均不导入，页面和标注文件会列出全部错误（行、列、值、原因）。",
        f"4. 单个文件不超过 {MAX_UPLOAD_MB} MB、{MAX_ROWS:,} 行；导入即新增记录，修改请在页面上进行。",
    ]
    for col in spec.columns:
        if col.kind in ("label", "labels"):
            lines.append(f"{col.label}：" + "、".join(_zh(col.choices)))
    for r, line in enumerate(lines):
        notes.write(r, 0, line)
    notes.set_column(0, 0, 100)
    book.close()
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="techmarket-{kind}-template.xlsx"'
    return response


# ---------------------------------------------------------------- reading, checking, writing
def read_sheet(path: Path, title: str) -> list[tuple[int, list[Any]]]:
    """(row number, cells) of the sheet called `title` (or the only sheet), header row included. Generic."""
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:
        raise ImportRejected(_("This is not a readable Excel workbook (%(error)s).") % {"error": exc}) from None
    names = [n for n in book.sheet_names if n.strip() == title] or book.sheet_names[:1]
    if not names:
        raise ImportRejected(_("The workbook has none of the sheets %(names)s.") % {"names": title})
    rows = book.get_sheet_by_name(names[0]).to_python(skip_empty_area=False)
    if len(rows) > MAX_ROWS + 1:
        raise ImportRejected(_("At most %(n)s rows per file.") % {"n": f"{MAX_ROWS:,}"})
    return [(i + 1, list(row)) for i, row in enumerate(rows)]


@dataclass
class ImportResult:
    kind: str
    rows: list[tuple[int, list[Any]]]
    errors: list[RowError]
    created: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def _header_positions(spec: Spec, header: list[Any], errors: list[RowError]) -> dict[str, int]:
    found = {cell_text(h).rstrip("*").strip(): i for i, h in enumerate(header)}
    positions = {}
    for col in spec.columns:
        if col.label in found:
            positions[col.key] = found[col.label]
        elif col.required:
            errors.append(RowError(spec.title, 1, col.label, "", _("required column missing")))
    return positions


def _validation_errors(spec: Spec, number: int, exc: ValidationError, row: dict[str, Any]) -> list[RowError]:
    labels = {c.key: c.label for c in spec.columns}
    out = []
    items = exc.message_dict.items() if hasattr(exc, "error_dict") else [("", exc.messages)]
    for name, messages in items:
        key = spec.field_columns.get(name, name)
        label = labels.get(key, "" if name == "__all__" else name)
        value = row.get(key, "")
        shown = value.name if hasattr(value, "name") else ("" if value is None else str(value))
        for message in messages:
            out.append(RowError(spec.title, number, label, shown, message))
    return out


def import_workbook(actor: Any, kind: str, path: Path) -> ImportResult:
    """Check every row; write all of them in one transaction only if none has an error."""
    spec = SPECS[kind]
    if spec.bureau_only and not selectors.is_bureau(actor):
        raise PermissionDenied
    rows = read_sheet(path, spec.title)
    errors: list[RowError] = []
    if not rows:
        raise ImportRejected(_("The sheet is empty."))
    positions = _header_positions(spec, rows[0][1], errors)
    allowed = list(regions_for(actor, writable=True))
    city = list(regions_for(actor))
    scopes = {
        "region": {r.name: r for r in allowed} | {r.code: r for r in allowed},
        "city_region": {r.name: r for r in city} | {r.code: r for r in city},
    }
    parsed: list[tuple[int, dict[str, Any]]] = []
    for number, cells in rows[1:]:
        if not any(cell_text(c) for c in cells):
            continue
        row: dict[str, Any] = {}
        for col in spec.columns:
            raw = cells[positions[col.key]] if col.key in positions and positions[col.key] < len(cells) else None
            try:
                if col.kind == "city_region":
                    row[col.key] = TmColumn(col.key, col.label, "region").parse(raw, scopes["city_region"])
                else:
                    row[col.key] = col.parse(raw, scopes["region"])
            except ValueError as exc:
                errors.append(RowError(spec.title, number, col.label, cell_text(raw), str(exc)))
        if spec.check:
            labels = {c.key: c.label for c in spec.columns}
            for key, reason in spec.check(row):
                errors.append(RowError(spec.title, number, labels[key], str(row.get(key) or ""), reason))
        parsed.append((number, row))
    if not parsed and not errors:
        raise ImportRejected(_("The sheet has no data rows."))
    result = ImportResult(kind, rows, errors)
    if errors:
        return result
    with transaction.atomic():
        for number, row in parsed:
            try:
                with transaction.atomic():
                    spec.save(actor, spec.build(row))
                result.created += 1
            except ValidationError as exc:
                errors.extend(_validation_errors(spec, number, exc, row))
            except PermissionDenied as exc:
                label = next((c.label for c in spec.columns if c.kind == "region"), "")
                value = row.get("region")
                errors.append(
                    RowError(spec.title, number, label, getattr(value, "name", ""), str(exc) or _("not allowed"))
                )
        if errors:
            result.created = 0
            transaction.set_rollback(True)
    return result
