"""Rule metadata and building blocks shared by the tier modules, the per-record engine and the bulk path.

A `RuleSet` (one tier, one version, an effective-from date) is a list of `Criterion`s plus an optional
`ScoreLine`. A criterion's value / passed / points are `expr.Node` trees (so both paths compute them from
the same definition); its threshold text, gap and missing-field list are Python-only explanations.

Criterion kinds: "hard" (must hold), "score" (points in a scoring table; `passed` = scores > 0),
"route" (a direct route / 直通 alternative to the score line), "line" (the score line itself; generated).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any

from .expr import (
    FALSE,
    NULL,
    TRUE,
    Col,
    Env,
    FDiv,
    Lit,
    Node,
    When,
    all_of,
    any_of,
    coalesce,
    count_true,
    min2,
    sqrt,
    total,
    wide,
)
from .facts import FEN_PER_WAN
from .row import year_column

TIERS = ("tech_sme", "high_tech", "innovative_sme", "specialized_sme", "little_giant")
TIER_NAMES = {
    "tech_sme": "科技型中小企业",
    "high_tech": "高新技术企业",
    "innovative_sme": "创新型中小企业",
    "specialized_sme": "专精特新中小企业",
    "little_giant": '专精特新"小巨人"企业',
}
STATUSES = ("eligible", "not_eligible", "not_evaluable")


def pct(n: int | float | str, d: int = 100) -> Fraction:
    return Fraction(n) / d


# --- inputs ---------------------------------------------------------------------------------------------


def col(name: str) -> Col:
    """A scalar facts field (also its column name)."""
    return Col(name, path=name)


def year(field_name: str, offset: int) -> Col:
    """Per-year money of fiscal year L + offset (offset 0, -1, -2), in fen."""
    return Col(year_column(field_name, offset), path=field_name, offset=offset)


def internal(name: str) -> Col:
    """A derived column that is not a facts field (never reported as missing)."""
    return Col(name)


LATEST_YEAR = internal("latest_year")
REGISTRATION_YEAR = internal("registration_year")


@dataclass(frozen=True)
class Ctx:
    """What explanation callbacks see: the flattened row (plus computed columns) and L."""

    env: Env
    latest_year: int

    def __call__(self, node: Node) -> Any:
        return node(self.env)


# --- display ---------------------------------------------------------------------------------------------


def fmt_pct(x: float | Fraction, digits: int = 1) -> str:
    return f"{float(x) * 100:.{digits}f}%"


def fmt_pct_pair(cur: float | Fraction, target: float | Fraction) -> tuple[str, str]:
    a, b = fmt_pct(cur), fmt_pct(target)
    if a == b:
        a, b = fmt_pct(cur, 2), fmt_pct(target, 2)
    return a, b


def fmt_wan(fen: int | Fraction, *, up: bool = False) -> str:
    """Fen → 万元 text with at most two decimals (rounded up to the next 0.01 万元 if `up`)."""
    v = Fraction(fen) / FEN_PER_WAN
    cents = math.ceil(v * 100) if up else round(v * 100)
    s = f"{cents / 100:.2f}" if cents % 100 else str(cents // 100)
    return s.rstrip("0").rstrip(".") if "." in s else s


def fmt_num(x: Any) -> str:
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    if isinstance(x, Fraction):
        return str(x.numerator) if x.denominator == 1 else f"{float(x):g}"
    return f"{x:g}" if isinstance(x, float) else str(x)


def _threshold_number(t: Any) -> str:
    if isinstance(t, Fraction):
        return fmt_num(t) if t.denominator == 1 else f"{float(t):g}"
    return fmt_num(t)


OP_TEXT = {">=": "≥", ">": ">", "<=": "≤", "<": "<"}


def _ceil_frac(x: Fraction) -> int:
    return -((-x.numerator) // x.denominator)


def _floor_frac(x: Fraction) -> int:
    return x.numerator // x.denominator


def _lever_target(raw: Fraction, op: str) -> int:
    """Smallest (for ≥, >) or largest (for ≤, <) integer meeting `lever op raw`."""
    if op == ">=":
        return _ceil_frac(raw)
    if op == ">":
        return _floor_frac(raw) + 1
    if op == "<=":
        return _floor_frac(raw)
    return _ceil_frac(raw) - 1


def gap_data(
    field_path: str | None, current: Any, target: Any, change: Any, unit: str | None, text: str, *, relative: Any = None
) -> dict:
    """A gap: what must change (field, current → target, change, unit) and a plain-Chinese sentence."""
    rel = relative
    if rel is None and isinstance(change, int | float) and isinstance(target, int | float) and target:
        rel = abs(float(change)) / abs(float(target))
    return {
        "field": field_path,
        "current": current,
        "target": target,
        "change": change,
        "unit": unit,
        "text": text,
        "relative": None if rel is None else round(float(rel), 6),
    }


def _wan_float(fen: int | None) -> float | None:
    return None if fen is None else fen / FEN_PER_WAN


# --- measures ----------------------------------------------------------------------------------------------


class Measure:
    """A measured quantity with exact comparisons against thresholds, and a lever for gap texts."""

    label: str
    value: Node
    unknown: Node  # exactly True/False: an input is missing
    valid: Node  # defined (positive denominator / base); only read when not unknown

    def cmp(self, op: str, t: Any) -> Node:  # pragma: no cover - abstract
        raise NotImplementedError

    def threshold_text(self, op: str, t: Any) -> str:
        return f"{OP_TEXT[op]} {_threshold_number(t)}"

    def target(self, ctx: Ctx, op: str, t: Any) -> dict | None:  # pragma: no cover - abstract
        raise NotImplementedError

    def lever_path(self, ctx: Ctx, lever: Col | None) -> str | None:
        return lever.facts_path(ctx.latest_year) if lever is not None else None


class Amount(Measure):
    """A money amount (fen inside, 万元 outside)."""

    def __init__(self, q: Node, label: str, lever: Col | None = None):
        self.q, self.label, self.lever = q, label, lever
        self.value = FDiv(q, Lit(FEN_PER_WAN))
        self.unknown = q.is_null()
        self.valid = TRUE

    def cmp(self, op: str, t: Any) -> Node:
        t_fen = Fraction(t) * FEN_PER_WAN
        assert t_fen.denominator == 1, "money thresholds must be whole fen"  # nosec B101  # invariant of the engine's own rule tables; ladder tests cover every rule
        return self.q.__getattribute__({">=": "ge", ">": "gt", "<=": "le", "<": "lt"}[op])(Lit(int(t_fen)))

    def threshold_text(self, op: str, t: Any) -> str:
        return f"{OP_TEXT[op]} {_threshold_number(Fraction(t))} 万元"

    def target(self, ctx: Ctx, op: str, t: Any) -> dict | None:
        cur = ctx(self.q)
        if cur is None:
            return None
        tgt = _lever_target(Fraction(t) * FEN_PER_WAN, op)
        delta = tgt - cur
        verb = "增加" if delta > 0 else "减少"
        text = (
            f"{self.label} {fmt_wan(cur)} 万元 → {OP_TEXT[op]} {fmt_wan(tgt, up=delta > 0)} 万元："
            f"需{verb} {fmt_wan(abs(delta), up=True)} 万元"
        )
        return gap_data(
            self.lever_path(ctx, self.lever), _wan_float(cur), _wan_float(tgt), _wan_float(delta), "万元", text
        )


class Quantity(Measure):
    """A count (people, items, days) or a plain number (years, platform points)."""

    def __init__(self, q: Node, label: str, unit: str, lever: Col | None = None):
        self.q, self.label, self.unit, self.lever = q, label, unit, lever
        self.value = q
        self.unknown = q.is_null()
        self.valid = TRUE

    def cmp(self, op: str, t: Any) -> Node:
        lit = Lit(t if not isinstance(t, Fraction) else (int(t) if t.denominator == 1 else float(t)))
        return {">=": self.q.ge, ">": self.q.gt, "<=": self.q.le, "<": self.q.lt}[op](lit)

    def threshold_text(self, op: str, t: Any) -> str:
        return f"{OP_TEXT[op]} {_threshold_number(t)}"

    def target(self, ctx: Ctx, op: str, t: Any) -> dict | None:
        cur = ctx(self.q)
        if cur is None:
            return None
        t_num = float(t) if isinstance(cur, float) else _lever_target(Fraction(t), op)
        if isinstance(cur, float) and op == ">":
            t_num = float(t)
        delta = t_num - cur
        verb = "增加" if delta > 0 else "减少"
        text = (
            f"{self.label} {fmt_num(cur)}{self.unit} → {OP_TEXT[op]} {fmt_num(t_num)}{self.unit}："
            f"需{verb} {fmt_num(abs(delta))}{self.unit}"
        )
        return gap_data(self.lever_path(ctx, self.lever), cur, t_num, delta, self.unit.strip() or None, text)


class Ratio(Measure):
    """num ÷ den, compared exactly as num·q ⋛ den·p; a denominator ≤ 0 has no value."""

    def __init__(
        self,
        num: Node,
        den: Node,
        label: str,
        *,
        num_label: str,
        den_label: str,
        money: bool = True,
        lever: Col | None = None,
    ):
        self.num, self.den, self.label = num, den, label
        self.num_label, self.den_label, self.money, self.lever = num_label, den_label, money, lever
        self.value = When([(den.gt(0), FDiv(num, den))], NULL)
        self.unknown = num.is_null() | den.is_null()
        self.valid = den.gt(0)

    def cmp(self, op: str, t: Any) -> Node:
        p = Fraction(t)
        left, right = wide(self.num) * p.denominator, wide(self.den) * p.numerator
        return {">=": left.ge, ">": left.gt, "<=": left.le, "<": left.lt}[op](right)

    def target(self, ctx: Ctx, op: str, t: Any) -> dict | None:
        n, d = ctx(self.num), ctx(self.den)
        if n is None or d is None:
            return None
        p = Fraction(t)
        path = self.lever_path(ctx, self.lever)
        if d <= 0:
            text = f"{self.den_label}为 {fmt_wan(d) + ' 万元' if self.money else d}，{self.label}无法计算，视为不达标"
            return gap_data(path, None, float(p), None, None, text, relative=1.0)
        tgt = _lever_target(p * d, op)
        delta = tgt - n
        cur_s, t_s = fmt_pct_pair(Fraction(n, d), p)
        verb = "增加" if delta > 0 else "减少"
        amount = f"{fmt_wan(abs(delta), up=True)} 万元" if self.money else f"{abs(delta)} 人"
        text = f"{self.label} {cur_s} → {t_s}：按当前{self.den_label}需{verb}{self.num_label} {amount}"
        if self.money:
            return gap_data(path, _wan_float(n), _wan_float(tgt), _wan_float(delta), "万元", text)
        return gap_data(path, n, tgt, delta, "人", text)


class Growth(Measure):
    """Single-period growth (cur − base) ÷ base; a base ≤ 0 has no value (0 points / not met)."""

    def __init__(self, base: Node, cur: Node, label: str, *, lever_label: str, lever: Col | None = None):
        self.base, self.cur, self.label, self.lever_label, self.lever = base, cur, label, lever_label, lever
        self.value = When([(base.gt(0), FDiv(cur - base, base))], NULL)
        self.unknown = base.is_null() | cur.is_null()
        self.valid = base.gt(0)

    def cmp(self, op: str, t: Any) -> Node:
        p = Fraction(t)
        left, right = wide(self.cur - self.base) * p.denominator, wide(self.base) * p.numerator
        return {">=": left.ge, ">": left.gt, "<=": left.le, "<": left.lt}[op](right)

    def _raw_target(self, ctx: Ctx, p: Fraction) -> Fraction | None:
        b = ctx(self.base)
        return None if b is None or b <= 0 else Fraction(b) * (1 + p)

    def target(self, ctx: Ctx, op: str, t: Any) -> dict | None:
        c = ctx(self.cur)
        p = Fraction(t)
        path = self.lever_path(ctx, self.lever)
        if c is None or ctx(self.base) is None:
            return None
        raw = self._raw_target(ctx, p)
        if raw is None:
            text = f"{self.label}的基期数值为 0 或负数，增长率无法计算，按 0 分计"
            return gap_data(path, None, float(p), None, None, text, relative=1.0)
        tgt = _lever_target(raw, op)
        delta = tgt - c
        cur_v = ctx(self.value)
        cur_s, t_s = fmt_pct_pair(cur_v, p)
        text = (
            f"{self.label} {cur_s} → {OP_TEXT[op]} {t_s}：{self.lever_label}需达到 {fmt_wan(tgt, up=True)} 万元"
            f"（{'+' if delta >= 0 else '−'}{fmt_wan(abs(delta), up=True)} 万元）"
        )
        return gap_data(path, _wan_float(c), _wan_float(tgt), _wan_float(delta), "万元", text)


class AvgGrowth(Growth):
    """½ × (b/a + c/b) − 1 (= mean of the two annual growth rates), years a = L−2, b = L−1, c = L.

    With `zero_first_year_rule` (高新 工作指引) a first-year value of exactly 0 falls back to c/b − 1.
    A base (a, or b) that is 0 or negative otherwise has no value (0 points).
    """

    def __init__(
        self,
        a: Node,
        b: Node,
        c: Node,
        label: str,
        *,
        lever_label: str,
        lever: Col | None = None,
        zero_first_year_rule: bool = False,
    ):
        self.a, self.b, self.cur, self.base = a, b, c, b
        self.label, self.lever_label, self.lever = label, lever_label, lever
        self.full = a.gt(0)
        self.two_year = a.eq(0) if zero_first_year_rule else FALSE
        self.valid = b.gt(0) & (self.full | self.two_year)
        self.unknown = a.is_null() | b.is_null() | c.is_null()
        self.value = When(
            [
                (b.gt(0) & self.full, Lit(0.5) * (FDiv(b, a) + FDiv(c, b)) - Lit(1.0)),
                (b.gt(0) & self.two_year, FDiv(c - b, b)),
            ],
            NULL,
        )

    def cmp(self, op: str, t: Any) -> Node:
        p = Fraction(t)
        A, B, C = wide(self.a), wide(self.b), wide(self.cur)
        num_full = (B * B + A * C - A * B * 2) * p.denominator
        den_full = (A * B * 2) * p.numerator
        num_two = (C - B) * p.denominator
        den_two = B * p.numerator
        f = {">=": "ge", ">": "gt", "<=": "le", "<": "lt"}[op]
        return When(
            [(self.full, getattr(num_full, f)(den_full))],
            getattr(num_two, f)(den_two),
        )

    def _raw_target(self, ctx: Ctx, p: Fraction) -> Fraction | None:
        a, b = ctx(self.a), ctx(self.b)
        if a is None or b is None or b <= 0:
            return None
        if ctx(self.full) is True:
            return Fraction(b) * (2 * (1 + p) - Fraction(b, a))
        if ctx(self.two_year) is True:
            return Fraction(b) * (1 + p)
        return None


class Cagr(Growth):
    """Compound annual growth over two years: √(c ÷ a) − 1 (a = L−2, c = L)."""

    def __init__(self, a: Node, c: Node, label: str, *, lever_label: str, lever: Col | None = None):
        self.base, self.cur, self.label, self.lever_label, self.lever = a, c, label, lever_label, lever
        self.value = When([(a.gt(0), sqrt(FDiv(c, a)) - Lit(1.0))], NULL)
        self.unknown = a.is_null() | c.is_null()
        self.valid = a.gt(0)

    def cmp(self, op: str, t: Any) -> Node:
        p = Fraction(t)
        q, n = p.denominator, p.numerator
        left, right = wide(self.cur) * (q * q), wide(self.base) * ((q + n) * (q + n))
        return {">=": left.ge, ">": left.gt, "<=": left.le, "<": left.lt}[op](right)

    def _raw_target(self, ctx: Ctx, p: Fraction) -> Fraction | None:
        a = ctx(self.base)
        return None if a is None or a <= 0 else Fraction(a) * (1 + p) ** 2


# --- criteria ----------------------------------------------------------------------------------------------


@dataclass(eq=False)
class Criterion:
    id: str
    name: str
    clause: str
    kind: str  # hard | score | route | line
    value: Node
    passed: Node
    points: Node | None = None
    max_points: int | None = None
    group: str | None = None
    threshold: Callable[[Ctx], str | None] | str | None = None
    gap: Callable[[Ctx], dict | None] | None = None
    unverified: bool = False
    note: str | None = None
    optional: frozenset[str] = frozenset()  # column names never reported as missing
    missing_fn: Callable[[Ctx], list[str]] | None = None
    points_upper: Node | None = None  # top of the achieved band (high-tech ranges)
    annotate: Callable[[Ctx], dict] | None = None
    value_text: Callable[[Ctx], str | None] | None = None  # the value in words, when it is a key

    def leaves(self) -> list[Col]:
        """The facts inputs this criterion reads (computed once)."""
        cached = self.__dict__.get("_leaves")
        if cached is None:
            nodes = [self.value, self.passed] + ([self.points] if self.points is not None else [])
            seen: dict[str, Col] = {}
            for n in nodes:
                for leaf in n.leaves():
                    if leaf.path is not None and leaf.name not in self.optional:
                        seen.setdefault(leaf.name, leaf)
            cached = self.__dict__["_leaves"] = list(seen.values())
        return cached


def flag_is(
    cid: str,
    name: str,
    clause: str,
    field_name: str,
    expected: bool,
    requirement: str,
    *,
    kind: str = "hard",
    **kw: Any,
) -> Criterion:
    c = col(field_name)

    def gap(ctx: Ctx) -> dict | None:
        v = ctx(c)
        return gap_data(field_name, v, expected, None, None, requirement, relative=1.0)

    return Criterion(
        cid, name, clause, kind, value=c, passed=c.eq(expected), threshold=f"= {str(expected).lower()}", gap=gap, **kw
    )


def route_flag(cid: str, name: str, clause: str, field_name: str, **kw: Any) -> Criterion:
    c = col(field_name)
    return Criterion(cid, name, clause, "route", value=c, passed=c.eq(True), threshold="= true", **kw)


def condition(
    cid: str, name: str, clause: str, measure: Measure, op: str, t: Any, *, kind: str = "hard", **kw: Any
) -> Criterion:
    """A threshold condition on a measure (hard condition or data-based route)."""
    passed = When([(measure.unknown, NULL), (measure.valid.is_false(), FALSE)], measure.cmp(op, t))

    def gap(ctx: Ctx) -> dict | None:
        return measure.target(ctx, op, t)

    return Criterion(
        cid,
        name,
        clause,
        kind,
        value=measure.value,
        passed=passed,
        threshold=measure.threshold_text(op, t),
        gap=gap,
        **kw,
    )


def either(cid: str, name: str, clause: str, *alternatives: Criterion, kind: str = "hard", **kw: Any) -> Criterion:
    """Holds when any alternative holds (three-valued OR); value and gap data follow the first alternative."""
    first = alternatives[0]

    def gap(ctx: Ctx) -> dict | None:
        parts = [a.gap(ctx) if a.gap else None for a in alternatives]
        if parts[0] is None:
            return None
        texts = [p["text"] for p in parts if p]
        out = dict(parts[0])
        out["text"] = texts[0] + "".join(f"；或：{t}" for t in texts[1:])
        rels = [p["relative"] for p in parts if p and p["relative"] is not None]
        out["relative"] = min(rels) if rels else None
        return out

    thresholds = [a.threshold if isinstance(a.threshold, str) else "" for a in alternatives]
    return Criterion(
        cid,
        name,
        clause,
        kind,
        value=first.value,
        passed=any_of([a.passed for a in alternatives]),
        threshold=" 或 ".join(f"{a.name} {t}" for a, t in zip(alternatives, thresholds, strict=True)),
        gap=gap,
        **kw,
    )


Band = tuple[str, Any, int]  # (op, threshold, points), best band first


def ge_bands(*pairs: tuple[Any, int]) -> list[Band]:
    return [(">=", t, p) for t, p in pairs]


def le_bands(*pairs: tuple[Any, int]) -> list[Band]:
    return [("<=", t, p) for t, p in pairs]


def banded(
    cid: str,
    name: str,
    clause: str,
    group: str,
    measure: Measure,
    bands: Sequence[Band],
    *,
    otherwise: int = 0,
    invalid_points: int = 0,
    band_width: int = 0,
    max_points: int | None = None,
    **kw: Any,
) -> Criterion:
    """A scoring-table item: first band whose condition holds gives its points (shared edges → better band)."""
    cases: list[tuple[Node, Any]] = [(measure.unknown, NULL), (measure.valid.is_false(), Lit(invalid_points))]
    band_conds = [measure.cmp(op, t) for op, t, _ in bands]
    points = When([*cases, *[(c, Lit(p)) for c, (_, _, p) in zip(band_conds, bands, strict=True)]], Lit(otherwise))
    upper = None
    if band_width:
        upper = When(
            [*cases, *[(c, Lit(p + band_width if p else 0)) for c, (_, _, p) in zip(band_conds, bands, strict=True)]],
            Lit(otherwise),
        )
    top = max_points if max_points is not None else bands[0][2] + band_width

    def band_index(ctx: Ctx) -> int | None:
        if ctx(measure.unknown) or ctx(measure.valid) is False:
            return None
        for i, c in enumerate(band_conds):
            if ctx(c) is True:
                return i
        return len(bands)

    def threshold(ctx: Ctx) -> str | None:
        if ctx(measure.unknown):
            return None
        i = band_index(ctx)
        if i is None:
            return "无值（分母或基期 ≤ 0）"
        if i < len(bands):
            op, t, _ = bands[i]
            return measure.threshold_text(op, t)
        op, t, _ = bands[-1]
        neg = {">=": "<", ">": "<=", "<=": ">", "<": ">="}[op]
        return measure.threshold_text(neg, t)

    def gap(ctx: Ctx) -> dict | None:
        if ctx(measure.unknown):
            return None
        i = band_index(ctx)
        now = ctx(points)
        if now is None or now >= bands[0][2]:
            return None
        nxt = len(bands) - 1 if i is None else i - 1
        op, t, p = bands[nxt]
        data = measure.target(ctx, op, t)
        if data is None:
            return None
        data["text"] += f"（{now} → {p} 分）"
        data["points_from"], data["points_to"] = now, p
        return data

    return Criterion(
        cid,
        name,
        clause,
        "score",
        value=measure.value,
        passed=points.gt(0),
        points=points,
        max_points=top,
        group=group,
        threshold=threshold,
        gap=gap,
        points_upper=upper,
        **kw,
    )


def first_match(
    cid: str,
    name: str,
    clause: str,
    group: str,
    cases: Sequence[tuple[str, Node, int, str]],
    *,
    band_width: int = 0,
    **kw: Any,
) -> Criterion:
    """Points of the first case that holds, for tiered tables (IP). A case whose condition is unknown
    makes the item unknown (it might hold). `cases`: (key, condition, points, Chinese description);
    the last case should be the unconditional fallback (condition TRUE)."""
    pts_cases: list[tuple[Node, Any]] = []
    val_cases: list[tuple[Node, Any]] = []
    up_cases: list[tuple[Node, Any]] = []
    for key, cond, p, _ in cases:
        pts_cases += [(cond.is_true(), Lit(p)), (cond.is_null(), NULL)]
        val_cases += [(cond.is_true(), Lit(key)), (cond.is_null(), NULL)]
        up_cases += [(cond.is_true(), Lit(p + band_width if p else 0)), (cond.is_null(), NULL)]
    points = When(pts_cases, NULL)
    value = When(val_cases, NULL)
    upper = When(up_cases, NULL) if band_width else None
    top = cases[0][2] + band_width

    def threshold(ctx: Ctx) -> str | None:
        key = ctx(value)
        return next((desc for k, _, _, desc in cases if k == key), None)

    def gap(ctx: Ctx) -> dict | None:
        now, key = ctx(points), ctx(value)
        if now is None or now >= cases[0][2]:
            return None
        idx = next(i for i, c in enumerate(cases) if c[0] == key)
        nk, _, np_, ndesc = cases[idx - 1]
        text = f"{name}：当前为「{threshold(ctx)}」，需达到「{ndesc}」（{now} → {np_} 分）"
        return gap_data(None, key, nk, None, None, text, relative=(np_ - now) / np_ if np_ else None) | {
            "points_from": now,
            "points_to": np_,
        }

    return Criterion(
        cid,
        name,
        clause,
        "score",
        value=value,
        passed=points.gt(0),
        points=points,
        max_points=top,
        group=group,
        threshold=threshold,
        gap=gap,
        points_upper=upper,
        value_text=threshold,
        **kw,
    )


def categorical(
    cid: str, name: str, clause: str, group: str, c: Col, mapping: Sequence[tuple[Any, int, str]], **kw: Any
) -> Criterion:
    """Points by the value of a flag/enum field; a missing value is unknown."""
    points = When([(c.is_null(), NULL), *[(c.eq(v), Lit(p)) for v, p, _ in mapping]], Lit(0))
    best_v, best_p, best_desc = max(mapping, key=lambda m: m[1])

    def threshold(ctx: Ctx) -> str | None:
        v = ctx(c)
        # The case in words: a key such as key_link_breakthrough or true is the program's, not the reader's.
        return next((f"= {d}" for k, _, d in mapping if k == v), None)

    def value_text(ctx: Ctx) -> str | None:
        v = ctx(c)
        return next((d for k, _, d in mapping if k == v), None)

    def gap(ctx: Ctx) -> dict | None:
        now = ctx(points)
        if now is None or now >= best_p:
            return None
        text = f"{name}：需达到「{best_desc}」（{now} → {best_p} 分）"
        return gap_data(c.path, ctx(c), best_v, None, None, text, relative=(best_p - now) / best_p) | {
            "points_from": now,
            "points_to": best_p,
        }

    return Criterion(
        cid,
        name,
        clause,
        "score",
        value=c,
        passed=points.gt(0),
        points=points,
        max_points=best_p,
        group=group,
        threshold=threshold,
        gap=gap,
        value_text=value_text,
        **kw,
    )


def input_points(cid: str, name: str, clause: str, group: str, c: Col, maximum: int, **kw: Any) -> Criterion:
    """Points supplied as an input (expert judgement, provincial score), already range-checked."""

    def gap(ctx: Ctx) -> dict | None:
        now = ctx(c)
        if now is None or now >= maximum:
            return None
        text = f"{name}：{fmt_num(now)} 分（满分 {maximum} 分）"
        return gap_data(c.path, now, maximum, maximum - now, "分", text) | {"points_from": now, "points_to": maximum}

    return Criterion(
        cid,
        name,
        clause,
        "score",
        value=c,
        passed=c.gt(0),
        points=c,
        max_points=maximum,
        group=group,
        threshold=f"0–{maximum} 分",
        gap=gap,
        **kw,
    )


# --- score line and rule sets ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreLine:
    pass_mark: int
    clause: str
    strict: bool = False  # high-tech: score must be > 70
    group_minimums: dict[str, int] = field(default_factory=dict)
    group_caps: dict[str, int] = field(default_factory=dict)
    nonzero: tuple[str, ...] = ()  # criterion ids whose points must not be 0
    name: str = "综合评分"
    description: str = ""


@dataclass(eq=False)
class RuleSet:
    tier: str
    version: str
    effective_from: date
    documents: tuple[str, ...]
    criteria: list[Criterion]
    line: ScoreLine | None = None
    conditions_route: str = "score"  # route label when eligible without a direct route
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        ids = [c.id for c in self.criteria]
        if len(ids) != len(set(ids)) or "score_line" in ids:
            raise ValueError(f"{self.version}: duplicate or reserved criterion id")
        if self.line is not None and not any(c.kind == "score" for c in self.criteria):
            raise ValueError(f"{self.version}: a score line needs score items")

    @property
    def title(self) -> str:
        return TIER_NAMES[self.tier]

    def by_kind(self, kind: str) -> list[Criterion]:
        return [c for c in self.criteria if c.kind == kind]

    def groups(self) -> list[str]:
        out: list[str] = []
        for c in self.by_kind("score"):
            if c.group not in out:
                out.append(c.group or "")
        return out

    # --- column names shared by both paths ---
    def cname(self, cid: str, part: str) -> str:
        return f"{self.tier}.{cid}.{part}"

    def stage1(self) -> list[tuple[str, Node]]:
        """Criterion columns: value, passed, points (and band-top points for ranges)."""
        out: list[tuple[str, Node]] = []
        for c in self.criteria:
            out.append((self.cname(c.id, "value"), c.value))
            out.append((self.cname(c.id, "passed"), c.passed))
            if c.points is not None:
                out.append((self.cname(c.id, "points"), c.points))
            if c.points_upper is not None:
                out.append((self.cname(c.id, "points_upper"), c.points_upper))
        return out

    def stage2(self) -> list[tuple[str, Node]]:
        """Group sums, total, the score line."""
        line = self.line
        if line is None:
            return []
        t = self.tier
        items = self.by_kind("score")
        out: list[tuple[str, Node]] = []
        sums: dict[str, Node] = {}
        uppers: dict[str, Node] = {}
        tops: dict[str, Node] = {}
        for g in self.groups():
            members = [c for c in items if (c.group or "") == g]
            pts = [internal(self.cname(c.id, "points")) for c in members]
            s = total(pts)
            u = total([coalesce(p, Lit(c.max_points)) for p, c in zip(pts, members, strict=True)])
            top = total(
                [
                    internal(self.cname(c.id, "points_upper")) if c.points_upper is not None else p
                    for p, c in zip(pts, members, strict=True)
                ]
            )
            cap = line.group_caps.get(g)
            if cap is not None:
                s, u, top = min2(s, Lit(cap)), min2(u, Lit(cap)), min2(top, Lit(cap))
            sums[g], uppers[g], tops[g] = s, u, top
            out.append((f"{t}.group.{g}", s))
        score = total(list(sums.values()))
        upper = total(list(uppers.values()))
        out.append((f"{t}.score_upper", total(list(tops.values()))))
        mark = line.pass_mark
        fail_parts: list[Node] = [(upper.le(mark) if line.strict else upper.lt(mark)).is_true()]
        pass_parts: list[Node] = [score.gt(mark) if line.strict else score.ge(mark)]
        for g, minimum in line.group_minimums.items():
            fail_parts.append(uppers[g].lt(minimum).is_true())
            pass_parts.append(sums[g].ge(minimum))
        for cid in line.nonzero:
            p = internal(self.cname(cid, "points"))
            fail_parts.append(p.eq(0).is_true())
            pass_parts.append(p.gt(0))
        passed = When([(any_of(fail_parts), FALSE), (all_of(pass_parts).is_true(), TRUE)], NULL)
        out.append((self.cname("score_line", "value"), score))
        out.append((self.cname("score_line", "passed"), passed))
        out.append((f"{t}.score_ceiling", upper))
        return out

    def stage3(self) -> list[tuple[str, Node]]:
        """Status, route, reported score, number of failed criteria."""
        t = self.tier
        hard = [internal(self.cname(c.id, "passed")) for c in self.by_kind("hard")]
        routes = [(c.id, internal(self.cname(c.id, "passed"))) for c in self.by_kind("route")]
        if self.line is not None:
            line = internal(self.cname("score_line", "passed"))
            line_true, line_false = line.is_true(), line.is_false()
        else:
            line_true, line_false = TRUE, FALSE
        h_all = all_of([h.is_true() for h in hard])
        h_any_false = any_of([h.is_false() for h in hard])
        r_any = any_of([r.is_true() for _, r in routes])
        r_all_false = all_of([r.is_false() for _, r in routes])
        status = When(
            [
                (h_any_false, Lit("not_eligible")),
                (h_all & r_any, Lit("eligible")),
                (h_all & line_true, Lit("eligible")),
                (line_false & r_all_false, Lit("not_eligible")),
            ],
            Lit("not_evaluable"),
        )
        route = When(
            [(h_any_false, NULL)]
            + [(h_all & r.is_true(), Lit(f"direct:{rid}")) for rid, r in routes]
            + [(h_all & line_true, Lit(self.conditions_route))],
            NULL,
        )
        out: list[tuple[str, Node]] = [(f"{t}.status", status), (f"{t}.route", route)]
        if self.line is not None:
            evaluable = status.ne("not_evaluable")
            out.append((f"{t}.score", When([(evaluable, internal(self.cname("score_line", "value")))], NULL)))
        else:
            out.append((f"{t}.score", NULL))
        failed = count_true([h.is_false() for h in hard]) + When([(line_false & r_all_false, Lit(1))], Lit(0))
        out.append((f"{t}.failed", failed))
        return out

    def line_criterion(self) -> Criterion | None:
        line = self.line
        if line is None:
            return None
        value = internal(self.cname("score_line", "value"))
        passed = internal(self.cname("score_line", "passed"))
        ceiling = internal(f"{self.tier}.score_ceiling")
        op = ">" if line.strict else "≥"
        names = {c.id: c.name for c in self.criteria}
        extra = "".join(f"，{g} ≥ {m}" for g, m in line.group_minimums.items())
        extra += "".join(f"，{names.get(cid, cid)} 得分 ≠ 0" for cid in line.nonzero)
        threshold = f"{op} {line.pass_mark}{extra}"
        need = line.pass_mark + (1 if line.strict else 0)

        def gap(ctx: Ctx) -> dict | None:
            v = ctx(value)
            if ctx(passed) is not False:
                return None
            if v is None:
                top = ctx(ceiling)
                if top is not None and top >= need:
                    # The total could still reach the line: what fails is a sub-requirement (a group minimum or
                    # an item that must not score 0), so saying "only N points" would contradict the numbers.
                    text = f"{line.name}：分项要求未满足（{threshold}）"
                elif top is None:
                    text = f"{line.name}：数据不全，无法计算是否达到 {op} {line.pass_mark} 分"
                else:
                    text = f"{line.name}：即使缺失项按满分计也只有 {fmt_num(top)} 分，达不到 {op} {line.pass_mark} 分"
                return gap_data(None, None, line.pass_mark, None, "分", text, relative=1.0)
            if v >= need:
                text = f"{line.name} {fmt_num(v)} 分达到总分线，但分项要求未满足（{threshold}）"
                return gap_data(None, v, need, 0, "分", text, relative=0.5)
            text = f"{line.name} {fmt_num(v)} → {need} 分：差 {fmt_num(need - v)} 分"
            return gap_data(None, v, need, need - v, "分", text)

        return Criterion(
            "score_line", line.name, line.clause, "line", value=value, passed=passed, threshold=threshold, gap=gap
        )


# --- registry ---------------------------------------------------------------------------------------------

_REGISTRY: dict[str, list[RuleSet]] = {t: [] for t in TIERS}


def register(rule_set: RuleSet) -> RuleSet:
    """Add a rule version. A new year's rules are a new RuleSet with a later `effective_from`."""
    versions = _REGISTRY.setdefault(rule_set.tier, [])
    if any(v.version == rule_set.version or v.effective_from == rule_set.effective_from for v in versions):
        raise ValueError(f"rule version {rule_set.version} clashes with a registered version")
    versions.append(rule_set)
    versions.sort(key=lambda v: v.effective_from)
    return rule_set


def rule_sets(tier: str) -> list[RuleSet]:
    return list(_REGISTRY.get(tier, []))


def rule_set_for(tier: str, on: date) -> RuleSet | None:
    """The version in force on `on` (latest effective_from ≤ on), or None before the first version."""
    chosen = None
    for v in _REGISTRY.get(tier, []):
        if v.effective_from <= on:
            chosen = v
    return chosen
