-- What serving the API on PostgreSQL needed of the schema (SQLite: nothing, see
-- migrations/sqlite/0019_serving_on_postgres.sql).
--
-- PostgreSQL fires a table's BEFORE triggers in the order of their names. A client
-- changing a protected field of an account must hear "You do not have permission to update
-- this field" (42501), as on SQLite, before any other trigger judges the new row: the
-- refusal goes first.
ALTER TRIGGER accounts_protect_fields ON public.accounts RENAME TO accounts_0_protect_fields;

-- The realtime worker reads the changes of the transactions that have ended since its last
-- poll (api/realtime/realtime.cpp): by transaction id, not by change id, because ids are
-- handed out at insert and transactions commit in any order.
CREATE INDEX realtime_changes_xid ON kit.realtime_changes (xid);
