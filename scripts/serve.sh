#!/usr/bin/env bash
# `make run`: the task worker in the background beside the development server, stopped when the server stops.
# Imports, the matching index and ladder re-evaluation run on the worker, so their progress is real.
set -euo pipefail
PY="${PY:-.venv/bin/python}"
PORT="${PORT:-8000}"

"$PY" manage.py db_worker &
worker=$!
trap 'kill "$worker" 2>/dev/null || true; wait "$worker" 2>/dev/null || true' EXIT INT TERM

echo "Kechuang is serving on http://127.0.0.1:${PORT}/ (Ctrl-C stops it and its task worker)"
"$PY" manage.py runserver --skip-checks "127.0.0.1:${PORT}"
