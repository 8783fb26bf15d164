-- Direct-connection safety: the PostgreSQL migrations (migrations/postgres/) enforce the
-- security model by themselves, for any client connected to the database, not only
-- through the server. Run on a freshly migrated database, as the server's own role:
--
--   psql "$TB_PG_URL" -v ON_ERROR_STOP=1 -f tests/pg/direct_rls.sql
--
-- As service_role it seeds users (the sign-up trigger creates their personal accounts),
-- two teams with an owner and a member, invitations, notifications (one expired),
-- billing rows, a super admin and storage objects. Then, as each caller (SET ROLE
-- authenticated / anon with request.jwt.claims, the PostgREST way), it checks every table
-- of public and storage (what a member, a non-member and anon see and may write) and that
-- auth and kit are out of reach; finally that the owner role itself sees nothing (FORCE
-- ROW LEVEL SECURITY). Any broken expectation raises, so psql exits non-zero. Everything
-- runs in one transaction that is rolled back: the database is left as it was.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset tuples_only on
\pset format unaligned
\o /dev/null

BEGIN;

-- ---- the callers ----------------------------------------------------------------------
\set owner    '11111111-1111-4111-8111-111111111111'
\set member   '22222222-2222-4222-8222-222222222222'
\set outsider '33333333-3333-4333-8333-333333333333'
\set admin    '44444444-4444-4444-8444-444444444444'
\set owner_b  '55555555-5555-4555-8555-555555555555'
\set team_a   'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'
\set team_b   'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb'

-- ---- assertion helpers (temporary: they vanish with the session) -----------------------
-- Each runs as whoever the session is at the time of the call.

-- Becomes `who` ('authenticated', 'anon', 'service_role' or 'none' = the login role),
-- with claims for `sub` at `aal`, as the server does per request.
CREATE FUNCTION pg_temp.become(who text, sub uuid DEFAULT NULL, aal text DEFAULT 'aal1') RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM set_config('role', 'none', false);
  PERFORM set_config('request.jwt.claims',
    CASE WHEN who = 'none' THEN ''
         ELSE jsonb_strip_nulls(jsonb_build_object('sub', sub, 'role', who, 'aal', aal))::text END, false);
  PERFORM set_config('role', who, false);
END
$$;

-- Runs `stmt` in a subtransaction that is always rolled back; reports its SQLSTATE
-- ('00000' on success), message and row count.
CREATE FUNCTION pg_temp.try(stmt text, OUT state text, OUT msg text, OUT n bigint)
LANGUAGE plpgsql AS $$
BEGIN
  BEGIN
    EXECUTE stmt;
    GET DIAGNOSTICS n = ROW_COUNT;
    state := '00000';
    RAISE EXCEPTION 'undo' USING ERRCODE = 'P0099';
  EXCEPTION
    WHEN SQLSTATE 'P0099' THEN NULL;
    WHEN OTHERS THEN GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
  END;
END
$$;

