-- PostgREST's work for GET /rest/v1/notes?account_id=eq.X&limit=10 by a member of X, without
-- its HTTP layer or its JSON building: one transaction as `authenticated` with the
-- member's claims, the policy-checked read, commit.
\set a random(1, :accounts)
\set j random(0, 4)
\set u ((:a * 7919 + :j * 104729) % :users) + 1
BEGIN;
SELECT set_config('role', 'authenticated', true), set_config('request.jwt.claims', '{"role":"authenticated","aal":"aal1","sub":"00000000-0000-4000-8000-' || lpad(:u::text, 12, '0') || '"}', true);
SELECT id, account_id, content, created_by FROM public.notes WHERE account_id = ('10000000-0000-4000-8000-' || lpad(:a::text, 12, '0'))::uuid LIMIT 10;
COMMIT;
