#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what it needs, then pytest.
# pytest's "no tests collected" (exit 5) is a failure here, not a pass.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh || exit 1
# A real Thanos for the global-view tests, built once into a cache outside the checkout
# (5-8 minutes the first time on 2 cores, nothing after).
TENANTWATCH_THANOS=$(bash scripts/thanos.sh "${TENANTWATCH_CACHE:-/var/cache/tenantwatch}/thanos") || exit 1
export TENANTWATCH_THANOS
.venv/bin/python -m pytest "$@"
status=$?
if [ $status -eq 5 ]; then
  echo "test: pytest collected no tests; that is a failure" >&2
  exit 1
fi
exit $status
