"""The talent register at scale: blind-index lookup by ID number (the issue's bound: p95 < 5 ms at 100,000
talents) and the registry list page's query, on a scratch SQLite database (temp folder).

    python bench/talent.py [--size 100000] [--lookups 2000]

Talents are written with the real field encryption (SM4-GCM) and blind index; the lookup is the service the list
page's "find by ID number" and the API call (`services.talent_by_id_number`, scoped for a bureau user), timed per
call. Then the service desk and the board at `--requests` service requests (default 1,000,000) over the same
talents: what each page reads (the desk's per-provider aggregate, the first page of the queue and its count, the
late-only filter; the board's quotas and tier × region grid), for bureau staff and for a provider department,
timed per call with its query count."""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args(argv)
    var = tempfile.mkdtemp(prefix="kc-bench-talent-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kechuang.settings")
    os.environ["KECHUANG_VAR_DIR"] = var
    os.environ["DATABASE_URL"] = f"sqlite:///{var}/bench.sqlite3"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, reset_queries

    from kechuang.core.models import OrgUnit, User
    from kechuang.core.roles import Role
    from kechuang.core.validators import credit_code_check_char
    from kechuang.talent import selectors, services
    from kechuang.talent.engines import idcard
    from kechuang.talent.filters import TalentFilter
    from kechuang.talent.models import Talent

    call_command("migrate", verbosity=0)
    with open(os.devnull, "w") as quiet:
        call_command("load_policy", "policies/zibo-kefa-2023-22.yaml", verbosity=0, stdout=quiet)
    regions = list(OrgUnit.objects.regions())
    rng = random.Random(15)
    numbers = []
    start = time.perf_counter()
    batch = []
    for i in range(args.size):
        admin = regions[i % len(regions)].admin_code or "370300"
        birth = f"19{rng.randint(50, 99)}0{rng.randint(1, 9)}1{rng.randint(0, 9)}"
        first = f"{admin}{birth}{i % 1000:03d}"
        number = first + idcard.check_char(first)
        numbers.append(number)
        code = f"91370300MA{i % 5000:07d}"
        batch.append(
            Talent(
                name=f"人才{i}",
                id_number=number,
                phone=f"138{i:08d}",
                region=regions[i % len(regions)],
                employer_credit_code=code + credit_code_check_char(code),
            )
        )
        if len(batch) == 5000:
            Talent.objects.bulk_create(batch)
            batch = []
    Talent.objects.bulk_create(batch)
    load_seconds = time.perf_counter() - start
    staff = User.objects.create(username="bench_staff", role=Role.BUREAU_STAFF)
    sample = rng.sample(numbers, min(args.lookups, len(numbers)))
    times, found = [], 0
    for number in sample:
        t0 = time.perf_counter()
        hit = services.talent_by_id_number(staff, number)
        times.append(time.perf_counter() - t0)
        found += hit is not None
    times.sort()
    p50, p95 = statistics.median(times), times[int(0.95 * len(times)) - 1]
    report(
        "talent_blind_index_lookup",
        size=f"{args.lookups:,} lookups among {args.size:,} talents (SQLite)",
        seconds=sum(times),
        p50_ms=round(p50 * 1000, 3),
        p95_ms=round(p95 * 1000, 3),
        found=found,
        bound_ms=5,
        met=p95 * 1000 < 5,
        load_seconds=round(load_seconds, 1),
    )
    from django.conf import settings

    settings.DEBUG = True
    page_times = []
    for _ in range(20):
        reset_queries()
        t0 = time.perf_counter()
        qs = TalentFilter({"region": regions[rng.randrange(len(regions))].code}, selectors.talents(staff)).qs
        rows = list(qs[:25])
        count = qs.count()
        page_times.append(time.perf_counter() - t0)
    page_times.sort()
    report(
        "talent_register_page_query",
        size=f"first page (25 rows) + count of one region among {args.size:,} talents (SQLite)",
        seconds=sum(page_times),
        p95_ms=round(page_times[int(0.95 * len(page_times)) - 1] * 1000, 2),
        queries=len(connection.queries),
        rows=len(rows),
        count=count,
    )
    if args.requests:
        desk_and_board(args, rng, regions, staff)
    return 0


