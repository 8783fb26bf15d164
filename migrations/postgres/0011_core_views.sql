-- The seed's views, with the caller's rights (security_invoker = true): a view never
-- widens access, the policies of the tables it reads apply to the caller.
-- PostgreSQL counterpart of migrations/sqlite/0011_core_views.sql.

-- The teams the caller belongs to, with their role in each.
CREATE VIEW public.user_accounts WITH (security_invoker = true) AS
SELECT account.id AS id, account.name AS name, account.picture_url AS picture_url,
       account.slug AS slug, membership.account_role AS role
FROM public.accounts account
JOIN public.accounts_memberships membership ON account.id = membership.account_id
WHERE membership.user_id = (SELECT auth.uid()) AND NOT account.is_personal_account;

-- The caller's personal account, with its subscription's status.
CREATE VIEW public.user_account_workspace WITH (security_invoker = true) AS
SELECT accounts.id AS id, accounts.name AS name, accounts.picture_url AS picture_url,
       accounts.public_data AS public_data,
       (SELECT status FROM public.subscriptions WHERE account_id = accounts.id LIMIT 1) AS subscription_status
FROM public.accounts
WHERE accounts.primary_owner_user_id = (SELECT auth.uid()) AND accounts.is_personal_account
LIMIT 1;

REVOKE ALL ON public.user_accounts, public.user_account_workspace FROM anon, authenticated, service_role;
GRANT SELECT ON public.user_accounts, public.user_account_workspace TO anon, authenticated, service_role;
