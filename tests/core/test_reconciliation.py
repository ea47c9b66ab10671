"""Reconciliation: a number shown for the same thing on two pages is equal, or the page says why not.

Every figure is read as a user reads it: the persona opens the page, and the number is taken from the visible
text (or the JSON a machine reads from the API), never from the context or the database. A `Pair` names the
figures that must agree; `PAIRS` is the registry, so a new module adds its own pairs here (see `Figure`'s
constructors `page`, `api` and `sheet`). When two pages legitimately show different figures for similar things
(registered on the platform vs official statistics, output vs absorbed basis, registration vs signing date),
each page must say which basis it shows: `Pair(..., basis=...)` lists the words each page must carry instead.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db

# ---------------------------------------------------------------------------------------------------------------------
# Reading pages as a user does


_HIDDEN = {"script", "style", "template", "head", "title"}
_BLOCKS = {"p", "div", "li", "tr", "h1", "h2", "h3", "h4", "section", "article", "br", "dt", "dd", "table", "td", "th"}
_VOID = {"br", "img", "input", "meta", "link", "hr", "source", "col", "wbr"}


class _Text(HTMLParser):
    """Visible text of <main>, and of each element carrying a data-testid (by testid, in page order)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.main: list[str] = []
        self.blocks: dict[str, list[list[str]]] = {}
        self._open: list[tuple[str, list[str] | None]] = []  # (tag, the block it opens)
        self._hidden = 0
        self._in_main = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            if tag == "br":
                self._write(" ")
            return
        found = dict(attrs)
        block = None
        if found.get("data-testid"):
            block = []
            self.blocks.setdefault(found["data-testid"], []).append(block)
        self._open.append((tag, block))
        if tag in _HIDDEN or "hidden" in found:
            self._hidden += 1
        if tag == "main":
            self._in_main += 1
        if tag in _BLOCKS:
            self._write(" ")

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            opened, _block = self._open.pop()
            if opened in _HIDDEN:
                self._hidden -= 1
            if opened == "main":
                self._in_main -= 1
            if opened == tag:
                break
        if tag in _BLOCKS:
            self._write(" ")

    def handle_data(self, data: str) -> None:
        self._write(data)

    def _write(self, data: str) -> None:
        if self._hidden:
            return
        if self._in_main:
            self.main.append(data)
        for _tag, block in self._open:
            if block is not None:
                block.append(data)


def _squash(parts: list[str]) -> str:
    return re.sub(r"\s+", " ", "".join(parts)).strip()


@dataclass
class Page:
    text: str  # the visible text of <main>, whitespace squashed
    blocks: dict[str, list[str]]  # data-testid → the visible text of each such element

    def block(self, testid: str, containing: str = "") -> str:
        found = [b for t in testid.split("|") for b in self.blocks.get(t, []) if containing in b]
        assert found, f"no element data-testid={testid!r} containing {containing!r}"
        return found[0]


def read_page(html: str) -> Page:
    parser = _Text()
    parser.feed(html)
    return Page(_squash(parser.main), {k: [_squash(b) for b in v] for k, v in parser.blocks.items()})


NUMBER = r"(-?\d[\d,]*(?:\.\d+)?)"


