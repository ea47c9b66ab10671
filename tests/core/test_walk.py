"""The walk: every URL pattern of the resolver × every persona (and anonymous), on the demo data.

For each pattern the RULES table below says who may read it and which demo object it takes. The walk then
asserts, per pattern × persona:
- never a 5xx;
- the status the role allows: 200 (or the rule's redirect/405) for a reader in scope, 404 for an object out of
  scope, 403 for a role without the right (a read-only or out-of-scope write), a log-in redirect / 401 for
  anonymous;
- no out-of-scope identifier in the body (credit codes, liaison e-mails, links to out-of-scope records);
- for every URL that writes, a refused persona's POST leaves the database unchanged (table counts, the target
  row and the audit log).

A pattern without a rule fails `test_every_url_pattern_has_a_rule`, so a new page is walked the day it is added.
The object ids are real: the demo data is loaded once for the module with the real loaders (`load_demo`), with a
smaller enterprise population, inside one transaction rolled back at the end. One test walks an app's URLs for one
persona, each URL in a savepoint of its own rolled back after it (`_as_its_own_test`); a failure names every
(persona, URL name, path) that failed.

Every walked response also goes through RESPONSE_CHECKS (functions `(response, text) -> list[str]` of problems):
a further systemic check, such as the visible-text one, is one line appended there.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Case, When
from django.forms.models import model_to_dict
from django.urls import reverse

from tests.conftest import ALL_PERSONAS, EXTERNAL_PERSONAS, PERSONAS, walkers
from tests.core.walk import WalkUrl, body_text, linked_paths, url_patterns

ANONYMOUS = "anonymous"
# The business personas and the anonymous visitor, one test per (app, persona). The three administrators reach only
# the pages of their duty (core/duties.py): their whole matrix, GETs and refused writes, is one test per
# administrator in tests/security/test_item_07_role_url_matrix.py, on these same RULES.
WALKERS = walkers([*PERSONAS, ANONYMOUS])

# ---------------------------------------------------------------- who is who
ALL = frozenset(PERSONAS)
BUREAU = frozenset({"bureau_admin", "bureau_staff"})
CITY_WIDE = BUREAU | {"leader"}
OFFICERS = frozenset({"lead_officer", "supporting_officer", "zhangdian_officer", "zichuan_officer"})
WRITERS = BUREAU | OFFICERS  # everyone but the read-only leader
DEPARTMENT_OFFICERS = frozenset({"lead_officer", "supporting_officer"})
UNIT_OF = {name: unit for name, (_u, _r, unit) in ALL_PERSONAS.items()}
# The three separated administrators: each reaches the pages of their duty and no business page (三权分立).
SYSADMIN, SECADMIN, AUDITOR = frozenset({"sysadmin"}), frozenset({"secadmin"}), frozenset({"auditor"})
ADMINS = SYSADMIN | SECADMIN | AUDITOR
USER_READERS = SYSADMIN | SECADMIN
# Accounts outside the government (expert, enterprise users, talent): like the administrators, refused before the
# view everywhere but their account pages and the pages a module opens to their role (a rule naming them).
EXTERNALS = frozenset(EXTERNAL_PERSONAS)
SIGNED_IN = ALL | ADMINS | EXTERNALS
# Who may enrol a second factor but need not (core.second_factor.requires_second_factor): the enrolment page opens
# for them and the verification page sends them on. The enterprise administrator must, as the administrators do.
ENTERPRISE_ACCOUNTS = frozenset({"enterprise_admin", "enterprise_user"})
OPTIONAL_2FA = frozenset({"leader", "expert", "enterprise_user", "talent"})
# Who confirms firms' portal accounts and issues invitation codes; who manages a firm's accounts.
ACCOUNT_CONFIRMERS = BUREAU | {"zhangdian_officer", "zichuan_officer"}
FIRM_ADMIN = frozenset({"enterprise_admin"})
# Of the public pages, an administrator reaches the account ones; anything else answers 403 before its view.
ADMIN_OPEN = frozenset({"login", "logout", "favicon", "set_language"})


# ---------------------------------------------------------------- the rule table
@dataclass(frozen=True)
class Rule:
    """What a URL allows.

    readers: personas that may GET it (others get 403); PUBLIC means anonymous too.
    target: the kind of demo object in the URL (see `targets`); its scope decides 200 / 404 per persona.
    get: what a reader in scope gets on GET: "ok" (200), "redirect" (302), "post_only" (405); "page" is an API
    route that is an HTML page (anonymous goes to the log-in page, not 401).
    writes: the URL changes data on POST (or is an API write); refused personas are POSTed and checked.
    writers: personas that may write (default: readers minus the leader); scope narrows it further.
    edit: a GET shows an edit form, so a reader without write rights gets 403.
    kwargs: fixed URL arguments (or a callable of the target).
    data: the POST/PATCH body for the refused-write check (a valid one, so only rights can refuse it).
    """

    readers: frozenset[str] | None = ALL
    target: str | None = None
    get: str = "ok"
    writes: bool = False
    writers: frozenset[str] | None = None
    edit: bool = False
    kwargs: dict[str, Any] | Callable[[Any], dict[str, Any]] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    json: bool = False  # the body is sent as JSON (API)
    query: str = ""  # a query string the URL needs
    upload: bool = False  # the POST carries a small PDF as "file"
    per_persona: dict[str, int] = field(default_factory=dict)  # a persona whose GET answers otherwise


PUBLIC = None


def page(**kw) -> Rule:
    return Rule(**kw)


def form(target: str | None = None, writers: frozenset[str] = WRITERS, edit: bool = True, **kw) -> Rule:
    """A GET+POST form: readers of the object see it only with write rights."""
    return Rule(target=target, writes=True, writers=writers, edit=edit, **kw)


def action(target: str | None = None, writers: frozenset[str] = WRITERS, get: str = "post_only", **kw) -> Rule:
    """A POST-only step."""
    return Rule(target=target, writes=True, writers=writers, get=get, **kw)


def api_write(target: str | None = None, writers: frozenset[str] = WRITERS, **kw) -> Rule:
    return Rule(target=target, writes=True, writers=writers, get="api_write", json=True, **kw)


TODAY = "2026-06-30"
DEADLINE_PASSED = dt.date.today().year > 2027  # the Zibo policy's deadline year (the clock leg moves past it)
STEP = {"on": TODAY, "note": "walk"}

RULES: dict[str, Rule] = {
    "talent:list": page(),
    "talent:export": page(),
    "talent:create": form(writers=BUREAU | {"zhangdian_officer", "zichuan_officer"}),
    "talent:detail": page(target="talent"),
    "talent:edit": form(target="talent", data={"name": "巡检人才"}),
    "talent:archive": action(target="talent", data={"reason": "walk"}),
    "talent:board": page(),
    "talent:tiers": page(),
    "talent:programmes": page(),
    "talent:programme": page(target="talent_programme"),
    "talent:applications": page(),
    "talent:application_create": form(),
    "talent:application": page(target="talent_application"),
    "talent:application_step": action(target="talent_application", kwargs={"action": "reject"}, data={"note": "w"}),
    "talent:application_assign": action(target="talent_application", data={"reviewer": 987654}),
    "talent:review_list": page(readers=BUREAU | {"expert"}),
    "talent:review": form(
        target="talent_review", readers=BUREAU | {"expert"}, writers=BUREAU | {"expert"}, edit=False, data={"score": 80}
    ),
    "talent:memberships": page(),
    "talent:teams": page(),
    "talent:team_export": page(),
    "talent:team_create": form(writers=BUREAU | {"zhangdian_officer", "zichuan_officer"}),
    "talent:team": page(target="talent_team"),
    "talent:team_edit": form(target="talent_team", data={"name": "巡检团队"}),
    "talent:team_archive": action(target="talent_team", data={"reason": "walk"}),
    "api:talent_teams": page(),
    "api:talent_foreign_experts": page(),
    "api:talent_visits": page(),
    "api:talent_foreign_projects": page(),
    "api:talent_team": page(target="talent_team"),
    "talent:visits": page(),
    "talent:projects": page(),
    "talent:foreign_experts": page(),
    "talent:foreign_expert_create": form(writers=BUREAU | {"zhangdian_officer", "zichuan_officer"}),
    "talent:foreign_expert_edit": form(target="foreign_expert", data={"host_name": "巡检单位"}),
    "talent:visit_create": form(writers=BUREAU | {"zhangdian_officer", "zichuan_officer"}),
    "talent:visit_edit": form(target="foreign_visit", data={"purpose": "巡检"}),
    "talent:project_create": form(writers=BUREAU | {"zhangdian_officer", "zichuan_officer"}),
    "talent:project_edit": form(target="foreign_project", data={"title": "巡检项目"}),
    "talent:outcomes": page(),
    "talent:foreign_import": form(writers=BUREAU | {"zhangdian_officer", "zichuan_officer"}, upload=True),
    "talent:foreign_import_template": page(),
    "talent:bind_account": action(target="talent", writers=BUREAU, data={"username": "p_talent"}),
    "talent:import": form(writers=BUREAU | {"zhangdian_officer", "zichuan_officer"}, upload=True),
    "talent:import_template": page(),
    "talent:portal_home": page(readers=frozenset({"talent"})),
    "talent:portal_request": action(readers=frozenset({"talent"}), writers=frozenset({"talent"}), data={"item": 1}),
    "talent:portal_request_step": action(
        readers=frozenset({"talent"}), writers=frozenset({"talent"}), kwargs={"pk": 987654, "action": "cancel"}
    ),
    "talent:portal_card_apply": action(readers=frozenset({"talent"}), writers=frozenset({"talent"}), data={"grade": 1}),
    "talent:employer_home": page(readers=frozenset({"enterprise_admin", "enterprise_user"})),
    # self-registration: the public request (the same answer whatever the register holds), the district's queue,
    # the employer's confirmation of its own talents' requests
    "talent:register": page(readers=PUBLIC),
    "talent:register_sent": page(readers=PUBLIC),
    "talent:registrations": page(readers=BUREAU | {"zhangdian_officer", "zichuan_officer"}),
    "talent:registration_step": action(
        writers=BUREAU | {"zhangdian_officer", "zichuan_officer"},
        kwargs={"pk": 987654, "action": "activate"},
    ),
    "talent:employer_registration_step": action(
        readers=frozenset({"enterprise_admin", "enterprise_user"}),
        writers=frozenset({"enterprise_admin", "enterprise_user"}),
        kwargs={"pk": 987654, "action": "activate"},
    ),
    "talent:employer_apply": action(
        readers=frozenset({"enterprise_admin", "enterprise_user"}),
        writers=frozenset({"enterprise_admin", "enterprise_user"}),
        data={"round": 1},
    ),
    "talent:cards": page(),
    "talent:card_apply": form(),
    "talent:card_verify": page(),
    "talent:card": page(target="talent_card"),
    "talent:card_step": action(target="talent_card", kwargs={"action": "revoke"}, data={"note": "walk"}),
    "talent:service_items": page(),
    "talent:service_requests": page(),
    "talent:service_request_create": form(),
    "talent:service_request": page(target="service_request"),
    "talent:service_request_step": action(target="service_request", kwargs={"action": "cancel"}),
    "api:talents": page(),
    "api:talent_lookup": page(),
    "api:talent": page(target="talent"),
    "api:talent_create": api_write(
        writers=BUREAU | {"zhangdian_officer", "zichuan_officer"},
        data={"name": "巡检", "id_number": "11010519491231002X", "employer_credit_code": "x", "region": "zhangdian"},
    ),
    "api:talent_applications": page(),
    "api:talent_application_create": api_write(data={"round_id": 987654, "talent_id": 987654}),
    "api:talent_application": page(target="talent_application"),
    "api:talent_application_step": api_write(
        target="talent_application", kwargs={"action": "reject"}, data={"note": "walk"}
    ),
    "api:talent_quotas": page(),
    # cards and the service desk: a talent account reads and writes only its own (another's record is a 404)
    "api:talent_cards": page(readers=ALL | {"talent"}),
    "api:talent_card": page(target="talent_card", readers=ALL | {"talent"}),
    "api:talent_card_apply": api_write(
        readers=ALL | {"talent"}, writers=WRITERS | {"talent"}, data={"grade_id": 987654, "talent_id": 987654}
    ),
    "api:talent_card_verify": Rule(get="api_write"),  # a check of a scanned code, writes nothing
    "api:talent_card_step": api_write(target="talent_card", kwargs={"action": "revoke"}, data={"note": "walk"}),
    "api:talent_service_items": page(readers=ALL | {"talent"}),
    "api:talent_service_requests": page(readers=ALL | {"talent"}),
    "api:talent_service_request": page(target="service_request", readers=ALL | {"talent"}),
    "api:talent_service_request_create": api_write(
        readers=ALL | {"talent"}, writers=WRITERS | {"talent"}, data={"item_id": 987654, "talent_id": 987654}
    ),
    "api:talent_service_request_step": api_write(
        target="service_request", readers=ALL | {"talent"}, writers=WRITERS | {"talent"}, kwargs={"action": "cancel"}
    ),
    # -- core
    # An administrator's home is the page of their duty; an external account's the page its module opens to it.
    "cockpit": page(per_persona=dict.fromkeys(ADMINS | EXTERNALS, 302)),
    "login": page(readers=PUBLIC),
    "logout": Rule(readers=PUBLIC, get="post_only"),  # POST only (Django 5); nothing to refuse
    "password_change": page(readers=SIGNED_IN),  # each user's own password: every signed-in persona, no one else's
    # An account awaiting its role lands here; every persona holds a role, so the page sends them home.
    # An external account whose role no module serves yet is told so on this page (core.duties.home_of).
    # Every external persona's role is served by a module (talent, projects, finance): its home is the page that
    # gathers them (core `my_home`), so this page sends it on like everyone else.
    "awaiting_role": page(readers=SIGNED_IN, get="redirect"),
    # An enterprise account's home is the enterprise portal (its AppConfig `external_home`): this page sends it there.
    "my_home": page(readers=EXTERNALS, per_persona=dict.fromkeys(ALL | ENTERPRISE_ACCOUNTS, 302)),
    "favicon": page(readers=PUBLIC),
    # Each account's own message centre (core.messages); a message of no one's (or another's) id is not found.
    "message_list": page(readers=SIGNED_IN),
    "message_open": page(readers=SIGNED_IN, get="redirect", kwargs={"pk": 987654}),
    "set_language": Rule(readers=PUBLIC, get="redirect"),
    "core:org_units": page(readers=ALL | USER_READERS),
    "core:liaison_list": page(),
    "core:liaison_export": page(),
    "core:liaison_create": form(data={"name": "巡检员", "position": "科员"}),
    "core:liaison_detail": page(target="liaison"),
    "core:liaison_edit": form(target="liaison", data={"name": "巡检员", "position": "科员"}),
    "core:liaison_archive": action(target="liaison", get="redirect", data={"reason": "walk"}),
    "core:audit_log": page(readers=AUDITOR),
    # user management: the system administrator keeps accounts, the security administrator grants roles
    "core:user_list": page(readers=USER_READERS),
    "core:user_export": page(readers=USER_READERS),
    "core:user_create": form(
        readers=SYSADMIN, writers=SYSADMIN, data={"username": "walk_user", "display_name": "巡检"}
    ),
    "core:user_edit": form(target="account", readers=SYSADMIN, writers=SYSADMIN, data={"display_name": "巡检"}),
    "core:user_active": action(target="account", readers=SYSADMIN, writers=SYSADMIN, data={"active": "0"}),
    "core:user_reset_password": form(target="account", readers=SYSADMIN, writers=SYSADMIN),
    "core:user_grant": form(target="account", readers=SECADMIN, writers=SECADMIN, data={"role": "bureau_staff"}),
    # the second factor: the walk's sessions have passed it, so enrolment sends them on to verification; the
    # leader needs none and may enrol
    "core:second_factor_enrol": page(readers=SIGNED_IN, get="redirect", per_persona=dict.fromkeys(OPTIONAL_2FA, 200)),
    "core:second_factor_verify": page(readers=SIGNED_IN, per_persona=dict.fromkeys(OPTIONAL_2FA, 302)),
    # 显示完整信息: whoever may edit the liaison may unmask it (with a reason); leaders never
    # Enterprise portal accounts (core.firm_accounts): the public registration; the requests and invitation codes
    # of the bureau and the districts (a request or code of no one's id is not found: tests/core/test_firm_accounts
    # walks in-scope and out-of-scope ones); the enterprise administrator's page (an ordinary firm user: 403).
    "core:register": page(readers=PUBLIC),
    "core:register_done": page(readers=PUBLIC),
    "core:registration_queue": page(readers=ACCOUNT_CONFIRMERS),
    "core:registration_decide": action(
        target="missing_pk", readers=ACCOUNT_CONFIRMERS, writers=ACCOUNT_CONFIRMERS, data={"decision": "confirm"}
    ),
    "core:invitations": form(
        readers=ACCOUNT_CONFIRMERS, writers=ACCOUNT_CONFIRMERS, data={"credit_code": "x", "valid_days": 30}
    ),
    "core:invitation_revoke": action(target="missing_pk", readers=ACCOUNT_CONFIRMERS, writers=ACCOUNT_CONFIRMERS),
    "core:firm_users": form(
        readers=FIRM_ADMIN, writers=FIRM_ADMIN, data={"username": "walk_firm_user", "display_name": "巡检"}
    ),
    "core:firm_user_active": action(target="missing_pk", readers=FIRM_ADMIN, writers=FIRM_ADMIN, data={"active": "0"}),
    "core:firm_user_reset_password": action(target="missing_pk", readers=FIRM_ADMIN, writers=FIRM_ADMIN),
    "core:firm_user_handover": action(target="missing_pk", readers=FIRM_ADMIN, writers=FIRM_ADMIN),
    "core:firm_api_tokens": form(
        readers=FIRM_ADMIN, writers=FIRM_ADMIN, data={"name": "巡检", "scope": "read", "valid_days": 5}
    ),
    "core:firm_api_token_revoke": action(target="missing_pk", readers=FIRM_ADMIN, writers=FIRM_ADMIN),
    "core:unmask": action(target="liaison", kwargs={"label": "core.liaison"}, data={"reason": "walk check"}),
    "core:import_job": page(target="missing_pk"),  # a job is its uploader's alone
    "core:import_job_errors": page(target="missing_pk"),
    # -- API of core
    "api:openapi-json": page(),
    "api:openapi-view": page(get="page"),  # the docs are an HTML page: anonymous goes to the log-in page
    "api:api-root": page(readers=PUBLIC, get="absent"),  # ninja's root pattern serves nothing
    "api:me": page(),
    "api:org_units": page(),
    "api:org_unit": page(target="org_unit"),
    "api:liaisons": page(),
    "api:liaison": page(target="liaison"),
    "api:liaison_create": api_write(data={"org_unit": "zhangdian", "name": "巡检员"}),
    "api:liaison_update": api_write(target="liaison", data={"position": "科长"}),
    "api:liaison_archive": api_write(target="liaison", data={"reason": "walk"}),
    # -- policy
    "policy:overview": page(),
    "policy:task_detail": page(kwargs={"number": 8}),
    "policy:department_list": page(),
    "policy:department_detail": page(kwargs={"code": "science_tech"}),
    "policy:search": page(),
    "api:policies": page(),
    "api:policy": page(target="policy"),
    "api:tasks": page(target="policy"),
    "api:task": page(target="policy", kwargs={"number": 8}),
    "api:policy_targets": page(target="policy"),
    # -- indicators
    "indicators:dashboard": page(),
    "indicators:region_comparison": page(),
    "indicators:targets": page(),
    "indicators:allocations": form(target="target", readers=BUREAU, writers=BUREAU),
    "indicators:observations": page(),
    "indicators:observations_xlsx": page(),
    "indicators:observations_csv": page(),
    "indicators:observation_new": form(readers=WRITERS),
    "indicators:observation_history": page(target="observation"),
    "indicators:import": form(readers=WRITERS),
    "indicators:import_template": page(readers=WRITERS),
    "indicators:catalogue": page(),
    "indicators:briefing": page(),
    "indicators:briefing_pdf": page(),
    "indicators:briefing_xlsx": page(),
    "indicators:detail": page(target="indicator_values"),
    # data collection: forms are their organisation's (district or department) and the city-wide roles'; the
    # bureau manages data sets and approves, returns and unlocks forms
    "indicators:collection": page(),
    "indicators:collection_board": page(),
    "indicators:collection_board_xlsx": page(),
    "indicators:collection_entry": Rule(target="collection_form", writes=True, data={"action": "save"}),
    "indicators:collection_step": action(
        target="collection_form", writers=BUREAU, kwargs={"action": "unlock"}, data={"reason": "walk"}
    ),
    "indicators:data_sets": page(),
    "indicators:data_set": page(target="data_set"),
    "indicators:data_set_new": form(readers=BUREAU, writers=BUREAU, data={"code": "walk", "name": "巡检"}),
    "indicators:data_set_edit": form(target="data_set", readers=BUREAU, writers=BUREAU, data={"name": "巡检"}),
    "indicators:data_set_rule_add": action(
        target="data_set", readers=BUREAU, writers=BUREAU, data={"kind": "range", "minimum": "0"}
    ),
    "indicators:data_set_rule_remove": action(target="validation_rule", readers=BUREAU, writers=BUREAU),
    "indicators:what_if": page(target="ladder_target"),
    # after the policy's 2027 deadline (the clock leg) there is no projection, so no list: back to the what-if page
    "indicators:what_if_export": page(target="ladder_target", get="redirect" if DEADLINE_PASSED else "ok"),
    "api:indicators": page(),
    "api:indicator": page(target="indicator"),
    "api:forecast": page(target="indicator_values"),
    "api:observations": page(),
    "api:observation_create": api_write(
        data={"indicator": "rd_intensity", "region": "zhangdian", "year": 2025, "value": "1.23"}
    ),
    "api:targets": page(),
    # -- supervision
    "supervision:matrix": page(),
    "supervision:periods": form(readers=ALL, writers=BUREAU, edit=False),
    "supervision:period_close": action(target="period", writers=BUREAU),
    "supervision:export_pdf": page(target="period", readers=CITY_WIDE | DEPARTMENT_OFFICERS),
    "supervision:export_xlsx": page(target="period", readers=CITY_WIDE | DEPARTMENT_OFFICERS),
    "supervision:my_reports": page(get="redirect"),  # to the reader's department or the matrix
    "supervision:department": page(target="department"),
    "supervision:ranking": page(),
    "supervision:task": page(kwargs={"number": 8}),
    "supervision:milestone_edit": form(target="milestone", writers=BUREAU),
    "supervision:report": page(target="report"),
    "supervision:report_transition": action(target="report", data={"action": "submit"}),
    "supervision:attachment_upload": action(target="report", upload=True),
    "supervision:attachment_download": page(target="attachment"),
    "supervision:attachment_remove": action(target="attachment"),
    # The module's view of the message centre (its old address redirects there).
    "supervision:messages": page(),
    "supervision:notifications": page(get="redirect"),
    "api:periods": page(),
    "api:period_open": api_write(writers=BUREAU, data={"year": 2027, "quarter": 1}),
    "api:milestones": page(),
    "api:milestone_create": api_write(writers=BUREAU, data={"task": 8, "title": "巡检", "due_date": TODAY}),
    "api:reports": page(),
    "api:report": page(target="report"),
    "api:report_patch": api_write(target="report", data={"work_done": "walk"}),
    "api:report_transition": api_write(target="report", data={"action": "submit"}),
    # -- enterprises
    "enterprises:list": page(),
    "enterprises:export": page(),
    "enterprises:register_export": page(),
    "enterprises:funnel": page(),
    "enterprises:reserve": page(),
    "enterprises:expiring": page(),
    "enterprises:import": form(readers=WRITERS),
    "enterprises:import_template": page(),  # an empty template
    "enterprises:create": form(readers=ALL),
    "enterprises:detail": page(target="enterprise"),
    "enterprises:edit": form(target="enterprise", data={"name": "巡检企业"}),
    "enterprises:status": action(
        target="enterprise", get="redirect", edit=True, data={"status": "closed", "reason": "walk"}
    ),
    "enterprises:year_edit": form(target="enterprise", kwargs=lambda t: {"year": t.extra["year"]}),
    "enterprises:record_add": form(target="enterprise", kwargs={"kind": "ip"}),
    "enterprises:facts": page(target="enterprise"),
    # Firms' proposed figures: the district of the firm (and the bureau) reads and decides them; the leader reads.
    "enterprises:corrections": page(),
    "enterprises:correction": form(target="fact_correction", edit=False, data={"decision": "reject", "note": "walk"}),
    # -- innovation platforms and incubation carriers: a district's (platforms also their competent department's)
    "platforms:list": page(),
    "platforms:export": page(),
    "platforms:create": form(readers=ALL),
    "platforms:board": page(),
    "platforms:rule": form(readers=ALL, writers=BUREAU, edit=False, data={"count_under_construction": "on"}),
    "platforms:labs": page(),
    "platforms:reserve": page(),
    "platforms:import": form(readers=WRITERS),
    "platforms:import_template": page(),
    "platforms:detail": page(target="platform"),
    "platforms:edit": form(target="platform", data={"name": "巡检平台"}),
    "platforms:transition": action(target="platform", data={"target": "applied", "on": TODAY}),
    "platforms:evaluate": action(target="platform", writers=BUREAU, data={"year": 2025, "score": 90, "on": TODAY}),
    "platforms:year_edit": form(target="platform", kwargs={"year": 2025}, data={"rd_staff": 9}),
    "platforms:carriers": page(),
    "platforms:carrier_export": page(),
    "platforms:carrier_create": form(readers=ALL),
    "platforms:carrier": page(target="carrier"),
    "platforms:carrier_edit": form(target="carrier", data={"name": "巡检载体"}),
    "platforms:carrier_year_edit": form(target="carrier", kwargs={"year": 2025}, data={"staff": 9}),
    "platforms:incubatee_add": action(target="carrier", data={"credit_code": "x", "entered_on": TODAY}),
    "platforms:incubatee_move": action(target="incubatee", data={"target": "left", "on": TODAY}),
    "platforms:funnel": page(),
    "api:platform_list": page(),
    "api:platform_board": page(),
    "api:platform_detail": page(target="platform"),
    "api:platform_step": api_write(target="platform", data={"target": "applied"}),
    "api:carrier_list": page(),
    "api:carrier_detail": page(target="carrier"),
    "api:enterprises": page(),
    "api:enterprise": page(target="enterprise"),
    "api:enterprise_ladder": page(target="enterprise"),
    "api:self_assessment": Rule(get="api_write"),  # a computation on a posted record, writes nothing
    # An enterprise account's own ladder, what-if (a computation, writes nothing) and proposals; the districts' queue.
    "api:my_ladder": page(readers=ENTERPRISE_ACCOUNTS),
    "api:my_whatif": Rule(readers=ENTERPRISE_ACCOUNTS, get="api_write", json=True, data={"changes": {"st_staff": 3}}),
    "api:my_corrections": page(readers=ENTERPRISE_ACCOUNTS),
    "api:my_correction_propose": api_write(
        readers=ENTERPRISE_ACCOUNTS,
        writers=ENTERPRISE_ACCOUNTS,
        data={"year": int(TODAY[:4]), "field": "st_staff", "value": "3", "reason": "walk"},
    ),
    "api:fact_corrections": page(),
    "api:fact_correction_decision": api_write(target="fact_correction", data={"confirm": False, "note": "walk"}),
    # -- technology market: achievements, experts, vocabulary and checks are the bureau's, readable by all
    "techmarket:achievements": page(),
    "techmarket:achievement_export": page(),
    "techmarket:achievement_create": form(readers=BUREAU, writers=BUREAU),
    "techmarket:achievement": page(target="achievement"),
    "techmarket:achievement_edit": form(target="achievement", data={"title": "巡检成果"}),
    "techmarket:achievement_status": action(target="achievement", data={"status": "withdrawn", "reason": "walk"}),
    "techmarket:experts": page(),
    "techmarket:expert_export": page(),
    "techmarket:expert_create": form(readers=BUREAU, writers=BUREAU),
    "techmarket:expert": page(target="expert"),
    "techmarket:expert_edit": form(target="expert", data={"name": "巡检专家"}),
    "techmarket:expert_deactivate": action(target="expert", data={"reason": "walk"}),
    # the matching engine's vocabulary and check queries are the bureau's tools
    "techmarket:vocabulary": page(readers=BUREAU),
    "techmarket:vocabulary_create": form(readers=BUREAU, writers=BUREAU),
    "techmarket:vocabulary_edit": form(target="vocabulary", readers=BUREAU, writers=BUREAU),
    "techmarket:checks": page(readers=BUREAU),
    "techmarket:check_export": page(readers=BUREAU),
    "techmarket:check_create": form(readers=BUREAU, writers=BUREAU),
    "techmarket:check_edit": form(target="check", readers=BUREAU, writers=BUREAU),
    "techmarket:check_delete": form(target="check", readers=BUREAU, writers=BUREAU),  # GET: the confirmation
    # demands and matches are a district's
    "techmarket:demands": page(),
    "techmarket:demand_export": page(),
    "techmarket:demand_create": form(readers=ALL),
    "techmarket:demand": page(target="demand"),
    "techmarket:demand_edit": form(target="demand", data={"title": "巡检需求"}),
    "techmarket:demand_review": action(target="demand", writers=BUREAU, data={"decision": "reject", "reason": "w"}),
    "techmarket:demand_close": action(target="demand", data={"reason": "walk"}),
    "techmarket:demand_recommend": action(target="demand"),
    "techmarket:public_demand": page(readers=PUBLIC),
    "techmarket:public_thanks": page(readers=PUBLIC),
    "techmarket:public_withdraw": page(readers=PUBLIC),
    "techmarket:search": page(),
    "techmarket:dashboard": page(),
    "techmarket:import": form(readers=ALL),
    "techmarket:import_template": page(readers=WRITERS, kwargs={"kind": "demand"}),
    "techmarket:matches": page(),
    "techmarket:match_export": page(),
    "techmarket:funnel": page(),
    "techmarket:match": page(target="match"),
    "techmarket:match_step": action(target="match", kwargs={"action": "close"}, data=STEP),
    # contracts are the registering district's (the buyer's district reads them)
    "techmarket:contracts": page(),
    "techmarket:contract_export": page(),
    "techmarket:contract_create": form(readers=ALL),
    "techmarket:statistics": page(),
    "techmarket:contract": page(target="contract"),
    # the demo's contracts are past the draft stage: the edit form sends the reader back to the contract
    "techmarket:contract_edit": form(target="contract", get="redirect", data={"project_name": "巡检合同"}),
    "techmarket:contract_step": action(target="contract", kwargs={"action": "cancel"}, data=STEP),
    # API of the technology market
    "api:achievements": page(),
    "api:achievement_create": api_write(writers=BUREAU, data={"title": "巡检成果"}),
    "api:achievement": page(target="achievement"),
    "api:achievement_update": api_write(target="achievement", data={"title": "巡检成果"}),
    "api:achievement_demands": page(target="achievement"),
    "api:achievement_status": api_write(target="achievement", data={"status": "withdrawn", "reason": "walk"}),
    "api:demands": page(),
    "api:demand_create": api_write(data={"title": "巡检需求"}),
    "api:demand": page(target="demand"),
    "api:demand_recommendations": page(target="demand"),
    "api:demand_review": api_write(target="demand", writers=BUREAU, data={"decision": "reject", "reason": "w"}),
    "api:demand_close": api_write(target="demand", data={"reason": "walk"}),
    "api:demand_recommend": api_write(target="demand", data={"note": "walk"}),
    "api:experts": page(),
    "api:expert_create": api_write(
        writers=BUREAU, data={"name": "巡检", "institution": "巡检", "field": "electronics", "expertise": "巡检"}
    ),
    "api:expert": page(target="expert"),
    "api:expert_update": api_write(target="expert", data={"name": "巡检专家"}),
    "api:expert_deactivate": api_write(target="expert", data={"reason": "walk"}),
    "api:matches": page(),
    "api:match": page(target="match"),
    "api:match_step": api_write(target="match", kwargs={"action": "close"}, data=STEP),
    "api:contracts": page(),
    "api:contract_create": api_write(data={"project_name": "巡检合同"}),
    "api:contract": page(target="contract"),
    "api:contract_update": api_write(target="contract", data={"project_name": "巡检合同"}),
    "api:contract_step": api_write(target="contract", kwargs={"action": "cancel"}, data=STEP),
    "api:turnover": page(),
    "api:search": page(query="q=传感器"),
    "api:search_facets": page(query="q=传感器"),
    "api:funnel": page(),
    "api:statistics": page(),
    "api:checks": page(readers=BUREAU),
    "api:check_create": api_write(readers=BUREAU, writers=BUREAU, data={"query": "巡检", "expect": ["巡检"]}),
    "api:checks_run": page(readers=BUREAU),
    "api:check_update": api_write(target="check", readers=BUREAU, writers=BUREAU, data={"query": "巡检"}),
    "api:check_delete": api_write(target="check", readers=BUREAU, writers=BUREAU),
    # -- outreach: commissioners are their managing district's and the programme department's; a dispatch and its
    # logs the served region's; bases and activities their region's and department's
    "outreach:commissioners": page(),
    "outreach:commissioners_export": page(),
    "outreach:commissioner": page(target="commissioner"),
    "outreach:dispatch_create": form(
        target="commissioner",
        data={"kind": "village", "village": "巡检村", "town": "巡检镇", "start": TODAY, "end": TODAY},
    ),
    "outreach:assessment_record": action(
        target="commissioner", writers=BUREAU | DEPARTMENT_OFFICERS, data={"year": 2025, "score": "80"}
    ),
    "outreach:log_create": form(
        target="dispatch", data={"date": TODAY, "place": "巡检村", "content": "巡检", "people_trained": 1}
    ),
    "outreach:logs": page(),
    "outreach:logs_export": page(),
    "outreach:regions": page(),
    "outreach:stats": page(),
    "outreach:stats_export": page(),
    "outreach:bases": page(),
    "outreach:bases_export": page(),
    "outreach:candidates": page(),
    "outreach:base_evaluate": action(target="popsci_base", data={"year": 2025, "score": "80"}),
    "outreach:base_recognise": action(
        target="popsci_base",
        readers=BUREAU,
        writers=BUREAU,
        data={"level": "provincial", "year": 2026, "document_number": "巡检〔2026〕1号"},
    ),
    "outreach:activities": page(),
    "outreach:activities_export": page(),
    "outreach:popsci_stats": page(),
    "outreach:popsci_stats_export": page(),
    "outreach:import": form(readers=WRITERS),
    "outreach:import_template": page(kwargs={"kind": "outreach_logs"}),
    "api:outreach_commissioners": page(),
    "api:outreach_logs": page(),
    "api:outreach_log_create": api_write(
        target="dispatch", data={"date": TODAY, "place": "巡检村", "content": "巡检", "people_trained": 1}
    ),
    "api:outreach_statistics": page(),
    "api:outreach_bases": page(),
    "api:outreach_activities": page(),
    # -- S&T finance: loans, policies, investments, reserve firms and scores are their firm's district's, read also
    #    by the departments of the policy's finance tasks (without the firms' credit codes)
    "finance:board": page(),
    "finance:scores": page(),
    "finance:score_export": page(),
    "finance:score_run": action(readers=BUREAU, writers=BUREAU),
    "finance:scheme": form(readers=BUREAU, writers=BUREAU, data={"data": "{}"}),
    "finance:score": page(target="finance_score"),
    "finance:my_score": page(readers=ENTERPRISE_ACCOUNTS),  # an enterprise account's own firm's score
    # My ladder (issue 18 §2): the account's own firm only; no URL names a firm.
    "portal:ladder": page(readers=ENTERPRISE_ACCOUNTS),
    "portal:facts": page(readers=ENTERPRISE_ACCOUNTS),
    "portal:whatif": page(readers=ENTERPRISE_ACCOUNTS, query="rd_expense_wan=900&ip.class_I_added=1"),
    "portal:fact_correct": form(
        readers=ENTERPRISE_ACCOUNTS,
        writers=ENTERPRISE_ACCOUNTS,
        edit=False,
        data={"year": TODAY[:4], "field": "rd_expense_wan", "value": "123456", "reason": "walk"},
    ),
    "finance:loans": page(),
    "finance:loan_export": page(),
    "finance:loan_create": form(readers=ALL, data={"bank": "巡检银行"}),
    "finance:loan_filing": page(),
    "finance:loan_filing_xlsx": page(),
    "finance:loan_import": form(readers=WRITERS),
    "finance:loan_import_template": page(),
    "finance:loan": page(target="finance_loan"),
    "finance:loan_edit": form(target="finance_loan", data={"bank": "巡检银行"}),
    "finance:policies": page(),
    "finance:policy_export": page(),
    "finance:policy_create": form(readers=ALL, data={"insurer": "巡检"}),
    "finance:policy": page(target="finance_policy"),
    "finance:claim_create": form(target="finance_policy", data={"reason": "walk"}),
    "finance:claim_decide": action(target="finance_claim", data={"status": "rejected", "reason": "walk"}),
    "finance:investments": page(),
    "finance:investment_export": page(),
    "finance:investment_create": form(readers=ALL, data={"stage": "seed"}),
    "finance:funds": page(),
    "finance:fund_create": form(readers=BUREAU, writers=BUREAU, data={"name": "巡检基金"}),
    "finance:institution_create": form(readers=BUREAU, writers=BUREAU, data={"name": "巡检机构"}),
    "finance:listing": page(),
    "finance:listing_export": page(),
    "finance:listing_create": form(readers=ALL, data={"stage": "cultivating"}),
    "finance:listing_firm": page(target="finance_listing"),
    "finance:listing_edit": form(target="finance_listing", data={"stage": "tutoring", "target_board": "bse"}),
    "finance:listing_service_create": form(target="finance_listing", data={"kind": "training", "title": "巡检"}),
    "api:finance_scores": page(),
    "api:finance_score_detail": page(target="finance_score"),
    "api:finance_score_run": api_write(writers=BUREAU),
    "api:finance_my_score": page(readers=ENTERPRISE_ACCOUNTS),
    "api:finance_loans": page(),
    "api:finance_loan_filing": page(query="month=2026-01"),
    "api:finance_loan": page(target="finance_loan"),
    "api:finance_loan_create": api_write(
        data={
            "product": "lukedai",
            "bank": "巡检银行",
            "credit_code": "91370303MA3C000000",
            "amount_wan": "100",
            "rate_pct": "3.5",
            "term_months": 12,
            "purpose": "rd",
            "month": TODAY,
            "status": "granted",
        }
    ),
    "api:finance_loan_update": api_write(target="finance_loan", data={"bank": "巡检银行"}),
    "api:finance_policies": page(),
    "api:finance_investments": page(),
    "api:finance_listing": page(),
    "api:finance_board": page(),
    # -- S&T projects and funds: projects, applications and loans are their region's; calls and rules are public
    "projects:pipeline": page(),
    "projects:pipeline_export": page(),
    # the bureau for every region, a district for its own firms' projects; the export is scoped like the pipeline
    "projects:import": form(
        readers=BUREAU | {"zhangdian_officer", "zichuan_officer"},
        writers=BUREAU | {"zhangdian_officer", "zichuan_officer"},
    ),
    "projects:import_template": page(),
    "projects:import_export": page(),
    "projects:project": page(target="project"),
    "projects:project_action": action(
        target="project", writers=BUREAU, data={"do": "step", "action": "terminate", "note": "walk"}
    ),
    "projects:calls": page(),
    "projects:call_export": page(),
    "projects:call_create": form(readers=BUREAU, writers=BUREAU),
    "projects:call": page(target="call"),
    "projects:call_action": action(target="call", writers=BUREAU, data={"do": "step", "action": "close"}),
    "projects:application": page(target="application"),
    "projects:application_action": action(target="application", writers=BUREAU, data={"do": "assign"}),
    "projects:funds": page(),
    "projects:funds_export": page(),
    "projects:pools": page(),
    "projects:pool_action": action(
        writers=BUREAU,
        data={"do": "pool", "name": "巡检", "source": "city", "capital_wan": "1", "established_on": TODAY},
    ),
    "projects:decisions": form(readers=ALL, writers=BUREAU, edit=False, data={"kind": "grant", "title": "巡检"}),
    "projects:performance": page(),
    "projects:rules": form(readers=ALL, writers=BUREAU, edit=False, data={"code": "grade_fair", "value": "60"}),
    # the expert's and the enterprise's own pages (external accounts: the matrix walks them)
    "projects:reviews": page(readers=frozenset({"expert"})),
    "projects:review": page(readers=frozenset({"expert"}), target="review"),
    # -- the enterprise portal: the firm of the account only (tests/portal/test_portal.py tries another firm's records
    # through every parameter; the walk's demo firm has no demand of its own, so a demand's pages are a 404)
    "portal:home": page(readers=ENTERPRISE_ACCOUNTS),
    "portal:push": page(readers=ENTERPRISE_ACCOUNTS),
    "portal:applications": page(readers=ENTERPRISE_ACCOUNTS),
    "portal:demands": page(readers=ENTERPRISE_ACCOUNTS),
    "portal:demand_new": form(
        readers=ENTERPRISE_ACCOUNTS,
        writers=ENTERPRISE_ACCOUNTS,
        data={
            "title": "高纯氟化物提纯工艺需求",
            "description": "需要把工业级氟化物提纯到电子级，杂质含量低于百万分之一，希望高校或院所合作开发。",
            "field": "new_materials",
            "cooperation_mode": "joint_development",
            "contact_name": "李经理",
            "contact_phone": "13912345678",
        },
    ),
    "portal:demand": page(readers=ENTERPRISE_ACCOUNTS, target="missing_pk"),
    "portal:demand_edit": form(target="missing_pk", readers=ENTERPRISE_ACCOUNTS, writers=ENTERPRISE_ACCOUNTS),
    "api:portal_home": page(readers=ENTERPRISE_ACCOUNTS),
    "api:portal_push": page(readers=ENTERPRISE_ACCOUNTS),
    "api:portal_demands": page(readers=ENTERPRISE_ACCOUNTS),
    "api:portal_demand": page(readers=ENTERPRISE_ACCOUNTS, target="missing_pk"),
    "api:portal_demand_create": api_write(
        readers=ENTERPRISE_ACCOUNTS, writers=ENTERPRISE_ACCOUNTS, data={"title": "巡检需求"}
    ),
    "api:portal_demand_update": api_write(
        readers=ENTERPRISE_ACCOUNTS, writers=ENTERPRISE_ACCOUNTS, target="missing_pk", data={"title": "巡检需求"}
    ),
    "api:portal_applications": page(readers=ENTERPRISE_ACCOUNTS),
    "projects:portal": page(readers=frozenset({"enterprise_admin", "enterprise_user"})),
    "projects:portal_apply": page(readers=frozenset({"enterprise_admin", "enterprise_user"}), target="open_call"),
    # an enterprise account answers a correction order on its own firm's project (another firm's: 404)
    "projects:portal_correction": action(
        readers=ENTERPRISE_ACCOUNTS, writers=ENTERPRISE_ACCOUNTS, target="correction", data={"response": "巡检"}
    ),
    "api:projects": page(),
    # the API's writes: the pages' steps through the same services
    "api:project_application_create": api_write(
        readers=ALL | ENTERPRISE_ACCOUNTS,
        writers=WRITERS | ENTERPRISE_ACCOUNTS,
        target="open_call_apply",
        data={
            "project_title": "巡检",
            "requested_wan": "1",
            "applicant": "巡检",
            "credit_code": "9137030400007HYUGN",
            "region": "boshan",  # neither walked district's: their officers are refused
        },
    ),
    "api:project_application_step": api_write(
        target="application", writers=BUREAU, kwargs={"action": "reject"}, data={"note": "walk"}
    ),
    "api:project_review_score": api_write(
        readers=frozenset({"expert"}),
        writers=frozenset({"expert"}),
        target="review_score",
        data={"conflict_note": "walk"},
    ),
    "api:project_monitoring_file": api_write(
        target="project",
        data={"period": "2099-H1", "progress": "walk", "budget_execution": "1", "planned_execution": "1"},
    ),
    "api:project_change_request": api_write(target="project", data={"kind": "content", "description": "walk"}),
    "api:project_change_decide": api_write(
        target="project", writers=BUREAU, kwargs={"change_id": 987654}, data={"approve": False}
    ),
    "api:project_corrections": page(readers=ALL | ENTERPRISE_ACCOUNTS),
    # (a firm answers on its portal page: projects:portal_correction)
    "api:project_correction_respond": api_write(target="project_correction", data={"response": "walk"}),
    "api:project_correction_verify": api_write(writers=BUREAU, target="project_correction", data={"close": True}),
    "api:project": page(target="project"),
    "api:project_calls": page(),
    "api:project_call": page(target="call"),
    "api:appropriations": page(),
}


# ---------------------------------------------------------------- the demo data and its scope oracle
@dataclass
class Target:
    """A demo record used in URLs. `readers`/`writers` are the org units (codes) confined roles need to read or
    change it; `public` records are readable by every signed-in user. This is the test's own statement of the
    data-scope rules of DESIGN.md, not a call to core.scope."""

    kwargs: dict[str, Any]
    model: Any = None
    pk: Any = None
    readers: frozenset[str] = frozenset()
    writers: frozenset[str] = frozenset()
    public: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    exists: bool = True

    def readable_by(self, persona: str) -> bool:
        return persona in CITY_WIDE or self.public or UNIT_OF[persona] in self.readers

    def writable_by(self, persona: str, rule: Rule) -> bool:
        allowed = rule.writers if rule.writers is not None else (rule.readers or ALL) - {"leader"}
        if persona not in allowed or persona == "leader":
            return False
        if persona in ADMINS:
            return True  # an administrator's page has no data scope: the rule's writers say it all
        return persona in BUREAU or UNIT_OF[persona] in self.writers


@dataclass
class Demo:
    targets: dict[str, list[Target]]
    foreign: dict[str, dict[str, set[str]]]  # persona → {"codes": …, "emails": …, "paths": …}


def _units(*codes: str | None) -> frozenset[str]:
    return frozenset(c for c in codes if c)


def _load_targets() -> Demo:
    from kechuang.core.models import Liaison, OrgUnit, User
    from kechuang.enterprises.models import Enterprise, EnterpriseYear
    from kechuang.indicators.models import DataSet, Indicator, Observation, Submission, ValidationRule
    from kechuang.policy.models import Policy
    from kechuang.policy.models import Target as IndicatorTarget
    from kechuang.supervision.models import Milestone, ProgressReport, ReportAttachment, ReportingPeriod
    from kechuang.techmarket.models import Achievement, Contract, Demand, Expert, MatchCase, MatchCheck, VocabularyTerm

    t: dict[str, list[Target]] = {}
    confined_units = ("zhangdian", "zichuan", "science_tech", "education")
    t["liaison"] = [
        Target({"pk": x.pk}, Liaison, x.pk, _units(code), _units(code))
        for code in confined_units
        if (x := Liaison.objects.filter(org_unit__code=code, is_active=True).first())
    ]
    unit = OrgUnit.objects.get(code="zhangdian")
    t["org_unit"] = [Target({"pk": unit.pk}, public=True)]
    account = User.objects.get(username=PERSONAS["leader"][0])
    t["account"] = [Target({"pk": account.pk}, User, account.pk, public=True)]
    policy = Policy.objects.first()
    t["policy"] = [Target({"code": policy.code}, public=True)]
    t["indicator"] = [Target({"code": i.code}, public=True) for i in Indicator.objects.order_by("code")[:1]]
    # An indicator's definition is the public catalogue; its values (page, forecast) are read by the departments
    # responsible for it, every district (for its own figures) and the city-wide roles.
    t["indicator_values"] = []
    for own, other in (("science_tech", "education"), ("education", "science_tech")):
        found = (
            Indicator.objects.filter(departments__code=own, in_catalogue=True)
            .exclude(departments__code=other)
            .order_by("code")
            .first()
        )
        if found is not None:
            departments = set(found.departments.values_list("code", flat=True))
            t["indicator_values"].append(
                Target({"code": found.code}, readers=_units("zhangdian", "zichuan", *departments))
            )
    t["target"] = [
        Target({"pk": x.pk}, public=True) for x in IndicatorTarget.objects.filter(allocations__isnull=False)[:1]
    ]
    # The what-if of a target a register counts: read like the indicator's values (departments responsible for it,
    # every district for its own region, the city-wide roles).
    ladder = Indicator.objects.get(code="high_tech_enterprises")
    t["ladder_target"] = [
        Target(
            {"code": ladder.code},
            readers=_units("zhangdian", "zichuan", *ladder.departments.values_list("code", flat=True)),
        )
    ]
    t["observation"] = []
    for code in ("zhangdian", "zichuan"):
        obs = Observation.objects.filter(region__code=code).select_related("indicator").first()
        departments = set(obs.indicator.departments.values_list("code", flat=True))
        t["observation"].append(Target({"pk": obs.pk}, Observation, obs.pk, _units(code, *departments)))
    t["collection_form"] = []
    for code in ("zhangdian", "zichuan", "science_tech", "education"):
        sub = Submission.objects.filter(org_unit__code=code).select_related("data_set").order_by("id").first()
        if sub is not None:
            kwargs = {"data_set": sub.data_set.code, "org": code, "period": sub.period_label}
            t["collection_form"].append(Target(kwargs, Submission, sub.pk, _units(code), _units(code)))
    data_set = DataSet.objects.order_by("code").first()
    t["data_set"] = [Target({"code": data_set.code}, DataSet, data_set.pk, public=True)]
    rule = ValidationRule.objects.order_by("id").first()
    t["validation_rule"] = [Target({"pk": rule.pk}, ValidationRule, rule.pk, public=True)]
    # no import has run in the demo: an unknown file or job is 404 for everyone allowed to import
    t["missing_pk"] = [Target({"pk": 987654}, public=True, exists=False)]
    t["department"] = [Target({"code": code}, readers=_units(code)) for code in ("science_tech", "education")]
    t["period"] = [Target({"code": ReportingPeriod.objects.order_by("-id").first().code}, ReportingPeriod, public=True)]
    for p in t["period"]:
        p.pk = ReportingPeriod.objects.get(code=p.kwargs["code"]).pk
    t["milestone"] = [Target({"pk": m.pk}, Milestone, m.pk, public=True) for m in Milestone.objects.all()[:1]]
    t["report"], t["attachment"] = [], []
    for code in ("science_tech", "education"):
        report = (
            ProgressReport.objects.filter(department__code=code)
            .exclude(lead_department__code__in=[c for c in ("science_tech", "education") if c != code])
            .order_by("id")
            .first()
        )
        lead = report.lead_department.code if report.lead_department_id else None
        readers = _units(code, lead if report.state != ProgressReport.State.DRAFT else None)
        t["report"].append(Target({"pk": report.pk}, ProgressReport, report.pk, readers, _units(code)))
        attachment = ReportAttachment.objects.filter(report__department__code=code).first()
        if attachment:
            t["attachment"].append(
                Target({"pk": attachment.pk}, ReportAttachment, attachment.pk, readers, _units(code))
            )
    # The demo has no attachments yet: then an unknown one must be 404 (the upload tests cover stored ones).
    t["attachment"] = t["attachment"] or [Target({"pk": 987654}, public=True, exists=False)]
    first = lambda model: model.objects.order_by("id").first()  # noqa: E731
    for kind, model in (
        ("achievement", Achievement),
        ("expert", Expert),
        ("vocabulary", VocabularyTerm),
        ("check", MatchCheck),
    ):
        obj = first(model)
        t[kind] = [Target({"pk": obj.pk}, model, obj.pk, public=True)]
    t["enterprise"], t["demand"], t["match"], t["contract"] = [], [], [], []
    for code in ("zhangdian", "zichuan"):
        e = Enterprise.objects.filter(region__code=code).order_by("id").first()
        year = EnterpriseYear.objects.filter(enterprise=e).order_by("-year").values_list("year", flat=True).first()
        t["enterprise"].append(
            Target({"credit_code": e.credit_code}, Enterprise, e.pk, _units(code), _units(code), extra={"year": year})
        )
        d = Demand.objects.filter(region__code=code).order_by("id").first()
        t["demand"].append(Target({"pk": d.pk}, Demand, d.pk, _units(code), _units(code)))
        m = MatchCase.objects.filter(demand__region__code=code).order_by("id").first()
        if m:
            t["match"].append(Target({"pk": m.pk}, MatchCase, m.pk, _units(code), _units(code)))
        c = next(
            c
            for c in Contract.objects.filter(region__code=code)
            .prefetch_related("parties__region")
            .order_by(Case(When(status=Contract.Status.DRAFT, then=0), default=1), "id")
            if all(p.region is None or p.region.code == code for p in c.parties.all())
        )
        t["contract"].append(Target({"pk": c.pk}, Contract, c.pk, _units(code), _units(code)))
    from kechuang.enterprises.models import FactCorrection

    t["fact_correction"] = []
    for code in ("zhangdian", "zichuan"):
        c = FactCorrection.objects.filter(enterprise__region__code=code).order_by("id").first()
        t["fact_correction"].append(Target({"pk": c.pk}, FactCorrection, c.pk, _units(code), _units(code)))
    # platforms: the district's, and their competent department's; carriers and incubatees: the district's
    from kechuang.platforms.models import Carrier, Incubatee, Platform

    t["platform"], t["carrier"], t["incubatee"] = [], [], []
    for code, department in (("zhangdian", "science_tech"), ("zichuan", "development_reform")):
        p = Platform.objects.filter(region__code=code, department__code=department).order_by("id").first()
        t["platform"].append(Target({"pk": p.pk}, Platform, p.pk, _units(code, department), _units(code, department)))
        c = Carrier.objects.filter(region__code=code).order_by("id").first()
        t["carrier"].append(Target({"pk": c.pk}, Carrier, c.pk, _units(code), _units(code)))
        i = Incubatee.objects.filter(carrier__region__code=code, state="in_incubation").order_by("id").first()
        t["incubatee"].append(Target({"pk": i.pk}, Incubatee, i.pk, _units(code), _units(code)))
    from kechuang.outreach.models import Commissioner, Dispatch, PopsciBase

    t["commissioner"], t["dispatch"], t["popsci_base"] = [], [], []
    for code in ("zhangdian", "zichuan"):
        c = Commissioner.objects.filter(region__code=code).select_related("department").order_by("id").first()
        units = _units(code, c.department.code)
        t["commissioner"].append(Target({"pk": c.pk}, Commissioner, c.pk, units, units))
        d = (
            Dispatch.objects.filter(region__code=code, commissioner__region__code=code)
            .select_related("commissioner__department")
            .order_by("id")
            .first()
        )
        units = _units(code, d.commissioner.department.code)
        t["dispatch"].append(Target({"pk": d.pk, "dispatch_id": d.pk}, Dispatch, d.pk, units, units))
        b = PopsciBase.objects.filter(region__code=code).select_related("department").order_by("id").first()
        units = _units(code, b.department.code)
        t["popsci_base"].append(Target({"pk": b.pk}, PopsciBase, b.pk, units, units))
    from kechuang.finance.models import CapabilityScore, InsuranceClaim, InsurancePolicy, ListingFirm, Loan

    t["finance_score"], t["finance_loan"], t["finance_policy"], t["finance_claim"], t["finance_listing"] = (
        [],
        [],
        [],
        [],
        [],
    )
    # The lead and supporting departments of the policy's finance tasks (19, 20: finance/data/competence.yaml)
    # read the registers city-wide; the lead persona's 市科技局 is one of them, the supporting persona's 市教育局 not.
    # A score's page is keyed by the firm's credit code: only the roles that read the register open it.
    for code in ("zhangdian", "zichuan"):
        own = _units(code)
        s = CapabilityScore.objects.filter(region__code=code, is_latest=True).order_by("id").first()
        t["finance_score"].append(Target({"credit_code": s.credit_code}, CapabilityScore, s.pk, own, own))
        for kind, model, lookup in (
            ("finance_loan", Loan, "region__code"),
            ("finance_policy", InsurancePolicy, "region__code"),
            ("finance_claim", InsuranceClaim, "policy__region__code"),
            ("finance_listing", ListingFirm, "region__code"),
        ):
            x = model.objects.filter(**{lookup: code}).order_by("id").first()
            t[kind].append(Target({"pk": x.pk}, model, x.pk, _units(code, "science_tech"), own))
    from kechuang.projects.models import Application as ProjectApplication
    from kechuang.projects.models import Call as ProjectCall
    from kechuang.projects.models import Project, ReviewAssignment

    call = ProjectCall.objects.order_by("id").first()
    t["call"] = [Target({"pk": call.pk}, ProjectCall, call.pk, public=True)]
    call = ProjectCall.objects.filter(state="open").order_by("id").first()
    t["open_call"] = [Target({"pk": call.pk}, ProjectCall, call.pk, public=True)]
    from kechuang.projects.models import Correction

    correction = Correction.objects.filter(state="open").order_by("id").first()
    # answered by an enterprise account (no org unit) on its portal: another firm's order is 404 in the view
    t["correction"] = [Target({"pk": correction.pk}, Correction, correction.pk, public=True, writers=frozenset({None}))]
    t["project_correction"] = []
    for code in ("zhangdian", "zichuan"):
        c = Correction.objects.filter(project__region__code=code).order_by("state", "id").first()
        t["project_correction"].append(Target({"pk": c.pk}, Correction, c.pk, _units(code), _units(code)))
    review = ReviewAssignment.objects.filter(expert__username=EXTERNAL_PERSONAS["expert"][0], state="assigned").first()
    t["review"] = [Target({"pk": review.pk}, ReviewAssignment, review.pk, public=True)]
    # the expert (no org unit) scores its own assignment; an enterprise account (no org unit) applies for its firm
    t["review_score"] = [
        Target({"pk": review.pk}, ReviewAssignment, review.pk, public=True, writers=frozenset({UNIT_OF["expert"]}))
    ]
    t["open_call_apply"] = [
        Target(dict(x.kwargs), ProjectCall, x.pk, public=True, writers=frozenset({None})) for x in t["open_call"]
    ]
    t["project"], t["application"] = [], []
    for code in ("zhangdian", "zichuan"):
        p = Project.objects.filter(region__code=code).order_by("id").first()
        t["project"].append(Target({"pk": p.pk}, Project, p.pk, _units(code), _units(code)))
        a = ProjectApplication.objects.filter(region__code=code).order_by("id").first()
        t["application"].append(Target({"pk": a.pk}, ProjectApplication, a.pk, _units(code), _units(code)))
    from kechuang.talent.models import Application as TalentApplication
    from kechuang.talent.models import Programme as TalentProgramme
    from kechuang.talent.models import Talent

    t["talent"], t["talent_application"] = [], []
    for code in ("zhangdian", "zichuan"):
        x = Talent.objects.filter(region__code=code, is_active=True).order_by("id").first()
        t["talent"].append(Target({"pk": x.pk}, Talent, x.pk, _units(code), _units(code)))
        a = TalentApplication.objects.filter(region__code=code).select_related("round__programme__owner_department")
        a = a.order_by("id").first()
        owner = a.round.programme.owner_department.code
        t["talent_application"].append(
            Target({"pk": a.pk}, TalentApplication, a.pk, _units(code, owner), _units(code, owner))
        )
    from kechuang.talent.models import ServiceRequest, TalentCard

    t["talent_card"], t["service_request"] = [], []
    for code in ("zhangdian", "zichuan"):
        c = TalentCard.objects.filter(talent__region__code=code).select_related("card_type__issuer").order_by("id")
        c = c.first()
        issuer = c.card_type.issuer.code
        t["talent_card"].append(Target({"pk": c.pk}, TalentCard, c.pk, _units(code, issuer), _units(code, issuer)))
        r = ServiceRequest.objects.filter(talent__region__code=code).select_related("item__provider")
        r = r.order_by("id").first()
        provider = r.item.provider.code
        t["service_request"].append(
            Target({"pk": r.pk}, ServiceRequest, r.pk, _units(code, provider), _units(code, provider))
        )
    from kechuang.talent.models import ForeignExpert, ForeignProject, Visit

    # one record in each walked district where the small demo has one, else in another region (its own scope)
    for kind, model, lookup in (
        ("foreign_expert", ForeignExpert, "region__code"),
        ("foreign_visit", Visit, "expert__region__code"),
        ("foreign_project", ForeignProject, "region__code"),
    ):
        t[kind] = []
        for code in ("zhangdian", "zichuan"):
            x = model.objects.filter(**{lookup: code}).order_by("id").first()
            x = x or model.objects.exclude(**{f"{lookup}__in": ("zhangdian", "zichuan")}).order_by("id").first()
            region = model.objects.filter(pk=x.pk).values_list(lookup, flat=True).get()
            t[kind].append(Target({"pk": x.pk}, model, x.pk, _units(region), _units(region)))
    from kechuang.talent.models import Team as TalentTeam

    t["talent_team"] = []
    for code in ("zhangdian", "zichuan"):
        x = TalentTeam.objects.filter(leader__region__code=code, is_active=True).order_by("id").first()
        t["talent_team"].append(Target({"pk": x.pk}, TalentTeam, x.pk, _units(code), _units(code)))
    programme = TalentProgramme.objects.order_by("code").first()
    t["talent_programme"] = [Target({"code": programme.code}, public=True)]
    review = TalentApplication.objects.filter(state="expert_review").order_by("id").first()
    # Reviewed by the bureau and the experts (who have no org unit: the expert persona's unit, None, writes).
    t["talent_review"] = [
        Target({"pk": review.pk}, TalentApplication, review.pk, public=True, writers=frozenset({UNIT_OF["expert"]}))
    ]
    return Demo(targets=t, foreign=_foreign_identifiers())


CREDIT_CODE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _foreign_identifiers() -> dict[str, dict[str, set[str]]]:
    """Per confined persona, the identifiers of records outside its scope (by the oracle of DESIGN.md):
    enterprises and demands by credit code, liaisons by e-mail, demands, matches, contracts, reports and
    observations by the path of their page."""
    from kechuang.core.models import Liaison
    from kechuang.enterprises.models import Enterprise
    from kechuang.indicators.models import Observation
    from kechuang.supervision.models import ProgressReport
    from kechuang.techmarket.models import Contract, Demand, MatchCase

    foreign: dict[str, dict[str, set[str]]] = {}
    enterprises = list(Enterprise.objects.values_list("credit_code", "region__code"))
    demands = list(Demand.objects.values_list("pk", "credit_code", "region__code"))
    matches = list(MatchCase.objects.values_list("pk", "demand__region__code"))
    liaisons = list(Liaison.objects.values_list("pk", "email", "org_unit__code"))
    contracts: dict[int, set[str]] = {}
    for pk, region, party_region in Contract.objects.values_list("pk", "region__code", "parties__region__code"):
        contracts.setdefault(pk, set()).update(c for c in (region, party_region) if c)
    reports: dict[int, set[str]] = {}
    for pk, dept, lead, state in ProgressReport.objects.values_list(
        "pk", "department__code", "lead_department__code", "state"
    ):
        reports[pk] = {dept} | ({lead} if lead and state != ProgressReport.State.DRAFT else set())
    observations: dict[int, set[str]] = {}
    for pk, region, dept in Observation.objects.values_list("pk", "region__code", "indicator__departments__code"):
        observations.setdefault(pk, set()).update(c for c in (region, dept) if c)
    for persona in OFFICERS:
        unit = UNIT_OF[persona]
        codes = {c for c, r in enterprises if r != unit} | {c for _pk, c, r in demands if c and r != unit}
        emails = {e for _pk, e, u in liaisons if e and u != unit}
        paths = (
            {reverse("techmarket:demand", args=[pk]) for pk, _c, r in demands if r != unit}
            | {reverse("techmarket:match", args=[pk]) for pk, r in matches if r != unit}
            | {reverse("techmarket:contract", args=[pk]) for pk, units in contracts.items() if unit not in units}
            | {reverse("supervision:report", args=[pk]) for pk, units in reports.items() if unit not in units}
            | {reverse("indicators:observation_history", args=[pk]) for pk, u in observations.items() if unit not in u}
            | {reverse("core:liaison_detail", args=[pk]) for pk, _e, u in liaisons if u != unit}
        )
        foreign[persona] = {"codes": codes, "emails": emails, "paths": paths}
    return foreign


@pytest.fixture(scope="module")
def demo(demo_site, django_db_blocker) -> Demo:
    """The walk's in-scope and out-of-scope targets in the session's demo data (tests/demo_site.py)."""
    with django_db_blocker.unblock():
        return _load_targets()


# ---------------------------------------------------------------- the checks on every response
ResponseCheck = Callable[[Any, str], list[str]]


def no_server_error(response, text: str) -> list[str]:
    return [f"server error {response.status_code}"] if response.status_code >= 500 else []


def redirect_stays_on_site(response, text: str) -> list[str]:
    """A redirect goes to a path of this site ("//host/…" is another host: the favicon once pointed there)."""
    location = response.get("Location", "") if 300 <= response.status_code < 400 else "/"
    if location.startswith("http://testserver/"):
        location = location.removeprefix("http://testserver")
    return [] if location.startswith("/") and not location.startswith("//") else [f"redirects off the site: {location}"]


RESPONSE_CHECKS: list[ResponseCheck] = [no_server_error, redirect_stays_on_site]


def leaks(persona: str, text: str, demo: Demo) -> list[str]:
    """Out-of-scope identifiers found in a body."""
    if persona not in demo.foreign:
        return []
    foreign = demo.foreign[persona]
    found = (
        set(CREDIT_CODE.findall(text)) & foreign["codes"]
        | set(EMAIL.findall(text)) & foreign["emails"]
        | linked_paths(text) & foreign["paths"]
    )
    return sorted(found)


# ---------------------------------------------------------------- expectations
def expected_get(rule: Rule, url: WalkUrl, persona: str, target: Target | None) -> int:
    if persona in rule.per_persona:
        return rule.per_persona[persona]
    if persona in ADMINS | EXTERNALS and (persona not in (rule.readers or ()) and url.key not in ADMIN_OPEN):
        return 403  # refused before the view (core.duties), whatever the method
    if url.methods is not None and "GET" not in url.methods:
        return 405  # ninja answers a wrong method before it authenticates
    if persona == ANONYMOUS:
        if rule.readers is PUBLIC:
            return {"redirect": 302, "moved": 301, "absent": 404, "post_only": 405}.get(rule.get, 200)
        return 401 if url.is_api and rule.get != "page" else 302
    if rule.readers is not PUBLIC and persona not in rule.readers:
        return 403
    if rule.get == "post_only":
        return 405  # require_POST answers before the view looks the object up
    if target is not None and (not target.readable_by(persona) or not target.exists):
        return 404
    if rule.edit and target is not None and not target.writable_by(persona, rule):
        return 403
    if rule.edit and target is None and persona not in (rule.writers or WRITERS):
        return 403
    return {"redirect": 302, "moved": 301, "absent": 404}.get(rule.get, 200)


def targets_for(rule: Rule, persona: str, demo: Demo) -> list[Target | None]:
    """The in-scope object of a confined persona and one out of its scope; one object for the others."""
    if rule.target is None:
        return [None]
    variants = demo.targets[rule.target]
    assert variants, f"the demo data has no {rule.target}"
    if persona not in OFFICERS or len(variants) == 1:
        return variants[:1]
    own = [v for v in variants if v.readable_by(persona)]
    other = [v for v in variants if not v.readable_by(persona)]
    return (own[:1] + other[:1]) or variants[:1]


def url_of(url: WalkUrl, rule: Rule, target: Target | None) -> str:
    kwargs: dict[str, Any] = {}
    if target is not None:
        kwargs.update(target.kwargs)
    kwargs.update(rule.kwargs(target) if callable(rule.kwargs) else rule.kwargs)
    route_args = set(re.findall(r"<(?:\w+:)?(\w+)>", url.route))
    if url.is_api and "pk" not in route_args and "pk" in kwargs and len(route_args - set(kwargs)) == 1:
        kwargs[(route_args - set(kwargs)).pop()] = kwargs.pop("pk")
    kwargs = {k: v for k, v in kwargs.items() if k in route_args}
    path = "/" + url.route if url.key == url.route else reverse(url.key, kwargs=kwargs)
    return f"{path}?{rule.query}" if rule.query else path


def client_for(client, persona: str, django_user_model):
    if persona != ANONYMOUS:
        client.force_login(django_user_model.objects.get(username=ALL_PERSONAS[persona][0]))
    return client


@pytest.fixture(scope="module")
def signed_in(demo, django_db_blocker) -> dict[str, dict[str, Any]]:
    """persona → the session data of a real log-in (`Client.force_login`, the second factor passed), made once for
    the module instead of once per test.

    A log-in costs about 70 ms (the session, last_login, the audit entry, axes, the TOTP device) and the walk has
    thousands of tests; the log-in itself is tested in tests/core/test_security.py and tests/security/. The log-ins
    (their devices, audit entries, last_login) stay in a savepoint of their own for the module, rolled back at its
    end; each test gets a fresh session row with the same data (`signed_in_client`), inside its own savepoint, so
    its expiry counts from the test and whatever the test does to the session is undone with the test."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from tests.conftest import Client

    with django_db_blocker.unblock():
        block = transaction.atomic()
        block.__enter__()
        try:
            sessions = {}
            for persona in WALKERS:
                if persona != ANONYMOUS:
                    client = Client()
                    client.force_login(get_user_model().objects.get(username=ALL_PERSONAS[persona][0]))
                    sessions[persona] = dict(client.session.items())
            yield sessions
        finally:
            transaction.set_rollback(True)
            block.__exit__(None, None, None)


