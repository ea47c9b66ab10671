"""Enterprise ladder at city scale (issue 3, speed): the columnar engine, the register, the list page.

Run from the repository root: `python bench/ladder.py` (part of `make bench`; about 4–5 minutes on 2 cores).
Options: `-n` enterprises for the engine part (default 333,334 × 3 fiscal years = 1,000,002 enterprise-years),
`--db-size` enterprises in the database (default 100,000), `--skip-db`, `--backends sqlite,postgresql`.

1. `ladder_engine` — `ladder.bulk.evaluate_frame(frame, as_of)` on a columnar input generated with NumPy
   (fixed seed; population.py's distributions; one row per enterprise holding fiscal years L−2..L, 0.1 % of
   rows made invalid). Timed: vectorised validation + defaults + every rule of every tier, best of 3; the
   input frame is built before the clock starts. Baseline: the per-record path (`ladder.evaluate` on a
   JSON-like record: parse_facts + rules + explanations) on a 2,000-row sample of the same frame, scaled to
   the whole frame; `speedup_vs_baseline` is per enterprise. `mismatches` compares the two paths on the sample
   (status, score, failed count of every tier). `ladder_engine_records` is `evaluate_bulk` on the sample's
   records (the dict path, with parse_facts per record).
2. `ladder_register_<backend>` — `services.ladder_evaluate_register` over a register of 100,000 generated
   enterprises (`demo.load_population`, after `migrate` and `load_policy`) from the database to stored
   verdicts, on SQLite (temp file) and PostgreSQL (scratch database `kc_bench_<pid>` on 127.0.0.1, dropped
   afterwards). Each load runs in its own process, both at once (`ladder_load_<backend>`, not part of the
   timing); the evaluation runs afterwards in a fresh process, one backend at a time, so `peak_rss_mb`
   (resource.getrusage) is that step's. Baseline: the record path (facts_records → evaluate_bulk → model
   instances → bulk_create) on 5,000 enterprises, scaled to the register.
3. `ladder_list_page_<backend>_as_loaded` and `ladder_list_page_<backend>` — `/enterprises/` with 100,000
   enterprises, signed in as bureau staff (Django test Client), SQL queries per request counted. First as
   loaded (one request per filter set, every SQL statement capped at QUERY_CAP seconds: without planner
   statistics SQLite runs the held / not-held EXISTS filters through the (tier, expiry_date) index, once per
   enterprise), then after `ANALYZE`: 30 requests over the 10 filter sets, p50/p95.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import report as _report  # noqa: E402
from bench.common import timed  # noqa: E402

AS_OF = dt.date(2026, 6, 30)
PG = {"host": "127.0.0.1", "port": "5432", "user": "postgres"}


def report(name: str, **kw: Any) -> dict:
    """bench.common.report, plus the machine's load average (other jobs share the 2 cores)."""
    return _report(name, **kw, load_avg_1m=round(os.getloadavg()[0], 2))


