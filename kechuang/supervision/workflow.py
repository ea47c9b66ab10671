"""The report workflow as one explicit table: (state, action, actor's relation) → new state.

Plain Python, no Django import: the services look the transition up here and refuse anything absent.

Relations of the acting user to a report:
- ``supporter``: an officer of a supporting department, on its own report (reports to the lead);
- ``lead``: an officer of a lead department, on its own report (reports to the bureau, consolidating
  its supporters' reports);
- ``consolidator``: an officer of the task's first lead department, on a supporter's report;
- ``bureau``: bureau staff or the bureau administrator;
- ``other``: anyone else (leaders, districts, unrelated departments) — no transition at all.
"""

from __future__ import annotations

from dataclasses import dataclass

DRAFT, WITH_LEAD, WITH_BUREAU, RETURNED, ACCEPTED = "draft", "with_lead", "with_bureau", "returned", "accepted"
SUBMIT, CONSOLIDATE, RETURN, ACCEPT = "submit", "consolidate", "return", "accept"
SUPPORTER, LEAD, CONSOLIDATOR, BUREAU, OTHER = "supporter", "lead", "consolidator", "bureau", "other"

TRANSITIONS: dict[tuple[str, str, str], str] = {
    # A supporting department hands its report to the lead department.
    (DRAFT, SUBMIT, SUPPORTER): WITH_LEAD,
    (RETURNED, SUBMIT, SUPPORTER): WITH_LEAD,
    # The lead department consolidates (its own report plus its supporters') and reports to the bureau.
    (DRAFT, CONSOLIDATE, LEAD): WITH_BUREAU,
    (RETURNED, CONSOLIDATE, LEAD): WITH_BUREAU,
    # The lead department may send a supporter's report back before consolidating.
    (WITH_LEAD, RETURN, CONSOLIDATOR): RETURNED,
    # The bureau reviews.
    (WITH_BUREAU, RETURN, BUREAU): RETURNED,
    (WITH_BUREAU, ACCEPT, BUREAU): ACCEPTED,
}

# Only the authoring department edits, and only before the report is handed on (or after a return).
EDITABLE_STATES = frozenset({DRAFT, RETURNED})
AUTHOR_RELATIONS = frozenset({SUPPORTER, LEAD})
# Actions that require a comment.
COMMENT_REQUIRED = frozenset({RETURN})


@dataclass(frozen=True)
class TransitionRefused(Exception):
    state: str
    action: str
    relation: str

    def __str__(self) -> str:
        return f"{self.relation} may not {self.action} a report that is {self.state}"


def next_state(state: str, action: str, relation: str) -> str:
    """The state after `action`, or TransitionRefused when the table has no such row."""
    try:
        return TRANSITIONS[(state, action, relation)]
    except KeyError:
        raise TransitionRefused(state, action, relation) from None


def allowed_actions(state: str, relation: str) -> list[str]:
    return [action for (s, action, r) in TRANSITIONS if s == state and r == relation]


def can_edit(state: str, relation: str) -> bool:
    return state in EDITABLE_STATES and relation in AUTHOR_RELATIONS
