#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers at 127.0.0.1:5432 for `make run` and
# `make test` on a fresh Debian machine: installs Debian's postgresql package
# when missing, starts its cluster, and allows password-less TCP logins from
# this machine only (127.0.0.1, ::1) so the default URLs work.
# Skipped when the caller points us at a server of its own.
set -euo pipefail

if [[ -n "${CANYU_SKIP_PG_SETUP:-}" ]]; then exit 0; fi

reachable() {
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -h 127.0.0.1 -p 5432 -U postgres
  else
    (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null
  fi
}

can_login() {
  command -v psql >/dev/null 2>&1 && psql -h 127.0.0.1 -p 5432 -U postgres -d postgres -Atqc 'select 1' >/dev/null 2>&1
}

if reachable && can_login; then exit 0; fi

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "ensure-postgres: installing PostgreSQL from Debian's packages" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-contrib >/dev/null
fi

version=$(ls /etc/postgresql | sort -V | tail -1)
if [[ -z "$version" ]]; then echo "ensure-postgres: no PostgreSQL cluster configuration found" >&2; exit 1; fi
if ! pg_lsclusters -h | awk '{print $2}' | grep -qx main; then
  as_root pg_createcluster "$version" main -p 5432 >/dev/null
fi
hba="/etc/postgresql/$version/main/pg_hba.conf"
if ! grep -q 'canyu: local trust' "$hba"; then
  # Local development and test only: trust TCP logins from this machine.
  as_root sed -i '1i # canyu: local trust (scripts/ensure-postgres.sh)\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
fi
as_root pg_ctlcluster --skip-systemctl-redirect "$version" main restart >/dev/null 2>&1 || \
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start
for _ in $(seq 1 30); do
  if reachable && can_login; then exit 0; fi
  sleep 1
done
echo "ensure-postgres: PostgreSQL did not come up at 127.0.0.1:5432" >&2
exit 1
