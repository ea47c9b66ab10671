"""Fetch the front-end files the pages serve themselves (no CDN on government intranets).

Run at set-up time by the Makefile, never at run time. Uses only the standard library, so a machine
with just Python can run it: each package's tarball comes from the npm registry and is checked against
the registry's published SHA-512 (its `integrity` field) before the files are copied into static/.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import sys
import tarfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "kechuang" / "core" / "static" / "vendor"
REGISTRY = "https://registry.npmjs.org"

# package, version, {file inside the tarball: file under static/vendor/}
ASSETS = [
    ("echarts", "6.0.0", {"package/dist/echarts.min.js": "echarts.min.js"}),
]


def fetch(url: str) -> bytes:
    # Only the fixed https registry address above is ever opened.
    with urllib.request.urlopen(url, timeout=120) as response:
        return response.read()


def vendor(package: str, version: str, files: dict[str, str]) -> None:
    if all((TARGET / dest).exists() for dest in files.values()):
        return
    meta = json.loads(fetch(f"{REGISTRY}/{package}/{version}"))
    tarball = fetch(meta["dist"]["tarball"])
    algorithm, _, expected = meta["dist"]["integrity"].partition("-")
    actual = base64.b64encode(hashlib.new(algorithm, tarball).digest()).decode()
    if actual != expected:
        raise SystemExit(f"{package}@{version}: checksum mismatch, refusing to install")
    TARGET.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        for source, dest in files.items():
            member = archive.extractfile(source)
            if member is None:
                raise SystemExit(f"{package}@{version}: {source} missing from the tarball")
            (TARGET / dest).write_bytes(member.read())
    print(f"vendored {package}@{version} into {TARGET.relative_to(ROOT)}")


def main() -> int:
    for package, version, files in ASSETS:
        vendor(package, version, files)
    return 0


if __name__ == "__main__":
    sys.exit(main())
