# Sourced by the benchmarks that run on both backends (bench/rest.sh, bench/realtime.sh):
#   BACKENDS="sqlite postgres" (the default) chooses which; for PostgreSQL a throw-away
#   local cluster (tests/support/pg_cluster, durable: every commit flushed, as on SQLite)
#   lives as long as the script.
#   for backend in $backends; do
#     read -r -a database <<<"$(database_args "$backend")"; "$bin" serve … "${database[@]}" …
# database_args gives nothing for SQLite and, for PostgreSQL, `--database URL` of a fresh
# database named bench (the previous one dropped). Needs $root.
backends="${BACKENDS:-sqlite postgres}"
pgdir=""
if [[ " $backends " == *" postgres "* ]]; then
  pgdir="$(mktemp -d)"
  TB_PG_DURABLE=1 "$root/tests/support/pg_cluster" start "$pgdir" >/dev/null
  # shellcheck disable=SC1091
  source "$pgdir/env"
fi
stop_cluster() { [ -z "$pgdir" ] || "$root/tests/support/pg_cluster" stop "$pgdir"; }
trap stop_cluster EXIT

database_args() {
  [ "$1" = postgres ] || return 0
  psql "$TB_PG_ADMIN_URL" -q -c "DROP DATABASE IF EXISTS bench WITH (FORCE)" -c "CREATE DATABASE bench OWNER tenantbase" 2>/dev/null
  echo "--database ${TB_PG_URL%/*}/bench"
}
