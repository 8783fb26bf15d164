-- The data set of bench/rest.sh on PostgreSQL, with ids computed from numbers so that the
-- pgbench scripts can name a member of an account without a lookup: user u is
-- 00000000-0000-4000-8000-<u>, account a is 10000000-0000-4000-8000-<a>, and member j of
-- account a is user ((a * 7919 + j * 104729) % :users) + 1 (distinct for j < 20).
-- Accounts have 5 to 20 members (j = 0 is the owner) and 10 notes each. Run as a
-- superuser (it bypasses row-level security; the sign-up trigger still makes each user's
-- personal account).
INSERT INTO auth.users (id, email, encrypted_password, email_confirmed_at)
SELECT ('00000000-0000-4000-8000-' || lpad(u::text, 12, '0'))::uuid, 'u' || u || '@bench.test', 'x', now()
FROM generate_series(1, :users) u;

INSERT INTO public.accounts (id, name, slug, is_personal_account, primary_owner_user_id)
SELECT ('10000000-0000-4000-8000-' || lpad(a::text, 12, '0'))::uuid, 'Team ' || a, 'team-' || a, false,
       ('00000000-0000-4000-8000-' || lpad((((a * 7919) % :users) + 1)::text, 12, '0'))::uuid
FROM generate_series(1, :accounts) a;

INSERT INTO public.accounts_memberships (account_id, user_id, account_role)
SELECT ('10000000-0000-4000-8000-' || lpad(a::text, 12, '0'))::uuid,
       ('00000000-0000-4000-8000-' || lpad((((a * 7919 + j * 104729) % :users) + 1)::text, 12, '0'))::uuid,
       CASE WHEN j = 0 THEN 'owner' ELSE 'member' END
FROM generate_series(1, :accounts) a, generate_series(0, 19) j
WHERE j < 5 + a % 16
ON CONFLICT DO NOTHING;

INSERT INTO public.notes (account_id, content)
SELECT ('10000000-0000-4000-8000-' || lpad(a::text, 12, '0'))::uuid, 'note ' || n || ' of team ' || a
FROM generate_series(1, :accounts) a, generate_series(1, 10) n;

ANALYZE;
