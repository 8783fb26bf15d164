// An app's own migrations (`--migrations DIR`), written in PostgreSQL's SQL exactly as the
// seed's "Extending the Database" sections write them, run on SQLite and served through
// /rest/v1 with their policies: notes, documents, Patterns 1-3 (Pattern 2 without its ltree
// column, which SQLite cannot hold), collaboration_requests, user_preferences and the
// "Creating New Tables" template with its triggers and view. Driven by supabase-js as a team
// member, a non-member and the owner. Then the migrations Tenantbase refuses, each with a
// non-zero exit and a one-line error naming file:line.
//
// On PostgreSQL the same files run natively. Two things differ, each asserted: Pattern 2's
// CHECK with a subquery is SQLite's only (PostgreSQL refuses subqueries in a CHECK), so there
// the same rule is a trigger with the same error; and what only SQLite refuses (plpgsql)
// PostgreSQL applies.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, runCli, makeDataDir, backend } from './support/server.mjs';
import { adminClient, signedUpUser } from './support/supabase.mjs';
import { makeTeam } from './support/tenancy.mjs';

// ---- the app's migrations, in the seed's own words ----------------------------------------

const MIGRATIONS = {
  // PostgreSQL cannot use an enum value in the transaction that adds it: permissions first.
  '0001_permissions.sql': `
ALTER TYPE public.app_permissions ADD VALUE 'notes.manage';
ALTER TYPE public.app_permissions ADD VALUE IF NOT EXISTS 'feature.manage';
ALTER TYPE public.app_permissions ADD VALUE IF NOT EXISTS 'reports.financial';
ALTER TYPE public.app_permissions ADD VALUE 'your_feature.create';
`,
  '0002_notes.sql': `
-- Example: Notes table with proper RLS
CREATE TABLE if not exists public.notes (
  id uuid primary key default gen_random_uuid(),
  account_id uuid references public.accounts(id) on delete cascade,
  content text,
  created_by uuid references auth.users(id)
);
-- Enable RLS (NEVER SKIP THIS!)
ALTER TABLE public.notes ENABLE ROW LEVEL SECURITY;
-- The permission the write policy needs, held by owners.
INSERT INTO public.role_permissions (role, permission) VALUES ('owner', 'notes.manage');
-- Read policy: Owner or team member can read
CREATE POLICY "notes_read" ON public.notes FOR SELECT TO authenticated USING (
  account_id = (select auth.uid()) -- Personal account
  OR public.has_role_on_account(account_id) -- Team member
);
-- Write policy: Specific permission required
CREATE POLICY "notes_manage" ON public.notes FOR ALL TO authenticated USING (
  public.has_permission(auth.uid(), account_id, 'notes.manage'::app_permissions)
);
`,
  '0003_documents.sql': `
-- Example: Account-owned documents with proper tenancy
CREATE TABLE documents (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id uuid REFERENCES accounts(id) ON DELETE CASCADE,
  title text NOT NULL,
  content text,
  created_by uuid REFERENCES auth.users(id),
  -- Always include account_id for multi-tenancy
  CONSTRAINT documents_account_ownership CHECK (account_id IS NOT NULL)
);
ALTER TABLE documents ENABLE ROW LEVEL SECURITY;
-- Public data within account: members read, members write their own.
CREATE POLICY "documents_read" ON documents FOR SELECT TO authenticated
  USING (public.has_role_on_account(account_id));
CREATE POLICY "documents_write" ON documents FOR INSERT TO authenticated
  WITH CHECK (public.has_role_on_account(account_id) AND created_by = auth.uid());
`,
  '0004_patterns.sql': `
INSERT INTO public.role_permissions (role, permission) VALUES
  ('owner', 'feature.manage'), ('owner', 'reports.financial');

-- Template for account-owned resources
CREATE TABLE your_feature (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id uuid REFERENCES accounts(id) ON DELETE CASCADE NOT NULL,
  name text NOT NULL,
  description text,
  created_at timestamptz DEFAULT now(),
  updated_at timestamptz DEFAULT now(),
  created_by uuid REFERENCES auth.users(id),
  updated_by uuid REFERENCES auth.users(id)
);
ALTER TABLE your_feature ENABLE ROW LEVEL SECURITY;
-- Standard RLS policy
CREATE POLICY "feature_account_access" ON your_feature FOR ALL TO authenticated
  USING (public.has_role_on_account(account_id))
  WITH CHECK (public.has_permission(auth.uid(), account_id, 'feature.manage'));

-- Example: Project categories with hierarchy (without "path ltree": not on SQLite)
CREATE TABLE project_categories (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id uuid REFERENCES accounts(id) ON DELETE CASCADE NOT NULL,
  parent_id uuid REFERENCES project_categories(id) ON DELETE CASCADE,
  name text NOT NULL,
  -- Ensure hierarchy stays within account
  CONSTRAINT categories_same_account CHECK (
    parent_id IS NULL OR
    (SELECT account_id FROM project_categories WHERE id = parent_id) = account_id
  )
);
ALTER TABLE project_categories ENABLE ROW LEVEL SECURITY;
CREATE POLICY "project_categories_access" ON project_categories FOR ALL TO authenticated
  USING (public.has_role_on_account(account_id));

-- Example: Financial reports requiring special permissions
CREATE TABLE financial_reports (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id uuid REFERENCES accounts(id) ON DELETE CASCADE NOT NULL,
  report_data jsonb NOT NULL,
  period_start date NOT NULL,
  period_end date NOT NULL,
  created_by uuid REFERENCES auth.users(id)
);
ALTER TABLE financial_reports ENABLE ROW LEVEL SECURITY;
-- Restrictive RLS requiring specific permission
CREATE POLICY "financial_reports_access" ON financial_reports FOR ALL TO authenticated
  USING (public.has_permission(auth.uid(), account_id, 'reports.financial'))
  WITH CHECK (public.has_permission(auth.uid(), account_id, 'reports.financial'));
`,
  '0005_collaboration.sql': `
-- Example: Collaboration requests between accounts
CREATE TABLE collaboration_requests (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  from_account_id uuid REFERENCES accounts(id) ON DELETE CASCADE,
  to_account_id uuid REFERENCES accounts(id) ON DELETE CASCADE,
  status text CHECK (status IN ('pending', 'accepted', 'rejected')),
  -- Prevent self-collaboration
  CONSTRAINT no_self_collaboration CHECK (from_account_id != to_account_id)
);
ALTER TABLE collaboration_requests ENABLE ROW LEVEL SECURITY;
CREATE POLICY "collaboration_requests_read" ON collaboration_requests FOR SELECT TO authenticated
  USING (public.has_role_on_account(from_account_id) OR public.has_role_on_account(to_account_id));
CREATE POLICY "collaboration_requests_send" ON collaboration_requests FOR INSERT TO authenticated
  WITH CHECK (public.has_role_on_account(from_account_id));
`,
  '0006_user_preferences.sql': `
-- Example: User preferences that follow the user everywhere
CREATE TABLE user_preferences (
  user_id uuid REFERENCES auth.users(id) ON DELETE CASCADE,
  theme varchar(20) DEFAULT 'light',
  language varchar(10) DEFAULT 'en',
  email_notifications boolean DEFAULT true
);
ALTER TABLE user_preferences ENABLE ROW LEVEL SECURITY;
CREATE POLICY "user_preferences_own" ON user_preferences FOR ALL TO authenticated
  USING (user_id = (select auth.uid()));
`,
  '0007_your_table.sql': `
INSERT INTO public.role_permissions (role, permission) VALUES ('owner', 'your_feature.create');
-- 1. Create table with proper structure
CREATE TABLE if not exists public.your_table (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id uuid REFERENCES accounts(id) ON DELETE CASCADE NOT NULL,
  created_at timestamptz DEFAULT now() NOT NULL,
  updated_at timestamptz DEFAULT now() NOT NULL,
  created_by uuid REFERENCES auth.users(id),
  -- your fields here
  title text
);
-- 2. Add comments for documentation
COMMENT ON TABLE public.your_table IS 'Description of your table';
COMMENT ON COLUMN public.your_table.account_id IS 'Account ownership';
-- 3. Create indexes for performance
CREATE INDEX idx_your_table_account_id ON public.your_table(account_id);
CREATE INDEX idx_your_table_created_at ON public.your_table(created_at DESC);
-- 4. Enable RLS (NEVER SKIP!)
ALTER TABLE public.your_table ENABLE ROW LEVEL SECURITY;
-- 5. Grant appropriate access
REVOKE ALL ON public.your_table FROM authenticated, service_role;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.your_table TO authenticated;
-- 6. Create RLS policies
CREATE POLICY "your_table_select" ON public.your_table FOR SELECT TO authenticated USING (
  account_id = (select auth.uid()) OR public.has_role_on_account(account_id)
);
CREATE POLICY "your_table_insert" ON public.your_table FOR INSERT TO authenticated WITH CHECK (
  account_id = (select auth.uid()) OR public.has_permission(auth.uid(), account_id, 'your_feature.create')
);
CREATE POLICY "your_table_update" ON public.your_table FOR UPDATE TO authenticated
  USING (public.has_role_on_account(account_id));
-- Update timestamp trigger
CREATE TRIGGER update_your_table_updated_at BEFORE UPDATE ON public.your_table
  FOR EACH ROW EXECUTE FUNCTION kit.update_updated_at();
-- Audit trigger
CREATE TRIGGER track_your_table_changes BEFORE INSERT OR UPDATE ON public.your_table
  FOR EACH ROW EXECUTE FUNCTION kit.track_user_changes();
-- Always use security invoker for views
CREATE VIEW public.your_view
WITH (security_invoker = true) AS
SELECT t.*, a.name as account_name
FROM your_table t
JOIN accounts a ON a.id = t.account_id;
-- Grant access
GRANT SELECT ON public.your_view TO authenticated;
`,
};

