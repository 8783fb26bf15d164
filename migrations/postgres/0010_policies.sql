-- The core tables' row-level security, in the seed's own SQL, installed natively.
-- PostgreSQL counterpart of migrations/sqlite/0010_policies.sql: the policies below are its
-- text unchanged. Before them come the helper functions the policies call, which the
-- server registers on SQLite (src/policy/helpers.cpp) and which have the same semantics
-- here. Deny by default: a table with no policy for a command gives anon and
-- authenticated nothing; service_role bypasses every policy (BYPASSRLS).

-- ---- helper functions -----------------------------------------------------------------
-- Those that read tables under row-level security are SECURITY DEFINER with an empty
-- search_path and owned by service_role (BYPASSRLS; FORCE ROW LEVEL SECURITY binds the
-- tables' owner, so the owner could not read them). They answer for the caller of the
-- transaction (auth.uid(), the request.jwt.claims the server set). STABLE: one answer per
-- argument within a statement. EXECUTE for authenticated and service_role, not anon (as
-- Makerkit grants them; the SQLite RPC route refuses anon the same way).

-- Is the caller the account's primary owner?
CREATE FUNCTION public.is_account_owner(account_id uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
  SELECT EXISTS (
    SELECT 1 FROM public.accounts a
    WHERE a.id = is_account_owner.account_id AND a.primary_owner_user_id = (SELECT auth.uid()));
$$;

-- Is the caller a member of the account (with that role, when one is given)? Personal
-- accounts have no memberships: their owner is not "a member" (policies test
-- account_id = auth.uid() for them).
CREATE FUNCTION public.has_role_on_account(account_id uuid, account_role varchar DEFAULT NULL) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
  SELECT EXISTS (
    SELECT 1 FROM public.accounts_memberships m
    WHERE m.user_id = (SELECT auth.uid()) AND m.account_id = has_role_on_account.account_id
      AND (has_role_on_account.account_role IS NULL OR m.account_role = has_role_on_account.account_role));
$$;

-- Is user_id a member of the account? (As helpers.cpp: answered for any user, not only
-- the caller.)
CREATE FUNCTION public.is_team_member(account_id uuid, user_id uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
  SELECT EXISTS (
    SELECT 1 FROM public.accounts_memberships m
    WHERE m.user_id = is_team_member.user_id AND m.account_id = is_team_member.account_id);
$$;

-- Does user_id's role on the account carry the permission? A name the enum does not list
-- fails with 22P02 (the cast of the argument).
CREATE FUNCTION public.has_permission(user_id uuid, account_id uuid, permission_name public.app_permissions)
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
  SELECT EXISTS (
    SELECT 1 FROM public.accounts_memberships m
    JOIN public.role_permissions rp ON rp.role = m.account_role
    WHERE m.user_id = has_permission.user_id AND m.account_id = has_permission.account_id
      AND rp.permission = has_permission.permission_name);
$$;

-- May the caller act on target_user_id's membership of the team? The primary owner may act
-- on anyone; nobody acts on the primary owner; otherwise the caller's role must rank
-- strictly higher (lower hierarchy_level) than the target's.
CREATE FUNCTION public.can_action_account_member(target_team_account_id uuid, target_user_id uuid)
RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  caller uuid := auth.uid();
  owner_id uuid;
  target_level numeric;
  caller_level numeric;
BEGIN
  IF target_team_account_id IS NULL OR target_user_id IS NULL OR caller IS NULL THEN
    RETURN false;
  END IF;
  SELECT a.primary_owner_user_id, r.hierarchy_level INTO owner_id, target_level
  FROM public.accounts a
  LEFT JOIN public.accounts_memberships m ON m.account_id = a.id AND m.user_id = target_user_id
  LEFT JOIN public.roles r ON r.name = m.account_role
  WHERE a.id = target_team_account_id;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  IF owner_id = caller THEN
    RETURN true;
  END IF;
  IF owner_id = target_user_id OR target_level IS NULL THEN
    RETURN false;
  END IF;
  SELECT r.hierarchy_level INTO caller_level
  FROM public.accounts_memberships m JOIN public.roles r ON r.name = m.account_role
  WHERE m.account_id = target_team_account_id AND m.user_id = caller;
  RETURN coalesce(caller_level < target_level, false);
END
$$;

-- Does the session carry a second factor (aal2)? Reads only the claims.
CREATE FUNCTION public.is_aal2() RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT coalesce((SELECT auth.jwt() ->> 'aal') = 'aal2', false);
$$;

-- A super admin: listed in super_admins AND signed in with aal2.
CREATE FUNCTION public.is_super_admin() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
  SELECT coalesce((SELECT auth.jwt() ->> 'aal') = 'aal2', false)
     AND EXISTS (SELECT 1 FROM public.super_admins s WHERE s.user_id = (SELECT auth.uid()));
$$;

-- aal2, or no verified factor to use (true without a caller, as on SQLite).
CREATE FUNCTION public.is_mfa_compliant() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
  SELECT coalesce((SELECT auth.jwt() ->> 'aal') = 'aal2', false)
      OR (SELECT auth.uid()) IS NULL
      OR NOT EXISTS (SELECT 1 FROM auth.mfa_factors f WHERE f.user_id = (SELECT auth.uid()) AND f.status = 'verified');
$$;

-- The config flag named field_name (false when NULL or not boolean); a name that is no
-- column of config fails with 42703.
CREATE FUNCTION public.is_set(field_name text) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  flags jsonb;
BEGIN
  IF field_name IS NULL THEN
    RETURN false;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute
                 WHERE attrelid = 'public.config'::pg_catalog.regclass AND attname = field_name
                   AND attnum > 0 AND NOT attisdropped) THEN
    RAISE EXCEPTION 'column "%" does not exist in config', field_name USING ERRCODE = '42703';
  END IF;
  SELECT pg_catalog.to_jsonb(c) INTO flags FROM public.config c LIMIT 1;
  RETURN coalesce(flags -> field_name = 'true'::jsonb, false);
END
$$;

-- Whether the caller may learn the account's billing state: what the billing tables' read
-- policies allow (the owner, a member) or a super admin. The server and service_role may.
-- The request's role is the session's `role` setting (what the server set with
-- set_config('role', …)): inside a SECURITY DEFINER function current_user is the owner,
-- and a client cannot set that setting to a role it is not a member of.
CREATE FUNCTION kit.may_read_billing(account_id uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
  SELECT pg_catalog.current_setting('role') NOT IN ('anon', 'authenticated')
      OR public.is_account_owner(may_read_billing.account_id)
      OR public.has_role_on_account(may_read_billing.account_id)
      OR public.is_super_admin();
$$;

-- Has the account an active subscription? false to a caller who may not read its billing.
CREATE FUNCTION public.has_active_subscription(account_id uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
  SELECT kit.may_read_billing(has_active_subscription.account_id)
     AND EXISTS (SELECT 1 FROM public.subscriptions s
                 WHERE s.account_id = has_active_subscription.account_id AND s.active);
$$;

-- The seed's feature lookup: an active subscription of the account enables the feature.
-- false to a caller who may not read the account's billing.
CREATE FUNCTION public.has_feature_access(target_account_id uuid, feature_name text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
  SELECT kit.may_read_billing(has_feature_access.target_account_id)
     AND EXISTS (SELECT 1 FROM public.subscriptions s
                 JOIN public.subscription_features sf ON s.id = sf.subscription_id
                 WHERE s.account_id = has_feature_access.target_account_id
                   AND sf.feature_name = has_feature_access.feature_name AND s.active AND sf.enabled);
$$;

-- Makerkit's role comparisons for member management (not in helpers.cpp yet, so they are
-- callable on PostgreSQL only). Does target_user_id, on the account, rank strictly above
-- role_name / exactly at role_name's level? The primary owner ranks above everyone.
CREATE FUNCTION public.has_more_elevated_role(target_user_id uuid, target_account_id uuid, role_name varchar)
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
  SELECT EXISTS (SELECT 1 FROM public.accounts a
                 WHERE a.id = has_more_elevated_role.target_account_id
                   AND a.primary_owner_user_id = has_more_elevated_role.target_user_id)
      OR coalesce((SELECT r.hierarchy_level FROM public.accounts_memberships m JOIN public.roles r ON r.name = m.account_role
                   WHERE m.account_id = has_more_elevated_role.target_account_id
                     AND m.user_id = has_more_elevated_role.target_user_id)
                  < (SELECT r.hierarchy_level FROM public.roles r WHERE r.name = has_more_elevated_role.role_name),
                  false);
$$;

CREATE FUNCTION public.has_same_role_hierarchy_level(target_user_id uuid, target_account_id uuid, role_name varchar)
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
  SELECT EXISTS (SELECT 1 FROM public.accounts a
                 WHERE a.id = has_same_role_hierarchy_level.target_account_id
                   AND a.primary_owner_user_id = has_same_role_hierarchy_level.target_user_id)
      OR coalesce((SELECT r.hierarchy_level FROM public.accounts_memberships m JOIN public.roles r ON r.name = m.account_role
                   WHERE m.account_id = has_same_role_hierarchy_level.target_account_id
                     AND m.user_id = has_same_role_hierarchy_level.target_user_id)
                  = (SELECT r.hierarchy_level FROM public.roles r WHERE r.name = has_same_role_hierarchy_level.role_name),
                  false);
$$;

REVOKE ALL ON FUNCTION
  public.is_account_owner(uuid), public.has_role_on_account(uuid, varchar), public.is_team_member(uuid, uuid),
  public.has_permission(uuid, uuid, public.app_permissions), public.can_action_account_member(uuid, uuid),
  public.is_aal2(), public.is_super_admin(), public.is_mfa_compliant(), public.is_set(text),
  kit.may_read_billing(uuid), public.has_active_subscription(uuid), public.has_feature_access(uuid, text),
  public.has_more_elevated_role(uuid, uuid, varchar), public.has_same_role_hierarchy_level(uuid, uuid, varchar)
  FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
  public.is_account_owner(uuid), public.has_role_on_account(uuid, varchar), public.is_team_member(uuid, uuid),
  public.has_permission(uuid, uuid, public.app_permissions), public.can_action_account_member(uuid, uuid),
  public.is_aal2(), public.is_super_admin(), public.is_mfa_compliant(), public.is_set(text),
  public.has_active_subscription(uuid), public.has_feature_access(uuid, text),
  public.has_more_elevated_role(uuid, uuid, varchar), public.has_same_role_hierarchy_level(uuid, uuid, varchar)
  TO authenticated, service_role;
-- kit.may_read_billing is called only from the two functions above (as their owner).
GRANT EXECUTE ON FUNCTION kit.may_read_billing(uuid) TO service_role;

GRANT CREATE ON SCHEMA public, kit TO service_role;
ALTER FUNCTION public.is_account_owner(uuid) OWNER TO service_role;
ALTER FUNCTION public.has_role_on_account(uuid, varchar) OWNER TO service_role;
ALTER FUNCTION public.is_team_member(uuid, uuid) OWNER TO service_role;
ALTER FUNCTION public.has_permission(uuid, uuid, public.app_permissions) OWNER TO service_role;
ALTER FUNCTION public.can_action_account_member(uuid, uuid) OWNER TO service_role;
ALTER FUNCTION public.is_super_admin() OWNER TO service_role;
ALTER FUNCTION public.is_mfa_compliant() OWNER TO service_role;
ALTER FUNCTION public.is_set(text) OWNER TO service_role;
ALTER FUNCTION kit.may_read_billing(uuid) OWNER TO service_role;
ALTER FUNCTION public.has_active_subscription(uuid) OWNER TO service_role;
ALTER FUNCTION public.has_feature_access(uuid, text) OWNER TO service_role;
ALTER FUNCTION public.has_more_elevated_role(uuid, uuid, varchar) OWNER TO service_role;
ALTER FUNCTION public.has_same_role_hierarchy_level(uuid, uuid, varchar) OWNER TO service_role;
REVOKE CREATE ON SCHEMA public, kit FROM service_role;

-- ---- policies: migrations/sqlite/0010_policies.sql, unchanged ------------------------

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

-- ---- fields a client may never change -------------------------------------------------
-- SQLite's triggers test auth_role(), the request's database role; here that is
-- current_user, tested in the triggers' WHEN: anon and authenticated are refused, while
-- service_role, the server and SECURITY DEFINER functions (current_user = their owner)
-- may change these fields, as Makerkit's kit.protect_account_fields allows.
CREATE FUNCTION kit.refuse_field_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'You do not have permission to update this field' USING ERRCODE = '42501';
END
$$;

CREATE TRIGGER accounts_protect_fields BEFORE UPDATE OF id, primary_owner_user_id, is_personal_account ON public.accounts
  FOR EACH ROW
  WHEN (current_user IN ('anon', 'authenticated')
    AND (NEW.id IS DISTINCT FROM OLD.id OR NEW.primary_owner_user_id IS DISTINCT FROM OLD.primary_owner_user_id
         OR NEW.is_personal_account IS DISTINCT FROM OLD.is_personal_account))
  EXECUTE FUNCTION kit.refuse_field_update();

CREATE TRIGGER notifications_only_dismissed BEFORE UPDATE ON public.notifications
  FOR EACH ROW
  WHEN (current_user IN ('anon', 'authenticated')
    AND (NEW.id IS DISTINCT FROM OLD.id OR NEW.account_id IS DISTINCT FROM OLD.account_id OR NEW.type IS DISTINCT FROM OLD.type
         OR NEW.body IS DISTINCT FROM OLD.body OR NEW.link IS DISTINCT FROM OLD.link OR NEW.channel IS DISTINCT FROM OLD.channel
         OR NEW.metadata IS DISTINCT FROM OLD.metadata OR NEW.expires_at IS DISTINCT FROM OLD.expires_at
         OR NEW.created_at IS DISTINCT FROM OLD.created_at))
  EXECUTE FUNCTION kit.refuse_field_update();
REVOKE ALL ON FUNCTION kit.refuse_field_update() FROM PUBLIC;