def signed_in_client(client, persona: str, signed_in: dict[str, dict[str, Any]]):
    """`client` with a new session holding `persona`'s log-in (see `signed_in`); anonymous stays signed out."""
    if persona != ANONYMOUS:
        from importlib import import_module

        from django.conf import settings

        session = import_module(settings.SESSION_ENGINE).SessionStore()
        session.update(signed_in[persona])
        session.create()
        client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
        client.cookies[settings.SESSION_COOKIE_NAME].update(
            {"max-age": None, "path": "/", "domain": settings.SESSION_COOKIE_DOMAIN, "expires": None}
            | {"secure": settings.SESSION_COOKIE_SECURE or None}
        )
    return client


def fetch(client, method: str, path: str, rule: Rule):
    if method == "GET":
        return client.get(path)
    if rule.json:
        return client.generic(method, path, json.dumps(rule.data), content_type="application/json")
    if rule.upload:
        pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
        return client.post(path, {**rule.data, "file": SimpleUploadedFile("walk.pdf", pdf, "application/pdf")})
    return client.post(path, rule.data)


URLS = {u.key: u for u in url_patterns()}
# Routes with a GET operation: a GET to another operation's pattern of the same route is that operation's.
GET_ROUTES = {u.route for u in URLS.values() if u.methods and "GET" in u.methods}

