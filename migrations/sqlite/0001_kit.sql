-- Internal support every later migration builds on (the seed's `kit` schema; on SQLite
-- schema-qualified names become prefixes: kit.x → kit_x, auth.x → auth_x).

-- Enum types. SQLite has none, so each CREATE TYPE … AS ENUM becomes rows here and each
-- enum column gets triggers that refuse values not listed (PostgreSQL's 22P02). New values
-- are added with an INSERT (PostgreSQL: ALTER TYPE … ADD VALUE) without rebuilding tables.
CREATE TABLE kit_enum_values (
  type_name text NOT NULL,
  value text NOT NULL,
  sort_order integer NOT NULL,
  PRIMARY KEY (type_name, value)
);

-- The timestamp form every timestamptz column holds (base/clock.h): ISO 8601 UTC with
-- microseconds, e.g. 2026-11-28T04:34:55.123456+00:00. now() (registered by the server)
-- returns it; defaults that need "now + interval" use strftime with the same layout.
