"""Charts drawn on the server as SVG (sparklines on the dashboard; every chart of the PDF briefing, since WeasyPrint
runs no JavaScript). Plain Python; text is escaped."""

from __future__ import annotations

import math
from html import escape

STATUS_COLOURS = {"on_track": "#2e7d32", "at_risk": "#e0a800", "off_track": "#c62828", "none": "#9aa5b1"}
BLUE = "#1f5fa8"
PURPLE = "#8e5ea2"  # the comparison line, as on the interactive chart


def fmt(value: float | None, digits: int | None = None) -> str:
    """1520 → "1,520"; 2.71 → "2.71"; None → "—"."""
    if value is None:
        return "—"
    if digits is None:
        digits = 0 if abs(value) >= 100 else (1 if abs(value) >= 10 else 2)
    text = f"{value:,.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round axis ticks (steps of 1, 2 or 5 × 10^k) covering [lo, hi]."""
    if hi == lo:
        hi, lo = hi + (abs(hi) * 0.1 or 1.0), lo - (abs(lo) * 0.1 or 1.0)
    raw = (hi - lo) / max(1, count - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    start = math.floor(lo / step) * step
    ticks = []
    value = start
    while value < hi + step * 0.999:
        ticks.append(round(value, 10))
        value += step
    return ticks


def sparkline_points(series: list[tuple[int, float]], width: int = 120, height: int = 32) -> str:
    """The `points` attribute of an SVG polyline for a small trend line (empty when fewer than 2 points)."""
    if len(series) < 2:
        return ""
    xs = [y for y, _ in series]
    ys = [v for _, v in series]
    x0, x1 = min(xs), max(xs)
    lo, hi = min(ys), max(ys)
    span_y = (hi - lo) or 1.0
    pts = []
    for x, y in series:
        px = (x - x0) / ((x1 - x0) or 1) * (width - 4) + 2
        py = height - 2 - (y - lo) / span_y * (height - 4)
        pts.append(f"{px:.1f},{py:.1f}")
    return " ".join(pts)


def line_chart_svg(
    *,
    history: list[tuple[int, float]],
    path: list[tuple[int, float]] | None = None,
    forecast: list[dict] | None = None,
    target: float | None = None,
    unit: str = "",
    width: int = 520,
    height: int = 220,
    comparison: list[tuple[int, float]] | None = None,
    comparison_label: str = "",
    right_axis_note: str = " (right axis)",
    target_word: str = "目标",
) -> str:
    """History (solid), planned path (dashed), forecast median and its band (shaded), target line (red dashed), and a
    labelled comparison line (purple, dashed; e.g. the province's published series) — on a right-hand axis of its own
    when its scale is more than three times apart from the city's, as on the interactive chart."""
    forecast = forecast or []
    path = path or []
    points = [*history, *path, *[(f["year"], f["value"]) for f in forecast]]
    values = [v for _, v in points] + [f["lower"] for f in forecast] + [f["upper"] for f in forecast]
    if target is not None:
        values.append(target)
    if not points:
        return ""
    comparison = [(y, v) for y, v in (comparison or []) if y >= min(y for y, _ in points)]
    ours = max((abs(v) for v in values), default=0.0)
    theirs = max((abs(v) for _, v in comparison), default=0.0)
    apart = bool(comparison) and ours > 0 and theirs > 0 and max(ours / theirs, theirs / ours) > 3
    if comparison and not apart:
        values += [v for _, v in comparison]
    left, right, top, bottom = 52, (48 if apart else 12), 14, 28
    years = [y for y, _ in points] + [y for y, _ in comparison]
    x0, x1 = min(years), max(years)
    ticks = nice_ticks(min(values), max(values))
    lo, hi = ticks[0], ticks[-1]

    def x(year: float) -> float:
        return left + (year - x0) / ((x1 - x0) or 1) * (width - left - right)

    def y(value: float) -> float:
        return top + (hi - value) / ((hi - lo) or 1) * (height - top - bottom)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        'font-family="Noto Sans CJK SC" font-size="10">'
    ]
    for value in ticks:
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(value):.1f}" y2="{y(value):.1f}" stroke="#e3e7ec"/>'
        )
        parts.append(
            f'<text x="{left - 4}" y="{y(value) + 3:.1f}" text-anchor="end" fill="#66737f">{fmt(value)}</text>'
        )
    step = max(1, math.ceil((x1 - x0 + 1) / max(1, (width - left - right) // 42)))
    for year in range(x0, x1 + 1, step):
        parts.append(f'<text x="{x(year):.1f}" y="{height - 10}" text-anchor="middle" fill="#66737f">{year}</text>')
    if forecast:
        upper = " ".join(f"{x(f['year']):.1f},{y(f['upper']):.1f}" for f in forecast)
        lower = " ".join(f"{x(f['year']):.1f},{y(f['lower']):.1f}" for f in reversed(forecast))
        if history:
            hx, hy = history[-1]
            anchor = f"{x(hx):.1f},{y(hy):.1f}"
            upper, lower = f"{anchor} {upper}", f"{lower} {anchor}"
        parts.append(f'<polygon points="{upper} {lower}" fill="#1f5fa8" fill-opacity="0.15" stroke="none"/>')
        median = [history[-1]] if history else []
        median += [(f["year"], f["value"]) for f in forecast]
        pts = " ".join(f"{x(a):.1f},{y(b):.1f}" for a, b in median)
        parts.append(
            f'<polyline points="{pts}" fill="none" stroke="{BLUE}" stroke-width="1.5" stroke-dasharray="2 3"/>'
        )
    if path:
        pts = " ".join(f"{x(a):.1f},{y(b):.1f}" for a, b in path)
        parts.append(
            f'<polyline points="{pts}" fill="none" stroke="#2e7d32" stroke-width="1.5" stroke-dasharray="6 4"/>'
        )
    if target is not None:
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(target):.1f}" y2="{y(target):.1f}" stroke="#c62828" '
            'stroke-dasharray="4 3"/>'
        )
        parts.append(
            f'<text x="{width - right}" y="{y(target) - 4:.1f}" text-anchor="end" fill="#c62828">'
            f"{escape(target_word)} {escape(fmt(target))}{escape(unit)}</text>"
        )
    if comparison:
        y2 = y
        if apart:
            ticks2 = nice_ticks(min(v for _, v in comparison), max(v for _, v in comparison))
            lo2, hi2 = ticks2[0], ticks2[-1]

            def y2(value: float) -> float:
                return top + (hi2 - value) / ((hi2 - lo2) or 1) * (height - top - bottom)

            for value in ticks2:
                parts.append(
                    f'<text x="{width - right + 4}" y="{y2(value) + 3:.1f}" fill="{PURPLE}">{fmt(value)}</text>'
                )
        pts = " ".join(f"{x(a):.1f},{y2(b):.1f}" for a, b in comparison)
        parts.append(
            f'<polyline points="{pts}" fill="none" stroke="{PURPLE}" stroke-width="1.5" stroke-dasharray="5 3"/>'
        )
        for a, b in comparison:
            parts.append(f'<circle cx="{x(a):.1f}" cy="{y2(b):.1f}" r="2" fill="{PURPLE}"/>')
        if comparison_label:
            label = comparison_label + (right_axis_note if apart else "")
            # Bottom left inside the plot: the top is the target's label and the first tick's
            parts.append(f'<text x="{left + 4}" y="{height - bottom - 4}" fill="{PURPLE}">{escape(label)}</text>')
    if history:
        pts = " ".join(f"{x(a):.1f},{y(b):.1f}" for a, b in history)
        parts.append(f'<polyline points="{pts}" fill="none" stroke="{BLUE}" stroke-width="2"/>')
        for a, b in history:
            parts.append(f'<circle cx="{x(a):.1f}" cy="{y(b):.1f}" r="2.2" fill="{BLUE}"/>')
    parts.append("</svg>")
    return "".join(parts)


def bar_chart_svg(rows: list[tuple[str, float]], *, unit: str = "", width: int = 520, bar: int = 18) -> str:
    """Horizontal bars, one per (label, value), in the given order (a ranking)."""
    if not rows:
        return ""
    left, right, gap = 88, 70, 6
    height = len(rows) * (bar + gap) + 8
    top = max(v for _, v in rows) or 1.0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        'font-family="Noto Sans CJK SC" font-size="11">'
    ]
    for i, (label, value) in enumerate(rows):
        y = 4 + i * (bar + gap)
        w = max(0.0, value) / top * (width - left - right)
        parts.append(
            f'<text x="{left - 6}" y="{y + bar * 0.72:.1f}" text-anchor="end" fill="#1f2933">{escape(label)}</text>'
        )
        parts.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar}" fill="{BLUE}" rx="2"/>')
        parts.append(
            f'<text x="{left + w + 4:.1f}" y="{y + bar * 0.72:.1f}" fill="#1f2933">'
            f"{escape(fmt(value))}{escape(unit)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def progress_svg(percent: float | None, status: str, width: int = 160, height: int = 10) -> str:
    """A progress bar for the PDF (WeasyPrint draws <progress> poorly)."""
    p = max(0.0, min(100.0, percent or 0.0))
    colour = STATUS_COLOURS.get(status, STATUS_COLOURS["none"])
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">'
        f'<rect width="{width}" height="{height}" rx="3" fill="#e3e7ec"/>'
        f'<rect width="{p / 100 * width:.1f}" height="{height}" rx="3" fill="{colour}"/></svg>'
    )
