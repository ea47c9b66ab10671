"""Checklist item 7: the role × URL matrix (200 / 403, and 404 for a record out of scope).

A district officer, a department officer, each of the three administrators and the leader (the six personas of the
acceptance walk), and the external accounts, request every URL of the URLconf. The expected status of each (URL,
persona) comes from one table, the walk's RULES (tests/core/test_walk.py: who reads each URL and which demo record
it takes), through the walk's own `expected_get`.

The business personas of the six (district officer, department officer, leader) are walked by the walk itself,
one test per (URL, persona) with the same `expected_get` and the same targets (`test_walk_get`): requesting every
URL for them again here cost about a third of the walk's page renders and checked nothing more. Here they keep what
the matrix adds to the walk: no administrator's page opens for them (requested), and their rows of the table hold
both 200s and 403s. The administrators and external accounts, whom the walk does not walk, each get one test that
requests every URL and reports every mismatch at once, with a summary line of how many answered 200, 403 and 404.
"""

from __future__ import annotations

from collections import Counter

import pytest

from tests.conftest import ADMIN_PERSONAS, PERSONAS, walkers
from tests.core.test_walk import (
    GET_ROUTES,
    RULES,
    URLS,
    WALKERS,
    WRITE_KEYS,
    client_for,
    demo,  # noqa: F401  (the walk's module fixture: the demo records and their scope)
    expected_get,
    fetch,
    refused_writes,
    targets_for,
    url_of,
)

SIX = ["zhangdian_officer", "lead_officer", "sysadmin", "secadmin", "auditor", "leader"]
# Accounts outside the government, walked the same way (the two enterprise personas reach the same pages: one walks).
EXTERNAL = ["expert", "enterprise_admin", "talent"]
# What each administrator reaches with 200 (GET; pages that redirect or take POST only are in RULES too):
# stated here once more, in the words of the separation of duties, so the two tables check each other.
ADMIN_PAGES = {
    "sysadmin": {
        "core:user_list",
        "core:user_export",
        "core:user_create",
        "core:user_edit",
        "core:user_reset_password",
        "core:org_units",
        "core:second_factor_verify",
        "password_change",
        "message_list",
        "login",
        "favicon",
    },
    "secadmin": {
        "core:user_list",
        "core:user_export",
        "core:user_grant",
        "core:org_units",
        "core:second_factor_verify",
        "password_change",
        "message_list",
        "login",
        "favicon",
    },
    "auditor": {"core:audit_log", "core:second_factor_verify", "password_change", "message_list", "login", "favicon"},
}
# What each external account reaches with 200: its account pages, its home (which gathers what the modules offer
# it), and the pages modules open to its role (AppConfig `external_pages`); a module that opens a page adds it here
# and to the walk's RULES. The enterprise administrator must pass a second factor (its verification page opens);
# the others may enrol one.
ACCOUNT_OPEN = {"password_change", "message_list", "login", "favicon", "my_home"}
EXTERNAL_PAGES = {
    "expert": ACCOUNT_OPEN
    | {"core:second_factor_enrol", "projects:reviews", "projects:review", "talent:review_list", "talent:review"},
    # an enterprise account's home is the portal: the account home sends it there
    "enterprise_admin": ACCOUNT_OPEN - {"my_home"}
    | {
        "portal:home",
        "portal:push",
        "portal:applications",
        "portal:demands",
        "portal:demand_new",
        "api:portal_home",
        "api:portal_push",
        "api:portal_demands",
        "api:portal_applications",
        "core:second_factor_verify",
        "finance:my_score",
        "api:finance_my_score",
        "projects:portal",
        "projects:portal_apply",
        "api:project_corrections",
        "talent:employer_home",
        "core:firm_users",
        "core:firm_api_tokens",
        "portal:ladder",
        "portal:facts",
        "portal:fact_correct",
        "portal:whatif",
        "api:my_ladder",
        "api:my_corrections",
    },
    "talent": ACCOUNT_OPEN
    | {
        "core:second_factor_enrol",
        "talent:portal_home",
        "api:talent_cards",
        "api:talent_service_items",
        "api:talent_service_requests",
    },
}
PAGES = {**ADMIN_PAGES, **EXTERNAL_PAGES}
# The six's business personas: their every GET is the walk's (`test_walk_get`); the matrix requests every URL only
# for the others.
WALKED_BY_THE_WALK = [p for p in SIX if p in PERSONAS]
MATRIX_WALKERS = walkers([p for p in SIX + EXTERNAL if p not in WALKED_BY_THE_WALK])
# The pages of the separation of duties (三权分立) that no business persona may open.
DUTY_PAGES = ["core:user_list", "core:user_grant", "core:audit_log"]
# How many pages of each answer (200, 403) the business personas request beyond the duty pages (the walk requests
# them all): enough to show the site answers both ways, few enough to cost little.
SAMPLED = 3