def desk_and_board(args, rng, regions, staff) -> None:
    import datetime as dt

    from django.conf import settings
    from django.db import connection, reset_queries

    from kechuang.core.models import OrgUnit, User
    from kechuang.core.roles import Role
    from kechuang.talent import selectors
    from kechuang.talent.filters import RequestFilter
    from kechuang.talent.models import ServiceItem, ServiceRequest, Talent

    departments = list(OrgUnit.objects.filter(kind=OrgUnit.Kind.DEPARTMENT).order_by("code")[:6])
    items = [
        ServiceItem.objects.create(
            code=f"bench{k}",
            name=f"服务{k}",
            category="housing",
            provider=departments[k % len(departments)],
            sla_days=5,
        )
        for k in range(12)
    ]
    talent_ids = list(Talent.objects.values_list("id", flat=True))
    states = [
        "submitted",
        "accepted",
        "in_progress",
        "returned_for_info",
        "completed",
        "rated",
        "rejected",
        "cancelled",
    ]
    weights = [3, 4, 6, 2, 40, 35, 5, 5]
    today = dt.date.today()
    start = time.perf_counter()
    batch = []
    for i in range(args.requests):
        state = rng.choices(states, weights)[0]
        submitted = today - dt.timedelta(days=rng.randint(0, 3 * 365))
        accepted = submitted + dt.timedelta(days=1) if state not in ("submitted", "cancelled") else None
        due = accepted + dt.timedelta(days=7) if accepted else None
        batch.append(
            ServiceRequest(
                talent_id=talent_ids[i % len(talent_ids)],
                item=items[i % len(items)],
                state=state,
                submitted_on=submitted,
                accepted_on=accepted,
                due_on=due,
                completed_on=due if state in ("completed", "rated") else None,
                breached=bool(due) and rng.random() < 0.06,
                rating=rng.randint(3, 5) if state == "rated" else None,
            )
        )
        if len(batch) == 20_000:
            ServiceRequest.objects.bulk_create(batch)
            batch = []
    ServiceRequest.objects.bulk_create(batch)
    load = time.perf_counter() - start
    officer = User.objects.create(username="bench_dept", role=Role.DEPARTMENT_OFFICER, org_unit=departments[0])
    settings.DEBUG = True

    def measure(label: str, user, fn) -> None:
        times, queries = [], 0
        for _ in range(args.repeat):
            reset_queries()
            t0 = time.perf_counter()
            fn(user)
            times.append(time.perf_counter() - t0)
            queries = len(connection.queries)
        times.sort()
        report(
            f"talent_{label}",
            size=f"{args.requests:,} service requests, {len(talent_ids):,} talents (SQLite), as {user.role}",
            seconds=sum(times),
            p50_ms=round(statistics.median(times) * 1000, 1),
            p95_ms=round(times[max(0, int(0.95 * len(times)) - 1)] * 1000, 1),
            queries=queries,
            load_seconds=round(load, 1),
            load_average=os.getloadavg()[0],
        )

    def desk(user, late: bool = False) -> None:
        selectors.service_desk(user)
        qs = RequestFilter({"late": "1"} if late else {}, selectors.service_requests(user)).qs
        list(qs[:25])
        qs.count()

    def board(user) -> None:
        selectors.quota_progress(user)
        selectors.tier_by_region(user)

    for who, user in (("bureau", staff), ("department", officer)):
        measure(f"service_desk_{who}", user, desk)
        measure(f"service_desk_late_{who}", user, lambda u: desk(u, late=True))
    measure("board_bureau", staff, board)


if __name__ == "__main__":
    raise SystemExit(main())
