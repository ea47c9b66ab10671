"""Registration rules for technology contracts (tech-contracts.md §2–§4), kept apart from the services so that
each rule can be read and tested alone. Every rule cites its section; [REPORTED] rules sit behind the rule
version, which is chosen by the application date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

# The MIIT 《技术合同认定登记管理办法》 was issued on 2026-01-23 and repeals the 2000/2001 texts [REPORTED];
# contracts applied for before then keep the old classification (tech-contracts.md, "Read first").
RULES_2026_FROM = dt.date(2026, 1, 23)
# 2026 rules [REPORTED]: a 技术交易额 of 500万元 or more goes to the provincial expert review (§4).
EXPERT_REVIEW_THRESHOLD_WAN = Decimal("500")
# §3: complete technical equipment and test rigs count as carriers "normally 1–2 sets".
CARRIER_EQUIPMENT_MAX_SETS = 2

DEDUCTIBLE = frozenset({"equipment", "instrument", "component", "raw_material"})
CARRIERS = frozenset({"carrier_document", "carrier_software", "carrier_equipment"})


def rule_version_for(applied_on: dt.date | None) -> str:
    """'2026' for applications from 2026-01-23 on, else '2001'."""
    return "2026" if applied_on is not None and applied_on >= RULES_2026_FROM else "2001"


def statistics_type(contract_type: str, rule_version: str) -> str:
    """The type a contract counts under in a series across 2026: before 2026 licences were a sub-type of
    transfer (four types), so a time series maps 技术许可 back to 技术转让 for the old years (§2.1)."""
    if rule_version == "2001" and contract_type == "licence":
        return "transfer"
    return contract_type


@dataclass(frozen=True)
class Item:
    """A non-technical cost as the rules read it; named like `NonTechnicalItem` so that either can be passed."""

    kind: str
    amount_wan: Decimal
    quantity: int = 1


def suggested_technology_amount(total: Decimal, items: Iterable[Any]) -> Decimal:
    """技术交易额 as the applicant states it (§3): the contract amount minus the non-technical costs (equipment,
    instruments, components and raw materials bought for the contract). Carriers of the technology are not
    deducted in a reasonable quantity: complete equipment or test rigs up to 2 sets; sets beyond that are
    deducted pro rata. Never below zero."""
    deducted = Decimal(0)
    for item in items:
        kind, amount, quantity = item.kind, Decimal(item.amount_wan), int(getattr(item, "quantity", 1) or 1)
        if kind in DEDUCTIBLE:
            deducted += amount
        elif kind == "carrier_equipment" and quantity > CARRIER_EQUIPMENT_MAX_SETS:
            deducted += amount * (quantity - CARRIER_EQUIPMENT_MAX_SETS) / quantity
    return max(Decimal(total) - deducted, Decimal(0)).quantize(Decimal("0.0001"))


def amount_problems(
    total: Decimal | None, items: Iterable[Any], approved: Decimal | None, note: str = ""
) -> dict[str, str]:
    """Why the registry cannot approve these amounts (field → message); empty when it can.

    The registry approves (核定) the 技术交易额 itself and may disallow a deduction or cap the carriers, so the
    approved figure is stored, not derived (§3); it must lie between 0 and the contract amount, and a figure
    that differs from the applicant's computation needs a note saying why."""
    problems: dict[str, str] = {}
    if total is None or Decimal(total) <= 0:
        problems["total_amount_wan"] = str(_("State the contract amount (the price, remuneration or royalty)."))
        return problems
    items = list(items)
    deductible = sum((Decimal(i.amount_wan) for i in items if i.kind in DEDUCTIBLE), Decimal(0))
    if deductible > Decimal(total):
        problems["non_technical_items"] = str(_("The non-technical costs exceed the contract amount."))
    if approved is None:
        problems["technology_amount_wan"] = str(_("Approve the technology transaction amount before registering."))
    elif Decimal(approved) < 0 or Decimal(approved) > Decimal(total):
        problems["technology_amount_wan"] = str(
            _("The technology transaction amount must lie between 0 and the contract amount.")
        )
    elif Decimal(approved) != suggested_technology_amount(total, items) and not note.strip():
        problems["amount_note"] = str(
            _("The approved amount differs from the contract amount less non-technical costs: say why.")
        )
    return problems


# Sub-types by contract type (§2.1). Under the 2001 rules licences were sub-types of 转让.
SUB_TYPES: dict[str, tuple[str, ...]] = {
    "development": ("委托开发", "合作开发"),
    "transfer": (
        "专利权转让",
        "专利申请权转让",
        "技术秘密转让",
        "集成电路布图设计专有权转让",
        "植物新品种权转让",
        "计算机软件著作权转让",
    ),
    "licence": ("专利实施许可", "技术秘密使用许可"),
    "consulting": ("技术咨询",),
    "service": ("技术服务", "技术培训", "技术中介"),
}


