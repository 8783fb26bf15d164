#!/usr/bin/env bash
# The PostgREST path's floor on this machine (issue #8's comparison; issue #7's schema): on a
# throw-away PostgreSQL 15 cluster holding Tenantbase's own schema and policies (`tenantbase
# migrate`, with bench/rest's notes migrations, native row-level security), pgbench runs
# exactly what PostgREST runs per request — BEGIN; set_config role + request.jwt.claims for
# a random member; the statement; COMMIT — with prepared statements and no HTTP or JSON.
# PostgREST and Supabase can only be slower than this. The data set is bench/rest.sh's:
# 1,000 team accounts of 5–20 members, 10 notes each.
# The cluster runs with fsync and synchronous_commit off (tests/support/pg_cluster), which
# flatters the write floor.
#   bench/pg_floor.sh [seconds-per-run] [clients]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
secs="${1:-10}"
clients="${2:-8}"
accounts=1000
users=5000
command -v pgbench >/dev/null || { echo "bench/pg_floor.sh needs pgbench (apt-get install postgresql)"; exit 1; }
cmake -S "$root" -B "$root/build/release" -G Ninja -DCMAKE_BUILD_TYPE=Release -DTB_BUILD_TESTS=OFF >/dev/null
cmake --build "$root/build/release" -j2 --target tenantbase >/dev/null
bin="$root/build/release/tenantbase"
dir="$root/bench/pg_floor"
cluster="$(mktemp -d)"
data="$(mktemp -d)"
trap '"$root/tests/support/pg_cluster" stop "$cluster" >/dev/null; rm -rf "$data"' EXIT
"$root/tests/support/pg_cluster" start "$cluster" >/dev/null
# shellcheck disable=SC1091
. "$cluster/env"
"$bin" migrate --data "$data" --database "$TB_PG_URL" --migrations "$root/bench/rest/migrations" >/dev/null
psql "$TB_PG_ADMIN_URL" -q -X -v ON_ERROR_STOP=1 -v accounts=$accounts -v users=$users -f "$dir/seed.sql" >/dev/null

run() {  # prints "tps latency-ms" of the median-tps run of three
  local runs=()
  for _ in 1 2 3; do
    out=$(pgbench -n -M prepared -c "$clients" -j 2 -T "$secs" -D accounts=$accounts -D users=$users -f "$1" "$TB_PG_URL" 2>&1) ||
      { echo "$out" >&2; exit 1; }
    runs+=("$(awk '/^tps/ {tps=$3} /latency average/ {lat=$4} END {printf "%d %s\n", tps, lat}' <<<"$out")")
  done
  printf '%s\n' "${runs[@]}" | sort -n | sed -n 2p
}

printf 'PostgREST-path floor, PostgreSQL %s, %s clients, median of 3 runs of %ss (nproc %s): tps  avg-latency-ms\n' \
  "$(psql "$TB_PG_URL" -Atc 'show server_version')" "$clients" "$secs" "$(nproc)"
printf '  read-list (member, notes_read policy)   %s\n' "$(run "$dir/read_list.sql")"
printf '  denied (non-member, every row hidden)   %s\n' "$(run "$dir/denied.sql")"
printf '  write (INSERT … RETURNING, notes_manage) %s\n' "$(run "$dir/write.sql")"
