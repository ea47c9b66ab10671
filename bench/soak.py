"""Load soak (issue 12, reliability): gunicorn + PostgreSQL under concurrent clients, then the audit chain.

Run from the repository root: `python bench/soak.py` (defaults: 20 clients for 600 s; `make bench` runs it with
`--duration 60`). Options: `--duration S`, `--clients N`, `--workers N` (gunicorn, default 2 × cores + 1),
`--database NAME` (scratch database on postgres://postgres@127.0.0.1:5432, default `kechuang_soak`, dropped and
created afresh, dropped again afterwards unless `--keep-db`).

1. Setup (not timed): `createdb`, `manage.py bootstrap` (migrate, policy, demo data) with KECHUANG_VAR_DIR in a
   temporary folder, a fresh password set on the soak's personas, an authenticator and recovery
   codes for those who need the second factor, one API token per persona (`create_api_token`);
   then gunicorn on a free loopback port and the task worker (`manage.py db_worker`) beside it, as in production.
2. Probe (not timed): each persona reads each page once; a page a persona is refused by design (403) leaves that
   persona's mix and is listed under `excluded`; any other answer than 200 or 403 there is an error.
3. Soak: `--clients` threads, each a persona (bureau staff, the leader, department and district officers; the
   administrators are left out: they hold no business pages), sign in through the log-in form (and the second factor,
   with a recovery code, where the persona needs it) and then loop over
   a weighted mix until the time is up: list and detail pages of every module, Excel/CSV exports, API GETs with a
   bearer token, and writes through the real forms (a new technology demand, an enterprise edited, a supervision
   progress report saved), signing out and in again every 40 steps. An error is a 5xx, a refused connection or
   time-out, any other answer than the step expects (a form that comes back instead of redirecting included).
4. After: the audit chain verified (`kechuang.core.audit.verify_chain` through `manage.py shell`).

Reports requests, requests per second, p50/p95/p99 (ms) overall and per endpoint, errors (with samples), the
machine's load average before and after (other work shares the cores), and writes bench/results/soak.json.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import html.parser
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import report  # noqa: E402

PG_ARGS = ["-h", "127.0.0.1", "-p", "5432", "-U", "postgres"]
# Who drives the load: the business roles, never the administrators (who hold no business pages). Whoever may
# unmask personal data passes the second factor at log-in, as in production (ENROL below).
PERSONAS = [
    "bureau_staff",
    "officer_zhangdian",
    "officer_science_tech",
    "leader",
    "officer_zichuan",
    "officer_education",
    "bureau_staff",
    "officer_finance",
]
DISTRICT = {"officer_zhangdian", "officer_zichuan"}
DEPARTMENT = {"officer_science_tech", "officer_education", "officer_finance"}
SEARCH_WORDS = ["陶瓷", "新材料", "智能制造", "医药", "节能", "传感器", "化工", "芯片"]
RELOGIN_EVERY = 40
# Recovery codes per persona: each log-in through the second factor spends one (a TOTP code cannot be replayed
# within its 30 s step, and several clients share a persona).
CODES_PER_PERSONA = 400
TIMEOUT = 60


class SoakError(Exception):
    """Setup cannot go on (a failed log-in, a command that failed): said plainly, the script stops."""


# ----------------------------------------------------------------------------------------------------- html forms


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, list[str]] = field(default_factory=dict)
    required: set[str] = field(default_factory=set)
    types: dict[str, str] = field(default_factory=dict)
    options: dict[str, list[str]] = field(default_factory=dict)


class _FormParser(html.parser.HTMLParser):
    """Every <form> of a page with the values a browser would send (checked boxes, selected or first options)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._selected = False
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = Form(action=a.get("action", ""), method=a.get("method", "get").lower())
            self.forms.append(self._form)
            return
        form, name = self._form, a.get("name")
        if form is None or not name:
            if tag == "option" and form is not None and self._select:
                self._option(a)
            return
        if "required" in a:
            form.required.add(name)
        if tag == "input":
            kind = a.get("type", "text").lower()
            form.types[name] = kind
            if kind in ("submit", "button", "file", "reset", "image"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                form.fields.setdefault(name, [])
                return
            form.fields.setdefault(name, []).append(a.get("value", "on" if kind in ("checkbox", "radio") else ""))
        elif tag == "select":
            self._select, self._selected = name, False
            form.types[name] = "select"
            form.fields.setdefault(name, [])
            form.options[name] = []
        elif tag == "textarea":
            self._textarea = name
            form.types[name] = "textarea"
            form.fields[name] = [""]

    def _option(self, a: dict[str, str]) -> None:
        assert self._form is not None and self._select is not None
        value = a.get("value", "")
        self._form.options[self._select].append(value)
        if "selected" in a:
            self._form.fields[self._select] = [value]
            self._selected = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea:
            self._form.fields[self._textarea][0] += data


def forms_of(page: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(page)
    return parser.forms


def form_with(page: str, name: str) -> Form | None:
    """The page's form that has a field `name`."""
    return next((f for f in forms_of(page) if name in f.fields or name in f.types), None)


def filled(form: Form) -> dict[str, list[str]]:
    """The form's values, with what a careful user enters in a required field left empty."""
    data = {k: list(v) for k, v in form.fields.items()}
    for name in form.required:
        if any(v for v in data.get(name, [])):
            continue
        kind = form.types.get(name, "text")
        if kind == "select":
            options = [o for o in form.options.get(name, []) if o]
            data[name] = options[:1]
        elif kind == "number":
            data[name] = ["1"]
        elif kind == "date":
            data[name] = ["2027-12-31"]
        elif kind == "email":
            data[name] = ["soak@example.com"]
        elif "phone" in name:
            data[name] = ["13800000000"]
        else:
            data[name] = ["压力测试"]
    return data


# ----------------------------------------------------------------------------------------------------- recording


class Recorder:
    """Latencies and errors per endpoint, shared by the client threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.samples: list[str] = []
        self.active = False

    def add(self, endpoint: str, seconds: float, error: str | None = None) -> None:
        if not self.active:
            return
        with self.lock:
            self.latencies[endpoint].append(seconds)
            if error:
                self.errors[endpoint] += 1
                if len(self.samples) < 30:
                    self.samples.append(f"{endpoint}: {error}")


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    if not ordered:
        return {"p50_ms": 0.0, "p95_ms": 0.0, "p99_ms": 0.0, "max_ms": 0.0}

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)

    return {"p50_ms": at(0.50), "p95_ms": at(0.95), "p99_ms": at(0.99), "max_ms": round(ordered[-1] * 1000, 1)}


# ----------------------------------------------------------------------------------------------------- a client


class Client:
    """One simulated user: a browser session (cookies, CSRF) and, apart, an API client with a bearer token."""

    def __init__(
        self, base: str, persona: str, password: str, token: str, recorder: Recorder, seed: int, codes: list[str]
    ) -> None:
        self.base, self.persona, self.password, self.recorder = base, persona, password, recorder
        self.codes = codes  # the persona's recovery codes, shared with its other clients (list.pop is atomic)
        self.web = requests.Session()
        self.api = requests.Session()
        self.api.headers["Authorization"] = f"Bearer {token}"
        self.rng = random.Random(seed)
        self.enterprises: list[str] = []
        self.demands: list[str] = []
        self.reports: list[str] = []
        self.indicators: list[str] = []
        self.excluded: set[str] = set()

    # -- one request, timed and judged
    def call(
        self,
        endpoint: str,
        method: str,
        path: str,
        *,
        expect: tuple[int, ...] = (200,),
        api: bool = False,
        **kw: Any,
    ) -> requests.Response | None:
        session = self.api if api else self.web
        start = time.perf_counter()
        try:
            response = session.request(method, self.base + path, timeout=TIMEOUT, allow_redirects=False, **kw)
            response.content  # noqa: B018  the body is part of the time
        except requests.RequestException as exc:
            self.recorder.add(endpoint, time.perf_counter() - start, f"{type(exc).__name__}: {exc}"[:200])
            return None
        seconds = time.perf_counter() - start
        error = None
        if response.status_code not in expect:
            error = f"{method} {path} → {response.status_code} (expected {expect})"
        self.recorder.add(endpoint, seconds, error)
        return None if error else response

    def login(self) -> None:
        page = self.call("GET /accounts/login/", "GET", "/accounts/login/")
        if page is None:
            raise SoakError("the log-in page did not answer 200")
        form = form_with(page.text, "username")
        if form is None:
            raise SoakError("the log-in page has no form with a user name field")
        data = form.fields | {"username": [self.persona], "password": [self.password]}
        response = self.call("POST /accounts/login/", "POST", "/accounts/login/", data=data, expect=(302,))
        location = response.headers.get("Location", "") if response is not None else ""
        if response is None or "login" in location:
            raise SoakError(
                f"log-in as {self.persona} failed (expected a redirect to the home page, got "
                f"{'no redirect' if response is None else location!r}); a forced password change on this "
                "account would do that: choose other personas"
            )
        if location.rstrip("/") not in ("", self.base, self.base + "/") and location not in ("/",):
            raise SoakError(f"log-in as {self.persona} was sent to {location!r}, not the home page")
        # The home page, as a browser follows the redirect: a persona who needs the second factor is sent on.
        home = self.call("GET / (after log-in)", "GET", "/", expect=(200, 302))
        location = home.headers.get("Location", "") if home is not None else ""
        if "/second-factor/verify/" in location:
            self.second_factor(location)
        elif home is None or home.status_code != 200:
            raise SoakError(f"after log-in as {self.persona} the home page answered {location or 'nothing'!r}")

    def second_factor(self, location: str) -> str:
        """Pass the verification page with one of the persona's recovery codes; returns where it sends us."""
        path = location.removeprefix(self.base)
        page = self.call("GET /accounts/second-factor/verify/", "GET", path)
        form = form_with(page.text, "token") if page is not None else None
        if form is None or not self.codes:
            raise SoakError(f"the second-factor page for {self.persona} has no code form, or the codes ran out")
        data = form.fields | {"token": [self.codes.pop()]}
        response = self.call(
            "POST /accounts/second-factor/verify/",
            "POST",
            path,
            data=data,
            headers={"Referer": self.base + path},
            expect=(302,),
        )
        if response is None:
            raise SoakError(f"the second factor of {self.persona} was refused")
        return response.headers.get("Location", "")

    def logout(self) -> None:
        token = self.web.cookies.get("csrftoken", "")
        self.call(
            "POST /accounts/logout/",
            "POST",
            "/accounts/logout/",
            data={"csrfmiddlewaretoken": token},
            expect=(200, 302),
        )
        self.web.cookies.clear()

    def csrf(self) -> dict[str, str]:
        return {"X-CSRFToken": self.web.cookies.get("csrftoken", "")}

    # -- what this persona works on (read from its own pages: data scope decides)
    def discover(self) -> None:
        page = self.web.get(self.base + "/enterprises/", timeout=TIMEOUT)
        self.enterprises = sorted(set(re.findall(r'href="/enterprises/([0-9A-Z]{18})/"', page.text)))
        page = self.web.get(self.base + "/techmarket/demands/", timeout=TIMEOUT)
        self.demands = sorted(set(re.findall(r'href="/techmarket/demands/(\d+)/"', page.text)))
        page = self.web.get(self.base + "/indicators/", timeout=TIMEOUT)
        self.indicators = sorted(set(re.findall(r'href="/indicators/([a-z][a-z0-9_]+)/"', page.text)))
        self.indicators = [c for c in self.indicators if c not in ("districts", "targets", "observations", "import")]
        self.indicators = [c for c in self.indicators if c not in ("catalogue", "briefing")]
        if self.persona in DEPARTMENT:
            page = self.web.get(self.base + "/supervision/mine/", timeout=TIMEOUT)
            for pk in sorted(set(re.findall(r'href="/supervision/reports/(\d+)/"', page.text)))[:12]:
                report_page = self.web.get(f"{self.base}/supervision/reports/{pk}/", timeout=TIMEOUT)
                if form_with(report_page.text, "work_done") is not None:
                    self.reports.append(pk)

    # -- the steps
    def pick(self, items: list[str]) -> str:
        return self.rng.choice(items)

    def read_steps(self) -> list[tuple[str, str, int]]:
        """(endpoint, path, weight) of the pages and exports this persona reads."""
        steps = [
            ("GET /", "/", 3),
            ("GET /policy/", "/policy/", 2),
            ("GET /policy/tasks/N/", f"/policy/tasks/{self.rng.randint(1, 25)}/", 2),
            ("GET /org-units/", "/org-units/", 1),
            ("GET /liaisons/", "/liaisons/", 2),
            ("GET /enterprises/", f"/enterprises/?page={self.rng.randint(1, 5)}", 4),
            ("GET /enterprises/funnel/", "/enterprises/funnel/", 1),
            ("GET /enterprises/reserve/", "/enterprises/reserve/", 1),
            ("GET /enterprises/expiring/", "/enterprises/expiring/", 1),
            ("GET /indicators/", "/indicators/", 3),
            ("GET /indicators/observations/", "/indicators/observations/", 1),
            ("GET /indicators/districts/", "/indicators/districts/", 1),
            ("GET /techmarket/", "/techmarket/", 2),
            ("GET /techmarket/demands/", "/techmarket/demands/", 3),
            ("GET /techmarket/experts/", "/techmarket/experts/", 1),
            ("GET /techmarket/search/", f"/techmarket/search/?q={self.pick(SEARCH_WORDS)}", 3),
            ("GET /techmarket/dashboard/", "/techmarket/dashboard/", 1),
            ("GET /techmarket/contracts/", "/techmarket/contracts/", 1),
            ("GET /techmarket/contracts/statistics/", "/techmarket/contracts/statistics/", 1),
            ("GET /techmarket/matches/", "/techmarket/matches/", 1),
            ("GET /supervision/", "/supervision/", 2),
            ("GET /supervision/ranking/", "/supervision/ranking/", 1),
            ("GET /supervision/tasks/N/", f"/supervision/tasks/{self.rng.randint(1, 25)}/", 1),
            ("GET /liaisons/export.xlsx", "/liaisons/export.xlsx", 1),
            ("GET /techmarket/demands/export.xlsx", "/techmarket/demands/export.xlsx", 1),
            ("GET /indicators/observations/export.csv", "/indicators/observations/export.csv", 1),
            ("GET /enterprises/export.xlsx", "/enterprises/export.xlsx?status=active&region=", 1),
        ]
        if self.enterprises:
            steps.append(("GET /enterprises/<code>/", f"/enterprises/{self.pick(self.enterprises)}/", 4))
        if self.demands:
            steps.append(("GET /techmarket/demands/<pk>/", f"/techmarket/demands/{self.pick(self.demands)}/", 2))
        if self.indicators:
            steps.append(("GET /indicators/<code>/", f"/indicators/{self.pick(self.indicators)}/", 2))
        return [s for s in steps if s[0] not in self.excluded]

    def api_steps(self) -> list[tuple[str, str, int]]:
        steps = [
            ("API /api/me", "/api/me", 1),
            ("API /api/enterprises", f"/api/enterprises?limit=50&offset={self.rng.randint(0, 200)}", 2),
            ("API /api/indicators", "/api/indicators", 1),
            ("API /api/techmarket/demands", "/api/techmarket/demands?limit=50", 1),
            ("API /api/techmarket/search", f"/api/techmarket/search?q={self.pick(SEARCH_WORDS)}", 1),
            ("API /api/supervision/periods", "/api/supervision/periods", 1),
            ("API /api/policies", "/api/policies", 1),
        ]
        if self.enterprises:
            steps.append(("API /api/enterprises/<code>", f"/api/enterprises/{self.pick(self.enterprises)}", 2))
        return [s for s in steps if s[0] not in self.excluded]

    def write_steps(self) -> list[tuple[str, Callable[[], None], int]]:
        steps: list[tuple[str, Callable[[], None], int]] = []
        if self.persona == "bureau_staff" or self.persona in DISTRICT:
            steps.append(("POST /techmarket/demands/new/", self.create_demand, 2))
            if self.enterprises:
                steps.append(("POST /enterprises/<code>/edit/", self.edit_enterprise, 2))
        if self.reports:
            steps.append(("POST /supervision/reports/<pk>/", self.save_report, 3))
        return steps

    def submit(self, endpoint: str, path: str, field_name: str, changes: dict[str, str]) -> None:
        """GET the form page, change some fields, POST it back: the write must redirect (saved)."""
        page = self.call(f"GET {endpoint.split(' ', 1)[1]}", "GET", path)
        if page is None:
            return
        form = form_with(page.text, field_name)
        if form is None:
            self.recorder.add(endpoint, 0.0, f"{path}: no form with {field_name}")
            return
        data = filled(form) | {k: [v] for k, v in changes.items()}
        headers = {"Referer": self.base + path}
        self.call(endpoint, "POST", form.action or path, data=data, expect=(302,), headers=headers)

    def create_demand(self) -> None:
        mark = secrets.token_hex(4)
        self.submit(
            "POST /techmarket/demands/new/",
            "/techmarket/demands/new/",
            "title",
            {
                "title": f"耐高温陶瓷材料配方改进需求 {mark}",
                "description": f"需要提高陶瓷在高温下的强度与寿命，寻求高校院所合作研发（压力测试 {mark}）。",
                "enterprise_name": "压力测试陶瓷有限公司",
                "contact_name": "张三",
                "contact_phone": "13800000000",
            },
        )

    def edit_enterprise(self) -> None:
        code = self.pick(self.enterprises)
        self.submit(
            "POST /enterprises/<code>/edit/",
            f"/enterprises/{code}/edit/",
            "name",
            {"tech_field_note": f"压力测试备注 {secrets.token_hex(3)}"},
        )

    def save_report(self) -> None:
        pk = self.pick(self.reports)
        self.submit(
            "POST /supervision/reports/<pk>/",
            f"/supervision/reports/{pk}/",
            "work_done",
            {"work_done": f"本期组织召开推进会，完成年度任务分解（压力测试 {secrets.token_hex(3)}）。"},
        )

    def probe(self) -> list[str]:
        """Each page and API route once: 403 (refused by design) leaves the mix; anything else than 200 is an error."""
        problems = []
        for endpoint, path, _weight in self.read_steps() + self.api_steps():
            session = self.api if endpoint.startswith("API") else self.web
            response = session.get(self.base + path, timeout=TIMEOUT, allow_redirects=False)
            if response.status_code == 403:
                self.excluded.add(endpoint)
            elif response.status_code != 200:
                problems.append(f"{self.persona} {path} → {response.status_code}")
        return problems

    def run(self, deadline: float) -> None:
        steps = 0
        while time.monotonic() < deadline:
            steps += 1
            if steps % RELOGIN_EVERY == 0:
                self.logout()
                self.login()
                continue
            roll = self.rng.random()
            writes = self.write_steps()
            if roll < 0.15 and writes:
                _name, action, _w = self.rng.choices(writes, weights=[w for *_x, w in writes])[0]
                action()
            elif roll < 0.35:
                steps_ = self.api_steps()
                endpoint, path, _w = self.rng.choices(steps_, weights=[w for *_x, w in steps_])[0]
                self.call(endpoint, "GET", path, api=True)
            else:
                steps_ = self.read_steps()
                endpoint, path, _w = self.rng.choices(steps_, weights=[w for *_x, w in steps_])[0]
                self.call(endpoint, "GET", path)


# ----------------------------------------------------------------------------------------------------- the server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _manage(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800
    )
    if check and result.returncode != 0:
        raise SoakError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-2000:]}")
    return result


