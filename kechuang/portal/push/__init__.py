"""The policy-push engine (政策推送): which programmes, calls, loans and services a firm qualifies for now, and what it
still lacks for the others. Plain Python on plain data (no Django): the portal's selectors build the firm and the
offers from the modules' records and the rules in the city's data file `kechuang/portal/data/<city code>.yaml`."""

from kechuang.portal.push.engine import (
    MAX_GAP,
    Condition,
    Firm,
    Offer,
    Outcome,
    PushItem,
    Verdict,
    evaluate,
    push_list,
)

__all__ = ["MAX_GAP", "Condition", "Firm", "Offer", "Outcome", "PushItem", "Verdict", "evaluate", "push_list"]
