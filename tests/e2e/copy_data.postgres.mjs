// `tenantbase copy-data` round trip: SQLite → PostgreSQL → SQLite keeps every row and
// every policy outcome (issue #7). A world of users, a team, app rows (with jsonb,
// boolean, numeric and timestamp columns), notifications, an invitation, billing rows
// and stored objects is built through supabase-js on SQLite; then every caller's view of
// every table, of the stored objects and of the permission functions is read, and must
// read the same on the PostgreSQL copy (with the same sessions: they were copied too) and
// on the SQLite copy of that (after a password sign-in: a new data directory has a new
// JWT secret). Refusals: a target that has users, two data directories, a source that is
// not migrated.
//
// PostgreSQL only (it needs both backends): CTest's e2e_copy_data runs it with the `pg`
// fixture's cluster, `node --test copy_data.postgres.mjs`.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { backend, databaseFor, makeDataDir, runCli, startServer } from './support/server.mjs';
import { adminClient, client, signedUpUser } from './support/supabase.mjs';
import { makeTeam } from './support/tenancy.mjs';
import { TEAM_FILES_MIGRATION } from './support/policy_model.mjs';

const NOTES_MIGRATION = `
ALTER TYPE public.app_permissions ADD VALUE 'notes.manage';
`;
const NOTES_TABLE_MIGRATION = `
CREATE TABLE public.notes (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id uuid NOT NULL REFERENCES public.accounts(id) ON DELETE CASCADE,
  body text NOT NULL,
  meta jsonb NOT NULL DEFAULT '{}',
  pinned boolean NOT NULL DEFAULT false,
  amount numeric(10, 2),
  due_at timestamptz,
  created_by uuid REFERENCES auth.users(id)
);
ALTER TABLE public.notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY notes_read ON public.notes FOR SELECT TO authenticated
  USING (public.has_role_on_account(account_id));
CREATE POLICY notes_manage ON public.notes FOR ALL TO authenticated
  USING (public.has_permission(auth.uid(), account_id, 'notes.manage'::app_permissions))
  WITH CHECK (public.has_permission(auth.uid(), account_id, 'notes.manage'::app_permissions));
INSERT INTO public.role_permissions (role, permission) VALUES ('owner', 'notes.manage');
`;

const TABLES = ['accounts', 'accounts_memberships', 'invitations', 'notifications', 'billing_customers', 'subscriptions',
  'subscription_items', 'roles', 'role_permissions', 'config', 'super_admins', 'notes', 'user_accounts'];

// Rows as sorted JSON texts, object keys in name order at every depth: PostgreSQL's jsonb
// hands keys back in its own order, SQLite in the order they were written.
const canonical = (v) => (Array.isArray(v) ? v.map(canonical)
  : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])])) : v);
const sorted = (rows) => rows.map((r) => JSON.stringify(canonical(r))).sort();

// What each caller sees: every table, the team's stored objects and their bytes, and the
// permission functions, as supabase-js returns them (errors included).
async function observe(server, callers, team) {
  const view = {};
  for (const [name, c] of Object.entries(callers)) {
    const seen = {};
    for (const table of TABLES) {
      const { data, error } = await c.from(table).select('*');
      seen[table] = error ? `error ${error.code}` : sorted(data);
    }
    const listed = await c.storage.from('team_files').list(team.id);
    seen.objects = listed.error ? `error ${listed.error.message}` : listed.data.map((o) => `${o.name} ${o.metadata?.size}`).sort();
    const file = await c.storage.from('team_files').download(`${team.id}/plan.txt`);
    seen.download = file.error ? `error ${file.error.message}` : await file.data.text();
    const rpc = await c.rpc('has_role_on_account', { account_id: team.id });
    seen.has_role = rpc.error ? `error ${rpc.error.code}` : rpc.data;
    view[name] = seen;
  }
  return view;
}

async function signIn(server, user) {
  const c = client(server);
  const { error } = await c.auth.signInWithPassword({ email: user.email, password: user.password });
  assert.equal(error, null, error?.message);
  return c;
}

// A client that sends `user`'s access token from before the move.
const withToken = (server, user) =>
  client(server, undefined, { global: { headers: { Authorization: `Bearer ${user.session.access_token}` } } });

function writeMigrations(dir) {
  mkdirSync(path.join(dir, 'migrations'));
  writeFileSync(path.join(dir, 'migrations', '0001_notes_permission.sql'), NOTES_MIGRATION);
  writeFileSync(path.join(dir, 'migrations', '0002_notes.sql'), NOTES_TABLE_MIGRATION);
  writeFileSync(path.join(dir, 'migrations', '0003_team_files.sql'), TEAM_FILES_MIGRATION);
}

