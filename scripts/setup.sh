#!/usr/bin/env bash
# Create .venv and install threatlint with its test extras (idempotent).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'
# Byte-compile now: with PYTHONDONTWRITEBYTECODE set (as on some CI machines) an editable install would
# otherwise recompile every module, the 300 KB generated schema validator included, on each run.
.venv/bin/python -m compileall -q server hooks >/dev/null
