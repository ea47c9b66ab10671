"""Evaluate a firm against the offers' conditions: met now, one gap away, or not (yet) for this firm.

A condition is plain data (from the city's `kechuang/portal/data/<city code>.yaml`, or built by the selectors for a
call or a talent round):

- `{"in_register": true}`: the firm is in the city's enterprise register (calls ask for a firm of the city);
- `{"tier_held": TIER}`: the firm holds the valid title TIER; not held, the gap is the title, whose own distance is
  the ladder's verdict (eligible: only the application is missing; n criteria failed: n gaps);
- `{"tier_open": TIER}`: the title TIER itself: the firm does not hold it and the ladder finds it eligible (one away:
  the ladder's gap sentences); a firm that holds it is not offered it;
- `{"has_score": true}`: the firm has an innovation-capability score (the bureau scores the whole register);
- `{"employs_talents": true}`: talents of the register name the firm as their employer;
- `{"all": [...]}`, `{"any": [...]}`: every one / at least one of the conditions.

Distance counts what the firm still lacks: 0 met, 1 one step (a criterion, or an application for a title it is
eligible for), more, or None when it cannot be reached by closing gaps the platform can measure (not in the
register, no data). The push list shows what is met and what is at most `MAX_GAP` away.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

Condition = Mapping[str, Any]

# The push list shows offers the firm meets, and those one gap away ("will once it closes a gap").
MAX_GAP = 1

QUALIFIES = "qualifies"
APPLIED = "applied"
GAP = "gap"
STATUS_ORDER = {QUALIFIES: 0, GAP: 1, APPLIED: 2}


@dataclass(frozen=True)
class Verdict:
    """The ladder's stored verdict of one tier for the firm."""

    eligible: bool
    failed: int | None  # criteria failed; None: not evaluable (data missing)
    gaps: tuple[str, ...] = ()  # the ladder's gap sentences, one per failed criterion


@dataclass(frozen=True)
class Firm:
    credit_code: str
    in_register: bool
    held: frozenset[str] = frozenset()
    verdicts: Mapping[str, Verdict] = field(default_factory=dict)
    score: str = ""  # the latest capability score as shown ("72.5 · B"), "" when the firm has none
    talents: int = 0  # talents of the register employed by the firm


@dataclass(frozen=True)
class Reason:
    kind: str  # in_register, tier_held, tier_eligible, has_score, employs_talents
    subject: str = ""


@dataclass(frozen=True)
class Gap:
    kind: str  # not_in_register, tier_needed, tier_apply, tier_unknown, tier_held_already, no_score, no_talents
    subject: str = ""
    texts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outcome:
    met: bool
    distance: int | None
    reasons: tuple[Reason, ...] = ()
    gaps: tuple[Gap, ...] = ()


@dataclass(frozen=True)
class Offer:
    """A programme, call, loan or service, with the condition a firm must meet."""

    source: str  # call, talent_round, rule
    key: str
    title: str
    kind: str  # call, talent, loan, finance, insurance, title
    rule_text: str
    clause: str
    requires: Condition
    deadline: dt.date | None = None
    automatic: bool = False  # 免申即享: granted without an application when the condition is met
    action: tuple[str, tuple[Any, ...]] | None = None  # (URL name, args) of the application page
    link: str = ""  # URL name of the page that explains it (e.g. the score)
    applied: bool = False
    verified: bool = True  # False: a default the bureau has not confirmed against the source document
    document: str = ""  # the source document of the rule
    apply_at: str = ""  # where one applies when it is outside the platform (a national site, a bank)


@dataclass(frozen=True)
class PushItem:
    offer: Offer
    status: str  # qualifies, gap, applied
    outcome: Outcome


def _title_distance(firm: Firm, tier: str) -> tuple[int | None, tuple[str, ...]]:
    verdict = firm.verdicts.get(tier)
    if verdict is None or verdict.failed is None:
        return None, ()
    if verdict.eligible:
        return 0, ()
    return verdict.failed, verdict.gaps