// A SQLite server on `dir`, whatever TENANTBASE_DATABASE_URL this run sets.
const onSqlite = (dir) => startServer({ dataDir: dir, args: ['--database', `sqlite://${path.join(dir, 'tenantbase.db')}`] });

describe('copy-data: SQLite → PostgreSQL → SQLite', () => {
  const first = makeDataDir();   // the SQLite project; the PostgreSQL copy uses it too
  const back = makeDataDir();    // the SQLite copy of the PostgreSQL copy
  let pgUrl;
  let users;
  let team;
  let original;
  let onPostgresAfterWrite;

  before(async () => {
    assert.equal(backend, 'postgres', 'copy_data.postgres.mjs needs TB_PG_ENV (CTest: e2e_copy_data)');
    writeMigrations(first);
    pgUrl = databaseFor(first);
    const server = await onSqlite(first);
    try {
      const [alice, bob, carol] = [await signedUpUser(server), await signedUpUser(server), await signedUpUser(server)];
      users = { alice, bob, carol };
      team = await makeTeam(server, alice, [[bob, 'member']], { name: 'Moving Co' });
      const admin = adminClient(server);
      const notes = await alice.client.from('notes').insert([
        { account_id: team.id, body: 'plan', meta: { b: [1, 2], a: { z: true } }, pinned: true, amount: 12.5, due_at: '2027-01-02T03:04:05.123456Z' },
        { account_id: team.id, body: 'ünïcode ✓', meta: {}, pinned: false, amount: 7, due_at: null },
      ]);
      assert.equal(notes.error, null, notes.error?.message);
      const bobNote = await bob.client.from('notes').insert({ account_id: team.id, body: 'member note' });
      assert.equal(bobNote.error?.code, '42501', 'a member without notes.manage is refused');
      for (const [table, row] of [
        ['notifications', { account_id: team.id, body: 'welcome', type: 'info' }],
        ['invitations', { account_id: team.id, email: 'dave@example.com', role: 'member', invited_by: alice.user.id, invite_token: 'tok-copy-data' }],
        ['billing_customers', { account_id: team.id, provider: 'stripe', customer_id: 'cus_copy', email: alice.email }],
      ]) {
        const { error } = await admin.from(table).insert(row);
        assert.equal(error, null, `${table}: ${error?.message}`);
      }
      const sub = await admin.from('subscriptions').insert({
        id: 'sub_copy', account_id: team.id, customer_id: 'cus_copy', status: 'active', active: true,
        billing_provider: 'stripe', cancel_at_period_end: false, currency: 'usd',
        period_starts_at: '2026-11-01T00:00:00Z', period_ends_at: '2026-12-01T00:00:00Z',
      });
      assert.equal(sub.error, null, sub.error?.message);
      const item = await admin.from('subscription_items').insert({
        id: 'si_copy', subscription_id: 'sub_copy', account_id: team.id, product_id: 'prod_1', price_id: 'price_1', type: 'per_seat',
        price_amount: 9.99, quantity: 2, interval: 'month', interval_count: 1,
      });
      assert.equal(item.error, null, item.error?.message);
      const upload = await alice.client.storage.from('team_files').upload(`${team.id}/plan.txt`, 'the plan, in bytes', { contentType: 'text/plain' });
      assert.equal(upload.error, null, upload.error?.message);
      const bucket = await admin.storage.createBucket('docs', { public: false, allowedMimeTypes: ['text/plain', 'image/png'] });
      assert.equal(bucket.error, null, bucket.error?.message);
      original = await observe(server, { anon: client(server), alice: alice.client, bob: bob.client, carol: carol.client, service: admin }, team);
    } finally {
      await server.stop();
    }
  });

  after(() => {
    rmSync(first, { recursive: true, force: true });
    rmSync(back, { recursive: true, force: true });
  });

  it('the world seen before the move is not trivial', () => {
    assert.equal(original.alice.notes.length, 2);
    assert.equal(original.bob.notes.length, 2, 'members read the team notes');
    assert.deepEqual(original.carol.notes, [], 'an outsider reads none');
    assert.equal(original.carol.download.startsWith('error'), true);
    assert.equal(original.bob.download, 'the plan, in bytes');
    assert.equal(original.alice.has_role, true);
    assert.equal(original.carol.has_role, false);
    assert.equal(original.service.subscription_items.length, 1);
  });

  it('copies to PostgreSQL, where the same sessions see exactly the same', async () => {
    const copied = runCli(['copy-data', '--from', first, '--to', pgUrl, '--log-level', 'warn']);
    assert.equal(copied.status, 0, copied.stderr);
    assert.match(copied.stdout, /^auth\.users +3 +[0-9a-f]{32}$/m);
    assert.match(copied.stdout, /^public\.notes +2 +[0-9a-f]{32}$/m);
    assert.match(copied.stdout, /every table's count and checksum match/);

    const server = await startServer({ dataDir: first });  // this run's default: PostgreSQL, the copy
    try {
      const admin = adminClient(server);
      // The SQLite-era access tokens: same JWT secret, and their sessions were copied.
      const seen = await observe(server, {
        anon: client(server),
        alice: withToken(server, users.alice),
        bob: withToken(server, users.bob),
        carol: withToken(server, users.carol),
        service: admin,
      }, team);
      assert.deepEqual(seen, original);

      // New rows take ids past the copied ones (identity sequences moved): a sign-in writes
      // a refresh token, a notification takes the next id.
      const carol = await signIn(server, users.carol);
      assert.ok((await carol.auth.getUser()).data.user);
      const before = await admin.from('notifications').select('id');
      const added = await admin.from('notifications').insert({ account_id: team.id, body: 'after the move', type: 'info' }).select('id').single();
      assert.equal(added.error, null, added.error?.message);
      assert.ok(added.data.id > Math.max(...before.data.map((n) => n.id)));
      const alice = await signIn(server, users.alice);
      const note = await alice.from('notes').insert({ account_id: team.id, body: 'written on PostgreSQL', pinned: false });
      assert.equal(note.error, null, note.error?.message);
      onPostgresAfterWrite = await observe(server, {
        anon: client(server), alice, bob: await signIn(server, users.bob), carol, service: admin,
      }, team);
      assert.equal(onPostgresAfterWrite.bob.notes.length, 3);
    } finally {
      await server.stop();
    }
  });

  it('refuses a target that has users, unless told to overwrite it', () => {
    const refused = runCli(['copy-data', '--from', first, '--to', pgUrl, '--log-level', 'warn']);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /the target already has 3 user\(s\); copy-data replaces everything there only with --overwrite/);
  });

  it('copies the PostgreSQL copy back to a new SQLite data directory, which serves the same', async () => {
    const copied = runCli(['copy-data', '--from', pgUrl, '--to', back, '--migrations', path.join(first, 'migrations'), '--log-level', 'warn']);
    assert.equal(copied.status, 0, copied.stderr);
    assert.match(copied.stdout, /^public\.notes +3 +[0-9a-f]{32}$/m);
    cpSync(path.join(first, 'storage'), path.join(back, 'storage'), { recursive: true });  // object bytes are files
    const server = await startServer({
      dataDir: back,
      args: ['--database', `sqlite://${path.join(back, 'tenantbase.db')}`, '--migrations', path.join(first, 'migrations')],
    });
    try {
      const seen = await observe(server, {
        anon: client(server),
        alice: await signIn(server, users.alice),
        bob: await signIn(server, users.bob),
        carol: await signIn(server, users.carol),
        service: adminClient(server),
      }, team);
      assert.deepEqual(seen, onPostgresAfterWrite);
    } finally {
      await server.stop();
    }
  });

  it('with --overwrite replaces the target with the source, extra rows gone', async () => {
    const replaced = runCli(['copy-data', '--from', first, '--to', pgUrl, '--overwrite', '--log-level', 'warn']);
    assert.equal(replaced.status, 0, replaced.stderr);
    assert.match(replaced.stdout, /^public\.notes +2 +[0-9a-f]{32}$/m, 'the note written on PostgreSQL is gone');
  });

  it('refuses two data directories, and a source that is not migrated', () => {
    const two = runCli(['copy-data', '--from', first, '--to', back]);
    assert.equal(two.status, 2);
    assert.match(two.stderr, /needs a data directory on one side and a postgres:\/\/ URL on the other/);
    const empty = makeDataDir();
    try {
      const fresh = runCli(['copy-data', '--from', empty, '--to', pgUrl, '--overwrite', '--log-level', 'warn']);
      assert.equal(fresh.status, 1);
      assert.match(fresh.stderr, /the source has \d+ pending migration\(s\), from 1 kit: run `tenantbase migrate` on it first/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
