"""A score in words: each criterion, what was measured, the rule applied and the points it gave."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kechuang.finance.scoring.engine import BANDS, Scheme, Score, score

CRITERIA = {
    "rd_intensity": gettext_lazy("R&D intensity"),
    "ip": gettext_lazy("Intellectual property"),
    "qualifications": gettext_lazy("Qualifications (tiers of the ladder)"),
    "platforms": gettext_lazy("Innovation platforms (R&D institutions)"),
    "talents": gettext_lazy("R&D talent"),
    "growth": gettext_lazy("Growth"),
}
MEASURES = {
    "rd_intensity": gettext_lazy("R&D expense / operating revenue, latest year"),
    "talents": gettext_lazy("R&D staff / employees, latest year"),
    "growth": gettext_lazy("operating revenue growth over the year before"),
}
ITEMS = {
    "class_i": gettext_lazy("Class I IP (invention patents etc.)"),
    "class_ii": gettext_lazy("Class II IP (utility models, software etc.)"),
    "high_value": gettext_lazy("of which high-value patents (bonus)"),
    "tech_sme": gettext_lazy("Tech SME"),
    "high_tech": gettext_lazy("High-tech enterprise"),
    "innovative_sme": gettext_lazy("Innovative SME"),
    "specialized_sme": gettext_lazy("Specialized SME"),
    "little_giant": gettext_lazy("Little giant"),
    "leading_tech": gettext_lazy("Leading tech enterprise"),
    "eligible": gettext_lazy("tiers the ladder finds eligible, not yet held"),
    "national": gettext_lazy("national platform"),
    "provincial": gettext_lazy("provincial platform"),
    "municipal": gettext_lazy("municipal platform"),
    "below_municipal": gettext_lazy("platform below municipal level"),
}


def criterion_label(code: str) -> str:
    return str(CRITERIA.get(code, code))


def item_label(key: str) -> str:
    return str(ITEMS.get(key, key))


def _num(value: float) -> str:
    return f"{round(value, 2):g}"


def _pts(tenths: int) -> str:
    return f"{tenths / 10:g}"


@dataclass
class ExplainedLine:
    code: str
    label: str
    measured: str
    rule: str
    working: str
    points: str
    max_points: str
    points_tenths: int


def explain(result: Score, scheme: Scheme) -> list[ExplainedLine]:
    rows = []
    criteria = {c.code: c for c in scheme.criteria}
    for line in result.lines:
        c = criteria[line.code]
        if line.kind == BANDS:
            measured = (
                _("no data") if line.value is None else f"{_num(line.value)}{c.unit} ({MEASURES.get(line.code, '')})"
            )
            rule = "；".join(
                _("≥ %(at)s%(unit)s: %(p)s") % {"at": f"{at:g}", "unit": c.unit, "p": _pts(p)} for at, p in c.bands
            )
            if line.value is None:
                working = _("No value measured: 0 points.")
            elif line.band is None:
                working = _("%(v)s%(unit)s is below the first band (%(at)s%(unit)s): 0 points.") % {
                    "v": _num(line.value),
                    "unit": c.unit,
                    "at": f"{c.bands[0][0]:g}",
                }
            else:
                working = _("%(v)s%(unit)s reaches the band ≥ %(at)s%(unit)s: %(p)s points.") % {
                    "v": _num(line.value),
                    "unit": c.unit,
                    "at": f"{line.band[0]:g}",
                    "p": _pts(line.band[1]),
                }
            if line.next_band is not None and line.value is not None:
                working += " " + _("The next band needs %(at)s%(unit)s (%(p)s points).") % {
                    "at": f"{line.next_band[0]:g}",
                    "unit": c.unit,
                    "p": _pts(line.next_band[1]),
                }
        else:
            measured = "、".join(f"{item_label(p.item)} × {p.count}" for p in line.parts) or _("none")
            rule = "；".join(_("%(item)s: %(p)s each") % {"item": item_label(k), "p": _pts(e)} for k, e in c.items)
            sums = " + ".join(f"{p.count} × {_pts(p.each)}" for p in line.parts) or "0"
            working = f"{sums} = {_pts(line.raw)}"
            if line.cut:
                working += "；" + _("capped at the maximum %(m)s (−%(cut)s)") % {
                    "m": _pts(line.max_points),
                    "cut": _pts(line.cut),
                }
        rows.append(
            ExplainedLine(
                line.code,
                criterion_label(line.code),
                measured,
                rule,
                working,
                _pts(line.points),
                _pts(line.max_points),
                line.points,
            )
        )
    return rows


def explain_measures(measures: dict[str, Any], scheme: Scheme) -> tuple[Score, list[ExplainedLine]]:
    result = score(measures, scheme)
    return result, explain(result, scheme)


def scheme_rows(scheme: Scheme) -> list[dict[str, str]]:
    """The scheme as the page shows it: each criterion with its maximum and its bands or points each."""
    rows = []
    for c in scheme.criteria:
        if c.kind == BANDS:
            spec = "；".join(f"≥ {at:g}{c.unit}: {_pts(p)}" for at, p in c.bands)
        else:
            spec = "；".join(f"{item_label(k)}: {_pts(e)}" for k, e in c.items)
        rows.append({"code": c.code, "label": criterion_label(c.code), "max": _pts(c.max_points), "spec": spec})
    return rows


def grades_text(scheme: Scheme) -> str:
    return " · ".join(f"{g} ≥ {_pts(m)}" for m, g in scheme.grades)
