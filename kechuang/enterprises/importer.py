"""Excel import of the register (core/imports.py's pipeline): template with drop-downs, all-or-nothing, every row
error, progress.

A workbook has up to four sheets (enterprises, yearly facts, IP, qualifications); each row is checked
completely — types, identifiers, choices, the user's data scope for new *and* existing records — before
anything is written. With any error nothing is written and every error (sheet, row, column, value,
reason) is listed on the job page and in an annotated copy of the workbook. A clean workbook upserts by
natural key (credit code; + year; + number; + tier and certificate) in one transaction; the changed
enterprises are re-evaluated on the task worker once it commits.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kechuang.core import audit, exports
from kechuang.core.codes import TECH_FIELD_HEADINGS, TechField
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
from kechuang.core.scope import can_write_unit
from kechuang.core.selectors import regions_for
from kechuang.enterprises import facts_builder
from kechuang.enterprises.feed import register_changed
from kechuang.enterprises.ladder.labels import fact_label
from kechuang.enterprises.models import (
    Enterprise,
    EnterpriseYear,
    IntellectualProperty,
    Qualification,
    Tier,
)

MAX_UPLOAD_MB = 20
MAX_ROWS = 200_000


def _fact(key: str, kind: str, *, field: str | None = None, **kw: Any) -> Column:
    """A column for a facts field, headed by its Chinese name from the ladder's one label table."""
    return Column(field or key, fact_label(key, "zh"), kind, **kw)


# Every facts field the tier rules read from a year's row (facts_builder.YEAR_L_FIELDS and the yearly money),
# so that a firm imported from a filled template is never 数据不全 for want of a column.
YEAR_COLUMNS = [
    _fact("operating_revenue_wan", "money"),
    _fact("main_business_revenue_wan", "money"),
    _fact("rd_expense_wan", "money"),
    _fact("domestic_rd_expense_wan", "money"),
    _fact("cost_expense_total_wan", "money"),
    _fact("total_assets_wan", "money"),
    _fact("total_liabilities_wan", "money"),
    _fact("net_profit_wan", "money", signed=True),
    _fact("high_tech_income_wan", "money"),
    _fact("total_income_wan", "money"),
    _fact("equity_financing_qualified_3y_wan", "money"),
    _fact("equity_financing_qualified_2y_wan", "money"),
    _fact("employees_total", "int"),
    _fact("st_staff", "int"),
    _fact("rd_staff", "int"),
    _fact("conversions_3y", "int"),
    _fact("tech_field_in_catalog", "bool"),
    *[_fact(f"hte_expert_points.{key}", "int", field=column) for column, key in facts_builder.EXPERT_FIELDS.items()],
    _fact("strategic_emerging_industry", "bool"),
    _fact("market_segment_years", "float"),
    _fact("market_position_leading", "bool"),
    _fact("niche_market_share_pct", "float"),
    _fact("niche_market_rank_national", "int"),
    _fact("has_own_brand", "bool"),
    _fact("main_product_in_priority_field", "bool"),
    _fact("specialized_platform_score", "float"),
    _fact("digital_level", "int"),
    _fact("quality_items_count", "int"),
    _fact(
        "product_field_category_2022",
        "choice",
        choices=EnterpriseYear._meta.get_field("product_field_category_2022").choices,
    ),
    _fact("local_characteristic_score", "float"),
    _fact("major_incident_or_violation_recent", "bool"),
    _fact("major_incident_or_violation_3y", "bool"),
    _fact("abnormal_or_serious_dishonesty_list", "bool"),
    _fact("prohibited_or_restricted_product", "bool"),
    _fact("rd_deduction_negative_list_industry", "bool"),
]
SHEETS: dict[str, dict[str, Any]] = {
    "enterprises": {
        "title": "企业",
        "columns": [
            Column("credit_code", "统一社会信用代码", "code", True),
            Column("name", "企业名称", "text", True),
            Column("region", "所属区县", "region", True),
            _fact("industry", "text"),
            _fact("tech_field", "choice", choices=TechField, aliases=TECH_FIELD_HEADINGS),
            _fact("registration_date", "date"),
            _fact("is_sme_per_2011_standard", "bool"),
            _fact("resident_enterprise_mainland", "bool"),
        ],
    },
    "years": {
        "title": "年度数据",
        "columns": [
            Column("credit_code", "统一社会信用代码", "code", True),
            Column("year", "年度", "int", True),
            *YEAR_COLUMNS,
        ],
    },
    "ip": {
        "title": "知识产权",
        "columns": [
            Column("credit_code", "统一社会信用代码", "code", True),
            Column("number", "编号", "text", True),
            Column("ip_class", "类别", "choice", True, IntellectualProperty.IPClass),
            Column("kind", "类型", "choice", True, IntellectualProperty.Kind),
            Column("title", "名称", "text"),
            Column("grant_date", "授权日期", "date", True),
            Column("acquisition", "获得方式", "choice", True, IntellectualProperty.Acquisition),
            Column("used_in_prior_hte", "已用于以往高企认定", "bool"),
            Column("high_value", "高价值专利", "bool"),
        ],
    },
    "qualifications": {
        "title": "资质",
        "columns": [
            Column("credit_code", "统一社会信用代码", "code", True),
            Column("tier", "资质类别", "choice", True, Tier),
            Column("certificate_number", "证书编号", "text", True),
            Column("issue_date", "发证日期", "date", True),
            Column("expiry_date", "有效期至", "date", True),
            Column("issuer", "发证机关", "text"),
        ],
    },
}
MODELS = {
    "enterprises": Enterprise,
    "years": EnterpriseYear,
    "ip": IntellectualProperty,
    "qualifications": Qualification,
}
# --- template ---------------------------------------------------------------------------------------


