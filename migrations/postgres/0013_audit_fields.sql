-- The seed's kit.track_user_changes on the core tables that carry created_by / updated_by:
-- set from auth.uid() (NULL for service_role and the server itself), never taken from a
-- client. An update keeps created_by (and, on the core tables, created_at) as they were.
-- ON DELETE SET NULL is an update too: when the user named is gone, the NULL stays (and a
-- user deleting themselves is not recorded as the updater).
-- PostgreSQL counterpart of migrations/sqlite/0013_audit_fields.sql: one BEFORE trigger
-- per table sets NEW, where SQLite needs AFTER triggers and kit_tracked_inserts.

-- The seed's trigger function, for core and app tables alike: BEFORE INSERT OR UPDATE …
-- FOR EACH ROW EXECUTE FUNCTION kit.track_user_changes(). It sets whichever of created_by
-- and updated_by the table has. With the argument 'keep_created_at' an update also keeps
-- created_at (the core tables, as SQLite's 0013). SECURITY DEFINER: it checks auth.users,
-- which no client may read.
CREATE FUNCTION kit.track_user_changes() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  caller uuid := auth.uid();
  new_row jsonb := pg_catalog.to_jsonb(NEW);
  old_row jsonb;
  patch jsonb := '{}';
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF new_row ? 'created_by' THEN patch := patch || jsonb_build_object('created_by', caller); END IF;
    IF new_row ? 'updated_by' THEN patch := patch || jsonb_build_object('updated_by', caller); END IF;
  ELSIF TG_OP = 'UPDATE' THEN
    old_row := pg_catalog.to_jsonb(OLD);
    -- created_by is kept unless the user it names is gone (the SET NULL of that user's
    -- deletion). A NULL created_by stays NULL: a client cannot fill it in.
    IF new_row ? 'created_by' AND (old_row ->> 'created_by' IS NULL
        OR EXISTS (SELECT 1 FROM auth.users u WHERE u.id = (old_row ->> 'created_by')::uuid)) THEN
      patch := patch || jsonb_build_object('created_by', old_row -> 'created_by');
    END IF;
    IF new_row ? 'updated_by' THEN
      patch := patch || jsonb_build_object('updated_by', (SELECT u.id FROM auth.users u WHERE u.id = caller));
    END IF;
    IF TG_ARGV[0] = 'keep_created_at' AND new_row ? 'created_at' THEN
      patch := patch || jsonb_build_object('created_at', old_row -> 'created_at');
    END IF;
  END IF;
  IF patch = '{}' THEN
    RETURN NEW;
  END IF;
  RETURN pg_catalog.jsonb_populate_record(NEW, patch);
END
$$;

CREATE TRIGGER accounts_track_changes BEFORE INSERT OR UPDATE ON public.accounts
  FOR EACH ROW EXECUTE FUNCTION kit.track_user_changes('keep_created_at');
CREATE TRIGGER accounts_memberships_track_changes BEFORE INSERT OR UPDATE ON public.accounts_memberships
  FOR EACH ROW EXECUTE FUNCTION kit.track_user_changes('keep_created_at');
-- super_admins: created_by on insert only, as on SQLite.
CREATE TRIGGER super_admins_track_changes_insert BEFORE INSERT ON public.super_admins
  FOR EACH ROW EXECUTE FUNCTION kit.track_user_changes();

-- Invitations are the one core table clients insert into (invitations_create): their
-- timestamps are the server's too.
CREATE FUNCTION kit.server_timestamps() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.created_at := now();
  NEW.updated_at := now();
  RETURN NEW;
END
$$;
REVOKE ALL ON FUNCTION kit.server_timestamps() FROM PUBLIC;
CREATE TRIGGER invitations_server_timestamps BEFORE INSERT ON public.invitations
  FOR EACH ROW WHEN (current_user IN ('anon', 'authenticated')) EXECUTE FUNCTION kit.server_timestamps();

-- Owned by service_role (it reads auth.users past row-level security). Whoever runs
-- migrations keeps EXECUTE on it, since app migrations create triggers with it; granted
-- as the new owner (a NOINHERIT member cannot grant for it otherwise).
GRANT CREATE ON SCHEMA kit TO service_role;
ALTER FUNCTION kit.track_user_changes() OWNER TO service_role;
REVOKE CREATE ON SCHEMA kit FROM service_role;
SET LOCAL ROLE service_role;
REVOKE ALL ON FUNCTION kit.track_user_changes() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION kit.track_user_changes() TO SESSION_USER;
SET LOCAL ROLE NONE;
