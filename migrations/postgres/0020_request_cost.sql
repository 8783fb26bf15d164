-- What a request costs PostgreSQL (issue #8): helpers every signed-in request runs,
-- made cheaper without changing what they answer (SQLite: nothing to change, see
-- migrations/sqlite/0020_request_cost.sql).
--
-- auth.uid() as Supabase defines it: the sub claim from request.jwt.claim.sub, which the
-- server sets next to request.jwt.claims in every transaction (store/postgres/pg_store.cpp),
-- else from the claims. Policies call it once per row through has_role_on_account, and
-- parsing the whole GoTrue payload (email, metadata, amr) as jsonb each time was a sixth of
-- the database's work for a read. Whoever sets only request.jwt.claims (PostgREST, psql)
-- gets the same answer as before.
CREATE OR REPLACE FUNCTION auth.uid() RETURNS uuid
LANGUAGE sql STABLE AS $$
  SELECT nullif(coalesce(nullif(pg_catalog.current_setting('request.jwt.claim.sub', true), ''),
                         nullif(pg_catalog.current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'), '')::uuid
$$;

-- The session check (0019) in PL/pgSQL: PostgreSQL plans the body of a SQL function again
-- in every statement that calls it (a SECURITY DEFINER one is never inlined), which made
-- this one-row lookup cost as much as the request's own read; PL/pgSQL keeps its plan for
-- the connection. Same arguments, same rows, same grants and owner.
CREATE OR REPLACE FUNCTION kit.session_state(session_id uuid, user_id uuid) RETURNS TABLE (aal text, banned_until timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  RETURN QUERY
  SELECT s.aal::text, u.banned_until FROM auth.sessions s JOIN auth.users u ON u.id = s.user_id
  WHERE s.id = session_state.session_id AND s.user_id = session_state.user_id AND u.deleted_at IS NULL
    AND (auth.uid() IS NULL OR s.user_id = auth.uid());
END;
$$;

-- The membership helpers the policies call for every row, in PL/pgSQL for the same
-- reason: as SQL functions each statement planned their lookup again (a read of ten notes
-- spent as long planning has_role_on_account as running it ten times). Same text, same
-- answers, same owner (service_role), grants and search_path.
CREATE OR REPLACE FUNCTION public.is_account_owner(account_id uuid) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  RETURN EXISTS (
    SELECT 1 FROM public.accounts a
    WHERE a.id = is_account_owner.account_id AND a.primary_owner_user_id = (SELECT auth.uid()));
END;
$$;

CREATE OR REPLACE FUNCTION public.has_role_on_account(account_id uuid, account_role varchar DEFAULT NULL) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  RETURN EXISTS (
    SELECT 1 FROM public.accounts_memberships m
    WHERE m.user_id = (SELECT auth.uid()) AND m.account_id = has_role_on_account.account_id
      AND (has_role_on_account.account_role IS NULL OR m.account_role = has_role_on_account.account_role));
END;
$$;

CREATE OR REPLACE FUNCTION public.is_team_member(account_id uuid, user_id uuid) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  RETURN EXISTS (
    SELECT 1 FROM public.accounts_memberships m
    WHERE m.user_id = is_team_member.user_id AND m.account_id = is_team_member.account_id);
END;
$$;

CREATE OR REPLACE FUNCTION public.has_permission(user_id uuid, account_id uuid, permission_name public.app_permissions)
RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  RETURN EXISTS (
    SELECT 1 FROM public.accounts_memberships m
    JOIN public.role_permissions rp ON rp.role = m.account_role
    WHERE m.user_id = has_permission.user_id AND m.account_id = has_permission.account_id
      AND rp.permission = has_permission.permission_name);
END;
$$;