# Slow binaries (a PDF typesets the whole briefing, the register workbook holds every row): walked by one persona
# per role, since the status rules are per role; each persona's scope is walked on the other pages.
HEAVY = frozenset({"indicators:briefing_pdf", "supervision:export_pdf", "enterprises:register_export"})
ROLE_REPRESENTATIVES = frozenset({"bureau_staff", "lead_officer", "zhangdian_officer", "leader", ANONYMOUS})


def test_every_url_pattern_has_a_rule():
    missing = sorted(set(URLS) - set(RULES))
    assert not missing, f"URL patterns without a walk rule (add one to RULES): {missing}"
    stale = sorted(set(RULES) - set(URLS))
    assert not stale, f"rules for URL patterns that no longer exist: {stale}"


def test_url_names_are_unique():
    """A rule is keyed by URL name; two patterns with one name could not both be reversed (or walked)."""
    routes: dict[str, set[str]] = {}
    for u in url_patterns():
        routes.setdefault(u.key, set()).add(u.route)
    assert not {k: r for k, r in routes.items() if len(r) > 1}, "one URL name for two routes"


# Known defects handed to other areas: (URL name, persona) → reason. Strict: fixed ones must be removed.
KNOWN: dict[tuple[str, str], str] = {}


def _by_app(keys) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for key in keys:
        groups.setdefault(URLS[key].app, []).append(key)
    return groups


