-- POST /rest/v1/notes by a member (notes.manage: the notes_manage policy's check runs
-- has_permission), returning the row as with Prefer: return=representation (members.txt).
INSERT INTO public.notes (account_id, content)
VALUES (current_setting('bench.value')::uuid, 'written by pgbench')
RETURNING id, account_id, content, created_by;
