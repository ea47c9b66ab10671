"""What each module contributes to the platform, declared on its AppConfig and discovered here.

- `navigation`: menu groups; the menu therefore shows only modules that are installed and built.
- `default_policy()`: the policy the platform runs (the policy module answers it), for the layout, the org-unit
  tree and the demo loader, which live in `core` and import no domain module.
- `cockpit_cards(user)`: cards for the cockpit.
- `url_prefix` + a `urls` module: the module's pages (mounted by kechuang/urls.py).
- an `api` module with a `router`: the module's API (mounted by kechuang/api.py).
- `load_demo_data(city) -> str`: the module's demo data for `load_demo`, returning a one-line summary.
- `target_progress(user, targets) -> {target id: TargetProgress}`: where a policy target stands, for the
  cockpit's headline cards (the indicator module answers it).
- `indicator_feeds() -> [IndicatorFeed]`: values the module computes for indicators of the catalogue (the
  technology market's registered contract turnover, the enterprise register's counts of qualified firms, the
  figures of accepted supervision reports), in the module's `feed.py`; when they change, that module's `feed.py`
  calls `feed_changed(sender, years)`, which sends `indicator_feed_changed` once the transaction commits, and the
  indicator module rewrites those years' observations. A module never asks
  whether a sibling is installed: it declares what it offers here, and whoever is installed listens.
- `indicator_pipeline(code) -> IndicatorPipeline | None`: for a count indicator, where its next units come from
  (the enterprise register's titles and reserve pool), for the bottom-up projection on the indicator page.
- `support_pool_codes()` and `support_pool(user, code) -> SupportPool | None`: for a count indicator, the firms a
  support programme could help over the line (the enterprise register's reserve pool for its tier, in the user's
  scope) and their measured yearly conversion rates, for the what-if on the indicator's target.
- `demo_after_feeds = True`: the module's demo data reads what the other modules feed, so it loads after theirs.
- `policy_for(user, code) -> Policy | None`: the policy a user works under (the default one, or the one named
  `code`); the policy module answers it, and `core.http.current_policy` turns "none" into a 404.
- `task_departments(numbers) -> {org unit id}`: the lead and supporting departments of the running policy's tasks
  (the policy module answers it), for `DataScope.task_readers`: registers a policy task gives to its departments.
- `data_folders() -> [core.backup.DataFolder]`: folders of files the module keeps beside the database, for
  `manage.py backup` / `restore` (the technology market's matching index).
- `enterprise_profiles(codes, as_of=…)` and `tier_holders(tier, on)`: the enterprise register read as plain data by
  other modules (the finance module's capability score and loan checks), answered by the enterprise module.
- `external_pages = {role: {url name, …}}`: the pages a module opens to the accounts outside the government
  (roles.EXTERNAL: expert, enterprise, talent), read by core.duties; every other page refuses them. The view still
  checks that the record is the user's own. Their menu entries (NavItem `roles=` naming the role) are also the
  cards of their home page (`my_home`), which gathers what every module offers them.
- `external_home = {role: url name}`: a module's page that is the external role's home instead of `my_home` (the
  enterprise portal for the enterprise role).
- `briefing_digest(user, policy, *, cadence, start, end, today) -> BriefingDigest | None`: what the module says
  in the leaders' briefing about the window (a month or a quarter): headline sentences and tables.
- `enterprise_refs(codes) -> {credit code: EnterpriseRef}`: the enterprise register's firms by credit code (name,
  region, page, the first issue date of each title held), for modules that link to a firm by its code (a
  platform's host, an incubatee) without importing the register; `enterprises_in(region_codes, limit)` the active
  firms of those regions (the demo data of such modules picks its hosts and incubatees there).
- `firm_notices(today, credit_codes) -> [FirmNotice]`: what the module has to tell firms with portal accounts today
  (an expiring qualification, a new call that fits, a returned application), each with a key that names the
  event, so the daily `send_firm_notices` sends each once (core.firm_accounts.firm_notices_send).


- `fact_correction_propose(*, actor, year, field, value, reason)`: a firm's proposed figure for its own yearly facts,
  kept by the register's module until the district confirms it (the enterprise portal proposes through it).
- `demo_firm(role)`: the register's firm a demo account of an external role acts for (the enterprise module's
  showcase firm for the enterprise accounts), or None.
- `message_needs_action() -> (about types, Q)`: which messages of the message centre (core.messages) about the
  module's records (their `about_type`, "app_label.model") still ask their reader to act, as a condition on
  `core.Message` (e.g. an Exists on the report the message is about); the message centre's "needs action" filter
  and counts use it, and every other message needs action until it is read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import import_module
from importlib.util import find_spec
from typing import Any, NamedTuple

from django.apps import AppConfig, apps
from django.db import transaction
from django.dispatch import Signal
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kechuang.core.roles import BUSINESS

# The same words for the same states on every page (DESIGN.md, look and feel).
STATUS_LABELS = {
    "on_track": _("On track"),
    "at_risk": _("At risk"),
    "off_track": _("Off track"),
    "none": _("No data"),
}


@dataclass(frozen=True)
class NavItem:
    label: Any  # lazy translation
    url_name: str
    roles: frozenset[str] | None = None  # None: every signed-in user


@dataclass(frozen=True)
class NavGroup:
    label: Any
    items: tuple[NavItem, ...]
    order: int = 100


@dataclass
class CockpitCard:
    title: str
    value: str
    detail: str = ""
    status: str = "none"  # on_track / at_risk / off_track / none — one colour system everywhere
    url: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TargetProgress:
    status: str  # on_track / at_risk / off_track / none
    value: str  # the latest value, formatted with its unit
    detail: str  # e.g. the year of that value and the rule applied
    url: str = ""
    rule: tuple[str, ...] = ()  # the status rule in words, shown where the status is shown
    source: str = ""  # where the latest value comes from (its provenance)
    counted: str = ""  # a module's own count of it where that differs, labelled with its source
    source_url: str = ""  # the records the value was counted from (a module's filtered list), if it was counted
    what_if_url: str = ""  # the what-if of a support programme on this target, where one applies

    @property
    def label(self) -> Any:
        return STATUS_LABELS.get(self.status, STATUS_LABELS["none"])


def target_progress(user: Any, targets: list[Any]) -> dict[int, TargetProgress]:
    found: dict[int, TargetProgress] = {}
    for config in kechuang_apps():
        hook = getattr(config, "target_progress", None)
        if hook is not None:
            found.update(hook(user, targets))
    return found


class FeedRow(NamedTuple):
    """One fed value; a plain (region_code, year, value) tuple is an annual row."""

    region_code: str  # an org unit code: the city or one of its regions
    year: int
    value: Decimal
    quarter: int = 0  # 0 = the whole year; 1–4 = cumulative to that quarter's end


@dataclass(frozen=True)
class IndicatorFeed:
    """Values a module computes for one indicator of the catalogue, by region (and the city) and period."""

    code: str  # the indicator's code in the catalogue
    source: str  # the observations' source (their provenance, shown on every page); fed ones are recognised by it
    rows: Callable[[Iterable[int] | None], list[tuple]]  # years (None: all) → FeedRow-shaped tuples
    rule: str = ""  # how the module counts, in words (shown with the provenance)
    # (region code, None for the city; year) → the module's list of what it counted
    list_url: Callable[[str | None, int], str] | None = None


# Sent by a module after commit when its fed values changed: `years` (a set of ints; None: every year).
indicator_feed_changed = Signal()


def feed_changed(sender: type, years: Iterable[int] | None) -> None:
    """Announce, once the current transaction commits, that `sender`'s fed values of `years` (None: all) moved.

    An empty set of years announces nothing; a rolled-back transaction announces nothing either."""
    chosen = None if years is None else set(years)
    if chosen is not None and not chosen:
        return
    transaction.on_commit(lambda: indicator_feed_changed.send(sender=sender, years=chosen))


def default_policy() -> Any | None:
    """The policy the platform runs, from the module that declares `default_policy` (None: none loaded)."""
    for config in kechuang_apps():
        hook = getattr(config, "default_policy", None)
        if hook is not None:
            return hook()
    return None


@dataclass(frozen=True)
class IndicatorPipeline:
    """What a module knows of a count indicator's next units: counted now, and candidates one or two steps away."""

    counts: dict[int, int]  # year → counted at that year's reference day (a future year: still valid then)
    one_away: int
    two_away: int
    rates: dict[str, float] | None = None  # measured conversion {"one_away": p, "two_away": q}; None: not measured


