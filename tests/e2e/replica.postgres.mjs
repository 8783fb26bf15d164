// Read replicas (issue #7): `serve --database PRIMARY --database-replica STANDBY` sends
// read-only requests to a streaming standby (pg_basebackup, CTest's fixture `pg_standby`),
// except a caller's reads that must see their own recent write, which stay on the primary
// until the standby has replayed it. The standby is held 2 s behind
// (recovery_min_apply_delay), so a read that went to it too early would miss the write.
// Where each read ran is shown by GET /metrics.
//
// PostgreSQL only: CTest's e2e_replica runs it, `node --test replica.postgres.mjs`.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { backend, databaseFor, makeDataDir, runCli, startServer } from './support/server.mjs';
import { client, signedUpUser } from './support/supabase.mjs';

const DELAY_MS = 2000;

function standbyEnv() {
  const text = readFileSync(process.env.TB_PG_ENV, 'utf8');
  const pick = (name) => {
    const match = text.match(new RegExp(`^${name}=(\\S+)$`, 'm'));
    assert.ok(match, `${process.env.TB_PG_ENV} names no ${name}: run \`tests/support/pg_cluster standby\` first`);
    return match[1];
  };
  return { url: pick('TB_PG_STANDBY_URL'), adminUrl: pick('TB_PG_STANDBY_ADMIN_URL'), primaryAdminUrl: pick('TB_PG_ADMIN_URL') };
}

function psql(url, sql) {
  const result = spawnSync('psql', [url, '-qAt', '-v', 'ON_ERROR_STOP=1', '-c', sql], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`psql failed (${sql}): ${result.stderr}`);
  return result.stdout.trim();
}

const withDatabase = (url, name) => { const u = new URL(url); u.pathname = `/${name}`; return u.toString(); };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Waits until the standby has replayed everything the primary has written so far.
async function caughtUp(standby) {
  const target = psql(standby.primaryAdminUrl, 'SELECT pg_current_wal_insert_lsn()');
  for (let i = 0; i < 200; i++) {
    if (psql(standby.adminUrl, `SELECT pg_last_wal_replay_lsn() >= '${target}'::pg_lsn`) === 't') return;
    await sleep(50);
  }
  throw new Error('the standby did not catch up in 10 s');
}

async function metrics(server) {
  const key = server.keys().serviceRole;
  const res = await fetch(`${server.url}/metrics`, { headers: { apikey: key, Authorization: `Bearer ${key}` } });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/plain/);
  const values = {};
  for (const line of (await res.text()).split('\n')) {
    const match = line.match(/^(\w+\{[^}]*\}|\w+) (\d+)$/);
    if (match) values[match[1]] = Number(match[2]);
  }
  return {
    primary: values['tenantbase_db_reads_total{target="primary"}'],
    replica: values['tenantbase_db_reads_total{target="replica"}'],
    keptForWrites: values['tenantbase_db_reads_kept_on_primary_total{reason="read_your_writes"}'],
    keptUnavailable: values['tenantbase_db_reads_kept_on_primary_total{reason="replica_unavailable"}'],
  };
}

const delta = (after, before) => Object.fromEntries(Object.keys(after).map((k) => [k, after[k] - before[k]]));

