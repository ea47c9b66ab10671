"""Platform register benchmarks: `python bench/platforms.py` from the repo root (`--scale 1` for a quick run).

A scratch SQLite database (KECHUANG_VAR_DIR a temporary folder): migrate, the Zibo policy, a generated enterprise
register (`--firms`), then the platform demo loader at `--scale` × its size (10 × 800 = 8,000 platforms with their
steps, facts and evaluations, and 10 × 60 carriers with their incubatees). One line each (JSON in bench/results/):

``platforms_counting``
    The task-2 count for every year from the first recognition to this one (the board's trajectory and the
    indicator feed): the platforms' steps read in two queries, then the counting engine. Baseline: the same count
    the naive way, one query per platform for its steps (N + 1), run in the same process; the totals must agree.
``platforms_board``
    /platforms/board/ as bureau staff (Django test client): best of 3, and its SQL queries, at the full size and at
    the demo size (the query count must not grow with the register).
``platforms_registry``
    The registry list page, its `counted=<year>` view (the list behind the board's number), the carriers page, the
    funnel and the API list: time and SQL queries each, bureau staff and a district officer.
``platforms_feed``
    The indicator feed's rows (every year × every region and the city) as `sync_feeds` reads them.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import report, timed  # noqa: E402


def setup_django(var_dir: str) -> None:
    os.environ["KECHUANG_VAR_DIR"] = var_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kechuang.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def build(scale: int, firms: int):
    from kechuang.core.models import OrgUnit, User
    from kechuang.core.roles import Role
    from kechuang.enterprises.demo import load_population
    from kechuang.platforms import demo
    from kechuang.policy.services import policy_load_file

    policy_load_file(path=ROOT / "policies" / "zibo-kefa-2023-22.yaml")
    city = OrgUnit.objects.get(code="zibo", parent=None)
    load_population(city, firms, history=False)
    start = time.perf_counter()
    summary = demo.load_demo(city, demo.DEMO_SIZE * scale)
    loaded = time.perf_counter() - start
    science = OrgUnit.objects.get(parent=city, code="science_tech")
    district = OrgUnit.objects.get(parent=city, code="zhangdian")
    staff = User.objects.create(username="bench_staff", role=Role.BUREAU_STAFF, org_unit=science)
    officer = User.objects.create(username="bench_district", role=Role.DISTRICT_OFFICER, org_unit=district)
    return city, staff, officer, summary, loaded


def client_for(user):
    """A test client signed in as `user`, its second factor passed the way the verification page passes it."""
    from django.test import Client, RequestFactory
    from django_otp import login as otp_login
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(user)
    device = TOTPDevice.objects.create(user=user, name="totp", confirmed=True)
    request = RequestFactory().get("/")
    request.session = client.session
    request.user = user
    otp_login(request, device)
    request.session.save()
    return client


def measure_get(client, url: str) -> tuple[float, int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    best = float("inf")
    for _ in range(3):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get(url)
            best = min(best, time.perf_counter() - start)
    return best, len(ctx.captured_queries), response.status_code


def bench_counting(staff) -> int:
    from django.utils import timezone

    from kechuang.platforms import selectors
    from kechuang.platforms.engine import counting
    from kechuang.platforms.models import Platform, PlatformEvent

    today = timezone.localdate()
    rule = selectors.counting_rule()

    def fast():
        items = selectors.histories(selectors.platforms(staff))
        years = range(selectors.first_year(items, today), today.year + 1)
        return {y: t.total for y, t in counting.trajectory(items, years, rule, today).items()}

    def naive():
        items = []
        rows = Platform.objects.values_list("pk", "lineage", "type__code", "region__code")
        for pk, lineage, type_code, region in rows:
            events = tuple(
                counting.Event(on, state, level)
                for on, state, level in PlatformEvent.objects.filter(platform_id=pk)
                .order_by("on", "id")
                .values_list("on", "state", "level")
            )
            items.append(counting.PlatformHistory(pk, lineage or pk, type_code, region, events))
        years = range(selectors.first_year(items, today), today.year + 1)
        return {y: t.total for y, t in counting.trajectory(items, years, rule, today).items()}

    seconds, totals = timed(fast)
    baseline, naive_totals = timed(naive, repeat=1)
    assert totals == naive_totals, "the two counts differ"
    n = Platform.objects.count()
    report(
        "platforms_counting",
        size=f"{n:,} platforms × {len(totals)} years",
        seconds=seconds,
        baseline_seconds=baseline,
        this_year=totals[today.year],
        queries=2,
    )
    return n


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=10, help="× the demo's 800 platforms and 60 carriers")
    parser.add_argument("--firms", type=int, default=3000, help="enterprises in the generated register")
    args = parser.parse_args(argv)
    var_dir = tempfile.mkdtemp(prefix="kechuang-bench-")
    try:
        setup_django(var_dir)
        from django.urls import reverse
        from django.utils import timezone

        from kechuang.platforms import feed
        from kechuang.platforms.models import Carrier, Incubatee

        _city, staff, officer, summary, loaded = build(args.scale, args.firms)
        print(f"loaded: {summary} in {loaded:.1f}s")
        n = bench_counting(staff)
        staff_client, officer_client = client_for(staff), client_for(officer)
        board_url = reverse("platforms:board")
        seconds, queries, status = measure_get(staff_client, board_url)
        assert status == 200, status
        # the same page at the demo size, in the same process: a second city-sized set is not needed, the district
        # officer's board reads a tenth of the register
        small_seconds, small_queries, _ = measure_get(officer_client, board_url)
        report(
            "platforms_board",
            size=f"{n:,} platforms",
            seconds=seconds,
            queries=queries,
            district_seconds=round(small_seconds, 4),
            district_queries=small_queries,
        )
        year = timezone.localdate().year - 1
        pages = {
            "list": reverse("platforms:list"),
            "counted": f"{reverse('platforms:list')}?counted={year}",
            "carriers": reverse("platforms:carriers"),
            "funnel": reverse("platforms:funnel"),
            "api": reverse("api:platform_list"),
            "reserve": reverse("platforms:reserve"),
            "labs": reverse("platforms:labs"),
        }
        extra = {}
        worst = 0.0
        for name, url in pages.items():
            for who, client in (("staff", staff_client), ("district", officer_client)):
                t, q, status = measure_get(client, url)
                assert status == 200, (name, who, status)
                extra[f"{name}_{who}_ms"] = round(t * 1000, 1)
                extra[f"{name}_{who}_queries"] = q
                worst = max(worst, t)
        report(
            "platforms_registry",
            size=f"{n:,} platforms, {Carrier.objects.count():,} carriers, {Incubatee.objects.count():,} incubatees",
            seconds=worst,
            **extra,
        )
        seconds, rows = timed(lambda: feed._rows(None))
        report("platforms_feed", size=f"{n:,} platforms → {len(rows):,} rows", seconds=seconds)
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