# The walk runs one test per (app, persona) that walks each of the app's URLs in turn, each as if it were a test of
# its own (`_as_its_own_test`): one test per (URL, persona), about 5,200, spent a quarter of the walk's time on what
# pytest and pytest-django do around a test. A failure lists every page that failed, by persona, URL name and path.
GET_GROUPS = _by_app(sorted(URLS))


def _written_tables(collected: set[str]):
    """An execute wrapper collecting the tables a statement writes (the foreign-key check of `_as_its_own_test`)."""

    def wrapper(execute, sql, params, many, context):
        if match := WRITE_SQL.match(sql):
            collected.add(match.group(2))
        return execute(sql, params, many, context)

    return wrapper


WRITE_SQL = re.compile(r"""\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+["`]?(\w+)""", re.IGNORECASE)


@functools.cache
def _referrers() -> dict[str, set[str]]:
    """table → the tables whose foreign keys point at it (a deleted row may orphan theirs)."""
    from django.apps import apps

    referrers: dict[str, set[str]] = {}
    for model in apps.get_models(include_auto_created=True):
        for f in model._meta.concrete_fields:
            if f.is_relation and f.related_model is not None and not isinstance(f.related_model, str):
                referrers.setdefault(f.related_model._meta.db_table, set()).add(model._meta.db_table)
    return referrers


