-- auth.users (SQLite: auth_users): the identities GoTrue-compatible auth manages.
-- Columns keep GoTrue's names so Supabase users recognise them.
CREATE TABLE auth_users (
  id uuid PRIMARY KEY NOT NULL DEFAULT (gen_random_uuid()),
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
  is_anonymous boolean NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT (now()),
  updated_at timestamptz NOT NULL DEFAULT (now()),
  deleted_at timestamptz,
  CONSTRAINT users_email_lower CHECK (email IS NULL OR email = lower(email)),
  CONSTRAINT users_email_format CHECK (email IS NULL OR email LIKE '_%@_%'),
  CONSTRAINT users_raw_app_meta_data_object CHECK (json_valid(raw_app_meta_data) AND json_type(raw_app_meta_data) = 'object'),
  CONSTRAINT users_raw_user_meta_data_object CHECK (json_valid(raw_user_meta_data) AND json_type(raw_user_meta_data) = 'object'),
  CONSTRAINT users_is_anonymous_bool CHECK (is_anonymous IN (0, 1))
);
CREATE UNIQUE INDEX users_email_key ON auth_users (email);
CREATE UNIQUE INDEX users_phone_key ON auth_users (phone);

CREATE TRIGGER update_auth_users_updated_at AFTER UPDATE ON auth_users FOR EACH ROW
BEGIN UPDATE auth_users SET updated_at = now() WHERE rowid = NEW.rowid; END;
