"""Restore drill on the full demo database (checklist item 20): load the demo into a fresh database, `backup`, damage
the data, `restore --yes`, and time the backup and the restore; the restore itself checks the row counts against
the manifest and verifies the audit chain (it exits non-zero otherwise).

    python bench/restore_drill.py                       # SQLite and PostgreSQL (like bench/ladder.py)
    python bench/restore_drill.py --backends sqlite     # SQLite only

PostgreSQL: a scratch database on the local server (DRILL_PG_URL, default postgres://postgres@127.0.0.1:5432),
skipped with a message when createdb fails. Each drill runs in a temporary var folder.

Writes bench/results/restore_drill[_postgresql].json.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import report

ROOT = Path(__file__).resolve().parent.parent
DAMAGE = """
from kechuang.core.models import User
from kechuang.enterprises.models import Enterprise
from kechuang.techmarket.models import Achievement
newest = list(Enterprise.objects.order_by("-id").values_list("id", flat=True)[:200])
Enterprise.objects.filter(id__in=newest).delete()
Achievement.objects.all().update(title="damaged")
User.objects.filter(is_active=True).update(display_name="damaged")
print("damaged")
"""


CPU: dict[str, float] = {}


def manage(env: dict[str, str], *args: str) -> float:
    """Run one manage.py command; returns its wall time and keeps its CPU time in CPU[command] (a shared machine
    stretches the wall time, the CPU time much less)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU[args[0]] = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return time.perf_counter() - started


def drill(env: dict[str, str], label: str) -> None:
    loaded = manage(env, "bootstrap")
    backups = Path(env["KECHUANG_VAR_DIR"]) / "backups"
    backup_s = manage(env, "backup", "--output", str(backups))
    archive = max(backups.glob("*.tar.gz"))
    manage(env, "shell", "-c", DAMAGE)
    restore_s = manage(env, "restore", "--yes", str(archive))
    size = "full demo database (manage.py bootstrap)"
    extra = {"backup_seconds": round(backup_s, 2), "restore_seconds": round(restore_s, 2)}
    extra["backup_cpu_seconds"] = round(CPU["backup"], 2)
    extra["restore_cpu_seconds"] = round(CPU["restore"], 2)
    extra["archive_mb"] = round(archive.stat().st_size / 1e6, 2)
    database = Path(env["KECHUANG_VAR_DIR"]) / "kechuang.sqlite3"
    if database.exists():
        extra["database_mb"] = round(database.stat().st_size / 1e6, 2)
    extra["demo_load_seconds"] = round(loaded, 1)
    report(f"restore_drill{label}", size=size, seconds=backup_s + restore_s, **extra)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    backends = args.backends.split(",")
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "KECHUANG_VAR_DIR")}
    base.update(KECHUANG_TASKS="immediate", KECHUANG_ADMIN_PASSWORD="Drill-Passw0rd!")
    if "sqlite" in backends:
        with tempfile.TemporaryDirectory(prefix="kechuang-drill-") as var:
            drill({**base, "KECHUANG_VAR_DIR": var}, "")
    if "postgresql" in backends:
        server = os.environ.get("DRILL_PG_URL", "postgres://postgres@127.0.0.1:5432")
        name = f"kechuang_drill_{uuid.uuid4().hex[:8]}"
        host = server.split("@")[-1].split(":")[0]
        made = subprocess.run(["createdb", "-h", host, "-U", "postgres", name], capture_output=True, text=True)
        if made.returncode != 0:
            print(f"restore_drill_postgresql: skipped, createdb failed: {made.stderr.strip()}")
            return 0
        try:
            with tempfile.TemporaryDirectory(prefix="kechuang-drill-pg-") as var:
                drill({**base, "KECHUANG_VAR_DIR": var, "DATABASE_URL": f"{server}/{name}"}, "_postgresql")
        finally:
            subprocess.run(["dropdb", "-h", host, "-U", "postgres", "--if-exists", name], check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
