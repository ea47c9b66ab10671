"""The five roles of the platform and what each may do. One place, used by scope, views and API."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    BUREAU_ADMIN = "bureau_admin", _("Bureau administrator")
    BUREAU_STAFF = "bureau_staff", _("Bureau staff")
    DEPARTMENT_OFFICER = "department_officer", _("Department officer")
    DISTRICT_OFFICER = "district_officer", _("District officer")
    LEADER = "leader", _("Leader")


# The bureau's own staff: they keep the libraries, open reporting periods, plan milestones and run the registry.
BUREAU = frozenset({Role.BUREAU_ADMIN, Role.BUREAU_STAFF})
# Roles that see every record of the city; the others are confined to their org unit.
CITY_WIDE = BUREAU | {Role.LEADER}
READ_ONLY = frozenset({Role.LEADER})
# Who reads and exports the audit log: the page, its export and the menu entry all check this one set.
AUDIT_READERS = frozenset({Role.BUREAU_ADMIN})
# Roles that may enter or change data somewhere (everyone but the read-only roles).
WRITERS = frozenset(Role) - READ_ONLY
# The org-unit kind a role must be bound to.
BOUND_KIND = {Role.DEPARTMENT_OFFICER: "department", Role.DISTRICT_OFFICER: "region"}
