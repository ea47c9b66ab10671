"""Bench: the enterprise portal's home page on a register of 100,000 enterprises.

A scratch SQLite database (temporary directory, removed at the end): the policy, `--size` generated enterprises
(`enterprises.demo.load_population`, not timed), the ladder evaluated for the whole register, a capability score for
every firm, a loan, a demand, open project calls. Then an enterprise account of a firm one criterion from a title
asks for `/portal/` `--requests` times: p50 and p95 wall time, and the SQL queries per request, beside the same page
on a register of `--small` enterprises (the query count must not grow with the register).

    nice .venv/bin/python bench/portal.py [--size 100000] [--small 1000] [--requests 200]

Target (issue 18): p95 < 150 ms with bounded queries.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import report  # noqa: E402


def _django(var_dir: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kechuang.settings")
    os.environ["KECHUANG_VAR_DIR"] = var_dir
    os.environ["DATABASE_URL"] = f"sqlite:///{var_dir}/bench.sqlite3"
    import django

    django.setup()


def build(size: int) -> dict:
    """The register and the records the portal reads; returns what was loaded and how long it took."""
    from django.core.management import call_command

    from kechuang.core.models import OrgUnit
    from kechuang.enterprises import services as ladder_services
    from kechuang.enterprises.demo import load_population
    from kechuang.enterprises.models import Enterprise
    from kechuang.finance.models import CapabilityScore
    from kechuang.finance.services import current_scheme

    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    with open(os.devnull, "w") as quiet:
        call_command("load_policy", "policies/zibo-kefa-2023-22.yaml", verbosity=0, stdout=quiet)
    city = OrgUnit.objects.get(code="zibo", parent=None)
    load_population(city, size)
    ladder_services.ladder_evaluate_register()
    scheme = current_scheme()
    today = dt.date.today()
    rows = []
    for i, (code, name, region_id) in enumerate(
        Enterprise.objects.values_list("credit_code", "name", "region_id").iterator(chunk_size=5000)
    ):
        rows.append(
            CapabilityScore(
                credit_code=code,
                enterprise_name=name,
                region_id=region_id,
                scheme=scheme,
                as_of=today,
                total=Decimal(40 + i % 60),
                grade="ABCD"[i % 4],
            )
        )
        if len(rows) == 5000:
            CapabilityScore.objects.bulk_create(rows)
            rows = []
    CapabilityScore.objects.bulk_create(rows)
    return {"load_seconds": round(time.perf_counter() - start, 1)}


def the_firm():
    """A firm one criterion short of a title (the portal's typical user), with a demand, a loan and open calls."""
    from kechuang.core.models import User
    from kechuang.core.roles import Role
    from kechuang.enterprises.models import Enterprise, LadderResult
    from kechuang.finance.models import Loan
    from kechuang.projects.models import Call
    from kechuang.techmarket.models import Demand

    result = LadderResult.objects.filter(failed=1).select_related("enterprise", "enterprise__region").first()
    firm: Enterprise = result.enterprise if result else Enterprise.objects.select_related("region").first()
    today = dt.date.today()
    for i in range(8):
        Call.objects.create(
            code=f"BENCH-{i}",
            kind="challenge" if i % 2 else "guide",
            mode="open_call" if i % 2 else "guide",
            plan="industry",
            year=today.year,
            title=f"基准测试榜单{i}",
            problem="规模化制备工艺",
            eligibility="注册在本市的企业",
            state="open",
            application_deadline=today + dt.timedelta(days=10 + i * 9),
            funding_ceiling_wan=Decimal(300),
        )
    Loan.objects.create(
        product="lukedai",
        bank="基准银行",
        credit_code=firm.credit_code,
        enterprise_name=firm.name,
        region=firm.region,
        amount_wan=Decimal(300),
        rate_pct=Decimal("3.2"),
        term_months=12,
        purpose="rd",
        month=today.replace(day=1),
    )
    Demand.objects.create(
        enterprise_name=firm.name,
        credit_code=firm.credit_code,
        region=firm.region,
        title="陶瓷膜规模化制备工艺需求",
        description="需要耐高温陶瓷膜的规模化制备工艺",
        field="new_materials",
        cooperation_mode="joint_development",
        contact_name="王工",
        contact_phone="13800000000",
        deadline=today + dt.timedelta(days=40),
    )
    user = User.objects.create(
        username=f"bench_firm_{os.getpid()}",
        role=Role.ENTERPRISE,
        credit_code=firm.credit_code,
        organisation=firm.name,
        display_name="基准企业用户",
    )
    return firm, user


def signed_in_client(user):
    """A test client signed in as `user` through the second factor (a TOTP device, django-otp's own login)."""
    from django.test import Client, RequestFactory
    from django_otp import login as otp_login
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client(SERVER_NAME="localhost")
    client.force_login(user)
    device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    request = RequestFactory().get("/")
    request.session = client.session
    request.user = user
    otp_login(request, device)
    request.session.save()
    return client


def measure(client, requests: int) -> tuple[list[float], list[int]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    url = reverse("portal:home")
    response = client.get(url)  # warm-up: templates, translations, the rules file
    assert response.status_code == 200, response.status_code
    times, queries = [], []
    for _ in range(requests):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            status = client.get(url).status_code
            times.append(time.perf_counter() - start)
        assert status == 200, status
        queries.append(len(captured))
    times.sort()
    return times, queries


def p95(times: list[float]) -> float:
    return times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]


def child(size: int, requests: int, var_dir: str) -> None:
    _django(var_dir)
    loaded = build(size)
    from django.db import connection

    from kechuang.enterprises.models import Enterprise

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    _firm, user = the_firm()
    client = signed_in_client(user)
    load_before = os.getloadavg()
    times, queries = measure(client, requests)
    load_after = os.getloadavg()
    total = Enterprise.objects.count()
    report(
        f"portal_home_{size}",
        size=f"/portal/ × {requests} requests, {total:,} enterprises (SQLite)",
        seconds=statistics.median(times),
        p50_ms=round(statistics.median(times) * 1000, 1),
        p95_ms=round(p95(times) * 1000, 1),
        max_ms=round(times[-1] * 1000, 1),
        queries_min=min(queries),
        queries_max=max(queries),
        target_p95_ms=150,
        met=p95(times) * 1000 < 150,
        load_average_before=" / ".join(f"{x:.2f}" for x in load_before),
        load_average_after=" / ".join(f"{x:.2f}" for x in load_after),
        firm_failed_criteria=1,
        **loaded,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=1_000, help="the same page on a small register (0: skip)")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--var", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        child(args.child, args.requests, args.var)
        return 0
    import subprocess

    failures = 0
    for size in [s for s in (args.small, args.size) if s]:
        tmp = tempfile.mkdtemp(prefix="kc-bench-portal-")
        try:
            cmd = [sys.executable, __file__, "--child", str(size), "--requests", str(args.requests), "--var", tmp]
            failures += subprocess.run(cmd, cwd=ROOT).returncode != 0
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
