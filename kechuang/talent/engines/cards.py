"""Talent cards (§1.4): application → district review → department re-check → issued → suspended | expired |
revoked; rejected (with the reason) from any review. Renewal keeps an issued or expired card and moves its expiry."""

from __future__ import annotations

import datetime as dt

SUBMITTED, DISTRICT_REVIEWED, APPROVED, ISSUED = "submitted", "district_reviewed", "approved", "issued"
SUSPENDED, EXPIRED, REVOKED, REJECTED = "suspended", "expired", "revoked", "rejected"
STATES = (SUBMITTED, DISTRICT_REVIEWED, APPROVED, ISSUED, SUSPENDED, EXPIRED, REVOKED, REJECTED)

REVIEW, RECHECK, ISSUE, SUSPEND, REINSTATE = "review", "recheck", "issue", "suspend", "reinstate"
REVOKE, EXPIRE, RENEW, REJECT = "revoke", "expire", "renew", "reject"

TRANSITIONS: dict[tuple[str, str], str] = {
    (SUBMITTED, REVIEW): DISTRICT_REVIEWED,
    (DISTRICT_REVIEWED, RECHECK): APPROVED,
    (APPROVED, ISSUE): ISSUED,
    (SUBMITTED, REJECT): REJECTED,
    (DISTRICT_REVIEWED, REJECT): REJECTED,
    (APPROVED, REJECT): REJECTED,
    (ISSUED, SUSPEND): SUSPENDED,
    (SUSPENDED, REINSTATE): ISSUED,
    (ISSUED, REVOKE): REVOKED,
    (SUSPENDED, REVOKE): REVOKED,
    (ISSUED, EXPIRE): EXPIRED,
    (ISSUED, RENEW): ISSUED,
    (EXPIRED, RENEW): ISSUED,
}
NOTE_REQUIRED = frozenset({REJECT, SUSPEND, REVOKE})
ACTOR_OF = {
    REVIEW: "district",
    RECHECK: "department",
    ISSUE: "department",
    REJECT: "reviewer",
    SUSPEND: "department",
    REINSTATE: "department",
    REVOKE: "department",
    EXPIRE: "department",
    RENEW: "department",
}


class TransitionRefused(Exception):
    def __init__(self, state: str, action: str) -> None:
        super().__init__(f"cannot {action} from {state}")
        self.state, self.action = state, action


def next_state(state: str, action: str) -> str:
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise TransitionRefused(state, action) from None


def actions_from(state: str) -> list[str]:
    return [a for (s, a) in TRANSITIONS if s == state]


def expiry(issued: dt.date, years: int) -> dt.date:
    """The last valid day of a card issued on `issued` for `years` years."""
    try:
        end = issued.replace(year=issued.year + years)
    except ValueError:  # 29 February
        end = issued.replace(year=issued.year + years, day=28)
    return end - dt.timedelta(days=1)


def valid_on(state: str, expires: dt.date | None, day: dt.date) -> bool:
    """Does a card in `state` expiring on `expires` verify on `day`?"""
    return state == ISSUED and expires is not None and day <= expires


def renewal_due(expires: dt.date | None, day: dt.date, days_before: int) -> bool:
    """Is the renewal reminder due on `day` (within `days_before` of the expiry, not yet past it)?"""
    return expires is not None and day <= expires <= day + dt.timedelta(days=days_before)
