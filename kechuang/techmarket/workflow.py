"""The two workflows of the technology market as explicit tables: (state, action) → new state.

Plain Python, no Django import: the services look a transition up here and refuse anything absent, so a
forbidden step (a recommendation straight to a signed contract, registering a draft) cannot happen by any path.
"""

from __future__ import annotations

from dataclasses import dataclass

# Matchmaking (对接): recommendation → contact made → negotiation → contract signed / closed.
RECOMMENDED, CONTACTED, NEGOTIATING, SIGNED, CLOSED = "recommended", "contacted", "negotiating", "signed", "closed"
CONTACT, NEGOTIATE, SIGN, CLOSE = "contact", "negotiate", "sign", "close"

MATCH_TRANSITIONS: dict[tuple[str, str], str] = {
    (RECOMMENDED, CONTACT): CONTACTED,
    (CONTACTED, NEGOTIATE): NEGOTIATING,
    (NEGOTIATING, SIGN): SIGNED,
    # A match can be closed without a contract at any open step (no interest, failed talks).
    (RECOMMENDED, CLOSE): CLOSED,
    (CONTACTED, CLOSE): CLOSED,
    (NEGOTIATING, CLOSE): CLOSED,
}
MATCH_OPEN = frozenset({RECOMMENDED, CONTACTED, NEGOTIATING})
MATCH_STAGES = (RECOMMENDED, CONTACTED, NEGOTIATING, SIGNED, CLOSED)
MATCH_NOTE_REQUIRED = frozenset({CLOSE})

# Contract registration (tech-contracts.md §4): draft → submitted → (needs_correction ↺) → accepted →
# (expert_review) → registered | refused; registered → cancelled.
DRAFT, SUBMITTED, NEEDS_CORRECTION, ACCEPTED = "draft", "submitted", "needs_correction", "accepted"
EXPERT_REVIEW, REGISTERED, REFUSED, CANCELLED = "expert_review", "registered", "refused", "cancelled"
SUBMIT, REQUEST_CORRECTION, ACCEPT, SEND_TO_EXPERTS = "submit", "request_correction", "accept", "send_to_experts"
REGISTER, REFUSE, CANCEL = "register", "refuse", "cancel"

CONTRACT_TRANSITIONS: dict[tuple[str, str], str] = {
    (DRAFT, SUBMIT): SUBMITTED,
    (NEEDS_CORRECTION, SUBMIT): SUBMITTED,
    (SUBMITTED, REQUEST_CORRECTION): NEEDS_CORRECTION,
    (SUBMITTED, ACCEPT): ACCEPTED,
    (SUBMITTED, REFUSE): REFUSED,
    (ACCEPTED, SEND_TO_EXPERTS): EXPERT_REVIEW,
    (ACCEPTED, REGISTER): REGISTERED,
    (ACCEPTED, REFUSE): REFUSED,
    (EXPERT_REVIEW, REGISTER): REGISTERED,
    (EXPERT_REVIEW, REFUSE): REFUSED,
    # The registration is cancelled when the contract is terminated or revoked (2026 draft).
    (REGISTERED, CANCEL): CANCELLED,
}
CONTRACT_NOTE_REQUIRED = frozenset({REQUEST_CORRECTION, REFUSE, CANCEL})
# Who applies edits the contract only before it is handed in, or when asked to correct it.
CONTRACT_EDITABLE = frozenset({DRAFT, NEEDS_CORRECTION})


@dataclass(frozen=True)
class TransitionRefused(Exception):
    state: str
    action: str

    def __str__(self) -> str:
        return f"cannot {self.action} from {self.state}"


def next_match_stage(stage: str, action: str) -> str:
    try:
        return MATCH_TRANSITIONS[(stage, action)]
    except KeyError:
        raise TransitionRefused(stage, action) from None


def next_contract_status(status: str, action: str) -> str:
    try:
        return CONTRACT_TRANSITIONS[(status, action)]
    except KeyError:
        raise TransitionRefused(status, action) from None


def match_actions(stage: str) -> list[str]:
    return [a for (s, a) in MATCH_TRANSITIONS if s == stage]


def contract_actions(status: str) -> list[str]:
    return [a for (s, a) in CONTRACT_TRANSITIONS if s == status]