-- `relation` (a table or view) shows the current caller exactly `expected` rows.
CREATE FUNCTION pg_temp.sees(label text, relation text, expected bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  got bigint;
BEGIN
  EXECUTE 'SELECT count(*) FROM ' || relation INTO got;
  IF got IS DISTINCT FROM expected THEN
    RAISE EXCEPTION '% (as %): expected % row(s) of %, got %', label, current_user, expected, relation, got;
  END IF;
EXCEPTION WHEN insufficient_privilege THEN
  RAISE EXCEPTION '% (as %): expected % row(s) of %, got permission denied: %', label, current_user, expected, relation, SQLERRM;
END
$$;

-- `stmt` succeeds and changes exactly `expected` rows (then it is undone).
CREATE FUNCTION pg_temp.writes(label text, stmt text, expected bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  r record;
BEGIN
  r := pg_temp.try(stmt);
  IF r.state <> '00000' THEN
    RAISE EXCEPTION '% (as %): expected % row(s) changed, got error %: %', label, current_user, expected, r.state, r.msg;
  END IF;
  IF r.n <> expected THEN
    RAISE EXCEPTION '% (as %): expected % row(s) changed, got %', label, current_user, expected, r.n;
  END IF;
END
$$;

-- `stmt` fails with `sqlstate` and a message LIKE `pattern`.
CREATE FUNCTION pg_temp.fails(label text, stmt text, sqlstate text, pattern text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  r record;
BEGIN
  r := pg_temp.try(stmt);
  IF r.state = '00000' THEN
    RAISE EXCEPTION '% (as %): expected error % "%", but it succeeded (% row(s))', label, current_user, sqlstate, pattern, r.n;
  END IF;
  IF r.state <> sqlstate OR r.msg NOT LIKE pattern THEN
    RAISE EXCEPTION '% (as %): expected error % "%", got %: %', label, current_user, sqlstate, pattern, r.state, r.msg;
  END IF;
END
$$;

-- A read of `relation` is refused outright: permission denied (42501).
CREATE FUNCTION pg_temp.denied(label text, relation text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_temp.fails(label, 'SELECT count(*) FROM ' || relation, '42501', 'permission denied for %');
END
$$;

CREATE FUNCTION pg_temp.check(label text, ok boolean) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF ok IS NOT TRUE THEN
    RAISE EXCEPTION '% (as %): expected this to hold; it evaluated to %', label, current_user, coalesce(ok::text, 'NULL');
  END IF;
END
$$;

-- The helpers are the login role's (which grants no function to PUBLIC by default).
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA pg_temp TO anon, authenticated, service_role;

-- ---- seed, as service_role ------------------------------------------------------------
SELECT pg_temp.become('service_role');

INSERT INTO auth.users (id, email, raw_user_meta_data) VALUES
  (:'owner', 'owner@example.com', '{"name": "Olivia Owner"}'),
  (:'member', 'member@example.com', '{}'),
  (:'outsider', 'outsider@example.com', '{}'),
  (:'admin', 'admin@example.com', '{}'),
  (:'owner_b', 'owner.b@example.com', '{}');

-- The sign-up trigger made one personal account per user (id = user id, name from the
-- metadata or the email's local part).
SELECT pg_temp.check('sign-up creates personal accounts',
  (SELECT count(*) = 5 FROM public.accounts WHERE is_personal_account AND id = primary_owner_user_id));
SELECT pg_temp.check('personal account name from user metadata',
  (SELECT name = 'Olivia Owner' FROM public.accounts WHERE id = :'owner'));
SELECT pg_temp.check('personal account name from the email',
  (SELECT name = 'member' AND email = 'member@example.com' FROM public.accounts WHERE id = :'member'));

INSERT INTO public.accounts (id, primary_owner_user_id, name, slug, is_personal_account) VALUES
  (:'team_a', :'owner', 'Team A', 'team-a', false),
  (:'team_b', :'owner_b', 'Team B', 'team-b', false);
INSERT INTO public.accounts_memberships (user_id, account_id, account_role) VALUES
  (:'owner', :'team_a', 'owner'),
  (:'member', :'team_a', 'member'),
  (:'owner_b', :'team_b', 'owner');

INSERT INTO public.invitations (email, account_id, invited_by, role, invite_token) VALUES
  ('invitee.a@example.com', :'team_a', :'owner', 'member', 'token-a'),
  ('invitee.b@example.com', :'team_b', :'owner_b', 'member', 'token-b');

INSERT INTO public.notifications (account_id, type, body) VALUES
  (:'team_a', 'info', 'for team a'),
  (:'member', 'info', 'for the member personally'),
  (:'team_b', 'info', 'for team b');
INSERT INTO public.notifications (account_id, body, created_at, expires_at) VALUES
  (:'team_a', 'expired', now() - interval '2 days', now() - interval '1 day');

INSERT INTO public.billing_customers (account_id, provider, customer_id) VALUES
  (:'team_a', 'stripe', 'cus_a'), (:'team_b', 'stripe', 'cus_b'), (:'outsider', 'stripe', 'cus_x');
INSERT INTO public.subscriptions (id, account_id, customer_id, status, active, billing_provider, currency,
                                  period_starts_at, period_ends_at) VALUES
  ('sub_a', :'team_a', 'cus_a', 'active', true, 'stripe', 'usd', now(), now() + interval '1 month'),
  ('sub_b', :'team_b', 'cus_b', 'active', true, 'stripe', 'usd', now(), now() + interval '1 month'),
  ('sub_x', :'outsider', 'cus_x', 'active', true, 'stripe', 'usd', now(), now() + interval '1 month');
-- account_id is left out, as in the seed's example: copied from the subscription.
INSERT INTO public.subscription_items (id, subscription_id, price_id, quantity, type) VALUES
  ('si_a_seats', 'sub_a', 'price_seat', 2, 'per_seat'),
  ('si_b_seats', 'sub_b', 'price_seat', 1, 'per_seat'),
  ('si_x_flat', 'sub_x', 'price_flat', 1, 'flat');
INSERT INTO public.subscription_features (subscription_id, feature_name) VALUES
  ('sub_a', 'reports'), ('sub_b', 'reports');
INSERT INTO public.orders (id, account_id, customer_id, status, billing_provider, total_amount, currency) VALUES
  ('ord_a', :'team_a', 'cus_a', 'succeeded', 'stripe', 10, 'usd'),
  ('ord_b', :'team_b', 'cus_b', 'succeeded', 'stripe', 10, 'usd');
INSERT INTO public.order_items (id, order_id, price_id) VALUES ('oi_a', 'ord_a', 'price_once'), ('oi_b', 'ord_b', 'price_once');
SELECT pg_temp.check('subscription_items.account_id copied from the subscription',
  (SELECT account_id = :'team_a' FROM public.subscription_items WHERE id = 'si_a_seats'));

INSERT INTO public.super_admins (user_id) VALUES (:'admin');
INSERT INTO auth.mfa_factors (user_id, status, secret) VALUES (:'admin', 'verified', 'sealed');
INSERT INTO auth.sessions (user_id) VALUES (:'member');
INSERT INTO public.one_time_tokens (token, target_id, purpose, expires_at) VALUES
  (repeat('h', 64), :'member', 'account-deletion', now() + interval '1 hour');
INSERT INTO kit.billing_events (provider, event_id, event_type, occurred_at) VALUES ('stripe', 'evt_1', 'x', now());

INSERT INTO storage.buckets (id, name, public) VALUES ('private_docs', 'private_docs', false);
INSERT INTO storage.objects (bucket_id, name) VALUES
  ('account_image', :'team_a' || '/logo.png'),
  ('account_image', :'team_b' || '/logo.png'),
  ('account_image', :'member' || '/avatar.png'),
  ('private_docs', :'team_a' || '/contract.pdf');

-- service_role bypasses every policy.
SELECT pg_temp.sees('service_role reads every account', 'public.accounts', 7);
SELECT pg_temp.sees('service_role reads every membership', 'public.accounts_memberships', 3);
SELECT pg_temp.sees('service_role reads every notification, expired too', 'public.notifications', 4);
SELECT pg_temp.sees('service_role reads every object', 'storage.objects', 4);
SELECT pg_temp.check('service_role learns any account''s plan', public.has_active_subscription(:'team_a'));
-- The primary owner's membership stays, even for service_role.
SELECT pg_temp.fails('the primary owner''s membership cannot be deleted',
  format('DELETE FROM public.accounts_memberships WHERE user_id = %L AND account_id = %L', :'owner', :'team_a'),
  '23514', 'the primary owner cannot be removed from the account');
-- Personal accounts take no members.
SELECT pg_temp.fails('a personal account has no memberships',
  format('INSERT INTO public.accounts_memberships (user_id, account_id, account_role) VALUES (%L, %L, ''member'')', :'member', :'outsider'),
  '23514', 'personal accounts have no memberships');

-- ---- the owner role itself: FORCE ROW LEVEL SECURITY ----------------------------------
-- The login role owns every table, yet without claims it sees no tenant's rows. Policies
-- TO authenticated also apply to a member that inherits authenticated (as the fixture's
-- role does): it then reads the reference rows every signed-in user reads, nothing more.
SELECT pg_temp.become('none');
DO $$
DECLARE
  t record;
  n bigint;
  expected bigint;
  inherits boolean := pg_has_role(current_user, 'authenticated', 'USAGE');
BEGIN
  IF current_user <> session_user OR (SELECT rolbypassrls OR rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    RAISE EXCEPTION 'expected to run as the login role, which must not bypass row-level security';
  END IF;
  FOR t IN SELECT format('%I.%I', schemaname, tablename) AS rel, r.signed_in
           FROM pg_tables
           LEFT JOIN (VALUES ('public.roles', 2), ('public.role_permissions', 7), ('public.config', 1),
                             ('storage.buckets', 2), ('storage.objects', 3)) AS r(rel, signed_in)
             ON r.rel = format('%I.%I', schemaname, tablename)
           WHERE schemaname IN ('public', 'auth', 'kit', 'storage') AND tablename <> 'schema_migrations' LOOP
    EXECUTE 'SELECT count(*) FROM ' || t.rel INTO n;
    expected := CASE WHEN inherits THEN coalesce(t.signed_in, 0) ELSE 0 END;
    IF n <> expected THEN
      RAISE EXCEPTION 'the owner role %, without claims, sees % row(s) of %: expected % (FORCE ROW LEVEL SECURITY)',
        current_user, n, t.rel, expected;
    END IF;
  END LOOP;
END
$$;
SELECT pg_temp.sees('the owner role sees no account', 'public.accounts', 0);
SELECT pg_temp.fails('the owner role cannot write past the policies either',
  'INSERT INTO public.roles (name, hierarchy_level) VALUES (''intruder'', 9)', '42501', 'new row violates row-level security policy%');

-- ---- anon -----------------------------------------------------------------------------
SELECT pg_temp.become('anon');
DO $$
DECLARE
  rel text;
BEGIN
  FOREACH rel IN ARRAY ARRAY['public.accounts', 'public.accounts_memberships', 'public.roles', 'public.role_permissions',
      'public.config', 'public.invitations', 'public.one_time_tokens', 'public.super_admins', 'public.billing_customers',
      'public.subscriptions', 'public.subscription_items', 'public.orders', 'public.order_items',
      'public.subscription_features', 'public.notifications', 'public.user_accounts', 'public.user_account_workspace',
      'storage.buckets', 'storage.objects'] LOOP
    PERFORM pg_temp.sees('anon reads nothing', rel, 0);
  END LOOP;
  FOREACH rel IN ARRAY ARRAY['auth.users', 'auth.sessions', 'auth.refresh_tokens', 'auth.mfa_factors', 'auth.mfa_challenges',
      'kit.billing_events', 'kit.billing_versions', 'kit.billing_jobs', 'kit.billing_usage', 'kit.realtime_changes',
      'kit.realtime_tables'] LOOP
    PERFORM pg_temp.denied('anon may not even read ' || rel, rel);
  END LOOP;
END
$$;
SELECT pg_temp.fails('anon cannot insert', 'INSERT INTO public.roles (name, hierarchy_level) VALUES (''anon-role'', 99)',
  '42501', 'new row violates row-level security policy%');
SELECT pg_temp.writes('anon updates nothing', 'UPDATE public.config SET enable_team_accounts = false', 0);
SELECT pg_temp.writes('anon deletes nothing', 'DELETE FROM public.notifications', 0);
SELECT pg_temp.fails('anon may not call the helpers', format('SELECT public.has_role_on_account(%L)', :'team_a'),
  '42501', 'permission denied for function has_role_on_account');

-- ---- every signed-in user: auth and kit are out of reach -------------------------------
SELECT pg_temp.become('authenticated', :'member');
DO $$
DECLARE
  rel text;
BEGIN
  FOREACH rel IN ARRAY ARRAY['auth.users', 'auth.sessions', 'auth.refresh_tokens', 'auth.mfa_factors', 'auth.mfa_challenges',
      'kit.billing_events', 'kit.billing_versions', 'kit.billing_jobs', 'kit.billing_usage', 'kit.realtime_changes',
      'kit.realtime_tables'] LOOP
    PERFORM pg_temp.denied('authenticated may not even read ' || rel, rel);
  END LOOP;
END
$$;
SELECT pg_temp.fails('authenticated may not write auth.users',
  format('UPDATE auth.users SET email = ''x@example.com'' WHERE id = %L', :'member'), '42501', 'permission denied for %');
SELECT pg_temp.fails('authenticated may not queue provider jobs',
  'INSERT INTO kit.billing_jobs (kind, provider, subscription_id, item_id, quantity) VALUES (''usage'', ''stripe'', ''s'', ''i'', 1)',
  '42501', 'permission denied for %');

-- ---- the member of team A -------------------------------------------------------------
-- (still authenticated as the member)
SELECT pg_temp.sees('a member reads their personal account and their team', 'public.accounts', 2);
SELECT pg_temp.sees('a member reads their team''s memberships', 'public.accounts_memberships', 2);
SELECT pg_temp.sees('a member reads the roles', 'public.roles', 2);
SELECT pg_temp.sees('a member reads the role permissions', 'public.role_permissions', 7);
SELECT pg_temp.sees('a member reads config', 'public.config', 1);
SELECT pg_temp.sees('a member with invites.manage reads their team''s invitations', 'public.invitations', 1);
SELECT pg_temp.sees('one_time_tokens are for nobody, even their target', 'public.one_time_tokens', 0);
SELECT pg_temp.sees('a member is no super admin', 'public.super_admins', 0);
SELECT pg_temp.sees('a member reads their team''s billing customer', 'public.billing_customers', 1);
SELECT pg_temp.sees('a member reads their team''s subscription', 'public.subscriptions', 1);
SELECT pg_temp.sees('a member reads their team''s subscription items', 'public.subscription_items', 1);
SELECT pg_temp.sees('a member reads their team''s orders', 'public.orders', 1);
SELECT pg_temp.sees('a member reads their team''s order items', 'public.order_items', 1);
SELECT pg_temp.sees('a member reads their team''s features', 'public.subscription_features', 1);
SELECT pg_temp.sees('a member reads unexpired notifications of their team and their own', 'public.notifications', 2);
SELECT pg_temp.sees('user_accounts lists the member''s team', 'public.user_accounts', 1);
SELECT pg_temp.sees('user_account_workspace is the member''s personal account', 'public.user_account_workspace', 1);
SELECT pg_temp.sees('signed-in users read the buckets', 'storage.buckets', 2);
SELECT pg_temp.sees('signed-in users read account_image objects, nothing of other buckets', 'storage.objects', 3);
SELECT pg_temp.check('user_accounts gives the member''s role',
  (SELECT role = 'member' FROM public.user_accounts WHERE id = :'team_a'));
SELECT pg_temp.check('has_role_on_account: the member''s team', public.has_role_on_account(:'team_a'));
SELECT pg_temp.check('has_role_on_account: with the role', public.has_role_on_account(:'team_a', 'member'));
SELECT pg_temp.check('has_role_on_account: not another role', NOT public.has_role_on_account(:'team_a', 'owner'));
SELECT pg_temp.check('has_role_on_account: not another team', NOT public.has_role_on_account(:'team_b'));
SELECT pg_temp.check('has_permission: invites.manage', public.has_permission(:'member', :'team_a', 'invites.manage'));
SELECT pg_temp.check('has_permission: no settings.manage', NOT public.has_permission(:'member', :'team_a', 'settings.manage'));
SELECT pg_temp.check('is_account_owner: not the team''s', NOT public.is_account_owner(:'team_a'));
SELECT pg_temp.check('is_team_member', public.is_team_member(:'team_a', :'owner'));
SELECT pg_temp.check('can_action_account_member: not on the owner', NOT public.can_action_account_member(:'team_a', :'owner'));
SELECT pg_temp.check('has_active_subscription: own team', public.has_active_subscription(:'team_a'));
SELECT pg_temp.check('has_feature_access: own team', public.has_feature_access(:'team_a', 'reports'));
SELECT pg_temp.check('has_active_subscription: another team is false', NOT public.has_active_subscription(:'team_b'));
SELECT pg_temp.check('has_feature_access: another team is false', NOT public.has_feature_access(:'team_b', 'reports'));
SELECT pg_temp.check('is_set(enable_team_accounts)', public.is_set('enable_team_accounts'));
SELECT pg_temp.check('is_mfa_compliant without factors', public.is_mfa_compliant());
SELECT pg_temp.check('is_aal2 false at aal1', NOT public.is_aal2());
SELECT pg_temp.fails('is_set refuses an unknown flag', 'SELECT public.is_set(''nope'')', '42703', 'column "nope" does not exist in config');
SELECT pg_temp.fails('has_permission refuses an unknown permission',
  format('SELECT public.has_permission(%L, %L, ''nope.manage'')', :'member', :'team_a'), '22P02', 'invalid input value for enum app_permissions%');

-- accounts
SELECT pg_temp.writes('a member renames their personal account',
  format('UPDATE public.accounts SET name = ''Me'' WHERE id = %L', :'member'), 1);
SELECT pg_temp.writes('a member without settings.manage cannot rename the team (0 rows)',
  format('UPDATE public.accounts SET name = ''Hijacked'' WHERE id = %L', :'team_a'), 0);
SELECT pg_temp.writes('a member cannot rename another user''s account (0 rows)',
  format('UPDATE public.accounts SET name = ''Hijacked'' WHERE id = %L', :'outsider'), 0);
SELECT pg_temp.fails('protected field: primary_owner_user_id',
  format('UPDATE public.accounts SET primary_owner_user_id = %L WHERE id = %L', :'outsider', :'member'),
  '42501', 'You do not have permission to update this field');
SELECT pg_temp.fails('protected field: is_personal_account',
  format('UPDATE public.accounts SET is_personal_account = false, slug = ''mine'' WHERE id = %L', :'member'),
  '42501', 'You do not have permission to update this field');
SELECT pg_temp.fails('a client cannot create accounts',
  format('INSERT INTO public.accounts (primary_owner_user_id, name, slug) VALUES (%L, ''New'', ''new-team'')', :'member'),
  '42501', 'new row violates row-level security policy for table "accounts"');
SELECT pg_temp.writes('a client cannot delete accounts (0 rows)',
  format('DELETE FROM public.accounts WHERE id IN (%L, %L)', :'member', :'team_a'), 0);

-- accounts_memberships
SELECT pg_temp.writes('a member leaves their team', format('DELETE FROM public.accounts_memberships WHERE user_id = %L', :'member'), 1);
SELECT pg_temp.writes('a member cannot remove the owner (0 rows)',
  format('DELETE FROM public.accounts_memberships WHERE user_id = %L', :'owner'), 0);
SELECT pg_temp.writes('a member cannot promote themselves (0 rows)',
  format('UPDATE public.accounts_memberships SET account_role = ''owner'' WHERE user_id = %L', :'member'), 0);
SELECT pg_temp.fails('a member cannot join another team',
  format('INSERT INTO public.accounts_memberships (user_id, account_id, account_role) VALUES (%L, %L, ''member'')', :'member', :'team_b'),
  '42501', 'new row violates row-level security policy for table "accounts_memberships"');

-- roles, role_permissions, config: read-only
SELECT pg_temp.fails('a client cannot add roles', 'INSERT INTO public.roles (name, hierarchy_level) VALUES (''boss'', 0.5)',
  '42501', 'new row violates row-level security policy%');
SELECT pg_temp.writes('a client cannot change roles (0 rows)', 'UPDATE public.roles SET hierarchy_level = 0.5 WHERE name = ''member''', 0);
SELECT pg_temp.fails('a client cannot grant permissions',
  'INSERT INTO public.role_permissions (role, permission) VALUES (''member'', ''billing.manage'')', '42501', 'new row violates row-level security policy%');
SELECT pg_temp.writes('a client cannot drop permissions (0 rows)', 'DELETE FROM public.role_permissions', 0);
SELECT pg_temp.writes('a client cannot change config (0 rows)', 'UPDATE public.config SET enable_team_accounts = false', 0);

-- invitations
SELECT pg_temp.writes('invites.manage creates an invitation',
  format('INSERT INTO public.invitations (email, account_id, invited_by, role, invite_token) VALUES (''new@example.com'', %L, %L, ''member'', ''token-new'')',
         :'team_a', :'member'), 1);
DO $$
DECLARE
  stamped timestamptz;
BEGIN
  BEGIN
    INSERT INTO public.invitations (email, account_id, invited_by, role, invite_token, created_at, expires_at)
    VALUES ('stamp@example.com', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', '22222222-2222-4222-8222-222222222222', 'member',
            'token-stamp', '2000-01-01', now() + interval '1 day')
    RETURNING created_at INTO stamped;
    RAISE EXCEPTION 'undo' USING ERRCODE = 'P0099';
  EXCEPTION WHEN SQLSTATE 'P0099' THEN NULL;
  END;
  IF stamped IS DISTINCT FROM now() THEN
    RAISE EXCEPTION 'a client''s invitation gets the server''s created_at: expected %, got %', now(), stamped;
  END IF;
END
$$;
SELECT pg_temp.fails('an invitation in another''s name is refused',
  format('INSERT INTO public.invitations (email, account_id, invited_by, role, invite_token) VALUES (''new@example.com'', %L, %L, ''member'', ''token-new'')',
         :'team_a', :'owner'), '42501', 'new row violates row-level security policy for table "invitations"');
SELECT pg_temp.fails('an invitation to another team is refused',
  format('INSERT INTO public.invitations (email, account_id, invited_by, role, invite_token) VALUES (''new@example.com'', %L, %L, ''member'', ''token-new'')',
         :'team_b', :'member'), '42501', 'new row violates row-level security policy for table "invitations"');
SELECT pg_temp.writes('invites.manage deletes an invitation', 'DELETE FROM public.invitations', 1);
SELECT pg_temp.writes('invitations cannot be updated by clients (0 rows)', 'UPDATE public.invitations SET role = ''owner''', 0);

-- one_time_tokens, super_admins: nothing
SELECT pg_temp.fails('a client cannot mint tokens',
  format('INSERT INTO public.one_time_tokens (token, target_id, purpose, expires_at) VALUES (repeat(''t'', 64), %L, ''x'', now() + interval ''1 hour'')', :'member'),
  '42501', 'new row violates row-level security policy%');
SELECT pg_temp.writes('a client cannot burn tokens (0 rows)', 'DELETE FROM public.one_time_tokens', 0);
SELECT pg_temp.fails('a client cannot make themselves super admin',
  format('INSERT INTO public.super_admins (user_id) VALUES (%L)', :'member'), '42501', 'new row violates row-level security policy%');
SELECT pg_temp.writes('a client cannot remove super admins (0 rows)', 'DELETE FROM public.super_admins', 0);

-- billing: read-only for members
SELECT pg_temp.fails('a client cannot write billing customers',
  format('INSERT INTO public.billing_customers (account_id, provider, customer_id) VALUES (%L, ''paddle'', ''cus_free'')', :'team_a'),
  '42501', 'new row violates row-level security policy%');
SELECT pg_temp.fails('a client cannot create subscriptions',
  format('INSERT INTO public.subscriptions (id, account_id, customer_id, status, active, billing_provider, currency, period_starts_at, period_ends_at) VALUES (''sub_free'', %L, ''cus_a'', ''active'', true, ''stripe'', ''usd'', now(), now())', :'team_a'),
  '42501', 'new row violates row-level security policy%');
SELECT pg_temp.fails('a client cannot add subscription items (RLS before the parent lookup)',
  'INSERT INTO public.subscription_items (id, subscription_id, price_id, type) VALUES (''si_free'', ''sub_b'', ''p'', ''flat'')',
  '42501', 'new row violates row-level security policy%');
SELECT pg_temp.writes('a client cannot extend subscriptions (0 rows)', 'UPDATE public.subscriptions SET period_ends_at = now() + interval ''10 years''', 0);
SELECT pg_temp.writes('a client cannot change seat counts (0 rows)', 'UPDATE public.subscription_items SET quantity = 0', 0);
SELECT pg_temp.writes('a client cannot delete orders (0 rows)', 'DELETE FROM public.orders', 0);
SELECT pg_temp.writes('a client cannot change order items (0 rows)', 'UPDATE public.order_items SET quantity = 9', 0);
SELECT pg_temp.fails('a client cannot enable features',
  'INSERT INTO public.subscription_features (subscription_id, account_id, feature_name) VALUES (''sub_a'', ''aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'', ''everything'')',
  '42501', 'new row violates row-level security policy%');

-- notifications
SELECT pg_temp.writes('a member dismisses their team''s notification',
  'UPDATE public.notifications SET dismissed = true WHERE body = ''for team a''', 1);
SELECT pg_temp.fails('only dismissed may change',
  'UPDATE public.notifications SET body = ''edited'' WHERE body = ''for team a''', '42501', 'You do not have permission to update this field');
SELECT pg_temp.writes('an expired notification cannot be touched (0 rows)', 'UPDATE public.notifications SET dismissed = true WHERE body = ''expired''', 0);
SELECT pg_temp.writes('another team''s notification cannot be touched (0 rows)', 'UPDATE public.notifications SET dismissed = true WHERE body = ''for team b''', 0);
SELECT pg_temp.fails('a client cannot send notifications',
  format('INSERT INTO public.notifications (account_id, body) VALUES (%L, ''spam'')', :'team_b'), '42501', 'new row violates row-level security policy%');
SELECT pg_temp.writes('a client cannot delete notifications (0 rows)', 'DELETE FROM public.notifications', 0);

-- storage
SELECT pg_temp.writes('a member uploads into their own folder',
  format('INSERT INTO storage.objects (bucket_id, name) VALUES (''account_image'', %L)', :'member' || '/new.png'), 1);
SELECT pg_temp.fails('a member without settings.manage cannot upload into the team''s folder',
  format('INSERT INTO storage.objects (bucket_id, name) VALUES (''account_image'', %L)', :'team_a' || '/new.png'),
  '42501', 'new row violates row-level security policy for table "objects"');
SELECT pg_temp.fails('nobody uploads into a bucket without policies',
  format('INSERT INTO storage.objects (bucket_id, name) VALUES (''private_docs'', %L)', :'member' || '/x.pdf'),
  '42501', 'new row violates row-level security policy for table "objects"');
SELECT pg_temp.writes('a member cannot delete the team''s logo (0 rows)',
  format('DELETE FROM storage.objects WHERE name = %L', :'team_a' || '/logo.png'), 0);
SELECT pg_temp.writes('a member deletes their own object',
  format('DELETE FROM storage.objects WHERE name = %L', :'member' || '/avatar.png'), 1);
SELECT pg_temp.fails('an object cannot be given to another user',
  format('UPDATE storage.objects SET owner = %L WHERE name = %L', :'outsider', :'member' || '/avatar.png'),
  '42501', 'You do not have permission to update this field');
SELECT pg_temp.fails('a client cannot create buckets', 'INSERT INTO storage.buckets (id, name) VALUES (''mine'', ''mine'')',
  '42501', 'new row violates row-level security policy for table "buckets"');
SELECT pg_temp.writes('a client cannot make a bucket public (0 rows)', 'UPDATE storage.buckets SET public = true', 0);
DO $$
DECLARE
  who uuid;
BEGIN
  BEGIN
    INSERT INTO storage.objects (bucket_id, name, owner, owner_id)
    VALUES ('account_image', '22222222-2222-4222-8222-222222222222/forged.png',
            '11111111-1111-4111-8111-111111111111', '11111111-1111-4111-8111-111111111111')
    RETURNING owner INTO who;
    RAISE EXCEPTION 'undo' USING ERRCODE = 'P0099';
  EXCEPTION WHEN SQLSTATE 'P0099' THEN NULL;
  END;
  IF who IS DISTINCT FROM '22222222-2222-4222-8222-222222222222' THEN
    RAISE EXCEPTION 'an upload belongs to its uploader: expected owner 2222…, got %', who;
  END IF;
END
$$;

-- ---- the owner of team A --------------------------------------------------------------
SELECT pg_temp.become('authenticated', :'owner');
SELECT pg_temp.sees('the owner reads their personal account and their team', 'public.accounts', 2);
SELECT pg_temp.check('is_account_owner: the owner''s team', public.is_account_owner(:'team_a'));
SELECT pg_temp.check('can_action_account_member: the owner on a member', public.can_action_account_member(:'team_a', :'member'));
SELECT pg_temp.writes('settings.manage renames the team', format('UPDATE public.accounts SET name = ''Team A2'' WHERE id = %L', :'team_a'), 1);
SELECT pg_temp.fails('even the owner cannot hand the account over directly',
  format('UPDATE public.accounts SET primary_owner_user_id = %L WHERE id = %L', :'member', :'team_a'),
  '42501', 'You do not have permission to update this field');
SELECT pg_temp.writes('the primary owner cannot leave (0 rows)',
  format('DELETE FROM public.accounts_memberships WHERE user_id = %L AND account_id = %L', :'owner', :'team_a'), 0);
SELECT pg_temp.writes('settings.manage uploads into the team''s folder',
  format('INSERT INTO storage.objects (bucket_id, name) VALUES (''account_image'', %L)', :'team_a' || '/banner.png'), 1);
SELECT pg_temp.writes('settings.manage replaces the team''s logo',
  format('UPDATE storage.objects SET version = ''2'' WHERE name = %L', :'team_a' || '/logo.png'), 1);
SELECT pg_temp.writes('settings.manage deletes the team''s logo',
  format('DELETE FROM storage.objects WHERE name = %L', :'team_a' || '/logo.png'), 1);
SELECT pg_temp.writes('the team''s owner cannot touch another team''s logo (0 rows)',
  format('DELETE FROM storage.objects WHERE name = %L', :'team_b' || '/logo.png'), 0);

-- ---- an outsider (no team) ------------------------------------------------------------
SELECT pg_temp.become('authenticated', :'outsider');
SELECT pg_temp.sees('an outsider reads only their personal account', 'public.accounts', 1);
SELECT pg_temp.sees('an outsider reads no memberships', 'public.accounts_memberships', 0);
SELECT pg_temp.sees('an outsider reads no invitations', 'public.invitations', 0);
SELECT pg_temp.sees('an outsider reads only their own billing customer', 'public.billing_customers', 1);
SELECT pg_temp.sees('an outsider reads only their own subscription', 'public.subscriptions', 1);
SELECT pg_temp.sees('an outsider reads only their own subscription items', 'public.subscription_items', 1);
SELECT pg_temp.sees('an outsider reads no orders', 'public.orders', 0);
SELECT pg_temp.sees('an outsider reads no order items', 'public.order_items', 0);
SELECT pg_temp.sees('an outsider reads no features', 'public.subscription_features', 0);
SELECT pg_temp.sees('an outsider reads no notifications', 'public.notifications', 0);
SELECT pg_temp.sees('an outsider is in no team', 'public.user_accounts', 0);
SELECT pg_temp.sees('an outsider has their workspace', 'public.user_account_workspace', 1);
SELECT pg_temp.sees('an outsider, signed in, still reads account_image objects (the bucket is public)', 'storage.objects', 3);
SELECT pg_temp.sees('an outsider reads the roles like everyone signed in', 'public.roles', 2);
SELECT pg_temp.check('an outsider learns nothing of team A''s plan', NOT public.has_active_subscription(:'team_a'));
SELECT pg_temp.check('an outsider learns nothing of team A''s features', NOT public.has_feature_access(:'team_a', 'reports'));
SELECT pg_temp.check('an outsider learns their own plan', public.has_active_subscription(:'outsider'));
SELECT pg_temp.check('an outsider cannot act on team members', NOT public.can_action_account_member(:'team_a', :'member'));
SELECT pg_temp.writes('an outsider cannot rename team A (0 rows)', format('UPDATE public.accounts SET name = ''X'' WHERE id = %L', :'team_a'), 0);
SELECT pg_temp.writes('an outsider cannot remove members (0 rows)', 'DELETE FROM public.accounts_memberships', 0);
SELECT pg_temp.writes('an outsider cannot delete invitations (0 rows)', 'DELETE FROM public.invitations', 0);
SELECT pg_temp.writes('an outsider cannot dismiss others'' notifications (0 rows)', 'UPDATE public.notifications SET dismissed = true', 0);
SELECT pg_temp.fails('an outsider cannot invite into team A',
  format('INSERT INTO public.invitations (email, account_id, invited_by, role, invite_token) VALUES (''new@example.com'', %L, %L, ''member'', ''token-new'')',
         :'team_a', :'outsider'), '42501', 'new row violates row-level security policy for table "invitations"');
SELECT pg_temp.fails('an outsider cannot upload into team A''s folder',
  format('INSERT INTO storage.objects (bucket_id, name) VALUES (''account_image'', %L)', :'team_a' || '/x.png'),
  '42501', 'new row violates row-level security policy for table "objects"');
SELECT pg_temp.writes('an outsider cannot delete team A''s objects (0 rows)',
  format('DELETE FROM storage.objects WHERE name LIKE %L', :'team_a' || '/%'), 0);

-- ---- the super admin: their powers need aal2 ------------------------------------------
SELECT pg_temp.become('authenticated', :'admin', 'aal1');
SELECT pg_temp.check('is_super_admin is false at aal1', NOT public.is_super_admin());
SELECT pg_temp.check('a verified factor at aal1 is not MFA-compliant', NOT public.is_mfa_compliant());
SELECT pg_temp.sees('a super admin at aal1 reads only their own account', 'public.accounts', 1);
SELECT pg_temp.sees('a super admin at aal1 does not see super_admins', 'public.super_admins', 0);
SELECT pg_temp.check('a super admin at aal1 learns nothing of team A''s plan', NOT public.has_active_subscription(:'team_a'));
SELECT pg_temp.become('authenticated', :'admin', 'aal2');
SELECT pg_temp.check('is_super_admin at aal2', public.is_super_admin());
SELECT pg_temp.check('aal2 is MFA-compliant', public.is_mfa_compliant());
SELECT pg_temp.sees('a super admin at aal2 reads every account', 'public.accounts', 7);
SELECT pg_temp.sees('a super admin at aal2 reads super_admins', 'public.super_admins', 1);
SELECT pg_temp.check('a super admin at aal2 learns team A''s plan', public.has_active_subscription(:'team_a'));
SELECT pg_temp.writes('a super admin still cannot rename others'' accounts (0 rows)',
  format('UPDATE public.accounts SET name = ''X'' WHERE id = %L', :'team_b'), 0);
SELECT pg_temp.become('authenticated', :'member', 'aal2');
SELECT pg_temp.check('aal2 alone makes nobody a super admin', NOT public.is_super_admin());

-- ---- effects that last: a member leaves, the owner edits -------------------------------
SELECT pg_temp.become('authenticated', :'member');
DO $$
DECLARE
  n bigint;
BEGIN
  DELETE FROM public.accounts_memberships WHERE user_id = '22222222-2222-4222-8222-222222222222';
  GET DIAGNOSTICS n = ROW_COUNT;
  IF n <> 1 THEN
    RAISE EXCEPTION 'a member leaving their team: expected 1 row deleted, got %', n;
  END IF;
END
$$;
SELECT pg_temp.sees('after leaving, the team is out of sight', 'public.accounts', 1);
SELECT pg_temp.sees('after leaving, the team''s billing is out of sight', 'public.subscriptions', 0);
SELECT pg_temp.become('authenticated', :'owner');
UPDATE public.accounts SET name = 'Team A3', created_by = :'member' WHERE id = :'team_a';
UPDATE public.notifications SET dismissed = true WHERE body = 'for team a';
SELECT pg_temp.become('service_role');
SELECT pg_temp.check('leaving recounts the seats',
  (SELECT quantity = 1 FROM public.subscription_items WHERE id = 'si_a_seats'));
SELECT pg_temp.check('leaving queues the seat job for the provider',
  (SELECT count(*) = 1 FROM kit.billing_jobs WHERE kind = 'seat_quantity' AND item_id = 'si_a_seats' AND quantity = 1 AND done_at IS NULL));
SELECT pg_temp.check('updated_by is the caller; created_by is not the client''s to set',
  (SELECT updated_by = :'owner' AND created_by IS NULL AND name = 'Team A3' FROM public.accounts WHERE id = :'team_a'));
SELECT pg_temp.check('a dismissal publishes a realtime change',
  (SELECT count(*) >= 1 FROM kit.realtime_changes WHERE table_name = 'notifications' AND op = 'UPDATE'
     AND (image ->> 'dismissed')::boolean));
UPDATE auth.users SET email = 'outsider2@example.com' WHERE id = :'outsider';
SELECT pg_temp.check('an email change reaches the personal account',
  (SELECT email = 'outsider2@example.com' FROM public.accounts WHERE id = :'outsider'));
DELETE FROM public.accounts WHERE id = :'team_b';
SELECT pg_temp.check('deleting an account removes its folder''s objects',
  NOT EXISTS (SELECT 1 FROM storage.objects WHERE name LIKE 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb/%'));

ROLLBACK;
\echo direct_rls: ok
