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

-- The session check of every signed-in request (api/auth/authenticate.cpp): the session's
-- aal and whether its user is banned, in one statement under the caller's own role rather
-- than switching to service_role and back (two statements fewer per request). It answers
-- only for the caller's own session, or for the server (no claims).
CREATE FUNCTION kit.session_state(session_id uuid, user_id uuid) RETURNS TABLE (aal text, banned_until timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
  SELECT s.aal::text, u.banned_until FROM auth.sessions s JOIN auth.users u ON u.id = s.user_id
  WHERE s.id = session_state.session_id AND s.user_id = session_state.user_id AND u.deleted_at IS NULL
    AND (auth.uid() IS NULL OR s.user_id = auth.uid());
$$;
GRANT CREATE ON SCHEMA kit TO service_role;
ALTER FUNCTION kit.session_state(uuid, uuid) OWNER TO service_role;
REVOKE CREATE ON SCHEMA kit FROM service_role;
SET LOCAL ROLE service_role;
REVOKE ALL ON FUNCTION kit.session_state(uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION kit.session_state(uuid, uuid) TO authenticated, service_role;
SET LOCAL ROLE NONE;
