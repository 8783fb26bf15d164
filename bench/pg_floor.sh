#!/usr/bin/env bash
# The PostgREST path's floor on this machine (issue #8's comparison; issue #7's schema): on a
# throw-away PostgreSQL cluster holding Tenantbase's schema and bench/rest's notes migrations
# (native row-level security), seeded with bench/run's data set, pgbench runs what PostgREST
# runs per request — BEGIN; set_config of the role and a member's token claims; the
# statement (bench/pg_floor/*.sql); COMMIT — prepared, without HTTP or JSON, with 16 clients;
# beside it the server's own numbers for the same requests. A thin wrapper over bench/run.
# The cluster is durable (every commit flushed), as SQLite is.
#   bench/pg_floor.sh [seconds-per-run]
exec "$(dirname "$0")/run" --seconds "${1:-10}" --backends postgres \
  --workloads "read-list denied write" --no-micro --out -
