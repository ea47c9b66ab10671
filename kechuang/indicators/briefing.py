"""The monthly / quarterly briefing (指标监测简报): targets, status, charts, district ranking and sentences written
from the data; rendered as PDF (WeasyPrint, charts as server-side SVG) and as Excel (XlsxWriter, native charts)."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from kechuang.indicators import charts
from kechuang.indicators.charts import fmt
from kechuang.indicators.progress import HALF, QUOTA_AT_RISK
from kechuang.indicators.selectors import (
    Card,
    forecast_for,
    ranking,
    recent_growth,
    target_cards,
)
from kechuang.policy.models import Policy

STATUS_WORDS = {"on_track": "正常推进", "at_risk": "存在风险", "off_track": "严重滞后", "none": "暂无数据"}
PERIODS = ("monthly", "quarterly")
RANKED = ("high_tech_enterprises", "tech_smes", "rd_intensity", "high_tech_output_share")


@dataclass
class Item:
    card: Card
    sentence: str
    forecast: dict[str, Any] | None
    chart_svg: str = ""
    progress_svg: str = ""


@dataclass
class Briefing:
    title: str
    period_label: str
    generated: dt.datetime
    unit_name: str
    items: list[Item]
    rankings: list[dict[str, Any]]
    summary: dict[str, int]
    demo: bool
    rule: list[str] = field(default_factory=list)


def period_label(period: str, today: dt.date) -> str:
    if period == "quarterly":
        return f"{today.year}年第{(today.month - 1) // 3 + 1}季度"
    return f"{today.year}年{today.month}月"


def _unit_word(unit: str) -> str:
    return _(" percentage points") if unit == "%" else unit


def _status_word(status: str) -> str:
    return {"on_track": _("On track"), "at_risk": _("At risk"), "off_track": _("Off track")}.get(status, _("No data"))


def sentence(card: Card, forecast: dict[str, Any] | None) -> str:
    """Plain-language sentence from the data in the reader's language, e.g. "高新技术企业数量2024年为1,520家，
    距2027年目标（> 2000家）尚差480家，…" or, in English, "… was 1,520家 in 2024, 480家 short of the 2027 target …"."""
    ind, a = card.indicator, card.assessment
    name, unit = ind.name, ind.unit
    if a.latest_value is None:
        return _("%(name)s: no monitoring data yet.") % {"name": name}
    head = _("%(name)s was %(value)s in %(year)s") % {
        "name": name,
        "value": f"{fmt(a.latest_value)}{unit}",
        "year": a.latest_year,
    }
    if card.target_value is None:
        return head + _(", no target allocated to this area yet.")
    if card.quota:
        template = (
            _("%(head)s, meeting the target of %(target)s per period (%(percent)s%% done).")
            if a.status == "on_track"
            else _("%(head)s, short of the target of %(target)s per period (%(percent)s%% done).")
        )
        return template % {
            "head": head,
            "target": f"{fmt(card.target_value)}{unit}",
            "percent": fmt(a.percent_of_target, 0),
        }
    target = {"head": head, "year": card.target_year, "target": card.target_display}
    if a.gap == 0:
        text = _("%(head)s, the %(year)s target (%(target)s) is met") % target
    else:
        text = _("%(head)s, %(gap)s short of the %(year)s target (%(target)s)") % {
            **target,
            "gap": f"{fmt(a.gap)}{_unit_word(unit)}",
        }
    growth = recent_growth(card.series)
    if forecast and forecast.get("forecast"):
        last = forecast["forecast"][-1]
        if growth is not None and a.latest_year is not None:
            simple = a.latest_value * (1 + growth) ** (card.target_year - a.latest_year)
            text += _(", about %(value)s in %(year)s at the last three years' average growth (%(growth)s%%)") % {
                "value": f"{fmt(simple)}{unit}",
                "year": card.target_year,
                "growth": f"{growth * 100:.1f}",
            }
        text += _("; the trend model forecasts %(value)s for %(year)s (%(level)s%% interval %(lower)s–%(upper)s)") % {
            "value": f"{fmt(last['value'])}{unit}",
            "year": card.target_year,
            "level": int(forecast["level"] * 100),
            "lower": fmt(last["lower"]),
            "upper": f"{fmt(last['upper'])}{unit}",
        }
        if forecast.get("probability_of_meeting_target") is not None:
            text += _(", a probability of about %(p)s%% of meeting the target") % {
                "p": f"{forecast['probability_of_meeting_target'] * 100:.0f}"
            }
    needed = forecast.get("required_annual_growth") if forecast else None
    if needed is not None and a.gap:
        text += _(", needing %(growth)s%% growth a year") % {"growth": f"{needed * 100:.1f}"}
    return _("%(text)s. Status: %(status)s.") % {"text": text, "status": _status_word(a.status)}


