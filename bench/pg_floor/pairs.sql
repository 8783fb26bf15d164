-- Schema bench: the pairs bench/rest/seed.mjs wrote, so that pgbench picks the same users,
-- accounts and notes as wrk does, among the rows the server seeded. bench/run fills it with
-- psql's \copy (bench.users from claims.tsv: each user's id and token claims; the others
-- from the pair file of the same name). Run as the superuser on the seeded database; the
-- server's role may read it (pgbench connects as that role, as PostgREST's authenticator does).
CREATE SCHEMA bench;
CREATE TABLE bench.users (i int PRIMARY KEY, user_id text NOT NULL, claims text NOT NULL);
CREATE TABLE bench.members (n int PRIMARY KEY, i int NOT NULL, value text NOT NULL);
CREATE TABLE bench.outsiders (LIKE bench.members INCLUDING ALL);
CREATE TABLE bench.notes (LIKE bench.members INCLUDING ALL);
GRANT USAGE ON SCHEMA bench TO PUBLIC;
GRANT SELECT ON ALL TABLES IN SCHEMA bench TO PUBLIC;
