"""`make bench`: run every benchmark script in bench/; each prints its lines and writes bench/results/<name>.json."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Shorter than the script's own default so that `make bench` stays within minutes: the soak's full run (20 clients
# for 10 minutes) is `python bench/soak.py`.
ARGS = {"soak.py": ["--duration", "60"]}


def main() -> int:
    failures = 0
    scripts = [p for p in sorted((ROOT / "bench").glob("*.py")) if p.name not in ("__init__.py", "common.py", "run.py")]
    for script in scripts:
        result = subprocess.run([sys.executable, str(script), *ARGS.get(script.name, [])], cwd=ROOT)
        failures += result.returncode != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