def build(user: Any, policy: Policy, period: str = "monthly") -> Briefing:
    today = timezone.localdate()
    ctx, unit, cards = target_cards(user, policy)
    items = []
    for card in cards:
        forecast = None
        if not card.quota and card.target_value is not None and len(card.series) >= 3:
            forecast = forecast_for(card.series, card.target_value, card.target_year, card.target.comparator)
        chart = charts.line_chart_svg(
            history=card.series[-11:],
            path=card.assessment.path if not card.quota else None,
            forecast=(forecast or {}).get("forecast"),
            target=card.target_value,
            unit=card.indicator.unit,
            width=330,
            height=150,
        )
        items.append(
            Item(
                card,
                sentence(card, forecast),
                forecast,
                mark_safe(chart),
                mark_safe(charts.progress_svg(card.assessment.percent_of_target, card.status)),
            )
        )
    rankings = []
    targets = {c.indicator.code: c.target for c in cards}
    for code in RANKED:
        card = next((c for c in cards if c.indicator.code == code), None)
        if card is None or not card.series:
            continue
        year = card.series[-1][0]
        rows = ranking(ctx, card.indicator, year, targets.get(code))
        if rows:
            rankings.append(
                {
                    "indicator": card.indicator,
                    "year": year,
                    "rows": rows,
                    "svg": mark_safe(
                        charts.bar_chart_svg([(r["unit"].label, r["value"]) for r in rows], unit=card.indicator.unit)
                    ),
                }
            )
    summary = {k: sum(1 for c in cards if c.status == k) for k in STATUS_WORDS}
    label = period_label(period, today)
    return Briefing(
        title=f"{policy.city.name}科技创新指标监测简报（{label}）",
        period_label=label,
        generated=timezone.localtime(),
        unit_name=unit.name,
        items=items,
        rankings=rankings,
        summary=summary,
        demo=ctx.any_demo,
        rule=rule_lines(),
    )


def rule_lines() -> list[str]:
    return [
        "已达到目标值：正常推进。",
        "否则以最新年度值与规划路径值比较（规划路径自基期年按目标倒排：家数等累加类指标按线性、比重等比率类指标按复合增长）："
        "不低于路径值为正常推进；低于路径值但完成了自基期以来计划增量的"
        f"{int(HALF * 100)}%以上为存在风险；其余为严重滞后。",
        "年度（周期）任务：最新一期完成任务量为正常推进，"
        f"完成{int(QUOTA_AT_RISK * 100)}%以上为存在风险，其余为严重滞后。",
    ]


def render_pdf(briefing: Briefing) -> bytes:
    from weasyprint import HTML

    html = render_to_string("indicators/briefing_pdf.html", {"b": briefing, "status_words": STATUS_WORDS})
    return HTML(string=html).write_pdf()