def sub_types_for(kind: str, version: str) -> tuple[str, ...]:
    if kind == "transfer" and version == "2001":
        return SUB_TYPES["transfer"] + SUB_TYPES["licence"]
    return SUB_TYPES.get(kind, ())


def sub_type_problem(kind: str, sub_type: str, version: str) -> str | None:
    """Why `sub_type` is not one of the type's sub-types under `version`; None when it is (or is empty)."""
    allowed = sub_types_for(kind, version)
    if not sub_type or sub_type in allowed:
        return None
    return str(
        _("%(sub)s is not a sub-type of this contract type under the %(version)s rules; use one of: %(allowed)s.")
        % {"sub": sub_type, "version": version, "allowed": "、".join(allowed) or "—"}
    )


def registrability_problems(contract: Any, parties: Iterable[Any]) -> dict[str, str]:
    """Reasons a registry refuses (不予登记) or sends back this contract (§2.3, §2.4); empty when registrable."""
    problems: dict[str, str] = {}
    parties = list(parties)
    roles = {p.role for p in parties}
    if "seller" not in roles or "buyer" not in roles:
        problems["parties"] = str(_("Name at least one seller and one buyer (§2.4 item 3)."))
    if not contract.in_writing:
        problems["in_writing"] = str(_("Oral contracts are not registered: the contract must be in writing."))
    if not contract.seals_consistent:
        problems["seals_consistent"] = str(_("The seals do not match the parties' written names (§2.4 item 8)."))
    if contract.monopolising_clauses:
        problems["monopolising_clauses"] = str(
            _("Clauses that illegally monopolise technology make the contract unregistrable (§2.4 item 6).")
        )
    if not (contract.subject or "").strip():
        problems["subject"] = str(_("State the technical subject (§2.4 item 3)."))
    if contract.total_amount_wan is None or Decimal(contract.total_amount_wan) <= 0:
        problems["total_amount_wan"] = str(_("State the price, remuneration or royalty (§2.4 item 3)."))
    if contract.valid_from and contract.submitted_on and contract.valid_from > contract.submitted_on:
        problems["valid_from"] = str(
            _("The contract is not yet in force: it cannot be registered before (§2.4 item 1).")
        )
    version = contract.rule_version or rule_version_for(contract.submitted_on)
    kind = contract.contract_type
    if problem := sub_type_problem(kind, contract.sub_type, version):
        problems["sub_type"] = problem
    if kind == "licence" and version == "2001":
        problems["contract_type"] = str(
            _("Under the 2001 rules a licence is registered as a technology transfer (专利实施许可).")
        )
    if kind == "development":
        if not (contract.quantified_goal or "").strip():
            problems["quantified_goal"] = str(_("A development contract needs quantified development goals (§2.3)."))
        if not contract.acceptance_clause:
            problems["acceptance_clause"] = str(_("A development contract needs an acceptance clause (§2.3)."))
    if kind in ("transfer", "licence"):
        if not contract.ip_ownership_stated:
            problems["ip_ownership_stated"] = str(_("A transfer or licence must state who owns the IP (§2.3)."))
        is_licence = kind == "licence" or "许可" in (contract.sub_type or "")
        if is_licence and not contract.licence_scope:
            problems["licence_scope"] = str(_("A licence states whether it is exclusive, sole or ordinary (§2.3)."))
    if kind == "consulting" and not (contract.deliverable or "").strip():
        problems["deliverable"] = str(_("A consulting contract delivers a report or opinion: name it (§2.3)."))
    if contract.valid_until and contract.submitted_on and contract.valid_until < contract.submitted_on:
        problems["valid_until"] = str(_("The contract had expired when it was submitted."))
    return problems


def needs_expert_review(rule_version: str, technology_amount: Decimal | None, disputed: bool = False) -> bool:
    """2026 rules [REPORTED]: 技术交易额 ≥ 500万元, or a disputed contract, goes to the provincial expert review."""
    if rule_version != "2026":
        return False
    return disputed or (technology_amount is not None and Decimal(technology_amount) >= EXPERT_REVIEW_THRESHOLD_WAN)


def registration_prefix(year: int, city_code: str) -> str:
    """YY + province + city (§4.1): the first six digits of the old number, from the city's GB/T 2260 code."""
    return f"{year % 100:02d}{city_code[:4]}"


def old_registration_number(year: int, serial: int, *, city_code: str, point: int = 1) -> str:
    """The 14-digit number (§4.1): YY + province + city + registration point + 6-digit serial."""
    return f"{registration_prefix(year, city_code)}{point:02d}{serial:06d}"