def peak_rss_mb() -> float:
    """Peak resident set of this process (resource.getrusage; on Linux a child's count starts at its parent's
    RSS when it was forked, so the DB children are started while the parent is small)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


# --- 1. the engine on a columnar input --------------------------------------------------------------------


def synthetic_frame(n: int, *, seed: int = 20261127, as_of: dt.date = AS_OF, invalid_share: float = 0.001):
    """`n` enterprises as the engine's columnar input (row.ROW_SCHEMA), drawn with NumPy like population.py."""
    from kechuang.enterprises.ladder.row import ROW_SCHEMA, year_column

    rng = np.random.default_rng(seed)
    latest = as_of.year - 1

    def wan_to_fen(x: np.ndarray) -> np.ndarray:
        return np.round(np.maximum(x, 0.0) * 100).astype(np.int64) * 10_000  # 2 decimals of 万元

    def p(share: float) -> np.ndarray:
        return rng.random(n) < share

    age = np.floor(rng.exponential(9, n)).astype(np.int64)
    founded_year = np.maximum(latest - 1 - age, 1985)
    founded = (
        pl.DataFrame({"y": founded_year, "m": rng.integers(1, 13, n), "d": rng.integers(1, 29, n)})
        .select(pl.date(pl.col("y"), pl.col("m"), pl.col("d")))
        .to_series()
    )
    revenue = np.exp(rng.normal(np.log(1800), 1.3, n))
    rd_ratio = np.minimum(0.30, np.exp(rng.normal(np.log(0.048), 0.5, n)))
    employees = np.maximum(5, (revenue / 55 * np.exp(rng.normal(0, 0.4, n))).astype(np.int64))
    st_staff = np.maximum(1, (employees * rng.beta(2, 5, n)).astype(np.int64))
    cols: dict[str, Any] = {
        "assessment_date": pl.repeat(as_of, n, eager=True),
        "registration_date": founded,
        "resident_enterprise_mainland": np.ones(n, dtype=bool),
        "is_sme_per_2011_standard": (employees < 1000) & (revenue < 40000),
        "employees_total": employees,
        "st_staff": st_staff,
        "rd_staff": np.maximum(1, (st_staff * 0.6).astype(np.int64)),
        "conversions_3y": (rng.exponential(10, n) + revenue * rd_ratio / 60).astype(np.int64),
        "tech_field_in_catalog": p(0.85),
        "strategic_emerging_industry": p(0.45),
        "market_segment_years": np.round(np.minimum(60.0, (latest - founded_year) * rng.uniform(0.5, 1.0, n)), 1),
        "market_position_leading": p(0.15),
        "specialized_platform_score": np.round(rng.uniform(40, 95, n), 1),
        "digital_level": rng.choice([1, 2, 2, 3, 3, 4], n),
        "quality_items_count": rng.choice([0, 1, 1, 2, 3], n),
        "product_field_category_2022": rng.choice(
            ["other", "other", "six_basics_or_time_honored_or_chain_leader", "key_link_breakthrough"], n
        ),
        "local_characteristic_score": np.round(rng.uniform(0, 15, n), 1),
        "prohibited_or_restricted_product": np.zeros(n, dtype=bool),
        "rd_deduction_negative_list_industry": np.zeros(n, dtype=bool),
        "abnormal_or_serious_dishonesty_list": p(0.01),
        "niche_market_share_pct": np.where(p(0.3), np.round(rng.uniform(0, 30, n), 1), np.nan),
        "niche_market_rank_national": np.where(p(0.2), rng.integers(1, 11, n), -1),
        "has_own_brand": p(0.5),
        "main_product_in_priority_field": p(0.3),
        "rd_institution_level": rng.choice(["none"] * 17 + ["national", "provincial", "municipal"], n),
    }
    blank = p(0.04)  # data gaps: an undeclared compliance status makes some tiers not evaluable
    cols["major_incident_or_violation_recent"] = pl.Series(p(0.01)).set(pl.Series(blank), None)
    cols["major_incident_or_violation_3y"] = pl.Series(p(0.02)).set(pl.Series(blank), None)
    cols["provincial_ministerial_rd_institution"] = np.isin(cols["rd_institution_level"], ["national", "provincial"])
    for name, share in (
        ("holds_valid_tech_sme_registration", 0.45),
        ("holds_valid_innovative_sme_title", 0.12),
        ("holds_valid_specialized_sme_title", 0.04),
        ("national_st_award_top3_within_5y", 0.005),
        ("st_award_national_or_provincial_within_3y", 0.03),
        ("led_standard_within_5y", 0.03),
        ("other_valid_honor_tech_innovation_demo_or_ip_advantage", 0.02),
    ):
        cols[name] = p(share)
    rd_latest = revenue * rd_ratio * rng.uniform(0.85, 1.15, n)
    cols["has_valid_hte_certificate"] = rng.random(n) < np.minimum(0.6, 0.12 + rd_latest / 2000)
    class_i = rng.poisson(np.minimum(60, 0.8 + rd_latest / 80))
    class_ii = rng.poisson(np.minimum(60, 2 + rd_latest / 60))
    cols.update(
        {
            "ip.class_I": class_i,
            "ip.class_I_self_developed": rng.binomial(class_i, 0.8),
            "ip.class_I_high_value": rng.binomial(class_i, 0.3),
            "ip.class_II": class_ii,
            "ip.class_II_miit": class_ii,
            "ip.class_II_used_in_prior_hte": rng.binomial(class_ii, 0.2),
            "hte_expert_points.tech_advancement": rng.integers(4, 9, n),
            "hte_expert_points.core_support": rng.integers(4, 9, n),
            "hte_expert_points.ip_acquisition": rng.integers(3, 7, n),
            "hte_expert_points.standards_bonus": rng.choice([0, 1, 1, 2], n),
            "hte_expert_points.rd_management": rng.integers(12, 21, n),
        }
    )
    total_income = revenue * rng.uniform(1.0, 1.05, n)
    cols["total_income_wan"] = wan_to_fen(total_income)
    cols["high_tech_income_wan"] = wan_to_fen(total_income * rng.beta(6, 3, n))
    cols["equity_financing_qualified_3y_wan"] = np.where(p(0.05), wan_to_fen(rng.uniform(500, 5000, n)), 0)
    cols["equity_financing_qualified_2y_wan"] = np.where(p(0.05), wan_to_fen(rng.uniform(500, 5000, n)), 0)
    rev = revenue
    for k in (0, -1, -2):
        exists = founded_year <= latest + k
        rd = rd_latest if k == 0 else rev * rd_ratio * rng.uniform(0.85, 1.15, n)
        assets = rev * rng.uniform(0.6, 1.6, n)
        figures = {
            "operating_revenue_wan": wan_to_fen(rev),
            "main_business_revenue_wan": wan_to_fen(rev * rng.uniform(0.9, 1.0, n)),
            "rd_expense_wan": wan_to_fen(rd),
            "domestic_rd_expense_wan": wan_to_fen(rd * rng.uniform(0.97, 1.0, n)),
            "cost_expense_total_wan": wan_to_fen(rev * rng.uniform(0.85, 1.0, n)),
            "total_assets_wan": wan_to_fen(assets),
            "total_liabilities_wan": wan_to_fen(assets * rng.beta(3, 4, n)),
            "net_profit_wan": np.round(rev * rng.normal(0.06, 0.08, n) * 100).astype(np.int64) * 10_000,
        }
        for name, values in figures.items():
            cols[year_column(name, k)] = pl.Series(values).set(pl.Series(~exists), None)
        rev = rev / (1 + np.maximum(rng.normal(0.12, 0.15, n), -0.9))
    frame = pl.DataFrame(
        {name: cols.get(name) for name in ROW_SCHEMA if name not in ("latest_year", "registration_year")}
    )
    frame = frame.with_columns(
        pl.col("niche_market_share_pct").fill_nan(None),
        pl.when(pl.col("niche_market_rank_national") > 0).then(pl.col("niche_market_rank_national")),
        pl.format("91370300S{}", pl.int_range(n).cast(pl.String).str.zfill(8)).alias("credit_code"),
    )
    frame = frame.cast({name: dtype for name, dtype in ROW_SCHEMA.items() if name in frame.columns})
    bad = rng.random(n) < invalid_share  # a few rows the validation must reject
    return frame.with_columns(
        pl.when(pl.Series(bad)).then(-pl.col("employees_total")).otherwise(pl.col("employees_total")),
    )


