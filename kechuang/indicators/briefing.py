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
from django.utils.translation import pgettext

from kechuang.core.periods import quarter_label
from kechuang.core.registry import BriefingTable, briefing_digests
from kechuang.indicators import charts
from kechuang.indicators.catalogue import PROVINCE_CODE_MAP
from kechuang.indicators.charts import fmt
from kechuang.indicators.models import Observation, ObservationRevision
from kechuang.indicators.period_comparison import Figure, Returns, returns_for
from kechuang.indicators.selectors import (
    Card,
    approved_observations,
    comparison_source_summary,
    context_for,
    province_comparison,
    published_for,
    ranking,
    recent_growth,
    status_counts,
    status_rule_lines,
    target_cards,
)
from kechuang.policy.models import Policy

PERIODS = ("monthly", "quarterly")
MAX_HEADLINES = 6  # a leader reads the summary in one minute
TOP_RISKS = 3
MAX_FRONT_CHANGES = 4  # the first page keeps to one A4 page; the full list is in the monthly section


def status_words() -> dict[str, str]:
    """The four statuses in the reader's language (正常推进 / On track …)."""
    return {"on_track": _("On track"), "at_risk": _("At risk"), "off_track": _("Off track"), "none": _("No data")}


def _join(names: list[str]) -> str:
    return pgettext("list separator", ", ").join(names)


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
class Risk:
    card: Card
    text: str
    departments: str  # the owning department(s): the lead departments of the policy task, else the target's owners


@dataclass
class Front:
    """The first page: where the city stands on every headline target, what changed since the last briefing, and the
    biggest risks with their owning department."""

    standing: list[Card]
    since: dt.date  # the last briefing's date: the end of the previous month or quarter
    changes: list[str]
    risks: list[Risk]


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
    front: Front | None = None  # the one-minute first page
    policy_number: str = ""  # the policy document the targets come from (淄科发〔2023〕22号)


