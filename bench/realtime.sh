#!/usr/bin/env bash
# Realtime delivery on this machine (issue #10's benchmark): events per second delivered to
# 1,000 WebSocket subscribers (half members of the team, half not: every event is checked
# against the notifications read policy for each distinct caller) and the delivery latency
# p50/p99, with none lost and none leaked; then the steady-state latency of single events
# (one every 100 ms) and the server's resident memory through it. Builds Release; median of
# three runs, on SQLite and then on PostgreSQL (a throw-away local cluster,
# tests/support/pg_cluster: changes captured by trigger, read by ended transaction).
#   bench/realtime.sh [subscribers] [events]
#   BACKENDS="sqlite postgres" (the default) chooses what runs.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
subscribers="${1:-1000}"
events="${2:-200}"
cmake -S "$root" -B "$root/build/release" -G Ninja -DCMAKE_BUILD_TYPE=Release -DTB_BUILD_TESTS=OFF >/dev/null
cmake --build "$root/build/release" -j2 --target tenantbase >/dev/null
bin="$root/build/release/tenantbase"
# shellcheck source=bench/backends.sh
source "$root/bench/backends.sh"

for backend in $backends; do
runs=()
for _ in 1 2 3; do
  data="$(mktemp -d)"
  port=$((20000 + RANDOM % 20000))
  url="http://127.0.0.1:$port"
  read -r -a database <<<"$(database_args "$backend")"
  "$bin" serve --data "$data" --http "127.0.0.1:$port" "${database[@]}" --log-level warn \
    --auth-rate-limit-per-ip 0 --auth-rate-limit-per-email 0 \
    --realtime-max-connections-per-user 100000 --realtime-max-channels-per-user 100000 &
  pid=$!
  for _ in $(seq 50); do curl -sf "$url/healthz" >/dev/null && break; sleep 0.1; done
  keys="$("$bin" keys --data "$data")"
  anon="$(sed -n 's/^anon_key=//p' <<<"$keys")"
  service="$(sed -n 's/^service_role_key=//p' <<<"$keys")"
  runs+=("$(NODE_OPTIONS=--experimental-websocket node "$root/bench/realtime/deliver.mjs" "$url" "$anon" "$service" "$subscribers" "$events" "$pid")")
  kill $pid; wait $pid 2>/dev/null || true
  rm -rf "$data"
done
printf '%s\n' "${runs[@]}"
printf '%s, median of 3 (by deliveries/s), %s cores %s:\n' "$backend" "$(nproc)" "$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
printf '%s\n' "${runs[@]}" | node -e 'const r = require("fs").readFileSync(0, "utf8").trim().split("\n").map(JSON.parse)
  .sort((a, b) => a.per_second - b.per_second); console.log(JSON.stringify(r[1]))'
done
