"""Masking of personal data: the one implementation every page, export, API and the audit log uses
(security-baseline.md §2 个人信息保护). What is personal and how it is masked comes from the registry
(core.personal_data); who may unmask, from its one rule `personal_data.can_unmask`. Pages show masked values by
default; the full value only through the unmask view (permission + reason, logged)."""

from __future__ import annotations

from typing import Any

from kechuang.core import personal_data

# Field name → masking kind, from the registry; a few names kept for data that predates it (old audit rows).
MASKING = {
    "mobile": "phone",
    "id_number": "id",
    "id_card": "id",
    "submitter_ip": "ip",
    **personal_data.masking_by_name(),
}
PERSONAL_FIELDS = frozenset(MASKING)


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


def mask_name(value: str) -> str:
    """王**: the family name stays."""
    value = value or ""
    return value[:1] + "*" * max(len(value) - 1, 1) if value else ""


def mask_ip(value: str) -> str:
    """203.0.113.*: the network stays, the host goes."""
    value = value or ""
    sep = "." if "." in value else ":"
    head = value.rsplit(sep, 1)[0] if sep in value else ""
    return f"{head}{sep}*" if head else "*" * len(value)


MASKERS = {
    "phone": mask_phone,
    "email": mask_email,
    "id": mask_id,
    "name": mask_name,
    "ip": mask_ip,
    "hidden": lambda value: "***" if value else value,
}


def mask(kind: str, value: Any) -> Any:
    """`value` masked the way `kind` says (empty values unchanged)."""
    if not isinstance(value, str) or not value:
        return value
    return MASKERS[kind](value)


def mask_field(name: str, value: Any) -> Any:
    """`value` of the personal field `name` masked (other fields and empty values unchanged)."""
    if name not in MASKING:
        return value
    return mask(MASKING[name], value)


def mask_attr(obj: Any, name: str) -> Any:
    """The attribute `name` of a model instance, masked as the registry says for its model."""
    entry = personal_data.get(obj._meta.label_lower, name)
    value = getattr(obj, name)
    return mask(entry.masking, value) if entry else mask_field(name, value)


def mask_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """An audit `changes` mapping ({field: [before, after]}) with personal fields masked; blind indexes (keyed
    hashes of personal values) are left out."""
    out = {}
    for name, pair in (changes or {}).items():
        if name.endswith("_bidx"):
            continue
        if name in PERSONAL_FIELDS and isinstance(pair, list | tuple):
            out[name] = [mask_field(name, v) for v in pair]
        else:
            out[name] = mask_field(name, pair)
    return out
