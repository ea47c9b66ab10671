"""Pure rules of the outreach module (no Django): assessment grades by score bands, candidate readiness, and the
yearly figures of commissioners' service logs.

The bands are the bureau's to set (the reference leaves evaluation grades "to confirm with the bureau", §4): the
defaults below are used unless settings name others, and the pages that grade show the bands in force."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

# (lowest score, grade) from the highest band down; a score below every band gets the last grade.
COMMISSIONER_BANDS: tuple[tuple[Decimal, str], ...] = (
    (Decimal(90), "优秀"),
    (Decimal(75), "良好"),
    (Decimal(60), "合格"),
)
COMMISSIONER_FAIL = "不合格"
BASE_BANDS: tuple[tuple[Decimal, str], ...] = ((Decimal(85), "优秀"), (Decimal(60), "合格"))
BASE_FAIL = "不合格"
# A city base is ready to apply for the provincial title at this evaluation score, held for this many years.
CANDIDATE_SCORE = Decimal(85)
CANDIDATE_YEARS = 2


def grade(score: Decimal | int | float, bands: Sequence[tuple[Decimal, str]], fail: str) -> str:
    """The grade of `score`: the first band whose floor it reaches (bands from the highest down)."""
    value = Decimal(str(score))
    if value < 0 or value > 100:
        raise ValueError("score must be between 0 and 100")
    for floor, name in sorted(bands, key=lambda b: b[0], reverse=True):
        if value >= floor:
            return name
    return fail


def bands_text(bands: Sequence[tuple[Decimal, str]], fail: str) -> str:
    """The bands as the pages state them: "≥ 90 优秀；≥ 75 良好；≥ 60 合格；其余 不合格"."""
    parts = [f"≥ {floor:g} {name}" for floor, name in sorted(bands, key=lambda b: b[0], reverse=True)]
    return "；".join([*parts, f"其余 {fail}"])


@dataclass(frozen=True)
class Readiness:
    """How far a candidate base is from the provincial title's threshold."""

    years_at_threshold: int  # consecutive latest years at or above the score
    latest_score: Decimal | None
    gap: Decimal  # points missing in the latest year (0 when reached)
    ready: bool


def readiness(scores_by_year: dict[int, Decimal], *, threshold: Decimal, years: int) -> Readiness:
    """Ready when the latest `years` evaluations (consecutive years) all reach `threshold`."""
    if not scores_by_year:
        return Readiness(0, None, threshold, False)
    ordered = sorted(scores_by_year.items(), reverse=True)
    latest_year, latest = ordered[0]
    run, expected = 0, latest_year
    for year, score in ordered:
        if year != expected or score < threshold:
            break
        run, expected = run + 1, year - 1
    return Readiness(run, latest, max(Decimal(0), threshold - latest), run >= years)


@dataclass
class Totals:
    """Figures of service logs for one group (a region, a town, the city)."""

    visits: int = 0
    people_trained: int = 0
    technologies: int = 0
    income_wan: Decimal = Decimal(0)
    commissioners: set = field(default_factory=set)
    places: set = field(default_factory=set)

    def add(self, log: LogFact) -> None:
        self.visits += 1
        self.people_trained += log.people_trained
        self.technologies += log.technologies_introduced
        self.income_wan += log.income_effect_wan
        self.commissioners.add(log.commissioner)
        self.places.add((log.town, log.village or log.served_name))


@dataclass(frozen=True)
class LogFact:
    commissioner: int
    region: str
    town: str
    village: str
    served_name: str
    people_trained: int
    technologies_introduced: int
    income_effect_wan: Decimal


def totals_by(logs: Iterable[LogFact], key) -> dict:
    """Totals per `key(log)`, and the overall under None."""
    out: dict = {None: Totals()}
    for log in logs:
        out.setdefault(key(log), Totals()).add(log)
        out[None].add(log)
    return out
