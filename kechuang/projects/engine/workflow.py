"""The states of calls, applications and projects (reference §3.3) as explicit transition tables.

Plain Python: services look each step up here and refuse any (state, action) pair that is absent.
"""

from __future__ import annotations

from dataclasses import dataclass

# ---------------------------------------------------------------- calls (guide-based calls and 揭榜挂帅 challenges)
DEMAND_COLLECTED, UNDER_ARGUMENTATION, PUBLISHED, OPEN, CLOSED = (
    "demand_collected",
    "under_argumentation",
    "published",
    "open",
    "closed",
)
CALL = {
    (DEMAND_COLLECTED, "argue"): UNDER_ARGUMENTATION,
    (UNDER_ARGUMENTATION, "publish"): PUBLISHED,
    (PUBLISHED, "open"): OPEN,
    (OPEN, "close"): CLOSED,
}

# ---------------------------------------------------------------- applications
SUBMITTED, RECOMMENDED, FORMAL_PASSED, FORMAL_FAILED = "submitted", "recommended", "formal_passed", "formal_failed"
EXPERT_REVIEW, PUBLICITY, APPROVED, REJECTED = "expert_review", "publicity", "approved", "rejected"
APPLICATION = {
    (SUBMITTED, "recommend"): RECOMMENDED,  # a district recommends (guide-based calls)
    (SUBMITTED, "formal_pass"): FORMAL_PASSED,  # challenges go straight to the formal check
    (RECOMMENDED, "formal_pass"): FORMAL_PASSED,
    (SUBMITTED, "formal_fail"): FORMAL_FAILED,
    (RECOMMENDED, "formal_fail"): FORMAL_FAILED,
    (FORMAL_PASSED, "start_review"): EXPERT_REVIEW,
    (EXPERT_REVIEW, "publicize"): PUBLICITY,  # 公示
    (PUBLICITY, "approve"): APPROVED,
    (EXPERT_REVIEW, "reject"): REJECTED,
    (PUBLICITY, "reject"): REJECTED,
}

# ---------------------------------------------------------------- projects
P_APPROVED, IN_PROGRESS, SUSPENDED = "approved", "in_progress", "suspended"
ACCEPTANCE_REVIEW, ACCEPTED, NOT_ACCEPTED, TERMINATED = "acceptance_review", "accepted", "not_accepted", "terminated"
PROJECT = {
    (P_APPROVED, "sign_task_book"): IN_PROGRESS,  # the task book (军令状) with milestones and goals
    (IN_PROGRESS, "suspend"): SUSPENDED,  # a monitoring report's correction failed
    (SUSPENDED, "resume"): IN_PROGRESS,
    (IN_PROGRESS, "request_acceptance"): ACCEPTANCE_REVIEW,
    (ACCEPTANCE_REVIEW, "accept"): ACCEPTED,
    (ACCEPTANCE_REVIEW, "not_accept"): NOT_ACCEPTED,
    (P_APPROVED, "terminate"): TERMINATED,
    (IN_PROGRESS, "terminate"): TERMINATED,
    (SUSPENDED, "terminate"): TERMINATED,
}
# Goals are fixed once the project is judged.
GOALS_LOCKED = frozenset({ACCEPTED, NOT_ACCEPTED, TERMINATED})
# Running projects: milestones, checks, change requests, monitoring.
RUNNING = frozenset({IN_PROGRESS, SUSPENDED})

# ---------------------------------------------------------------- correction orders (整改, after a monitoring finding)
C_OPEN, C_RESPONDED, C_CLOSED = "open", "responded", "closed"
CORRECTION = {
    (C_OPEN, "respond"): C_RESPONDED,  # the project says what it corrected
    (C_RESPONDED, "close"): C_CLOSED,  # the bureau verifies it
    (C_RESPONDED, "reopen"): C_OPEN,  # not corrected: again, with a new due date
}


@dataclass(frozen=True)
class TransitionRefused(Exception):
    kind: str
    state: str
    action: str

    def __str__(self) -> str:
        return f"a {self.kind} that is {self.state} cannot {self.action}"


TABLES = {"call": CALL, "application": APPLICATION, "project": PROJECT, "correction": CORRECTION}


def next_state(kind: str, state: str, action: str) -> str:
    try:
        return TABLES[kind][(state, action)]
    except KeyError:
        raise TransitionRefused(kind, state, action) from None


def actions(kind: str, state: str) -> list[str]:
    return [a for (s, a) in TABLES[kind] if s == state]


def mid_term_check_allowed(done: int, risk_flagged: bool, maximum: int) -> bool:
    """Task 5: at most `maximum` mid-term checks (1) unless the project is risk-flagged."""
    return risk_flagged or done < maximum
