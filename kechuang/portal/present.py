"""The push engine's reasons and gaps in words (the engine returns codes; the pages and the API show sentences)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from kechuang.enterprises.models import Tier
from kechuang.portal.push import PushItem
from kechuang.portal.push.engine import Gap, Reason


def tier_label(code: str) -> str:
    try:
        return str(Tier(code).label)
    except ValueError:
        return code


def reason_text(r: Reason) -> str:
    if r.kind == "in_register":
        return _("Your firm is in the city's enterprise register.")
    if r.kind == "tier_held":
        return _("You hold the title %(tier)s.") % {"tier": tier_label(r.subject)}
    if r.kind == "tier_eligible":
        return _("The ladder finds every criterion of %(tier)s met: you can apply for the title.") % {
            "tier": tier_label(r.subject)
        }
    if r.kind == "has_score":
        return _("Your innovation-capability score: %(score)s.") % {"score": r.subject}
    if r.kind == "employs_talents":
        return _("%(n)s talents of the register work for your firm.") % {"n": r.subject}
    return r.kind


def gap_text(g: Gap) -> str:
    tier = tier_label(g.subject)
    missing = "；".join(g.texts)
    if g.kind == "tier_needed":
        if missing:
            text = _("Needs the title %(tier)s, which you do not hold; its gap: %(gap)s")
            return text % {"tier": tier, "gap": missing}
        return _("Needs the title %(tier)s; the ladder finds you eligible: apply for it first.") % {"tier": tier}
    if g.kind == "tier_apply":
        return _("One criterion short: %(gap)s") % {"gap": missing}
    if g.kind == "not_in_register":
        return _("Your firm is not in the city's enterprise register.")
    if g.kind == "no_score":
        return _("Your firm has no capability score yet.")
    if g.kind == "no_talents":
        return _("No talent of the register names your firm as employer.")
    if g.kind == "tier_unknown":
        return _("The ladder cannot evaluate %(tier)s with the facts on record.") % {"tier": tier}
    if g.kind == "tier_held_already":
        return _("You hold %(tier)s already.") % {"tier": tier}
    return g.kind


def item(i: PushItem) -> dict[str, Any]:
    """One push item for a page or the API: the offer, its status and the reasons and gaps in words."""
    o = i.offer
    return {
        "offer": o,
        "key": o.key,
        "status": i.status,
        "reasons": [reason_text(r) for r in i.outcome.reasons],
        "gaps": [gap_text(g) for g in i.outcome.gaps],
        "apply_url": _apply_url(o) if i.status == "qualifies" else "",
    }


def _apply_url(o: Any) -> str:
    from django.urls import reverse

    if o.action is None:
        return ""
    name, args = o.action
    return reverse(name, args=args)
