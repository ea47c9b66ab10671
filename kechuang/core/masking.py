"""Masking of personal data: the one implementation every page, export, API and the audit log uses
(security-baseline.md §2 个人信息保护; DESIGN.md data rules). Who may see a field unmasked is decided by each
module's selectors (core.selectors.can_unmask, techmarket.selectors.can_see_contacts); how it is masked, here."""

from __future__ import annotations

from typing import Any

# Field names that hold personal contact data, in any model; the audit log stores their values masked.
PERSONAL_FIELDS = frozenset(
    {"phone", "mobile", "email", "contact_phone", "contact_email", "id_number", "id_card", "submitter_ip"}
)


def mask_phone(value: str) -> str:
    """138****5678: the first three and last four characters stay, as the security baseline requires."""
    value = value or ""
    if len(value) >= 7:
        return value[:3] + "*" * (len(value) - 7) + value[-4:]
    return "*" * len(value)


def mask_email(value: str) -> str:
    """z***@example.com: the first character of the mailbox and the domain stay."""
    value = value or ""
    if "@" not in value:
        return "*" * len(value)
    local, domain = value.split("@", 1)
    return f"{local[:1]}***@{domain}"


def mask_id(value: str) -> str:
    """An ID number: the first six and last four characters stay."""
    value = value or ""
    return value[:6] + "*" * (len(value) - 10) + value[-4:] if len(value) > 10 else "*" * len(value)


def mask_field(name: str, value: Any) -> Any:
    """`value` of the personal field `name` masked (other fields and empty values unchanged)."""
    if name not in PERSONAL_FIELDS or not isinstance(value, str) or not value:
        return value
    if "email" in name:
        return mask_email(value)
    if name.startswith("id_"):
        return mask_id(value)
    return mask_phone(value)


def mask_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """An audit `changes` mapping ({field: [before, after]}) with personal fields masked."""
    out = {}
    for name, pair in (changes or {}).items():
        if name in PERSONAL_FIELDS and isinstance(pair, list | tuple):
            out[name] = [mask_field(name, v) for v in pair]
        else:
            out[name] = mask_field(name, pair)
    return out
