-- GET /rest/v1/notes?id=eq.N as one object (.single()) by a member of the note's account
-- (notes.txt).
SELECT id, account_id, content, created_by FROM public.notes
WHERE id = current_setting('bench.value')::uuid;