describe('read replicas', () => {
  const dir = makeDataDir();
  let standby;
  let server;

  before(async () => {
    assert.equal(backend, 'postgres', 'replica.postgres.mjs needs TB_PG_ENV (CTest: e2e_replica)');
    standby = standbyEnv();
    const primaryUrl = databaseFor(dir);
    const migrated = runCli(['migrate', '--data', dir, '--log-level', 'warn']);
    assert.equal(migrated.status, 0, migrated.stderr);
    await caughtUp(standby);
    psql(standby.adminUrl, `ALTER SYSTEM SET recovery_min_apply_delay = '${DELAY_MS}ms'`);
    psql(standby.adminUrl, 'SELECT pg_reload_conf()');
    const replicaUrl = withDatabase(standby.url, new URL(primaryUrl).pathname.slice(1));
    server = await startServer({ dataDir: dir, args: ['--database-replica', replicaUrl] });
  });

  after(async () => {
    await server?.stop();
    if (standby) {
      psql(standby.adminUrl, 'ALTER SYSTEM RESET recovery_min_apply_delay');
      psql(standby.adminUrl, 'SELECT pg_reload_conf()');
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('a new user reads their own sign-up and write at once, from the primary', async () => {
    const before = await metrics(server);
    const alice = await signedUpUser(server);  // the session exists on the primary only, for 2 s
    const own = await alice.client.from('accounts').select('id, name').eq('id', alice.user.id).single();
    assert.equal(own.error, null, own.error?.message);

    const renamed = await alice.client.from('accounts').update({ name: 'Alice Renamed' }).eq('id', alice.user.id);
    assert.equal(renamed.error, null, renamed.error?.message);
    const read = await alice.client.from('accounts').select('name').eq('id', alice.user.id).single();
    assert.equal(read.data?.name, 'Alice Renamed', 'read-your-writes: the write is seen at once');

    const moved = delta(await metrics(server), before);
    assert.equal(moved.keptForWrites, 2, 'both reads stayed on the primary for read-your-writes');
    assert.equal(moved.replica, 0);
  });

  it('another caller reads from the standby, which is behind', async () => {
    const bob = await signedUpUser(server);
    await caughtUp(standby);
    await sleep(50);  // the standby has replayed bob's sign-up
    const carol = await signedUpUser(server);
    await caughtUp(standby);

    const before = await metrics(server);
    const renamed = await carol.client.from('accounts').update({ name: 'Carol Renamed' }).eq('id', carol.user.id);
    assert.equal(renamed.error, null, renamed.error?.message);
    const own = await bob.client.from('accounts').select('name').eq('id', bob.user.id).single();
    assert.equal(own.error, null, own.error?.message);
    // The anon key reads nothing here, but where it reads is what counts.
    const anon = await client(server).from('accounts').select('id');
    assert.deepEqual(anon.data, []);
    const moved = delta(await metrics(server), before);
    assert.equal(moved.replica, 2, "bob's and anon's reads ran on the standby");
    assert.equal(moved.keptForWrites, 0);

    // Carol's write is on the primary only for now: her read waits for it there, then,
    // once the standby has replayed it, her reads go to the standby too.
    const fresh = await carol.client.from('accounts').select('name').eq('id', carol.user.id).single();
    assert.equal(fresh.data?.name, 'Carol Renamed');
    await caughtUp(standby);
    await sleep(DELAY_MS + 200);
    const later = await metrics(server);
    const again = await carol.client.from('accounts').select('name').eq('id', carol.user.id).single();
    assert.equal(again.data?.name, 'Carol Renamed');
    assert.equal(delta(await metrics(server), later).replica, 1, 'after the standby replayed it, the standby reads');
  });

  it('GET /metrics is for the service_role key only', async () => {
    const anonKey = server.keys().anon;
    const anon = await fetch(`${server.url}/metrics`, { headers: { apikey: anonKey, Authorization: `Bearer ${anonKey}` } });
    assert.equal(anon.status, 403);
    assert.match((await anon.json()).msg, /service_role key/);
    const none = await fetch(`${server.url}/metrics`);
    assert.equal(none.status, 401);
  });
});

describe('a replica that cannot be reached', () => {
  it('leaves reads on the primary, counted as replica_unavailable', async () => {
    const dir = makeDataDir();
    const server = await startServer({ dataDir: dir, args: ['--database-replica', 'postgresql://tenantbase@127.0.0.1:9/nowhere'] });
    try {
      const before = await metrics(server);
      const anon = await client(server).from('accounts').select('id');
      assert.equal(anon.error, null, anon.error?.message);
      const moved = delta(await metrics(server), before);
      assert.equal(moved.keptUnavailable, 1);
      assert.equal(moved.replica, 0);
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
