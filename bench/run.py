"""`make bench`: run every benchmark script in bench/; each prints its lines and writes bench/results/<name>.json."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    failures = 0
    scripts = [p for p in sorted((ROOT / "bench").glob("*.py")) if p.name not in ("__init__.py", "common.py", "run.py")]
    for script in scripts:
        result = subprocess.run([sys.executable, str(script)], cwd=ROOT)
        failures += result.returncode != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
