-- App-wide feature flags read by is_set(field_name): exactly one row.
-- PostgreSQL counterpart of migrations/sqlite/0006_config.sql.
CREATE TABLE public.config (
  enable_team_accounts boolean NOT NULL DEFAULT true,
  enable_account_billing boolean NOT NULL DEFAULT true,
  enable_team_account_billing boolean NOT NULL DEFAULT true,
  billing_provider public.billing_provider NOT NULL DEFAULT 'stripe'
);

-- A second row (23505) and deleting the row (23514) are refused, whoever asks. The row
-- count is read with the caller's rights: a client cannot insert anyway (no policy).
CREATE FUNCTION kit.config_single_row() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'config has exactly one row; it cannot be deleted' USING ERRCODE = '23514';
  END IF;
  IF EXISTS (SELECT 1 FROM public.config) THEN
    RAISE EXCEPTION 'config has exactly one row; update it instead' USING ERRCODE = '23505';
  END IF;
  RETURN NEW;
END
$$;
REVOKE ALL ON FUNCTION kit.config_single_row() FROM PUBLIC;
CREATE TRIGGER config_single_row BEFORE INSERT ON public.config
  FOR EACH ROW EXECUTE FUNCTION kit.config_single_row();
CREATE TRIGGER config_keep_row BEFORE DELETE ON public.config
  FOR EACH ROW EXECUTE FUNCTION kit.config_single_row();

INSERT INTO public.config DEFAULT VALUES;

ALTER TABLE public.config ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.config FORCE ROW LEVEL SECURITY;
REVOKE ALL ON public.config FROM anon, authenticated, service_role;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.config TO anon, authenticated, service_role;
