"""API tokens of a firm's own systems (issue 18 §7, core.firm_tokens): issued, listed and revoked by the firm's
administrator; bound to the firm; only the endpoints opened to enterprise accounts; read only or read and write;
revoked, expired and disabled refused; and demands posted and edited through the API with field-named errors."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.test import Client as DjangoClient
from django.urls import reverse
from django.utils import timezone

from kechuang.core import firm_tokens, user_admin
from kechuang.core.accounts import disable_idle_accounts
from kechuang.core.firm_accounts import firm_admin_handover, firm_user_set_active
from kechuang.core.models import ApiToken, AuditEntry, User
from kechuang.core.roles import Role
from kechuang.projects.models import Application
from kechuang.techmarket.models import Demand
from tests.portal.conftest import OTHER, OWN

# What belongs to the other firm only (tests/portal/conftest.py): never in an answer to our firm's token.
FOREIGN = (OTHER, "门户测试乙公司", "乙公司的保密工艺需求", "乙公司的保密项目", "乙公司的技术开发合同", "91.0")
GOOD_DEMAND = {
    "title": "高纯氟化物提纯工艺需求",
    "description": "需要把工业级氟化物提纯到电子级，杂质含量低于百万分之一，希望高校或院所合作开发。",
    "field": "new_materials",
    "cooperation_mode": "joint_development",
    "contact_name": "李经理",
    "contact_phone": "13912345678",
}


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def issue(user: User, scope: str = "read_write", days: int = 30) -> str:
    return firm_tokens.firm_token_issue(actor=user, name="ERP", valid_days=days, scope=scope)[1]


@pytest.fixture
def admins(world):
    """Our firm's administrator (the world's `enterprise_admin`) and the other firm's (its `enterprise_user`,
    made the administrator of the 淄川区 firm)."""
    other = world["user"].__class__.objects.get(username="p_enterprise_user")
    other.is_org_admin = True
    other.save()
    return world["user"], other


def _api_get(client, url, raw, **params):
    return client.get(url, params, **bearer(raw))


def _schema(client, admins) -> dict:
    """The OpenAPI schema, read with a bureau staff token (a firm token may not read it)."""
    staff = User.objects.filter(role=Role.BUREAU_STAFF, is_active=True).first()
    _, raw = ApiToken.issue(user=staff, name="schema")
    return client.get("/api/openapi.json", **bearer(raw)).json()


def _operations(schema: dict):
    """(path, method, URL name, operation) of every operation: the name is the view's unless one was given."""
    from kechuang.api import api

    registered = {f"api:{p.name}" for p in api.urls[0]}
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            name = "api:" + op["operationId"].split("_api_", 1)[1]
            yield path, method.upper(), name if name in registered else _url_name(op, path), op


def _url_name(op: dict, path: str) -> str:
    """The URL name Django resolves an operation's path to (its first operation's name, as ninja registers it)."""
    from django.urls import resolve

    return resolve(re.sub(r"\{[^}]+\}", "1", path)).view_name


# ---------------------------------------------------------------- the administrator's page


def test_the_administrator_issues_lists_and_revokes_its_firms_tokens(client, admins):
    admin, other_admin = admins
    client.force_login(admin)
    page = client.get(reverse("core:firm_api_tokens"))
    assert page.status_code == 200 and 'data-testid="firm-token-form"' in page.content.decode()
    response = client.post(reverse("core:firm_api_tokens"), {"name": "ERP 同步", "scope": "read", "valid_days": 30})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    raw = response.context["raw"]
    token = ApiToken.objects.get(credit_code=OWN)
    # stored as a digest only, with the firm, the scope and an expiry
    assert raw not in json.dumps(list(ApiToken.objects.values()), default=str)
    assert token.digest == ApiToken.digest_of(raw) and token.scope == "read" and token.user == admin
    assert token.expires_at - timezone.now() > dt.timedelta(days=29)
    # listed without the raw value; the other firm's tokens are not listed
    theirs = issue(other_admin)
    listing = client.get(reverse("core:firm_api_tokens")).content.decode()
    assert "ERP 同步" in listing and token.prefix in listing and raw not in listing
    assert ApiToken.objects.get(digest=ApiToken.digest_of(theirs)).prefix not in listing
    assert client.get("/api/portal/home", **bearer(raw)).status_code == 200
    # revoked: refused from then on; every step audited
    assert client.post(reverse("core:firm_api_token_revoke", args=[token.pk])).status_code == 302
    assert DjangoClient().get("/api/portal/home", **bearer(raw)).status_code == 401
    events = [
        e.detail.get("event")
        for e in AuditEntry.objects.filter(object_type="core.apitoken", object_id=str(token.pk), actor=admin).order_by(
            "pk"
        )
    ]
    assert events == ["firm_token_issued", "firm_token_revoked"]