def evaluate(condition: Condition, firm: Firm) -> Outcome:
    """Is `condition` met by `firm`, and if not, how far away is it and what is missing?"""
    if "all" in condition:
        parts = [evaluate(c, firm) for c in condition["all"]]
        met = all(p.met for p in parts)
        distances = [p.distance for p in parts]
        distance = None if None in distances else sum(d for d in distances if d is not None)
        return Outcome(
            met,
            0 if met else distance,
            tuple(r for p in parts for r in p.reasons),
            tuple(g for p in parts if not p.met for g in p.gaps),
        )
    if "any" in condition:
        parts = [evaluate(c, firm) for c in condition["any"]]
        if not parts:
            raise ValueError("an 'any' condition needs at least one condition")
        winners = [p for p in parts if p.met]
        if winners:
            return Outcome(True, 0, tuple(r for p in winners for r in p.reasons))
        reachable = [p for p in parts if p.distance is not None]
        if not reachable:
            return Outcome(False, None, (), tuple(g for p in parts for g in p.gaps))
        closest = min(reachable, key=lambda p: p.distance)
        return Outcome(False, closest.distance, (), closest.gaps)
    if len(condition) != 1:
        raise ValueError(f"a condition has one key: {sorted(condition)}")
    (kind, value), *_ = condition.items()
    if kind == "in_register":
        if firm.in_register:
            return Outcome(True, 0, (Reason("in_register"),))
        return Outcome(False, None, (), (Gap("not_in_register"),))
    if kind == "tier_held":
        if value in firm.held:
            return Outcome(True, 0, (Reason("tier_held", value),))
        distance, texts = _title_distance(firm, value)
        if distance is None:
            return Outcome(False, None, (), (Gap("tier_unknown", value),))
        # The title is needed: applying for it (eligible) or closing the ladder's gaps and then applying.
        return Outcome(False, distance + 1, (), (Gap("tier_needed", value, texts),))
    if kind == "tier_open":
        if value in firm.held:
            return Outcome(False, None, (), (Gap("tier_held_already", value),))
        distance, texts = _title_distance(firm, value)
        if distance is None:
            return Outcome(False, None, (), (Gap("tier_unknown", value),))
        if distance == 0:
            return Outcome(True, 0, (Reason("tier_eligible", value),))
        return Outcome(False, distance, (), (Gap("tier_apply", value, texts),))
    if kind == "has_score":
        if firm.score:
            return Outcome(True, 0, (Reason("has_score", firm.score),))
        return Outcome(False, None, (), (Gap("no_score"),))
    if kind == "employs_talents":
        if firm.talents > 0:
            return Outcome(True, 0, (Reason("employs_talents", str(firm.talents)),))
        return Outcome(False, None, (), (Gap("no_talents"),))
    raise ValueError(f"unknown condition: {kind}")


def push_list(firm: Firm, offers: Iterable[Offer], today: dt.date) -> list[PushItem]:
    """The offers to show the firm: met (or already applied for) and at most MAX_GAP away, open on `today`;
    met first, then one gap away, then those applied for; each group by deadline (none last), then title."""
    items = []
    for offer in offers:
        if offer.deadline is not None and offer.deadline < today:
            continue
        outcome = evaluate(offer.requires, firm)
        if offer.applied:
            status = APPLIED
        elif outcome.met:
            status = QUALIFIES
        elif outcome.distance is not None and outcome.distance <= MAX_GAP:
            status = GAP
        else:
            continue
        items.append(PushItem(offer, status, outcome))
    items.sort(key=lambda i: (STATUS_ORDER[i.status], i.offer.deadline or dt.date.max, i.offer.title, i.offer.key))
    return items


def validate_rule(rule: Mapping[str, Any]) -> None:
    """Refuse a rule of the data file with a missing key or a condition the engine does not know."""
    missing = [k for k in ("code", "title", "kind", "rule", "clause", "document", "requires") if not rule.get(k)]
    if missing:
        raise ValueError(f"push rule {rule.get('code', '?')}: missing {', '.join(missing)}")
    evaluate(rule["requires"], Firm(credit_code="", in_register=False))
