"""The platform life cycle of talent-platforms-projects.md §2.5 as a transition table.

reserve (培育库) → applied → district_recommended → formal_check → expert_review (site visit) → publicity (公示)
→ under_construction (筹建/试点培育) → acceptance_review → recognised (认定/授牌/备案); a recognised platform is
evaluated and stays recognised or goes to rectification, downgraded or revoked; it may also be merged or closed.
Each step is taken by a kind of actor: `district` (the platform's district, or the bureau), `bureau` only, or
`writer` (anyone who may edit the record)."""

from __future__ import annotations

from dataclasses import dataclass

RESERVE = "reserve"
APPLIED = "applied"
DISTRICT_RECOMMENDED = "district_recommended"
FORMAL_CHECK = "formal_check"
EXPERT_REVIEW = "expert_review"
PUBLICITY = "publicity"
UNDER_CONSTRUCTION = "under_construction"
ACCEPTANCE_REVIEW = "acceptance_review"
RECOGNISED = "recognised"
RECTIFICATION = "rectification"
DOWNGRADED = "downgraded"
REVOKED = "revoked"
MERGED = "merged"
CLOSED = "closed"

STATES = (
    RESERVE,
    APPLIED,
    DISTRICT_RECOMMENDED,
    FORMAL_CHECK,
    EXPERT_REVIEW,
    PUBLICITY,
    UNDER_CONSTRUCTION,
    ACCEPTANCE_REVIEW,
    RECOGNISED,
    RECTIFICATION,
    DOWNGRADED,
    REVOKED,
    MERGED,
    CLOSED,
)
# Holding a title: counted (at its level) when its type counts.
HOLDING = frozenset({RECOGNISED, RECTIFICATION, DOWNGRADED})
# Being built (筹建/试点培育): counted only when the bureau's setting says so.
BUILDING = frozenset({UNDER_CONSTRUCTION, ACCEPTANCE_REVIEW})
# Out of the register's life: never counted from the year it happened.
ENDED = frozenset({REVOKED, MERGED, CLOSED})
# An evaluation is recorded only on a platform holding its title.
EVALUABLE = HOLDING

WRITER, DISTRICT, BUREAU = "writer", "district", "bureau"


@dataclass(frozen=True)
class Step:
    source: str
    target: str
    actor: str  # writer | district | bureau
    needs_document: bool  # a document number is required (recognition, revocation …)


_STEPS = [
    Step(RESERVE, APPLIED, WRITER, False),
    Step(APPLIED, RESERVE, WRITER, False),  # withdrawn back to the pool
    Step(APPLIED, DISTRICT_RECOMMENDED, DISTRICT, False),
    Step(DISTRICT_RECOMMENDED, FORMAL_CHECK, BUREAU, False),
    Step(FORMAL_CHECK, EXPERT_REVIEW, BUREAU, False),
    Step(FORMAL_CHECK, RESERVE, BUREAU, False),  # failed the formal check
    Step(EXPERT_REVIEW, PUBLICITY, BUREAU, False),
    Step(EXPERT_REVIEW, RESERVE, BUREAU, False),  # failed the review
    Step(PUBLICITY, UNDER_CONSTRUCTION, BUREAU, True),  # 批准筹建 / 试点培育
    Step(PUBLICITY, RECOGNISED, BUREAU, True),  # types recognised without a construction phase (企业技术中心 …)
    Step(UNDER_CONSTRUCTION, ACCEPTANCE_REVIEW, BUREAU, False),
    Step(ACCEPTANCE_REVIEW, RECOGNISED, BUREAU, True),
    Step(ACCEPTANCE_REVIEW, UNDER_CONSTRUCTION, BUREAU, False),  # extension (≤ 1 year)
    Step(ACCEPTANCE_REVIEW, CLOSED, BUREAU, True),  # removed after a failed acceptance
    Step(RECOGNISED, RECTIFICATION, BUREAU, True),
    Step(RECOGNISED, DOWNGRADED, BUREAU, True),
    Step(RECOGNISED, REVOKED, BUREAU, True),
    Step(RECOGNISED, MERGED, BUREAU, True),
    Step(RECOGNISED, CLOSED, BUREAU, True),
    Step(RECTIFICATION, RECOGNISED, BUREAU, True),
    Step(RECTIFICATION, DOWNGRADED, BUREAU, True),
    Step(RECTIFICATION, REVOKED, BUREAU, True),
    Step(DOWNGRADED, RECOGNISED, BUREAU, True),  # recognised again at its (lower) level after re-assessment
    Step(DOWNGRADED, REVOKED, BUREAU, True),
    Step(DOWNGRADED, CLOSED, BUREAU, True),
]
TRANSITIONS: dict[tuple[str, str], Step] = {(s.source, s.target): s for s in _STEPS}


class TransitionRefused(ValueError):
    """A step the table does not allow, or not to this actor; `reason` is a code the caller words."""

    def __init__(self, reason: str, source: str, target: str) -> None:
        super().__init__(f"{reason}: {source} → {target}")
        self.reason, self.source, self.target = reason, source, target


def next_states(state: str) -> list[str]:
    return [s.target for s in _STEPS if s.source == state]


def allowed(state: str, actor_kinds: set[str]) -> list[Step]:
    """The steps open from `state` to an actor who is each of `actor_kinds` (bureau ⊇ district ⊇ writer)."""
    return [s for s in _STEPS if s.source == state and s.actor in actor_kinds]


def check(source: str, target: str, actor_kinds: set[str], document_number: str = "") -> Step:
    """The step from `source` to `target`, or TransitionRefused: `not_a_step`, `not_allowed` (the actor may not take
    it) or `document_required`."""
    step = TRANSITIONS.get((source, target))
    if step is None:
        raise TransitionRefused("not_a_step", source, target)
    if step.actor not in actor_kinds:
        raise TransitionRefused("not_allowed", source, target)
    if step.needs_document and not document_number.strip():
        raise TransitionRefused("document_required", source, target)
    return step


def actor_kinds(*, is_bureau: bool, is_district_of_record: bool, may_write: bool) -> set[str]:
    kinds: set[str] = set()
    if may_write:
        kinds.add(WRITER)
    if may_write and (is_bureau or is_district_of_record):
        kinds.add(DISTRICT)
    if may_write and is_bureau:
        kinds.add(BUREAU)
    return kinds
