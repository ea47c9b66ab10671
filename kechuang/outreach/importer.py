"""Excel imports of the outreach registers through the core pipeline (core/imports.py): commissioners, service
logs and popular-science activities, one sheet each. Every row is parsed and checked (cells, the model's own
checks, references, the user's scope) before anything is written; a row the services refuse is reported with its
row number too, and then nothing of the file is kept."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal
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
    model_errors,
    parse_cell,
    read_workbook,
    validation_errors,
)
from kechuang.core.models import OrgUnit
from kechuang.core.selectors import regions_for
from kechuang.outreach import services
from kechuang.outreach.models import Activity, Commissioner, Dispatch, PopsciBase, ServiceLog, ServiceTeam

MAX_UPLOAD_MB = 10
MAX_ROWS = 50_000


def _departments() -> dict[str, OrgUnit]:
    out: dict[str, OrgUnit] = {}
    for unit in OrgUnit.objects.departments().filter(is_active=True):
        for name in (unit.name, unit.short_name, unit.code, *(unit.aliases or [])):
            if name:
                out[name] = unit
    return out


class SheetImport(Importer):
    """One sheet of `columns`; subclasses turn a parsed row into a service call (`save_row`)."""

    title: str
    columns: list[Column]
    model: type
    page_url = "outreach:import"
    max_upload_mb = MAX_UPLOAD_MB
    notes: tuple[str, ...] = ()

    def read(self, path: Path, filename: str) -> list[Sheet]:
        return read_workbook(path, {self.title: self.kind}, max_rows=MAX_ROWS, first_if_none=True)

    def check(self, actor: Any, sheets: list[Sheet], progress: Callable[[int], None]):
        allowed = list(regions_for(actor, writable=True))
        regions = {r.name: r for r in allowed} | {r.code: r for r in allowed}
        departments = _departments()
        errors: list[RowError] = []
        clean: list[tuple[int, dict[str, Any]]] = []
        labels = {c.key: c.label for c in self.columns}
        for sheet in sheets:
            for label in locate_columns(sheet, [(c.key, c.label, c.required) for c in self.columns]):
                errors.append(RowError(self.title, 1, label, "", _("column missing")))
            for number, cells in sheet.rows[1:]:
                if number % 500 == 0:
                    progress(number)
                if all(cell_text(c) == "" for c in cells):
                    continue
                values: dict[str, Any] = {}
                for col in self.columns:
                    at = sheet.positions.get(col.key)
                    if at is None:
                        continue
                    raw = cells[at] if at < len(cells) else None
                    try:
                        if col.kind == "department":
                            text = cell_text(raw)
                            if not text:
                                if col.required:
                                    raise ValueError(_("required"))
                                continue
                            if text not in departments:
                                raise ValueError(_("not a department of the city"))
                            values[col.key] = departments[text]
                        else:
                            values[col.key] = parse_cell(col, raw, regions)
                            if col.kind == "money" and values[col.key] is not None:
                                # the pipeline keeps 6 places; the model keeps 2 and refuses a cell that needs more
                                cents = values[col.key].quantize(Decimal("0.01"))
                                values[col.key] = cents if cents == values[col.key] else values[col.key].normalize()
                    except ValueError as exc:
                        errors.append(RowError(self.title, number, col.label, cell_text(raw)[:100], str(exc), col.key))
                errors.extend(self.row_errors(actor, number, values))
                names = {f.name for f in self.model._meta.concrete_fields} - {"team", "base"}
                fields = {k: v for k, v in values.items() if k in names}
                errors.extend(model_errors(self.model, fields, sheet=self.title, row=number, labels=labels))
                clean.append((number, values))
        return clean, errors

    def row_errors(self, actor: Any, number: int, values: dict[str, Any]) -> list[RowError]:
        return []

    def write(self, actor: Any, clean: Any, errors: list[RowError], job: Any) -> dict[str, int]:
        if errors:
            return {}
        labels = {c.key: c.label for c in self.columns}
        written = 0
        for number, values in clean:
            try:
                self.save_row(actor, values)
                written += 1
            except ValidationError as exc:
                errors.extend(validation_errors(self.title, number, exc, labels, values))
            except PermissionDenied:
                errors.append(RowError(self.title, number, "", "", _("you may not change this record")))
        return {"rows": written}

    def save_row(self, actor: Any, values: dict[str, Any]) -> None:
        raise NotImplementedError

    def done_message(self, counts: dict[str, int]) -> str:
        return _("Imported: %(n)s rows written.") % {"n": counts.get("rows", 0)}

    def template_response(self, user: Any) -> HttpResponse:
        import xlsxwriter

        buffer = io.BytesIO()
        book = xlsxwriter.Workbook(buffer, {"in_memory": True})
        head = book.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1, "text_wrap": True})
        required = book.add_format({"bold": True, "bg_color": "#FCE8D5", "border": 1, "text_wrap": True})
        regions = [r.name for r in regions_for(user, writable=True)]
        departments = [
            d.name for d in OrgUnit.objects.departments().filter(is_active=True).order_by("sort_order", "id")
        ]
        ws = book.add_worksheet(self.title)
        for c, col in enumerate(self.columns):
            ws.write(0, c, col.label + (" *" if col.required else ""), required if col.required else head)
            ws.set_column(c, c, max(12, len(col.label) * 2 + 2))
            options = {
                "region": regions,
                "bool": ["是", "否"],
                "department": departments,
                "choice": choice_labels(col.choices) if col.kind == "choice" else None,
            }.get(col.kind)
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
                "2. 任一行有错误时整个文件均不导入，页面和标注文件会列出全部错误。",
                f"3. 单个文件不超过 {MAX_UPLOAD_MB} MB、{MAX_ROWS:,} 行。",
                *self.notes,
            ]
        ):
            notes.write(r, 0, line)
        notes.set_column(0, 0, 90)
        book.close()
        response = HttpResponse(
            buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = f'attachment; filename="outreach-{self.kind}-template.xlsx"'
        return response


class CommissionerImport(SheetImport):
    kind = "outreach_commissioners"
    label = gettext_lazy("Import S&T commissioners")
    audit_type = "outreach.commissioner"
    title = "科技特派员"
    model = Commissioner
    columns = [
        Column("name", "姓名", "text", True),
        Column("field", "服务领域", "choice", True, Commissioner.Field),
        Column("expertise", "专业特长", "text", True),
        Column("title", "职称", "text"),
        Column("level", "特派员级别", "choice", True, Commissioner.Level),
        Column("employer_kind", "派出单位类型", "choice", True, Commissioner.Employer),
        Column("employer_name", "派出单位", "text", True),
        Column("employer_credit_code", "派出单位统一社会信用代码", "code"),
        Column("team", "所属产业服务团", "text"),
        Column("region", "管理区县", "region", True),
        Column("department", "主管部门", "department", True),
        Column("since", "选派日期", "date"),
    ]
    notes = ("4. 同一姓名与派出单位再次导入即为更新；派出单位为企业时须填写统一社会信用代码。",)

    def row_errors(self, actor: Any, number: int, values: dict[str, Any]) -> list[RowError]:
        team = values.get("team")
        if team and not ServiceTeam.objects.filter(name=team).exists():
            return [RowError(self.title, number, "所属产业服务团", team, _("no such service team"), "team")]
        return []

    def save_row(self, actor: Any, values: dict[str, Any]) -> None:
        data = {k: v for k, v in values.items() if v not in (None, "")}
        if "team" in data:
            data["team"] = ServiceTeam.objects.get(name=data["team"])
        current = Commissioner.objects.filter(name=values["name"], employer_name=values["employer_name"]).first()
        if current is None:
            services.commissioner_create(actor=actor, data=data)
        else:
            services.commissioner_update(actor=actor, commissioner=current, data=data)


class ServiceLogImport(SheetImport):
    kind = "outreach_logs"
    label = gettext_lazy("Import service logs")
    audit_type = "outreach.servicelog"
    title = "服务日志"
    model = ServiceLog
    columns = [
        Column("commissioner", "特派员姓名", "text", True),
        Column("employer", "派出单位", "text", True),
        Column("served", "服务对象", "text", True),
        Column("date", "服务日期", "date", True),
        Column("place", "服务地点", "text", True),
        Column("content", "服务内容", "text", True),
        Column("people_trained", "培训人数", "int"),
        Column("technologies_introduced", "引进技术数", "int"),
        Column("technologies", "引进技术名称", "text"),
        Column("income_effect_wan", "带动增收（万元）", "money"),
    ]
    notes = ("4. 服务对象须为该特派员已登记的选派对象（村、合作社或企业），服务日期须在选派期内。",)

    def _dispatch(self, values: dict[str, Any]) -> Dispatch | None:
        if not values.get("date"):
            return None
        return (
            Dispatch.objects.filter(
                commissioner__name=values.get("commissioner"),
                commissioner__employer_name=values.get("employer"),
                served_name=values.get("served"),
                start__lte=values["date"],
                end__gte=values["date"],
            )
            .select_related("commissioner")
            .first()
        )

    def row_errors(self, actor: Any, number: int, values: dict[str, Any]) -> list[RowError]:
        if not all(values.get(k) for k in ("commissioner", "employer", "served", "date")):
            return []
        dispatch = self._dispatch(values)
        if dispatch is None:
            return [
                RowError(
                    self.title,
                    number,
                    "服务对象",
                    values["served"],
                    _("no dispatch of this commissioner to this party covers the date"),
                    "served",
                )
            ]
        if not Dispatch.objects.writable_by(actor).filter(pk=dispatch.pk).exists():
            return [RowError(self.title, number, "服务对象", values["served"], _("outside the regions you may manage"))]
        return []

    def save_row(self, actor: Any, values: dict[str, Any]) -> None:
        dispatch = self._dispatch(values)
        data = {k: values[k] for k in services.LOG_FIELDS if values.get(k) not in (None, "")}
        services.servicelog_create(actor=actor, dispatch=dispatch, data=data)


class ActivityImport(SheetImport):
    kind = "outreach_activities"
    label = gettext_lazy("Import popular-science activities")
    audit_type = "outreach.activity"
    title = "科普活动"
    model = Activity
    columns = [
        Column("kind", "活动类型", "choice", True, Activity.Kind),
        Column("title", "活动名称", "text", True),
        Column("date", "活动日期", "date", True),
        Column("place", "活动地点", "text", True),
        Column("region", "所属区县", "region", True),
        Column("organiser", "主办单位", "text", True),
        Column("department", "责任部门", "department", True),
        Column("audience", "受众", "choice", True, Activity.Audience),
        Column("participants", "参与人数", "int", True),
        Column("base", "依托科普基地", "text"),
    ]

    def row_errors(self, actor: Any, number: int, values: dict[str, Any]) -> list[RowError]:
        base = values.get("base")
        if base and not PopsciBase.objects.visible_to(actor).filter(name=base).exists():
            return [RowError(self.title, number, "依托科普基地", base, _("no such popular-science base"), "base")]
        return []

    def save_row(self, actor: Any, values: dict[str, Any]) -> None:
        data = {k: v for k, v in values.items() if v not in (None, "")}
        if "base" in data:
            data["base"] = PopsciBase.objects.get(name=data["base"])
        services.activity_create(actor=actor, data=data)


def importers() -> list[SheetImport]:
    return [CommissionerImport(), ServiceLogImport(), ActivityImport()]


def importer_of(kind: str) -> SheetImport | None:
    return next((i for i in importers() if i.kind == kind), None)
