"""The registry of personal-data fields (checklist item 15; PIPL arts. 6, 13, 19; security-baseline.md §3): every
field that holds a person's data, with its purpose, legal basis, retention, masking and whether it is encrypted at
rest. Masking (core.masking), the unmask rule, the audit diffs, the retention job and the test that fails on an
unregistered personal field all read it. Pure data: models are named by label, never imported.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

STATUTORY = "statutory_duty"  # PIPL art. 13(3): needed for the bureau's statutory duties
CONSENT = "consent"  # PIPL art. 13(1): the person consented (public forms; ConsentRecord)
SECURITY_LOG = "statutory_security_log"  # 网络安全法 art. 21(3): security logs kept ≥ 6 months

YEAR = dt.timedelta(days=365)


@dataclass(frozen=True)
class PersonalField:
    """One registered personal field. `retention` counts from `retention_from` (a date/datetime field of the
    model) and only while the record is in one of `closed_states` (empty: from that date regardless); None keeps
    it while the record is in use. `masking`: phone, email, name, id, ip or hidden."""

    model: str
    field: str
    purpose: str
    legal_basis: str
    masking: str
    encrypted: bool
    retention: dt.timedelta | None = None
    retention_from: str = ""
    closed_states: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, str]:
        return (self.model, self.field)


_TM_CLOSED_DEMAND = ("closed", "rejected", "signed")
_TM_CLOSED_ACHIEVEMENT = ("withdrawn", "transferred")


def _contacts(model: str, purpose: str, basis: str, closed: tuple[str, ...]) -> list[PersonalField]:
    kw = dict(retention=3 * YEAR, retention_from="updated_at", closed_states=closed)
    return [
        PersonalField(model, "contact_name", purpose, basis, "name", True, **kw),
        PersonalField(model, "contact_phone", purpose, basis, "phone", True, **kw),
        PersonalField(model, "contact_email", purpose, basis, "email", True, **kw),
    ]


REGISTRY: tuple[PersonalField, ...] = (
    # Liaisons: the contact person each unit names to the bureau; kept while the liaison serves.
    PersonalField("core.liaison", "name", "liaison contact for the bureau's tasks", STATUTORY, "name", False),
    PersonalField("core.liaison", "phone", "liaison contact for the bureau's tasks", STATUTORY, "phone", True),
    PersonalField("core.liaison", "email", "liaison contact for the bureau's tasks", STATUTORY, "email", True),
    # Accounts: who did what (audit); names shown in the log are needed for accountability.
    PersonalField("core.user", "first_name", "account holder's identity", STATUTORY, "name", False),
    PersonalField("core.user", "last_name", "account holder's identity", STATUTORY, "name", False),
    PersonalField("core.user", "email", "account notices and reminders", STATUTORY, "email", False),
    # Text messages of the message centre (core.messages), sent only when an SMS gateway is configured.
    PersonalField("core.user", "mobile", "account notices and reminders", STATUTORY, "phone", True),
    # Audit rows are chained and never edited: their personal fields go with the row, which the audit retention
    # purge (item 12) deletes after AUDIT_RETENTION_DAYS; this job leaves them alone.
    PersonalField("core.auditentry", "ip", "security audit", SECURITY_LOG, "ip", False),
    PersonalField("core.auditentry", "actor_label", "security audit", SECURITY_LOG, "hidden", False),
    # Consents: proof that and when a person consented (kept 3 years after withdrawal, PIPL art. 56 by analogy).
    PersonalField(
        "core.consentrecord",
        "subject_contact",
        "proof of consent",
        STATUTORY,
        "phone",
        True,
        retention=3 * YEAR,
        retention_from="withdrawn_at",
    ),
    # Enterprise portal registrations (core.firm_accounts): the contact of the firm asking for an account, for the
    # district's check; kept a year after the request is decided (the account, if any, carries its own copy).
    *(
        PersonalField(
            "core.accountrequest",
            name,
            "confirming an enterprise portal account",
            CONSENT,
            masking,
            True,
            retention=YEAR,
            retention_from="decided_at",
            closed_states=("confirmed", "refused", "invited"),
        )
        for name, masking in (("contact_name", "name"), ("email", "email"), ("mobile", "phone"))
    ),
    PersonalField(
        "core.accountrequest",
        "ip_hash",
        "rate limit of the registration form (keyed hash, no address)",
        CONSENT,
        "hidden",
        False,
        retention=YEAR,
        retention_from="created_at",
    ),
    # Technology market: contacts of achievements and demands, for brokering; 3 years after the record closes.
    *_contacts("techmarket.achievement", "brokering technology transfer", STATUTORY, _TM_CLOSED_ACHIEVEMENT),
    *_contacts("techmarket.demand", "brokering technology demands", CONSENT, _TM_CLOSED_DEMAND),
    PersonalField(
        "techmarket.demand",
        "submitter_ip_hash",
        "rate limit of the public form (keyed hash, no address)",
        CONSENT,
        "hidden",
        False,
        retention=YEAR,
        retention_from="created_at",
    ),
    PersonalField(
        "techmarket.publicsubmission",
        "ip_hash",
        "rate limit of the public form (keyed hash, no address)",
        STATUTORY,
        "hidden",
        False,
        retention=dt.timedelta(days=30),
        retention_from="at",
    ),
    PersonalField("techmarket.expert", "name", "inviting experts to matches", STATUTORY, "name", False),
    PersonalField("techmarket.expert", "phone", "inviting experts to matches", STATUTORY, "phone", True),
    PersonalField("techmarket.expert", "email", "inviting experts to matches", STATUTORY, "email", True),
    # Talent register: identity and contact of talents, for programme management and services (statutory duty).
    PersonalField("talent.talent", "name", "talent programmes and services", STATUTORY, "name", False),
    PersonalField("talent.talent", "id_number", "talent programmes and services", STATUTORY, "id", True),
    PersonalField("talent.talent", "phone", "talent programmes and services", STATUTORY, "phone", True),
    # Derived from the ID number (GB 11643) for age limits of programmes; never shown without the ID's rights.
    PersonalField("talent.talent", "birth_date", "talent programmes and services", STATUTORY, "hidden", False),
    # The talent portal's public registration page: its rate limit (kechuang/talent/services.py).
    PersonalField(
        "talent.registrationattempt",
        "ip_hash",
        "rate limit of the talent registration page (keyed hash, no address)",
        STATUTORY,
        "hidden",
        False,
        retention=dt.timedelta(days=30),
        retention_from="at",
    ),
    # Third-party security logs (django-axes): lock-outs need the client address.
    *(
        PersonalField(f"axes.{m}", "ip_address", "login lock-out", SECURITY_LOG, "ip", False)
        for m in ("accessattempt", "accessfailurelog", "accesslog")
    ),
)

# Fields whose names look personal but are not, each with the reason (the registry test reads this).
NOT_PERSONAL: dict[tuple[str, str], str] = {
    ("enterprises.enterpriseyear", "hte_ip_acquisition"): "a count of intellectual property acquired (IP = 知识产权)",
    ("enterprises.intellectualproperty", "ip_class"): "the class of an intellectual-property right",
    ("techmarket.contract", "ip_ownership_stated"): "whether a contract states who owns the intellectual property",
    ("techmarket.contract", "ip_numbers"): "patent numbers of a contract",
    ("techmarket.matchcase", "contacted_on"): "the date staff contacted the parties (no person)",
    ("projects.project", "ip_declaration"): "the intellectual property a funded project declares (IP = 知识产权)",
    ("projects.project", "ip_declared_on"): "the date a project declared its intellectual property",
    ("core.message", "emailed_at"): "when a message of the message centre was e-mailed (no address is kept)",
}

_BY_KEY = {f.key: f for f in REGISTRY}


def get(model: str, field: str) -> PersonalField | None:
    return _BY_KEY.get((model, field))


# The records whose pages offer 显示完整信息. Nothing else is unmasked through core:unmask, however its fields are
# registered: accounts, the audit log, lock-out and consent records are read by their own administrators only.
UNMASKABLE = frozenset(
    {"core.liaison", "techmarket.achievement", "techmarket.demand", "techmarket.expert", "talent.talent"}
)


def fields_of(model: str) -> list[PersonalField]:
    return [f for f in REGISTRY if f.model == model]


def masking_by_name() -> dict[str, str]:
    """Field name → masking kind, for places that know only a name (audit diffs); the first registration wins.
    `name` is left out: most models' `name` is an organisation's or a policy's (audit labels name people anyway)."""
    out: dict[str, str] = {}
    for f in REGISTRY:
        if f.field != "name":
            out.setdefault(f.field, f.masking)
    return out


# ---------------------------------------------------------------- who may unmask: the one rule
def can_unmask(user: Any, obj: Any = None) -> bool:
    """May `user` ask to see personal fields in full (always with a reason, always logged)? Bureau staff may;
    an officer may for a record they may edit (their own unit's liaisons, their region's demands); leaders and
    everyone else never. Without `obj`: may the user unmask whole lists (exports) — bureau staff only."""
    from kechuang.core.permissions import is_bureau
    from kechuang.core.roles import WRITERS
    from kechuang.core.scope import can_write

    if not (getattr(user, "is_authenticated", False) and getattr(user, "is_active", False)):
        return False
    if is_bureau(user):
        return True
    if obj is None or getattr(user, "role", None) not in WRITERS:
        return False
    return can_write(user, obj)


def may_unmask_any(user: Any) -> bool:
    """Could `user` unmask some record (bureau staff, and officers for their own unit's records)? For the second
    factor: whoever may see personal data in full must have one (security-baseline.md §2, 身份鉴别 d)."""
    from kechuang.core.roles import WRITERS

    if not (getattr(user, "is_authenticated", False) and getattr(user, "is_active", False)):
        return False
    return getattr(user, "role", None) in WRITERS


UNMASK_REASON_MIN = 4
