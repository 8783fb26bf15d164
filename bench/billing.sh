#!/usr/bin/env bash
# Verified Stripe webhooks per second on this machine (issue #6's benchmark): signed
# customer.subscription.updated events, each with its own id and a newer provider time, so
# every one is verified (HMAC-SHA256), parsed, mapped and applied in its own write
# transaction (the subscription and its two items replaced, event and version recorded).
# Against GET /healthz in the same run. Builds Release, 200 teams, medians of three runs.
#   bench/billing.sh [seconds-per-run]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
secs="${1:-10}"
teams=200
command -v wrk >/dev/null || { echo "bench/billing.sh needs wrk (apt-get install wrk)"; exit 1; }
cmake -S "$root" -B "$root/build/release" -G Ninja -DCMAKE_BUILD_TYPE=Release -DTB_BUILD_TESTS=OFF >/dev/null
cmake --build "$root/build/release" -j2 --target tenantbase >/dev/null
bin="$root/build/release/tenantbase"
dir="$root/bench/billing"
data="$(mktemp -d)"
port=$((20000 + RANDOM % 20000))
url="http://127.0.0.1:$port"
export TENANTBASE_STRIPE_WEBHOOK_SECRET="whsec_bench_$RANDOM$RANDOM"
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data"' EXIT
"$bin" serve --data "$data" --http "127.0.0.1:$port" --log-level warn \
  --auth-rate-limit-per-ip 0 --auth-rate-limit-per-email 0 &
pid=$!
for _ in $(seq 50); do curl -sf "$url/healthz" >/dev/null && break; sleep 0.1; done
service="$("$bin" keys --data "$data" | sed -n 's/^service_role_key=//p')"
node "$dir/events.mjs" "$url" "$service" "$TENANTBASE_STRIPE_WEBHOOK_SECRET" "$teams" 0 -

run() {  # prints "rps p99" of one wrk run
  wrk "$@" --latency "$url" 2>&1 | tee "$data/wrk.out" | awk '/Requests\/sec/ {rps=$2} /^ +99%/ {p99=$2} END {print rps, p99}'
  if grep -q "Non-2xx\|error" "$data/wrk.out"; then cat "$data/wrk.out" >&2; exit 1; fi
}
floor=() hooks=()
for r in 1 2 3; do
  floor+=("$(run -t2 -c16 -d"${secs}s" -s "$root/bench/auth/healthz.lua")")
  # Enough distinct events for the run at up to 5,000/s, signed just before it (Stripe's
  # tolerance is 300 s); each run's events are newer than the last run's.
  node "$dir/events.mjs" "$url" "$service" "$TENANTBASE_STRIPE_WEBHOOK_SECRET" "$teams" $((secs * 5000)) \
    "$data/events.txt" $((1900000000 + r * 10000000))
  hooks+=("$(EVENTS="$data/events.txt" run -t2 -c16 -d"${secs}s" -s "$dir/webhooks.lua")")
done
applied=$(curl -sf "$url/rest/v1/subscriptions?select=id" -H "apikey: $service" -H "Authorization: Bearer $service" | grep -o '"id"' | wc -l)
median() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
printf 'Stripe webhooks, %s teams, %s-second runs, median of 3 (req/s  p99), %s cores %s\n' \
  "$teams" "$secs" "$(nproc)" "$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
printf '  GET /healthz (floor)                           %s\n' "$(median "${floor[@]}")"
printf '  POST /billing/v1/webhooks/stripe (applied)     %s\n' "$(median "${hooks[@]}")"
printf '  subscriptions written: %s\n' "$applied"
