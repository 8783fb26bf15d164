-- PostgreSQL counterpart of migrations/sqlite/0009_rls_catalog.sql. SQLite keeps the
-- policies in kit_rls_tables / kit_policies because it has none of its own; PostgreSQL
-- keeps them natively (pg_class.relrowsecurity / relforcerowsecurity, pg_policy), so no
-- table is created here.
--
-- Instead, a check of what those tables would have said: every table so far in public,
-- auth, kit and storage has row-level security enabled AND forced (so the owner role is
-- bound too). The migration runner's own history table is the one exception: it is
-- created before any migration, belongs to the runner and is granted to no request role.
DO $$
DECLARE
  missing text;
BEGIN
  SELECT string_agg(format('%I.%I', n.nspname, c.relname), ', ' ORDER BY n.nspname, c.relname)
  INTO missing
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p') AND n.nspname IN ('public', 'auth', 'kit', 'storage')
    AND NOT (c.relrowsecurity AND c.relforcerowsecurity)
    AND NOT (n.nspname = 'public' AND c.relname = 'schema_migrations');
  IF missing IS NOT NULL THEN
    RAISE EXCEPTION 'tables without forced row-level security: %', missing USING ERRCODE = '55000';
  END IF;
END
$$;
