"""`make bench`: run every bench/bench_*.py in turn; each prints one line and writes bench/results/<name>.json."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    failures = 0
    for script in sorted((ROOT / "bench").glob("bench_*.py")):
        result = subprocess.run([sys.executable, str(script)], cwd=ROOT)
        failures += result.returncode != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
