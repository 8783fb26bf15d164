-- The SQLite counterpart of migrations/postgres/0019_serving_on_postgres.sql: nothing to
-- change. SQLite's triggers already refuse protected fields first, and its realtime changes
-- are written by one writer at a time, so their ids are their commit order. The statement
-- keeps the step a real one.
SELECT 1;