def _as_its_own_test(persona: str, key: str, signed_in: dict, check: Callable[[Any], list[str]]) -> list[str]:
    """`check(client)`'s problems, run as a test of its own would run: an empty cache (`_cold_cache`), mailbox and
    audit checkpoint file (`_audit_checkpoint`), a new client and session (`signed_in_client`), a savepoint rolled
    back after, and the foreign-key check that a test's teardown makes (pytest-django's TestCase), here on the
    tables the page wrote and those pointing at them. An error is reported with the page instead of ending the
    batch."""
    import traceback
    from pathlib import Path

    from django.conf import settings
    from django.core import mail
    from django.core.cache import cache
    from django.db import connection, transaction
    from django.test import override_settings

    from tests.conftest import _CHECKPOINTS, Client

    cache.clear()
    mail.outbox = []
    checkpoint = Path(settings.KECHUANG_AUDIT_CHECKPOINT).with_name(f"{next(_CHECKPOINTS)}.json")
    written: set[str] = set()
    problems: list[str] = []
    with override_settings(KECHUANG_AUDIT_CHECKPOINT=checkpoint), transaction.atomic():
        try:
            with connection.execute_wrapper(_written_tables(written)):
                problems = check(signed_in_client(Client(), persona, signed_in))
            if written:
                referrers = _referrers()
                connection.check_constraints(sorted(written | {t for w in written for t in referrers.get(w, ())}))
        except Exception as error:  # one page's failure is reported with its name; the batch goes on
            if isinstance(error, AssertionError):
                problems.append(str(error))
            else:
                problems.append("".join(traceback.format_exception(error)[-6:]))
        finally:
            transaction.set_rollback(True)
    return [f"{persona} {key}: {p}" for p in problems]


