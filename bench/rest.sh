#!/usr/bin/env bash
# /rest/v1 read throughput on this machine, as issue #4 asks: GET
# /rest/v1/notes?account_id=eq.X&limit=10 by a member of X (policy has_role_on_account),
# a different user's token on every request, against GET /healthz in the same run; and
# the same read by non-members (every row denied by policy). Medians of three wrk runs
# with p99 latency, at 1k and then 10k accounts (5 members and 10 notes each), on SQLite
# and then on PostgreSQL (a throw-away local cluster, tests/support/pg_cluster: fsync off).
#   bench/rest.sh [seconds-per-run] [users]
#   BACKENDS="sqlite postgres" ACCOUNTS="1000 10000" (the defaults) choose what runs;
#   SERVE_ARGS adds flags to `tenantbase serve` (e.g. "--threads 8").
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
secs="${1:-10}"
users="${2:-300}"
command -v wrk >/dev/null || { echo "bench/rest.sh needs wrk (apt-get install wrk)"; exit 1; }
cmake -S "$root" -B "$root/build/release" -G Ninja -DCMAKE_BUILD_TYPE=Release -DTB_BUILD_TESTS=OFF >/dev/null
cmake --build "$root/build/release" -j2 --target tenantbase >/dev/null
bin="$root/build/release/tenantbase"
dir="$root/bench/rest"

run_wrk() {  # prints "rps p99" of the median-rps run of three
  local runs=()
  for _ in 1 2 3; do
    out=$(wrk "$@" --latency "$url" 2>&1)
    if grep -q "Non-2xx\|error" <<<"$out"; then echo "$out" >&2; exit 1; fi
    runs+=("$(awk '/Requests\/sec/ {rps=$2} /^ +99%/ {p99=$2} END {print rps, p99}' <<<"$out")")
  done
  printf '%s\n' "${runs[@]}" | sort -n | sed -n 2p
}

# shellcheck source=bench/backends.sh
source "$root/bench/backends.sh"

for backend in $backends; do
for accounts in ${ACCOUNTS:-1000 10000}; do
  data="$(mktemp -d)"
  port=$((20000 + RANDOM % 20000))
  url="http://127.0.0.1:$port"
  read -r -a database <<<"$(database_args "$backend")"
  # shellcheck disable=SC2086
  "$bin" serve --data "$data" --http "127.0.0.1:$port" "${database[@]}" ${SERVE_ARGS:-} --migrations "$dir/migrations" --log-level warn \
    --auth-rate-limit-per-ip 0 --auth-rate-limit-per-email 0 &
  pid=$!
  trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data"; stop_cluster' EXIT
  for _ in $(seq 50); do curl -sf "$url/healthz" >/dev/null && break; sleep 0.1; done
  keys="$("$bin" keys --data "$data")"
  export APIKEY; APIKEY="$(sed -n 's/^anon_key=//p' <<<"$keys")"
  service="$(sed -n 's/^service_role_key=//p' <<<"$keys")"
  node "$dir/seed.mjs" "$url" "$APIKEY" "$service" "$accounts" "$users" "$data"
  floor=$(run_wrk -t2 -c16 -d"${secs}s" -s "$root/bench/auth/healthz.lua")
  member=$(PAIRS="$data/member_pairs.txt" EXPECT_ROWS=1 run_wrk -t2 -c16 -d"${secs}s" -s "$dir/read_list.lua")
  denied=$(PAIRS="$data/outsider_pairs.txt" EXPECT_ROWS=0 run_wrk -t2 -c16 -d"${secs}s" -s "$dir/read_list.lua")
  printf '%s, %s accounts, %s users (median of 3 runs, %ss each): req/s  p99\n' "$backend" "$accounts" "$users" "$secs"
  printf '  GET /healthz (floor)                         %s\n' "$floor"
  printf '  GET notes?account_id=eq.X&limit=10 (member)  %s\n' "$member"
  printf '  the same by a non-member (policy-denied)     %s\n' "$denied"
  kill $pid; wait $pid 2>/dev/null || true
  rm -rf "$data"
  trap stop_cluster EXIT
done
done