def template_response(user: Any) -> HttpResponse:
    """The import workbook: one sheet per kind of record, drop-downs for coded fields, an instructions sheet."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    head = book.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1, "text_wrap": True})
    required = book.add_format({"bold": True, "bg_color": "#FCE8D5", "border": 1, "text_wrap": True})
    regions = [r.name for r in regions_for(user, writable=True)]
    for spec in SHEETS.values():
        ws = book.add_worksheet(spec["title"])
        for c, col in enumerate(spec["columns"]):
            ws.write(0, c, col.label + (" *" if col.required else ""), required if col.required else head)
            ws.set_column(c, c, max(12, len(col.label) * 2 + 2))
            options = {"region": regions, "bool": ["是", "否"], "choice": choice_labels(col.choices)}.get(col.kind)
            if options:
                ws.data_validation(1, c, MAX_ROWS, c, {"validate": "list", "source": options})
            elif col.kind == "date":
                ws.data_validation(
                    1, c, MAX_ROWS, c, {"validate": "date", "criteria": ">", "value": dt.date(1900, 1, 1)}
                )
        ws.freeze_panes(1, 0)
    notes = book.add_worksheet("说明")
    for r, line in enumerate(
        [
            "填写说明 Instructions",
            "1. 带 * 的列必须填写；日期格式 YYYY-MM-DD；金额单位为万元。",
            "2. 统一社会信用代码须为 18 位且校验位正确（GB 32100-2015）。",
            "3. 同一信用代码（年度数据另加年度）再次导入即为更新，不会重复新增。",
            "4. 任一行有错误时整个文件均不导入，页面和标注文件会列出全部错误。",
            f"5. 单个文件不超过 {MAX_UPLOAD_MB} MB、{MAX_ROWS:,} 行。",
        ]
    ):
        notes.write(r, 0, line)
    notes.set_column(0, 0, 90)
    book.close()
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="enterprise-import-template.xlsx"'
    return response


# --- parsing ----------------------------------------------------------------------------------------


def read(path: Path) -> list[Sheet]:
    """The workbook's known sheets, header row included; bombs are refused before the parser sees them."""
    titles = {spec["title"]: key for key, spec in SHEETS.items()}
    return read_workbook(path, titles, max_rows=MAX_ROWS)


