-- The core tables' row-level security, in the seed's own SQL: the same text is installed
-- natively on PostgreSQL. Deny by default: a table with no policy for a command gives
-- anon and authenticated nothing; service_role bypasses every policy.

-- accounts: your personal account, the teams you belong to, everything for a super admin
-- (aal2). Updates: your personal account, or a team where you hold settings.manage.
-- Inserts and deletes only through the server's functions (no policy).
ALTER TABLE public.accounts ENABLE ROW LEVEL SECURITY;
CREATE POLICY accounts_read ON public.accounts FOR SELECT TO authenticated
  USING (
    primary_owner_user_id = (SELECT auth.uid())
    OR public.has_role_on_account(id)
    OR public.is_super_admin()
  );
CREATE POLICY accounts_self_update ON public.accounts FOR UPDATE TO authenticated
  USING (
    (is_personal_account AND primary_owner_user_id = (SELECT auth.uid()))
    OR (NOT is_personal_account AND public.has_permission(auth.uid(), id, 'settings.manage'::public.app_permissions))
  )
  WITH CHECK (
    (is_personal_account AND primary_owner_user_id = (SELECT auth.uid()))
    OR (NOT is_personal_account AND public.has_permission(auth.uid(), id, 'settings.manage'::public.app_permissions))
  );

-- accounts_memberships: members see their team's memberships; a member leaves with a
-- plain DELETE of their own row, except the primary owner. Joining, role changes and
-- removals go through the server's functions.
ALTER TABLE public.accounts_memberships ENABLE ROW LEVEL SECURITY;
CREATE POLICY accounts_memberships_read ON public.accounts_memberships FOR SELECT TO authenticated
  USING (user_id = (SELECT auth.uid()) OR public.has_role_on_account(account_id));
CREATE POLICY accounts_memberships_leave ON public.accounts_memberships FOR DELETE TO authenticated
  USING (user_id = (SELECT auth.uid()) AND NOT public.is_account_owner(account_id));

-- roles, role_permissions, config: read by every signed-in user, written by service_role.
ALTER TABLE public.roles ENABLE ROW LEVEL SECURITY;
CREATE POLICY roles_read ON public.roles FOR SELECT TO authenticated USING (true);
ALTER TABLE public.role_permissions ENABLE ROW LEVEL SECURITY;
CREATE POLICY role_permissions_read ON public.role_permissions FOR SELECT TO authenticated USING (true);
ALTER TABLE public.config ENABLE ROW LEVEL SECURITY;
CREATE POLICY config_read ON public.config FOR SELECT TO authenticated USING (true);

-- invitations: members holding invites.manage read, create and delete them; never on a
-- personal account.
ALTER TABLE public.invitations ENABLE ROW LEVEL SECURITY;
CREATE POLICY invitations_read ON public.invitations FOR SELECT TO authenticated
  USING (public.has_permission(auth.uid(), account_id, 'invites.manage'::public.app_permissions));
CREATE POLICY invitations_create ON public.invitations FOR INSERT TO authenticated
  WITH CHECK (
    public.is_set('enable_team_accounts')
    AND invited_by = (SELECT auth.uid())
    AND NOT (SELECT a.is_personal_account FROM public.accounts a WHERE a.id = account_id)
    AND public.has_permission(auth.uid(), account_id, 'invites.manage'::public.app_permissions)
  );
CREATE POLICY invitations_delete ON public.invitations FOR DELETE TO authenticated
  USING (public.has_permission(auth.uid(), account_id, 'invites.manage'::public.app_permissions));

-- one_time_tokens: no client access at all (only through the server's functions).
ALTER TABLE public.one_time_tokens ENABLE ROW LEVEL SECURITY;

-- super_admins: visible to super admins only.
ALTER TABLE public.super_admins ENABLE ROW LEVEL SECURITY;
CREATE POLICY super_admins_read ON public.super_admins FOR SELECT TO authenticated
  USING (public.is_super_admin());

-- Billing: readable by the account's owner (personal) or its members (team); only the
-- server (webhooks, service_role) writes.
ALTER TABLE public.billing_customers ENABLE ROW LEVEL SECURITY;
CREATE POLICY billing_customers_read ON public.billing_customers FOR SELECT TO authenticated
  USING (account_id = (SELECT auth.uid()) OR public.has_role_on_account(account_id));
ALTER TABLE public.subscriptions ENABLE ROW LEVEL SECURITY;
CREATE POLICY subscriptions_read ON public.subscriptions FOR SELECT TO authenticated
  USING (account_id = (SELECT auth.uid()) OR public.has_role_on_account(account_id));
ALTER TABLE public.subscription_items ENABLE ROW LEVEL SECURITY;
CREATE POLICY subscription_items_read ON public.subscription_items FOR SELECT TO authenticated
  USING (account_id = (SELECT auth.uid()) OR public.has_role_on_account(account_id));
ALTER TABLE public.orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY orders_read ON public.orders FOR SELECT TO authenticated
  USING (account_id = (SELECT auth.uid()) OR public.has_role_on_account(account_id));
ALTER TABLE public.order_items ENABLE ROW LEVEL SECURITY;
CREATE POLICY order_items_read ON public.order_items FOR SELECT TO authenticated
  USING (account_id = (SELECT auth.uid()) OR public.has_role_on_account(account_id));
ALTER TABLE public.subscription_features ENABLE ROW LEVEL SECURITY;
CREATE POLICY subscription_features_read ON public.subscription_features FOR SELECT TO authenticated
  USING (account_id = (SELECT auth.uid()) OR public.has_role_on_account(account_id));

-- notifications: the personal account's owner and the team's members read them while
-- they have not expired; they may only mark them dismissed (the trigger below holds every
-- other column); service_role sends them.
ALTER TABLE public.notifications ENABLE ROW LEVEL SECURITY;
CREATE POLICY notifications_read_self ON public.notifications FOR SELECT TO authenticated
  USING (
    (account_id = (SELECT auth.uid()) OR public.has_role_on_account(account_id))
    AND (expires_at IS NULL OR expires_at > now())
  );
CREATE POLICY notifications_update_self ON public.notifications FOR UPDATE TO authenticated
  USING (
    (account_id = (SELECT auth.uid()) OR public.has_role_on_account(account_id))
    AND (expires_at IS NULL OR expires_at > now())
  );

-- Fields a client may never change (PostgreSQL: the same rule as a trigger).
CREATE TRIGGER accounts_protect_fields BEFORE UPDATE OF id, primary_owner_user_id, is_personal_account ON accounts
WHEN auth_role() IN ('anon', 'authenticated')
  AND (NEW.id IS NOT OLD.id OR NEW.primary_owner_user_id IS NOT OLD.primary_owner_user_id
       OR NEW.is_personal_account IS NOT OLD.is_personal_account)
BEGIN
  SELECT RAISE(ABORT, '42501: You do not have permission to update this field');
END;

CREATE TRIGGER notifications_only_dismissed BEFORE UPDATE ON notifications
WHEN auth_role() IN ('anon', 'authenticated')
  AND (NEW.id IS NOT OLD.id OR NEW.account_id IS NOT OLD.account_id OR NEW.type IS NOT OLD.type
       OR NEW.body IS NOT OLD.body OR NEW.link IS NOT OLD.link OR NEW.channel IS NOT OLD.channel
       OR NEW.metadata IS NOT OLD.metadata OR NEW.expires_at IS NOT OLD.expires_at
       OR NEW.created_at IS NOT OLD.created_at)
BEGIN
  SELECT RAISE(ABORT, '42501: You do not have permission to update this field');
END;