SET_PASSWORDS = """
from kechuang.core.models import User
names, password = {names!r}, {password!r}
for user in User.objects.filter(username__in=names):
    user.set_password(password)
    user.save()
print(User.objects.filter(username__in=names, is_active=True).count())
"""

# Each persona who must pass the second factor gets an authenticator and a stock of recovery codes; prints
# {name: [codes]} as JSON.
ENROL = """
import json
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from kechuang.core.models import User
from kechuang.core.second_factor import requires_second_factor
codes = {{}}
for user in User.objects.filter(username__in={names!r}):
    if not requires_second_factor(user):
        continue
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    TOTPDevice.objects.create(user=user, name="soak", confirmed=True)
    device = StaticDevice.objects.create(user=user, name="soak", confirmed=True)
    tokens = [StaticToken.random_token() for _ in range({count})]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=t) for t in tokens])
    codes[user.username] = tokens
print(json.dumps(codes))
"""

VERIFY_CHAIN = """
import json
from kechuang.core import audit
from kechuang.core.models import AuditEntry
result = audit.verify_chain()
broken = list(result) if isinstance(result, (list, tuple, set)) else result
print(json.dumps({"entries": AuditEntry.objects.count(), "broken": broken}, default=str))
"""


def verify_chain(env: dict[str, str]) -> dict[str, Any]:
    output = _manage(env, "shell", "-c", VERIFY_CHAIN).stdout.strip().splitlines()[-1]
    data = json.loads(output)
    broken = data["broken"]
    data["intact"] = broken == [] or broken is True or broken == {}
    data["broken"] = len(broken) if isinstance(broken, list) else broken
    return data