def _assert_batch(problems: dict[str, list[str]], known: dict[tuple[str, str], str], persona: str) -> None:
    """Fails with every page's problems; a known defect (`known`) is expected to fail, and fails the test once fixed."""
    report = []
    for key, found in problems.items():
        if (key, persona) in known:
            if not found:
                report.append(f"{persona} {key}: known defect fixed, remove it from the table: {known[(key, persona)]}")
        else:
            report += found
    assert not report, f"{len(report)} problem(s):\n" + "\n".join(report)


@pytest.mark.timeout(1800)  # one test walks every URL of an app
@pytest.mark.parametrize(("app", "persona"), [(app, p) for app in sorted(GET_GROUPS) for p in WALKERS])
def test_walk_get(app, persona, demo, signed_in, db):
    problems = {}
    for key in GET_GROUPS[app]:
        url = URLS[key]
        if url.methods is not None and "GET" not in url.methods and url.route in GET_ROUTES:
            continue  # a GET here is the GET operation of the same route, walked under its own name
        if key in HEAVY and persona not in ROLE_REPRESENTATIVES:
            continue  # heavy binary: walked for one persona of each role
        problems[key] = _as_its_own_test(
            persona, key, signed_in, lambda client, key=key: _get(key, persona, demo, client)
        )
    _assert_batch(problems, KNOWN, persona)


