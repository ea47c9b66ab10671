"""The monthly / quarterly briefing (指标监测简报): targets, status, charts, region ranking and sentences written
from the data; rendered as PDF (WeasyPrint, charts as server-side SVG) and as Excel (XlsxWriter, native charts)."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from kechuang.core.registry import BriefingTable, briefing_digests
from kechuang.indicators import charts
from kechuang.indicators.charts import fmt
from kechuang.indicators.models import Observation, ObservationRevision
from kechuang.indicators.selectors import (
    Card,
    approved_observations,
    context_for,
    ranking,
    recent_growth,
    status_counts,
    status_rule_lines,
    target_cards,
)
from kechuang.policy.models import Policy

STATUS_WORDS = {"on_track": "正常推进", "at_risk": "存在风险", "off_track": "严重滞后", "none": "暂无数据"}
PERIODS = ("monthly", "quarterly")
MAX_HEADLINES = 6  # a leader reads the summary in one minute
RANKED = ("high_tech_enterprises", "tech_smes", "rd_intensity", "high_tech_output_share")


@dataclass
class Item:
    card: Card
    sentence: str
    forecast: dict[str, Any] | None
    chart_svg: str = ""
    progress_svg: str = ""
    status: str = "none"  # the one status rule (indicators.selectors.assess_target)


@dataclass
class Section:
    """One numbered part of the briefing after the summary: paragraphs, tables, analysed items, rankings."""

    heading: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[BriefingTable] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    rankings: list[dict[str, Any]] = field(default_factory=list)
    ordered: bool = False  # paragraphs as a numbered list (the rule)


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
    cadence: str = "monthly"
    start: dt.date | None = None
    end: dt.date | None = None
    headlines: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)


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


def window(cadence: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """The calendar month or quarter the briefing covers (the one `today` falls in)."""
    first_month = today.month if cadence == "monthly" else (today.month - 1) // 3 * 3 + 1
    start = today.replace(month=first_month, day=1)
    months = 1 if cadence == "monthly" else 3
    year, month = divmod(first_month - 1 + months, 12)
    return start, dt.date(start.year + year, month + 1, 1) - dt.timedelta(days=1)


def _names(cards: list[Card], limit: int = 4) -> str:
    names = [c.indicator.name for c in cards]
    return "、".join(names[:limit]) + ("等" if len(names) > limit else "")


def status_sentence(cards: list[Card]) -> str:
    """ "纳入监测的11项目标中，1项正常推进（…），1项存在风险（…），…": counts with names."""
    if not cards:
        return "您可查看的指标中没有纳入监测的目标。"
    by_status: dict[str, list[Card]] = {k: [] for k in STATUS_WORDS}
    for card in cards:
        by_status[card.status].append(card)
    parts = []
    for key in ("on_track", "at_risk", "off_track"):
        found = by_status[key]
        parts.append(f"{len(found)}项{STATUS_WORDS[key]}" + (f"（{_names(found)}）" if found else ""))
    if by_status["none"]:
        parts.append(f"{len(by_status['none'])}项{STATUS_WORDS['none']}")
    return f"纳入监测的{len(cards)}项目标中，" + "，".join(parts) + "。"


def _change(before: float, after: float, unit: str) -> tuple[str, float]:
    """The change in words ("增长21.4%", "提高0.2个百分点") and its size for ranking movers."""
    if unit == "%":
        diff = after - before
        return (f"{'提高' if diff >= 0 else '下降'}{fmt(abs(diff), 2)}个百分点", abs(diff) / (abs(before) or 1))
    if not before:
        return "", 0.0
    ratio = after / before - 1
    return f"{'增长' if ratio >= 0 else '下降'}{fmt(abs(ratio) * 100, 1)}%", abs(ratio)


@dataclass
class Move:
    card: Card
    before: Card | None
    size: float


def month_moves(cards: list[Card], cards_before: list[Card]) -> list[Move]:
    """Targets whose latest value or status changed since the start of the month, biggest change first."""
    before = {c.target.pk: c for c in cards_before}
    moves = []
    for card in cards:
        a, old = card.assessment, before.get(card.target.pk)
        b = old.assessment if old else None
        if a.latest_value is None:
            continue
        same = b is not None and (b.latest_year, b.latest_value) == (a.latest_year, a.latest_value)
        if same and old.status == card.status:
            continue
        size = (
            1.0
            if b is None or b.latest_value is None
            else _change(b.latest_value, a.latest_value, card.indicator.unit)[1]
        )
        moves.append(Move(card, old, size))
    return sorted(moves, key=lambda m: -m.size)


def month_move_sentence(moves: list[Move]) -> str:
    if not moves:
        return "本月目标指标数据没有变化。"
    top = moves[0]
    card, a = top.card, top.card.assessment
    unit, name = card.indicator.unit, card.indicator.name
    now = f"{fmt(a.latest_value)}{unit}"
    b = top.before.assessment if top.before else None
    if b is None or b.latest_value is None:
        text = f"本月新增{name}{a.latest_year}年数据{now}，状态为{STATUS_WORDS[card.status]}"
    else:
        pct = _change(b.latest_value, a.latest_value, unit)[0]
        if unit != "%" and b.latest_value:
            sign = "+" if a.latest_value >= b.latest_value else "-"
            pct = f"{sign}{fmt(abs(a.latest_value / b.latest_value - 1) * 100, 1)}%"
        was = f"{fmt(b.latest_value)}{unit}"
        if b.latest_year == a.latest_year:
            text = f"本月变化最大的是{name}：{a.latest_year}年由{was}修订为{now}"
        else:
            text = f"本月变化最大的是{name}：由{b.latest_year}年{was}更新为{a.latest_year}年{now}"
        text += f"（{pct}）" if pct else ""
        old, new = top.before.status, card.status
        text += (
            f"，状态由{STATUS_WORDS[old]}转为{STATUS_WORDS[new]}" if old != new else f"，状态仍为{STATUS_WORDS[new]}"
        )
    if len(moves) > 1:
        text += f"；另有{len(moves) - 1}项目标指标数据有变化"
    return text + "。"


def year_moves(cards: list[Card]) -> list[tuple[Card, str, float]]:
    """Each target's latest value against its previous data point, biggest relative change first."""
    out = []
    for card in cards:
        if len(card.series) < 2:
            continue
        (y0, v0), (y1, v1) = sorted(card.series)[-2:]
        words, size = _change(v0, v1, card.indicator.unit)
        if words:
            out.append((card, f"{y1}年{fmt(v1)}{card.indicator.unit}，较{y0}年{words}", size))
    return sorted(out, key=lambda m: -m[2])


