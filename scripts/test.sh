#!/usr/bin/env bash
# The whole test suite: the extension's lint (ESLint, Prettier) and unit tests (npm test, when Node is there), then pytest.
# pytest's exit code 5 (no tests collected) is a failure, never a pass.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 2
status=0
if command -v npm >/dev/null 2>&1 && [ -f vscode-extension/package.json ]; then
  ( cd vscode-extension && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && npm test ) || status=1
fi
.venv/bin/python -m pytest "$@"
rc=$?
if [ "$rc" -eq 5 ]; then echo "pytest collected no tests: failing" >&2; rc=1; fi
[ "$rc" -ne 0 ] && status=$rc
exit $status