@dataclass(frozen=True)
class SupportCandidate:
    """One firm a support programme could choose: `failed` criteria away from the title (1 or 2)."""

    key: str  # its identifier in the module (the credit code)
    name: str
    region_code: str
    region_name: str
    field: str  # technical field code ("" unknown)
    field_label: str
    failed: int
    shortfall: float
    score: float
    gaps: tuple[str, ...] = ()  # what it lacks, in words
    url: str = ""  # its page


@dataclass(frozen=True)
class SupportPool:
    """A module's candidates for a count indicator's support programme, and how such firms converted before."""

    candidates: list[SupportCandidate]  # closest first (the first `limit` asked for)
    available: int  # the pool's size with the region and field asked for
    rates: dict[int, float] | None  # failed criteria → share obtaining the title within a year; None: not measured
    rates_year: int | None = None  # the back-tested year
    rates_base: dict[int, int] = field(default_factory=dict)  # failed criteria → firms the rate was measured on
    source: str = ""  # where the candidates come from (its provenance)
    list_url: str = ""  # the module's own list of them (the reserve-pool page)


def support_pool_codes() -> set[str]:
    """The indicators some module offers a support pool for (cheap: no pool is built)."""
    codes: set[str] = set()
    for config in kechuang_apps():
        hook = getattr(config, "support_pool_codes", None)
        if hook is not None:
            codes |= set(hook())
    return codes


