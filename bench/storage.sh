#!/usr/bin/env bash
# Storage streaming on this machine (issue #9): upload and download of one large object
# (default 100 MiB) through /storage/v1 with curl, reporting MB/s and the server's peak RSS
# (VmHWM) before and after, to show that a large file never sits in the server's memory.
#   bench/storage.sh [size-MiB]
# With TENANTBASE_DATABASE_URL=postgres://… the server keeps its rows there (the bytes stay
# on the file system either way).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
mib="${1:-100}"
cmake -S "$root" -B "$root/build/release" -G Ninja -DCMAKE_BUILD_TYPE=Release -DTB_BUILD_TESTS=OFF >/dev/null
cmake --build "$root/build/release" -j2 --target tenantbase >/dev/null
bin="$root/build/release/tenantbase"
data="$(mktemp -d)"
port=$((20000 + RANDOM % 20000))
url="http://127.0.0.1:$port"
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data"' EXIT
"$bin" serve --data "$data" --http "127.0.0.1:$port" --log-level warn --storage-max-file-size $(((mib + 1) * 1048576)) &
pid=$!
for _ in $(seq 50); do curl -sf "$url/healthz" >/dev/null && break; sleep 0.1; done
key="$("$bin" keys --data "$data" | sed -n 's/^service_role_key=//p')"
auth=(-H "apikey: $key" -H "Authorization: Bearer $key")
curl -sf "${auth[@]}" -H 'Content-Type: application/json' -d '{"name":"bench","public":false}' "$url/storage/v1/bucket" >/dev/null
hwm() { sed -n 's/^VmHWM:\s*//p' "/proc/$pid/status"; }
rss() { sed -n 's/^VmRSS:\s*//p' "/proc/$pid/status"; }
before="$(hwm)"
head -c $((mib * 1048576)) /dev/urandom > "$data/blob"
up=$(curl -sf "${auth[@]}" -H 'Content-Type: application/octet-stream' --data-binary @"$data/blob" \
  -w '%{time_total}' -o /dev/null "$url/storage/v1/object/bench/big.bin")
after_up="$(hwm)"
down=$(curl -sf "${auth[@]}" -w '%{time_total}' -o "$data/back" "$url/storage/v1/object/bench/big.bin")
after_down="$(hwm)"
cmp -s "$data/blob" "$data/back" || { echo "the download differs from the upload" >&2; exit 1; }
rate() { awk -v mib="$mib" -v t="$1" 'BEGIN { printf "%.0f MiB/s (%.2f s)", mib / t, t }'; }
printf '%s MiB object, Release, %s cores %s\n' "$mib" "$(nproc)" "$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
printf '  upload    %s\n' "$(rate "$up")"
printf '  download  %s\n' "$(rate "$down")"
printf '  server peak RSS: %s idle, %s after the upload, %s after the download (now %s)\n' \
  "$before" "$after_up" "$after_down" "$(rss)"
