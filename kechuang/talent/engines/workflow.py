"""The programme selection workflow (talent-platforms-projects.md §1.6) as an explicit table: (state, action) →
new state. The services look a step up here and refuse anything absent, so no path skips a stage (an application
cannot be approved before its 公示, nor paid before its agreement)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

DRAFT = "draft"
SUBMITTED = "employer_submitted"
RECOMMENDED = "district_recommended"
FORMAL_CHECK = "formal_check"
EXPERT_REVIEW = "expert_review"
PUBLICITY = "publicity"
APPROVED = "approved"
NOT_APPROVED = "not_approved"
AGREEMENT = "agreement_signed"
FUNDED = "funds_disbursed"
ANNUAL_CHECK = "annual_check"
SUSPENDED = "suspended"
REMOVED = "removed"
TERM_EVALUATION = "term_evaluation"
CLOSED = "closed"
WITHDRAWN = "withdrawn"

STATES = (
    DRAFT,
    SUBMITTED,
    RECOMMENDED,
    FORMAL_CHECK,
    EXPERT_REVIEW,
    PUBLICITY,
    APPROVED,
    NOT_APPROVED,
    AGREEMENT,
    FUNDED,
    ANNUAL_CHECK,
    SUSPENDED,
    REMOVED,
    TERM_EVALUATION,
    CLOSED,
    WITHDRAWN,
)

SUBMIT, RECOMMEND, ACCEPT_FOR_CHECK, PASS_CHECK = "submit", "recommend", "accept_for_check", "pass_check"
PUBLISH, APPROVE, REJECT, SIGN = "publish", "approve", "reject", "sign"
DISBURSE, CHECK, SUSPEND, REINSTATE, REMOVE = "disburse", "annual_check", "suspend", "reinstate", "remove"
EVALUATE, CLOSE, LEAVE = "evaluate", "close", "leave"

TRANSITIONS: dict[tuple[str, str], str] = {
    (DRAFT, SUBMIT): SUBMITTED,  # the employer hands the application in
    (SUBMITTED, RECOMMEND): RECOMMENDED,  # the district recommends it
    (RECOMMENDED, ACCEPT_FOR_CHECK): FORMAL_CHECK,  # the owner department starts the formal check
    (FORMAL_CHECK, PASS_CHECK): EXPERT_REVIEW,  # complete and eligible: to the experts
    (EXPERT_REVIEW, PUBLISH): PUBLICITY,  # the review is done: 公示 opens the objection window
    (PUBLICITY, APPROVE): APPROVED,  # the window closed without an upheld objection
    # Refused at any review stage, with the reason.
    (SUBMITTED, REJECT): NOT_APPROVED,
    (RECOMMENDED, REJECT): NOT_APPROVED,
    (FORMAL_CHECK, REJECT): NOT_APPROVED,
    (EXPERT_REVIEW, REJECT): NOT_APPROVED,
    (PUBLICITY, REJECT): NOT_APPROVED,  # an objection upheld
    (APPROVED, SIGN): AGREEMENT,
    (AGREEMENT, DISBURSE): FUNDED,  # the first tranche
    (FUNDED, DISBURSE): FUNDED,  # later tranches
    (ANNUAL_CHECK, DISBURSE): ANNUAL_CHECK,
    (FUNDED, CHECK): ANNUAL_CHECK,
    (AGREEMENT, CHECK): ANNUAL_CHECK,
    (ANNUAL_CHECK, CHECK): ANNUAL_CHECK,  # the next year's check
    # Dynamic management: an annual check may suspend or remove.
    (ANNUAL_CHECK, SUSPEND): SUSPENDED,
    (SUSPENDED, REINSTATE): ANNUAL_CHECK,
    (ANNUAL_CHECK, REMOVE): REMOVED,
    (SUSPENDED, REMOVE): REMOVED,
    (ANNUAL_CHECK, EVALUATE): TERM_EVALUATION,
    (FUNDED, EVALUATE): TERM_EVALUATION,
    (TERM_EVALUATION, CLOSE): CLOSED,
    # The talent left the city within the term: withdrawn, the paid money clawed back.
    (AGREEMENT, LEAVE): WITHDRAWN,
    (FUNDED, LEAVE): WITHDRAWN,
    (ANNUAL_CHECK, LEAVE): WITHDRAWN,
    (SUSPENDED, LEAVE): WITHDRAWN,
    (TERM_EVALUATION, LEAVE): WITHDRAWN,
}
NOTE_REQUIRED = frozenset({REJECT, SUSPEND, REMOVE, LEAVE})
# Stages after which the talent holds the programme's title (a membership that counts for the tier and quotas).
MEMBER_STATES = frozenset({APPROVED, AGREEMENT, FUNDED, ANNUAL_CHECK, TERM_EVALUATION, CLOSED})
# The funnel of the programme page, in order.
FUNNEL = (SUBMITTED, RECOMMENDED, FORMAL_CHECK, EXPERT_REVIEW, PUBLICITY, APPROVED)
# Who acts at each step: the employer, the district, the owner department / bureau.
ACTOR_OF = {
    SUBMIT: "employer",
    RECOMMEND: "district",
    ACCEPT_FOR_CHECK: "department",
    PASS_CHECK: "department",
    PUBLISH: "department",
    APPROVE: "department",
    REJECT: "reviewer",
    SIGN: "department",
    DISBURSE: "department",
    CHECK: "department",
    SUSPEND: "department",
    REINSTATE: "department",
    REMOVE: "department",
    EVALUATE: "department",
    CLOSE: "department",
    LEAVE: "department",
}
# Reached-stage order for the funnel: an application counts in every stage up to the furthest it reached.
ORDER = {s: i for i, s in enumerate(STATES)}


@dataclass(frozen=True)
class TransitionRefused(Exception):
    state: str
    action: str

    def __str__(self) -> str:
        return f"cannot {self.action} from {self.state}"


def next_state(state: str, action: str) -> str:
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise TransitionRefused(state, action) from None


def actions_from(state: str) -> list[str]:
    return [a for (s, a) in TRANSITIONS if s == state]


def publicity_closes(start: dt.date, days: int) -> dt.date:
    """The last day of a 公示 of `days` calendar days starting on `start`."""
    return start + dt.timedelta(days=max(days, 1) - 1)


def clawback(
    paid: Decimal, term_start: dt.date | None, term_end: dt.date | None, left_on: dt.date, rule: str
) -> Decimal:
    """What to claw back (万元) from a talent who left the city on `left_on`.

    `rule` "full": everything paid; "pro_rata": the share of the term not served (by days), rounded to 0.01;
    "none": nothing. Leaving after the term ends costs nothing."""
    paid = Decimal(paid or 0)
    if rule == "none" or paid <= 0:
        return Decimal("0.00")
    if term_end is not None and left_on > term_end:
        return Decimal("0.00")
    if rule == "full" or term_start is None or term_end is None or term_end <= term_start:
        return paid.quantize(Decimal("0.01"))
    total = (term_end - term_start).days
    remaining = max((term_end - max(left_on, term_start)).days, 0)
    return (paid * Decimal(remaining) / Decimal(total)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
