-- GET /rest/v1/subscriptions?select=*,items:subscription_items(*)&account_id=eq.X by a member
-- of X (members.txt): PostgREST embeds with a lateral json_agg, as here; the subscription's
-- own row is left unserialized, as in the other reads.
SELECT s.*, COALESCE(i.items, '[]') AS items
FROM public.subscriptions s
LEFT JOIN LATERAL (SELECT json_agg(si) AS items FROM public.subscription_items si
                   WHERE si.subscription_id = s.id) i ON true
WHERE s.account_id = current_setting('bench.value')::uuid;