def frame_records(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """Rows of the columnar input as JSON-like facts records (money back in 万元), for the per-record path."""
    from kechuang.enterprises.ladder.row import YEAR_OFFSETS

    records = []
    for row in frame.to_dicts():
        on = row.pop("assessment_date")
        latest = on.year - 1
        rec: dict[str, Any] = {"assessment_date": on.isoformat()}
        ip: dict[str, Any] = {}
        experts: dict[str, Any] = {}
        years: dict[str, dict[str, Any]] = {}
        for key, value in row.items():
            if value is None:
                continue
            if key.startswith("ip."):
                ip[key[3:]] = value
            elif key.startswith("hte_expert_points."):
                experts[key[18:]] = value
            elif "@" in key:
                name, k = key.split("@")
                assert int(k) in YEAR_OFFSETS
                years.setdefault(name, {})[str(latest + int(k))] = Decimal(value).scaleb(-6)
            elif key.endswith("_wan"):
                rec[key] = Decimal(value).scaleb(-6)
            elif isinstance(value, dt.date):
                rec[key] = value.isoformat()
            else:
                rec[key] = value
        rec.update(years, ip=ip, hte_expert_points=experts)
        records.append(rec)
    return records


def bench_engine(n: int, sample: int, seed: int) -> None:
    from kechuang.enterprises.ladder import TIERS, FactsError, evaluate
    from kechuang.enterprises.ladder.bulk import evaluate_bulk, evaluate_frame, prepare_frame

    start = time.perf_counter()
    frame = synthetic_frame(n, seed=seed)
    generate_seconds = time.perf_counter() - start
    evaluate_frame(frame.head(500), AS_OF, skip_invalid=True)  # compile the query plan once
    seconds, result = timed(lambda: evaluate_frame(frame, AS_OF, skip_invalid=True), repeat=3)
    validate_seconds, _ = timed(lambda: prepare_frame(frame, AS_OF), repeat=3)

    rows = np.linspace(0, n - 1, sample).astype(np.int64)
    records = frame_records(frame[rows])
    evaluate(records[0], AS_OF)
    start = time.perf_counter()
    per_record: list[list[tuple[str, str, Any, int]] | None] = []
    for rec in records:
        try:
            per_record.append([(r.tier, r.status, r.score, r.failed) for r in evaluate(rec, AS_OF)])
        except FactsError:
            per_record.append(None)
    per_record_seconds = time.perf_counter() - start

    out = result.frame
    position = {idx: i for i, idx in enumerate(out["record_index"].to_list())}
    columns = {f"{t}.{k}": out[f"{t}.{k}"].to_list() for t in TIERS for k in ("status", "score", "failed")}
    mismatches = 0
    for row, expected in zip(rows.tolist(), per_record, strict=True):
        i = position.get(row)
        if expected is None or i is None:
            mismatches += (expected is None) != (i is None)
            continue
        for tier, status, score, failed in expected:
            got = (columns[f"{tier}.status"][i], columns[f"{tier}.score"][i], columns[f"{tier}.failed"][i])
            mismatches += got != (status, score, failed)
    per_record_each = per_record_seconds / sample
    report(
        "ladder_engine",
        size=f"{n:,} enterprises × 3 fiscal years ({3 * n:,} enterprise-years) × {len(TIERS)} tiers",
        seconds=seconds,
        baseline_seconds=per_record_each * n,
        timed="evaluate_frame(frame, as_of): validation + defaults + all rules, frame prebuilt, best of 3",
        baseline="ladder.evaluate(record) per record on an evenly spaced sample, scaled to n",
        bulk_us_per_enterprise=round(seconds / n * 1e6, 2),
        per_record_us=round(per_record_each * 1e6, 1),
        per_record_sample=sample,
        validate_seconds=round(validate_seconds, 4),
        invalid=len(result.errors),
        mismatches=mismatches,
        eligible={t: int((out[f"{t}.status"] == "eligible").sum()) for t in TIERS},
        generate_seconds=round(generate_seconds, 2),
        peak_rss_mb=peak_rss_mb(),
    )
    record_seconds, _ = timed(lambda: evaluate_bulk(records, AS_OF, skip_invalid=True), repeat=3)
    report(
        "ladder_engine_records",
        size=f"{sample:,} JSON-like records × {len(TIERS)} tiers",
        seconds=record_seconds,
        baseline_seconds=per_record_seconds,
        timed="evaluate_bulk(records): parse_facts + flatten per record, columnar rules; best of 3",
    )


# --- 2 and 3. the database --------------------------------------------------------------------------------


def _django(var_dir: str, url: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kechuang.settings")
    os.environ["KECHUANG_VAR_DIR"] = var_dir
    os.environ["DATABASE_URL"] = url
    import django

    django.setup()


def child_load(backend: str, var_dir: str, url: str, size: int) -> None:
    _django(var_dir, url)
    from django.core.management import call_command

    from kechuang.core.models import OrgUnit
    from kechuang.enterprises.demo import load_population
    from kechuang.enterprises.models import EnterpriseYear, IntellectualProperty, Qualification

    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    with open(os.devnull, "w") as quiet:
        call_command("load_policy", "policies/zibo-kefa-2023-22.yaml", verbosity=0, stdout=quiet)
    migrate_seconds = time.perf_counter() - start
    start = time.perf_counter()
    load_population(OrgUnit.objects.get(code="zibo", parent=None), size)
    report(
        f"ladder_load_{backend}",
        size=f"{size:,} enterprises via demo.load_population (not part of the register timing)",
        seconds=time.perf_counter() - start,
        migrate_seconds=round(migrate_seconds, 2),
        years=EnterpriseYear.objects.count(),
        ip_items=IntellectualProperty.objects.count(),
        qualifications=Qualification.objects.count(),
        note="both backends load at the same time, each in its own process",
    )


FILTERS = [
    {},
    {"region": "zhangdian"},
    {"held": "high_tech"},
    {"not_held": "tech_sme"},
    {"eligible": "tech_sme"},
    {"near": "innovative_sme"},
    {"field": "四、新材料"},
    {"q": "科技"},
    {"sort": "-registered", "page": "50"},
    {"region": "linzi", "eligible": "high_tech", "not_held": "high_tech"},
]


def child_measure(backend: str, var_dir: str, url: str, requests: int) -> None:
    _django(var_dir, url)
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from kechuang.core.models import OrgUnit, User
    from kechuang.core.roles import Role
    from kechuang.enterprises import ladder, services
    from kechuang.enterprises.frame import rows_from_frame
    from kechuang.enterprises.models import Enterprise, LadderResult

    as_of = services.default_as_of()
    total = Enterprise.objects.filter(status="active").count()
    start = time.perf_counter()
    stats = services.ladder_evaluate_register(as_of=as_of)
    seconds = time.perf_counter() - start
    peak = peak_rss_mb()
    stored = LadderResult.objects.count()
    eligible = dict(
        LadderResult.objects.filter(status="eligible")
        .values_list("tier")
        .annotate(n=__import__("django").db.models.Count("id"))
    )

    # baseline: the record path on 5,000 enterprises (stored in a rolled-back transaction)
    from django.db import transaction

    ids = list(Enterprise.objects.filter(status="active").order_by("pk").values_list("pk", flat=True)[:5000])
    start = time.perf_counter()
    with transaction.atomic():
        records = services.facts_records(ids, as_of)
        order = list(records)
        bulk = ladder.evaluate_bulk([records[pk] for pk in order], as_of, skip_invalid=True)
        rows = rows_from_frame(bulk.frame, order, as_of)
        LadderResult.objects.filter(enterprise_id__in=ids).delete()
        LadderResult.objects.bulk_create(rows, batch_size=2000)
        baseline_seconds = (time.perf_counter() - start) * total / len(ids)
        transaction.set_rollback(True)
    report(
        f"ladder_register_{backend}",
        size=f"{total:,} enterprises → {stored:,} stored verdicts",
        seconds=seconds,
        baseline_seconds=baseline_seconds,
        timed="ladder_evaluate_register: SQL read, Polars frame, evaluate_frame, delete + insert",
        baseline="facts_records, evaluate_bulk, bulk_create on 5,000 enterprises, scaled",
        peak_rss_mb=peak,
        ms_per_enterprise=round(seconds / total * 1000, 4),
        invalid=stats["invalid"],
        eligible=eligible,
        as_of=as_of.isoformat(),
    )

    city = OrgUnit.objects.get(code="zibo", parent=None)
    user = User.objects.create(
        username=f"bench_staff_{os.getpid()}",
        role=Role.BUREAU_STAFF,
        org_unit=OrgUnit.objects.get(parent=city, code="science_tech"),
    )
    client = Client(SERVER_NAME="localhost")
    client.force_login(user)
    url = reverse("enterprises:list")
    assert client.get(url).status_code == 200  # warm-up: templates, translations
    # as loaded: no planner statistics yet on SQLite (PostgreSQL's autovacuum may or may not have run);
    # one request per filter set, each SQL statement capped at QUERY_CAP seconds
    list_page(backend, client, url, len(FILTERS), total, "as_loaded")
    with connection.cursor() as cursor:
        start = time.perf_counter()
        cursor.execute("ANALYZE")
        analyze_seconds = time.perf_counter() - start
    list_page(backend, client, url, requests, total, "analyzed", analyze_seconds=round(analyze_seconds, 2))


QUERY_CAP = 5.0


def list_page(backend: str, client, url: str, requests: int, total: int, state: str, **extra) -> None:
    from django.db import DatabaseError, connection
    from django.db.backends.signals import connection_created
    from django.test.utils import CaptureQueriesContext

    deadline = [0.0]

    def cap(sender, connection, **kw) -> None:  # on every (re)connection: Django reconnects after an error
        if connection.vendor == "sqlite":
            connection.connection.set_progress_handler(lambda: int(time.perf_counter() > deadline[0]), 20_000)
        elif connection.vendor == "postgresql":
            with connection.connection.cursor() as cursor:
                cursor.execute(f"SET statement_timeout = {int(QUERY_CAP * 1000)}")

    connection.close()
    connection_created.connect(cap)
    logging.getLogger("django.request").setLevel(logging.CRITICAL)  # capped requests are counted, not logged
    times: list[float] = []
    queries: list[int] = []
    by_filter: dict[str, list[float]] = {}
    capped: list[str] = []
    for i in range(requests):
        params = FILTERS[i % len(FILTERS)]
        key = "&".join(f"{k}={v}" for k, v in params.items()) or "(none)"
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            deadline[0] = start + QUERY_CAP
            try:
                status = client.get(url, params).status_code
            except DatabaseError:  # the statement hit the cap
                status = "capped"
                capped.append(key)
            elapsed = time.perf_counter() - start
        assert status in (200, "capped"), status
        times.append(elapsed)
        queries.append(len(captured))
        by_filter.setdefault(key, []).append(elapsed)
    connection_created.disconnect(cap)
    connection.close()
    times.sort()
    report(
        f"ladder_list_page_{backend}" + ("" if state == "analyzed" else f"_{state}"),
        size=f"/enterprises/ × {requests} requests ({len(FILTERS)} filter sets), {total:,} enterprises, {state}",
        seconds=statistics.median(times),
        p50_ms=round(statistics.median(times) * 1000, 1),
        p95_ms=round(times[min(len(times) - 1, round(0.95 * (len(times) - 1)))] * 1000, 1),
        max_queries=max(queries),
        capped=len(capped),
        capped_filters=sorted(set(capped)),
        query_cap_seconds=QUERY_CAP,
        median_ms_by_filter={k: round(statistics.median(v) * 1000, 1) for k, v in by_filter.items()},
        slowest_filter=max(by_filter, key=lambda k: statistics.median(by_filter[k])),
        **extra,
    )


def _run(args: list[str], **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(Path(__file__).resolve()), *args], cwd=ROOT, **kw)


def bench_db(size: int, backends: list[str], requests: int) -> int:
    tmp = tempfile.mkdtemp(prefix="kc-bench-ladder-")
    targets: dict[str, tuple[str, str]] = {}
    pg_name = f"kc_bench_{os.getpid()}"
    pg_args = ["-h", PG["host"], "-p", PG["port"], "-U", PG["user"]]
    failures = 0
    try:
        if "sqlite" in backends:
            os.makedirs(f"{tmp}/sqlite")
            targets["sqlite"] = (f"{tmp}/sqlite", f"sqlite:///{tmp}/sqlite/bench.sqlite3")
        if "postgresql" in backends:
            made = subprocess.run(["createdb", *pg_args, pg_name], capture_output=True, text=True)
            if made.returncode == 0:
                os.makedirs(f"{tmp}/postgresql")
                url = f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{pg_name}"
                targets["postgresql"] = (f"{tmp}/postgresql", url)
            else:
                print(f"ladder_register_postgresql: skipped, createdb failed: {made.stderr.strip()}")
        loads = {
            b: _run(["--child", "load", "--backend", b, "--var", v, "--url", u, "--db-size", str(size)])
            for b, (v, u) in targets.items()
        }
        for backend, proc in loads.items():
            if proc.wait() != 0:
                failures += 1
                targets.pop(backend)
        for backend, (var, url) in targets.items():
            proc = _run(
                ["--child", "measure", "--backend", backend, "--var", var, "--url", url, "--requests", str(requests)]
            )
            failures += proc.wait() != 0
    finally:
        if "postgresql" in backends:
            subprocess.run(["dropdb", "--if-exists", *pg_args, pg_name], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=333_334, help="enterprises for the engine part")
    parser.add_argument("--sample", type=int, default=2000, help="records through the per-record path")
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--db-size", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--skip-db", action="store_true")
    parser.add_argument("--skip-engine", action="store_true")
    parser.add_argument("--child", choices=["load", "measure"], help=argparse.SUPPRESS)
    parser.add_argument("--backend", help=argparse.SUPPRESS)
    parser.add_argument("--var", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child == "load":
        child_load(args.backend, args.var, args.url, args.db_size)
        return 0
    if args.child == "measure":
        child_measure(args.backend, args.var, args.url, args.requests)
        return 0
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kechuang.settings")  # the engine itself needs no Django
    failures = 0
    if not args.skip_db:  # first, while this process is small: a child's ru_maxrss starts at its parent's RSS
        failures = bench_db(args.db_size, args.backends.split(","), args.requests)
    if not args.skip_engine:
        bench_engine(args.n, args.sample, args.seed)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