def test_another_firms_token_cannot_be_revoked_and_a_bad_form_names_the_field(client, admins):
    admin, other_admin = admins
    theirs = ApiToken.objects.get(digest=ApiToken.digest_of(issue(other_admin)))
    client.force_login(admin)
    assert client.post(reverse("core:firm_api_token_revoke", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    response = client.post(reverse("core:firm_api_tokens"), {"name": "", "scope": "all", "valid_days": 999})
    assert response.status_code == 200 and set(response.context["form"].errors) == {"name", "scope", "valid_days"}
    with pytest.raises(Exception) as error:
        firm_tokens.firm_token_issue(actor=admin, name="x", valid_days=0, scope="read")
    assert "valid_days" in error.value.message_dict
    assert not ApiToken.objects.filter(credit_code=OWN).exists()


def test_only_the_firms_administrator_past_its_second_factor_manages_tokens(client, admins, persona, world):
    admin, _ = admins
    colleague = User.objects.create(
        username="own_firm_user", role=Role.ENTERPRISE, credit_code=OWN, organisation="门户测试甲公司"
    )
    client.force_login(colleague)
    assert client.get(reverse("core:firm_api_tokens")).status_code == 403
    assert (
        client.post(reverse("core:firm_api_tokens"), {"name": "x", "scope": "read", "valid_days": 5}).status_code == 403
    )
    for name in ("bureau_staff", "sysadmin"):
        client.force_login(persona(name))
        assert client.get(reverse("core:firm_api_tokens")).status_code == 403, name
    # signed in with the password only: sent to the second factor first
    plain = DjangoClient()
    DjangoClient.force_login(plain, admin)
    response = plain.get(reverse("core:firm_api_tokens"))
    second_factor = (reverse("core:second_factor_enrol"), reverse("core:second_factor_verify"))
    assert response.status_code == 302 and response.url.split("?")[0] in second_factor
    assert not ApiToken.objects.exists()


# ---------------------------------------------------------------- a firm token's reach


def test_a_firm_token_reaches_its_own_firm_only_through_every_endpoint_and_parameter(client, admins, world):
    admin, _ = admins
    raw = issue(admin)
    schema = _schema(client, admins)
    names = firm_tokens.firm_api_names()
    foreign_ids = {
        "pk": world["other_demand"].pk,
        "call_id": world["call"].pk,
        "correction_id": 1,
    }
    reached = set()
    for path, method, name, op in _operations(schema):
        if name not in names:
            continue
        reached.add(name)
        if method != "GET":
            continue
        params = [p["name"] for p in op.get("parameters", []) if p["in"] == "path"]
        url = path
        for p in params:
            url = url.replace("{" + p + "}", str(foreign_ids[p]))
        # every parameter a client could try to point at another firm
        query = {"credit_code": OTHER, "enterprise": OTHER, "firm": OTHER, "region": "zichuan", "q": "乙公司"}
        response = client.get(url, query, **bearer(raw))
        if params:  # another firm's record: not found, never forbidden (which would confirm it exists)
            assert response.status_code == 404, (url, response.status_code)
            continue
        assert response.status_code == 200, (url, response.content[:300])
        text = response.content.decode()
        for foreign in FOREIGN:
            assert foreign not in text, (url, foreign)
    # every endpoint opened to enterprise accounts is in the schema and was tried
    assert reached == names
    # the firm's own records answer
    own = client.get(f"/api/portal/demands/{world['own_demand'].pk}", **bearer(raw))
    assert own.status_code == 200 and own.json()["title"] == "陶瓷膜规模化制备工艺需求"
    assert client.get("/api/portal/home", **bearer(raw)).json()["credit_code"] == OWN
    # writes through every firm endpoint land on our firm, whatever the body names
    other = world["other_demand"]
    patched = client.patch(
        f"/api/portal/demands/{other.pk}", {"title": "改掉乙公司的需求"}, content_type="application/json", **bearer(raw)
    )
    assert patched.status_code == 404
    other.refresh_from_db()
    assert other.title == "乙公司的保密工艺需求"
    proposed = client.post(
        "/api/my-enterprise/corrections",
        {"year": timezone.localdate().year - 1, "field": "rd_expense_wan", "value": "300", "reason": "审计报告"},
        content_type="application/json",
        **bearer(raw),
    )
    assert proposed.status_code == 201, proposed.content
    assert proposed.json()["credit_code"] == OWN


def test_the_docs_refuse_a_firm_token_and_a_staff_token_still_works(client, admins, persona):
    admin, _ = admins
    raw = issue(admin)
    assert client.get("/api/openapi.json", **bearer(raw)).status_code == 403
    _, staff = ApiToken.issue(user=persona("bureau_staff"), name="staff")
    assert client.get("/api/liaisons", **bearer(staff)).status_code == 200


def test_revoked_and_expired_tokens_are_refused(client, admins):
    admin, _ = admins
    raw = issue(admin)
    token = ApiToken.objects.get(digest=ApiToken.digest_of(raw))
    assert client.get("/api/portal/home", **bearer(raw)).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert client.get("/api/portal/home", **bearer(raw)).status_code == 401
    raw = issue(admin)
    firm_tokens.firm_token_revoke(actor=admin, token_id=ApiToken.objects.get(digest=ApiToken.digest_of(raw)).pk)
    assert client.get("/api/portal/home", **bearer(raw)).status_code == 401
    assert client.get("/api/portal/home", **bearer(raw + "x")).status_code == 401


def test_a_read_only_token_reads_and_never_writes(client, admins, world):
    admin, _ = admins
    raw = issue(admin, scope="read")
    before = Demand.objects.count()
    assert client.get("/api/portal/demands", **bearer(raw)).status_code == 200
    posted = client.post("/api/portal/demands", GOOD_DEMAND, content_type="application/json", **bearer(raw))
    assert posted.status_code == 403 and posted.json()["error"]["code"] == "forbidden"
    own = world["own_demand"]
    patched = client.patch(
        f"/api/portal/demands/{own.pk}", {"title": "只读令牌改标题"}, content_type="application/json", **bearer(raw)
    )
    assert patched.status_code == 403
    correction = {"year": 2025, "field": "rd_expense_wan", "value": "1", "reason": "x"}
    assert (
        client.post(
            "/api/my-enterprise/corrections", correction, content_type="application/json", **bearer(raw)
        ).status_code
        == 403
    )
    assert Demand.objects.count() == before and Demand.objects.get(pk=own.pk).title == own.title
    # the what-if computes and saves nothing: a read
    whatif = client.post("/api/my-enterprise/what-if", {"changes": {}}, content_type="application/json", **bearer(raw))
    assert whatif.status_code != 403


@pytest.mark.parametrize("how", ["firm_admin", "sysadmin", "idle"])
def test_disabling_the_issuing_account_ends_its_tokens_for_good(client, admins, persona, how):
    """Decided: a firm token acts as the account that issued it. Disabling that account (by the firm's new
    administrator, the system administrator, or the idle-account job) revokes its tokens; enabling it again does
    not bring them back."""
    admin, _ = admins
    raw = issue(admin)
    successor = User(username="own_successor", role=Role.ENTERPRISE, credit_code=OWN, organisation="门户测试甲公司")
    successor.set_unusable_password()
    successor.save()
    firm_admin_handover(actor=admin, user=successor)
    admin.refresh_from_db()
    successor.refresh_from_db()
    # handing the administration over keeps the firm's tokens working; the successor sees them
    assert client.get("/api/portal/home", **bearer(raw)).status_code == 200
    assert firm_tokens.firm_tokens(successor).count() == 1
    if how == "firm_admin":
        firm_user_set_active(actor=successor, user=admin, active=False)
    elif how == "sysadmin":
        user_admin.set_active(actor=persona("sysadmin"), user=admin, active=False)
    else:
        long_ago = timezone.now() - dt.timedelta(days=400)
        User.objects.filter(pk=admin.pk).update(last_login=long_ago)
        ApiToken.objects.filter(user=admin).update(last_used_at=long_ago)  # idle everywhere: its token unused too
        assert admin.username in disable_idle_accounts()
    assert client.get("/api/portal/home", **bearer(raw)).status_code == 401
    token = ApiToken.objects.get(digest=ApiToken.digest_of(raw))
    assert token.revoked_at is not None
    assert AuditEntry.objects.filter(object_type="core.apitoken", object_id=str(token.pk)).count() == 2
    User.objects.filter(pk=admin.pk).update(is_active=True)
    assert client.get("/api/portal/home", **bearer(raw)).status_code == 401


def test_a_token_whose_account_left_the_firm_or_its_role_is_refused(client, admins):
    admin, _ = admins
    raw = issue(admin)
    User.objects.filter(pk=admin.pk).update(is_active=False)  # however it was disabled: refused at once
    assert client.get("/api/portal/home", **bearer(raw)).status_code == 401
    User.objects.filter(pk=admin.pk).update(is_active=True, credit_code=OTHER, is_org_admin=False)
    assert client.get("/api/portal/home", **bearer(raw)).status_code == 401  # never the other firm's data
    User.objects.filter(pk=admin.pk).update(credit_code=OWN, role=Role.BUREAU_STAFF)
    assert client.get("/api/liaisons", **bearer(raw)).status_code == 401  # never a staff principal


# ---------------------------------------------------------------- demands through the API


def test_post_and_patch_a_demand_through_the_api(client, admins):
    admin, _ = admins
    raw = issue(admin)
    posted = client.post("/api/portal/demands", GOOD_DEMAND, content_type="application/json", **bearer(raw))
    assert posted.status_code == 201, posted.content
    body = posted.json()
    demand = Demand.objects.get(pk=body["id"])
    assert (demand.credit_code, demand.enterprise_name, demand.region.code) == (OWN, "门户测试甲公司", "zhangdian")
    assert body["status"] == demand.status == Demand.Status.PENDING and demand.source == Demand.Source.PORTAL
    assert AuditEntry.objects.filter(object_type="techmarket.demand", object_id=str(demand.pk), actor=admin).exists()
    # published by the bureau, then changed by the firm: back to review, the other fields kept
    Demand.objects.filter(pk=demand.pk).update(status=Demand.Status.PUBLISHED)
    patched = client.patch(
        f"/api/portal/demands/{demand.pk}",
        {"title": "高纯氟化物提纯工艺合作", "budget_max_wan": "80"},
        content_type="application/json",
        **bearer(raw),
    )
    assert patched.status_code == 200, patched.content
    demand.refresh_from_db()
    assert demand.title == "高纯氟化物提纯工艺合作" and demand.status == Demand.Status.PENDING
    assert demand.description == GOOD_DEMAND["description"] and str(demand.budget_max_wan) == "80.00"
    # signed: no longer editable, the error names the field
    Demand.objects.filter(pk=demand.pk).update(status=Demand.Status.SIGNED)
    refused = client.patch(
        f"/api/portal/demands/{demand.pk}", {"title": "签约后再改标题"}, content_type="application/json", **bearer(raw)
    )
    assert refused.status_code == 422 and "status" in refused.json()["error"]["fields"]


def test_a_demand_body_naming_another_firm_or_district_writes_for_the_tokens_firm_only(client, admins, world):
    """The body cannot move a demand to another firm or district: the firm, its name and district come from the
    token's account, whatever the body says; the other firm's demand, named by id, is not found and unchanged."""
    admin, _ = admins
    raw = issue(admin)
    foreign = {"credit_code": OTHER, "enterprise_name": "门户测试乙公司", "region": "zichuan", "region_id": 1, "id": 1}
    posted = client.post(
        "/api/portal/demands", {**GOOD_DEMAND, **foreign}, content_type="application/json", **bearer(raw)
    )
    assert posted.status_code == 201, posted.content
    demand = Demand.objects.get(pk=posted.json()["id"])
    assert (demand.credit_code, demand.enterprise_name, demand.region.code) == (OWN, "门户测试甲公司", "zhangdian")
    patched = client.patch(f"/api/portal/demands/{demand.pk}", foreign, content_type="application/json", **bearer(raw))
    demand.refresh_from_db()
    assert patched.status_code in (200, 422) and (demand.credit_code, demand.region.code) == (OWN, "zhangdian")
    theirs = Demand.objects.get(credit_code=OTHER)
    before = (theirs.title, theirs.status, theirs.updated_at)
    answer = client.patch(
        f"/api/portal/demands/{theirs.pk}", {"title": "改别家的需求"}, content_type="application/json", **bearer(raw)
    )
    theirs.refresh_from_db()
    assert answer.status_code == 404 and (theirs.title, theirs.status, theirs.updated_at) == before


def test_a_bad_demand_through_the_api_names_each_field_and_writes_nothing(client, admins):
    admin, _ = admins
    raw = issue(admin)
    before = Demand.objects.count()
    response = client.post(
        "/api/portal/demands",
        {"title": "短", "description": "太短", "field": "nonsense", "deadline": "2000-01-01", "budget_min_wan": "abc"},
        content_type="application/json",
        **bearer(raw),
    )
    assert response.status_code == 422
    assert "budget_min_wan" in response.json()["error"]["fields"]  # a wrong type, named by the schema
    response = client.post(
        "/api/portal/demands",
        {"title": "短", "description": "太短", "field": "nonsense", "deadline": "2000-01-01"},
        content_type="application/json",
        **bearer(raw),
    )
    fields = response.json()["error"]["fields"]
    assert response.status_code == 422
    assert {"title", "description", "field", "deadline", "cooperation_mode", "contact_name"} <= set(fields), fields
    assert Demand.objects.count() == before


# ---------------------------------------------------------------- the allow-list, walked over every route

REACH = "A firm's API token reaches only the endpoints of its own enterprise."
# Open to enterprise accounts in the browser but not to a firm's machine token (core.firm_tokens.FIRM_TOKEN_API).
SESSION_ONLY = {"api:finance_my_score", "api:project_corrections", "api:project_application_create"}


def _said(message: str) -> set[str]:
    """A message as an API answer may say it: in English or Chinese, whichever the request's language is."""
    from django.utils import translation

    said = set()
    for language in ("en", "zh-hans"):
        with translation.override(language):
            said.add(translation.gettext(message))
    return said


def _message(response) -> str:
    """The API error's message, or "" for any other answer."""
    try:
        return response.json()["error"]["message"]
    except (ValueError, KeyError, TypeError):
        return ""


def _routes():
    """(URL with its parameters filled, [(method, URL name of the operation that answers it), ...]) of every route
    under /api/, from the resolver itself, so that a route missing from the schema is walked too. Ninja registers a
    path once per operation, in the order of the path's operations, and Django resolves the path to the first name:
    the operation a method reaches is read here from that order, not from core.firm_tokens."""
    from kechuang.api import api

    by_url: dict[str, list] = {}
    for pattern in api.urls[0]:
        url = "/api/" + re.sub(r"<(?:\w+:)?\w+>", "1", str(pattern.pattern))
        by_url.setdefault(url, []).append(pattern)
    for url, patterns in by_url.items():
        closure = getattr(patterns[0].callback, "__closure__", None) or ()
        views = [c.cell_contents for c in closure if hasattr(c.cell_contents, "operations")]
        if not views:  # the docs and the root: not operations
            yield url, [("GET", f"api:{patterns[0].name}"), ("POST", f"api:{patterns[0].name}")]
            continue
        operations = views[0].operations
        assert len(operations) == len(patterns), url
        yield url, [(m, f"api:{p.name}") for op, p in zip(operations, patterns, strict=True) for m in op.methods]


def test_every_api_route_refuses_a_firm_token_but_the_allow_list(client, admins, world):
    admin, _ = admins
    allowed = firm_tokens.FIRM_TOKEN_API
    assert allowed == firm_tokens.firm_api_names() and not allowed & SESSION_ONLY
    from kechuang.api import api

    assert allowed <= {f"api:{p.name}" for p in api.urls[0]}  # every allowed name is a route: none misspelt
    routes = list(_routes())
    assert len(routes) > 100
    # not ninja operations: the docs (core.api_auth.docs_require_sign_in refuses the token) and the root (no page)
    docs = {"api:openapi-json", "api:openapi-view", "api:api-root"}
    reach, read_only = _said(REACH), _said("This API token is read only.")
    for scope in ("read", "read_write"):
        raw = issue(admin, scope=scope)
        for url, operations in routes:
            for method, name in operations:
                response = client.generic(method, url, "{}", content_type="application/json", **bearer(raw))
                said = _message(response)
                where = (scope, method, url, name, response.status_code, response.content[:200])
                assert response.status_code != 401, where
                if name in docs:
                    assert response.status_code in (403, 404), where
                elif name not in allowed:
                    assert response.status_code == 403 and said in reach, where
                elif (
                    scope == "read"
                    and method not in firm_tokens.SAFE_METHODS
                    and name not in firm_tokens.READ_ONLY_POSTS
                ):
                    assert response.status_code == 403 and said in read_only, where
                else:
                    assert said not in reach and response.status_code < 500, where
    # the three endpoints a firm reaches in the browser only: refused to its token, answered to its session
    raw = issue(admin, scope="read_write")
    call = f"/api/projects/calls/{world['call'].pk}/applications"
    world["apps"][OWN].delete()
    application = {"project_title": "甲公司的第二个方案", "requested_wan": "50"}
    for method, url, data in (
        ("GET", "/api/finance/my-score", None),
        ("GET", "/api/projects/corrections", None),
        ("POST", call, application),
    ):
        response = client.generic(method, url, json.dumps(data or {}), content_type="application/json", **bearer(raw))
        assert response.status_code == 403 and _message(response) in reach, url
    session = client
    session.force_login(admin)  # the browser's session, past its second factor
    assert session.get("/api/finance/my-score").status_code == 200
    assert session.get("/api/projects/corrections").status_code == 200
    assert session.post(call, application, content_type="application/json").status_code == 201
    assert Application.objects.filter(credit_code=OWN).count() == 1


def test_a_token_in_use_keeps_its_api_only_account_active(client, admins):
    """The idle-account job counts a token's use as activity of the account the token acts as: an API-only firm
    administrator, who never signs in through the browser but whose token its ERP used yesterday, stays active
    with its token; an administrator idle everywhere (no log-in, its token unused for as long) is disabled and its
    tokens revoked."""
    import io

    import time_machine
    from django.core.management import call_command

    busy, idle = admins
    now = timezone.now()
    long_ago = now - dt.timedelta(days=400)
    User.objects.filter(pk__in=[busy.pk, idle.pk]).update(last_login=None, date_joined=long_ago)
    busy_raw, idle_raw = issue(busy), issue(idle)
    with time_machine.travel(now - dt.timedelta(days=91), tick=False):  # the idle firm's token, last used 91 days ago
        assert client.get("/api/portal/home", **bearer(idle_raw)).status_code == 200
    with time_machine.travel(now - dt.timedelta(days=1), tick=False):  # the busy one's, yesterday
        assert client.get("/api/portal/home", **bearer(busy_raw)).status_code == 200
    out = io.StringIO()
    with time_machine.travel(now, tick=False):
        call_command("disable_idle_accounts", stdout=out)
    busy.refresh_from_db()
    idle.refresh_from_db()
    assert busy.is_active and busy.username not in out.getvalue()
    assert not idle.is_active and idle.username in out.getvalue()
    assert ApiToken.objects.get(digest=ApiToken.digest_of(busy_raw)).revoked_at is None
    assert ApiToken.objects.get(digest=ApiToken.digest_of(idle_raw)).revoked_at is not None
    assert client.get("/api/portal/home", **bearer(busy_raw)).status_code == 200
    assert client.get("/api/portal/home", **bearer(idle_raw)).status_code == 401


def test_the_allow_list_is_checked_per_operation_not_per_path(client, admins, monkeypatch):
    """GET and PATCH of /api/portal/demands/{pk} share a path, which Django resolves to the GET's name: a method
    whose operation is not on the allow-list is refused though its path's first operation is on it (a method added
    to an allowed path later is refused by default)."""
    admin, _ = admins
    raw = issue(admin)
    demand = client.post("/api/portal/demands", GOOD_DEMAND, content_type="application/json", **bearer(raw)).json()
    url = f"/api/portal/demands/{demand['id']}"
    monkeypatch.setattr(firm_tokens, "FIRM_TOKEN_API", firm_tokens.FIRM_TOKEN_API - {"api:portal_demand_update"})
    assert client.get(url, **bearer(raw)).status_code == 200
    patched = client.patch(url, {"title": "改一改"}, content_type="application/json", **bearer(raw))
    assert patched.status_code == 403 and _message(patched) in _said(REACH)
    assert Demand.objects.get(pk=demand["id"]).title == GOOD_DEMAND["title"]