// PostgreSQL: categories_same_account as a trigger (a CHECK may not hold a subquery there),
// refusing with the CHECK's own SQLSTATE and message.
const SAME_ACCOUNT_CHECK = `,
  -- Ensure hierarchy stays within account
  CONSTRAINT categories_same_account CHECK (
    parent_id IS NULL OR
    (SELECT account_id FROM project_categories WHERE id = parent_id) = account_id
  )
);`;
const SAME_ACCOUNT_TRIGGER = `
);
CREATE FUNCTION categories_same_account() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.parent_id IS NOT NULL AND (SELECT account_id FROM project_categories WHERE id = NEW.parent_id) <> NEW.account_id THEN
    RAISE EXCEPTION 'new row for relation "project_categories" violates check constraint "categories_same_account"'
      USING ERRCODE = '23514';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER categories_same_account BEFORE INSERT OR UPDATE ON project_categories
  FOR EACH ROW EXECUTE FUNCTION categories_same_account();`;
if (backend === 'postgres') {
  assert.ok(MIGRATIONS['0004_patterns.sql'].includes(SAME_ACCOUNT_CHECK));
  MIGRATIONS['0004_patterns.sql'] = MIGRATIONS['0004_patterns.sql'].replace(SAME_ACCOUNT_CHECK, () => SAME_ACCOUNT_TRIGGER);
}

