-- Row-level security on SQLite (DESIGN §2.3). SQLite has no policies of its own, so the
-- migration runner hands `ALTER TABLE … ENABLE ROW LEVEL SECURITY` and `CREATE POLICY`
-- statements to the policy layer, which checks them and keeps them here, in the
-- PostgreSQL text they were written in; the server compiles them into every query.

CREATE TABLE kit_rls_tables (
  table_name text PRIMARY KEY NOT NULL,  -- the SQLite name: public.x → x, kit.x → kit_x
  enabled boolean NOT NULL DEFAULT 1,
  forced boolean NOT NULL DEFAULT 0,
  CONSTRAINT kit_rls_tables_bools CHECK (enabled IN (0, 1) AND forced IN (0, 1))
);

CREATE TABLE kit_policies (
  table_name text NOT NULL,
  policy_name text NOT NULL,
  permissive boolean NOT NULL DEFAULT 1,
  command text NOT NULL,        -- ALL, SELECT, INSERT, UPDATE or DELETE
  roles text NOT NULL,          -- JSON array of role names; "public" means every role
  using_expr text,              -- PostgreSQL text of USING (…), NULL when absent
  check_expr text,              -- PostgreSQL text of WITH CHECK (…), NULL when absent
  created_at timestamptz NOT NULL DEFAULT (now()),
  PRIMARY KEY (table_name, policy_name),
  CONSTRAINT kit_policies_command CHECK (command IN ('ALL', 'SELECT', 'INSERT', 'UPDATE', 'DELETE')),
  CONSTRAINT kit_policies_roles CHECK (json_valid(roles) AND json_type(roles) = 'array'),
  CONSTRAINT kit_policies_permissive_bool CHECK (permissive IN (0, 1))
);
