-- The same read by a user of another account (the policy hides every row).
\set a random(1, :accounts)
\set u ((((:a % :accounts) + 1) * 7919) % :users) + 1
BEGIN;
SELECT set_config('role', 'authenticated', true), set_config('request.jwt.claims', '{"role":"authenticated","aal":"aal1","sub":"00000000-0000-4000-8000-' || lpad(:u::text, 12, '0') || '"}', true);
SELECT id, account_id, content, created_by FROM public.notes WHERE account_id = ('10000000-0000-4000-8000-' || lpad(:a::text, 12, '0'))::uuid LIMIT 10;
COMMIT;
