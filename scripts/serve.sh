#!/usr/bin/env bash
# `make run`: the task worker in the background beside the development server, stopped when the server stops.
# Imports, the matching index and ladder re-evaluation run on the worker, so their progress is real.
set -euo pipefail
PY="${PY:-.venv/bin/python}"
PORT="${PORT:-8000}"

# The worker logs a line per task step (the background embedding runs in ~2 s slices): into a file, not over the
# server's console; a failed task is also shown on its page (import job, index status).
log_dir="${KECHUANG_VAR_DIR:-var}"
mkdir -p "$log_dir"
"$PY" manage.py db_worker >>"$log_dir/worker.log" 2>&1 &
worker=$!
trap 'kill "$worker" 2>/dev/null || true; wait "$worker" 2>/dev/null || true' EXIT INT TERM

echo "Kechuang is serving on http://127.0.0.1:${PORT}/ (Ctrl-C stops it and its task worker; worker log: $log_dir/worker.log)"
"$PY" manage.py runserver --skip-checks "127.0.0.1:${PORT}"
