-- PostgREST's work for POST /rest/v1/notes by a member holding notes.manage (the policy's
-- WITH CHECK runs has_permission), returning the row as Prefer: return=representation.
\set a random(1, :accounts)
\set j random(0, 4)
\set u ((:a * 7919 + :j * 104729) % :users) + 1
BEGIN;
SELECT set_config('role', 'authenticated', true), set_config('request.jwt.claims', '{"role":"authenticated","aal":"aal1","sub":"00000000-0000-4000-8000-' || lpad(:u::text, 12, '0') || '"}', true);
INSERT INTO public.notes (account_id, content) VALUES (('10000000-0000-4000-8000-' || lpad(:a::text, 12, '0'))::uuid, 'bench') RETURNING id, account_id, content, created_by;
COMMIT;
