// The service_role's user administration (auth.admin.* of supabase-js) and the command
// `tenantbase admin create-user`, driven by the official client against the real binary.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { startServer, runCli, makeDataDir } from './support/server.mjs';
import { client, adminClient, uniqueEmail, signedUpUser } from './support/supabase.mjs';

const PASSWORD = 'correct horse battery';
// Sign-ins in these tests all come from 127.0.0.1; the per-IP limit is not under test here.
const NO_IP_LIMIT = ['--auth-rate-limit-per-ip', '0'];

async function signIn(server, email, password = PASSWORD) {
  const c = client(server);
  const result = await c.auth.signInWithPassword({ email, password });
  return { ...result, client: c };
}

async function rawUser(server, accessToken) {
  const res = await fetch(`${server.url}/auth/v1/user`, {
    headers: { apikey: server.keys().anon, Authorization: `Bearer ${accessToken}` },
  });
  return { status: res.status, body: await res.json() };
}

async function rawAdmin(server, method, path, { key = server.keys().serviceRole, body } = {}) {
  const res = await fetch(`${server.url}/auth/v1/admin/${path}`, {
    method,
    headers: { apikey: key, Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

describe('auth.admin: create, get, update', () => {
  let server;
  let admin;
  before(async () => {
    server = await startServer({ args: NO_IP_LIMIT });
    admin = adminClient(server).auth.admin;
  });
  after(async () => { await server.stop(); });

  it('createUser makes a confirmed user with metadata who can sign in', async () => {
    const email = uniqueEmail('created');
    const { data, error } = await admin.createUser({
      email: email.toUpperCase(),
      password: PASSWORD,
      email_confirm: true,
      user_metadata: { name: 'Grace Hopper' },
      app_metadata: { plan: 'pro' },
    });
    assert.equal(error, null);
    assert.equal(data.user.email, email, 'stored lower-case');
    assert.ok(data.user.email_confirmed_at);
    assert.deepEqual(data.user.user_metadata, { name: 'Grace Hopper' });
    assert.deepEqual(data.user.app_metadata, { provider: 'email', providers: ['email'], plan: 'pro' });
    assert.equal(data.user.aud, 'authenticated');
    assert.equal(data.user.identities[0].provider, 'email');

    const signedIn = await signIn(server, email);
    assert.equal(signedIn.error, null);
    assert.equal(signedIn.data.user.id, data.user.id);
    assert.deepEqual(signedIn.data.user.app_metadata.plan, 'pro');
  });

  it('createUser without email_confirm leaves the address unconfirmed, without a password none', async () => {
    const email = uniqueEmail('unconfirmed');
    const { data, error } = await admin.createUser({ email });
    assert.equal(error, null);
    assert.equal(data.user.email_confirmed_at, null);
    const signedIn = await signIn(server, email, '');
    assert.ok(signedIn.error, 'no password was set');
    const guessed = await signIn(server, email, PASSWORD);
    assert.equal(guessed.error.code, 'invalid_credentials');
  });

  it('refuses a taken email as email_exists, whatever its case', async () => {
    const { email } = await signedUpUser(server);
    const { data, error } = await admin.createUser({ email: email.toUpperCase(), password: PASSWORD });
    assert.equal(data.user, null);
    assert.equal(error.status, 422);
    assert.equal(error.code, 'email_exists');
  });

  it('refuses a weak password, a malformed or missing email and unsupported fields', async () => {
    const weak = await admin.createUser({ email: uniqueEmail(), password: 'short' });
    assert.equal(weak.error.code, 'weak_password');
    assert.equal(weak.error.status, 422);
    assert.deepEqual(weak.error.reasons, ['length']);
    const malformed = await admin.createUser({ email: 'not-an-email', password: PASSWORD });
    assert.equal(malformed.error.code, 'email_address_invalid');
    assert.equal(malformed.error.status, 400);
    const missing = await admin.createUser({ password: PASSWORD });
    assert.equal(missing.error.code, 'validation_failed');
    const phone = await admin.createUser({ email: uniqueEmail(), phone: '+15555550100' });
    assert.equal(phone.error.code, 'validation_failed');
    assert.match(phone.error.message, /phone/);
    const metadata = await rawAdmin(server, 'POST', 'users', { body: { email: uniqueEmail(), user_metadata: [1] } });
    assert.equal(metadata.status, 400);
    const notJson = await fetch(`${server.url}/auth/v1/admin/users`, {
      method: 'POST',
      headers: { apikey: server.keys().serviceRole, Authorization: `Bearer ${server.keys().serviceRole}` },
      body: '{"email":',
    });
    assert.equal(notJson.status, 400);
    assert.equal((await notJson.json()).error_code, 'bad_json');
  });

  it('getUserById returns the user; an unknown id is user_not_found, a non-UUID a 404', async () => {
    const { user } = await signedUpUser(server, { data: { name: 'Found' } });
    const { data, error } = await admin.getUserById(user.id);
    assert.equal(error, null);
    assert.equal(data.user.id, user.id);
    assert.equal(data.user.user_metadata.name, 'Found');
    const unknown = await admin.getUserById('00000000-0000-4000-8000-000000000000');
    assert.equal(unknown.error.status, 404);
    assert.equal(unknown.error.code, 'user_not_found');
    // auth-js refuses a non-UUID itself; a raw request must still get a 4xx, not a 500.
    for (const id of ['not-a-uuid', "1' OR '1'='1", '00000000-0000-4000-8000-00000000000g']) {
      const res = await rawAdmin(server, 'GET', `users/${encodeURIComponent(id)}`);
      assert.equal(res.status, 404, id);
      assert.equal(res.body.error_code, 'validation_failed');
    }
  });

  it('updateUserById sets a new password: the old one is refused, sessions end, the new one works', async () => {
    const { email, user, session } = await signedUpUser(server);
    const { data, error } = await admin.updateUserById(user.id, { password: 'an admin chosen password' });
    assert.equal(error, null);
    assert.equal(data.user.id, user.id);
    assert.equal((await signIn(server, email)).error.code, 'invalid_credentials');
    assert.equal((await signIn(server, email, 'an admin chosen password')).error, null);
    // As GoTrue does, a password set by an admin ends the user's existing sessions.
    const before = await rawUser(server, session.access_token);
    assert.equal(before.status, 403);
    assert.equal(before.body.error_code, 'session_not_found');
    const weak = await admin.updateUserById(user.id, { password: 'short' });
    assert.equal(weak.error.code, 'weak_password');
    assert.equal((await signIn(server, email, 'an admin chosen password')).error, null, 'a refused update changes nothing');
  });

  it('updateUserById merges user_metadata and app_metadata key by key, and changes the email', async () => {
    const { user } = await signedUpUser(server, { data: { name: 'Old', theme: 'dark', keep: 1 } });
    const newEmail = uniqueEmail('moved');
    const { data, error } = await admin.updateUserById(user.id, {
      email: newEmail,
      user_metadata: { name: 'New', theme: null },
      app_metadata: { plan: 'team' },
    });
    assert.equal(error, null);
    assert.deepEqual(data.user.user_metadata, { name: 'New', keep: 1 });
    assert.deepEqual(data.user.app_metadata, { provider: 'email', providers: ['email'], plan: 'team' });
    assert.equal(data.user.email, newEmail);
    assert.equal((await signIn(server, newEmail)).error, null);
    const { email: taken } = await signedUpUser(server);
    const clash = await admin.updateUserById(user.id, { email: taken });
    assert.equal(clash.error.code, 'email_exists');
    assert.equal(clash.error.status, 422);
    const unknown = await admin.updateUserById('00000000-0000-4000-8000-000000000000', { user_metadata: { a: 1 } });
    assert.equal(unknown.error.code, 'user_not_found');
  });
});

describe('auth.admin: ban, unban, delete', () => {
  let server;
  let admin;
  before(async () => {
    server = await startServer({ args: NO_IP_LIMIT });
    admin = adminClient(server).auth.admin;
  });
  after(async () => { await server.stop(); });

  it('ban_duration 24h stops the existing session, its refresh and new sign-ins; "none" lifts it', async () => {
    const { email, user, client: c } = await signedUpUser(server);
    const { data, error } = await admin.updateUserById(user.id, { ban_duration: '24h' });
    assert.equal(error, null);
    const until = Date.parse(data.user.banned_until);
    assert.ok(Math.abs(until - (Date.now() + 24 * 3600 * 1000)) < 60_000, data.user.banned_until);

    const fetched = await c.auth.getUser();
    assert.equal(fetched.error.status, 403);
    assert.equal(fetched.error.code, 'user_banned');
    const refreshed = await c.auth.refreshSession();
    assert.ok(refreshed.error);
    assert.equal(refreshed.error.code, 'user_banned');
    const signedIn = await signIn(server, email);
    assert.equal(signedIn.error.code, 'user_banned');
    assert.equal(signedIn.data.session, null);

    const lifted = await admin.updateUserById(user.id, { ban_duration: 'none' });
    assert.equal(lifted.error, null);
    assert.equal(lifted.data.user.banned_until, undefined);
    const again = await signIn(server, email);
    assert.equal(again.error, null);
    assert.equal((await again.client.auth.getUser()).error, null);
  });

  it('accepts Go durations like 1h30m and refuses a bad ban_duration with 400', async () => {
    const { user } = await signedUpUser(server);
    const ok = await admin.updateUserById(user.id, { ban_duration: '1h30m' });
    assert.equal(ok.error, null);
    const until = Date.parse(ok.data.user.banned_until);
    assert.ok(Math.abs(until - (Date.now() + 90 * 60 * 1000)) < 60_000);
    for (const bad of ['1d', '24', 'forever', '-', '1h 30m']) {
      const { error } = await admin.updateUserById(user.id, { ban_duration: bad });
      assert.equal(error.status, 400, bad);
      assert.equal(error.code, 'validation_failed');
      assert.match(error.message, /invalid format for ban duration/);
    }
    const created = await admin.createUser({ email: uniqueEmail(), ban_duration: 'soon' });
    assert.equal(created.error.status, 400);
    const banned = await admin.createUser({ email: uniqueEmail('born-banned'), password: PASSWORD, ban_duration: '10m' });
    assert.equal(banned.error, null);
    assert.equal((await signIn(server, banned.data.user.email)).error.code, 'user_banned');
  });

  it('deleteUser ends the user: the old token fails, sign-in fails, the id is unknown', async () => {
    const { email, user, session, client: c } = await signedUpUser(server);
    const { data, error } = await admin.deleteUser(user.id);
    assert.equal(error, null);
    assert.deepEqual(data.user, {});
    const fetched = await rawUser(server, session.access_token);
    assert.equal(fetched.status, 403);
    assert.equal(fetched.body.error_code, 'session_not_found');
    assert.ok((await c.auth.getUser()).error);
    assert.ok((await c.auth.refreshSession()).error);
    assert.equal((await signIn(server, email)).error.code, 'invalid_credentials');
    assert.equal((await admin.getUserById(user.id)).error.code, 'user_not_found');
    const again = await admin.deleteUser(user.id);
    assert.equal(again.error.status, 404);
    assert.equal(again.error.code, 'user_not_found');
    const recreated = await admin.createUser({ email, password: PASSWORD });
    assert.equal(recreated.error, null, 'the address is free again');
    assert.notEqual(recreated.data.user.id, user.id);
  });

  it('a soft delete also ends the user, hides them and frees the address', async () => {
    const { email, user, session } = await signedUpUser(server);
    const { error } = await admin.deleteUser(user.id, true);
    assert.equal(error, null);
    assert.equal((await rawUser(server, session.access_token)).status, 403);
    assert.equal((await signIn(server, email)).error.code, 'invalid_credentials');
    assert.equal((await admin.getUserById(user.id)).error.code, 'user_not_found');
    assert.equal((await admin.createUser({ email, password: PASSWORD })).error, null);
    assert.equal((await admin.deleteUser(user.id, true)).error, null, 'repeating a soft delete is a no-op');
    assert.equal((await admin.deleteUser(user.id)).error, null, 'a soft-deleted row can still be removed');
  });
});

describe('auth.admin: listUsers', () => {
  let server;
  let admin;
  const created = [];
  before(async () => {
    server = await startServer();
    admin = adminClient(server).auth.admin;
    for (let i = 0; i < 5; i += 1) {
      const { data, error } = await admin.createUser({ email: uniqueEmail(`list${i}`), password: PASSWORD });
      if (error) throw error;
      created.push(data.user.id);
    }
  });
  after(async () => { await server.stop(); });

  it('pages newest first with nextPage, lastPage and total', async () => {
    const pages = [];
    for (let page = 1; page <= 3; page += 1) {
      const { data, error } = await admin.listUsers({ page, perPage: 2 });
      assert.equal(error, null);
      assert.equal(data.aud, 'authenticated');
      assert.equal(data.total, 5);
      assert.equal(data.lastPage, 3);
      assert.equal(data.nextPage, page < 3 ? page + 1 : null);
      assert.equal(data.users.length, page < 3 ? 2 : 1);
      pages.push(...data.users.map((u) => u.id));
    }
    assert.deepEqual(pages, [...created].reverse(), 'every user once, newest first');
    const past = await admin.listUsers({ page: 4, perPage: 2 });
    assert.equal(past.error, null);
    assert.deepEqual(past.data.users, []);
    assert.equal(past.data.nextPage, null);
  });

  it('defaults to page 1 of 50 and sends GoTrue\'s headers', async () => {
    const { data, error } = await admin.listUsers();
    assert.equal(error, null);
    assert.equal(data.users.length, 5);
    assert.equal(data.users[0].email_confirmed_at, null);
    const res = await rawAdmin(server, 'GET', 'users?page=1&per_page=2');
    assert.equal(res.headers.get('x-total-count'), '5');
    assert.equal(
      res.headers.get('link'),
      '</auth/v1/admin/users?page=2&per_page=2>; rel="next", </auth/v1/admin/users?page=3&per_page=2>; rel="last"',
    );
    const capped = await rawAdmin(server, 'GET', 'users?per_page=5000');
    assert.equal(capped.status, 200);
    assert.match(capped.headers.get('link'), /per_page=1000>; rel="last"$/);
  });

  it('refuses pagination that is not a whole number of at least 1', async () => {
    for (const query of ['page=0', 'per_page=0', 'page=-1', 'page=abc', 'per_page=2.5', 'page=1e3',
      'page=99999999999999999999999']) {
      const res = await rawAdmin(server, 'GET', `users?${query}`);
      assert.equal(res.status, 400, query);
      assert.equal(res.body.error_code, 'validation_failed');
    }
    const far = await rawAdmin(server, 'GET', 'users?page=18446744073709551615&per_page=1000');
    assert.equal(far.status, 200, 'a huge page is empty, not an overflow');
    assert.deepEqual(far.body.users, []);
  });
});

describe('auth.admin: only the service_role', () => {
  let server;
  let target;
  before(async () => {
    server = await startServer({ args: NO_IP_LIMIT });
    target = await signedUpUser(server, { data: { name: 'Target' } });
  });
  after(async () => { await server.stop(); });

  // Every admin call, as a function of the admin API it goes through.
  const calls = (t) => ({
    listUsers: (a) => a.listUsers(),
    createUser: (a) => a.createUser({ email: uniqueEmail('sneaky'), password: PASSWORD }),
    getUserById: (a) => a.getUserById(t.user.id),
    updateUserById: (a) => a.updateUserById(t.user.id, { ban_duration: '876000h', user_metadata: { name: 'Owned' } }),
    deleteUser: (a) => a.deleteUser(t.user.id),
  });

  it('refuses the anon key with 403 not_admin', async () => {
    const anonAdmin = client(server).auth.admin;
    for (const [name, call] of Object.entries(calls(target))) {
      const { error } = await call(anonAdmin);
      assert.equal(error?.status, 403, name);
      assert.equal(error.code, 'not_admin', name);
    }
  });

  it("refuses a user's access token with 403 not_admin", async () => {
    const asUser = client(server, server.keys().anon, {
      global: { headers: { Authorization: `Bearer ${target.session.access_token}` } },
    }).auth.admin;
    for (const [name, call] of Object.entries(calls(target))) {
      const { error } = await call(asUser);
      assert.equal(error?.status, 403, name);
      assert.equal(error.code, 'not_admin', name);
    }
  });

  it('changed nothing while refusing', async () => {
    const { data, error } = await adminClient(server).auth.admin.getUserById(target.user.id);
    assert.equal(error, null);
    assert.equal(data.user.user_metadata.name, 'Target');
    assert.equal(data.user.banned_until, undefined);
    assert.equal((await target.client.auth.getUser()).error, null);
    const { data: list } = await adminClient(server).auth.admin.listUsers();
    assert.equal(list.users.length, 1, 'no user was created');
  });

  it('refuses a request without an apikey with 401', async () => {
    const res = await fetch(`${server.url}/auth/v1/admin/users`);
    assert.equal(res.status, 401);
  });
});

describe('auth.admin: email_confirm when confirmation is required', () => {
  let server;
  before(async () => { server = await startServer({ args: ['--auth-confirm-email', 'true', ...NO_IP_LIMIT] }); });
  after(async () => { await server.stop(); });

  it('lets an email_confirm user sign in and holds back an unconfirmed one until confirmed', async () => {
    const admin = adminClient(server).auth.admin;
    const confirmed = uniqueEmail('pre-confirmed');
    const pending = uniqueEmail('pending');
    assert.equal((await admin.createUser({ email: confirmed, password: PASSWORD, email_confirm: true })).error, null);
    const { data } = await admin.createUser({ email: pending, password: PASSWORD });
    assert.equal((await signIn(server, confirmed)).error, null);
    assert.equal((await signIn(server, pending)).error.code, 'email_not_confirmed');
    const updated = await admin.updateUserById(data.user.id, { email_confirm: true });
    assert.ok(updated.data.user.email_confirmed_at);
    assert.equal((await signIn(server, pending)).error, null);
  });
});

describe('tenantbase admin create-user', () => {
  let dataDir;
  before(() => { dataDir = makeDataDir(); });
  after(() => { rmSync(dataDir, { recursive: true, force: true }); });

  it('creates a user the server then signs in with supabase-js', async () => {
    const email = uniqueEmail('cli');
    const made = runCli(['admin', 'create-user', email, '--password', PASSWORD, '--confirmed', '--data', dataDir]);
    assert.equal(made.status, 0, made.stderr);
    const id = made.stdout.trim();
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const plain = runCli(['admin', 'create-user', uniqueEmail('cli-plain'), '--password', PASSWORD, '--data', dataDir]);
    assert.equal(plain.status, 0, plain.stderr);

    const server = await startServer({ dataDir });
    try {
      const { data, error } = await signIn(server, email);
      assert.equal(error, null);
      assert.equal(data.user.id, id);
      assert.ok(data.user.email_confirmed_at, '--confirmed');
      const other = await adminClient(server).auth.admin.getUserById(plain.stdout.trim());
      assert.equal(other.error, null);
      assert.equal(other.data.user.email_confirmed_at, null, 'without --confirmed');
    } finally {
      await server.stop();
    }
  });

  it('refuses a duplicate, a bad email and a weak password with exit 1 and one line', () => {
    const email = uniqueEmail('cli-dup');
    assert.equal(runCli(['admin', 'create-user', email, '--password', PASSWORD, '--data', dataDir]).status, 0);
    const cases = [
      [[email.toUpperCase(), '--password', PASSWORD], /already been registered/],
      [['not-an-email', '--password', PASSWORD], /not a valid email address/],
      [[uniqueEmail(), '--password', 'short'], /at least 8 characters/],
    ];
    for (const [args, message] of cases) {
      const result = runCli(['admin', 'create-user', ...args, '--data', dataDir]);
      assert.equal(result.status, 1, result.stderr);
      assert.equal(result.stdout, '');
      const lines = result.stderr.trim().split('\n');
      assert.equal(lines.length, 1, result.stderr);
      assert.match(lines[0], /^tenantbase: /);
      assert.match(lines[0], message);
    }
    const missing = runCli(['admin', 'create-user', uniqueEmail(), '--data', dataDir]);
    assert.notEqual(missing.status, 0, '--password is required');
  });
});
