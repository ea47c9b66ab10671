"""What supervision offers the indicator module: the figures of accepted progress reports.

A lead department reports figures on its task's targets; once the bureau accepts the report, each figure is an
observation of the target's indicator for the target's region (or the city) and the period's quarter (cumulative
to that quarter's end). They reach the indicator module through `core.registry` (`indicator_feeds()` on the
AppConfig; `reports_accepted(years)` announces them once the acceptance commits), never by importing it.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from kechuang.core import registry
from kechuang.core.registry import FeedRow, IndicatorFeed

SOURCE = "督查督办进度报告（经市科技局审核通过）"


def _accepted_figures():
    from kechuang.supervision.models import ProgressReport, ReportFigure

    return ReportFigure.objects.filter(report__state=ProgressReport.State.ACCEPTED)


def _rows(code: str, years: Iterable[int] | None = None) -> list[FeedRow]:
    figures = _accepted_figures().filter(target__indicator__code=code)
    if years is not None:
        figures = figures.filter(report__period__year__in=set(years))
    found: dict[tuple[str, int, int], FeedRow] = {}
    # Two accepted reports on the same indicator, region and quarter: the later acceptance stands.
    for region, city, year, quarter, value in figures.order_by("report__accepted_at", "pk").values_list(
        "target__region__code",
        "report__period__policy__city__code",
        "report__period__year",
        "report__period__quarter",
        "value",
    ):
        code_of_unit = region or city
        found[(code_of_unit, year, quarter)] = FeedRow(code_of_unit, year, value, quarter)
    return list(found.values())


def indicator_feeds() -> list[IndicatorFeed]:
    codes = _accepted_figures().values_list("target__indicator__code", flat=True).distinct()
    return [IndicatorFeed(code, SOURCE, partial(_rows, code)) for code in sorted(set(codes))]


def reports_accepted(years: Iterable[int]) -> None:
    """Tell whoever listens, once the transaction commits, that these years' accepted figures changed."""
    from kechuang.supervision.models import ProgressReport

    registry.feed_changed(ProgressReport, years)