def _get(key: str, persona: str, demo: Any, client: Any) -> list[str]:
    """The problems of GET `key` as `persona`: status, where an anonymous visitor is sent, RESPONSE_CHECKS, leaks."""
    url = URLS[key]
    rule = RULES.get(key)
    assert rule is not None, f"no walk rule for {key}"
    problems = []
    for target in targets_for(rule, persona, demo):
        path = url_of(url, rule, target)
        response = fetch(client, "GET", path, rule)
        text = body_text(response) if response.status_code < 300 else ""
        want = expected_get(rule, url, persona, target)
        got = response.status_code
        if got != want:
            problems.append(f"GET {path}: {got}, expected {want}")
        to_login = response.get("Location", "").startswith(reverse("login"))
        if persona == ANONYMOUS and got == 302 and not url.is_api and rule.readers is not PUBLIC and not to_login:
            problems.append(f"GET {path}: redirects to {response['Location']}, not to the log-in page")
        for check in RESPONSE_CHECKS:
            problems += [f"GET {path}: {p}" for p in check(response, text)]
        if leaked := leaks(persona, text, demo):
            problems.append(f"GET {path}: out-of-scope identifiers {leaked[:5]} ({len(leaked)})")
    return problems


def _snapshot(target: Target | None, model) -> tuple:
    from kechuang.core.models import AuditEntry

    row = None
    if target is not None and target.model is not None:
        row = model_to_dict(target.model.objects.get(pk=target.pk))
        row["__updated"] = getattr(target.model.objects.get(pk=target.pk), "updated_at", None)
    tables = []
    for m in {model} - {None}:
        tables.append(m.objects.count())
    # The refusal itself is logged (baseline item 10): any other entry would be a write that got through.
    return row, tables, AuditEntry.objects.exclude(action=AuditEntry.Action.DENIED).count()


