#!/usr/bin/env bash
# /rest/v1 read throughput (issue #4): GET /rest/v1/notes?account_id=eq.X&limit=10 by a
# member of X and the same read by non-members (every row denied by policy), a different
# user's token on every request, against GET /healthz in the same run — on bench/run's data
# set (1,000 accounts of 5–20 members), on SQLite and then PostgreSQL, where the PostgREST
# path's floor of the same reads runs too. A thin wrapper over bench/run.
#   bench/rest.sh [seconds-per-run]
#   BACKENDS="sqlite postgres" (the default) chooses what runs; SERVE_ARGS adds flags to
#   `tenantbase serve` (e.g. "--threads 8").
exec "$(dirname "$0")/run" --seconds "${1:-10}" --backends "${BACKENDS:-sqlite postgres}" \
  --workloads "floor read-list denied" --no-micro --out -