def render_xlsx(briefing: Briefing) -> bytes:
    import xlsxwriter

    from kechuang.core.http import safe_cell

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    bold = book.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1, "text_wrap": True})
    title = book.add_format({"bold": True, "font_size": 14})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    colours = {"on_track": "#C8E6C9", "at_risk": "#FFE8A3", "off_track": "#F6C6C6", "none": "#E3E7EC"}
    status_fmt = {k: book.add_format({"bg_color": v, "border": 1}) for k, v in colours.items()}

    sheet = book.add_worksheet("目标进展")
    sheet.write(0, 0, briefing.title, title)
    sheet.write(1, 0, f"范围：{briefing.unit_name}　生成时间：{briefing.generated:%Y-%m-%d %H:%M}")
    if briefing.demo:
        sheet.write(2, 0, "注意：本简报含演示数据（生成的序列），仅用于演示，不是官方统计数据。")
    headers = ["指标", "目标", "目标年份", "最新年份", "最新值", "单位", "完成比例(%)", "规划路径值", "状态", "研判"]
    sheet.write_row(4, 0, headers, bold)
    for r, item in enumerate(briefing.items, start=5):
        c, a = item.card, item.card.assessment
        sheet.write_row(
            r,
            0,
            [
                safe_cell(c.indicator.name),
                safe_cell(c.target_display),
                c.target_year,
                a.latest_year or "",
                a.latest_value if a.latest_value is not None else "",
                c.indicator.unit,
                round(a.percent_of_target, 1) if a.percent_of_target is not None else "",
                round(a.planned_value, 2) if a.planned_value is not None and not c.quota else "",
            ],
        )
        sheet.write(r, 8, STATUS_WORDS[c.status], status_fmt[c.status])
        sheet.write(r, 9, safe_cell(item.sentence), wrap)
    sheet.set_column(0, 0, 36)
    sheet.set_column(1, 8, 12)
    sheet.set_column(9, 9, 90)
    rule_row = 6 + len(briefing.items)
    sheet.write(rule_row, 0, "状态判定规则", bold)
    for i, line in enumerate(briefing.rule, start=1):
        sheet.write(rule_row + i, 0, line)

    series_sheet = book.add_worksheet("历史与预测")
    row = 0
    for item in briefing.items:
        c = item.card
        if not c.series:
            continue
        series_sheet.write(row, 0, c.indicator.name, bold)
        series_sheet.write_row(row + 1, 0, ["年份", "实际值", "规划路径", "预测值", "预测下限", "预测上限"], bold)
        path = dict(c.assessment.path or [])
        fc = {f["year"]: f for f in (item.forecast or {}).get("forecast", [])}
        years = sorted({y for y, _ in c.series} | set(path) | set(fc))
        actual = dict(c.series)
        for i, year in enumerate(years, start=row + 2):
            f = fc.get(year, {})
            series_sheet.write_row(
                i,
                0,
                [
                    year,
                    actual.get(year, ""),
                    round(path[year], 4) if year in path else "",
                    f.get("value", ""),
                    f.get("lower", ""),
                    f.get("upper", ""),
                ],
            )
        first, last = row + 2, row + 1 + len(years)
        chart = book.add_chart({"type": "line"})
        for col, name in ((1, "实际值"), (2, "规划路径"), (3, "预测值")):
            chart.add_series(
                {
                    "name": name,
                    "categories": ["历史与预测", first, 0, last, 0],
                    "values": ["历史与预测", first, col, last, col],
                }
            )
        chart.set_title({"name": c.indicator.name, "name_font": {"size": 10}})
        chart.set_size({"width": 520, "height": 240})
        series_sheet.insert_chart(row, 7, chart)
        row = max(last + 2, row + 14)

    rank_sheet = book.add_worksheet("区县排名")
    row = 0
    for block in briefing.rankings:
        ind = block["indicator"]
        rank_sheet.write(row, 0, f"{ind.name}（{block['year']}年）", bold)
        rank_sheet.write_row(row + 1, 0, ["名次", "区县", "数值", "单位", "分解目标", "完成比例(%)"], bold)
        for i, r in enumerate(block["rows"], start=row + 2):
            rank_sheet.write_row(
                i,
                0,
                [
                    r["rank"],
                    r["unit"].name,
                    round(r["value"], 4),
                    ind.unit,
                    r["allocation"] or "",
                    round(r["percent"], 1) if r["percent"] is not None else "",
                ],
            )
        row += len(block["rows"]) + 3
    rank_sheet.set_column(0, 0, 8)
    rank_sheet.set_column(1, 1, 16)
    rank_sheet.set_column(2, 5, 12)
    book.close()
    return buffer.getvalue()