def to_number(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def search(text: str, pattern: str, where: str) -> re.Match[str]:
    found = re.search(pattern, text)
    assert found, f"{where}: {pattern!r} not found in: {text[:600]}"
    return found


def agree(a: Decimal, b: Decimal) -> bool:
    """Equal as far as the less precise of the two shows (1,105 on one page is 1,104.60 on another)."""

    def step(x: Decimal) -> Decimal:
        exponent = x.normalize().as_tuple().exponent
        return Decimal(1).scaleb(min(0, int(exponent)))

    return abs(a - b) <= max(step(a), step(b)) / 2


@dataclass(frozen=True)
class Reading:
    value: Decimal | str
    where: str
    text: str = ""  # the page's text, to look for the basis words


@dataclass(frozen=True)
class Figure:
    """One figure as a persona reads it. `url` and the patterns may use {year} (this year) and {region} (the
    persona's region name)."""

    persona: str
    url: str
    read: Callable[[Any, dict[str, str]], Reading]
    label: str = ""

    @classmethod
    def page(cls, persona: str, url: str, pattern: str, *, testid: str = "", containing: str = "") -> Figure:
        """The first group of `pattern` in the page's visible text (or in the element with that data-testid)."""

        def read(response: Any, words: dict[str, str]) -> Reading:
            assert response.status_code == 200, f"{url} as {persona}: {response.status_code}"
            page = read_page(response.content.decode())
            text = page.block(testid, _fill(containing, words)) if testid else page.text
            found = search(text, _fill(pattern, words), f"{url} as {persona}")
            return Reading(_value(found.group(1)), f"{url} as {persona}", page.text)

        return cls(persona, url, read, label=pattern)

    @classmethod
    def count(cls, persona: str, url: str) -> Figure:
        """The number of records of a paginated list ("共 N 条"), 0 when the list says it is empty."""

        def read(response: Any, words: dict[str, str]) -> Reading:
            assert response.status_code == 200, f"{url} as {persona}: {response.status_code}"
            page = read_page(response.content.decode())
            found = re.search(r"共 ([\d,]+) 条", page.text)
            if found is None:
                assert page.blocks.get("empty-list") or "没有" in page.text, f"{url}: neither a count nor empty"
                return Reading(Decimal(0), f"{url} as {persona}", page.text)
            return Reading(to_number(found.group(1)), f"{url} as {persona}", page.text)

        return cls(persona, url, read)

    @classmethod
    def api(cls, persona: str, url: str, pick: Callable[[Any, dict[str, str]], Any]) -> Figure:
        def read(response: Any, words: dict[str, str]) -> Reading:
            assert response.status_code == 200, f"{url} as {persona}: {response.status_code}"
            value = pick(response.json(), words)
            return Reading(_value(str(value)), f"{url} as {persona}")

        return cls(persona, url, read)

    @classmethod
    def sheet(cls, persona: str, url: str, pick: Callable[[Any, dict[str, str]], Any]) -> Figure:
        def read(response: Any, words: dict[str, str]) -> Reading:
            from openpyxl import load_workbook

            assert response.status_code == 200, f"{url} as {persona}: {response.status_code}"
            book = load_workbook(io.BytesIO(response.content), read_only=True)
            value = pick(book, words)
            return Reading(_value(str(value)), f"{url} as {persona}")

        return cls(persona, url, read)


def _fill(text: str, words: dict[str, str]) -> str:
    """{year} and the like, leaving regular-expression braces alone."""
    for key, value in words.items():
        text = text.replace("{" + key + "}", value)
    return text


def _value(raw: str) -> Decimal | str:
    try:
        return to_number(raw)
    except (ArithmeticError, ValueError):
        return raw.strip()


@dataclass(frozen=True)
class Pair:
    """Figures that show the same thing and must agree. With `basis`, the figures may differ, but then every page
    must carry its basis words (figure i's page must contain basis[i])."""

    name: str
    figures: tuple[Figure, ...]
    basis: tuple[str, ...] = ()
    marks: tuple[Any, ...] = field(default=())


# ---------------------------------------------------------------------------------------------------------------------
# The registry of pairs. Status words are the UI's (zh-hans, the default language).

COCKPIT_TARGET = "headline-target|recurring-target"
STATUS = r"(正常推进|存在风险|严重滞后|暂无数据)"
STATUS_CODE = {"on_track": "正常推进", "at_risk": "存在风险", "off_track": "严重滞后", "none": "暂无数据"}


def _target(code: str, key: str) -> Callable[[Any, dict[str, str]], Any]:
    def pick(rows: list[dict[str, Any]], words: dict[str, str]) -> Any:
        row = next(r for r in rows if r["indicator"] == code)
        return STATUS_CODE[row[key]] if key == "status" else row[key]

    return pick


def _briefing_status(name: str) -> Callable[[Any, dict[str, str]], str]:
    def pick(book: Any, words: dict[str, str]) -> str:
        for row in book["目标进展"].iter_rows(values_only=True):
            if row and row[0] and str(row[0]).startswith(name):
                return next(str(c) for c in row if str(c) in STATUS_CODE.values())
        raise AssertionError(f"{name} not in the briefing workbook")

    return pick


def indicator_pairs(code: str, name: str, persona: str = "leader") -> list[Pair]:
    """The value and status of one policy target on the cockpit, the dashboard, the indicator page, the briefing
    and the API."""
    dashboard = "/indicators/"
    detail = f"/indicators/{code}/"
    card = {"testid": "target-card", "containing": name}
    cockpit = {"testid": COCKPIT_TARGET, "containing": name}
    value = NUMBER
    return [
        Pair(
            f"{code}: latest value (cockpit, dashboard, indicator page, API) as {persona}",
            (
                Figure.page(persona, "/", r"(?:最新|latest) " + value, **cockpit),
                Figure.page(persona, dashboard, value, **card),
                Figure.page(persona, detail, r"最新值 \(\d{4}\) " + value),
                Figure.api(persona, "/api/targets", _target(code, "latest_value")),
            ),
        ),
        Pair(
            f"{code}: status (cockpit, dashboard, indicator page, briefing, API) as {persona}",
            (
                Figure.page(persona, "/", STATUS, **cockpit),
                Figure.page(persona, dashboard, STATUS, **card),
                Figure.page(persona, detail, r"最新值 \(\d{4}\) [\d,.]+ \S* ?" + STATUS),
                Figure.sheet(persona, "/indicators/briefing/briefing.xlsx", _briefing_status(name)),
                Figure.api(persona, "/api/targets", _target(code, "status")),
            ),
        ),
    ]


def _turnover_api(basis: str, region_name: str) -> Callable[[Any, dict[str, str]], Any]:
    from kechuang.core.models import OrgUnit

    def pick(rows: list[dict[str, Any]], words: dict[str, str]) -> Any:
        code = OrgUnit.objects.get(name=region_name, parent__parent=None).code
        return next(r["amount_wan"] for r in rows if r["basis"] == basis and r["region_code"] == code)

    return pick


YEAR = "{year}"

PAIRS: list[Pair] = [
    *indicator_pairs("high_tech_enterprises", "高新技术企业数量"),
    *indicator_pairs("tech_smes", "科技型中小企业数量"),
    *indicator_pairs("rd_intensity", "全社会研发经费投入强度"),
    *indicator_pairs("high_tech_output_share", "规模以上高新技术产业产值占规模以上工业产值比重"),
    *indicator_pairs("innovation_platforms_provincial_plus", "省级以上创新平台数量"),
    *indicator_pairs("talent_projects_foreign", "年度开展各级引智项目数"),
    *indicator_pairs("high_tech_enterprises", "高新技术企业数量", "zhangdian_officer"),
    # The platforms counted toward the 600 this year: the board, the list behind its number, the API.
    *[
        Pair(
            f"platforms counted toward the 600 this year: board, list, API as {persona}",
            (
                Figure.page(persona, "/platforms/board/", r"([\d,]+)", testid="board-total"),
                Figure.count(persona, "/platforms/?counted={year}"),
                Figure.api(persona, "/api/platforms/board", lambda data, w: data["total"]),
            ),
        )
        for persona in ("leader", "zhangdian_officer")
    ],
    # This year's registered technology-contract turnover, output basis (the seller in the city), 万元.
    Pair(
        "turnover this year, city, output basis: cockpit, market dashboard, contract statistics, indicator",
        (
            Figure.page(
                "leader",
                "/",
                rf"{YEAR}年技术合同成交额.*?([\d,.]+) ?万元",
                testid="cockpit-card",
                containing="技术合同成交额",
            ),
            Figure.page("leader", "/techmarket/dashboard/", r"万元） ([\d,.]+)", testid="kpi-turnover-year"),
            Figure.page("leader", "/techmarket/contracts/statistics/", r"([\d,.]+) [\d,.—]+$", testid="city-output"),
            Figure.api(
                "leader",
                "/api/observations?indicator=tech_contract_turnover_registered_output&region=zibo&limit=100",
                lambda data, w: next(o["value"] for o in data["items"] if o["year"] == int(w["year"])),
            ),
        ),
    ),
    Pair(
        "turnover this year, a district officer's region, output basis: cockpit, dashboard, statistics, API",
        (
            Figure.page("zhangdian_officer", "/", r"([\d,.]+) ?万元", testid="cockpit-card", containing="成交额"),
            Figure.page("zhangdian_officer", "/techmarket/dashboard/", r"万元） ([\d,.]+)", testid="kpi-turnover-year"),
            Figure.api("zhangdian_officer", "/api/techmarket/turnover?year={year}", _turnover_api("output", "张店区")),
        ),
    ),
    Pair(
        "market dashboard KPIs say which period they count: the registered contracts are all years'",
        (
            Figure.page("leader", "/techmarket/dashboard/", r"([\d,]+)", testid="kpi-contracts"),
            Figure.count("leader", "/techmarket/contracts/?status=registered"),
        ),
    ),
    Pair(
        "official statistics (亿元) and the platform's registrations (万元) are labelled as such",
        (
            Figure.page("leader", "/indicators/tech_contract_turnover_output/", r"(\d{4})"),
            Figure.page("leader", "/indicators/tech_contract_turnover_registered_output/", r"(\d{4})"),
        ),
        basis=("官方统计", "本平台"),
    ),
    # Reporting progress: the district officer's cockpit and the supervision matrix count the same reports.
    Pair(
        "reports handed on this period: district officer's cockpit vs the matrix",
        (
            Figure.page("zhangdian_officer", "/", r"已报送 (\d+ / \d+) 份"),
            Figure.page("zhangdian_officer", "/supervision/", r"(\d+ / \d+)", testid="handed-on"),
            Figure.page("leader", "/", r"已报送 (\d+ / \d+) 份"),
        ),
    ),
    # The enterprise register: the cockpit's counts and the register's list.
    Pair(
        "tech SMEs holding a valid qualification: cockpit vs register list",
        (
            Figure.page("leader", "/", r"([\d,]+)", testid="cockpit-card", containing="科技型中小企业"),
            Figure.count("leader", "/enterprises/?held=tech_sme"),
        ),
    ),
    Pair(
        "high-tech enterprises holding a valid certificate: cockpit vs register list",
        (
            Figure.page("leader", "/", r"([\d,]+)", testid="cockpit-card", containing="高新技术企业"),
            Figure.count("leader", "/enterprises/?held=high_tech"),
        ),
    ),
    # Issue 14: the headline value is counted from the register; its provenance links to the list it counted.
    Pair(
        "tech SMEs: the cockpit's headline value vs the register list its provenance links to",
        (
            Figure.page(
                "leader", "/", r"(?:最新|latest) " + NUMBER, testid=COCKPIT_TARGET, containing="科技型中小企业数量"
            ),
            Figure.page("leader", "/indicators/tech_smes/", r"最新值 \(\d{4}\) " + NUMBER),
            Figure.count("leader", "/enterprises/?held=tech_sme"),
        ),
    ),
    Pair(
        "tech SMEs: the indicator on the cockpit vs the register's count on the cockpit",
        (
            Figure.page(
                "leader", "/", r"(?:最新|latest) " + NUMBER, testid=COCKPIT_TARGET, containing="科技型中小企业数量"
            ),
            Figure.page("leader", "/", r"([\d,]+)", testid="cockpit-card", containing="科技型中小企业"),
        ),
    ),
]


def _export_rows(persona: str, url: str) -> Figure:
    """The number of data rows of a streamed Excel export."""

    def read(response: Any, words: dict[str, str]) -> Reading:
        from openpyxl import load_workbook

        assert response.status_code == 200, f"{url} as {persona}: {response.status_code}"
        book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
        return Reading(Decimal(book.active.max_row - 1), f"{url} as {persona}")

    return Figure(persona, url, read)


# Data collection: the board's count of approved forms, the board filtered to them, and its export.
PAIRS += [
    Pair(
        f"approved collection forms this year as {persona}: board KPI, board filtered, export",
        (
            Figure.page(persona, "/indicators/collection/board/?year={year}", r"(\d+)", testid="approved-count"),
            Figure.page(
                persona, "/indicators/collection/board/?year={year}&state=approved", r"(\d+)", testid="forms-count"
            ),
            _export_rows(persona, "/indicators/collection/board.xlsx?year={year}&state=approved"),
        ),
    )
    for persona in ("bureau_staff", "zhangdian_officer")
]
# S&T projects: the projects with overdue milestones on the pipeline's card and in its filtered export.
PAIRS += [
    Pair(
        f"projects with overdue milestones as {persona}: pipeline card, filtered export",
        (
            Figure.page(persona, "/projects/", r"(\d+)", testid="overdue-count"),
            _export_rows(persona, "/projects/export.xlsx?overdue=1"),
        ),
    )
    for persona in ("bureau_staff", "zhangdian_officer")
]


FUNNEL_TIERS = {
    "tech_sme": "科技型中小企业",
    "high_tech": "高新技术企业",
    "innovative_sme": "创新型中小企业",
    "specialized_sme": "专精特新中小企业",
    "little_giant": "专精特新“小巨人”企业",
}
FUNNEL_COLUMNS = {
    "held": r"(\d+) / \d+ / \d+",
    "eligible": r"\d+ / (\d+) / \d+",
    "near": r"\d+ / \d+ / (\d+)",
}
PAIRS += [
    Pair(
        f"enterprise funnel ({tier}, {column}, city) vs the list it links to",
        (
            Figure.page("bureau_staff", "/enterprises/funnel/", f"{label} 持有 / 符合 / 差一项 {pattern}"),
            Figure.count("bureau_staff", f"/enterprises/?{column}={tier}"),
        ),
    )
    for tier, label in FUNNEL_TIERS.items()
    for column, pattern in FUNNEL_COLUMNS.items()
]

# Commissioners' visits and places served this year: the statistics' total, the region view and the log list.
PAIRS += [
    Pair(
        f"commissioner visits this year as {persona}: statistics, region view, service-log list",
        (
            Figure.page(persona, "/outreach/statistics/?year={year}", r"([\d,]+)", testid="stats-visits"),
            Figure.page(persona, "/outreach/regions/?year={year}", r"([\d,]+)", testid="visits-total"),
            Figure.count(persona, "/outreach/logs/?year={year}"),
        ),
    )
    for persona in ("bureau_staff", "zhangdian_officer")
] + [
    Pair(
        f"places served this year as {persona}: statistics, region view",
        (
            Figure.page(persona, "/outreach/statistics/?year={year}", r"([\d,]+)", testid="stats-places"),
            Figure.page(persona, "/outreach/regions/?year={year}", r"([\d,]+)", testid="places-total"),
        ),
    )
    for persona in ("bureau_staff", "zhangdian_officer")
]


# S&T finance: the board's counts and the lists (and exports) they stand for, city-wide and for a district.
PAIRS += [
    Pair(
        f"finance: loans whose borrower lost its tech-SME number as {persona}: board, list, export",
        (
            Figure.page(persona, "/finance/", r"(\d+)", testid="kpi-warnings"),
            Figure.count(persona, "/finance/loans/?warning=1"),
            _export_rows(persona, "/finance/loans/export.xlsx?warning=1"),
        ),
    )
    for persona in ("bureau_staff", "zhangdian_officer")
] + [
    Pair(
        f"finance: {what} as {persona}: board, list, API",
        (
            Figure.page(persona, "/finance/", r"(\d+)", testid=testid),
            Figure.count(persona, url),
            Figure.api(persona, api, lambda data, w: data["count"]),
        ),
    )
    for persona in ("bureau_staff", "zichuan_officer")
    for what, testid, url, api in (
        ("firms scored", "kpi-scored", "/finance/scores/", "/api/finance/scores?limit=1"),
        ("listing reserve", "kpi-reserve", "/finance/listing/", "/api/finance/listing?limit=1"),
    )
]


# ---------------------------------------------------------------------------------------------------------------------
# The tests


def _words() -> dict[str, str]:
    return {"year": str(timezone.localdate().year)}


def _params() -> list[Any]:
    return [pytest.param(p, id=p.name, marks=p.marks) for p in PAIRS]


@pytest.mark.parametrize("pair", _params())
def test_same_figure_on_every_page(demo_site, client, persona, pair: Pair) -> None:
    readings = []
    for figure in pair.figures:
        client.force_login(persona(figure.persona))
        words = _words()
        url = _fill(figure.url, words)
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
        readings.append(figure.read(response, words))
    if pair.basis:
        for reading, words in zip(readings, pair.basis, strict=True):
            assert words in reading.text, f"{reading.where} does not say its basis ({words})"
        return
    first = readings[0]
    for other in readings[1:]:
        if isinstance(first.value, Decimal) and isinstance(other.value, Decimal):
            same = agree(first.value, other.value)
        else:
            same = str(first.value) == str(other.value)
        assert same, f"{pair.name}: {first.value} on {first.where} but {other.value} on {other.where}"


# ---------------------------------------------------------------------------------------------------------------------
# Defect 10: the status follows from the forecast probability shown beside it, by the rule shown on the page.


def _status_for(probability: float, page_text: str) -> str:
    """The rule as the page states it: 'probability ≥ A %: on track; ≥ B %: at risk; below: off track'."""
    found = search(page_text, r"达标概率 ?≥ ?(\d+)% ?[:：]? ?正常推进.*?≥ ?(\d+)% ?[:：]? ?存在风险", "the status rule")
    on, risk = int(found.group(1)), int(found.group(2))
    return "正常推进" if probability >= on else "存在风险" if probability >= risk else "严重滞后"


DEADLINE_TARGETS = [
    ("high_tech_enterprises", "leader"),
    ("tech_smes", "leader"),
    ("high_tech_output_share", "leader"),
    ("innovation_platforms_provincial_plus", "leader"),
    ("high_tech_enterprises", "zhangdian_officer"),
    ("high_tech_enterprises", "zichuan_officer"),
]


@pytest.mark.parametrize(("code", "who"), DEADLINE_TARGETS)
def test_status_agrees_with_the_probability_shown_beside_it(demo_site, client_as, code: str, who: str) -> None:
    from kechuang.policy.models import Target

    page = read_page(client_as(who).get(f"/indicators/{code}/").content.decode())
    deadline = Target.objects.filter(indicator__code=code).exclude(deadline=None).values_list("deadline", flat=True)
    if timezone.localdate().year >= max(deadline).year:
        # From the deadline year on the outcome is measured, not forecast: no probability beside the status (the
        # rule's wording still names it).
        assert not re.search(r"达标概率 \d+%", page.text), code
        return
    probability = int(search(page.text, r"达标概率 (\d+)%", code).group(1))
    status = search(page.text, r"最新值 \(\d{4}\) [\d,.]+ \S* ?" + STATUS, code).group(1)
    # Whatever the rule's thresholds, a near-certain target is not "at risk" and a near-hopeless one not "on track".
    assert not (probability >= 90 and status != "正常推进"), f"{code} as {who}: {status} at {probability}%"
    assert not (probability <= 10 and status == "正常推进"), f"{code} as {who}: {status} at {probability}%"
    assert status == _status_for(probability, page.text), f"{code} as {who}: {status} at {probability}%"


def test_rd_intensity_is_an_annual_target_on_every_page(demo_site, client_as) -> None:
    """The policy holds R&D intensity at ≥ 3 % every year (cadence P1Y): no page may show it as a 2027 deadline."""
    client = client_as("leader")
    name = "全社会研发经费投入强度"
    cockpit = read_page(client.get("/").content.decode()).block(COCKPIT_TARGET, name)
    dashboard = read_page(client.get("/indicators/").content.decode()).block("target-card", name)
    detail = read_page(client.get("/indicators/rd_intensity/").content.decode())
    latest_year = client.get("/api/targets").json()
    latest_year = next(t for t in latest_year if t["indicator"] == "rd_intensity")["latest_year"]
    for where, text in (("cockpit", cockpit), ("dashboard", dashboard), ("indicator page", detail.block("target-kpi"))):
        assert "每年" in text, f"{where}: {text}"
        # the latest value's own year may be 2027; the policy's deadline year may not appear otherwise
        latest = rf"最新[：:]?\s*{latest_year}年?|· {latest_year} ·|\({latest_year}\)|最近一期（{latest_year}年）"
        assert "2027" not in re.sub(latest, "", text), f"{where}: {text}"
    targets = client.get("/api/targets").json()
    rd = next(t for t in targets if t["indicator"] == "rd_intensity")
    assert rd["cadence_years"] == 1 and rd["deadline_year"] is None


@pytest.mark.parametrize(
    "url", ["/", "/indicators/", "/indicators/high_tech_enterprises/", "/indicators/rd_intensity/"]
)
def test_every_page_with_a_status_states_the_rule_in_words(demo_site, client_as, url: str) -> None:
    page = read_page(client_as("leader").get(url).content.decode())
    rule = page.block("status-rule")
    assert "达标概率" in rule and "每年" in rule, rule
    assert not re.search(r"\bP\d+Y\b", page.text), "raw cadence code on the page"
