-- auth.users: the identities GoTrue-compatible auth manages, with GoTrue's column names.
-- PostgreSQL counterpart of migrations/sqlite/0002_auth.sql, plus the request identity
-- functions SQLite gets from the server (store/sqlite/sqlite_functions.cpp: auth_uid,
-- auth_role, auth_jwt).
CREATE TABLE auth.users (
  id uuid PRIMARY KEY NOT NULL DEFAULT gen_random_uuid(),
  aud varchar(255) NOT NULL DEFAULT 'authenticated',
  role varchar(255) NOT NULL DEFAULT 'authenticated',
  email varchar(255),
  encrypted_password varchar(255),
  email_confirmed_at timestamptz,
  invited_at timestamptz,
  confirmation_sent_at timestamptz,
  recovery_sent_at timestamptz,
  email_change varchar(255),
  email_change_sent_at timestamptz,
  last_sign_in_at timestamptz,
  raw_app_meta_data jsonb NOT NULL DEFAULT '{}',
  raw_user_meta_data jsonb NOT NULL DEFAULT '{}',
  phone text,
  phone_confirmed_at timestamptz,
  banned_until timestamptz,
  is_anonymous boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  CONSTRAINT users_email_lower CHECK (email IS NULL OR email = lower(email)),
  CONSTRAINT users_email_format CHECK (email IS NULL OR email LIKE '_%@_%'),
  CONSTRAINT users_raw_app_meta_data_object CHECK (jsonb_typeof(raw_app_meta_data) = 'object'),
  CONSTRAINT users_raw_user_meta_data_object CHECK (jsonb_typeof(raw_user_meta_data) = 'object')
);
CREATE UNIQUE INDEX users_email_key ON auth.users (email);
CREATE UNIQUE INDEX users_phone_key ON auth.users (phone);

CREATE TRIGGER update_auth_users_updated_at BEFORE UPDATE ON auth.users
  FOR EACH ROW EXECUTE FUNCTION kit.update_updated_at();

-- Server-internal: no client role reaches it (42501); the server works as service_role.
ALTER TABLE auth.users ENABLE ROW LEVEL SECURITY;
ALTER TABLE auth.users FORCE ROW LEVEL SECURITY;
REVOKE ALL ON auth.users FROM anon, authenticated, service_role;
GRANT SELECT, INSERT, UPDATE, DELETE ON auth.users TO service_role;

-- The caller, from the claims the server sets per transaction
-- (set_config('request.jwt.claims', …, true)). Once a transaction has set them, the
-- setting reads as '' (not NULL) in later transactions of the session: nullif.
-- Plain SQL, STABLE and not SECURITY DEFINER, so the planner inlines them; policies still
-- write (SELECT auth.uid()) so it is computed once per statement.

-- The JWT's claims; '{}' when there are none (the server itself), as on SQLite.
CREATE FUNCTION auth.jwt() RETURNS jsonb
LANGUAGE sql STABLE AS $$
  SELECT coalesce(nullif(pg_catalog.current_setting('request.jwt.claims', true), '')::jsonb, '{}'::jsonb)
$$;

-- The user's id (the sub claim); NULL for anon, service_role and the server.
CREATE FUNCTION auth.uid() RETURNS uuid
LANGUAGE sql STABLE AS $$
  SELECT nullif(nullif(pg_catalog.current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub', '')::uuid
$$;

-- The JWT's role claim (anon, authenticated, service_role); NULL without claims.
-- (Supabase's auth.role(). Triggers that must tell clients from the server test the
-- database role, current_user, instead: see accounts_protect_fields in 0010.)
CREATE FUNCTION auth.role() RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT nullif(pg_catalog.current_setting('request.jwt.claims', true), '')::jsonb ->> 'role'
$$;

REVOKE ALL ON FUNCTION auth.jwt(), auth.uid(), auth.role() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth.jwt(), auth.uid(), auth.role() TO anon, authenticated, service_role;
