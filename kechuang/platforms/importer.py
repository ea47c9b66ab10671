"""Excel import of platforms, their yearly facts, incubation carriers, their yearly facts and incubatees
(core/imports.py's pipeline: template with drop-downs, every error of the file in one pass, all or nothing).

Each row is parsed and checked cell by cell first; then, inside the pipeline's one transaction, each row goes through
the same service as the pages (scope, roles, the register link, the state rules), and a refusal becomes that row's
error, so a file with any error writes nothing. Upserts by natural key: a platform by name + type + level, a
platform's year by platform + year, a carrier by name, a carrier's year by carrier + year, an incubatee by carrier +
credit code + entry date."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kechuang.core.imports import (
    Column,
    Importer,
    RowError,
    Sheet,
    cell_text,
    choice_labels,
    locate_columns,
    parse_cell,
    read_workbook,
)
from kechuang.core.selectors import regions_for
from kechuang.platforms import services
from kechuang.platforms.models import (
    Carrier,
    Incubatee,
    Level,
    Platform,
    PlatformType,
    Stage,
    State,
)

MAX_UPLOAD_MB = 10
MAX_ROWS = 50_000
ENTRY_STATES = [
    (s, label) for s, label in State.choices if s in ("reserve", "applied", "under_construction", "recognised")
]


def _types() -> list[tuple[str, str]]:
    return list(PlatformType.objects.values_list("code", "name"))


def _platform_key_columns() -> list[Column]:
    return [
        Column("name", "平台名称", "text", required=True),
        Column("type", "平台类型", "choice", required=True, choices=_types()),
        Column("level", "级别", "choice", required=True, choices=Level),
    ]


def sheets() -> dict[str, dict[str, Any]]:
    return {
        "platforms": {
            "title": "创新平台",
            "columns": [
                *_platform_key_columns(),
                Column("region", "所在区县", "region", required=True),
                Column("host_kind", "依托单位类型", "choice", required=True, choices=Platform.HostKind),
                Column("host_name", "依托单位名称", "text"),
                Column("host_credit_code", "依托单位统一社会信用代码", "code"),
                Column("co_builders", "共建单位（多个用；分隔）", "text"),
                Column("industry_chain", "产业链", "text"),
                Column("field", "研究方向", "text"),
                Column("director", "负责人", "text"),
                Column("state", "状态（新增时）", "choice", choices=ENTRY_STATES),
                Column("document", "认定/批准文号", "text"),
                Column("on", "认定/批准日期", "date"),
            ],
        },
        "platform_years": {
            "title": "平台年度数据",
            "columns": [
                *_platform_key_columns(),
                Column("year", "年度", "int", required=True),
                Column("rd_staff", "研发人员", "int"),
                Column("senior_titles", "高级职称人员", "int"),
                Column("rd_spending_wan", "研发投入（万元）", "money"),
                Column("equipment_wan", "仪器设备原值（万元）", "money"),
                Column("space_m2", "场地面积（㎡）", "money"),
                Column("projects", "承担项目数", "int"),
                Column("projects_wan", "项目经费（万元）", "money"),
                Column("invention_patents", "发明专利", "int"),
                Column("standards", "制定标准", "int"),
                Column("transfers", "成果转化项数", "int"),
                Column("transfers_wan", "成果转化收入（万元）", "money"),
                Column("shared_equipment_hours", "仪器共享机时", "int"),
            ],
        },
        "carriers": {
            "title": "孵化载体",
            "columns": [
                Column("name", "载体名称", "text", required=True),
                Column("stage", "阶段", "choice", required=True, choices=Stage),
                Column("specialty", "综合/专业", "choice", required=True, choices=Carrier.Specialty),
                Column("field", "专业领域", "text"),
                Column("level", "级别", "choice", choices=Level),
                Column("region", "所在区县", "region", required=True),
                Column("operator_name", "运营主体", "text", required=True),
                Column("operator_credit_code", "运营主体统一社会信用代码", "code"),
                Column("space_total_m2", "总面积（㎡）", "money"),
                Column("space_incubatee_m2", "在孵企业使用面积（㎡）", "money"),
                Column("fund_wan", "孵化资金（万元）", "money"),
                Column("recognition_document", "认定文号", "text"),
                Column("recognition_date", "认定日期", "date"),
            ],
        },
        "carrier_years": {
            "title": "载体年度数据",
            "columns": [
                Column("carrier", "载体名称", "text", required=True),
                Column("year", "年度", "int", required=True),
                Column("staff", "管理服务人员", "int"),
                Column("mentors", "创业导师", "int"),
                Column("space_occupied_m2", "在孵企业实际使用面积（㎡）", "money"),
                Column("firms_financed", "获得投融资的在孵企业", "int"),
                Column("jobs", "带动就业", "int"),
            ],
        },
        "incubatees": {
            "title": "在孵企业",
            "columns": [
                Column("carrier", "载体名称", "text", required=True),
                Column("credit_code", "统一社会信用代码", "code", required=True),
                Column("entered_on", "入孵日期", "date", required=True),
                Column("state", "状态", "choice", choices=Incubatee.State),
                Column("exited_on", "毕业/离开日期", "date"),
                Column("exit_reason", "离开原因", "text"),
            ],
        },
    }


SHEETS = {
    "platforms": "创新平台",
    "platform_years": "平台年度数据",
    "carriers": "孵化载体",
    "carrier_years": "载体年度数据",
    "incubatees": "在孵企业",
}
ORDER = ["platforms", "platform_years", "carriers", "carrier_years", "incubatees"]


def template_response() -> HttpResponse:
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    head = book.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1, "text_wrap": True})
    for spec in sheets().values():
        ws = book.add_worksheet(spec["title"])
        for c, col in enumerate(spec["columns"]):
            ws.write(0, c, col.label + (" *" if col.required else ""), head)
            ws.set_column(c, c, max(12, len(col.label) * 2 + 2))
            if col.kind == "choice":
                ws.data_validation(1, c, MAX_ROWS, c, {"validate": "list", "source": choice_labels(col.choices)})
        ws.freeze_panes(1, 0)
    notes = book.add_worksheet("说明")
    for r, line in enumerate(
        [
            "填写说明 Instructions",
            "1. 带 * 的列必须填写；日期格式 YYYY-MM-DD；金额单位为万元。",
            "2. 依托单位为企业时须填写其统一社会信用代码，且该企业须已在企业库中；在孵企业同样须在企业库中。",
            "3. 平台以“名称+类型+级别”、载体以名称识别：再次导入即为更新；",
            "   状态只在新增时使用，此后的状态变化在平台页面逐步办理。",
            "4. 新增已认定或在建平台须填写文号和日期，且只能由市科技局办理。",
            "5. 任一行有错误时整个文件均不导入，页面和标注文件会列出全部错误。",
        ]
    ):
        notes.write(r, 0, line)
    notes.set_column(0, 0, 100)
    book.close()
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="platform-import-template.xlsx"'
    return response


def _errors_of(exc: Exception, sheet: Sheet, row: int, values: dict[str, Any]) -> list[RowError]:
    if isinstance(exc, PermissionDenied):
        return [RowError(sheet.title, row, "", "", str(exc) or _("Your role may not change this record."))]
    out = []
    for key, messages in getattr(exc, "message_dict", {"": exc.messages}).items():
        label = sheet.labels.get(key, "" if key == "__all__" else key)
        out.append(RowError(sheet.title, row, label, cell_text(values.get(key)), "；".join(messages), key))
    return out


class PlatformImport(Importer):
    kind = "platforms"
    label = gettext_lazy("Import platforms and incubation carriers")
    audit_type = "platforms.platform"
    page_url = "platforms:import"
    max_upload_mb = MAX_UPLOAD_MB

    def sheet_count(self) -> int:
        return len(SHEETS)

    def read(self, path: Path, filename: str) -> list[Sheet]:
        return read_workbook(path, {title: key for key, title in SHEETS.items()}, max_rows=MAX_ROWS)

    def check(self, actor: Any, sheets_: list[Sheet], progress: Callable[[int], None]):
        specs = sheets()
        allowed = list(regions_for(actor, writable=True))
        regions = {r.name: r for r in allowed} | {r.code: r for r in allowed}
        clean: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        errors: list[RowError] = []
        done = 0
        for sheet in sheets_:
            columns = specs[sheet.key]["columns"]
            missing = locate_columns(sheet, [(c.key, c.label, c.required) for c in columns])
            for label in missing:
                errors.append(RowError(sheet.title, 1, label, "", _("required column missing")))
            if missing:
                continue
            rows = []
            for number, cells in sheet.rows[1:]:
                if all(cell_text(c) == "" for c in cells):
                    continue
                values: dict[str, Any] = {}
                for col in columns:
                    pos = sheet.positions.get(col.key)
                    raw = cells[pos] if pos is not None and pos < len(cells) else None
                    try:
                        values[col.key] = parse_cell(col, raw, regions)
                    except ValueError as exc:
                        errors.append(RowError(sheet.title, number, col.label, cell_text(raw), str(exc), col.key))
                rows.append((number, values))
                done += 1
                if done % 500 == 0:
                    progress(done)
            clean[sheet.key] = rows
        return {"clean": clean, "sheets": {s.key: s for s in sheets_}}, errors

    def write(self, actor: Any, clean: Any, errors: list[RowError], job: Any) -> dict[str, int]:
        if errors:
            return {}
        counts = dict.fromkeys(ORDER, 0)
        types = {t.code: t for t in PlatformType.objects.all()}
        for key in ORDER:
            sheet = clean["sheets"].get(key)
            for number, values in clean["clean"].get(key, []):
                try:
                    getattr(self, f"_write_{key}")(actor, values, types)
                except (ValidationError, PermissionDenied) as exc:
                    errors.extend(_errors_of(exc, sheet, number, values))
                else:
                    counts[key] += 1
        return counts

    def _platform(self, actor: Any, values: dict[str, Any], types: dict[str, PlatformType]) -> Platform | None:
        return (
            Platform.objects.writable_by(actor)
            .filter(name=values["name"], type=types[values["type"]], level=values["level"])
            .first()
        )

    def _write_platforms(self, actor: Any, values: dict[str, Any], types: dict[str, PlatformType]) -> None:
        data = {
            "name": values["name"],
            "type": types[values["type"]],
            "level": values["level"],
            "region": values["region"],
            "host_kind": values["host_kind"],
            "host_name": values["host_name"],
            "host_credit_code": values["host_credit_code"] or "",
            "co_builders": "\n".join(
                p.strip() for p in (values["co_builders"] or "").replace(";", "；").split("；") if p.strip()
            ),
            "industry_chain": values["industry_chain"],
            "field": values["field"],
            "director": values["director"],
        }
        found = self._platform(actor, values, types)
        if found is not None:
            services.platform_update(actor=actor, platform=found, data=data)
            return
        services.platform_create(
            actor=actor,
            data=data,
            initial_state=values["state"] or State.RESERVE,
            document=values["document"] or "",
            on=values["on"],
        )

    def _write_platform_years(self, actor: Any, values: dict[str, Any], types: dict[str, PlatformType]) -> None:
        found = self._platform(actor, values, types)
        if found is None:
            raise ValidationError({"name": _("No platform you may change has this name, type and level.")})
        data = {k: v for k, v in values.items() if k not in ("name", "type", "level", "year")}
        services.platform_year_save(actor=actor, platform=found, year=values["year"], data=data)

    def _carrier(self, actor: Any, name: str) -> Carrier | None:
        return Carrier.objects.writable_by(actor).filter(name=name).first()

    def _write_carriers(self, actor: Any, values: dict[str, Any], types: dict[str, PlatformType]) -> None:
        data = {
            k: (v if v is not None else "")
            if k in ("level", "field", "operator_credit_code", "recognition_document")
            else v
            for k, v in values.items()
        }
        services.carrier_save(actor=actor, data=data, carrier=self._carrier(actor, values["name"]))

    def _write_carrier_years(self, actor: Any, values: dict[str, Any], types: dict[str, PlatformType]) -> None:
        carrier = self._carrier(actor, values["carrier"])
        if carrier is None:
            raise ValidationError({"carrier": _("No carrier you may change has this name.")})
        data = {k: v for k, v in values.items() if k not in ("carrier", "year")}
        services.carrier_year_save(actor=actor, carrier=carrier, year=values["year"], data=data)

    def _write_incubatees(self, actor: Any, values: dict[str, Any], types: dict[str, PlatformType]) -> None:
        carrier = self._carrier(actor, values["carrier"])
        if carrier is None:
            raise ValidationError({"carrier": _("No carrier you may change has this name.")})
        found = Incubatee.objects.filter(
            carrier=carrier, credit_code=values["credit_code"], entered_on=values["entered_on"]
        ).first()
        if found is None:
            found = services.incubatee_add(
                actor=actor, carrier=carrier, credit_code=values["credit_code"], entered_on=values["entered_on"]
            )
        target = values["state"]
        if target and target != found.state:
            if found.state == Incubatee.State.ENTERED and target != Incubatee.State.IN_INCUBATION:
                found = services.incubatee_move(
                    actor=actor, incubatee=found, target=Incubatee.State.IN_INCUBATION, on=found.entered_on
                )
            if target != found.state:
                services.incubatee_move(
                    actor=actor,
                    incubatee=found,
                    target=target,
                    on=values["exited_on"],
                    reason=values["exit_reason"] or "",
                )

    def done_message(self, counts: dict[str, int]) -> str:
        return _(
            "Imported: %(p)s platforms, %(py)s platform years, %(c)s carriers, %(cy)s carrier years, %(i)s incubatees."
        ) % {
            "p": counts.get("platforms", 0),
            "py": counts.get("platform_years", 0),
            "c": counts.get("carriers", 0),
            "cy": counts.get("carrier_years", 0),
            "i": counts.get("incubatees", 0),
        }
