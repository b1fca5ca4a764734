#!/usr/bin/env bash
# Newcomer's first command: set up, then check the bundled examples.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 2
echo "== examples/payments: a clean model (expect no findings)"
.venv/bin/threatlint check examples/payments
echo "== examples/mistakes: a model with typical mistakes (expect findings, exit 1)"
.venv/bin/threatlint check examples/mistakes
exit 0
