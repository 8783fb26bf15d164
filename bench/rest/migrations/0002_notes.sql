-- The seed's notes example, as an app would write it.

CREATE TABLE IF NOT EXISTS public.notes (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id uuid REFERENCES public.accounts(id) ON DELETE CASCADE,
  content text,
  created_by uuid REFERENCES auth.users(id)
);
CREATE INDEX idx_notes_account_id ON public.notes(account_id);

ALTER TABLE public.notes ENABLE ROW LEVEL SECURITY;

CREATE POLICY "notes_read" ON public.notes FOR SELECT TO authenticated
  USING (account_id = (SELECT auth.uid()) OR public.has_role_on_account(account_id));

CREATE POLICY "notes_manage" ON public.notes FOR ALL TO authenticated
  USING (public.has_permission(auth.uid(), account_id, 'notes.manage'::app_permissions));

INSERT INTO public.role_permissions (role, permission) VALUES ('owner', 'notes.manage'), ('member', 'notes.manage');
