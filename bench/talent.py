"""The talent register at scale: blind-index lookup by ID number (the issue's bound: p95 < 5 ms at 100,000
talents) and the registry list page's query, on a scratch SQLite database (temp folder).

    python bench/talent.py [--size 100000] [--lookups 2000]

Talents are written with the real field encryption (SM4-GCM) and blind index; the lookup is the service the list
page's "find by ID number" and the API call (`services.talent_by_id_number`, scoped for a bureau user), timed per
call. Scope: the service desk and board pages at 1,000,000 requests are not measured here."""

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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