def support_pool(
    user: Any, code: str, *, region: str = "", field: str = "", limit: int | None = None
) -> SupportPool | None:
    """The support pool of indicator `code` (only `region`, only technical `field`; the closest `limit` firms)."""
    for config in kechuang_apps():
        hook = getattr(config, "support_pool", None)
        found = hook(user, code, region=region, field=field, limit=limit) if hook is not None else None
        if found is not None:
            return found
    return None


def indicator_feeds() -> list[IndicatorFeed]:
    feeds: list[IndicatorFeed] = []
    for config in kechuang_apps():
        hook = getattr(config, "indicator_feeds", None)
        if hook is not None:
            feeds.extend(hook())
    return feeds


def indicator_pipeline(code: str) -> IndicatorPipeline | None:
    for config in kechuang_apps():
        hook = getattr(config, "indicator_pipeline", None)
        found = hook(code) if hook is not None else None
        if found is not None:
            return found
    return None


def message_needs_action() -> list[tuple[frozenset[str], Any]]:
    """Each module's (about types, condition on core.Message) for the messages about its records."""
    rules = []
    for config in kechuang_apps():
        hook = getattr(config, "message_needs_action", None)
        if hook is not None:
            about_types, condition = hook()
            rules.append((frozenset(about_types), condition))
    return rules


def task_departments(numbers: Iterable[int]) -> set[int]:
    """The org-unit ids of the lead and supporting departments of the running policy's tasks `numbers` (empty
    without a policy module or policy); answered by the module that declares `task_departments`."""
    for config in kechuang_apps():
        hook = getattr(config, "task_departments", None)
        if hook is not None:
            return set(hook(tuple(numbers)))
    return set()


def policy_for(user: Any, code: str | None = None) -> Any | None:
    for config in kechuang_apps():
        hook = getattr(config, "policy_for", None)
        if hook is not None:
            return hook(user, code)
    return None


def enterprise_profiles(codes: Iterable[str] | None = None, *, as_of: Any = None) -> list[dict[str, Any]]:
    """The enterprise register's profile of each active firm (all, or those of the credit codes `codes`) as plain
    data: credit code, name, region, yearly facts, IP, tiers held and eligible, R&D institutions (the module that
    keeps the register answers `enterprise_profiles`; none installed: an empty list)."""
    for config in kechuang_apps():
        hook = getattr(config, "enterprise_profiles", None)
        if hook is not None:
            return hook(codes, as_of=as_of)
    return []


def tier_holders(tier: str, on: Any = None) -> set[str]:
    """The credit codes of the firms holding the ladder tier `tier` on the day `on` (default today)."""
    for config in kechuang_apps():
        hook = getattr(config, "tier_holders", None)
        if hook is not None:
            return hook(tier, on)
    return set()


def demo_loaders() -> list[AppConfig]:
    """The modules with demo data, in the order they load: those that read the others' feeds come last."""
    loaders = [c for c in kechuang_apps() if getattr(c, "load_demo_data", None) is not None]
    return sorted(loaders, key=lambda c: bool(getattr(c, "demo_after_feeds", False)))