def year_move_sentence(moves: list[tuple[Card, str, float]]) -> str | None:
    if not moves:
        return None
    text = f"与上一期数据相比，变化最大的是{moves[0][0].indicator.name}（{moves[0][1]}）"
    if len(moves) > 1:
        text += f"，其次是{moves[1][0].indicator.name}（{moves[1][1]}）"
    return text + "。"


def forecast_sentence(items: list[Item]) -> str | None:
    probable = [(i.card, i.forecast.get("probability_of_meeting_target")) for i in items if i.forecast]
    probable = [(c, p) for c, p in probable if p is not None]
    if not probable:
        return None
    likely = [c for c, p in probable if p >= 0.8]
    doubtful = [c for c, p in probable if p < 0.5]
    text = f"按趋势预测，有预测的{len(probable)}项目标中，{len(likely)}项到期达标概率在80%以上"
    text += f"，{len(doubtful)}项低于50%（{_names(doubtful)}）" if doubtful else "，没有低于50%的"
    return text + "。"


def _items(cards: list[Card]) -> list[Item]:
    items = []
    for card in cards:
        forecast = card.assessment.forecast
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
                # Safe to mark: the SVGs come from indicators.charts, which escapes every text it draws
                mark_safe(chart),  # nosec B308 B703
                mark_safe(charts.progress_svg(card.assessment.percent_of_target, card.status)),  # nosec B308 B703
                card.status,
            )
        )
    return items


def _rankings(ctx: Any, cards: list[Card]) -> list[dict[str, Any]]:
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
                    # Safe to mark: indicators.charts escapes every label it draws
                    "svg": mark_safe(  # nosec B308 B703
                        charts.bar_chart_svg([(r["unit"].label, r["value"]) for r in rows], unit=card.indicator.unit)
                    ),
                }
            )
    return rankings


