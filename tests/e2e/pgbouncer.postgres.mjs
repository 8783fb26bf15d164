// Behind pgbouncer in transaction mode (issue #7): `--database 'postgres://…?pgbouncer=true'`.
// pgbouncer (CTest's fixture `pg_bouncer`, tests/support/pg_cluster pgbouncer) pools
// transactions onto 2 server connections, so one server connection's consecutive
// transactions come from different connections of ours and no session state survives
// between them. With the switch every statement goes out unnamed; without it the named
// prepared statements collide, which the control at the end shows.
//
// PostgreSQL only: CTest's e2e_pgbouncer runs it, `node --test pgbouncer.postgres.mjs`.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { backend, databaseFor, makeDataDir, startServer } from './support/server.mjs';
import { adminClient, client, signedUpUser } from './support/supabase.mjs';

function bouncerUrlFor(dir, { pgbouncer }) {
  const text = readFileSync(process.env.TB_PG_ENV, 'utf8');
  const match = text.match(/^TB_PG_BOUNCER_URL=(\S+)$/m);
  assert.ok(match, `${process.env.TB_PG_ENV} names no TB_PG_BOUNCER_URL: run \`tests/support/pg_cluster pgbouncer\` first`);
  const url = new URL(match[1]);
  url.pathname = new URL(databaseFor(dir)).pathname;
  if (pgbouncer) url.searchParams.set('pgbouncer', 'true');
  return url.toString();
}

// Many callers at once, each request one transaction (or several: sign-up, RPCs): reads,
// writes, RPCs and auth, so consecutive transactions of a connection of ours land on
// different server connections. Resolves with every failure's message.
async function mixedLoad(server, users, rounds = 3) {
  const failures = [];
  const expectOk = (what) => (r) => {
    if (r.error) failures.push(`${what}: ${r.error.message ?? JSON.stringify(r.error)}`);
    return r;
  };
  for (let round = 0; round < rounds; round++) {
    await Promise.all(users.flatMap((u, i) => [
      u.client.from('accounts').select('id, name').eq('id', u.user.id).single().then(expectOk('read')),
      u.client.from('accounts').update({ name: `User ${i} round ${round}` }).eq('id', u.user.id).then(expectOk('update')),
      u.client.rpc('has_role_on_account', { account_id: u.user.id }).then(expectOk('rpc')),
      u.client.from('accounts_memberships').select('account_id').then(expectOk('memberships')),
      u.client.auth.getUser().then(expectOk('getUser')),
    ]));
  }
  return failures;
}

describe('behind pgbouncer in transaction mode', () => {
  const dir = makeDataDir();
  let server;
  let users = [];

  before(async () => {
    assert.equal(backend, 'postgres', 'pgbouncer.postgres.mjs needs TB_PG_ENV (CTest: e2e_pgbouncer)');
    // Migrations, start-up reads and every request go through pgbouncer.
    server = await startServer({ dataDir: dir, env: { TENANTBASE_DATABASE_URL: bouncerUrlFor(dir, { pgbouncer: true }) } });
    users = await Promise.all(Array.from({ length: 8 }, () => signedUpUser(server)));
  });

  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers concurrent reads, writes, RPCs and auth calls as it does directly', async () => {
    assert.deepEqual(await mixedLoad(server, users), []);
    for (const [i, u] of users.entries()) {
      const { data } = await u.client.from('accounts').select('name').eq('id', u.user.id).single();
      assert.equal(data?.name, `User ${i} round 2`);
    }
  });

  it('keeps each request to its own caller: policies hold across shared server connections', async () => {
    const [alice, bob] = users;
    const team = await alice.client.rpc('create_team_account', { account_name: 'Bouncer Co' });
    assert.equal(team.error, null, team.error?.message);
    const reads = await Promise.all(Array.from({ length: 20 }, (_, i) =>
      (i % 2 ? bob : alice).client.from('accounts').select('id').eq('id', team.data.id)));
    reads.forEach((r, i) => {
      assert.equal(r.error, null, r.error?.message);
      assert.equal(r.data.length, i % 2 ? 0 : 1, i % 2 ? 'bob is no member' : 'alice owns it');
    });
    const anon = await client(server).from('accounts').select('id');
    assert.deepEqual(anon.data, []);
    const all = await adminClient(server).from('accounts').select('id').eq('is_personal_account', false);
    assert.ok(all.data.some((a) => a.id === team.data.id), 'service_role sees every account');
  });

  it('turns a client mistake into the same 4xx as directly', async () => {
    const [alice] = users;
    const bad = await alice.client.from('accounts').select('no_such_column');
    assert.equal(bad.status, 400);
    assert.equal(bad.error.code, '42703');
    // And the connection that carried the failed statement serves the next request.
    assert.deepEqual(await mixedLoad(server, users.slice(0, 2), 1), []);
  });
});

// The control: the same server without the switch, through the same pgbouncer. A named
// statement prepared in one transaction is missing in the next, which ran on another
// server connection, so the tests above would fail without the switch.
describe('behind pgbouncer without pgbouncer=true', () => {
  it('fails, which is why the switch exists', async () => {
    const dir = makeDataDir();
    let server;
    try {
      try {
        server = await startServer({ dataDir: dir, env: { TENANTBASE_DATABASE_URL: bouncerUrlFor(dir, { pgbouncer: false }) } });
      } catch (e) {
        // Failing before it listens is failing too.
        assert.match(String(e.message), /prepared statement/);
        return;
      }
      const users = [];
      const failures = [];
      for (let i = 0; i < 8; i++) {
        try { users.push(await signedUpUser(server)); } catch (e) { failures.push(`sign-up: ${e.message}`); }
      }
      failures.push(...await mixedLoad(server, users));
      assert.ok(failures.length > 0, 'named statements through transaction pooling must go missing');
      // Never another connection's statement of the same name: names are unique per connection.
      assert.match(failures.join('\n') + server.logs(), /prepared statement "tb_[0-9a-f]+_\d+" does not exist/);
      assert.doesNotMatch(failures.join('\n') + server.logs(), /already exists|requires \d+/);
    } finally {
      await server?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
