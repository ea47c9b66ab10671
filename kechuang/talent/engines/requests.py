"""Service requests (§1.5): submitted → accepted (the time limit starts) → in progress → completed → rated; side
exits returned for information (the clock stops until the talent answers), rejected (with the reason), cancelled."""

from __future__ import annotations

SUBMITTED, ACCEPTED, IN_PROGRESS, RETURNED = "submitted", "accepted", "in_progress", "returned_for_info"
COMPLETED, RATED, REJECTED, CANCELLED = "completed", "rated", "rejected", "cancelled"
OPEN = frozenset({SUBMITTED, ACCEPTED, IN_PROGRESS, RETURNED})

ACCEPT, START, RETURN, RESUBMIT, COMPLETE = "accept", "start", "return", "resubmit", "complete"
RATE, REJECT, CANCEL = "rate", "reject", "cancel"

TRANSITIONS: dict[tuple[str, str], str] = {
    (SUBMITTED, ACCEPT): ACCEPTED,
    (ACCEPTED, START): IN_PROGRESS,
    (ACCEPTED, RETURN): RETURNED,
    (IN_PROGRESS, RETURN): RETURNED,
    (RETURNED, RESUBMIT): IN_PROGRESS,
    (ACCEPTED, COMPLETE): COMPLETED,
    (IN_PROGRESS, COMPLETE): COMPLETED,
    (COMPLETED, RATE): RATED,
    (SUBMITTED, REJECT): REJECTED,
    (ACCEPTED, REJECT): REJECTED,
    (IN_PROGRESS, REJECT): REJECTED,
    (SUBMITTED, CANCEL): CANCELLED,
    (ACCEPTED, CANCEL): CANCELLED,
    (IN_PROGRESS, CANCEL): CANCELLED,
    (RETURNED, CANCEL): CANCELLED,
}
NOTE_REQUIRED = frozenset({RETURN, REJECT})
# Who acts: the provider department (and the bureau), or the talent (or whoever entered the request for them).
ACTOR_OF = {
    ACCEPT: "provider",
    START: "provider",
    RETURN: "provider",
    COMPLETE: "provider",
    REJECT: "provider",
    RESUBMIT: "requester",
    RATE: "requester",
    CANCEL: "requester",
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
