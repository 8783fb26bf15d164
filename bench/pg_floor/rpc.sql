-- POST /rest/v1/rpc/has_permission {user_id, account_id, permission_name} for the caller's
-- own membership (members.txt).
SELECT public.has_permission(current_setting('bench.user_id')::uuid, current_setting('bench.value')::uuid,
                             'notes.manage');
