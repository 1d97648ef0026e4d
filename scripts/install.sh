#!/usr/bin/env bash
# Installs everything tenantwatch needs on a fresh Debian (bookworm) machine, as root:
# the real Prometheus, Alertmanager, PostgreSQL and Redis (Debian packages), a virtualenv
# in ./.venv and the package with its test extras. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
# PostgreSQL's server refuses to run as root, so the tests (and the package's own set-up
# scripts) run it as the postgres user, who must be able to enter /. Minimal chroots can
# leave / at 0700 (Debian's default is 0755): fixed before apt, so those scripts work too.
if [ "$(stat -c %a /)" = 700 ]; then
  echo "install: / is mode 0700, so no other user can run programs; setting Debian's 0755" >&2
  chmod 755 /
fi
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