def wait_for(url: str, seconds: float, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SoakError(f"gunicorn stopped ({server.returncode}):\n{log.read_text()[-3000:]}")
        try:
            if requests.get(url, timeout=5, allow_redirects=False).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise SoakError(f"gunicorn did not answer on {url} within {seconds:.0f} s:\n{log.read_text()[-3000:]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--duration", type=float, default=600.0, help="seconds of load (default 600)")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients (default 20)")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1, help="gunicorn workers")
    parser.add_argument("--database", default="kechuang_soak", help="scratch PostgreSQL database (dropped first)")
    parser.add_argument("--keep-db", action="store_true", help="leave the scratch database afterwards")
    parser.add_argument("--reuse-db", action="store_true", help="use the database a --keep-db run left (no bootstrap)")
    args = parser.parse_args(argv)
    if not shutil.which("createdb"):
        print("soak: skipped, createdb is missing (postgresql-client)")
        return 0

    var = Path(tempfile.mkdtemp(prefix="kechuang-soak-"))
    password = f"Soak-{secrets.token_urlsafe(12)}"
    env = os.environ | {
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{args.database}",
        "KECHUANG_VAR_DIR": str(var),
        "KECHUANG_ADMIN_PASSWORD": password,
        # Fixed keys for the scratch database, so that a --reuse-db run verifies the chain a --keep-db run wrote.
        "KECHUANG_SECRET_KEY": f"kechuang-soak-{args.database}-scratch-key-not-for-production",
        "KECHUANG_AUDIT_KEY": f"kechuang-soak-{args.database}-scratch-audit-key",
        # and fixed field keys, so that its encrypted personal data still decrypt (32 bytes, base64)
        "KECHUANG_FIELD_KEYS": "soak1:"
        + base64.b64encode(hashlib.sha256(f"{args.database}-field".encode()).digest()).decode(),
        "KECHUANG_BLIND_INDEX_KEY": base64.b64encode(
            hashlib.sha256(f"{args.database}-index".encode()).digest()
        ).decode(),
        "KECHUANG_ENV": "development",
        "KECHUANG_DEBUG": "0",
        "KECHUANG_TASKS": "database",
        "KECHUANG_LOG_LEVEL": "ERROR",
        "KECHUANG_ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    processes: list[subprocess.Popen] = []
    try:
        started = time.monotonic()
        if not args.reuse_db:
            subprocess.run(["dropdb", "--if-exists", *PG_ARGS, args.database], capture_output=True)
            made = subprocess.run(["createdb", *PG_ARGS, args.database], capture_output=True, text=True)
            if made.returncode != 0:
                raise SoakError(f"createdb {args.database} failed: {made.stderr.strip()}")
            _manage(env, "bootstrap")
        names = sorted(set(PERSONAS))
        count = _manage(env, "shell", "-c", SET_PASSWORDS.format(names=names, password=password)).stdout.split()
        if not count or int(count[-1]) != len(names):
            raise SoakError(f"the demo data lack active accounts for {names}")
        enrolled = _manage(env, "shell", "-c", ENROL.format(names=names, count=CODES_PER_PERSONA)).stdout
        codes: dict[str, list[str]] = json.loads(enrolled.strip().splitlines()[-1])
        tokens = {}
        for name in names:
            out = _manage(env, "create_api_token", name, "--name", "soak", "--days", "1").stdout.strip().splitlines()
            tokens[name] = out[-1].strip()
        setup_seconds = time.monotonic() - started

        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        log = open(var / "gunicorn.log", "w")  # noqa: SIM115  closed with the process
        gunicorn = [sys.executable, "-m", "gunicorn", "kechuang.wsgi", "--bind", f"127.0.0.1:{port}"]
        gunicorn += ["--workers", str(args.workers), "--timeout", "120", "--log-level", "warning"]
        processes.append(subprocess.Popen(gunicorn, cwd=ROOT, env=env, stdout=log, stderr=log))
        processes.append(
            subprocess.Popen([sys.executable, "manage.py", "db_worker"], cwd=ROOT, env=env, stdout=log, stderr=log)
        )
        wait_for(base + "/accounts/login/", 300, processes[0], var / "gunicorn.log")

        recorder = Recorder()
        clients = [
            Client(base, name, password, tokens[name], recorder, i, codes.setdefault(name, []))
            for i, name in ((i, PERSONAS[i % len(PERSONAS)]) for i in range(args.clients))
        ]
        problems: list[str] = []
        probed: dict[str, set[str]] = {}  # one probe per persona: the clients of a persona share its refusals
        for client in clients:
            client.login()
            client.discover()
            if client.persona not in probed:
                problems += client.probe()
                probed[client.persona] = client.excluded
            client.excluded = set(probed[client.persona])
        if problems:
            raise SoakError("pages failed before the soak:\n  " + "\n  ".join(problems[:20]))

        load_before = os.getloadavg()
        recorder.active = True
        deadline = time.monotonic() + args.duration
        crashed: list[str] = []

        def drive(client: Client) -> None:
            try:
                client.run(deadline)
            except Exception as exc:  # a client that stops is an error, not a silent hole in the load
                crashed.append(f"{client.persona}: {type(exc).__name__}: {exc}")

        threads = [threading.Thread(target=drive, args=(c,), daemon=True) for c in clients]
        t0 = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - t0
        recorder.active = False
        load_after = os.getloadavg()

        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=60)
        chain = verify_chain(env)

        every = [s for values in recorder.latencies.values() for s in values]
        errors = sum(recorder.errors.values()) + len(crashed)
        endpoints = {
            name: {"requests": len(values), "errors": recorder.errors.get(name, 0), **percentiles(values)}
            for name, values in sorted(recorder.latencies.items())
        }
        excluded = sorted({f"{c.persona}: {e}" for c in clients for e in c.excluded})
        overall = percentiles(every)
        report(
            "soak",
            size=f"{args.clients} clients × {args.duration:.0f} s, gunicorn {args.workers} workers + PostgreSQL",
            seconds=elapsed,
            requests=len(every),
            rps=round(len(every) / elapsed, 1),
            p50_ms=overall["p50_ms"],
            p95_ms=overall["p95_ms"],
            p99_ms=overall["p99_ms"],
            errors=errors,
            audit_entries=chain["entries"],
            audit_chain="intact" if chain["intact"] else f"BROKEN ({chain['broken']})",
            max_ms=overall["max_ms"],
            load_avg_before=[round(x, 2) for x in load_before],
            load_avg_after=[round(x, 2) for x in load_after],
            cores=os.cpu_count(),
            setup_seconds=round(setup_seconds, 1),
            personas=sorted({c.persona for c in clients}),
            writes={k: v["requests"] for k, v in endpoints.items() if k.startswith("POST")},
            error_samples=recorder.samples + crashed,
            excluded=excluded,
            endpoints=endpoints,
        )
        return 0 if errors == 0 and chain["intact"] else 1
    except SoakError as exc:
        print(f"soak: FAILED: {exc}", file=sys.stderr)
        return 2
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
        if not args.keep_db:
            subprocess.run(["dropdb", "--if-exists", *PG_ARGS, args.database], capture_output=True)
        shutil.rmtree(var, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
