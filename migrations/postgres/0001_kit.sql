-- Internal support every later migration builds on: the roles requests run as, the
-- seed's schemas (auth, kit, storage besides public) and kit.update_updated_at().
-- PostgreSQL counterpart of migrations/sqlite/0001_kit.sql. What SQLite needs here and
-- PostgreSQL does not:
--   kit_enum_values  enums are native (CREATE TYPE … AS ENUM, ALTER TYPE … ADD VALUE);
--                    a value an enum does not list is refused by the type itself (22P02)
--   timestamp text   timestamptz is native; now() is the transaction's start, as usual

-- The roles requests run as (the PostgREST way: SET LOCAL ROLE + request.jwt.claims).
-- They are cluster-wide and need a superuser (BYPASSRLS cannot be granted by anyone else
-- on PostgreSQL 15), so a DBA creates them once; this migration only checks them.
DO $$
DECLARE
  problems text[] := '{}';
  r record;
BEGIN
  FOR r IN SELECT name, want_bypass FROM (VALUES ('anon', false), ('authenticated', false), ('service_role', true)) AS v(name, want_bypass) LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r.name) THEN
      problems := problems || format('role %s does not exist', r.name);
    ELSE
      IF NOT pg_catalog.pg_has_role(current_user, r.name, 'MEMBER') THEN
        problems := problems || format('%s is not a member of role %s', current_user, r.name);
      END IF;
      IF (SELECT rolbypassrls OR rolsuper FROM pg_catalog.pg_roles WHERE rolname = r.name) IS DISTINCT FROM r.want_bypass THEN
        problems := problems || CASE WHEN r.want_bypass THEN format('role %s must have BYPASSRLS', r.name)
                                     ELSE format('role %s must not bypass row-level security (no BYPASSRLS, no SUPERUSER)', r.name) END;
      END IF;
    END IF;
  END LOOP;
  IF cardinality(problems) = 0 AND NOT pg_catalog.has_schema_privilege('public', 'CREATE') THEN
    -- PostgreSQL 15: public belongs to pg_database_owner, whose rights a NOINHERIT owner
    -- of the database does not use.
    RAISE EXCEPTION '% may not create objects in schema public', current_user
      USING ERRCODE = '42501',
            HINT = format('As a superuser, run once: ALTER SCHEMA public OWNER TO %I; (or ALTER ROLE %I INHERIT)', current_user, current_user);
  END IF;
  IF cardinality(problems) > 0 THEN
    RAISE EXCEPTION 'tenantbase needs the roles anon, authenticated and service_role: %', array_to_string(problems, '; ')
      USING ERRCODE = '42704',
            HINT = format('As a superuser, run once: CREATE ROLE anon NOLOGIN NOINHERIT; CREATE ROLE authenticated NOLOGIN NOINHERIT; '
                          'CREATE ROLE service_role NOLOGIN NOINHERIT BYPASSRLS; GRANT anon, authenticated, service_role TO %I;',
                          current_user);
  END IF;
END
$$;

-- Schemas. public exists (owned by the database owner, pg_database_owner, on PG 15).
-- auth and kit hold server-internal tables: their tables are granted to service_role
-- only, so anon and authenticated get "permission denied" (42501) on them. USAGE is
-- still granted to every request role because policies call functions living there
-- (auth.uid(), kit.get_storage_filename_as_uuid()); USAGE alone reaches no table.
CREATE SCHEMA IF NOT EXISTS auth;
CREATE SCHEMA IF NOT EXISTS kit;
CREATE SCHEMA IF NOT EXISTS storage;
REVOKE ALL ON SCHEMA auth, kit, storage FROM PUBLIC;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public, storage TO anon, authenticated, service_role;
GRANT USAGE ON SCHEMA auth, kit TO anon, authenticated, service_role;

-- Functions are not executable by PUBLIC unless granted (PostgreSQL's default is the
-- opposite): every migration grants EXECUTE to the roles that need it.
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

-- Future tables in public (an app's own migrations) follow the seed's "Creating New
-- Tables" template: every request role may issue statements and row-level security
-- decides (anon included, so that anon reads [] and is refused writes by the policies, as
-- on SQLite, not "permission denied"). service_role is granted too: it is the server's own
-- role and bypasses the policies. Row-level security itself cannot be defaulted: the app
-- migration runner must enable (and force) it on every table it creates, as SQLite's does.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA auth GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA auth GRANT USAGE, SELECT ON SEQUENCES TO service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA kit GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA kit GRANT USAGE, SELECT ON SEQUENCES TO service_role;

-- The seed's kit.update_updated_at(): BEFORE UPDATE (or INSERT) … FOR EACH ROW. It
-- touches only NEW, so it runs with the caller's rights. Trigger functions cannot be
-- called outside a trigger; EXECUTE is needed by whoever creates a trigger with it (the
-- migrating role, which owns it).
CREATE FUNCTION kit.update_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END
$$;
REVOKE ALL ON FUNCTION kit.update_updated_at() FROM PUBLIC;
