-- The version of the tables that decide who a request is and what it may do: sessions,
-- users, accounts (their primary owner), memberships, roles, role permissions and the
-- app_permissions values. Every change to one of them, by any connection of any process,
-- adds one to kit_access_version.n in its own transaction, so two snapshots that read the
-- same n agree on all of those rows. The server keeps what it learnt from them (a session
-- check, a caller's membership of an account, whether they own it) for reads that see the
-- same n (store/shared_facts.h) and reads them again once n moves.
--
-- Only the columns the server reads count: a token refresh (refreshed_at) or a profile edit
-- leaves n alone; a sign-in, which adds a session, moves it.
CREATE TABLE kit_access_version (
  id integer PRIMARY KEY CHECK (id = 1),
  n integer NOT NULL
);
INSERT INTO kit_access_version (id, n) VALUES (1, 1);

CREATE TRIGGER kit_access_version_sessions_insert AFTER INSERT ON auth_sessions
BEGIN UPDATE kit_access_version SET n = n + 1; END;
CREATE TRIGGER kit_access_version_sessions_update AFTER UPDATE OF id, user_id, aal ON auth_sessions
BEGIN UPDATE kit_access_version SET n = n + 1; END;
CREATE TRIGGER kit_access_version_sessions_delete AFTER DELETE ON auth_sessions
BEGIN UPDATE kit_access_version SET n = n + 1; END;

CREATE TRIGGER kit_access_version_users_insert AFTER INSERT ON auth_users
BEGIN UPDATE kit_access_version SET n = n + 1; END;
CREATE TRIGGER kit_access_version_users_update AFTER UPDATE OF id, banned_until, deleted_at ON auth_users
BEGIN UPDATE kit_access_version SET n = n + 1; END;
CREATE TRIGGER kit_access_version_users_delete AFTER DELETE ON auth_users
BEGIN UPDATE kit_access_version SET n = n + 1; END;

CREATE TRIGGER kit_access_version_accounts_insert AFTER INSERT ON accounts
BEGIN UPDATE kit_access_version SET n = n + 1; END;
CREATE TRIGGER kit_access_version_accounts_update AFTER UPDATE OF id, primary_owner_user_id ON accounts
BEGIN UPDATE kit_access_version SET n = n + 1; END;
CREATE TRIGGER kit_access_version_accounts_delete AFTER DELETE ON accounts
BEGIN UPDATE kit_access_version SET n = n + 1; END;

CREATE TRIGGER kit_access_version_memberships_insert AFTER INSERT ON accounts_memberships
BEGIN UPDATE kit_access_version SET n = n + 1; END;
CREATE TRIGGER kit_access_version_memberships_update AFTER UPDATE OF user_id, account_id, account_role ON accounts_memberships
BEGIN UPDATE kit_access_version SET n = n + 1; END;
CREATE TRIGGER kit_access_version_memberships_delete AFTER DELETE ON accounts_memberships
BEGIN UPDATE kit_access_version SET n = n + 1; END;

CREATE TRIGGER kit_access_version_roles_insert AFTER INSERT ON roles
BEGIN UPDATE kit_access_version SET n = n + 1; END;
CREATE TRIGGER kit_access_version_roles_update AFTER UPDATE ON roles
BEGIN UPDATE kit_access_version SET n = n + 1; END;
CREATE TRIGGER kit_access_version_roles_delete AFTER DELETE ON roles
BEGIN UPDATE kit_access_version SET n = n + 1; END;

CREATE TRIGGER kit_access_version_role_permissions_insert AFTER INSERT ON role_permissions
BEGIN UPDATE kit_access_version SET n = n + 1; END;
CREATE TRIGGER kit_access_version_role_permissions_update AFTER UPDATE ON role_permissions
BEGIN UPDATE kit_access_version SET n = n + 1; END;
CREATE TRIGGER kit_access_version_role_permissions_delete AFTER DELETE ON role_permissions
BEGIN UPDATE kit_access_version SET n = n + 1; END;

CREATE TRIGGER kit_access_version_enum_values_insert AFTER INSERT ON kit_enum_values
BEGIN UPDATE kit_access_version SET n = n + 1; END;
CREATE TRIGGER kit_access_version_enum_values_update AFTER UPDATE ON kit_enum_values
BEGIN UPDATE kit_access_version SET n = n + 1; END;
CREATE TRIGGER kit_access_version_enum_values_delete AFTER DELETE ON kit_enum_values
BEGIN UPDATE kit_access_version SET n = n + 1; END;
