-- Accounts, memberships, roles and permissions: the seed's core multi-tenant tables.

-- CREATE TYPE app_permissions AS ENUM (...). Later migrations add values with an INSERT.
INSERT INTO kit_enum_values (type_name, value, sort_order) VALUES
  ('app_permissions', 'roles.manage', 1),
  ('app_permissions', 'billing.manage', 2),
  ('app_permissions', 'settings.manage', 3),
  ('app_permissions', 'members.manage', 4),
  ('app_permissions', 'invites.manage', 5);

-- Roles: lower hierarchy_level = more privilege. numeric, so a role can sit between two
-- others (the seed's 'manager' at 1.5); unique, so "ranks higher" is never a tie.
CREATE TABLE roles (
  name varchar(50) PRIMARY KEY NOT NULL,
  hierarchy_level numeric NOT NULL,
  CONSTRAINT roles_name_not_empty CHECK (length(trim(name)) > 0 AND length(name) <= 50),
  CONSTRAINT roles_hierarchy_level_positive CHECK (typeof(hierarchy_level) IN ('integer', 'real') AND hierarchy_level > 0)
);
CREATE UNIQUE INDEX roles_hierarchy_level_key ON roles (hierarchy_level);

INSERT INTO roles (name, hierarchy_level) VALUES ('owner', 1), ('member', 2);

CREATE TABLE role_permissions (
  id integer PRIMARY KEY,
  role varchar(50) NOT NULL REFERENCES roles (name) ON DELETE CASCADE ON UPDATE CASCADE,
  permission app_permissions NOT NULL,
  CONSTRAINT role_permissions_role_permission_key UNIQUE (role, permission)
);

CREATE TRIGGER role_permissions_permission_enum_insert BEFORE INSERT ON role_permissions
WHEN NEW.permission IS NOT NULL AND NOT EXISTS (SELECT 1 FROM kit_enum_values WHERE type_name = 'app_permissions' AND value = NEW.permission)
BEGIN SELECT RAISE(ABORT, '22P02: invalid input value for enum app_permissions'); END;
CREATE TRIGGER role_permissions_permission_enum_update BEFORE UPDATE OF permission ON role_permissions
WHEN NEW.permission IS NOT NULL AND NOT EXISTS (SELECT 1 FROM kit_enum_values WHERE type_name = 'app_permissions' AND value = NEW.permission)
BEGIN SELECT RAISE(ABORT, '22P02: invalid input value for enum app_permissions'); END;

INSERT INTO role_permissions (role, permission) VALUES
  ('owner', 'roles.manage'),
  ('owner', 'billing.manage'),
  ('owner', 'settings.manage'),
  ('owner', 'members.manage'),
  ('owner', 'invites.manage'),
  ('member', 'members.manage'),
  ('member', 'invites.manage');

-- Accounts: personal (id = the user's id, no slug) or team (random id, unique slug).
CREATE TABLE accounts (
  id uuid PRIMARY KEY NOT NULL DEFAULT (gen_random_uuid()),
  primary_owner_user_id uuid NOT NULL REFERENCES auth_users (id) ON DELETE CASCADE,
  name varchar(255) NOT NULL,
  slug text,
  email varchar(320),
  is_personal_account boolean NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT (now()),
  created_at timestamptz NOT NULL DEFAULT (now()),
  created_by uuid REFERENCES auth_users (id) ON DELETE SET NULL,
  updated_by uuid REFERENCES auth_users (id) ON DELETE SET NULL,
  picture_url varchar(1000),
  public_data jsonb NOT NULL DEFAULT '{}',
  CONSTRAINT accounts_slug_null_if_personal_account_true CHECK (
    (is_personal_account = 1 AND slug IS NULL) OR (is_personal_account = 0 AND slug IS NOT NULL)),
  CONSTRAINT accounts_personal_account_id_is_owner CHECK (
    is_personal_account = 0 OR id = primary_owner_user_id),
  CONSTRAINT accounts_is_personal_account_bool CHECK (is_personal_account IN (0, 1)),
  CONSTRAINT accounts_name_length CHECK (length(trim(name)) > 0 AND length(name) <= 255),
  CONSTRAINT accounts_slug_format CHECK (
    slug IS NULL OR (length(slug) BETWEEN 1 AND 255 AND slug NOT GLOB '*[^a-z0-9-]*')),
  CONSTRAINT accounts_email_length CHECK (email IS NULL OR length(email) <= 320),
  CONSTRAINT accounts_picture_url_length CHECK (picture_url IS NULL OR length(picture_url) <= 1000),
  CONSTRAINT accounts_public_data_json CHECK (json_valid(public_data))
);
CREATE UNIQUE INDEX accounts_slug_key ON accounts (slug);
CREATE UNIQUE INDEX accounts_email_key ON accounts (email);
CREATE INDEX ix_accounts_primary_owner_user_id ON accounts (primary_owner_user_id);
CREATE INDEX ix_accounts_is_personal_account ON accounts (is_personal_account);
CREATE INDEX ix_accounts_created_by ON accounts (created_by);
CREATE INDEX ix_accounts_updated_by ON accounts (updated_by);

CREATE TRIGGER update_accounts_updated_at AFTER UPDATE ON accounts FOR EACH ROW
BEGIN UPDATE accounts SET updated_at = now() WHERE rowid = NEW.rowid; END;

-- Memberships of team accounts. Personal accounts have none (the owner is implied).
CREATE TABLE accounts_memberships (
  user_id uuid NOT NULL REFERENCES auth_users (id) ON DELETE CASCADE,
  account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  account_role varchar(50) NOT NULL REFERENCES roles (name) ON UPDATE CASCADE,
  created_at timestamptz NOT NULL DEFAULT (now()),
  updated_at timestamptz NOT NULL DEFAULT (now()),
  created_by uuid REFERENCES auth_users (id) ON DELETE SET NULL,
  updated_by uuid REFERENCES auth_users (id) ON DELETE SET NULL,
  PRIMARY KEY (user_id, account_id)
);
CREATE INDEX ix_accounts_memberships_account_id ON accounts_memberships (account_id);
CREATE INDEX ix_accounts_memberships_user_id ON accounts_memberships (user_id);
CREATE INDEX ix_accounts_memberships_account_role ON accounts_memberships (account_role);

CREATE TRIGGER accounts_memberships_team_only_insert BEFORE INSERT ON accounts_memberships
WHEN (SELECT is_personal_account FROM accounts WHERE id = NEW.account_id) = 1
BEGIN SELECT RAISE(ABORT, '23514: personal accounts have no memberships'); END;
CREATE TRIGGER accounts_memberships_team_only_update BEFORE UPDATE OF account_id ON accounts_memberships
WHEN (SELECT is_personal_account FROM accounts WHERE id = NEW.account_id) = 1
BEGIN SELECT RAISE(ABORT, '23514: personal accounts have no memberships'); END;

-- The primary owner's membership cannot be removed; ownership is transferred first. Deleting
-- the account or the user still cascades: their row is gone when the cascade runs.
CREATE TRIGGER accounts_memberships_keep_primary_owner BEFORE DELETE ON accounts_memberships
WHEN EXISTS (SELECT 1 FROM accounts WHERE id = OLD.account_id AND primary_owner_user_id = OLD.user_id)
  AND EXISTS (SELECT 1 FROM auth_users WHERE id = OLD.user_id)
BEGIN SELECT RAISE(ABORT, '23514: the primary owner cannot be removed from the account'); END;

CREATE TRIGGER update_accounts_memberships_updated_at AFTER UPDATE ON accounts_memberships FOR EACH ROW
BEGIN UPDATE accounts_memberships SET updated_at = now() WHERE rowid = NEW.rowid; END;

-- Invitations to team accounts; the token is a secret (see docs/schema.md).
CREATE TABLE invitations (
  id integer PRIMARY KEY,
  email varchar(255) NOT NULL,
  account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  invited_by uuid NOT NULL REFERENCES auth_users (id) ON DELETE CASCADE,
  role varchar(50) NOT NULL REFERENCES roles (name) ON UPDATE CASCADE,
  invite_token varchar(255) NOT NULL,
  created_at timestamptz NOT NULL DEFAULT (now()),
  updated_at timestamptz NOT NULL DEFAULT (now()),
  expires_at timestamptz NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000+00:00', 'now', '+7 days')),
  CONSTRAINT invitations_email_account_id_key UNIQUE (email, account_id),
  CONSTRAINT invitations_email_format CHECK (email = lower(email) AND email LIKE '_%@_%' AND length(email) <= 255),
  CONSTRAINT invitations_invite_token_not_empty CHECK (length(invite_token) BETWEEN 1 AND 255),
  CONSTRAINT invitations_expires_after_created CHECK (expires_at > created_at)
);
CREATE UNIQUE INDEX invitations_invite_token_key ON invitations (invite_token);
CREATE INDEX ix_invitations_account_id ON invitations (account_id);
CREATE INDEX ix_invitations_invited_by ON invitations (invited_by);
CREATE INDEX ix_invitations_role ON invitations (role);

CREATE TRIGGER invitations_team_only_insert BEFORE INSERT ON invitations
WHEN (SELECT is_personal_account FROM accounts WHERE id = NEW.account_id) = 1
BEGIN SELECT RAISE(ABORT, '23514: personal accounts cannot have invitations'); END;
CREATE TRIGGER invitations_team_only_update BEFORE UPDATE OF account_id ON invitations
WHEN (SELECT is_personal_account FROM accounts WHERE id = NEW.account_id) = 1
BEGIN SELECT RAISE(ABORT, '23514: personal accounts cannot have invitations'); END;

-- A team account turned personal (possible when its id is its owner's) keeps neither.
CREATE TRIGGER accounts_personal_has_no_memberships BEFORE UPDATE OF is_personal_account ON accounts
WHEN NEW.is_personal_account = 1 AND (
  EXISTS (SELECT 1 FROM accounts_memberships WHERE account_id = OLD.id)
  OR EXISTS (SELECT 1 FROM invitations WHERE account_id = OLD.id))
BEGIN SELECT RAISE(ABORT, '23514: personal accounts have no memberships or invitations'); END;

CREATE TRIGGER update_invitations_updated_at AFTER UPDATE ON invitations FOR EACH ROW
BEGIN UPDATE invitations SET updated_at = now() WHERE rowid = NEW.rowid; END;

-- One-time tokens for sensitive operations. `token` holds a keyed hash of the code or
-- link token (never the token itself); lookups are by (target_id, purpose).
CREATE TABLE one_time_tokens (
  id uuid PRIMARY KEY NOT NULL DEFAULT (gen_random_uuid()),
  token text NOT NULL,
  target_id uuid REFERENCES auth_users (id) ON DELETE CASCADE,
  purpose varchar(255) NOT NULL,
  scopes jsonb NOT NULL DEFAULT '[]',
  metadata jsonb NOT NULL DEFAULT '{}',
  ip_address text,
  user_agent text,
  created_at timestamptz NOT NULL DEFAULT (now()),
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  revoked boolean NOT NULL DEFAULT 0,
  revoked_reason text,
  revoked_at timestamptz,
  verification_attempts integer NOT NULL DEFAULT 0,
  last_verification_at timestamptz,
  last_verification_ip text,
  last_verification_user_agent text,
  CONSTRAINT one_time_tokens_token_is_hash CHECK (length(token) >= 32),
  CONSTRAINT one_time_tokens_purpose_not_empty CHECK (length(trim(purpose)) > 0),
  CONSTRAINT one_time_tokens_scopes_array CHECK (json_valid(scopes) AND json_type(scopes) = 'array'),
  CONSTRAINT one_time_tokens_metadata_object CHECK (json_valid(metadata) AND json_type(metadata) = 'object'),
  CONSTRAINT one_time_tokens_expires_after_created CHECK (expires_at > created_at),
  CONSTRAINT one_time_tokens_revoked_bool CHECK (revoked IN (0, 1)),
  CONSTRAINT one_time_tokens_verification_attempts_nonnegative CHECK (verification_attempts >= 0)
);
CREATE INDEX ix_one_time_tokens_target_id_purpose ON one_time_tokens (target_id, purpose);
CREATE INDEX ix_one_time_tokens_expires_at ON one_time_tokens (expires_at);

-- Platform administrators. Their powers also need an aal2 session (is_super_admin()).
CREATE TABLE super_admins (
  user_id uuid PRIMARY KEY NOT NULL REFERENCES auth_users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT (now()),
  created_by uuid REFERENCES auth_users (id) ON DELETE SET NULL
);
CREATE INDEX ix_super_admins_created_by ON super_admins (created_by);
