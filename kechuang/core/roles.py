"""The roles of the platform and what each may do. One place, used by scope, views and API.

Five business roles work with the data; three administrators (三权分立, GB/T 22239-2019 §8.1.5) run the platform
and see no business data: the system administrator keeps accounts, the security administrator grants roles, the
audit administrator reads the audit log. A user holds exactly one role, so no account combines two duties.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    BUREAU_ADMIN = "bureau_admin", _("Bureau administrator")
    BUREAU_STAFF = "bureau_staff", _("Bureau staff")
    DEPARTMENT_OFFICER = "department_officer", _("Department officer")
    DISTRICT_OFFICER = "district_officer", _("District officer")
    LEADER = "leader", _("Leader")
    SYSADMIN = "sysadmin", _("System administrator")
    SECADMIN = "secadmin", _("Security administrator")
    AUDITOR = "auditor", _("Audit administrator")
    # Accounts of people outside the government (see EXTERNAL below).
    EXPERT = "expert", _("Reviewing expert")
    ENTERPRISE = "enterprise", _("Enterprise user")
    TALENT = "talent", _("Talent")
    # A new account until the security administrator grants it a role: it reaches no page and no record.
    PENDING = "pending", _("Awaiting a role")


# The three administrators' duties: mutually exclusive, and none of them reaches business data.
ADMIN_DUTIES = frozenset({Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR})
BUSINESS = frozenset(
    {Role.BUREAU_ADMIN, Role.BUREAU_STAFF, Role.DEPARTMENT_OFFICER, Role.DISTRICT_OFFICER, Role.LEADER}
)
# Who manages accounts (create, edit, disable, reset a password) and who grants roles and org units.
ACCOUNT_MANAGERS = frozenset({Role.SYSADMIN})
ROLE_GRANTERS = frozenset({Role.SECADMIN})
# The pages of the user list are read by both account and security administrators.
USER_READERS = ACCOUNT_MANAGERS | ROLE_GRANTERS
AUDIT_READERS = frozenset({Role.AUDITOR})
# The bureau's own staff: they keep the libraries, open reporting periods, plan milestones and run the registry.
BUREAU = frozenset({Role.BUREAU_ADMIN, Role.BUREAU_STAFF})
# Roles that see every record of the city; the others are confined to their org unit.
CITY_WIDE = BUREAU | {Role.LEADER}
READ_ONLY = frozenset({Role.LEADER})
# Roles that may enter or change data somewhere (the business roles but the read-only ones).
WRITERS = BUSINESS - READ_ONLY
# People outside the government: a reviewing expert, a user acting for one enterprise (an employer), a talent.
# They see none of the staff data (no org unit, so `visible_to` gives them nothing but public records) and reach
# only their account pages and the pages a module opens to their role (AppConfig `external_pages`, core.duties);
# each of those views checks that the record is the user's own (their firm, their talent record, their assignment).
EXTERNAL = frozenset({Role.EXPERT, Role.ENTERPRISE, Role.TALENT})
# Roles whose account acts for one organisation, named by `User.credit_code`.
ORGANISATION_BOUND = frozenset({Role.ENTERPRISE})
# Who confirms or refuses a firm's request for a portal account and issues invitation codes: the bureau for every
# region, a district officer for the firms of its region (core.firm_accounts).
ACCOUNT_CONFIRMERS = BUREAU | {Role.DISTRICT_OFFICER}
# The org-unit kind a role must be bound to.
BOUND_KIND = {Role.DEPARTMENT_OFFICER: "department", Role.DISTRICT_OFFICER: "region"}


def is_admin_duty(role: str | None) -> bool:
    """Is `role` one of the three administrators' duties?"""
    return role in ADMIN_DUTIES