function writeMigrations(files) {
  const dir = mkdtempSync(path.join(tmpdir(), 'tenantbase-migrations-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

const ids = (rows) => rows.map((r) => r.id).sort();

describe('app migrations in the seed\'s SQL, served by /rest/v1', () => {
  let server, dir, admin;
  let owner, member, outsider, team, otherTeam;
  before(async () => {
    dir = writeMigrations(MIGRATIONS);
    server = await startServer({
      args: ['--migrations', dir, '--auth-rate-limit-per-ip', '10000', '--auth-rate-limit-per-email', '10000'],
    });
    admin = adminClient(server);
    owner = await signedUpUser(server);
    member = await signedUpUser(server);
    outsider = await signedUpUser(server);
    team = await makeTeam(server, owner, [[member, 'member']]);
    otherTeam = await makeTeam(server, owner);
  });
  after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists the app migrations apart from the core ones', () => {
    const { status, stdout } = runCli(['migrate', '--status', '--data', server.dataDir, '--migrations', dir]);
    assert.equal(status, 0);
    assert.match(stdout, /^0003\s+accounts\s+applied/m);
    for (const name of ['permissions', 'notes', 'documents', 'patterns', 'collaboration', 'user_preferences', 'your_table']) {
      assert.match(stdout, new RegExp(`^app/\\d{4}\\s+${name}\\s+applied`, 'm'));
    }
  });

  describe('notes (notes_read, notes_manage)', () => {
    let note;
    it('the owner, who holds notes.manage, writes notes', async () => {
      const { data, error } = await owner.client.from('notes').insert({ account_id: team.id, content: 'hello' }).select().single();
      assert.equal(error, null, error?.message);
      assert.equal(data.content, 'hello');
      note = data;
    });

    it('a member reads the team\'s notes but cannot write them', async () => {
      const read = await member.client.from('notes').select('id, content');
      assert.equal(read.error, null);
      assert.deepEqual(read.data, [{ id: note.id, content: 'hello' }]);
      const insert = await member.client.from('notes').insert({ account_id: team.id, content: 'mine' });
      assert.equal(insert.error.code, '42501');
      const update = await member.client.from('notes').update({ content: 'changed' }).eq('id', note.id).select();
      assert.deepEqual(update.data, []);
      const deleted = await member.client.from('notes').delete().eq('id', note.id).select();
      assert.deepEqual(deleted.data, []);
    });

    it('a non-member sees nothing and writes nothing', async () => {
      const read = await outsider.client.from('notes').select('id');
      assert.deepEqual(read.data, []);
      const insert = await outsider.client.from('notes').insert({ account_id: team.id, content: 'intruder' });
      assert.equal(insert.error.code, '42501');
    });

    it('anyone writes notes on their own personal account? only with the permission', async () => {
      // notes_manage asks for notes.manage, which personal accounts do not grant.
      const own = await member.client.from('notes').insert({ account_id: member.user.id, content: 'personal' });
      assert.equal(own.error.code, '42501');
    });

    it('the owner updates and deletes', async () => {
      const update = await owner.client.from('notes').update({ content: 'edited' }).eq('id', note.id).select('content');
      assert.deepEqual(update.data, [{ content: 'edited' }]);
      const deleted = await owner.client.from('notes').delete().eq('id', note.id).select('id');
      assert.deepEqual(deleted.data, [{ id: note.id }]);
    });
  });

  describe('documents', () => {
    it('members write their own documents; the ownership check refuses a document without account', async () => {
      const mine = await member.client.from('documents')
        .insert({ account_id: team.id, title: 'Plan', created_by: member.user.id }).select().single();
      assert.equal(mine.error, null, mine.error?.message);
      const forged = await member.client.from('documents').insert({ account_id: team.id, title: 'Forged', created_by: owner.user.id });
      assert.equal(forged.error.code, '42501');
      const unowned = await admin.from('documents').insert({ title: 'Nobody\'s' });
      assert.equal(unowned.error.code, '23514');
      assert.match(unowned.error.message, /documents_account_ownership/);
      const untitled = await member.client.from('documents').insert({ account_id: team.id, created_by: member.user.id });
      assert.equal(untitled.error.code, '23502');
    });

    it('members read them, non-members do not', async () => {
      const read = await owner.client.from('documents').select('title');
      assert.deepEqual(read.data, [{ title: 'Plan' }]);
      const other = await outsider.client.from('documents').select('title');
      assert.deepEqual(other.data, []);
    });
  });

  describe('Pattern 1: your_feature (feature.manage)', () => {
    it('the owner writes; a member reads but cannot write; a non-member sees nothing', async () => {
      const created = await owner.client.from('your_feature').insert({ account_id: team.id, name: 'Roadmap' }).select().single();
      assert.equal(created.error, null, created.error?.message);
      assert.ok(created.data.created_at);
      const read = await member.client.from('your_feature').select('id, name');
      assert.deepEqual(read.data, [{ id: created.data.id, name: 'Roadmap' }]);
      const refused = await member.client.from('your_feature').insert({ account_id: team.id, name: 'Mine' });
      assert.equal(refused.error.code, '42501');
      assert.match(refused.error.message, /new row violates row-level security policy for table "your_feature"/);
      const hidden = await outsider.client.from('your_feature').select('id');
      assert.deepEqual(hidden.data, []);
    });
  });

  describe('Pattern 2: project_categories', () => {
    let root;
    it('a member builds a tree inside the team', async () => {
      const made = await member.client.from('project_categories').insert({ account_id: team.id, name: 'Root' }).select().single();
      assert.equal(made.error, null, made.error?.message);
      root = made.data;
      const child = await member.client.from('project_categories')
        .insert({ account_id: team.id, parent_id: root.id, name: 'Child' }).select('name, parent_id').single();
      assert.deepEqual(child.data, { name: 'Child', parent_id: root.id });
    });

    it('a parent from another account is refused by categories_same_account', async () => {
      const crossed = await owner.client.from('project_categories')
        .insert({ account_id: otherTeam.id, parent_id: root.id, name: 'Stray' });
      assert.equal(crossed.error.code, '23514');
      assert.equal(crossed.error.message,
        'new row for relation "project_categories" violates check constraint "categories_same_account"');
    });

    it('a non-member sees no category', async () => {
      const read = await outsider.client.from('project_categories').select('id');
      assert.deepEqual(read.data, []);
    });
  });

  describe('Pattern 3: financial_reports (reports.financial)', () => {
    it('the owner files and reads reports; a member sees none and files none', async () => {
      const report = { account_id: team.id, report_data: { revenue: 1200, currency: 'EUR' }, period_start: '2026-01-01', period_end: '2026-03-31' };
      const filed = await owner.client.from('financial_reports').insert(report).select().single();
      assert.equal(filed.error, null, filed.error?.message);
      assert.deepEqual(filed.data.report_data, { revenue: 1200, currency: 'EUR' });
      assert.equal(filed.data.period_end, '2026-03-31');
      const read = await member.client.from('financial_reports').select('id');
      assert.deepEqual(read.data, []);
      const refused = await member.client.from('financial_reports').insert(report);
      assert.equal(refused.error.code, '42501');
    });
  });

  describe('collaboration_requests', () => {
    it('a member asks another account; both sides read it; self-collaboration is refused with 23514', async () => {
      const sent = await owner.client.from('collaboration_requests')
        .insert({ from_account_id: team.id, to_account_id: otherTeam.id, status: 'pending' }).select().single();
      assert.equal(sent.error, null, sent.error?.message);
      const seen = await member.client.from('collaboration_requests').select('status');
      assert.deepEqual(seen.data, [{ status: 'pending' }]);
      const self = await owner.client.from('collaboration_requests')
        .insert({ from_account_id: team.id, to_account_id: team.id, status: 'pending' });
      assert.equal(self.error.code, '23514');
      assert.match(self.error.message, /no_self_collaboration/);
      const badStatus = await owner.client.from('collaboration_requests')
        .insert({ from_account_id: team.id, to_account_id: otherTeam.id, status: 'maybe' });
      assert.equal(badStatus.error.code, '23514');
      const outsiderSends = await outsider.client.from('collaboration_requests')
        .insert({ from_account_id: team.id, to_account_id: otherTeam.id, status: 'pending' });
      assert.equal(outsiderSends.error.code, '42501');
      const outsiderReads = await outsider.client.from('collaboration_requests').select('id');
      assert.deepEqual(outsiderReads.data, []);
    });
  });

  describe('user_preferences', () => {
    it('each user keeps their own, with the seed\'s defaults', async () => {
      const mine = await member.client.from('user_preferences').insert({ user_id: member.user.id }).select().single();
      assert.equal(mine.error, null, mine.error?.message);
      assert.deepEqual(
        { theme: mine.data.theme, language: mine.data.language, email_notifications: mine.data.email_notifications },
        { theme: 'light', language: 'en', email_notifications: true });
      const changed = await member.client.from('user_preferences').update({ theme: 'dark', email_notifications: false })
        .eq('user_id', member.user.id).select('theme, email_notifications');
      assert.deepEqual(changed.data, [{ theme: 'dark', email_notifications: false }]);
      const theirs = await outsider.client.from('user_preferences').select('theme');
      assert.deepEqual(theirs.data, []);
      const forged = await outsider.client.from('user_preferences').insert({ user_id: member.user.id });
      assert.equal(forged.error.code, '42501');
      const tooLong = await member.client.from('user_preferences').update({ theme: 'x'.repeat(21) }).eq('user_id', member.user.id);
      assert.equal(tooLong.error.code, '22001');
      assert.equal(tooLong.error.message, 'value too long for type character varying(20)');
    });
  });

  describe('the "Creating New Tables" template', () => {
    let row;
    it('created_by is the caller, whatever the request says', async () => {
      const { data, error } = await owner.client.from('your_table')
        .insert({ account_id: team.id, title: 'First', created_by: member.user.id }).select().single();
      assert.equal(error, null, error?.message);
      assert.equal(data.created_by, owner.user.id);
      row = data;
    });

    it('updated_at moves on update and created_by stays', async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      const { data, error } = await member.client.from('your_table')
        .update({ title: 'Second', created_by: member.user.id }).eq('id', row.id).select().single();
      assert.equal(error, null, error?.message);
      assert.equal(data.title, 'Second');
      assert.ok(Date.parse(data.updated_at) > Date.parse(row.updated_at), `${data.updated_at} after ${row.updated_at}`);
      assert.equal(data.created_at, row.created_at);
      assert.equal(data.created_by, owner.user.id);
    });

    it('a member without your_feature.create cannot insert into the team; into their own account they can', async () => {
      const refused = await member.client.from('your_table').insert({ account_id: team.id, title: 'x' });
      assert.equal(refused.error.code, '42501');
      const own = await member.client.from('your_table').insert({ account_id: member.user.id, title: 'mine' }).select('created_by').single();
      assert.equal(own.error, null, own.error?.message);
      assert.equal(own.data.created_by, member.user.id);
    });

    it('the security-invoker view shows each caller only what the table\'s policies show them', async () => {
      const forMember = await member.client.from('your_view').select('title, account_name').order('title');
      assert.equal(forMember.error, null, forMember.error?.message);
      assert.deepEqual(forMember.data.map((r) => r.title).sort(), ['Second', 'mine']);
      assert.ok(forMember.data.find((r) => r.title === 'Second').account_name);
      const forOutsider = await outsider.client.from('your_view').select('title');
      assert.equal(forOutsider.error, null, forOutsider.error?.message);
      assert.deepEqual(forOutsider.data, []);
    });
  });
});