def test_item_07_the_walk_walks_the_business_personas_of_the_matrix():
    """The matrix leaves these personas' GETs to the walk: under any KECHUANG_WALK_PERSONAS, the walk takes each of
    them that the matrix would have taken."""
    assert set(walkers(WALKED_BY_THE_WALK)) <= set(WALKERS)
    assert set(WALKED_BY_THE_WALK) == {"zhangdian_officer", "lead_officer", "leader"}


@pytest.mark.parametrize("persona", walkers(WALKED_BY_THE_WALK))
def test_item_07_business_personas_reach_no_duty_page(persona, demo, client, django_user_model, db):  # noqa: F811
    """What the matrix checks of the business personas beyond the walk's statuses: no page of the separated
    administrators opens for them, and they are answered both ways — business pages open (200) and others refused
    (403) — by the site itself, not only in the table: the first few of each the table names are requested."""
    client = client_for(client, persona, django_user_model)
    for key in DUTY_PAGES:
        url, rule = URLS[key], RULES[key]
        for target in targets_for(rule, persona, demo):
            path = url_of(url, rule, target)
            got = fetch(client, "GET", path, rule).status_code
            assert got == expected_get(rule, url, persona, target) != 200, f"{persona} GET {path}: {got}"
    answered = Counter()
    for want in (200, 403):
        listed = [
            (key, target)
            for key in sorted(URLS)
            if key not in ACCOUNT_OPEN
            and key not in DUTY_PAGES
            and not (URLS[key].methods is not None and "GET" not in URLS[key].methods and URLS[key].route in GET_ROUTES)
            for target in targets_for(RULES[key], persona, demo)
            if expected_get(RULES[key], URLS[key], persona, target) == want
        ]
        # one page of each of the first modules (URL namespaces), not three of the API's
        by_module = {key.split(":")[0]: (key, target) for key, target in reversed(listed)}
        picked = [by_module[m] for m in sorted(by_module)][:SAMPLED]
        assert picked, f"{persona}: the table gives no page a {want}"
        for key, target in picked:
            path = url_of(URLS[key], RULES[key], target)
            got = fetch(client, "GET", path, RULES[key]).status_code
            assert got == want, f"{persona} GET {path}: {got}, expected {want}"
            answered[got] += 1
    assert answered[200] == answered[403] == SAMPLED, answered


@pytest.mark.timeout(1800)  # one test walks every URL (the demo records load first)
@pytest.mark.parametrize("persona", MATRIX_WALKERS)
def test_item_07_role_url_matrix(persona, demo, client, django_user_model, db):  # noqa: F811
    client = client_for(client, persona, django_user_model)
    problems, seen, ok = [], Counter(), set()
    for key in sorted(URLS):
        url, rule = URLS[key], RULES[key]
        if url.methods is not None and "GET" not in url.methods and url.route in GET_ROUTES:
            continue  # the GET of that route is another operation's, requested under its own name
        for target in targets_for(rule, persona, demo):
            path = url_of(url, rule, target)
            got = fetch(client, "GET", path, rule).status_code
            want = expected_get(rule, url, persona, target)
            seen[got] += 1
            if got == 200:
                ok.add(key)
            if got != want:
                problems.append(f"{persona} GET {path}: {got}, expected {want}")
    assert not problems, "\n".join(problems)
    assert ok == PAGES[persona], sorted(ok ^ PAGES[persona])
    assert seen[200] and seen[403], seen
    print(f"{persona}: {dict(sorted(seen.items()))}")


@pytest.mark.timeout(1800)
@pytest.mark.parametrize("persona", walkers(sorted(ADMIN_PERSONAS) + EXTERNAL))
def test_item_07_administrators_writes_are_refused_and_change_nothing(persona, demo, client, django_user_model, db):  # noqa: F811
    """Every write of the URLconf, tried by each administrator and external account: refused, the database
    unchanged (the walk's refused-write check, which walks the business personas one test per URL)."""
    client = client_for(client, persona, django_user_model)
    tried = sum(refused_writes(key, persona, demo, client) for key in WRITE_KEYS)
    assert tried >= len(WRITE_KEYS) - len(PAGES[persona])