def validate(actor: Any, sheets: list[Sheet], progress: Callable[[int], None] | None = None):
    """Every row of every sheet parsed and checked; returns (clean rows per sheet, errors)."""
    allowed = list(regions_for(actor, writable=True))
    regions = {r.name: r for r in allowed} | {r.code: r for r in allowed}
    errors: list[RowError] = []
    clean: dict[str, list[tuple[int, dict[str, Any]]]] = {key: [] for key in SHEETS}
    checked = 0
    for sheet in sheets:
        spec = SHEETS[sheet.key]
        if not sheet.rows:
            continue
        columns = [(col.key, col.label, col.required) for col in spec["columns"]]
        for label in locate_columns(sheet, columns):
            key = next(col.key for col in spec["columns"] if col.label == label)
            errors.append(RowError(spec["title"], 1, label, "", _("column missing"), key))
        index = sheet.positions
        for number, cells in sheet.rows[1:]:
            checked += 1
            if progress and checked % 500 == 0:
                progress(checked)
            if all(cell_text(c) == "" for c in cells):
                continue
            values: dict[str, Any] = {}
            for col in spec["columns"]:
                if col.key not in index:
                    continue
                raw = cells[index[col.key]] if index[col.key] < len(cells) else None
                try:
                    values[col.key] = parse_cell(col, raw, regions)
                except ValueError as exc:
                    errors.append(RowError(spec["title"], number, col.label, cell_text(raw)[:100], str(exc), col.key))
            labels = {col.key: col.label for col in spec["columns"]}
            errors.extend(model_errors(MODELS[sheet.key], values, sheet=spec["title"], row=number, labels=labels))
            clean[sheet.key].append((number, values))
    _check_references(actor, clean, errors)
    return clean, errors


def _check_references(actor: Any, clean: dict[str, list[tuple[int, dict[str, Any]]]], errors: list[RowError]) -> None:
    """Cross-row checks: duplicates, unknown enterprises, and edit rights on existing enterprises."""
    in_file = {}
    for number, values in clean["enterprises"]:
        code = values.get("credit_code")
        if code in in_file:
            errors.append(
                RowError(
                    SHEETS["enterprises"]["title"],
                    number,
                    "统一社会信用代码",
                    code,
                    _("duplicate of row %(row)s") % {"row": in_file[code]},
                )
            )
        in_file.setdefault(code, number)
    codes = {v.get("credit_code") for rows in clean.values() for _n, v in rows} - {None}
    existing = {e.credit_code: e for e in Enterprise.objects.filter(credit_code__in=codes).select_related("region")}
    for number, values in clean["enterprises"]:
        current = existing.get(values.get("credit_code"))
        # Import-as-update must check the right to edit the existing record, not only to create.
        if current is not None and not can_write_unit(actor, current.region):
            errors.append(
                RowError(
                    SHEETS["enterprises"]["title"],
                    number,
                    "统一社会信用代码",
                    current.credit_code,
                    _("this enterprise belongs to %(region)s, which you may not edit") % {"region": current.region},
                )
            )
    for key in ("years", "ip", "qualifications"):
        title = SHEETS[key]["title"]
        seen: dict[tuple, int] = {}
        for number, values in clean[key]:
            code = values.get("credit_code")
            if code is None:
                continue
            current = existing.get(code)
            if current is None and code not in in_file:
                errors.append(
                    RowError(
                        title, number, "统一社会信用代码", code, _("no such enterprise in the register or in this file")
                    )
                )
            elif current is not None and code not in in_file and not can_write_unit(actor, current.region):
                errors.append(
                    RowError(
                        title,
                        number,
                        "统一社会信用代码",
                        code,
                        _("this enterprise belongs to %(region)s, which you may not edit") % {"region": current.region},
                    )
                )
            natural = {"years": ("year",), "ip": ("number",), "qualifications": ("tier", "certificate_number")}[key]
            natural_key = (code, *(values.get(k) for k in natural))
            if natural_key in seen:
                errors.append(
                    RowError(title, number, "", "", _("duplicate of row %(row)s") % {"row": seen[natural_key]})
                )
            seen.setdefault(natural_key, number)
            if (
                key == "qualifications"
                and values.get("issue_date")
                and values.get("expiry_date")
                and values["expiry_date"] < values["issue_date"]
            ):
                errors.append(
                    RowError(title, number, "有效期至", str(values["expiry_date"]), _("before the issue date"))
                )


