-- PostgreSQL counterpart of migrations/sqlite/0009_rls_catalog.sql. SQLite keeps the
-- policies in kit_rls_tables / kit_policies because it has none of its own; PostgreSQL
-- keeps them natively (pg_class.relrowsecurity / relforcerowsecurity, pg_policy), so no
-- table is created here.
--
-- Instead, a check of what those tables would have said: every table so far in public,
-- auth, kit and storage has row-level security enabled AND forced (so the owner role is
-- bound too). The migration runner's history tables are the exceptions: they belong to
-- the runner, which reads them as the owner, and are granted to no request role
-- (public.schema_migrations is created before any migration, kit.app_migrations before
-- the app's first).
--
-- Later migrations call it again after creating tables. Owned by the migrating role and
-- executable by no request role (0001 revoked EXECUTE from PUBLIC by default).
CREATE FUNCTION kit.assert_rls_forced() RETURNS void
LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  missing text;
BEGIN
  SELECT string_agg(format('%I.%I', n.nspname, c.relname), ', ' ORDER BY n.nspname, c.relname)
  INTO missing
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p') AND n.nspname IN ('public', 'auth', 'kit', 'storage')
    AND NOT (c.relrowsecurity AND c.relforcerowsecurity)
    AND NOT (n.nspname = 'public' AND c.relname = 'schema_migrations')
    AND NOT (n.nspname = 'kit' AND c.relname = 'app_migrations');
  IF missing IS NOT NULL THEN
    RAISE EXCEPTION 'tables without forced row-level security: %', missing USING ERRCODE = '55000';
  END IF;
END
$$;
SELECT kit.assert_rls_forced();