describe('app migrations Tenantbase refuses', () => {
  const cases = [
    {
      name: 'a plpgsql function',
      file: '0001_features.sql',
      sql: `-- Helper function to check feature access
CREATE OR REPLACE FUNCTION has_feature_access(
  target_account_id uuid,
  feature_name text
) RETURNS boolean AS $$
DECLARE has_access boolean := false;
BEGIN
  RETURN COALESCE(has_access, false);
END;
$$ LANGUAGE plpgsql;
`,
      error: 'app migration 0001_features.sql failed: plpgsql functions are not supported on SQLite: has_feature_access (0001_features.sql:2)',
      pgError: null,  // PostgreSQL runs it
    },
    {
      name: 'a table without row-level security',
      file: '0001_no_rls.sql',
      sql: `-- ALWAYS do this for new tables
CREATE TABLE your_new_table (id uuid PRIMARY KEY);
`,
      error: /^app migration 0001_no_rls\.sql failed: table "your_new_table" was created without row-level security: .*Enable RLS \(NEVER SKIP THIS!\).* \(0001_no_rls\.sql:2\)$/,
    },
    {
      name: 'an enum value used in the migration that adds it',
      file: '0001_notes_permission.sql',
      sql: `ALTER TYPE public.app_permissions ADD VALUE 'notes.manage';
INSERT INTO public.role_permissions (role, permission) VALUES ('owner', 'notes.manage');
`,
      error: /^app migration 0001_notes_permission\.sql failed: unsafe use of new value "notes\.manage" of enum type app_permissions .* \(0001_notes_permission\.sql:2\)$/,
    },
    {
      name: 'an ltree column',
      file: '0001_tree.sql',
      sql: `CREATE TABLE project_categories (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  path ltree -- PostgreSQL ltree for efficient tree operations
);
ALTER TABLE project_categories ENABLE ROW LEVEL SECURITY;
`,
      error: 'app migration 0001_tree.sql failed: ltree is not available on SQLite (0001_tree.sql:3)',
      // Without CREATE EXTENSION ltree, PostgreSQL does not know the type either.
      pgError: 'app migration 0001_tree.sql failed: type "ltree" does not exist (0001_tree.sql:3)',
    },
  ];

  for (const c of cases) {
    const expected = backend === 'postgres' && 'pgError' in c ? c.pgError : c.error;
    if (expected === null) {
      it(`migrate applies ${c.name} on PostgreSQL`, () => {
        const dir = writeMigrations({ [c.file]: c.sql });
        const data = makeDataDir();
        try {
          const { status, stderr } = runCli(['migrate', '--data', data, '--migrations', dir, '--log-level', 'off']);
          assert.equal(status, 0, stderr);
          const listed = runCli(['migrate', '--status', '--data', data, '--migrations', dir]);
          assert.match(listed.stdout, /^app\/0001\s+\S+\s+applied\b/m);
        } finally {
          rmSync(dir, { recursive: true, force: true });
          rmSync(data, { recursive: true, force: true });
        }
      });
      continue;
    }
    it(`migrate refuses ${c.name}, changes nothing and names file:line`, () => {
      const dir = writeMigrations({ [c.file]: c.sql });
      const data = makeDataDir();
      try {
        const { status, stderr } = runCli(['migrate', '--data', data, '--migrations', dir, '--log-level', 'off']);
        assert.notEqual(status, 0);
        const lines = stderr.trim().split('\n');
        assert.equal(lines.length, 1, stderr);
        const message = lines[0].replace(/^tenantbase: /, '');
        if (expected instanceof RegExp) assert.match(message, expected);
        else assert.equal(message, expected);
        const listed = runCli(['migrate', '--status', '--data', data, '--migrations', dir]);
        assert.match(listed.stdout, /^app\/0001\s+\S+\s+pending$/m);
      } finally {
        rmSync(dir, { recursive: true, force: true });
        rmSync(data, { recursive: true, force: true });
      }
    });
  }

  it('serve stops before listening, with the same one-line error', async () => {
    // The table without row-level security: refused on both backends.
    const noRls = cases.find((c) => c.file === '0001_no_rls.sql');
    const dir = writeMigrations({ [noRls.file]: noRls.sql });
    try {
      await assert.rejects(startServer({ args: ['--migrations', dir] }), (err) => {
        assert.match(err.message, /server exited with 1 before listening/);
        assert.match(err.message, /tenantbase: app migration 0001_no_rls\.sql failed: table "your_new_table" was created without row-level security: .*\(0001_no_rls\.sql:2\)/);
        return true;
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an explicit --migrations directory must exist', () => {
    const data = makeDataDir();
    try {
      const { status, stderr } = runCli(['migrate', '--data', data, '--migrations', path.join(data, 'nope')]);
      assert.notEqual(status, 0);
      assert.match(stderr, /is not a directory/);
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  });
});