WRITE_KEYS = sorted(k for k, r in RULES.items() if r.writes and k in URLS)
WRITE_GROUPS = _by_app(WRITE_KEYS)
KNOWN_WRITES: dict[tuple[str, str], str] = {}


@pytest.mark.timeout(1800)  # one test tries every write of an app
@pytest.mark.parametrize(("app", "persona"), [(app, p) for app in sorted(WRITE_GROUPS) for p in WALKERS])
def test_walk_refused_write(app, persona, demo, signed_in, db):
    """A persona without the right to a write (read-only, out of scope, not the bureau) is refused, and the
    database is unchanged: the target row, its table's count and the audit log (but for the refusal's entry).
    Each write of the app is tried as a test of its own (`_as_its_own_test`); those the persona may make are left
    to the edit round trip and the workflow tests."""
    problems = {
        key: _as_its_own_test(persona, key, signed_in, lambda client, key=key: _refused(key, persona, demo, client))
        for key in WRITE_GROUPS[app]
    }
    _assert_batch(problems, KNOWN_WRITES, persona)


def _refused(key: str, persona: str, demo: Any, client: Any) -> list[str]:
    refused_writes(key, persona, demo, client)  # asserts each refusal
    return []


def refused_writes(key: str, persona: str, demo: Any, client: Any) -> int:
    """Each write of `key` the persona may not make, tried and asserted refused with nothing changed; how many."""
    url, rule = URLS[key], RULES[key]
    method = sorted(url.methods)[0] if url.methods else "POST"
    checked = 0
    for target in targets_for(rule, persona, demo):
        if persona == ANONYMOUS:
            if rule.readers is PUBLIC:
                continue
            want = 401 if url.is_api else 302
        elif rule.readers is not PUBLIC and persona not in rule.readers:
            want = 403
        elif target is not None and (not target.readable_by(persona) or not target.exists):
            want = 404
        elif (target is not None and not target.writable_by(persona, rule)) or (
            target is None and persona not in (rule.writers if rule.writers is not None else WRITERS)
        ):
            want = 403
        else:
            continue  # allowed: the edit round trip and the workflow tests cover allowed writes
        model = target.model if target is not None else None
        before = _snapshot(target, model)
        path = url_of(url, rule, target)
        response = fetch(client, method, path, rule)
        after = _snapshot(target, model)
        checked += 1
        assert response.status_code < 500, f"{method} {path}: {response.status_code}"
        # ninja validates an API body before the operation runs, so an incomplete create body is 422 whoever
        # sends it; the database check below still holds.
        accepted = {want, 422} if url.is_api and target is None else {want}
        assert response.status_code in accepted, f"{method} {path}: {response.status_code}, expected {want}"
        assert before == after, f"{method} {path} was refused but changed the database"
    return checked
