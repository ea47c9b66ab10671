"""Reading core data, always through the scoped queryset."""

from __future__ import annotations

import json
from typing import Any

from django.db.models import Q, QuerySet

from kechuang.core.models import AuditEntry, Liaison, OrgUnit
from kechuang.core.roles import CITY_WIDE, READ_ONLY, Role


def liaisons(user: Any) -> QuerySet[Liaison]:
    """The liaisons a user sees, in the list's default order (filters: core.filters.LiaisonFilter)."""
    return (
        Liaison.objects.visible_to(user)
        .select_related("org_unit")
        .order_by("org_unit__kind", "org_unit__sort_order", "name", "id")
    )


def liaison_units(user: Any) -> QuerySet[OrgUnit]:
    """The units a user may pick in the liaison filter and form (pickers are scoped too)."""
    qs = OrgUnit.objects.exclude(kind=OrgUnit.Kind.CITY).filter(is_active=True)
    if user.role in (Role.DISTRICT_OFFICER, Role.DEPARTMENT_OFFICER):
        qs = OrgUnit.objects.descendants(user.org_unit, include_self=True) if user.org_unit_id else qs.none()
    return qs.order_by("kind", "sort_order")


def can_unmask(user: Any, obj: Any = None) -> bool:
    """Who may ask to see personal fields in full (with a reason, logged): the one rule, core.personal_data's."""
    from kechuang.core.personal_data import can_unmask as rule

    return rule(user, obj)


def audit_entries() -> QuerySet[AuditEntry]:
    """The audit log, newest first (filters: core.filters.AuditFilter)."""
    return AuditEntry.objects.select_related("actor").order_by("-id")


def org_tree(city: OrgUnit | None) -> dict[str, list[OrgUnit]]:
    if city is None:
        return {"regions": [], "departments": []}
    children = OrgUnit.objects.filter(parent=city, is_active=True).order_by("sort_order")
    return {
        "regions": [u for u in children if u.kind == OrgUnit.Kind.REGION],
        "departments": [u for u in children if u.kind == OrgUnit.Kind.DEPARTMENT],
    }


def bureau_of(city: OrgUnit | None) -> OrgUnit | None:
    """The city's science and technology bureau, which runs the platform: the first department its policy file
    names (the demo accounts are bound to it)."""
    if city is None:
        return None
    return OrgUnit.objects.departments().filter(parent=city, is_active=True).order_by("sort_order", "id").first()


def regions_for(user: Any, *, writable: bool = False) -> QuerySet[OrgUnit]:
    """The regions a user may pick: every active region for city-wide roles, their own for a district officer.

    With `writable`, read-only roles get none. Every region picker and filter of every module uses this, so
    a picker never lists what the data scope would refuse.
    """
    qs = OrgUnit.objects.regions().filter(is_active=True).order_by("sort_order", "id")
    role = getattr(user, "role", None)
    if writable and role in READ_ONLY:
        return qs.none()
    if role in CITY_WIDE:
        return qs
    if role == Role.DISTRICT_OFFICER and user.org_unit_id:
        return OrgUnit.objects.descendants(user.org_unit, include_self=True).filter(kind=OrgUnit.Kind.REGION)
    return qs.none()


def json_list_contains(field: str, text: str) -> Q:
    """Case-insensitive substring search inside a JSONField list of strings, on SQLite and PostgreSQL alike:
    SQLite keeps non-ASCII characters as \\uXXXX escapes, PostgreSQL as text, so both spellings are looked for."""
    condition = Q(**{f"{field}__icontains": text})
    escaped = json.dumps(text)[1:-1]
    if escaped != text:
        condition |= Q(**{f"{field}__icontains": escaped})
    return condition
