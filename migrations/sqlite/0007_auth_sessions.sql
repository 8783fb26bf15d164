-- Sessions, refresh tokens and MFA factors for GoTrue-compatible auth, and the seed's
-- "personal account on sign-up" trigger behaviour.

-- A session is one sign-in on one device. Logging out deletes it, which revokes its
-- refresh tokens and makes its access tokens fail the per-request session check.
CREATE TABLE auth_sessions (
  id uuid PRIMARY KEY NOT NULL DEFAULT (gen_random_uuid()),
  user_id uuid NOT NULL REFERENCES auth_users (id) ON DELETE CASCADE,
  aal varchar(8) NOT NULL DEFAULT 'aal1',
  amr jsonb NOT NULL DEFAULT '[]',
  factor_id uuid,
  user_agent text,
  ip text,
  created_at timestamptz NOT NULL DEFAULT (now()),
  updated_at timestamptz NOT NULL DEFAULT (now()),
  refreshed_at timestamptz,
  CONSTRAINT sessions_id_user_id_key UNIQUE (id, user_id),
  CONSTRAINT sessions_aal_known CHECK (aal IN ('aal1', 'aal2')),
  CONSTRAINT sessions_amr_array CHECK (json_valid(amr) AND json_type(amr) = 'array')
);
CREATE INDEX ix_auth_sessions_user_id ON auth_sessions (user_id);

CREATE TRIGGER update_auth_sessions_updated_at AFTER UPDATE ON auth_sessions FOR EACH ROW
BEGIN UPDATE auth_sessions SET updated_at = now() WHERE rowid = NEW.rowid; END;

-- Refresh tokens are stored as SHA-256 hashes and rotated on every use: using one
-- revokes it and issues its child (parent = the hash it replaced). A revoked token used
-- again after the reuse interval means it leaked: the whole session is deleted.
CREATE TABLE auth_refresh_tokens (
  id integer PRIMARY KEY,
  token_hash text NOT NULL,
  session_id uuid NOT NULL REFERENCES auth_sessions (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES auth_users (id) ON DELETE CASCADE,
  parent text,
  revoked boolean NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT (now()),
  updated_at timestamptz NOT NULL DEFAULT (now()),
  -- A token's user is its session's user.
  FOREIGN KEY (session_id, user_id) REFERENCES auth_sessions (id, user_id) ON DELETE CASCADE,
  CONSTRAINT refresh_tokens_token_hash_is_hash CHECK (length(token_hash) = 64),
  CONSTRAINT refresh_tokens_revoked_bool CHECK (revoked IN (0, 1))
);
CREATE UNIQUE INDEX refresh_tokens_token_hash_key ON auth_refresh_tokens (token_hash);
CREATE INDEX ix_auth_refresh_tokens_session_id ON auth_refresh_tokens (session_id);
CREATE INDEX ix_auth_refresh_tokens_user_id ON auth_refresh_tokens (user_id);

CREATE TRIGGER update_auth_refresh_tokens_updated_at AFTER UPDATE ON auth_refresh_tokens FOR EACH ROW
BEGIN UPDATE auth_refresh_tokens SET updated_at = now() WHERE rowid = NEW.rowid; END;

-- TOTP factors. The secret is sealed with a key derived from the server secret, so a copy
-- of the database alone does not yield second factors. last_used_step refuses replays.
CREATE TABLE auth_mfa_factors (
  id uuid PRIMARY KEY NOT NULL DEFAULT (gen_random_uuid()),
  user_id uuid NOT NULL REFERENCES auth_users (id) ON DELETE CASCADE,
  friendly_name text,
  factor_type varchar(16) NOT NULL DEFAULT 'totp',
  status varchar(16) NOT NULL DEFAULT 'unverified',
  secret text NOT NULL,
  last_used_step integer,
  created_at timestamptz NOT NULL DEFAULT (now()),
  updated_at timestamptz NOT NULL DEFAULT (now()),
  CONSTRAINT mfa_factors_type_known CHECK (factor_type IN ('totp')),
  CONSTRAINT mfa_factors_status_known CHECK (status IN ('unverified', 'verified'))
);
CREATE INDEX ix_auth_mfa_factors_user_id ON auth_mfa_factors (user_id);
CREATE UNIQUE INDEX mfa_factors_user_friendly_name_key ON auth_mfa_factors (user_id, friendly_name)
  WHERE friendly_name IS NOT NULL AND trim(friendly_name) <> '';

CREATE TRIGGER update_auth_mfa_factors_updated_at AFTER UPDATE ON auth_mfa_factors FOR EACH ROW
BEGIN UPDATE auth_mfa_factors SET updated_at = now() WHERE rowid = NEW.rowid; END;

CREATE TABLE auth_mfa_challenges (
  id uuid PRIMARY KEY NOT NULL DEFAULT (gen_random_uuid()),
  factor_id uuid NOT NULL REFERENCES auth_mfa_factors (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT (now()),
  expires_at timestamptz NOT NULL,
  verified_at timestamptz,
  verification_attempts integer NOT NULL DEFAULT 0,
  ip_address text,
  CONSTRAINT mfa_challenges_attempts_nonnegative CHECK (verification_attempts >= 0)
);
CREATE INDEX ix_auth_mfa_challenges_factor_id ON auth_mfa_challenges (factor_id);

-- The seed: a personal account is created with every user, in the same transaction.
-- id = the user's id, no slug, name from user_metadata.name or the email's local part.
CREATE TRIGGER auth_users_create_personal_account AFTER INSERT ON auth_users FOR EACH ROW
BEGIN
  INSERT INTO accounts (id, primary_owner_user_id, name, is_personal_account, email, picture_url)
  VALUES (
    NEW.id, NEW.id,
    substr(coalesce(
      nullif(trim(json_extract(NEW.raw_user_meta_data, '$.name')), ''),
      nullif(trim(substr(NEW.email, 1, instr(NEW.email, '@') - 1)), ''),
      'Personal Account'), 1, 255),
    1, NEW.email,
    json_extract(NEW.raw_user_meta_data, '$.avatar_url'));
END;

-- Email changes reach the personal account.
CREATE TRIGGER auth_users_sync_personal_account_email AFTER UPDATE OF email ON auth_users FOR EACH ROW
WHEN NEW.email IS NOT OLD.email
BEGIN
  UPDATE accounts SET email = NEW.email WHERE id = NEW.id AND is_personal_account = 1;
END;
