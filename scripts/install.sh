#!/usr/bin/env bash
# Installs everything tenantwatch needs on a fresh Debian (bookworm) machine, as root:
# the real Prometheus, Alertmanager, PostgreSQL and Redis (Debian packages), a virtualenv
# in ./.venv and the package with its test extras. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
packages=(python3 python3-venv python3-dev git ca-certificates tzdata procps
          prometheus prometheus-alertmanager postgresql redis-server chromium)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install: apt packages: ${missing[*]}" >&2
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian's packages start their daemons where systemd runs; tenantwatch always uses its own ports.
if [ ! -x .venv/bin/python ]; then
  /usr/bin/python3 -m venv .venv
fi
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -e '.[test]'
echo "install: done; run .venv/bin/tenantwatch --help" >&2
