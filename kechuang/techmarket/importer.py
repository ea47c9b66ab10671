"""Excel import of achievements, demands, experts and contracts: template with drop-downs, all-or-nothing, every
row error (row, column, value, reason) on the page and in an annotated copy of the workbook.

One `MarketImport` per kind runs through core/imports.py's pipeline (the job, the worker, the error workbook). Every
cell is parsed (types, choices, regions in the user's scope), then every row is built and saved through the module's
services in the pipeline's one transaction, each row in a savepoint so that model validation (`full_clean`) and
permission errors of *all* rows are collected together with the cell errors (a row with a bad cell is checked by its
model alone); any error rolls the whole transaction back. Rows are created (an import adds records; edits go through
the pages).

Contracts may be historical registered ones: a row with a registration date is imported as registered under the
rule version of its application (or signing) date, after the registry's own checks (`registration.
registrability_problems`, `registration.amount_problems`), with a registration number unique in the file and the
database; the indicator module hears of the registered turnover after commit (`feed.turnover_changed`).
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
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kechuang.core.codes import TechField
from kechuang.core.imports import (
    Column,
    Importer,
    ImportRejected,
    RowError,
    Sheet,
    cell_text,
    choice_labels,
    choice_lookup,
    locate_columns,
    parse_cell,
    read_workbook,
    validation_errors,
)
from kechuang.core.permissions import is_bureau
from kechuang.core.selectors import regions_for
from kechuang.techmarket import feed, registration, services
from kechuang.techmarket.forms import split_terms
from kechuang.techmarket.models import (
    ACHIEVEMENT_FIELDS,
    DEMAND_FIELDS,
    Achievement,
    Contract,
    ContractField,
    ContractParty,
    ContractType,
    Expert,
    InstitutionType,
    NonTechnicalItem,
    validate_patent_numbers,
)

MAX_UPLOAD_MB = 10
MAX_ROWS = 5_000
LIST_SEPARATORS = ("、", "，", ",", ";", "；")

__all__ = ["SPECS", "ImportRejected", "MarketImport", "RowError", "importers", "template_response"]


def _labels(choices) -> dict[str, str]:
    """label → code for a TextChoices, in Chinese (the template's language) and English, plus code → code."""
    return choice_lookup(choices)


def _zh(choices) -> list[str]:
    return choice_labels(choices)


@dataclass(frozen=True)
class TmColumn:
    """A column: `kind` is one of enterprises' kinds (text, date, int, money, bool, region, code) or
    longtext (no 300-character cut), label (one choice, Chinese label or code) or labels (several, 、-separated)."""

    key: str
    label: str
    kind: str
    required: bool = False
    choices: Any = None  # a TextChoices for label / labels
    options: tuple[str, ...] = ()  # the template's drop-down for a text column (the value is checked elsewhere)

    def empty(self) -> Any:
        """The value of an empty cell: what a row holds where a cell could not be read."""
        if self.kind == "labels":
            return []
        return "" if self.kind in ("text", "longtext", "label") else None

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
    # all parsed rows → [(row number, column key, reason)], for rules across rows (unique numbers)
    check_rows: Callable[[list[tuple[int, dict[str, Any]]]], list[tuple[int, str, str]]] | None = None
    after: Callable[[list[Any]], None] | None = None  # the saved objects, inside the transaction, when all saved
    notes: Callable[[], list[str]] | None = None  # extra lines for the template's instructions


# ---------------------------------------------------------------- the four kinds
def _achievement(row: dict[str, Any]) -> Achievement:
    lists = {
        "keywords": _split(row["keywords"]) if row["keywords"] else [],
        "patent_numbers": _patents(row["patent_numbers"]),
    }
    status = Achievement.Status.PUBLISHED if row["publish"] else Achievement.Status.DRAFT
    return ACHIEVEMENT_FIELDS.build(row | lists, status=status)


def _patents(text: str) -> list[str]:
    """Patent numbers as the achievement form reads them: separated by 、, commas, semicolons or spaces."""
    return [p.upper() for p in split_terms(text)]


def _check_achievement(row: dict[str, Any]) -> list[tuple[str, str]]:
    try:
        validate_patent_numbers(_patents(row.get("patent_numbers") or ""))
    except ValidationError as exc:
        return [("patent_numbers", message) for message in exc.messages]
    return []


def _expert(row: dict[str, Any]) -> Expert:
    return Expert(
        name=row["name"],
        institution=row["institution"],
        title=row["title"],
        field=row["field"],
        fields=[f for f in row["fields"] if f != row["field"]],
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
        code = region.region_code
    return ContractParty(
        role=role,
        name=row[f"{role}_name"],
        credit_code=row[f"{role}_credit_code"] or "",
        nature=row[f"{role}_nature"],
        region=region,
        region_code=code or "",
    )


def _rule_version(row: dict[str, Any]) -> str:
    """The rules a contract falls under: those of its application date, else of its signing date."""
    return registration.rule_version_for(row.get("submitted_on") or row.get("signed_on"))


def _contract(row: dict[str, Any]) -> tuple[Contract, list[ContractParty], list[NonTechnicalItem]]:
    registered = row["registered_on"] is not None
    contract = Contract(
        contract_type=row["contract_type"],
        sub_type=row["sub_type"],
        project_name=row["project_name"],
        subject=row["subject"],
        tech_field=row["tech_field"],
        region=row["region"],
        signed_on=row["signed_on"],
        valid_from=row["valid_from"],
        valid_until=row["valid_until"],
        total_amount_wan=row["total_amount_wan"],
        quantified_goal=row["quantified_goal"],
        acceptance_clause=bool(row["acceptance_clause"]),
        ip_ownership_stated=bool(row["ip_ownership_stated"]),
        licence_scope=row["licence_scope"],
        deliverable=row["deliverable"],
        in_writing=row["in_writing"] is not False,  # empty: the model's default, a written contract
        seals_consistent=row["seals_consistent"] is not False,
        status=Contract.Status.REGISTERED if registered else Contract.Status.DRAFT,
        rule_version=_rule_version(row) if registered else "",
        submitted_on=row["submitted_on"],
        registered_on=row["registered_on"],
        registration_number=row["registration_number"],
        technology_amount_wan=row["technology_amount_wan"],
        amount_note=row["amount_note"],
    )
    items = []
    if row["non_technical_wan"]:
        items.append(
            NonTechnicalItem(
                kind=NonTechnicalItem.Kind.EQUIPMENT,
                amount_wan=row["non_technical_wan"],
                description=NON_TECHNICAL_LABEL,
            )
        )
    return contract, [_party(row, "seller"), _party(row, "buyer")], items


def _save_contract(actor: Any, built: tuple[Contract, list[ContractParty], list[NonTechnicalItem]]) -> Contract:
    """A draft as the pages save it; a registered row only by the registry and only if it could be registered."""
    contract, parties, items = built
    if contract.status == Contract.Status.REGISTERED:
        if not is_bureau(actor):
            raise ValidationError({"registered_on": _("Only the registry (bureau staff) may do this.")})
        problems = registration.registrability_problems(contract, parties)
        problems |= registration.amount_problems(
            contract.total_amount_wan,
            [registration.Item(i.kind, i.amount_wan, i.quantity) for i in items],
            contract.technology_amount_wan,
            contract.amount_note,
        )
        if problems:
            raise ValidationError(problems)
    return services.contract_save(actor=actor, contract=contract, parties=parties, items=items)


def _contracts_saved(contracts: list[Contract]) -> None:
    years = {c.registered_on.year for c in contracts if c.status == Contract.Status.REGISTERED}
    feed.turnover_changed(years)  # nothing when no row was registered


def _check_contract(row: dict[str, Any]) -> list[tuple[str, str]]:
    out = []
    for role in ("seller", "buyer"):
        code = row.get(f"{role}_region_code") or ""
        if row.get(f"{role}_region") is None and not code:
            out.append((f"{role}_region_code", _("Give the region code of a party outside the city.")))
        elif code and not (code.isdigit() and len(code) == 6):
            out.append((f"{role}_region_code", _("A region code has 6 digits (GB/T 2260).")))
    kind = row.get("contract_type")
    problem = (
        kind
        and row.get("signed_on")
        and registration.sub_type_problem(kind, row.get("sub_type") or "", _rule_version(row))
    )
    if problem:
        out.append(("sub_type", problem))
    registered_on, signed_on = row.get("registered_on"), row.get("signed_on")
    if registered_on is None:
        for key in ("registration_number", "technology_amount_wan"):
            if row.get(key) not in (None, ""):
                out.append((key, _("Only a registered contract has this: give its registration date too.")))
    else:
        if not row.get("registration_number"):
            out.append(("registration_number", _("A registered contract needs its registration number.")))
        if registered_on > timezone.localdate():
            out.append(("registered_on", _("The registration date is in the future.")))
        if signed_on and registered_on < signed_on:
            out.append(("registered_on", _("The contract was registered before it was signed.")))
        submitted_on = row.get("submitted_on")
        if submitted_on and registered_on < submitted_on:
            out.append(("registered_on", _("The contract was registered before it was applied for.")))
    return out


def _check_registration_numbers(rows: list[tuple[int, dict[str, Any]]]) -> list[tuple[int, str, str]]:
    """A registration number once: not twice in the file, not already in the database."""
    first: dict[str, int] = {}
    out = []
    for number, row in rows:
        value = row.get("registration_number")
        if not value:
            continue
        if value in first:
            out.append(
                (
                    number,
                    "registration_number",
                    _("This registration number is already in row %(row)s.") % {"row": first[value]},
                )
            )
        else:
            first[value] = number
    taken = set(
        Contract.objects.filter(registration_number__in=list(first)).values_list("registration_number", flat=True)
    )
    for value in sorted(taken, key=first.__getitem__):
        out.append((first[value], "registration_number", _("A contract with this registration number already exists.")))
    return out


def _party_columns(role: str, label: str) -> list[TmColumn]:
    return [
        TmColumn(f"{role}_name", f"{label}名称", "text", True),
        TmColumn(f"{role}_credit_code", f"{label}统一社会信用代码", "code"),
        TmColumn(f"{role}_nature", f"{label}性质", "label", True, InstitutionType),
        TmColumn(f"{role}_region", f"{label}所在区县（市内）", "city_region"),
        TmColumn(f"{role}_region_code", f"{label}行政区划代码（市外必填）", "text"),
    ]


NON_TECHNICAL_LABEL = "非技术性费用（万元）"
ALL_SUB_TYPES = tuple(dict.fromkeys(s for subs in registration.SUB_TYPES.values() for s in subs))


def _contract_notes() -> list[str]:
    with translation.override("zh-hans"):
        types = {value: str(label) for value, label in ContractType.choices}
    return [
        "已登记的历史合同：填写登记日期、登记编号和核定技术交易额，按“已登记”导入，并须通过认定登记审查"
        "（书面合同、印章一致、各类合同的必备条款等）；核定额与“合同金额减非技术性费用”不同时须填写核定说明。"
        "不填登记日期的行导入为草稿。",
        f"{NON_TECHNICAL_LABEL}：合同金额中购置设备、仪器、零部件、原材料等的费用，合计填写。",
        *(f"合同子类（{types[k]}）：" + "、".join(subs) for k, subs in registration.SUB_TYPES.items()),
        f"合同子类：{registration.RULES_2026_FROM:%Y-%m-%d} 前申请（无申请日期时按签订日期）的合同适用 2001 年规则，"
        "技术许可的子类归入技术转让。",
    ]


SPECS: dict[str, Spec] = {
    "achievement": Spec(
        "科技成果",
        [
            *ACHIEVEMENT_FIELDS.import_columns(TmColumn),
            TmColumn("publish", "立即发布（是/否）", "bool"),
        ],
        _achievement,
        lambda actor, obj: services.achievement_save(actor=actor, achievement=obj),
        bureau_only=True,
        check=_check_achievement,
    ),
    "demand": Spec(
        "技术需求",
        DEMAND_FIELDS.import_columns(TmColumn),
        DEMAND_FIELDS.build,
        lambda actor, obj: services.demand_save(actor=actor, demand=obj),
    ),
    "expert": Spec(
        "专家",
        [
            TmColumn("name", "姓名", "text", True),
            TmColumn("institution", "工作单位", "text", True),
            TmColumn("title", "职称", "text"),
            TmColumn("field", "主要领域", "label", True, TechField),
            TmColumn("fields", "其他领域（、分隔）", "labels", False, TechField),
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
            TmColumn("sub_type", "合同子类", "text", options=ALL_SUB_TYPES),
            TmColumn("project_name", "项目名称", "text", True),
            TmColumn("subject", "技术内容", "longtext", True),
            TmColumn("tech_field", "技术领域", "label", True, ContractField),
            TmColumn("region", "登记区县", "region", True),
            TmColumn("signed_on", "签订日期", "date", True),
            TmColumn("valid_from", "生效日期", "date"),
            TmColumn("valid_until", "终止日期", "date"),
            TmColumn("total_amount_wan", "合同金额（万元）", "money", True),
            TmColumn("non_technical_wan", NON_TECHNICAL_LABEL, "money"),
            TmColumn("quantified_goal", "量化目标", "text"),
            TmColumn("acceptance_clause", "有验收条款（是/否）", "bool"),
            TmColumn("ip_ownership_stated", "约定知识产权归属（是/否）", "bool"),
            TmColumn("licence_scope", "许可方式（独占/排他/普通）", "label", False, Contract.LicenceScope),
            TmColumn("deliverable", "交付成果（咨询报告等）", "text"),
            TmColumn("in_writing", "书面合同（是/否，默认是）", "bool"),
            TmColumn("seals_consistent", "印章与当事人名称一致（是/否，默认是）", "bool"),
            *_party_columns("seller", "卖方"),
            *_party_columns("buyer", "买方"),
            TmColumn("submitted_on", "申请登记日期", "date"),
            TmColumn("registered_on", "登记日期（已登记合同）", "date"),
            TmColumn("registration_number", "登记编号", "text"),
            TmColumn("technology_amount_wan", "核定技术交易额（万元）", "money"),
            TmColumn("amount_note", "核定说明", "text"),
        ],
        _contract,
        _save_contract,
        field_columns={"non_technical_items": "non_technical_wan"},
        check=_check_contract,
        check_rows=_check_registration_numbers,
        after=_contracts_saved,
        notes=_contract_notes,
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
    as_text = book.add_format({"num_format": "@"})
    writable = [r.name for r in regions_for(user, writable=True)]
    city = [r.name for r in regions_for(user)]
    ws = book.add_worksheet(spec.title)
    for c, col in enumerate(spec.columns):
        ws.write(0, c, col.label + (" *" if col.required else ""), required if col.required else head)
        ws.set_column(c, c, max(12, len(col.label) * 2 + 2))
        options = {"region": writable, "city_region": city, "bool": ["是", "否"]}.get(col.kind)
        if col.kind == "label":
            options = _zh(col.choices)
        if col.options:
            options = list(col.options)
        if col.kind == "code" or col.key == "registration_number":
            ws.set_column(c, c, max(12, len(col.label) * 2 + 2), as_text)  # long digit strings stay exact
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
        *(f"{n}. {line}" for n, line in enumerate(spec.notes() if spec.notes else [], start=5)),
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
KIND_LABELS = {
    "achievement": gettext_lazy("Achievements"),
    "demand": gettext_lazy("Technology demands"),
    "expert": gettext_lazy("Experts"),
    "contract": gettext_lazy("Technology contracts"),
}


def read_sheet(path: Path, title: str) -> Sheet:
    """The sheet called `title` (or the only sheet), header row included."""
    [sheet] = read_workbook(path, {title: title}, max_rows=MAX_ROWS, first_if_none=True)
    if not sheet.rows:
        raise ImportRejected(_("The sheet is empty."))
    return sheet


def _validation_errors(spec: Spec, number: int, exc: ValidationError, row: dict[str, Any]) -> list[RowError]:
    labels = {c.key: c.label for c in spec.columns}
    fields = {name: labels.get(key, "") for name, key in spec.field_columns.items()} | labels
    values = {name: row.get(key) for name, key in spec.field_columns.items()} | row
    return validation_errors(spec.title, number, exc, fields, values)


class MarketImport(Importer):
    """One kind of record (achievements, demands, experts, contracts) from its template."""

    page_url = "techmarket:import"
    max_upload_mb = MAX_UPLOAD_MB

    def __init__(self, key: str) -> None:
        self.key = key
        self.spec = SPECS[key]
        self.kind = f"techmarket.{key}"
        self.label = KIND_LABELS[key]
        self.audit_type = f"techmarket.{key}"

    def may_import(self, user: Any) -> bool:
        return super().may_import(user) and (not self.spec.bureau_only or is_bureau(user))

    def read(self, path: Path, filename: str) -> list[Sheet]:
        return [read_sheet(path, self.spec.title)]

    def check(self, actor: Any, sheets: list[Sheet], progress: Callable[[int], None]):
        """Every cell parsed and every row checked by the module's rules; the services' checks follow in `write`."""
        spec = self.spec
        [sheet] = sheets
        errors: list[RowError] = []
        columns = [(c.key, c.label, c.required) for c in spec.columns]
        for label in locate_columns(sheet, columns):
            key = next(c.key for c in spec.columns if c.label == label)
            errors.append(RowError(spec.title, 1, label, "", _("required column missing"), key))
        positions = sheet.positions
        allowed = list(regions_for(actor, writable=True))
        city = list(regions_for(actor))
        scopes = {
            "region": {r.name: r for r in allowed} | {r.code: r for r in allowed},
            "city_region": {r.name: r for r in city} | {r.code: r for r in city},
        }
        labels = {c.key: c.label for c in spec.columns}
        parsed: list[tuple[int, dict[str, Any]]] = []
        for number, cells in sheet.rows[1:]:
            if number % 500 == 0:
                progress(number - 1)
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
                    errors.append(RowError(spec.title, number, col.label, cell_text(raw), str(exc), col.key))
                    row[col.key] = col.empty()  # the row is still checked by the model below (one report)
            if spec.check:
                for key, reason in spec.check(row):
                    errors.append(RowError(spec.title, number, labels[key], str(row.get(key) or ""), reason, key))
            parsed.append((number, row))
        if spec.check_rows:
            rows_by_number = dict(parsed)
            for number, key, reason in spec.check_rows(parsed):
                value = rows_by_number[number].get(key)
                errors.append(
                    RowError(spec.title, number, labels[key], "" if value is None else str(value), reason, key)
                )
        if not parsed and not errors:
            raise ImportRejected(_("The sheet has no data rows."))
        return parsed, errors

    def write(self, actor: Any, clean: Any, errors: list[RowError], job: Any) -> dict[str, int]:
        """Every row through the services' own checks (full_clean, rights) even when cells failed, each in a
        savepoint, so a file's errors come in one report. A row already reported is checked by its model alone (its
        region may be unreadable, so rights cannot be checked), and only errors on columns not yet reported are
        added (no message twice, no consequence of one)."""
        spec = self.spec
        reported: dict[int, set[str]] = {}
        for e in errors:
            reported.setdefault(e.row, {""}).add(e.column)
        saved = []
        for number, row in clean:
            known = reported.get(number, set())
            try:
                with transaction.atomic():
                    if known:
                        built = spec.build(row)
                        obj = built[0] if isinstance(built, tuple) else built
                        obj.full_clean(validate_unique=False, validate_constraints=False)
                        continue
                    saved.append(spec.save(actor, spec.build(row)))
            except ValidationError as exc:
                errors.extend(e for e in _validation_errors(spec, number, exc, row) if e.column not in known)
            except PermissionDenied as exc:
                column = next((c for c in spec.columns if c.kind == "region"), None)
                label = column.label if column else ""
                if label not in known:
                    value = row.get("region")
                    errors.append(
                        RowError(
                            spec.title,
                            number,
                            label,
                            getattr(value, "name", ""),
                            str(exc) or _("not allowed"),
                            column.key if column else "",
                        )
                    )
            except Exception:
                if not known:
                    raise
                # A row with failed cells may break the build in other ways; its errors are already reported.
        if not errors and spec.after:
            spec.after(saved)
        return {"created": len(saved)}

    def done_message(self, counts: dict[str, int]) -> str:
        return _("%(n)s records imported.") % {"n": counts.get("created", 0)}

    def next_url(self) -> str:
        return f"{reverse(self.page_url)}?kind={self.key}"


def importers() -> list[MarketImport]:
    return [MarketImport(key) for key in SPECS]
