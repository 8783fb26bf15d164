#!/usr/bin/env bash
# Auth throughput on this machine: password logins/s (argon2id-bound), refresh-token
# grants/s and authenticated GET /auth/v1/user/s, against /healthz as the HTTP floor of
# the same run. Builds Release, starts a server on a temp data dir, reports medians of
# three 10-second wrk runs.
#   bench/auth.sh [seconds-per-run]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
secs="${1:-10}"
command -v wrk >/dev/null || { echo "bench/auth.sh needs wrk (apt-get install wrk)"; exit 1; }
cmake -S "$root" -B "$root/build/release" -G Ninja -DCMAKE_BUILD_TYPE=Release -DTB_BUILD_TESTS=OFF >/dev/null
cmake --build "$root/build/release" -j2 --target tenantbase >/dev/null
bin="$root/build/release/tenantbase"
data="$(mktemp -d)"
port=$((20000 + RANDOM % 20000))
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data"' EXIT
"$bin" serve --data "$data" --http "127.0.0.1:$port" --log-level warn \
  --auth-rate-limit-per-ip 0 --auth-rate-limit-per-email 0 &
pid=$!
url="http://127.0.0.1:$port"
for _ in $(seq 50); do curl -sf "$url/healthz" >/dev/null && break; sleep 0.1; done
export APIKEY; APIKEY="$("$bin" keys --data "$data" | sed -n 's/^anon_key=//p')"
export EMAIL="bench@example.com" PASSWORD="bench password 123"
signup=$(curl -sf "$url/auth/v1/signup" -H "apikey: $APIKEY" -H 'Content-Type: application/json' \
  -d "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}")
export ACCESS_TOKEN; ACCESS_TOKEN=$(sed -E 's/.*"access_token":"([^"]+)".*/\1/' <<<"$signup")
tokens=""
for _ in 1 2; do
  s=$(curl -sf "$url/auth/v1/token?grant_type=password" -H "apikey: $APIKEY" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}")
  tokens+="$(sed -E 's/.*"refresh_token":"([^"]+)".*/\1/' <<<"$s"),"
done
export REFRESH_TOKENS="$tokens"

median_rps() {  # runs wrk 3 times with the given args, prints the median requests/s
  local runs=()
  for _ in 1 2 3; do
    runs+=("$(wrk "$@" "$url" 2>&1 | awk '/Requests\/sec/ {print $2}')")
  done
  printf '%s\n' "${runs[@]}" | sort -n | sed -n 2p
}
dir="$root/bench/auth"
floor=$(median_rps -t2 -c16 -d"${secs}s" -s "$dir/healthz.lua")
user=$(median_rps -t2 -c16 -d"${secs}s" -s "$dir/get_user.lua")
refresh=$(median_rps -t2 -c2 -d"${secs}s" -s "$dir/refresh.lua")
login=$(median_rps -t2 -c4 -d"${secs}s" -s "$dir/login.lua")
printf 'workload                 req/s (median of 3, %ss each)\n' "$secs"
printf 'GET /healthz (floor)     %s\n' "$floor"
printf 'GET /auth/v1/user        %s\n' "$user"
printf 'refresh_token grant      %s\n' "$refresh"
printf 'password grant (argon2id m=19MiB t=2 p=1)  %s\n' "$login"