@transaction.atomic
def write(actor: Any, clean: dict[str, list[tuple[int, dict[str, Any]]]]) -> dict[str, Any]:
    """Upsert the validated rows (one transaction) and return counts, with the touched enterprises' ids under
    `_ids` for their re-evaluation."""
    summary = {"enterprises_created": 0, "enterprises_updated": 0, "years": 0, "ip": 0, "qualifications": 0}
    touched: set[int] = set()
    for _n, values in clean["enterprises"]:
        enterprise = Enterprise.objects.filter(credit_code=values["credit_code"]).first()
        created = enterprise is None
        enterprise = enterprise or Enterprise(credit_code=values["credit_code"])
        for name, value in values.items():
            if value is not None and name != "credit_code":
                setattr(enterprise, name, value)
        if audit.save(enterprise, actor=actor) or created:
            summary["enterprises_created" if created else "enterprises_updated"] += 1
        touched.add(enterprise.pk)
    ids = dict(
        Enterprise.objects.filter(
            credit_code__in={v["credit_code"] for rows in clean.values() for _n, v in rows}
        ).values_list("credit_code", "pk")
    )
    specs = {
        "years": (EnterpriseYear, ("year",)),
        "ip": (IntellectualProperty, ("number",)),
        "qualifications": (Qualification, ("tier", "certificate_number")),
    }
    for key, (model, natural) in specs.items():
        for _n, values in clean[key]:
            pk = ids[values.pop("credit_code")]
            lookup = {"enterprise_id": pk, **{k: values[k] for k in natural}}
            obj = model.objects.filter(**lookup).first() or model(**lookup)
            for name, value in values.items():
                if value is not None:
                    setattr(obj, name, value)
            if audit.save(obj, actor=actor):
                summary[key] += 1
            touched.add(pk)
    summary["touched"] = len(touched)
    summary["_ids"] = sorted(touched)
    register_changed()
    return summary


# --- the importer -----------------------------------------------------------------------------------


class RegisterImport(Importer):
    kind = "enterprises"
    label = gettext_lazy("Import enterprises")
    audit_type = "enterprises.enterprise"
    page_url = "enterprises:import"
    max_upload_mb = MAX_UPLOAD_MB

    def sheet_count(self) -> int:
        return len(SHEETS)

    def read(self, path: Path, filename: str) -> list[Sheet]:
        return read(path)

    def check(self, actor: Any, sheets: list[Sheet], progress: Callable[[int], None]):
        return validate(actor, sheets, progress)

    def write(self, actor: Any, clean: Any, errors: list[RowError], job: Any) -> dict[str, int]:
        from kechuang.enterprises.services import ladder_schedule

        if errors:
            return {}
        summary = write(actor, clean)
        ladder_schedule(summary.pop("_ids"))
        return summary

    def done_message(self, counts: dict[str, int]) -> str:
        return _(
            "Imported: %(c)s enterprises created, %(u)s updated; %(y)s yearly facts, %(i)s IP items, %(q)s "
            "qualifications written. Their ladder verdicts have been recomputed."
        ) % {
            "c": counts.get("enterprises_created", 0),
            "u": counts.get("enterprises_updated", 0),
            "y": counts.get("years", 0),
            "i": counts.get("ip", 0),
            "q": counts.get("qualifications", 0),
        }


# --- export in the import format ----------------------------------------------------------------------


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, OrgUnit):
        return value.name
    return "" if value is None else value


def register_workbook(enterprises: Any) -> HttpResponse:
    """The given enterprises with their yearly facts, IP and qualifications, in the import template's layout,
    so a workbook can be exported, corrected and imported again (a round trip)."""
    ids = list(enterprises.values_list("pk", flat=True))
    sources = {
        "enterprises": Enterprise.objects.filter(pk__in=ids).select_related("region").order_by("credit_code"),
        "years": EnterpriseYear.objects.filter(enterprise_id__in=ids)
        .select_related("enterprise")
        .order_by("enterprise__credit_code", "year"),
        "ip": IntellectualProperty.objects.filter(enterprise_id__in=ids)
        .select_related("enterprise")
        .order_by("enterprise__credit_code", "number"),
        "qualifications": Qualification.objects.filter(enterprise_id__in=ids)
        .select_related("enterprise")
        .order_by("enterprise__credit_code", "tier", "issue_date"),
    }

    def rows(key: str, columns: list[Any]) -> Any:
        for obj in sources[key].iterator(chunk_size=2000):
            yield [
                obj.enterprise.credit_code
                if col.key == "credit_code" and key != "enterprises"
                else _cell(getattr(obj, col.key))
                for col in columns
            ]

    return exports.xlsx_response(
        f"enterprise-register-{timezone.localdate():%Y%m%d}.xlsx",
        [
            exports.Sheet(
                spec["title"],
                [c.label + (" *" if c.required else "") for c in spec["columns"]],
                rows(key, spec["columns"]),
            )
            for key, spec in SHEETS.items()
        ],
    )