def external_pages(role: str) -> frozenset[str]:
    """The URL names the installed modules open to the external `role`."""
    names: set[str] = set()
    for config in kechuang_apps():
        names |= set(getattr(config, "external_pages", {}).get(str(role), ()))
    return frozenset(names)


def layout_for(role: str) -> str:
    """The base template of a role's account pages: a module may give an external role its own layout (the
    enterprise portal does), declared as AppConfig `external_layout = {role: template}`."""
    for config in kechuang_apps():
        layout = getattr(config, "external_layout", {}).get(str(role))
        if layout:
            return layout
    return "base.html"


def external_home(role: str) -> str | None:
    """The URL name of the first page a module offers the external `role` as its home (AppConfig `external_home`),
    or None: the account's home then lists what every module offers it (`my_home`)."""
    for config in kechuang_apps():
        name = getattr(config, "external_home", {}).get(str(role))
        if name:
            return name
    return None


def _in_menu(item: NavItem, role: str | None) -> bool:
    # An entry for every signed-in user is a business page: administrators see only the entries naming them.
    if item.roles is None:
        return role in BUSINESS
    return role in item.roles


def navigation_for(user: Any, current_path: str) -> list[dict[str, Any]]:
    groups: list[NavGroup] = []
    for config in apps.get_app_configs():
        groups.extend(getattr(config, "navigation", ()))
    menu = []
    for group in sorted(groups, key=lambda g: g.order):
        items = [
            {"label": item.label, "url": reverse(item.url_name), "active": False}
            for item in group.items
            if _in_menu(item, getattr(user, "role", None))
        ]
        if items:
            menu.append({"label": group.label, "items": items})
    # One entry is current: the one whose URL is the longest prefix of the path (/enterprises/funnel/ is
    # the funnel, not the enterprise list).
    candidates = [
        item
        for group in menu
        for item in group["items"]
        if current_path == item["url"] or (item["url"] != "/" and current_path.startswith(item["url"]))
    ]
    if candidates:
        max(candidates, key=lambda item: len(item["url"]))["active"] = True
    return menu


def cockpit_sections(user: Any) -> Iterable[tuple[Any, list[CockpitCard]]]:
    for config in apps.get_app_configs():
        provider = getattr(config, "cockpit_cards", None)
        if provider is not None:
            cards = provider(user)
            if cards:
                yield config.verbose_name, cards


def kechuang_apps() -> list[AppConfig]:
    return [c for c in apps.get_app_configs() if c.name.startswith("kechuang.")]


def app_submodule(config: AppConfig, name: str) -> Any | None:
    """The app's `<name>` module if it has one (urls, api)."""
    dotted = f"{config.name}.{name}"
    return import_module(dotted) if find_spec(dotted) else None


@dataclass
class BriefingTable:
    caption: str
    headers: list[str]
    rows: list[list[Any]]
    note: str = ""


@dataclass
class BriefingDigest:
    """A module's part of the briefing for one window: sentences for the first-page summary, then its tables."""

    heading: str
    headlines: list[str]
    tables: list[BriefingTable] = field(default_factory=list)


def briefing_digests(user: Any, policy: Any, *, cadence: str, start: Any, end: Any, today: Any) -> list[BriefingDigest]:
    found: list[BriefingDigest] = []
    for config in kechuang_apps():
        hook = getattr(config, "briefing_digest", None)
        if hook is not None:
            digest = hook(user, policy, cadence=cadence, start=start, end=end, today=today)
            if digest is not None:
                found.append(digest)
    return found


@dataclass(frozen=True)
class EnterpriseRef:
    """A firm of the enterprise register as other modules see it."""

    credit_code: str
    name: str
    region_code: str
    url: str
    titles: dict[str, Any] = field(default_factory=dict)  # tier code → first issue date of a title not revoked


def enterprise_refs(codes: Iterable[str]) -> dict[str, EnterpriseRef]:
    """The register's firms among `codes` (empty when no module keeps a register)."""
    wanted = sorted({c for c in codes if c})
    found: dict[str, EnterpriseRef] = {}
    if not wanted:
        return found
    for config in kechuang_apps():
        hook = getattr(config, "enterprise_refs", None)
        if hook is not None:
            found.update(hook(wanted))
    return found


@dataclass(frozen=True)
class RegisteredFirm:
    """A firm of the enterprise register with the region it is registered in (a district, county or zone)."""

    credit_code: str
    name: str
    region: Any  # core.models.OrgUnit of kind REGION


