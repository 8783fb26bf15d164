-- The SQLite counterpart (migrations/sqlite/0022_access_version.sql) versions the tables
-- that decide who a request is and what it may do, so the server can keep what it learnt
-- from them between reads. On PostgreSQL the policies run in the database, natively, and
-- the server keeps nothing of them: nothing to add. The statement keeps the step a real one.
SELECT 1;
