-- GET /rest/v1/notes?account_id=eq.X&limit=10 by a member of X (members.txt): the
-- policy-checked read PostgREST runs, without its JSON building.
SELECT id, account_id, content, created_by FROM public.notes
WHERE account_id = current_setting('bench.value')::uuid LIMIT 10;