def registered_firms(codes: Iterable[str]) -> dict[str, RegisteredFirm]:
    """The register's firms among the credit codes `codes` (written in any case, with spaces around), each with its
    register region, keyed by the normalised code: the one lookup of a firm's region for every module (a firm's
    portal account, an application to a call, a project import). A code the register does not hold is absent; so is
    a firm whose register row names no district, county or zone (the register's own services refuse such a region),
    so a caller never scopes a firm to the city or a department. Whatever the firm's status: a closed firm is still
    registered where it was."""
    from kechuang.core.models import OrgUnit

    refs = enterprise_refs(normalise_credit_code(c) for c in codes)
    units = {
        u.code: u
        for u in OrgUnit.objects.filter(kind=OrgUnit.Kind.REGION, code__in={r.region_code for r in refs.values()})
    }
    return {
        code: RegisteredFirm(code, ref.name, units[ref.region_code])
        for code, ref in refs.items()
        if ref.region_code in units
    }


def register_region(credit_code: str) -> Any | None:
    """The region the enterprise register places the firm `credit_code` in, or None (see `registered_firms`)."""
    found = registered_firms([credit_code]).get(normalise_credit_code(credit_code))
    return found.region if found is not None else None


def normalise_credit_code(code: str) -> str:
    return (code or "").strip().upper()


def enterprises_in(region_codes: Iterable[str], limit: int | None = None) -> list[EnterpriseRef]:
    """Active firms of the register in `region_codes` (in the register's order; the first `limit`)."""
    found: list[EnterpriseRef] = []
    for config in kechuang_apps():
        hook = getattr(config, "enterprises_in", None)
        if hook is not None:
            found.extend(hook(sorted(set(region_codes)), limit))
    return found


@dataclass(frozen=True)
class DemandSummary:
    """A technology-market demand as another module may read it (a 揭榜挂帅 open call takes its problem from one)."""

    id: int
    title: str
    description: str
    enterprise_name: str
    credit_code: str
    region_code: str
    budget_max_wan: Decimal | None
    deadline: Any  # datetime.date | None
    url: str = ""


def technology_demands(user: Any, *, pk: int | None = None, query: str = "", limit: int = 50) -> list[DemandSummary]:
    """The demands `user` may read (published or under way), newest first; `pk` picks one (an empty list if it is
    out of scope or absent). Answered by the module that keeps the demands (`technology_demands` hook)."""
    for config in kechuang_apps():
        hook = getattr(config, "technology_demands", None)
        if hook is not None:
            return hook(user, pk=pk, query=query, limit=limit)
    return []


@dataclass(frozen=True)
class FirmNotice:
    """A message for every portal account of one firm (core.messages.notify); `key` names the event (the same key
    is sent to an account once), `kind` is a core.models.Message.Kind value, `url` a path of this site."""

    credit_code: str
    kind: str
    subject: str
    body: str
    url: str
    key: str


def firm_notices(today: Any, credit_codes: set[str]) -> list[FirmNotice]:
    """What the installed modules have to tell the firms `credit_codes` today (`firm_notices` hooks)."""
    found: list[FirmNotice] = []
    if not credit_codes:
        return found
    for config in kechuang_apps():
        hook = getattr(config, "firm_notices", None)
        if hook is not None:
            found.extend(n for n in hook(today, credit_codes) if n.credit_code in credit_codes)
    return found


def fact_correction_propose(*, actor: Any, year: int, field: str, value: Any, reason: str) -> Any:
    """An enterprise account proposes a figure for one of its own yearly facts (the enterprise portal's "my facts");
    answered by the module that keeps the register, which keeps the proposal until the district confirms it.
    Raises ValidationError naming the field, PermissionDenied for an account without a firm; LookupError when no
    installed module keeps a register."""
    for config in kechuang_apps():
        hook = getattr(config, "fact_correction_propose", None)
        if hook is not None:
            return hook(actor=actor, year=year, field=field, value=value, reason=reason)
    raise LookupError("no module keeps an enterprise register")


def demo_firm(role: str) -> EnterpriseRef | None:
    """The register's firm a demo account of the external `role` acts for, when a module names one."""
    for config in kechuang_apps():
        hook = getattr(config, "demo_firm", None)
        if hook is not None and (found := hook(role)) is not None:
            return found
    return None