def period_label(period: str, today: dt.date) -> str:
    if period == "quarterly":
        return quarter_label(today.year, (today.month - 1) // 3 + 1)
    return _("%(month)s/%(year)s") % {"year": today.year, "month": today.month}


def _unit_word(unit: str) -> str:
    return _(" percentage points") if unit == "%" else unit


def _status_word(status: str) -> str:
    return status_words().get(status, _("No data"))


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
    text = _join(names[:limit])
    return _("%(names)s and others") % {"names": text} if len(names) > limit else text


def status_sentence(cards: list[Card]) -> str:
    """ "纳入监测的11项目标中，1项正常推进（…），1项存在风险（…），…": counts with names."""
    if not cards:
        return _("No monitored target among the indicators you can see.")
    words = status_words()
    by_status: dict[str, list[Card]] = {k: [] for k in words}
    for card in cards:
        by_status[card.status].append(card)
    parts = []
    for key in ("on_track", "at_risk", "off_track"):
        found = by_status[key]
        part = _("%(n)s %(status)s") % {"n": len(found), "status": words[key]}
        parts.append(part + (_(" (%(names)s)") % {"names": _names(found)} if found else ""))
    if by_status["none"]:
        parts.append(_("%(n)s %(status)s") % {"n": len(by_status["none"]), "status": words["none"]})
    return _("Of the %(n)s monitored targets: %(parts)s.") % {
        "n": len(cards),
        "parts": pgettext("clause separator", ", ").join(parts),
    }


def _change(before: float, after: float, unit: str) -> tuple[str, float]:
    """The change in words ("增长21.4%", "提高0.2个百分点") and its size for ranking movers."""
    if unit == "%":
        diff = after - before
        words = _("up %(d)s percentage points") if diff >= 0 else _("down %(d)s percentage points")
        return words % {"d": fmt(abs(diff), 2)}, abs(diff) / (abs(before) or 1)
    if not before:
        return "", 0.0
    ratio = after / before - 1
    words = _("up %(p)s%%") if ratio >= 0 else _("down %(p)s%%")
    return words % {"p": fmt(abs(ratio) * 100, 1)}, abs(ratio)


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


def move_phrase(move: Move) -> str:
    """One target's change since the last briefing: "高新技术企业数量：2025年由1,500家修订为1,700家（+13.3%），状态由
    严重滞后转为正常推进"."""
    card, a = move.card, move.card.assessment
    unit, name = card.indicator.unit, card.indicator.name
    words = status_words()
    now = f"{fmt(a.latest_value)}{unit}"
    b = move.before.assessment if move.before else None
    if b is None or b.latest_value is None:
        return _("%(name)s: new %(year)s figure %(now)s, status %(status)s") % {
            "name": name,
            "year": a.latest_year,
            "now": now,
            "status": words[card.status],
        }
    pct = _change(b.latest_value, a.latest_value, unit)[0]
    if unit != "%" and b.latest_value:
        sign = "+" if a.latest_value >= b.latest_value else "-"
        pct = f"{sign}{fmt(abs(a.latest_value / b.latest_value - 1) * 100, 1)}%"
    was = f"{fmt(b.latest_value)}{unit}"
    if b.latest_year == a.latest_year:
        text = _("%(name)s: %(year)s revised from %(was)s to %(now)s") % {
            "name": name,
            "year": a.latest_year,
            "was": was,
            "now": now,
        }
    else:
        text = _("%(name)s: from %(was)s (%(old_year)s) to %(now)s (%(year)s)") % {
            "name": name,
            "old_year": b.latest_year,
            "was": was,
            "year": a.latest_year,
            "now": now,
        }
    text += _(" (%(names)s)") % {"names": pct} if pct else ""
    old, new = move.before.status, card.status
    if old != new:
        text += _(", status from %(old)s to %(new)s") % {"old": words[old], "new": words[new]}
    else:
        text += _(", status still %(new)s") % {"new": words[new]}
    return text


def month_move_sentence(moves: list[Move]) -> str:
    if not moves:
        return _("No target indicator changed this month.")
    top = moves[0]
    b = top.before.assessment if top.before else None
    if b is None or b.latest_value is None:
        text = _("This month: %(change)s") % {"change": move_phrase(top)}
    else:
        text = _("The biggest change this month: %(change)s") % {"change": move_phrase(top)}
    if len(moves) > 1:
        text += _("; %(n)s more target indicators changed") % {"n": len(moves) - 1}
    return text + _(".")


def year_moves(cards: list[Card]) -> list[tuple[Card, str, float]]:
    """Each target's latest value against its previous data point, biggest relative change first."""
    out = []
    for card in cards:
        if len(card.series) < 2:
            continue
        (y0, v0), (y1, v1) = sorted(card.series)[-2:]
        words, size = _change(v0, v1, card.indicator.unit)
        if words:
            phrase = _("%(year)s %(value)s, %(change)s on %(old_year)s") % {
                "year": y1,
                "value": f"{fmt(v1)}{card.indicator.unit}",
                "change": words,
                "old_year": y0,
            }
            out.append((card, phrase, size))
    return sorted(out, key=lambda m: -m[2])


def year_move_sentence(moves: list[tuple[Card, str, float]]) -> str | None:
    if not moves:
        return None
    text = _("Against the previous data point, the biggest change is %(name)s (%(change)s)") % {
        "name": moves[0][0].indicator.name,
        "change": moves[0][1],
    }
    if len(moves) > 1:
        text += _(", then %(name)s (%(change)s)") % {"name": moves[1][0].indicator.name, "change": moves[1][1]}
    return text + _(".")


def forecast_sentence(items: list[Item]) -> str | None:
    probable = [(i.card, i.forecast.get("probability_of_meeting_target")) for i in items if i.forecast]
    probable = [(c, p) for c, p in probable if p is not None]
    if not probable:
        return None
    likely = [c for c, p in probable if p >= 0.8]
    doubtful = [c for c, p in probable if p < 0.5]
    text = _(
        "By the trend forecasts, %(likely)s of the %(n)s targets with a forecast have a probability above 80%% of "
        "being met when due"
    ) % {"n": len(probable), "likely": len(likely)}
    if doubtful:
        text += _(", %(n)s below 50%% (%(names)s)") % {"n": len(doubtful), "names": _names(doubtful)}
    else:
        text += _(", none below 50%%") % {}
    return text + _(".")


def _items(cards: list[Card], province: str = "") -> list[Item]:
    items = []
    for card in cards:
        forecast = card.assessment.forecast
        # The province's comparison line where it has a published series (R&D, technology contracts), not where a
        # newspaper quoted one figure
        comparison = (
            province_comparison(published_for(card.indicator), province)
            if card.indicator.code in PROVINCE_CODE_MAP.values()
            else []
        )
        chart = charts.line_chart_svg(
            history=card.series[-11:],
            path=card.assessment.path if not card.quota else None,
            forecast=(forecast or {}).get("forecast"),
            target=card.target_value,
            unit=card.indicator.unit,
            width=330,
            height=150,
            comparison=[(y, v) for y, v, _s in comparison],
            comparison_label=_("%(province)s (published)") % {"province": province} if comparison else "",
            right_axis_note=_(" (right axis)"),
            target_word=_("Target"),
        )
        text = sentence(card, forecast)
        if card.assessment.rule:
            text = f"{text} {card.assessment.rule}"
        if comparison:
            text += " " + _("Comparison line: %(province)s, from %(source)s.") % {
                "province": province,
                "source": comparison_source_summary([s for _y, _v, s in comparison]),
            }
        items.append(
            Item(
                card,
                text,
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
        caption=_("Observations entered and revised this month (by indicator)"),
        headers=[_("Indicator"), _("New (rows)"), _("Revised (rows)")],
        rows=[[n, new.get(n, 0), revised.get(n, 0)] for n in names],
        note=_("No observation was entered or revised this month.") if not names else "",
    )
    return sum(new.values()), sum(revised.values()), table


def _overview_table(items: list[Item], with_forecast: bool) -> BriefingTable:
    headers = [_("Indicator"), _("Target"), _("Latest value"), _("Share of the target"), _("Status")]
    if with_forecast:
        headers.insert(4, _("Probability of meeting it (forecast)"))
    rows = []
    for item in items:
        c, a = item.card, item.card.assessment
        row = [
            c.indicator.name,
            target_words(c),
            f"{fmt(a.latest_value)}{' (' + str(a.latest_year) + ')' if a.latest_year else ''}",
            f"{fmt(a.percent_of_target, 0)}%" if a.percent_of_target is not None else "—",
            status_words()[c.status],
        ]
        if with_forecast:
            p = (item.forecast or {}).get("probability_of_meeting_target")
            row.insert(4, f"{p * 100:.0f}%" if p is not None else "—")
        rows.append(row)
    return BriefingTable(caption=_("Progress on every target"), headers=headers, rows=rows)


def target_words(card: Card) -> str:
    """ "> 2000家 (2027)" or "≥ 3% every year"."""
    if card.quota:
        return f"{card.target_display} {card.cadence}".strip()
    return _("%(target)s by %(year)s") % {"target": card.target_display, "year": card.target_year}


def _month_change_table(moves: list[Move]) -> BriefingTable:
    rows = []
    for m in moves:
        a, unit = m.card.assessment, m.card.indicator.unit
        b = m.before.assessment if m.before else None
        was = f"{fmt(b.latest_value)}{unit} ({b.latest_year})" if b and b.latest_value is not None else "—"
        if b and b.latest_value is not None:
            words = _change(b.latest_value, a.latest_value, unit)[0]
        else:
            words = pgettext("change since the last briefing", "new")
        old = status_words()[m.before.status if m.before else "none"]
        rows.append(
            [
                m.card.indicator.name,
                was,
                f"{fmt(a.latest_value)}{unit} ({a.latest_year})",
                words or "—",
                f"{old} → {status_words()[m.card.status]}",
            ]
        )
    return BriefingTable(
        caption=_("Target indicators against the end of last month"),
        headers=[_("Indicator"), _("End of last month"), _("Now"), _("Change"), _("Status (end of last month → now)")],
        rows=rows,
        note=_("No target indicator changed this month.") if not rows else "",
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
            period = _("%(year)s, January–%(month)s (year to date)") % {"year": y, "month": _period_month(n * 3)}
            rows.append([card.indicator.name, period, f"{fmt(now)}{unit}", yoy or "—", qoq or "—"])
        elif len(card.series) >= 2:
            (y0, v0), (y1, v1) = sorted(card.series)[-2:]
            words = _change(v0, v1, unit)[0] if y0 == y1 - 1 else ""
            rows.append([card.indicator.name, str(y1), f"{fmt(v1)}{unit}", words or "—", "—"])
    return BriefingTable(
        caption=_("Main indicators year on year and quarter on quarter"),
        headers=[
            _("Indicator"),
            _("Latest period"),
            _("Latest value"),
            _("Year on year"),
            _("Quarter on quarter (year to date)"),
        ],
        rows=rows,
        note=_(
            "Yearly data have only a year-on-year change; indicators with quarterly year-to-date data also have a "
            "quarter-on-quarter change. “—” where the same period of the year before is missing."
        ),
    )


def _period_month(month: int) -> str:
    """A month as a period names it: "October" in English, "10月" in Chinese (not the calendar's "十月")."""
    names = (
        pgettext("month of a period", "January"),
        pgettext("month of a period", "February"),
        pgettext("month of a period", "March"),
        pgettext("month of a period", "April"),
        pgettext("month of a period", "May"),
        pgettext("month of a period", "June"),
        pgettext("month of a period", "July"),
        pgettext("month of a period", "August"),
        pgettext("month of a period", "September"),
        pgettext("month of a period", "October"),
        pgettext("month of a period", "November"),
        pgettext("month of a period", "December"),
    )
    return names[month - 1]


def _period_names(cadence: str, year: int, period: int) -> tuple[str, str]:
    """A return's period in words: year to date ("2026年1–10月") and by itself ("2026年10月", "2026年第3季度")."""
    month = period if cadence == "monthly" else period * 3
    to_date = _("January–%(month)s %(year)s") % {"year": year, "month": _period_month(month)}
    if cadence == "monthly":
        alone = _("%(month)s %(year)s") % {"year": year, "month": _period_month(period)}
    else:
        alone = quarter_label(year, period)
    return to_date, alone


def _delta(before: float | None, after: float | None, unit: str) -> str:
    if before is None or after is None:
        return ""
    return _change(before, after, unit)[0]


def returns_phrase(returns: Returns, figure: Figure, cadence: str) -> str:
    """One indicator of a return in one sentence: "技术合同成交额（输出/卖方登记）2026年1–10月累计12.3亿元，
    同比增长5.2%；其中2026年10月1.2亿元，较上月增长3.1%（已审核11/11个报送单位）"."""
    unit = figure.indicator.unit
    to_date, alone = _period_names(cadence, figure.year, figure.period)
    text = _("%(name)s, %(period)s cumulative: %(value)s") % {
        "name": figure.indicator.name,
        "period": to_date,
        "value": f"{fmt(figure.cumulative)}{unit}",
    }
    yoy = _delta(figure.year_ago, figure.cumulative, unit)
    if yoy:
        text += _(", %(change)s year on year") % {"change": yoy}
    if figure.alone is not None and figure.period > 1:
        words = (
            pgettext("a month", "; %(period)s alone: %(value)s")
            if cadence == "monthly"
            else pgettext("a quarter", "; %(period)s alone: %(value)s")
        )
        text += words % {"period": alone, "value": f"{fmt(figure.alone)}{unit}"}
        previous = _delta(figure.previous_alone, figure.alone, unit)
        if previous:
            words = (
                _(", %(change)s on the previous month")
                if cadence == "monthly"
                else _(", %(change)s on the previous quarter")
            )
            text += words % {"change": previous}
    if returns.complete:
        return text  # every region's return approved: the tables say so, page 1 keeps its room
    coverage = _("approved returns of %(n)s of %(m)s reporting regions") % {
        "n": returns.approved,
        "m": returns.units,
    }
    return _("%(text)s (%(coverage)s)") % {"text": text, "coverage": coverage}


def headline_figure(returns: Returns, cards: list[Card]) -> Figure:
    """The indicator a return is summed up by: one with a target, else the first in the catalogue's order."""
    targeted = {c.indicator.pk for c in cards}
    return next((f for f in returns.figures if f.indicator.pk in targeted), returns.figures[0])


def returns_sentence(all_returns: list[Returns], cadence: str, cards: list[Card]) -> str | None:
    """The first page's line on the returns: the first data set's headline indicator (one with a target, else its
    first), with the drafts of later periods named as drafts."""
    if not all_returns:
        return None
    returns = all_returns[0]
    text = returns_phrase(returns, headline_figure(returns, cards), cadence)
    waiting = returns.pending[0] if returns.pending else None
    if waiting is not None:
        text += _("; %(period)s not all approved, not included (%(states)s)") % {
            "period": _period_names(cadence, waiting.year, waiting.period)[1],
            "states": state_counts(waiting.states),
        }
    return text


def state_counts(states: dict[str, int]) -> str:
    """ "1 submitted, 1 in draft, 2 not started" (the states with any form)."""
    words = {
        "approved": _("%(n)s approved"),
        "submitted": _("%(n)s submitted"),
        "returned": _("%(n)s returned"),
        "draft": _("%(n)s in draft"),
        "missing": _("%(n)s not started"),
    }
    return _join([words[k] % {"n": states[k]} for k in words if states.get(k)])


def returns_tables(all_returns: list[Returns], cadence: str) -> list[BriefingTable]:
    """The approved returns against the previous period and the same period last year; then, per data set, the
    later returns not approved yet, apart, with what they hold (marked as not approved)."""
    monthly = cadence == "monthly"
    rows = []
    for returns in all_returns:
        for f in returns.figures:
            unit = f.indicator.unit
            rows.append(
                [
                    f.indicator.name,
                    _period_names(cadence, f.year, f.period)[0],
                    f"{fmt(f.cumulative)}{unit}",
                    _delta(f.year_ago, f.cumulative, unit) or "—",
                    f"{fmt(f.alone)}{unit}" if f.alone is not None else "—",
                    _delta(f.previous_alone, f.alone, unit) or "—",
                    _delta(f.year_ago_alone, f.alone, unit) or "—",
                    f"{returns.approved}/{returns.units}",
                ]
            )
    tables = [
        BriefingTable(
            caption=_("Monthly returns against the previous month and the same month last year (approved values)")
            if monthly
            else _("Quarterly returns against the previous quarter and the same quarter last year (approved values)"),
            headers=[
                _("Indicator"),
                _("Year to date"),
                _("Cumulative"),
                _("Year on year"),
                _("Month alone") if monthly else _("Quarter alone"),
                _("Month on month") if monthly else _("Quarter on quarter"),
                _("Month, year on year") if monthly else _("Quarter, year on year"),
                _("Approved"),
            ],
            rows=rows,
            note=(
                _(
                    "Approved values only, summed over the regions whose returns for the period are all approved; "
                    "the period alone is the cumulative figure less the previous period's. A change is shown only "
                    "where the same regions' approved values exist for the period compared (“—” otherwise). Returns "
                    "not yet approved are listed below and never added in."
                )
                if rows
                else _("No approved return of this kind yet.")
            ),
        )
    ]
    for returns in all_returns:
        if not returns.pending:
            continue
        held = []
        for p in returns.pending:
            for ind, total, n in p.values:
                held.append(
                    _("%(period)s %(name)s %(value)s (%(n)s regions, not approved)")
                    % {
                        "period": _period_names(cadence, p.year, p.period)[1],
                        "name": ind.name,
                        "value": f"{fmt(total)}{ind.unit}",
                        "n": n,
                    }
                )
        tables.append(
            BriefingTable(
                caption=_("%(data_set)s: later returns not yet approved (drafts, not included above)")
                % {"data_set": returns.data_set.name},
                headers=[
                    _("Period"),
                    _("Approved"),
                    _("Submitted"),
                    _("Returned"),
                    _("Drafts"),
                    pgettext("return state", "Not started"),
                ],
                rows=[
                    [_period_names(cadence, p.year, p.period)[1]]
                    + [p.states[k] for k in ("approved", "submitted", "returned", "draft", "missing")]
                    for p in returns.pending
                ],
                note=_("Values in the returns not approved: %(values)s.") % {"values": _join(held)} if held else "",
            )
        )
    return tables


def build(user: Any, policy: Policy, period: str = "monthly", today: dt.date | None = None) -> Briefing:
    """The briefing of the month or the quarter `today` falls in. The two differ by what a leader of each cadence
    needs: the month's changes and deadlines, or the quarter's comparisons, forecasts and progress by department."""
    today = today or timezone.localdate()
    cadence = period if period in PERIODS else "monthly"
    start, end = window(cadence, today)
    ctx, unit, cards = target_cards(user, policy)
    items = _items(cards, policy.city.province_name)
    digests = briefing_digests(user, policy, cadence=cadence, start=start, end=end, today=today)
    headlines = [status_sentence(cards)]
    sections: list[Section] = []
    rankings: list[dict[str, Any]] = []
    numbers = iter(_("1 2 3 4 5 6 7 8 9 10 11 12").split())

    def heading(text: str) -> str:
        return _("%(n)s. %(heading)s") % {"n": next(numbers), "heading": text}

    # What changed since the last briefing: the state at the start of this window is what the previous one showed.
    _ctx, _unit, cards_before = target_cards(user, policy, context_for(user, policy.city, as_of=_aware(start)))
    moves = month_moves(cards, cards_before)
    returns = returns_for(user, cadence, today)
    returns_line = returns_sentence(returns, cadence, cards)
    if cadence == "monthly":
        new, revised, updates = data_updates(user, start, end)
        headlines += [
            month_move_sentence(moves),
            _("This month %(new)s observations were entered and %(revised)s revised.")
            % {"new": new, "revised": revised},
        ]
        sections.append(
            Section(
                heading(_("This month's data changes (against the end of last month)")),
                tables=[_month_change_table(moves), updates],
            )
        )
        sections.append(
            Section(
                heading(_("Monthly returns: month on month and year on year")), tables=returns_tables(returns, cadence)
            )
        )
        for digest in digests:
            sections.append(Section(heading(digest.heading), tables=digest.tables))
        changed = {m.card.target.pk for m in moves}
        sections.append(
            Section(
                heading(_("Target indicators with new data this month")),
                items=[i for i in items if i.card.target.pk in changed],
                paragraphs=[] if changed else [_("No target indicator has new data this month.")],
            )
        )
    else:
        rankings = _rankings(ctx, cards)
        headlines += [s for s in (year_move_sentence(year_moves(cards)), forecast_sentence(items)) if s]
        sections.append(Section(heading(_("Progress and forecasts")), tables=[_overview_table(items, True)]))
        sections.append(
            Section(
                heading(_("Year on year and quarter on quarter")),
                tables=[_comparison_table(user, cards), *returns_tables(returns, cadence)],
            )
        )
        sections.append(Section(heading(_("Target by target")), items=items))
        for digest in digests:
            sections.append(Section(heading(digest.heading), tables=digest.tables))
        sections.append(
            Section(
                heading(_("Regions ranked")),
                rankings=rankings,
                paragraphs=[] if rankings else [_("No region data yet.")],
            )
        )
    for digest in digests:
        headlines += digest.headlines
    sections.append(Section(heading(_("How the status is decided")), paragraphs=rule_lines(), ordered=True))
    label = period_label(cadence, today)
    title = (
        _("%(city)s S&T innovation indicators: monthly briefing (%(period)s)")
        if cadence == "monthly"
        else _("%(city)s S&T innovation indicators: quarterly briefing (%(period)s)")
    ) % {"city": policy.city.name, "period": label}
    return Briefing(
        title=title,
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
        front=front_page(cards, moves, start - dt.timedelta(days=1), [returns_line] if returns_line else []),
        policy_number=policy.document_number,
    )


def front_page(cards: list[Card], moves: list[Move], since: dt.date, compared: list[str] | None = None) -> Front:
    """The one-minute first page: every headline target's standing, the changes since the last briefing (the
    period's returns against the previous period first — `compared`, said here only, not in the summary too, so
    page 1 stays one A4 page — then the targets' moves, biggest first; at most four), and the three biggest risks
    with the department that owns each."""
    headline = [c for c in cards if not c.quota] + [c for c in cards if c.quota]
    return Front(
        standing=headline,
        since=since,
        # the returns' line runs to three lines: one target move fewer keeps the page
        changes=((compared or []) + [move_phrase(m) for m in moves])[: MAX_FRONT_CHANGES - (1 if compared else 0)],
        risks=biggest_risks(cards),
    )


def risk_order(card: Card) -> tuple[int, float]:
    """Off track before at risk; within each, the least likely to be met (or the furthest behind) first."""
    a = card.assessment
    severity = {"off_track": 0, "at_risk": 1}.get(card.status, 9)
    likelihood = a.probability if a.probability is not None else (a.percent_of_target or 0.0) / 100
    return severity, likelihood


def owning_departments(card: Card) -> str:
    """Who owns the risk: the lead departments of the policy task the target belongs to, else the target's
    owners (both from the policy app), else the indicator's responsible department."""
    target = card.target
    leads = target.task.leads() if target.task_id else []
    names = [d.name for d in leads] or [d.name for d in target.owners.all()]
    if not names and card.indicator.responsible:
        names = [card.indicator.responsible]
    return _join(names) if names else _("no department named")


def biggest_risks(cards: list[Card], limit: int = TOP_RISKS) -> list[Risk]:
    at_risk = sorted((c for c in cards if c.status in ("off_track", "at_risk")), key=risk_order)[:limit]
    risks = []
    for card in at_risk:
        a = card.assessment
        if a.probability is not None:
            text = _("%(name)s: %(p)s%% probability of %(target)s") % {
                "name": card.indicator.name,
                "p": round(a.probability * 100),
                "target": target_words(card),
            }
        else:
            text = _("%(name)s: %(percent)s%% of %(target)s") % {
                "name": card.indicator.name,
                "percent": fmt(a.percent_of_target or 0, 0),
                "target": target_words(card),
            }
        if a.required_growth is not None and a.gap:
            text += _(", needs %(g)s%% growth a year") % {"g": f"{a.required_growth * 100:.1f}"}
        risks.append(Risk(card, text, owning_departments(card)))
    return risks


def rule_lines() -> list[str]:
    return status_rule_lines()


def render_pdf(briefing: Briefing) -> bytes:
    from weasyprint import HTML

    html = render_to_string("indicators/briefing_pdf.html", {"b": briefing, "status_words": status_words()})
    return HTML(string=html).write_pdf()


def render_xlsx(briefing: Briefing) -> bytes:
    from kechuang.core.exports import safe_cell, workbook

    buffer = io.BytesIO()
    book = workbook(buffer, in_memory=True)
    bold = book.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1, "text_wrap": True})
    title = book.add_format({"bold": True, "font_size": 14})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    colours = {"on_track": "#C8E6C9", "at_risk": "#FFE8A3", "off_track": "#F6C6C6", "none": "#E3E7EC"}
    status_fmt = {k: book.add_format({"bg_color": v, "border": 1}) for k, v in colours.items()}

    words = status_words()
    front = book.add_worksheet(_("Summary")[:31])
    front.write(0, 0, briefing.title, title)
    if briefing.start and briefing.end:
        front.write(
            1,
            0,
            _("Period: %(start)s to %(end)s")
            % {"start": f"{briefing.start:%Y-%m-%d}", "end": f"{briefing.end:%Y-%m-%d}"},
        )
    front.write(3, 0, _("Summary"), bold)
    row = 4
    for line in briefing.headlines:
        front.write(row, 0, safe_cell(line), wrap)
        row += 1
    if briefing.front:
        row += 1
        front.write(row, 0, _("Biggest risks and who owns them"), bold)
        for risk in briefing.front.risks:
            row += 1
            front.write(row, 0, safe_cell(f"{risk.text} — {risk.departments}"), wrap)
        row += 2
        front.write(
            row, 0, _("Changes since the last briefing (%(date)s)") % {"date": f"{briefing.front.since:%Y-%m-%d}"}, bold
        )
        for change in briefing.front.changes or [_("No change.")]:
            row += 1
            front.write(row, 0, safe_cell(change), wrap)
    front.set_column(0, 0, 120)

    progress_name = _("Target progress")[:31]
    sheet = book.add_worksheet(progress_name)
    sheet.write(0, 0, briefing.title, title)
    sheet.write(
        1,
        0,
        _("Scope: %(unit)s · generated %(time)s")
        % {"unit": briefing.unit_name, "time": f"{briefing.generated:%Y-%m-%d %H:%M}"},
    )
    if briefing.demo:
        sheet.write(
            2,
            0,
            _(
                "Note: this briefing includes demo data (generated series), for demonstration only; "
                "not official statistics."
            ),
        )
    headers = [
        _("Indicator"),
        _("Target"),
        _("Target year"),
        _("Latest year"),
        _("Latest value"),
        _("Unit"),
        _("Share of the target (%)"),
        _("Planned path value"),
        _("Status"),
        _("Assessment"),
    ]
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
        sheet.write(r, 8, words[item.status], status_fmt[item.status])
        sheet.write(r, 9, safe_cell(item.sentence), wrap)
    sheet.set_column(0, 0, 36)
    sheet.set_column(1, 8, 12)
    sheet.set_column(9, 9, 90)
    rule_row = 6 + len(briefing.items)
    sheet.write(rule_row, 0, _("How the status is decided"), bold)
    for i, line in enumerate(briefing.rule, start=1):
        sheet.write(rule_row + i, 0, line)

    series_name = _("History and forecast")[:31]
    series_sheet = book.add_worksheet(series_name)
    row = 0
    for item in briefing.items:
        c = item.card
        if not c.series:
            continue
        series_sheet.write(row, 0, c.indicator.name, bold)
        series_sheet.write_row(
            row + 1,
            0,
            [
                _("Year"),
                _("Actual"),
                _("Planned path"),
                _("Forecast"),
                _("Forecast lower bound"),
                _("Forecast upper bound"),
            ],
            bold,
        )
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
        for col, name in ((1, _("Actual")), (2, _("Planned path")), (3, _("Forecast"))):
            chart.add_series(
                {
                    "name": name,
                    "categories": [series_name, first, 0, last, 0],
                    "values": [series_name, first, col, last, col],
                }
            )
        chart.set_title({"name": c.indicator.name, "name_font": {"size": 10}})
        chart.set_size({"width": 520, "height": 240})
        series_sheet.insert_chart(row, 7, chart)
        row = max(last + 2, row + 14)

    details = book.add_worksheet((_("This month") if briefing.cadence == "monthly" else _("This quarter"))[:31])
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

    rank_sheet = book.add_worksheet(_("Regions ranked")[:31])
    row = 0
    for block in briefing.rankings:
        ind = block["indicator"]
        rank_sheet.write(row, 0, f"{ind.name} ({block['year']})", bold)
        rank_sheet.write_row(
            row + 1,
            0,
            [_("Rank"), _("Region"), _("Value"), _("Unit"), _("Region target"), _("Share of the target (%)")],
            bold,
        )
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
