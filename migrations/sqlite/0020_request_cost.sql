-- The SQLite counterpart of migrations/postgres/0020_request_cost.sql: nothing to change.
-- There auth.uid() and the session check are the server's own functions and statements,
-- whose plans SQLite's statement cache keeps already. The statement keeps the step a real
-- one.
SELECT 1;