def _aware(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def data_updates(user: Any, start: dt.date, end: dt.date) -> tuple[int, int, BriefingTable]:
    """Observations entered and revised in the window, by indicator."""
    since, until = _aware(start), _aware(end + dt.timedelta(days=1))
    new = dict(
        Observation.objects.visible_to(user)
        .filter(created_at__gte=since, created_at__lt=until)
        .values_list("indicator__name")
        .annotate(n=Count("pk"))
        .values_list("indicator__name", "n")
    )
    revised = dict(
        ObservationRevision.objects.visible_to(user)
        .filter(changed_at__gte=since, changed_at__lt=until)
        .values_list("observation__indicator__name")
        .annotate(n=Count("pk"))
        .values_list("observation__indicator__name", "n")
    )
    names = sorted(set(new) | set(revised), key=lambda n: (-(new.get(n, 0) + revised.get(n, 0)), n))
    table = BriefingTable(
        caption="本月观测值录入与修订（按指标）",
        headers=["指标", "新录入（条）", "修订（条）"],
        rows=[[n, new.get(n, 0), revised.get(n, 0)] for n in names],
        note="本月没有录入或修订观测值。" if not names else "",
    )
    return sum(new.values()), sum(revised.values()), table


def _overview_table(items: list[Item], with_forecast: bool) -> BriefingTable:
    headers = ["指标", "目标", "最新值", "完成比例", "状态"]
    if with_forecast:
        headers.insert(4, "达标概率（预测）")
    rows = []
    for item in items:
        c, a = item.card, item.card.assessment
        row = [
            c.indicator.name,
            f"{c.target_display}{'/期' if c.quota else f'（{c.target_year}年）'}",
            f"{fmt(a.latest_value)}{'（' + str(a.latest_year) + '）' if a.latest_year else ''}",
            f"{fmt(a.percent_of_target, 0)}%" if a.percent_of_target is not None else "—",
            STATUS_WORDS[c.status],
        ]
        if with_forecast:
            p = (item.forecast or {}).get("probability_of_meeting_target")
            row.insert(4, f"{p * 100:.0f}%" if p is not None else "—")
        rows.append(row)
    return BriefingTable(caption="目标进展总览", headers=headers, rows=rows)


def _month_change_table(moves: list[Move]) -> BriefingTable:
    rows = []
    for m in moves:
        a, unit = m.card.assessment, m.card.indicator.unit
        b = m.before.assessment if m.before else None
        was = f"{fmt(b.latest_value)}{unit}（{b.latest_year}）" if b and b.latest_value is not None else "—"
        words = _change(b.latest_value, a.latest_value, unit)[0] if b and b.latest_value is not None else "新增"
        old = STATUS_WORDS[m.before.status] if m.before else STATUS_WORDS["none"]
        rows.append(
            [
                m.card.indicator.name,
                was,
                f"{fmt(a.latest_value)}{unit}（{a.latest_year}）",
                words or "—",
                f"{old} → {STATUS_WORDS[m.card.status]}",
            ]
        )
    return BriefingTable(
        caption="目标指标较上月末的变化",
        headers=["指标", "上月末", "目前", "变化", "状态（上月末 → 目前）"],
        rows=rows,
        note="本月目标指标数据没有变化。" if not rows else "",
    )


def _quarter_series(user: Any, unit_code: str, codes: list[str]) -> dict[str, dict[tuple[int, int], float]]:
    """Quarterly (year-to-date) values entered for the focus unit, by indicator."""
    out: dict[str, dict[tuple[int, int], float]] = {}
    for code, year, quarter, value in (
        approved_observations(Observation.objects.visible_to(user))
        .filter(indicator__code__in=codes, region__code=unit_code, quarter__gt=0)
        .values_list("indicator__code", "year", "quarter", "value")
    ):
        out.setdefault(code, {})[(year, quarter)] = float(value)
    return out


def _comparison_table(user: Any, cards: list[Card]) -> BriefingTable:
    """Year on year for every target with two years of data; quarter on quarter where quarterly data exist."""
    quarterly = _quarter_series(user, cards[0].unit.code if cards else "", [c.indicator.code for c in cards])
    rows = []
    for card in cards:
        unit = card.indicator.unit
        q = quarterly.get(card.indicator.code, {})
        if q:
            (y, n) = max(q)
            now = q[(y, n)]
            prev_key = (y, n - 1) if n > 1 else None  # year-to-date values: Q1 has no earlier quarter in the year
            qoq = _change(q[prev_key], now, unit)[0] if prev_key in q else "—"
            yoy = _change(q[(y - 1, n)], now, unit)[0] if (y - 1, n) in q else "—"
            rows.append([card.indicator.name, f"{y}年1–{n * 3}月累计", f"{fmt(now)}{unit}", yoy or "—", qoq or "—"])
        elif len(card.series) >= 2:
            (y0, v0), (y1, v1) = sorted(card.series)[-2:]
            words = _change(v0, v1, unit)[0] if y0 == y1 - 1 else ""
            rows.append([card.indicator.name, f"{y1}年", f"{fmt(v1)}{unit}", words or "—", "—"])
    return BriefingTable(
        caption="主要指标同比、环比",
        headers=["指标", "最新期", "最新值", "同比", "环比（较上一季度累计）"],
        rows=rows,
        note="年度数据只有同比；有季度累计数据的指标另列环比。缺上年同期数据的记为“—”。",
    )


def build(user: Any, policy: Policy, period: str = "monthly", today: dt.date | None = None) -> Briefing:
    """The briefing of the month or the quarter `today` falls in. The two differ by what a leader of each cadence
    needs: the month's changes and deadlines, or the quarter's comparisons, forecasts and progress by department."""
    today = today or timezone.localdate()
    cadence = period if period in PERIODS else "monthly"
    start, end = window(cadence, today)
    ctx, unit, cards = target_cards(user, policy)
    items = _items(cards)
    digests = briefing_digests(user, policy, cadence=cadence, start=start, end=end, today=today)
    headlines = [status_sentence(cards)]
    sections: list[Section] = []
    rankings: list[dict[str, Any]] = []
    numbers = iter("一二三四五六七八九十")
    if cadence == "monthly":
        _ctx, _unit, cards_before = target_cards(user, policy, context_for(user, policy.city, as_of=_aware(start)))
        moves = month_moves(cards, cards_before)
        new, revised, updates = data_updates(user, start, end)
        headlines += [month_move_sentence(moves), f"本月新录入观测值{new}条，修订{revised}条。"]
        sections.append(
            Section(f"{next(numbers)}、本月数据变化（较上月末）", tables=[_month_change_table(moves), updates])
        )
        for digest in digests:
            sections.append(Section(f"{next(numbers)}、{digest.heading}", tables=digest.tables))
        changed = {m.card.target.pk for m in moves}
        sections.append(
            Section(
                f"{next(numbers)}、本月有数据更新的目标指标",
                items=[i for i in items if i.card.target.pk in changed],
                paragraphs=[] if changed else ["本月目标指标没有新的数据。"],
            )
        )
    else:
        rankings = _rankings(ctx, cards)
        headlines += [s for s in (year_move_sentence(year_moves(cards)), forecast_sentence(items)) if s]
        sections.append(Section(f"{next(numbers)}、目标进展与预测", tables=[_overview_table(items, True)]))
        sections.append(Section(f"{next(numbers)}、同比与环比", tables=[_comparison_table(user, cards)]))
        sections.append(Section(f"{next(numbers)}、分项研判", items=items))
        for digest in digests:
            sections.append(Section(f"{next(numbers)}、{digest.heading}", tables=digest.tables))
        sections.append(
            Section(
                f"{next(numbers)}、区县排名",
                rankings=rankings,
                paragraphs=[] if rankings else ["暂无区县数据。"],
            )
        )
    for digest in digests:
        headlines += digest.headlines
    sections.append(Section(f"{next(numbers)}、状态判定规则", paragraphs=rule_lines(), ordered=True))
    label = period_label(cadence, today)
    return Briefing(
        title=f"{policy.city.name}科技创新指标监测{'月报' if cadence == 'monthly' else '季报'}（{label}）",
        period_label=label,
        generated=timezone.localtime(),
        unit_name=unit.name,
        items=items,
        rankings=rankings,
        summary=status_counts(cards),
        demo=ctx.any_demo,
        rule=rule_lines(),
        cadence=cadence,
        start=start,
        end=end,
        headlines=headlines[:MAX_HEADLINES],
        sections=sections,
    )


def rule_lines() -> list[str]:
    return status_rule_lines()


def render_pdf(briefing: Briefing) -> bytes:
    from weasyprint import HTML

    html = render_to_string("indicators/briefing_pdf.html", {"b": briefing, "status_words": STATUS_WORDS})
    return HTML(string=html).write_pdf()


def render_xlsx(briefing: Briefing) -> bytes:
    import xlsxwriter

    from kechuang.core.exports import safe_cell

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    bold = book.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1, "text_wrap": True})
    title = book.add_format({"bold": True, "font_size": 14})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    colours = {"on_track": "#C8E6C9", "at_risk": "#FFE8A3", "off_track": "#F6C6C6", "none": "#E3E7EC"}
    status_fmt = {k: book.add_format({"bg_color": v, "border": 1}) for k, v in colours.items()}

    front = book.add_worksheet("要点")
    front.write(0, 0, briefing.title, title)
    if briefing.start and briefing.end:
        front.write(1, 0, f"本期范围：{briefing.start:%Y-%m-%d} 至 {briefing.end:%Y-%m-%d}")
    front.write(3, 0, "要点", bold)
    for i, line in enumerate(briefing.headlines, start=4):
        front.write(i, 0, safe_cell(line), wrap)
    front.set_column(0, 0, 120)

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
        sheet.write(r, 8, STATUS_WORDS[item.status], status_fmt[item.status])
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

    details = book.add_worksheet("本月情况" if briefing.cadence == "monthly" else "本季度情况")
    row = 0
    for section in briefing.sections:
        if not section.tables:
            continue
        details.write(row, 0, section.heading, title)
        row += 1
        for table in section.tables:
            details.write(row, 0, table.caption, bold)
            details.write_row(row + 1, 0, table.headers, bold)
            for i, cells in enumerate(table.rows, start=row + 2):
                details.write_row(i, 0, [safe_cell(c) for c in cells])
            row += len(table.rows) + 2
            if table.note:
                details.write(row, 0, safe_cell(table.note))
                row += 1
            row += 1
    details.set_column(0, 0, 36)
    details.set_column(1, 8, 16)

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
