"""Data collection (数据采集), the engine: the approval workflow as one transition table and the validation rules.

Plain Python, no Django: the services look a step up here and refuse anything absent; the entry form's checks run
here on plain numbers. After DHIS2: a data set's values for one organisation × period are entered, registered as
complete (submitted), approved by the level above and then locked; a validation rule compares a value with a range,
with a related value (a ratio) or with the same period last year, and is an error (blocks) or a warning (needs a
comment before the period is submitted).

Relations of the acting user to one form (organisation × period × data set):
- ``reporter``: an officer of the reporting organisation (its district, its department);
- ``bureau``: bureau staff or the bureau administrator (they may also enter on an organisation's behalf);
- ``other``: anyone else (leaders, other districts and departments): no step at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

# States of a form. `approved` is the lock: nothing is entered until the bureau unlocks it, with a reason.
DRAFT, SUBMITTED, RETURNED, APPROVED = "draft", "submitted", "returned", "approved"
SAVE, SUBMIT, APPROVE, RETURN, UNLOCK = "save", "submit", "approve", "return", "unlock"
REPORTER, BUREAU, OTHER = "reporter", "bureau", "other"

TRANSITIONS: dict[tuple[str, str, str], str] = {
    # The reporting organisation keeps a draft and submits it (the first save creates the draft).
    (DRAFT, SAVE, REPORTER): DRAFT,
    (RETURNED, SAVE, REPORTER): RETURNED,
    (DRAFT, SUBMIT, REPORTER): SUBMITTED,
    (RETURNED, SUBMIT, REPORTER): SUBMITTED,
    # The bureau may enter and submit on an organisation's behalf (a paper form sent in).
    (DRAFT, SAVE, BUREAU): DRAFT,
    (RETURNED, SAVE, BUREAU): RETURNED,
    (DRAFT, SUBMIT, BUREAU): SUBMITTED,
    (RETURNED, SUBMIT, BUREAU): SUBMITTED,
    # The bureau reviews: approve (the period locks) or return with a reason.
    (SUBMITTED, APPROVE, BUREAU): APPROVED,
    (SUBMITTED, RETURN, BUREAU): RETURNED,
    # Unlocking an approved period needs a reason; the form goes back to the organisation.
    (APPROVED, UNLOCK, BUREAU): RETURNED,
}
# Steps that need a reason (kept on the form and in the audit log).
REASON_REQUIRED = frozenset({RETURN, UNLOCK})
# States whose values may be changed (by the reporter or the bureau).
EDITABLE_STATES = frozenset({DRAFT, RETURNED})


class TransitionRefused(Exception):
    def __init__(self, state: str, action: str, relations: Iterable[str]) -> None:
        super().__init__(f"{'/'.join(sorted(relations)) or OTHER} may not {action} a form that is {state}")
        self.state, self.action = state, action


def next_state(state: str, action: str, relations: Iterable[str]) -> str:
    """The state after `action` by a user with `relations` to the form; TransitionRefused when the table has none."""
    for relation in relations:
        found = TRANSITIONS.get((state, action, relation))
        if found is not None:
            return found
    raise TransitionRefused(state, action, relations)


def allowed_actions(state: str, relations: Iterable[str]) -> list[str]:
    """The steps a user with `relations` may take on a form in `state`, in the table's order, without repeats."""
    wanted = set(relations)
    return list(dict.fromkeys(a for (s, a, r) in TRANSITIONS if s == state and r in wanted))


def can_edit(state: str, relations: Iterable[str]) -> bool:
    return state in EDITABLE_STATES and bool(set(relations) & {REPORTER, BUREAU})


# ---------------------------------------------------------------------------------------------------------------------
# Validation rules

RANGE, RATIO, JUMP = "range", "ratio", "jump"
ERROR, WARNING = "error", "warning"
MISSING = "missing"


@dataclass(frozen=True)
class Rule:
    """One rule on one field (an indicator code). RANGE: minimum ≤ value ≤ maximum. RATIO: minimum ≤ value / other
    ≤ maximum. JUMP: |value / last year's − 1| ≤ threshold (a fraction, 0.3 = 30 %). A bound left None is open."""

    kind: str
    field: str
    severity: str = ERROR
    other: str | None = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    threshold: Decimal | None = None


@dataclass(frozen=True)
class Finding:
    """A rule a value breaks. `measured` is the value, the ratio or the change (a fraction) that broke it;
    `explained` is a warning with a comment (it no longer blocks the submission)."""

    kind: str
    field: str
    severity: str
    measured: Decimal | None = None
    rule: Rule | None = None
    last: Decimal | None = None
    explained: bool = False

    @property
    def blocks(self) -> bool:
        return self.severity == ERROR or not self.explained


@dataclass
class Check:
    findings: list[Finding] = field(default_factory=list)

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.blocks]

    @property
    def ok(self) -> bool:
        return not self.blocking

    def for_field(self, name: str) -> list[Finding]:
        return [f for f in self.findings if f.field == name]


def _outside(value: Decimal, low: Decimal | None, high: Decimal | None) -> bool:
    return (low is not None and value < low) or (high is not None and value > high)


def validate(
    values: Mapping[str, Decimal | None],
    rules: Iterable[Rule],
    *,
    last_year: Mapping[str, Decimal] | None = None,
    comments: Mapping[str, str] | None = None,
    require_all: bool = False,
) -> Check:
    """Check one form's values. `require_all` (on submit): every field needs a value. A rule whose values are
    missing (or a ratio over zero, a jump from zero) is not applied: the missing value is its own finding."""
    last_year = last_year or {}
    comments = comments or {}
    check = Check()
    if require_all:
        check.findings += [Finding(MISSING, name, ERROR) for name, value in values.items() if value is None]
    for rule in rules:
        value = values.get(rule.field)
        if value is None:
            continue
        if rule.kind == RANGE:
            if _outside(value, rule.minimum, rule.maximum):
                check.findings.append(_finding(rule, value, comments))
        elif rule.kind == RATIO:
            other = values.get(rule.other or "")
            if other is None or other == 0:
                continue
            ratio = value / other
            if _outside(ratio, rule.minimum, rule.maximum):
                check.findings.append(_finding(rule, ratio, comments))
        elif rule.kind == JUMP:
            last = last_year.get(rule.field)
            if last is None or last == 0 or rule.threshold is None:
                continue
            change = value / last - 1
            if abs(change) > rule.threshold:
                check.findings.append(_finding(rule, change, comments, last=last))
        else:
            raise ValueError(f"unknown rule kind {rule.kind!r}")
    return check


def _finding(rule: Rule, measured: Decimal, comments: Mapping[str, str], last: Decimal | None = None) -> Finding:
    explained = rule.severity == WARNING and bool((comments.get(rule.field) or "").strip())
    return Finding(rule.kind, rule.field, rule.severity, measured, rule, last, explained)


# ---------------------------------------------------------------------------------------------------------------------
# Completeness and timeliness


@dataclass(frozen=True)
class Completeness:
    expected: int
    entered: int

    @property
    def ratio(self) -> float:
        return self.entered / self.expected if self.expected else 0.0

    @property
    def level(self) -> str:
        """The board's colour: none entered, some, all."""
        if self.entered == 0:
            return "none"
        return "complete" if self.entered >= self.expected else "partial"
