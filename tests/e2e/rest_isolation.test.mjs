// Tenant isolation as a property: a seeded random world of users, teams, memberships and
// rows, then thousands of random reads and writes through supabase-js by random callers
// (anon, users at aal1, a super admin at aal2 and again at aal1, service_role). Each result
// is compared with a plain JS model of migrations/sqlite/0010_policies.sql (and the
// triggers it relies on), and of the storage.objects policies: the core account_image
// bucket (0016_storage.sql) and an app migration's team_files bucket (the seed's
// has_role_on_account pattern). The first divergence fails with the seed and the
// operation, so the run can be replayed:
//
//   ISOLATION_SEED=<seed|random> ISOLATION_OPS=<n> node --test rest_isolation.test.mjs
//
// Without ISOLATION_SEED it runs seed 42 (repeatable CI); `random` draws a fresh one.
//
// The model never reads the server to decide what is allowed: it keeps its own copy of
// every row (and every stored object's bytes), applies each change it expects to succeed,
// and after every write compares the written table (or the storage folders written) with
// what service_role reads.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer } from './support/server.mjs';
import { client, adminClient, signedUpUser } from './support/supabase.mjs';
import { makeTeam } from './support/tenancy.mjs';
import { userWithVerifiedFactor } from './support/mfa.mjs';
import {
  EXTRA_ROLE,
  SEEDED_ROLE_PERMISSIONS,
  STATUSES,
  PAYMENT_STATUSES,
  ITEM_TYPES,
  FEATURES,
  BILLING_TABLES,
  PAST,
  PROTECTED_MESSAGE,
  SPEC,
  keyOf,
  columnsOf,
  expiryOf,
  normalize,
  Model,
  applyFilter,
  matches,
  showFilter,
  BUCKETS,
  PUBLIC_BUCKETS,
  TEAM_FILES_MIGRATION,
  objectNameError,
  cleanPath,
  urlName,
  listPrefix,
  searchMatches,
} from './support/policy_model.mjs';

// ---- replay parameters ------------------------------------------------------------------

function readSeed() {
  const raw = process.env.ISOLATION_SEED;
  // The suite runs a fixed seed, so CI is repeatable: the coverage checks below ("was never
  // allowed") are probabilistic, and a rare seed misses one. ISOLATION_SEED=random explores.
  if (raw === undefined || raw === '') return 42;
  if (raw === 'random') return randomInt(0, 2 ** 32);
  const seed = Number(raw);
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) {
    throw new Error(`ISOLATION_SEED must be an integer in [0, 2^32), got ${JSON.stringify(raw)}`);
  }
  return seed;
}
function readOps() {
  const raw = process.env.ISOLATION_OPS;
  if (raw === undefined || raw === '') return 3000;
  const ops = Number(raw);
  if (!Number.isInteger(ops) || ops < 1) throw new Error(`ISOLATION_OPS must be a positive integer, got ${JSON.stringify(raw)}`);
  return ops;
}
const SEED = readSeed();
const OPS = readOps();
const REPLAY = `ISOLATION_SEED=${SEED} ISOLATION_OPS=${OPS}`;
console.log(`rest_isolation: seed=${SEED} ops=${OPS} (replay with ${REPLAY})`);

// ---- seeded randomness (mulberry32) ---------------------------------------------------------

function mulberry32(a) {
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const next = mulberry32(SEED);
const rnd = {
  int: (n) => Math.floor(next() * n),
  chance: (p) => next() < p,
  pick(list) {
    if (list.length === 0) throw new Error('pick from an empty list');
    return list[rnd.int(list.length)];
  },
  sample(list, k) {
    const copy = [...list];
    const out = [];
    while (out.length < k && copy.length > 0) out.push(copy.splice(rnd.int(copy.length), 1)[0]);
    return out;
  },
  weighted(entries) {
    const total = entries.reduce((s, [w]) => s + w, 0);
    let x = next() * total;
    for (const [w, v] of entries) {
      if (x < w) return v;
      x -= w;
    }
    return entries[entries.length - 1][1];
  },
  uuid() {
    const hex = Array.from({ length: 32 }, () => rnd.int(16).toString(16));
    hex[12] = '4';
    hex[16] = '8';
    const h = hex.join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  },
};

// ---- the test ----------------------------------------------------------------------------

describe(`tenant isolation through /rest/v1 and /storage/v1 (seed ${SEED}, ${OPS} ops)`, () => {
  let server, admin, anon, migrations;
  const model = new Model();
  const people = []; // { name, uid, email, password, client }
  const callers = [];
  let sa; // the super admin person
  const counters = { email: 0, token: 0, sub: 0, cus: 0, price: 0, body: 0, name: 0, order: 0, file: 0, blob: 0 };
  const bogus = { uuid: rnd.uuid(), int: 987654321, text: 'sub_none' };
  const labels = new Map(); // uuid -> u0…u5, sa, team0…team3: uuids differ between replays
  const tokenOf = new Map(); // invitation id -> invite_token (never read back: a secret)
  const slugOf = new Map(); // team account id -> slug (personal accounts have none)

  // Setup assertions carry the replay parameters too.
  const ok = (res, what) => assert.equal(res.error, null, `[${REPLAY}] setup: ${what}: ${res.error?.code} ${res.error?.message}`);

  async function addNotifications(rows) {
    const body = rows.map((r) => {
      counters.body += 1;
      const row = { account_id: r.account_id, body: `note ${counters.body}` };
      if (r.expiry === 'past') Object.assign(row, PAST);
      if (r.expiry === 'null') row.expires_at = null;
      return row;
    });
    const res = await admin.from('notifications').insert(body, { defaultToNull: false }).select(columnsOf('notifications'));
    return res;
  }

  before(async () => {
    // The app migration adds the team_files bucket and its policies (storage.test.mjs's).
    migrations = mkdtempSync(path.join(tmpdir(), 'tenantbase-isolation-migrations-'));
    writeFileSync(path.join(migrations, '0001_team_files.sql'), TEAM_FILES_MIGRATION);
    server = await startServer({
      args: ['--migrations', migrations, '--auth-rate-limit-per-ip', '10000', '--auth-rate-limit-per-email', '10000'],
    });
    admin = adminClient(server);
    anon = client(server);

    // People: six plain users, and a super admin with a verified factor (aal2) who also
    // signs in again with only a password (aal1).
    for (let i = 0; i < 6; i += 1) {
      const u = await signedUpUser(server);
      people.push({ name: `u${i}`, uid: u.user.id, email: u.email, password: u.password, client: u.client, user: u.user });
    }
    const boss = await userWithVerifiedFactor(server);
    sa = { name: 'sa', uid: boss.user.id, email: boss.email, password: boss.password, client: boss.client, user: boss.user };
    people.push(sa);
    ok(await admin.from('super_admins').insert({ user_id: sa.uid }), 'grant super admin');
    const weak = client(server);
    ok(await weak.auth.signInWithPassword({ email: sa.email, password: sa.password }), 'super admin password sign-in');

    for (const p of people) labels.set(p.uid, p.name);
    labels.set(bogus.uuid, 'nonexistent');
    callers.push({ name: 'anon', kind: 'anon', client: anon });
    callers.push({ name: 'service_role', kind: 'service', client: admin });
    for (const p of people.slice(0, 6)) callers.push({ name: `${p.name}@aal1`, kind: 'user', uid: p.uid, aal: 'aal1', client: p.client });
    callers.push({ name: 'sa@aal2', kind: 'user', uid: sa.uid, aal: 'aal2', client: sa.client });
    callers.push({ name: 'sa@aal1', kind: 'user', uid: sa.uid, aal: 'aal1', client: weak });

    // Roles: the seeded two plus one with no permissions.
    ok(await admin.from('roles').insert({ name: EXTRA_ROLE, hierarchy_level: 5 }), 'extra role');
    for (const [name, level] of [['owner', 1], ['member', 2], [EXTRA_ROLE, 5]]) model.put('roles', { name, hierarchy_level: level });
    for (const [role, permission] of SEEDED_ROLE_PERMISSIONS) model.put('role_permissions', { role, permission });
    model.put('config', { enable_team_accounts: true, billing_provider: 'stripe' }); // billing_provider: for filters only
    model.put('super_admins', { user_id: sa.uid });

    // Personal accounts exist from sign-up (id == user id); their names come from the server.
    const personal = await admin.from('accounts').select(columnsOf('accounts')).in('id', people.map((p) => p.uid));
    ok(personal, 'personal accounts');
    for (const p of people) {
      const row = personal.data.find((a) => a.id === p.uid);
      assert.ok(row, `[${REPLAY}] setup: ${p.name} has a personal account`);
      model.put('accounts', { id: p.uid, name: row.name, primary_owner_user_id: p.uid, is_personal_account: true });
    }

    // Teams with random owners and random memberships.
    const roleChoices = [[3, 'member'], [2, 'owner'], [2, EXTRA_ROLE]];
    for (let i = 0; i < 4; i += 1) {
      const owner = rnd.pick(people);
      const members = people.filter((p) => p !== owner && rnd.chance(0.5)).map((p) => [p, rnd.weighted(roleChoices)]);
      const team = await makeTeam(server, owner, members, { name: `Team ${i}` });
      model.put('accounts', { id: team.id, name: team.name, primary_owner_user_id: owner.uid, is_personal_account: false });
      labels.set(team.id, `team${i}`);
      slugOf.set(team.id, team.slug);
      model.put('accounts_memberships', { user_id: owner.uid, account_id: team.id, account_role: 'owner' });
      for (const [p, role] of members) model.put('accounts_memberships', { user_id: p.uid, account_id: team.id, account_role: role });
    }

    // Rows for every account: notifications (live, never-expiring and expired), billing,
    // and invitations on teams.
    const expiries = [[3, 'future'], [1, 'null'], [2, 'past']];
    for (const [index, acc] of model.rows('accounts').entries()) {
      // The first account always has an expired one, so every seed exercises expiry.
      const n = index === 0 ? 1 + rnd.int(3) : rnd.int(4);
      if (n > 0) {
        const res = await addNotifications(Array.from({ length: n }, (_, k) => ({
          account_id: acc.id, expiry: index === 0 && k === 0 ? 'past' : rnd.weighted(expiries) })));
        ok(res, 'notifications');
        for (const row of res.data) model.put('notifications', normalize('notifications', row));
      }
      // Billing, as the providers' webhooks leave it (written here by service_role): most
      // accounts have a customer, some subscriptions (with items and features) and orders.
      // The first team and the first user's personal account always have all of it.
      const forced = acc.id === people[0].uid || acc.id === labelled('team0');
      if (forced || rnd.chance(0.7)) {
        const customer = await addCustomer(acc, ok);
        for (let s = forced ? 1 + rnd.int(2) : rnd.int(3); s > 0; s -= 1) await addSubscription(acc, customer, ok, { seats: forced && s === 1 });
        for (let o = forced ? 1 + rnd.int(2) : rnd.int(3); o > 0; o -= 1) await addOrder(acc, customer, ok);
      }
      if (!acc.is_personal_account) {
        for (let k = rnd.int(3); k > 0; k -= 1) {
          const inv = newInvitation(acc.id, rnd.pick(people).uid);
          const res = await admin.from('invitations').insert(inv).select(columnsOf('invitations')).single();
          ok(res, 'invitation');
          model.put('invitations', normalize('invitations', res.data));
          tokenOf.set(res.data.id, inv.invite_token);
        }
      }
      // Objects in the account's folder of both buckets, stored by service_role.
      for (const bucket of BUCKETS) {
        for (let k = rnd.int(3); k > 0; k -= 1) {
          const name = `${acc.id}/${freshFile()}`;
          const object = newObject(bucket, 'setup');
          const res = await admin.storage.from(bucket).upload(name, object.bytes, { contentType: object.type });
          ok(res, `storage object ${bucket}/${name}`);
          model.objects[bucket].set(name, object);
        }
      }
    }
  });
  after(async () => {
    if (server) await server.stop();
    if (migrations) rmSync(migrations, { recursive: true, force: true });
  });

  function labelled(label) {
    for (const [id, l] of labels) if (l === label) return id;
    return undefined;
  }

  // ---- billing rows, written by service_role (the server's webhooks write the same rows) ----
  // `check(res, what)` is the caller's assertion: setup's ok() or an operation's expectOk().

  async function addCustomer(acc, check) {
    counters.cus += 1;
    const res = await admin.from('billing_customers')
      .insert({ account_id: acc.id, customer_id: `cus_${counters.cus}`, provider: 'stripe', email: `billing${counters.cus}@example.com` })
      .select(columnsOf('billing_customers')).single();
    check(res, 'billing customer');
    const row = normalize('billing_customers', res.data);
    if (row.account_id !== acc.id) diverge('inserted billing customer', acc.id, row);
    model.put('billing_customers', row);
    return row;
  }

  // A subscription with 0–2 items and 0–2 features (with `seats`: active, with a per_seat
  // item and a feature or two). Items and features mostly leave account_id out: the AFTER
  // INSERT triggers copy the subscription's.
  async function addSubscription(acc, customer, check, { seats = false } = {}) {
    counters.sub += 1;
    const status = seats || rnd.chance(0.4) ? 'active' : rnd.pick(STATUSES);
    const sub = {
      id: `sub_${counters.sub}`, account_id: acc.id, customer_id: customer.customer_id, status,
      active: status === 'active' || status === 'trialing', billing_provider: 'stripe', currency: 'usd',
      period_starts_at: '2026-01-01T00:00:00Z', period_ends_at: '2026-02-01T00:00:00Z',
    };
    const res = await admin.from('subscriptions').insert(sub).select(columnsOf('subscriptions')).single();
    check(res, 'subscription');
    model.put('subscriptions', normalize('subscriptions', res.data));
    const types = [...(seats ? ['per_seat'] : []), ...Array.from({ length: rnd.int(3) }, () => rnd.pick(ITEM_TYPES))];
    const items = types.map((type) => {
      counters.price += 1;
      // A webhook's quantity stands until the next membership change.
      const item = { subscription_id: sub.id, price_id: `price_${counters.price}`, type, quantity: type === 'metered' ? 0 : 1 + rnd.int(5) };
      if (rnd.chance(0.3)) item.account_id = acc.id;
      return item;
    });
    if (items.length > 0) {
      const added = await admin.from('subscription_items').insert(items, { defaultToNull: false }).select(columnsOf('subscription_items'));
      check(added, 'subscription items');
      for (const row of added.data) {
        if (row.account_id !== acc.id) diverge('subscription item account_id (copied from its subscription)', acc.id, row);
        model.put('subscription_items', normalize('subscription_items', row));
      }
    }
    const features = rnd.sample(FEATURES, seats ? 1 + rnd.int(2) : rnd.int(3)).map((name) => {
      const f = { subscription_id: sub.id, feature_name: name, enabled: rnd.chance(0.8), usage_limit: rnd.chance(0.5) ? null : rnd.int(1000) };
      if (rnd.chance(0.3)) f.account_id = acc.id;
      return f;
    });
    if (features.length > 0) {
      const added = await admin.from('subscription_features').insert(features, { defaultToNull: false }).select(columnsOf('subscription_features'));
      check(added, 'subscription features');
      for (const row of added.data) {
        if (row.account_id !== acc.id) diverge('subscription feature account_id (copied from its subscription)', acc.id, row);
        model.put('subscription_features', normalize('subscription_features', row));
      }
    }
  }

  async function addOrder(acc, customer, check) {
    counters.order += 1;
    const order = {
      id: `ord_${counters.order}`, account_id: acc.id, customer_id: customer.customer_id, status: rnd.pick(PAYMENT_STATUSES),
      billing_provider: 'stripe', total_amount: rnd.int(100000), currency: 'usd',
    };
    const res = await admin.from('orders').insert(order).select(columnsOf('orders')).single();
    check(res, 'order');
    model.put('orders', normalize('orders', res.data));
    const items = Array.from({ length: 1 + rnd.int(2) }, () => {
      counters.price += 1;
      const item = { order_id: order.id, price_id: `price_${counters.price}`, quantity: 1 + rnd.int(3), price_amount: rnd.int(5000) };
      if (rnd.chance(0.3)) item.account_id = acc.id;
      return item;
    });
    const added = await admin.from('order_items').insert(items, { defaultToNull: false }).select(columnsOf('order_items'));
    check(added, 'order items');
    for (const row of added.data) {
      if (row.account_id !== acc.id) diverge('order item account_id (copied from its order)', acc.id, row);
      model.put('order_items', normalize('order_items', row));
    }
  }

  function newInvitation(accountId, invitedBy) {
    counters.email += 1;
    counters.token += 1;
    return {
      email: `invitee-${counters.email}@example.com`, account_id: accountId, invited_by: invitedBy,
      role: rnd.pick(['member', 'owner', EXTRA_ROLE]), invite_token: `tok-${SEED}-${counters.token}`,
    };
  }

  // ---- comparing ---------------------------------------------------------------------------

  let current = null; // the operation running: { index, caller, request }

  function diverge(what, expected, actual) {
    const show = (v) => {
      const text = JSON.stringify(v, (k, x) => (x instanceof Set ? [...x].sort() : x));
      return text && text.length > 4000 ? `${text.slice(0, 4000)}…` : text;
    };
    const lines = [
      `tenant isolation divergence [${REPLAY}]`,
      current ? `op #${current.index} of ${OPS} by ${current.caller}: ${current.request}` : 'before the first operation',
      what,
      `  model:  ${show(expected)}`,
      `  actual: ${show(actual)}`,
    ];
    const named = [...new Set(lines.join(' ').match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g) ?? [])]
      .filter((id) => labels.has(id)).map((id) => `${id}=${labels.get(id)}`);
    if (named.length > 0) lines.push(`  ids: ${named.join(', ')}`);
    assert.fail(lines.join('\n'));
  }

  function sameKeys(what, expectedKeys, actualKeys) {
    const e = [...expectedKeys].sort();
    const a = [...actualKeys].sort();
    if (e.length !== a.length || e.some((k, i) => k !== a[i])) {
      diverge(`${what}: row sets differ (missing: ${JSON.stringify(e.filter((k) => !a.includes(k)))}, `
        + `unexpected: ${JSON.stringify(a.filter((k) => !e.includes(k)))})`, e, a);
    }
  }

  // Each returned row must equal the model's copy, field by field.
  function sameRows(what, table, expectedRows, actualRows) {
    sameKeys(what, expectedRows.map((r) => keyOf(table, r)), actualRows.map((r) => keyOf(table, r)));
    const byKey = new Map(expectedRows.map((r) => [keyOf(table, r), r]));
    for (const raw of actualRows) {
      const got = normalize(table, raw);
      const want = byKey.get(keyOf(table, raw));
      for (const c of SPEC[table].fields) {
        if (c in raw && JSON.stringify(got[c]) !== JSON.stringify(want[c])) {
          diverge(`${what}: ${table} ${keyOf(table, raw)} column ${c}`, want, got);
        }
      }
    }
  }

  function expectOk(res, what) {
    if (res.error) diverge(`${what}: expected success`, 'no error', { status: res.status, error: res.error });
  }
  function expectError(res, codes, what, message) {
    if (!res.error || !codes.includes(res.error.code)) {
      const leak = codes.includes('42501') && ['23503', '23505', '23514'].includes(res.error?.code)
        ? ' (a constraint was checked before the policy: the refused caller learns about rows it cannot see)' : '';
      diverge(`${what}: expected error ${codes.join(' or ')}${leak}`, { codes, message }, { status: res.status, error: res.error, data: res.data });
    }
    if (message !== undefined && res.error.message !== message) diverge(`${what}: error message`, message, res.error.message);
  }

  // What service_role reads of `table` must equal the model: nothing changed that the
  // model did not expect.
  // With `cascade`, also the tables the write may have changed through foreign keys and
  // triggers (a membership's seats; a subscription's items and features).
  async function verifyTable(table, { cascade = false } = {}) {
    if (table === 'one_time_tokens') return;
    const res = await admin.from(table).select(columnsOf(table));
    if (res.error) diverge(`service_role check of ${table} failed`, 'rows', res.error);
    sameRows(`service_role check of ${table} after the operation`, table, model.rows(table), res.data);
    if (cascade) for (const t of Model.dependents(table)) await verifyTable(t);
  }
  async function verifyAll({ bytes = false } = {}) {
    for (const table of Object.keys(SPEC)) await verifyTable(table);
    for (const bucket of BUCKETS) await verifyStorageTree(bucket, '', { bytes });
  }

  // ---- statistics ------------------------------------------------------------------------

  const stats = {};
  const count = (kind, allowed) => {
    stats[kind] ??= { ops: 0, allowed: 0, refused: 0 };
    stats[kind].ops += 1;
    stats[kind][allowed ? 'allowed' : 'refused'] += 1;
  };
  const readShapes = {};
  const tally = { errors: 0, writesAllowed: 0, writesRefused: 0, readsNonEmpty: 0, readsEmpty: 0, rowsRead: 0 };

  // ---- random choices ------------------------------------------------------------------------

  const userIds = () => people.map((p) => p.uid);
  const accountIds = () => model.ever.accounts;
  function valuePool(table, col) {
    switch (col) {
      case 'id':
        if (table === 'accounts' || table === 'subscription_items' || table === 'order_items') return [...model.ever[table], bogus.uuid];
        if (table === 'subscriptions' || table === 'orders') return [...model.ever[table], bogus.text];
        return [...model.ever[table], bogus.int];
      case 'account_id': return [...accountIds(), bogus.uuid];
      case 'user_id': case 'primary_owner_user_id': case 'invited_by': return [...userIds(), bogus.uuid];
      case 'subscription_id': return [...model.ever.subscriptions, bogus.text];
      case 'order_id': return [...model.ever.orders, bogus.text];
      case 'feature_name': return [...FEATURES, 'no_such_feature'];
      case 'type': return ITEM_TYPES;
      case 'status': return table === 'orders' ? PAYMENT_STATUSES : STATUSES;
      case 'name': case 'role': return [...model.rows('roles').map((r) => r.name), 'nobody'];
      default: throw new Error(`no value pool for ${table}.${col}`);
    }
  }
  // Values a caller is likely to aim at: their own rows as often as anybody's.
  function aimedValue(c, table, col) {
    if (c.kind === 'user' && rnd.chance(0.5)) {
      const visible = model.rows(table).filter((r) => model.canSelect(c, table, r)).map((r) => r[col]);
      if (visible.length > 0) return rnd.pick(visible);
    }
    return rnd.pick(valuePool(table, col));
  }
  function randomFilter(c, table, { atoms = rnd.weighted([[3, 0], [6, 1], [1, 2]]) } = {}) {
    const cols = SPEC[table].filterCols;
    if (cols.length === 0) return [];
    const filter = [];
    for (let i = 0; i < atoms; i += 1) {
      const col = rnd.pick(cols);
      const op = rnd.weighted([[5, 'eq'], [3, 'in'], [1, 'neq'], [1, 'notin'], [2, 'or']]);
      const n = op === 'eq' || op === 'neq' ? 1 : 1 + rnd.int(4);
      const vals = [...new Set(Array.from({ length: n }, () => aimedValue(c, table, col)))];
      filter.push({ op, col, vals });
    }
    return filter;
  }
  // A filter that names rows of `table` (by id, by account or a list), biased to rows
  // `prefer` holds for the caller.
  function targetFilter(c, table, prefer) {
    const all = model.rows(table);
    const preferred = all.filter(prefer);
    const pool = preferred.length > 0 && rnd.chance(0.6) ? preferred : all;
    const accountCol = table === 'accounts' ? 'id' : 'account_id';
    const shape = rnd.weighted([[5, 'id'], [2, 'ids'], [2, 'account']]);
    if (pool.length === 0 || shape === 'account') {
      const acc = pool.length > 0 && rnd.chance(0.7) ? rnd.pick(pool)[accountCol] : rnd.pick(valuePool(table, 'account_id'));
      return [{ op: 'eq', col: accountCol, vals: [acc] }];
    }
    if (shape === 'id') return [{ op: 'eq', col: 'id', vals: [rnd.pick(pool).id] }];
    const vals = [...new Set([...rnd.sample(pool, 1 + rnd.int(2)).map((r) => r.id), ...rnd.sample(all, rnd.int(3)).map((r) => r.id)])];
    return [{ op: 'in', col: 'id', vals }];
  }
  const userCallers = () => callers.filter((c) => c.kind === 'user');

  // ---- operations ----------------------------------------------------------------------------

  async function opRead(c) {
    const tables = Object.keys(SPEC).filter((t) => !(c.kind === 'service' && t === 'one_time_tokens'));
    const weight = (t) => (['roles', 'role_permissions', 'config', 'one_time_tokens', 'super_admins'].includes(t) ? 1 : BILLING_TABLES.includes(t) ? 2 : 4);
    const table = rnd.weighted(tables.map((t) => [weight(t), t]));
    const filter = randomFilter(c, table);
    const expected = model.rows(table).filter((r) => model.canSelect(c, table, r) && matches(r, filter));
    const shapes = [[5, 'rows'], [1, 'count']];
    if (SPEC[table].keyCols.length === 1) shapes.push([2, 'page']);
    if (table === 'accounts') shapes.push([3, 'embed'], [2, 'embed filtered']);
    const shape = rnd.weighted(shapes);
    readShapes[shape] = (readShapes[shape] ?? 0) + 1;
    const childTables = ['accounts_memberships', 'notifications', 'invitations', 'billing_customers', 'subscriptions', 'orders'];
    let returned = expected.length;

    if (shape === 'count') {
      current.request = `${table}.select(${columnsOf(table)}, {count: exact, head: true})${showFilter(filter)}`;
      const res = await applyFilter(c.client.from(table).select(columnsOf(table), { count: 'exact', head: true }), filter);
      expectOk(res, 'count');
      if (res.count !== expected.length) diverge('count of visible rows', expected.length, res.count);
    } else if (shape === 'page') {
      // order + range: the page is cut from the visible rows, never before the policy
      const col = SPEC[table].keyCols[0];
      const ascending = rnd.chance(0.5);
      const from = rnd.int(3);
      const to = from + rnd.int(4);
      const sorted = [...expected].sort((a, b) => (a[col] < b[col] ? -1 : a[col] > b[col] ? 1 : 0) * (ascending ? 1 : -1));
      const page = sorted.slice(from, to + 1);
      current.request = `${table}.select(${columnsOf(table)})${showFilter(filter)}.order(${col}, {ascending: ${ascending}}).range(${from}, ${to})`;
      const res = await applyFilter(c.client.from(table).select(columnsOf(table)), filter).order(col, { ascending }).range(from, to);
      expectOk(res, 'paged read');
      sameRows(`${table} page`, table, page, res.data);
      const order = res.data.map((r) => keyOf(table, r));
      const want = page.map((r) => keyOf(table, r));
      if (JSON.stringify(order) !== JSON.stringify(want)) diverge('order of the page', want, order);
      returned = page.length;
    } else if (shape === 'embed') {
      const children = rnd.sample(childTables, 1 + rnd.int(3));
      const cols = `${columnsOf('accounts')},${children.map((t) => `${t}(${columnsOf(t)})`).join(',')}`;
      current.request = `accounts.select(${cols})${showFilter(filter)}`;
      const res = await applyFilter(c.client.from('accounts').select(cols), filter);
      expectOk(res, 'read with embedding');
      sameRows('accounts read', 'accounts', expected, res.data);
      for (const acc of res.data) {
        for (const t of children) {
          const want = model.rows(t).filter((r) => r.account_id === acc.id && model.canSelect(c, t, r));
          if (!Array.isArray(acc[t])) diverge(`embedded ${t} of account ${acc.id} is not an array`, want, acc[t]);
          sameRows(`embedded ${t} of account ${acc.id}`, t, want, acc[t]);
        }
      }
    } else {
      if (shape === 'embed filtered') {
        // A filter on an embedded table, with or without !inner: a parent must never be
        // kept (nor a child shown) because of a row the caller cannot see.
        const t = rnd.pick(childTables);
        const col = t === 'accounts_memberships' ? 'user_id' : 'id';
        const inner = rnd.chance(0.6);
        const vals = [...new Set(Array.from({ length: 1 + rnd.int(3) }, () => aimedValue(c, t, col)))];
        const childFilter = [{ op: vals.length === 1 ? 'eq' : 'in', col, vals }];
        const cols = `${columnsOf('accounts')},${t}${inner ? '!inner' : ''}(${columnsOf(t)})`;
        const nested = childFilter.map((f) => ({ ...f, col: `${t}.${f.col}` }));
        current.request = `accounts.select(${cols})${showFilter(filter)}${showFilter(nested)}`;
        const res = await applyFilter(applyFilter(c.client.from('accounts').select(cols), filter), nested);
        expectOk(res, 'read with a filtered embedding');
        const kids = (accId) => model.rows(t).filter((r) => r.account_id === accId && model.canSelect(c, t, r) && matches(r, childFilter));
        const parents = inner ? expected.filter((a) => kids(a.id).length > 0) : expected;
        sameRows(`accounts read (${t}${inner ? '!inner' : ''} filtered)`, 'accounts', parents, res.data);
        for (const acc of res.data) {
          if (!Array.isArray(acc[t])) diverge(`embedded ${t} of account ${acc.id} is not an array`, kids(acc.id), acc[t]);
          sameRows(`embedded ${t} of account ${acc.id}`, t, kids(acc.id), acc[t]);
        }
        returned = parents.length;
      } else {
        current.request = `${table}.select(${columnsOf(table)})${showFilter(filter)}`;
        const res = await applyFilter(c.client.from(table).select(columnsOf(table)), filter);
        expectOk(res, 'read');
        sameRows(`${table} read`, table, expected, res.data);
      }
    }
    tally.rowsRead += returned;
    tally[returned > 0 ? 'readsNonEmpty' : 'readsEmpty'] += 1;
    count(`read ${table}`, returned > 0);
  }

  // UPDATE with the model's expectation: rows matched by the filter that the policies let
  // the caller update; an error (and no change) if a trigger-held field would change.
  async function runUpdate(kind, c, table, patch, filter, { returning = rnd.chance(0.8), errorCodes = null } = {}) {
    const matched = model.rows(table).filter((r) => matches(r, filter));
    const updatable = matched.filter((r) => model.canUpdate(c, table, r));
    const violating = updatable.filter((r) => model.changesProtected(c, table, r, patch));
    const cols = [...new Set([...SPEC[table].keyCols, ...Object.keys(patch).filter((k) => SPEC[table].fields.includes(k))])].join(',');
    current.request = `${table}.update(${JSON.stringify(patch)})${showFilter(filter)}${returning ? `.select(${cols})` : ''}`;
    let q = applyFilter(c.client.from(table).update(patch), filter);
    if (returning) q = q.select(cols);
    const res = await q;
    let allowed = false;
    if (violating.length > 0) {
      expectError(res, ['42501'], `update of a protected field on ${violating.map((r) => keyOf(table, r)).join(', ')}`, PROTECTED_MESSAGE);
      tally.errors += 1;
    } else if (errorCodes && updatable.length > 0) {
      expectError(res, errorCodes, 'update refused by a constraint');
      tally.errors += 1;
    } else {
      expectOk(res, 'update');
      if (returning) sameKeys('rows the update returned', updatable.map((r) => keyOf(table, r)), res.data.map((r) => keyOf(table, r)));
      for (const r of updatable) {
        for (const [col, value] of Object.entries(patch)) {
          if (SPEC[table].fields.includes(col)) r[col] = table === 'notifications' && col === 'expires_at' ? expiryOf(value) : value;
        }
      }
      if (returning) {
        for (const raw of res.data) {
          const got = normalize(table, raw);
          const want = model.t[table].get(keyOf(table, raw));
          for (const col of Object.keys(patch)) {
            if (col in raw && JSON.stringify(got[col]) !== JSON.stringify(want[col])) diverge(`returned ${col} after the update`, want[col], got[col]);
          }
        }
      }
      allowed = updatable.length > 0;
    }
    tally[allowed ? 'writesAllowed' : 'writesRefused'] += 1;
    count(kind, allowed);
    await verifyTable(table);
  }

  async function runDelete(kind, c, table, filter, { returning = rnd.chance(0.8) } = {}) {
    const matched = model.rows(table).filter((r) => matches(r, filter));
    const deletable = matched.filter((r) => model.canDelete(c, table, r));
    // The primary owner's membership is kept by a trigger (only service_role gets that far).
    const blocked = table === 'accounts_memberships' ? deletable.filter((r) => model.isAccountOwner(r.user_id, r.account_id)) : [];
    const cols = SPEC[table].keyCols.length > 0 ? SPEC[table].keyCols.join(',') : SPEC[table].fields.join(',');
    current.request = `${table}.delete()${showFilter(filter)}${returning ? `.select(${cols})` : ''}`;
    let q = applyFilter(c.client.from(table).delete(), filter);
    if (returning) q = q.select(cols);
    const res = await q;
    let allowed = false;
    if (blocked.length > 0) {
      expectError(res, ['23514'], `delete of the primary owner's membership ${blocked.map((r) => keyOf(table, r)).join(', ')}`);
      tally.errors += 1;
    } else {
      expectOk(res, 'delete');
      if (returning) sameKeys('rows the delete returned', deletable.map((r) => keyOf(table, r)), res.data.map((r) => keyOf(table, r)));
      for (const r of deletable) model.remove(table, r);
      allowed = deletable.length > 0;
    }
    tally[allowed ? 'writesAllowed' : 'writesRefused'] += 1;
    count(kind, allowed);
    await verifyTable(table, { cascade: allowed });
  }

  // An INSERT (or with `upsert`, an upsert: { ignoreDuplicates }) with the model's verdict:
  // `codes` the errors it may fail with, else `onSuccess` takes each returned row.
  async function runInsert(kind, c, table, rows, { codes, onSuccess, upsert }) {
    const returning = onSuccess !== undefined || rnd.chance(0.5);
    const cols = SPEC[table].keyCols.length > 0 ? columnsOf(table) : SPEC[table].fields.join(',');
    current.request = upsert
      ? `${table}.upsert(${JSON.stringify(rows)}, ${JSON.stringify(upsert)})${returning ? `.select(${cols})` : ''}`
      : `${table}.insert(${JSON.stringify(rows)})${returning ? `.select(${cols})` : ''}`;
    let q = upsert
      ? c.client.from(table).upsert(rows, { ...upsert, defaultToNull: false })
      : c.client.from(table).insert(rows, { defaultToNull: false });
    if (returning) q = q.select(cols);
    const res = await q;
    if (codes) {
      expectError(res, codes, `insert into ${table}`);
      tally.errors += 1;
      tally.writesRefused += 1;
      count(kind, false);
    } else {
      expectOk(res, `insert into ${table}`);
      const sent = Array.isArray(rows) ? rows.length : 1;
      if (res.data.length !== sent) diverge('rows the insert returned', sent, res.data.length);
      for (const raw of res.data) onSuccess(normalize(table, raw), raw);
      tally.writesAllowed += 1;
      count(kind, true);
    }
    await verifyTable(table, { cascade: !codes });
  }

  // -- writes by anon and users --

  async function opUpdateAccountName(c) {
    counters.name += 1;
    const filter = rnd.chance(0.15) ? [{ op: 'eq', col: 'primary_owner_user_id', vals: [aimedValue(c, 'accounts', 'primary_owner_user_id')] }]
      : targetFilter(c, 'accounts', (r) => model.canUpdate(c, 'accounts', r) || model.canSelect(c, 'accounts', r));
    await runUpdate('update accounts.name', c, 'accounts', { name: `Renamed ${counters.name}` }, filter);
  }

  async function opUpdateAccountProtected(c) {
    const filter = targetFilter(c, 'accounts', (r) => model.canUpdate(c, 'accounts', r));
    const one = filter[0].op === 'eq' && filter[0].col === 'id' ? model.t.accounts.get(filter[0].vals[0]) : undefined;
    const patch = rnd.weighted([
      [3, () => ({ primary_owner_user_id: rnd.pick(userIds()) })],
      [3, () => ({ is_personal_account: rnd.chance(0.5) })],
      [1, () => ({ id: rnd.uuid() })],
      // the same value as stored: not a change, so allowed where the policy allows
      [2, () => (one ? { name: `Same owner ${counters.name += 1}`, primary_owner_user_id: one.primary_owner_user_id } : { is_personal_account: rnd.chance(0.5) })],
    ])();
    await runUpdate('update accounts protected', c, 'accounts', patch, filter);
  }

  async function opUpdateNotificationDismissed(c) {
    const filter = targetFilter(c, 'notifications', (r) => model.canSelect(c, 'notifications', r) || r.expires_at === 'past');
    await runUpdate('update notifications.dismissed', c, 'notifications', { dismissed: rnd.chance(0.7) }, filter);
  }

  async function opUpdateNotificationProtected(c) {
    const filter = targetFilter(c, 'notifications', (r) => model.canUpdate(c, 'notifications', r));
    const one = filter[0].op === 'eq' && filter[0].col === 'id' ? model.t.notifications.get(filter[0].vals[0]) : undefined;
    counters.body += 1;
    const patch = rnd.weighted([
      [4, () => ({ body: `edited ${counters.body}` })],
      [1, () => ({ type: 'warning' })],
      [1, () => ({ link: '/elsewhere' })],
      [1, () => ({ channel: 'email' })],
      [1, () => ({ metadata: { hijacked: true } })],
      [1, () => ({ account_id: rnd.pick(accountIds()) })],
      [1, () => ({ expires_at: null })],
      [1, () => ({ dismissed: true, body: `edited ${counters.body}` })],
      // unchanged values are not a change: allowed where the policy allows
      [2, () => (one ? { dismissed: rnd.chance(0.5), body: one.body } : { body: `edited ${counters.body}` })],
    ])();
    // account_id to its current value is no change; to another account it is.
    await runUpdate('update notifications protected', c, 'notifications', patch, filter);
  }

  // Tables with no UPDATE policy: nothing changes, no error. (Billing: opWriteBilling.)
  async function opUpdateForbidden(c) {
    const choice = rnd.weighted([
      [3, () => {
        const col = rnd.pick(['user_id', 'account_id']);
        return ['accounts_memberships', { account_role: rnd.pick(['owner', 'member', EXTRA_ROLE]) }, [{ op: 'eq', col, vals: [aimedValue(c, 'accounts_memberships', col)] }]];
      }],
      [2, () => ['invitations', { role: 'owner' }, targetFilter(c, 'invitations', (r) => model.canSelect(c, 'invitations', r))]],
      [1, () => ['config', { enable_team_accounts: !model.isSet('enable_team_accounts') }, [{ op: 'eq', col: 'billing_provider', vals: ['stripe'] }]]],
      [1, () => ['roles', { hierarchy_level: 0.5 }, [{ op: 'eq', col: 'name', vals: [rnd.pick(['owner', 'member', EXTRA_ROLE])] }]]],
    ])();
    const [table, patch, filter] = choice;
    await runUpdate(`update ${table} (no policy)`, c, table, patch, filter);
  }

  async function opDeleteMembership(c) {
    const own = model.rows('accounts_memberships').filter((m) => c.kind === 'user' && m.user_id === c.uid);
    const shape = rnd.weighted([[5, 'own'], [2, 'account'], [2, 'other']]);
    let filter;
    if (shape === 'own' && own.length > 0) {
      const m = rnd.pick(own);
      filter = [{ op: 'eq', col: 'user_id', vals: [m.user_id] }, { op: 'eq', col: 'account_id', vals: [m.account_id] }];
    } else if (shape === 'account') {
      filter = [{ op: 'eq', col: 'account_id', vals: [aimedValue(c, 'accounts_memberships', 'account_id')] }];
    } else {
      const all = model.rows('accounts_memberships');
      const m = all.length > 0 ? rnd.pick(all) : { user_id: bogus.uuid, account_id: bogus.uuid };
      filter = [{ op: 'eq', col: 'user_id', vals: [m.user_id] }, { op: 'eq', col: 'account_id', vals: [m.account_id] }];
    }
    await runDelete('delete accounts_memberships', c, 'accounts_memberships', filter);
  }

  async function opDeleteInvitation(c) {
    const filter = targetFilter(c, 'invitations', (r) => model.canSelect(c, 'invitations', r) || (c.kind === 'user' && model.hasRole(c.uid, r.account_id)));
    await runDelete('delete invitations', c, 'invitations', filter);
  }

  // Tables with no DELETE policy: nothing is deleted, no error (not even config's trigger).
  // (Billing: opWriteBilling.)
  async function opDeleteForbidden(c) {
    const table = rnd.pick(['notifications', 'accounts', 'super_admins', 'roles', 'config']);
    let filter;
    if (table === 'config') filter = [{ op: 'eq', col: 'billing_provider', vals: ['stripe'] }];
    else if (table === 'super_admins') filter = [{ op: 'eq', col: 'user_id', vals: [sa.uid] }];
    else if (table === 'roles') filter = [{ op: 'eq', col: 'name', vals: [rnd.pick(['member', EXTRA_ROLE])] }];
    else filter = targetFilter(c, table, (r) => model.canSelect(c, table, r));
    await runDelete(`delete ${table} (no policy)`, c, table, filter);
  }

  // One proposed invitation and the errors the model allows for it alone (null: inserted).
  function proposeInvitation(c, batchFresh) {
    const mine = c.kind === 'user' ? model.rows('accounts').filter((a) => model.hasRole(c.uid, a.id)) : [];
    const acc = mine.length > 0 && rnd.chance(0.6) ? rnd.pick(mine) : rnd.pick(model.rows('accounts'));
    const inviter = c.kind === 'user' && rnd.chance(0.85) ? c.uid : rnd.pick(userIds());
    const inv = newInvitation(acc.id, inviter);
    const existing = model.rows('invitations').filter((i) => i.account_id === acc.id);
    const live = model.rows('invitations');
    if (!batchFresh) {
      if (existing.length > 0 && rnd.chance(0.15)) inv.email = rnd.pick(existing).email;
      // Another invitation's token, of any team: a unique violation only once the policy
      // has let the row through, so it tells nobody else that the token exists.
      if (live.length > 0 && rnd.chance(0.1)) inv.invite_token = tokenOf.get(rnd.pick(live).id);
    }
    let codes = null;
    // The BEFORE INSERT trigger on personal accounts fires before the policy's check.
    if (acc.is_personal_account) codes = ['42501', '23514'];
    else if (!model.canInsertInvitation(c, inv)) codes = ['42501'];
    else if (existing.some((i) => i.email === inv.email) || live.some((i) => tokenOf.get(i.id) === inv.invite_token)) codes = ['23505'];
    return { inv, codes };
  }

  async function opInsertInvitation(c) {
    // Sometimes two rows in one request: all or nothing, and the first refused row decides.
    const batch = rnd.chance(0.2);
    const proposals = batch ? [proposeInvitation(c, true), proposeInvitation(c, true)] : [proposeInvitation(c, false)];
    const codes = proposals.find((p) => p.codes)?.codes ?? null;
    const rows = proposals.map((p) => p.inv);
    await runInsert(batch ? 'insert invitations (two rows)' : 'insert invitations', c, 'invitations', batch ? rows : rows[0], {
      codes,
      onSuccess: codes ? undefined : (row) => {
        const inv = rows.find((r) => r.email === row.email && r.account_id === row.account_id);
        if (!inv || row.invited_by !== inv.invited_by || row.role !== inv.role) diverge('inserted invitation', rows, row);
        model.put('invitations', row);
        tokenOf.set(row.id, inv.invite_token);
      },
    });
  }

  // Tables with no INSERT policy: always 42501. (Billing: opWriteBilling.)
  async function opInsertForbidden(c) {
    const visible = model.rows('accounts').filter((a) => model.canSelect(c, 'accounts', a));
    const acc = visible.length > 0 && rnd.chance(0.7) ? rnd.pick(visible) : rnd.pick(model.rows('accounts'));
    const uid = c.kind === 'user' ? c.uid : rnd.pick(userIds());
    counters.sub += 1;
    const [table, row] = rnd.weighted([
      [3, () => ['notifications', { account_id: acc.id, body: 'spam' }]],
      [2, () => ['accounts', { name: 'Mine', slug: `mine-${counters.sub}`, is_personal_account: false, primary_owner_user_id: uid }]],
      [2, () => ['accounts_memberships', { user_id: uid, account_id: acc.id, account_role: 'owner' }]],
      [1, () => ['super_admins', { user_id: uid }]],
      [1, () => ['roles', { name: `boss-${counters.sub}`, hierarchy_level: 0.25 }]],
    ])();
    // No policy: 42501. A BEFORE INSERT trigger fires before the policy's check, so a
    // membership on a personal account may be refused by its trigger (23514) instead.
    const personal = table === 'accounts_memberships' && model.t.accounts.get(row.account_id)?.is_personal_account;
    await runInsert(`insert ${table} (no policy)`, c, table, row, { codes: personal ? ['42501', '23514'] : ['42501'] });
  }

  // -- billing: read by the account's members (and a personal account's owner), written by
  //    nobody but service_role --

  // The account a caller aims a billing write at: mostly one whose billing they can read.
  function aimedAccount(c) {
    const readable = model.rows('accounts').filter((a) => c.kind === 'user' && (a.id === c.uid || model.hasRole(c.uid, a.id)));
    return readable.length > 0 && rnd.chance(0.7) ? rnd.pick(readable) : rnd.pick(model.rows('accounts'));
  }
  // A billing row the caller aims at: mostly one they can read.
  function aimedRow(c, table) {
    const all = model.rows(table);
    if (all.length === 0) return undefined;
    const visible = all.filter((r) => model.canSelect(c, table, r));
    return visible.length > 0 && rnd.chance(0.7) ? rnd.pick(visible) : rnd.pick(all);
  }
  // A filter naming billing rows: by key, by a list of ids, by account, or by parent.
  function billingFilter(c, table) {
    if (table !== 'subscription_features') return targetFilter(c, table, (r) => model.canSelect(c, table, r));
    const f = aimedRow(c, table);
    const shape = rnd.weighted([[3, 'key'], [2, 'subscription'], [2, 'account']]);
    if (!f || shape === 'account') return [{ op: 'eq', col: 'account_id', vals: [f ? f.account_id : aimedValue(c, table, 'account_id')] }];
    if (shape === 'subscription') return [{ op: 'eq', col: 'subscription_id', vals: [f.subscription_id] }];
    return [{ op: 'eq', col: 'subscription_id', vals: [f.subscription_id] }, { op: 'eq', col: 'feature_name', vals: [f.feature_name] }];
  }

  // A row a client might try to write into `table`, aimed at `acc`: granting itself a
  // subscription, a feature, seats, a paid order, or claiming another account's customer.
  function billingRow(c, table, acc) {
    counters.sub += 1;
    counters.price += 1;
    const customer = rnd.pick([...model.rows('billing_customers').filter((b) => b.account_id === acc.id).map((b) => b.customer_id), 'cus_x']);
    const sub = aimedRow(c, 'subscriptions');
    const order = aimedRow(c, 'orders');
    switch (table) {
      case 'billing_customers': {
        // another account's provider customer id: refused by the policy before the unique key
        const known = model.rows('billing_customers');
        const id = known.length > 0 && rnd.chance(0.5) ? rnd.pick(known).customer_id : `cus_evil_${counters.sub}`;
        return { account_id: acc.id, customer_id: id, provider: 'stripe', email: 'attacker@example.com' };
      }
      case 'subscriptions':
        return {
          // the account's own customer, or a customer id that exists nowhere (a foreign-key probe)
          id: rnd.chance(0.2) && sub ? sub.id : `sub_evil_${counters.sub}`, account_id: acc.id, customer_id: customer,
          status: 'active', active: true, billing_provider: 'stripe', currency: 'usd',
          period_starts_at: '2026-01-01T00:00:00Z', period_ends_at: '2099-01-01T00:00:00Z',
        };
      case 'subscription_items': {
        const row = { subscription_id: sub ? sub.id : bogus.text, price_id: `price_evil_${counters.price}`, type: rnd.pick(ITEM_TYPES), quantity: 999 };
        if (rnd.chance(0.5)) row.account_id = acc.id;
        return row;
      }
      case 'subscription_features': {
        const row = { subscription_id: sub ? sub.id : bogus.text, feature_name: rnd.pick(FEATURES), enabled: true, usage_limit: null };
        if (rnd.chance(0.5)) row.account_id = acc.id;
        return row;
      }
      case 'orders':
        return {
          id: rnd.chance(0.2) && order ? order.id : `ord_evil_${counters.sub}`, account_id: acc.id, customer_id: customer,
          status: 'succeeded', billing_provider: 'stripe', total_amount: 0, currency: 'usd',
        };
      case 'order_items': {
        const row = { order_id: order ? order.id : bogus.text, price_id: `price_evil_${counters.price}`, quantity: 1 };
        if (rnd.chance(0.5)) row.account_id = acc.id;
        return row;
      }
      default: throw new Error(`no billing row for ${table}`);
    }
  }
  // An existing row in full (for an upsert onto it), with the values a client would want.
  function billingUpsertRow(table, r) {
    switch (table) {
      case 'billing_customers': return { id: r.id, account_id: r.account_id, customer_id: r.customer_id, provider: 'stripe', email: 'attacker@example.com' };
      case 'subscriptions':
        return {
          id: r.id, account_id: r.account_id, customer_id: r.customer_id, status: 'active', active: true, billing_provider: 'stripe',
          currency: 'usd', period_starts_at: '2026-01-01T00:00:00Z', period_ends_at: '2099-01-01T00:00:00Z',
        };
      case 'subscription_items': return { id: r.id, subscription_id: r.subscription_id, account_id: r.account_id, price_id: 'price_free', type: r.type, quantity: 999 };
      case 'subscription_features': return { subscription_id: r.subscription_id, account_id: r.account_id, feature_name: r.feature_name, enabled: true, usage_limit: null };
      case 'orders':
        return { id: r.id, account_id: r.account_id, customer_id: r.customer_id, status: 'succeeded', billing_provider: 'stripe', total_amount: 0, currency: 'usd' };
      case 'order_items': return { id: r.id, order_id: r.order_id, account_id: r.account_id, price_id: 'price_free', quantity: 99 };
      default: throw new Error(`no billing row for ${table}`);
    }
  }
  // The enum columns' BEFORE INSERT triggers refuse an unknown value (22P02) before the
  // policy is asked, as PostgreSQL's input parsing does: it tells nothing about any row.
  const ENUM_COLUMN = { billing_customers: 'provider', subscriptions: 'status', subscription_items: 'type', orders: 'status' };

  // Client writes to the billing tables: none has an INSERT, UPDATE or DELETE policy, so an
  // insert or upsert is refused (42501) and an update or delete matches no row.
  async function opWriteBilling(c) {
    const table = rnd.pick(BILLING_TABLES);
    const how = rnd.weighted([[4, 'insert'], [4, 'update'], [3, 'delete'], [2, 'upsert']]);
    if (how === 'insert') {
      const acc = aimedAccount(c);
      if (ENUM_COLUMN[table] && rnd.chance(0.1)) {
        const row = billingRow(c, table, acc);
        row[ENUM_COLUMN[table]] = 'gratis';
        return runInsert(`insert ${table} (bad enum)`, c, table, row, { codes: ['22P02'] });
      }
      const rows = rnd.chance(0.2) ? [billingRow(c, table, acc), billingRow(c, table, aimedAccount(c))] : billingRow(c, table, acc);
      return runInsert(`insert ${table} (no policy)`, c, table, rows, { codes: ['42501'] });
    }
    if (how === 'upsert') {
      const r = aimedRow(c, table);
      const row = r ? billingUpsertRow(table, r) : billingRow(c, table, aimedAccount(c));
      return runInsert(`upsert ${table} (no policy)`, c, table, row, { codes: ['42501'], upsert: { ignoreDuplicates: rnd.chance(0.3) } });
    }
    const filter = billingFilter(c, table);
    if (how === 'delete') return runDelete(`delete ${table} (no policy)`, c, table, filter);
    const own = aimedAccount(c).id;
    const patch = rnd.pick({
      billing_customers: [{ email: 'attacker@example.com' }, { account_id: own }],
      subscriptions: [{ status: 'active', active: true }, { period_ends_at: '2099-01-01T00:00:00Z' }, { account_id: own }],
      subscription_items: [{ quantity: 999 }, { type: 'flat' }, { account_id: own }],
      subscription_features: [{ enabled: true, usage_limit: null }, { feature_name: 'everything' }],
      orders: [{ status: 'succeeded' }, { total_amount: 0 }, { account_id: own }],
      order_items: [{ quantity: 99 }, { price_amount: 0 }],
    }[table]);
    return runUpdate(`update ${table} (no policy)`, c, table, patch, filter);
  }

  // Billing reads with embedding, as an app's billing page makes them: a random tree of
  // related billing tables (aliases, !inner, filters on an embedded table), each level
  // holding exactly the related rows the caller may read (a to-one relation: the row or
  // null).
  const same = (p, k) => k.account_id === p.account_id && k.customer_id === p.customer_id; // provider: always stripe here
  const RELATIONS = {
    accounts: [['billing_customers', 'many', (p, k) => k.account_id === p.id], ['subscriptions', 'many', (p, k) => k.account_id === p.id],
      ['orders', 'many', (p, k) => k.account_id === p.id]],
    billing_customers: [['subscriptions', 'many', same], ['orders', 'many', same], ['accounts', 'one', (p, k) => k.id === p.account_id]],
    subscriptions: [['subscription_items', 'many', (p, k) => k.subscription_id === p.id], ['subscription_features', 'many', (p, k) => k.subscription_id === p.id],
      ['billing_customers', 'one', same], ['accounts', 'one', (p, k) => k.id === p.account_id]],
    subscription_items: [['subscriptions', 'one', (p, k) => k.id === p.subscription_id]],
    subscription_features: [['subscriptions', 'one', (p, k) => k.id === p.subscription_id]],
    orders: [['order_items', 'many', (p, k) => k.order_id === p.id], ['billing_customers', 'one', same], ['accounts', 'one', (p, k) => k.id === p.account_id]],
    order_items: [['orders', 'one', (p, k) => k.id === p.order_id]],
  };
  // Aliases an app would give: [to-one, to-many].
  const ALIASES = {
    subscription_items: ['item', 'items'], order_items: ['item', 'items'], subscription_features: ['feature', 'features'],
    subscriptions: ['subscription', 'subs'], orders: ['order', 'purchases'], billing_customers: ['customer', 'customers'], accounts: ['account', 'accounts'],
  };
  // One level of the tree: { table, many, link, alias, inner, filter, children }.
  function embedTree(c, table, from, depth) {
    const options = RELATIONS[table].filter(([t]) => t !== from);
    const n = depth >= 2 || options.length === 0 ? 0 : rnd.weighted([[depth === 0 ? 0 : 3, 0], [5, 1], [2, 2]]);
    return rnd.sample(options, n).map(([t, kind, link]) => {
      const many = kind === 'many';
      const node = { table: t, many, link, alias: rnd.chance(0.35) ? ALIASES[t][many ? 1 : 0] : null, inner: rnd.chance(0.3), filter: [] };
      // A filter on a first-level embedded table (by its name or its alias).
      if (depth === 0 && rnd.chance(0.35)) {
        const col = rnd.pick(SPEC[t].filterCols);
        const vals = [...new Set(Array.from({ length: 1 + rnd.int(2) }, () => aimedValue(c, t, col)))];
        node.filter = [{ op: vals.length === 1 ? 'eq' : 'in', col, vals }];
      }
      node.children = embedTree(c, t, table, depth + 1);
      return node;
    });
  }
  const selectOf = (table, children) => [columnsOf(table), ...children.map((n) => `${n.alias ? `${n.alias}:` : ''}${n.table}${n.inner ? '!inner' : ''}(${selectOf(n.table, n.children)})`)].join(',');
  const keyIn = (n) => n.alias ?? n.table;
  // The rows of `node` the caller reads under `parent`, and whether the parent is kept.
  function expectedKids(c, node, parent) {
    return model.rows(node.table).filter((r) => node.link(parent, r) && model.canSelect(c, node.table, r) && matches(r, node.filter)
      && keeps(c, node.children, r));
  }
  const keeps = (c, children, row) => children.every((n) => !n.inner || expectedKids(c, n, row).length > 0);
  function compareTree(c, what, table, children, expected, actual) {
    sameRows(what, table, expected, actual);
    for (const raw of actual) {
      const parent = model.t[table].get(keyOf(table, raw));
      for (const n of children) {
        const got = raw[keyIn(n)];
        const want = expectedKids(c, n, parent);
        const at = `${what} › ${keyIn(n)} of ${table} ${keyOf(table, raw)}`;
        if (n.many) {
          if (!Array.isArray(got)) diverge(`${at} is not an array`, want, got);
          compareTree(c, at, n.table, n.children, want, got);
        } else {
          if (got === undefined || Array.isArray(got)) diverge(`${at} is not an object or null`, want, got);
          if (want.length > 1) throw new Error(`${at}: the model links ${want.length} rows to a to-one relation`);
          compareTree(c, at, n.table, n.children, want, got === null ? [] : [got]);
        }
      }
    }
  }

  async function opReadBillingEmbed(c) {
    const root = rnd.weighted([[1, 'accounts'], [2, 'billing_customers'], [3, 'subscriptions'], [2, 'subscription_items'],
      [1, 'subscription_features'], [2, 'orders'], [1, 'order_items']]);
    const children = embedTree(c, root, null, 0);
    const filter = rnd.chance(0.5) ? randomFilter(c, root, { atoms: 1 }) : [];
    const nested = children.flatMap((n) => n.filter.map((f) => ({ ...f, col: `${keyIn(n)}.${f.col}` })));
    const cols = selectOf(root, children);
    current.request = `${root}.select(${cols})${showFilter(filter)}${showFilter(nested)}`;
    const res = await applyFilter(applyFilter(c.client.from(root).select(cols), filter), nested);
    expectOk(res, 'billing read with embedding');
    const expected = model.rows(root).filter((r) => model.canSelect(c, root, r) && matches(r, filter) && keeps(c, children, r));
    compareTree(c, `${root} read`, root, children, expected, res.data);
    tally.rowsRead += expected.length;
    tally[expected.length > 0 ? 'readsNonEmpty' : 'readsEmpty'] += 1;
    count(`read embed ${root}`, expected.length > 0);
  }

  // -- service_role: reads everything, and changes the world so the callers' rights move --

  async function opServiceChurn(c) {
    const kind = rnd.weighted([
      [5, 'member add'], [4, 'member role'], [3, 'member remove'], [3, 'notification add'], [3, 'notification expiry'],
      [3, 'invitation add'], [2, 'subscription status'], [2, 'owner transfer'], [1, 'super admin toggle'], [1, 'config toggle'],
      [2, 'billing add'], [1, 'billing remove'], [1, 'order status'],
    ]);
    const teams = model.rows('accounts').filter((a) => !a.is_personal_account);
    const roles = ['owner', 'member', EXTRA_ROLE];
    const memberships = model.rows('accounts_memberships');
    if (kind === 'member add') {
      const free = teams.flatMap((t) => people.filter((p) => !model.hasRole(p.uid, t.id)).map((p) => [p.uid, t.id]));
      if (free.length === 0 || rnd.chance(0.1)) {
        const p = rnd.pick(people);
        return runInsert('service: member add (personal)', c, 'accounts_memberships', { user_id: p.uid, account_id: rnd.pick(people).uid, account_role: 'member' }, { codes: ['23514'] });
      }
      const [user_id, account_id] = rnd.pick(free);
      const row = { user_id, account_id, account_role: rnd.pick(roles) };
      return runInsert('service: member add', c, 'accounts_memberships', row, { onSuccess: (r) => model.put('accounts_memberships', r) });
    }
    if (kind === 'member role' && memberships.length > 0) {
      const m = rnd.pick(memberships);
      return runUpdate('service: member role', c, 'accounts_memberships', { account_role: rnd.pick(roles) },
        [{ op: 'eq', col: 'user_id', vals: [m.user_id] }, { op: 'eq', col: 'account_id', vals: [m.account_id] }]);
    }
    if (kind === 'member remove' && memberships.length > 0) {
      const m = rnd.pick(memberships);
      const filter = rnd.chance(0.2) ? [{ op: 'eq', col: 'account_id', vals: [m.account_id] }]
        : [{ op: 'eq', col: 'user_id', vals: [m.user_id] }, { op: 'eq', col: 'account_id', vals: [m.account_id] }];
      return runDelete('service: member remove', c, 'accounts_memberships', filter);
    }
    if (kind === 'notification expiry' && model.rows('notifications').length > 0) {
      const n = rnd.pick(model.rows('notifications'));
      const patch = rnd.weighted([[2, { ...PAST }], [1, { expires_at: null }], [1, { expires_at: new Date(Date.now() + 30 * 86400e3).toISOString() }]]);
      return runUpdate('service: notification expiry', c, 'notifications', patch, [{ op: 'eq', col: 'id', vals: [n.id] }]);
    }
    if (kind === 'invitation add') {
      const acc = rnd.chance(0.85) ? rnd.pick(teams) : model.t.accounts.get(rnd.pick(people).uid);
      const inv = newInvitation(acc.id, rnd.pick(userIds()));
      return runInsert(acc.is_personal_account ? 'service: invitation add (personal)' : 'service: invitation add', c, 'invitations', inv, {
        codes: acc.is_personal_account ? ['23514'] : null,
        onSuccess: acc.is_personal_account ? undefined : (row) => { model.put('invitations', row); tokenOf.set(row.id, inv.invite_token); },
      });
    }
    if (kind === 'subscription status' && model.rows('subscriptions').length > 0) {
      const s = rnd.pick(model.rows('subscriptions'));
      const status = rnd.pick(STATUSES);
      return runUpdate('service: subscription status', c, 'subscriptions', { status, active: status === 'active' || status === 'trialing' },
        [{ op: 'eq', col: 'id', vals: [s.id] }]);
    }
    if (kind === 'billing add') {
      // A webhook's work: a subscription (with items and features) or an order, for the
      // account's customer (created first when it has none).
      const acc = rnd.pick(model.rows('accounts'));
      const check = (res, what) => expectOk(res, `service: billing add: ${what}`);
      const existing = model.rows('billing_customers').filter((b) => b.account_id === acc.id);
      const customer = existing.length > 0 && rnd.chance(0.8) ? rnd.pick(existing) : await addCustomer(acc, check);
      const what = rnd.chance(0.6) ? 'subscription' : 'order';
      current.request = `service_role adds a ${what} (with its items) for ${acc.id}`;
      if (what === 'subscription') await addSubscription(acc, customer, check, { seats: !acc.is_personal_account && rnd.chance(0.5) });
      else await addOrder(acc, customer, check);
      tally.writesAllowed += 1;
      count(`service: billing add ${what}`, true);
      for (const t of BILLING_TABLES) await verifyTable(t);
      return;
    }
    if (kind === 'billing remove') {
      const table = rnd.weighted([[3, 'subscriptions'], [2, 'orders'], [1, 'billing_customers']]);
      const rows = model.rows(table);
      if (rows.length > 0) return runDelete(`service: billing remove ${table}`, c, table, [{ op: 'eq', col: 'id', vals: [rnd.pick(rows).id] }]);
    }
    if (kind === 'order status' && model.rows('orders').length > 0) {
      return runUpdate('service: order status', c, 'orders', { status: rnd.pick(PAYMENT_STATUSES) }, [{ op: 'eq', col: 'id', vals: [rnd.pick(model.rows('orders')).id] }]);
    }
    if (kind === 'owner transfer') {
      const t = rnd.pick(teams);
      return runUpdate('service: owner transfer', c, 'accounts', { primary_owner_user_id: rnd.pick(userIds()) }, [{ op: 'eq', col: 'id', vals: [t.id] }]);
    }
    if (kind === 'super admin toggle') {
      if (model.t.super_admins.has(sa.uid)) {
        return runDelete('service: super admin revoke', c, 'super_admins', [{ op: 'eq', col: 'user_id', vals: [sa.uid] }]);
      }
      return runInsert('service: super admin grant', c, 'super_admins', { user_id: sa.uid }, { onSuccess: (r) => model.put('super_admins', r) });
    }
    if (kind === 'config toggle') {
      return runUpdate('service: config toggle', c, 'config', { enable_team_accounts: !model.isSet('enable_team_accounts') },
        [{ op: 'eq', col: 'billing_provider', vals: ['stripe'] }]);
    }
    // notification add (and the fallback when a table above is empty)
    const accs = rnd.sample(model.rows('accounts'), 1 + rnd.int(2));
    const wanted = accs.map((a) => ({ account_id: a.id, expiry: rnd.weighted([[3, 'future'], [1, 'null'], [1, 'past']]) }));
    current.request = `notifications.insert(${JSON.stringify(wanted)}).select()`;
    const res = await addNotifications(wanted);
    expectOk(res, 'service: notification add');
    wanted.forEach((w, i) => {
      const row = normalize('notifications', res.data[i]);
      if (row.account_id !== w.account_id || row.expires_at !== w.expiry) diverge('inserted notification', w, row);
      model.put('notifications', row);
    });
    tally.writesAllowed += 1;
    count('service: notification add', true);
    return verifyTable('notifications');
  }

  // -- the seed's workflows as RPC: the read ones answer exactly what the model lets the
  //    caller see; the member-changing ones act exactly when the model's rules allow --

  const levelOf = (role) => model.t.roles.get(role)?.hierarchy_level;
  // can_action_account_member: the primary owner acts on anyone; nobody on the primary
  // owner; otherwise the caller's role must rank strictly above the target's.
  function canActionMember(uid, acc, target) {
    const a = model.t.accounts.get(acc);
    if (!a) return false;
    if (a.primary_owner_user_id === uid) return true;
    const mine = model.membership(uid, acc);
    const theirs = model.membership(target, acc);
    if (a.primary_owner_user_id === target || !theirs || !mine) return false;
    return levelOf(mine.account_role) < levelOf(theirs.account_role);
  }

  async function opRpcRead(c) {
    const fn = rnd.weighted([[3, 'get_account_members'], [2, 'team_account_workspace'], [2, 'get_account_invitations'],
      [c.name === 'sa@aal2' ? 6 : 2, 'admin_list_accounts']]);
    // Mostly a team where the caller has what the function asks for, so both answers come up.
    const mine = model.rows('accounts').filter((a) => slugOf.has(a.id) && c.kind === 'user'
      && (fn === 'get_account_invitations' ? model.hasPermission(c.uid, a.id, 'invites.manage') : model.hasRole(c.uid, a.id)));
    const acc = mine.length > 0 && rnd.chance(0.6) ? rnd.pick(mine) : rnd.pick(model.rows('accounts'));
    const slug = slugOf.get(acc.id) ?? `no-such-slug-${acc.id.slice(0, 8)}`;
    const args = fn === 'admin_list_accounts' ? { search: acc.id } : { account_slug: slug };
    current.request = `rpc(${fn}, ${JSON.stringify(args)})`;
    const res = await c.client.rpc(fn, args);
    const kind = `rpc ${fn}`;
    if (c.kind === 'anon') {
      if (res.status !== 401) diverge(`${kind} by anon: expected 401`, 401, { status: res.status, error: res.error });
      return count(kind, false);
    }
    const uid = c.kind === 'user' ? c.uid : '';
    const team = slugOf.has(acc.id);
    let expected;
    let permitted;
    let key = (r) => r.id;
    if (fn === 'get_account_members') {
      permitted = team && model.hasRole(uid, acc.id);
      expected = permitted
        ? model.rows('accounts_memberships').filter((m) => m.account_id === acc.id).map((m) => `${m.user_id}|${m.account_role}`) : [];
      key = (r) => `${r.user_id}|${r.role}`;
    } else if (fn === 'team_account_workspace') {
      const m = model.membership(uid, acc.id);
      permitted = team && m !== undefined;
      expected = permitted ? [`${acc.id}|${m.account_role}|${acc.primary_owner_user_id}|${[...model.permsOf(m.account_role)].sort().join(' ')}`] : [];
      key = (r) => `${r.id}|${r.role}|${r.primary_owner_user_id}|${[...r.permissions].sort().join(' ')}`;
    } else if (fn === 'get_account_invitations') {
      permitted = team && model.hasPermission(uid, acc.id, 'invites.manage');
      expected = permitted
        ? model.rows('invitations').filter((i) => i.account_id === acc.id).map((i) => `${i.id}|${i.email}|${i.role}`) : [];
      key = (r) => `${r.id}|${r.email}|${r.role}`;
    } else if (!model.isSuperAdmin(c)) {
      expectError(res, ['42501'], `${kind} by a caller who is not a super admin at aal2`);
      return count(kind, false);
    } else {
      permitted = true;
      expected = [acc.id];
    }
    expectOk(res, kind);
    sameKeys(`${kind}: rows`, expected, res.data.map(key));
    tally[expected.length > 0 ? 'readsNonEmpty' : 'readsEmpty'] += 1;
    count(kind, permitted);
  }

  async function opRpcMember(c) {
    const memberships = model.rows('accounts_memberships');
    // Mostly someone else's membership in a team where the caller holds members.manage.
    const manageable = memberships.filter((x) => c.kind === 'user' && x.user_id !== c.uid && model.hasPermission(c.uid, x.account_id, 'members.manage'));
    const m = manageable.length > 0 && rnd.chance(0.6) ? rnd.pick(manageable)
      : memberships.length > 0 && rnd.chance(0.9) ? rnd.pick(memberships) : { user_id: bogus.uuid, account_id: rnd.pick(model.rows('accounts')).id };
    const uid = c.kind === 'user' ? c.uid : '';
    const acc = model.t.accounts.get(m.account_id);
    const target = model.membership(m.user_id, m.account_id);
    const allowedBase = uid !== '' && acc && target && acc.primary_owner_user_id !== m.user_id
      && model.hasPermission(uid, m.account_id, 'members.manage') && canActionMember(uid, m.account_id, m.user_id);
    let fn, args, allowed;
    if (rnd.chance(0.5)) {
      fn = 'remove_member';
      args = { account_id: m.account_id, user_id: m.user_id };
      allowed = allowedBase;
    } else {
      fn = 'update_member_role';
      // Mostly a role no higher than the caller's own, which they may give.
      const own = model.membership(uid, m.account_id);
      const givable = ['owner', 'member', EXTRA_ROLE].filter((r) => own && levelOf(r) >= levelOf(own.account_role));
      const role = givable.length > 0 && rnd.chance(0.7) ? rnd.pick(givable) : rnd.pick(['owner', 'member', EXTRA_ROLE]);
      args = { account_id: m.account_id, user_id: m.user_id, role };
      const mine = model.membership(uid, m.account_id);
      allowed = allowedBase && (acc.primary_owner_user_id === uid || (mine !== undefined && levelOf(role) >= levelOf(mine.account_role)));
    }
    current.request = `rpc(${fn}, ${JSON.stringify(args)})`;
    const res = await c.client.rpc(fn, args);
    const kind = `rpc ${fn}`;
    if (c.kind === 'anon') {
      if (res.status !== 401) diverge(`${kind} by anon: expected 401`, 401, { status: res.status, error: res.error });
    } else if (allowed) {
      expectOk(res, kind);
      if (fn === 'remove_member') model.remove('accounts_memberships', target);
      else target.account_role = args.role;
    } else {
      expectError(res, ['P0001'], kind);
      tally.errors += 1;
    }
    tally[allowed ? 'writesAllowed' : 'writesRefused'] += 1;
    count(kind, Boolean(allowed));
    await verifyTable('accounts_memberships', { cascade: Boolean(allowed) });
  }

  // ---- storage: objects in account folders of account_image and team_files --------------------
  //
  // Names are `<first folder>/[subfolder/]<file>`: the first folder an account id (or
  // something crafted). File names always have an extension and folder names never do, so
  // a folder and an object never share a name within one listing. Every object's bytes are
  // its own (a counter is in them), so a download tells which upload it came from.

  const SERVICE = { kind: 'service', name: 'service_role' };
  const FILES = [(n) => `f${n}.txt`, (n) => `ünï ${n}.png`, (n) => `名前 ${n}.txt`, (n) => `a+b ${n}.txt`, (n) => `(${n}) x.bin`];
  const SUBFOLDERS = ['docs', 'img', 'sub dir', '名前', 'docs/deep'];
  const signedUrls = []; // { bucket, name, url, by }: fetched again later, whoever asks
  const storageTally = { listed: 0, downloaded: 0, served: 0, statuses: {} };

  function leafName() {
    counters.file += 1;
    return rnd.pick(FILES)(counters.file);
  }
  function freshFile() { return rnd.chance(0.4) ? `${rnd.pick(SUBFOLDERS)}/${leafName()}` : leafName(); }
  // { bytes, type } for a new upload: text naming it, or (an image) binary; now and then empty.
  function newObject(bucket, by) {
    counters.blob += 1;
    let bytes;
    if (rnd.chance(0.03)) bytes = Buffer.alloc(0);
    else if (bucket === 'account_image' && rnd.chance(0.5)) {
      const head = Buffer.alloc(8);
      head.writeUInt32BE(0x89504e47, 0);
      head.writeUInt32BE(counters.blob, 4);
      bytes = Buffer.concat([head, Buffer.from(Array.from({ length: rnd.int(64) }, () => rnd.int(256)))]);
    } else {
      bytes = Buffer.from(`blob ${counters.blob} by ${by} ${'é名'.repeat(rnd.int(3))}${'.'.repeat(rnd.int(40))}`);
    }
    const type = bucket === 'account_image' ? rnd.pick(['image/png', 'image/jpeg']) : rnd.pick(['text/plain', 'application/octet-stream']);
    return { bytes, type };
  }
  const describeBytes = (b) => `${b.length} bytes: ${JSON.stringify(b.toString('latin1', 0, 48))}`;
  const errorOf = (res) => (res.error ? { status: res.error.status, statusCode: res.error.statusCode, message: res.error.message } : null);
  const ownId = (c) => (c.kind === 'user' ? c.uid : rnd.pick(userIds()));

  // An account folder a caller aims at: their own, a team they manage (settings.manage), a
  // team they belong to without it, a team they do not belong to, or another user's.
  function aimedFolder(c) {
    const uid = c.kind === 'user' ? c.uid : null;
    const teams = model.rows('accounts').filter((a) => !a.is_personal_account).map((a) => a.id);
    const mine = uid ? teams.filter((t) => model.hasRole(uid, t)) : [];
    const managed = mine.filter((t) => model.hasPermission(uid, t, 'settings.manage'));
    const unmanaged = mine.filter((t) => !managed.includes(t));
    const foreign = teams.filter((t) => !mine.includes(t));
    const choices = [[2, () => rnd.pick(userIds().filter((id) => id !== uid))]];
    if (uid) choices.push([4, () => uid]);
    if (managed.length > 0) choices.push([3, () => rnd.pick(managed)]);
    if (unmanaged.length > 0) choices.push([3, () => rnd.pick(unmanaged)]);
    if (foreign.length > 0) choices.push([3, () => rnd.pick(foreign)]);
    return rnd.weighted(choices)();
  }
  // A folder the caller may write in `bucket` (their own or a managed team's account_image
  // folder, a team_files folder of a team they belong to), or any when there is none.
  function writableFolder(c, bucket) {
    if (c.kind !== 'user') return aimedFolder(c);
    const accounts = model.rows('accounts').map((a) => a.id);
    const writable = accounts.filter((a) => model.objectAllowed(c, 'insert', bucket, `${a}/x`));
    return writable.length > 0 ? rnd.pick(writable) : aimedFolder(c);
  }
  // An existing object's name, mostly one `prefer` holds for; now and then a name nothing has.
  function aimedObject(c, bucket, prefer = () => true) {
    const all = [...model.objects[bucket].keys()];
    const preferred = all.filter(prefer);
    const r = rnd.int(20);
    if (preferred.length > 0 && r < 11) return rnd.pick(preferred);
    if (all.length > 0 && r < 17) return rnd.pick(all);
    return `${aimedFolder(c)}/${freshFile()}`;
  }
  // Upload paths meant to get past the folder rules.
  function craftedPath(c) {
    const own = ownId(c);
    const other = aimedFolder(c);
    return rnd.weighted([
      [2, () => leafName()], // no folder: (storage.foldername(name))[1] is NULL
      [2, () => `${other}/${own}/${leafName()}`], // one's own id as the second folder counts for nothing
      [2, () => `${own}/../${other}/${leafName()}`], // fetch resolves '..': the server sees other's folder
      [1, () => `${own.slice(0, 8)}/${leafName()}`], // the start of an id
      [1, () => `${own}x/${leafName()}`], // an id and more
      [1, () => `${bogus.uuid}/${leafName()}`], // no such account
    ])();
  }
  // Upload paths the server must refuse as names (400).
  function invalidPath(c) {
    const own = ownId(c);
    return rnd.weighted([
      [1, () => `${own}/bad\u0001${leafName()}`], // a control character
      [1, () => `${own}/nul%00${leafName()}`], // NUL, percent-encoded
      [2, () => `${own}/%2e%2e%2F${aimedFolder(c)}%2F${leafName()}`], // a '..' the URL leaves alone, decoded by the server
      [1, () => `${own}/${'x'.repeat(1000)}${leafName()}`], // over 1024 bytes
    ])();
  }

  // A storage result: success (status null) or exactly that HTTP status.
  function expectStorage(res, status, what) {
    storageTally.statuses[status ?? 200] = (storageTally.statuses[status ?? 200] ?? 0) + 1;
    if (status === null) {
      if (res.error) diverge(`${what}: expected success`, 'no error', errorOf(res));
    } else if (res.error?.status !== status || res.error?.statusCode !== String(status)) {
      diverge(`${what}: expected HTTP ${status}`, status, res.error ? errorOf(res) : { data: res.data });
    }
  }
  function storageWrite(kind, allowed, status) {
    tally[allowed ? 'writesAllowed' : 'writesRefused'] += 1;
    if (status !== null) tally.errors += 1;
    count(kind, allowed);
  }

  // A listing compared entry by entry, in order: names, folder or object (a folder's id is
  // null), and each object's size and type.
  function sameListing(what, expected, actual) {
    if (!Array.isArray(actual)) diverge(`${what}: not an array`, expected.length, actual);
    const want = expected.map((e) => `${e.folder ? 'folder' : 'object'} ${e.name}`);
    const got = actual.map((e) => `${e.id === null ? 'folder' : 'object'} ${e.name}`);
    if (want.length !== got.length || want.some((w, i) => w !== got[i])) {
      diverge(`${what}: entries differ (missing: ${JSON.stringify(want.filter((w) => !got.includes(w)))}, `
        + `unexpected: ${JSON.stringify(got.filter((g) => !want.includes(g)))})`, want, got);
    }
    expected.forEach((e, i) => {
      const meta = actual[i].metadata;
      if (e.folder) {
        if (meta !== null) diverge(`${what}: folder ${e.name} has metadata`, null, meta);
      } else if (meta?.size !== e.object.bytes.length || meta?.mimetype !== e.object.type) {
        diverge(`${what}: size and type of ${e.name}`, { size: e.object.bytes.length, mimetype: e.object.type }, meta);
      }
    });
  }

  // What service_role lists of one folder must be the model's: nothing missing, nothing extra.
  async function verifyStorageFolder(bucket, prefix) {
    const res = await admin.storage.from(bucket).list(prefix, { limit: 10000 });
    if (res.error) diverge(`service_role list of ${bucket} ${JSON.stringify(prefix)} failed`, 'entries', errorOf(res));
    sameListing(`service_role list of ${bucket} ${JSON.stringify(prefix)}`, model.listing(SERVICE, bucket, listPrefix(prefix)), res.data);
    return res.data;
  }
  async function verifyBytes(bucket, name, object) {
    const res = await admin.storage.from(bucket).download(name);
    if (res.error) diverge(`service_role download of ${bucket}/${name}`, describeBytes(object.bytes), errorOf(res));
    const got = Buffer.from(await res.data.arrayBuffer());
    if (!got.equals(object.bytes)) diverge(`bytes of ${bucket}/${name} (service_role download)`, describeBytes(object.bytes), describeBytes(got));
  }
  // Every folder of a bucket, walked from `prefix` (with `bytes`, every object's bytes too).
  async function verifyStorageTree(bucket, prefix, { bytes }) {
    const entries = await verifyStorageFolder(bucket, prefix);
    for (const e of entries) {
      const name = prefix === '' ? e.name : `${prefix}/${e.name}`;
      if (e.id === null) await verifyStorageTree(bucket, name, { bytes });
      else if (bytes) await verifyBytes(bucket, name, model.object(bucket, name));
    }
  }
  // After a write: the folder of each name written (or removed, or refused) lists as the
  // model says — an object that got in where it should not shows there — and each object
  // the model has there holds its bytes. With `changed` (the model expected a change), the
  // bucket's root too (where an account folder comes or goes); the folders in between are
  // the periodic walk's (verifyAll).
  async function verifyStoragePlaces(places, changed) {
    const folders = new Map();
    for (const [bucket, name] of places) {
      if (objectNameError(name)) continue;
      const parent = name.split('/').slice(0, -1).join('/');
      for (const prefix of changed ? new Set(['', parent]) : [parent]) folders.set(`${bucket}\n${prefix}`, [bucket, prefix]);
    }
    for (const [bucket, prefix] of folders.values()) await verifyStorageFolder(bucket, prefix);
    for (const [bucket, name] of places) {
      const object = objectNameError(name) ? undefined : model.object(bucket, name);
      if (object) await verifyBytes(bucket, name, object);
    }
  }

  // A URL fetched without credentials: `served` says whether it may serve the object's
  // current bytes (then they and the type must be the model's), else 404.
  async function fetchExpect(what, url, bucket, name, served) {
    const res = await fetch(url);
    const body = Buffer.from(await res.arrayBuffer());
    const object = served ? model.object(bucket, name) : undefined;
    if (!object) {
      if (res.status !== 404) diverge(`${what}: expected 404`, 404, { status: res.status, body: describeBytes(body) });
      return false;
    }
    if (res.status !== 200 || !body.equals(object.bytes)) {
      diverge(`${what}: expected the object's bytes`, describeBytes(object.bytes), { status: res.status, body: describeBytes(body) });
    }
    if (res.headers.get('content-type') !== object.type) diverge(`${what}: Content-Type`, object.type, res.headers.get('content-type'));
    storageTally.served += 1;
    return true;
  }

  // upload / upload with upsert / update: the INSERT check first (403), then an existing
  // object is a 409 without upsert, or is replaced under UPDATE's policies.
  async function opStorageUpload(c) {
    const bucket = rnd.pick(BUCKETS);
    const shape = rnd.weighted([[10, 'fresh'], [4, 'existing'], [3, 'crafted'], [1, 'invalid']]);
    let sent;
    if (shape === 'existing') sent = aimedObject(c, bucket, (n) => model.objectAllowed(c, 'update', bucket, n));
    else if (shape === 'crafted') sent = craftedPath(c);
    else if (shape === 'invalid') sent = invalidPath(c);
    else sent = `${rnd.chance(0.5) ? writableFolder(c, bucket) : aimedFolder(c)}/${freshFile()}`;
    const how = rnd.weighted([[6, 'upload'], [3, 'upsert'], [1, 'update']]);
    const object = newObject(bucket, c.name);
    const name = urlName(cleanPath(sent));
    const invalid = objectNameError(name);
    const exists = model.objects[bucket].has(name);
    let status = null;
    if (invalid) status = 400;
    else if (!model.objectAllowed(c, 'insert', bucket, name)) status = 403;
    else if (exists && how === 'upload') status = 409;
    else if (exists && !model.objectAllowed(c, 'update', bucket, name)) status = 403;
    const opts = { contentType: object.type, ...(how === 'upsert' ? { upsert: true } : {}) };
    current.request = `storage.from(${bucket}).${how === 'update' ? 'update' : 'upload'}(${JSON.stringify(sent)}, <${describeBytes(object.bytes)}>, ${JSON.stringify(opts)})`
      + (name !== sent ? ` — the server sees the name ${JSON.stringify(name)}` : '');
    const files = c.client.storage.from(bucket);
    const res = how === 'update' ? await files.update(sent, object.bytes, opts) : await files.upload(sent, object.bytes, opts);
    const kind = `storage ${how === 'upload' ? 'upload' : 'upsert'} ${bucket}`;
    expectStorage(res, status, kind);
    if (status === null) {
      if (res.data?.fullPath !== `${bucket}/${name}`) diverge(`${kind}: the stored object's key`, `${bucket}/${name}`, res.data);
      model.objects[bucket].set(name, object);
    }
    storageWrite(kind, status === null, status);
    await verifyStoragePlaces([[bucket, name]], status === null);
  }

  // download (or exists): the bytes of an object the caller may select, else 404.
  async function opStorageDownload(c) {
    const bucket = rnd.pick(BUCKETS);
    const name = aimedObject(c, bucket, (n) => model.objectAllowed(c, 'select', bucket, n));
    const object = model.canReadObject(c, bucket, name) ? model.object(bucket, name) : undefined;
    const files = c.client.storage.from(bucket);
    const kind = `storage download ${bucket}`;
    if (rnd.chance(0.2)) {
      current.request = `storage.from(${bucket}).exists(${JSON.stringify(name)})`;
      const res = await files.exists(name);
      if (res.data !== (object !== undefined)) diverge('exists()', object !== undefined, { data: res.data, error: errorOf(res) });
    } else {
      current.request = `storage.from(${bucket}).download(${JSON.stringify(name)})`;
      const res = await files.download(name);
      expectStorage(res, object ? null : 404, kind);
      if (object) {
        const got = Buffer.from(await res.data.arrayBuffer());
        if (!got.equals(object.bytes)) diverge(`${kind}: bytes`, describeBytes(object.bytes), describeBytes(got));
        if (res.data.type !== object.type) diverge(`${kind}: type`, object.type, res.data.type);
        storageTally.downloaded += 1;
      }
    }
    tally[object ? 'readsNonEmpty' : 'readsEmpty'] += 1;
    count(kind, object !== undefined);
  }

  // list: the folders and objects right under a prefix, of the objects the caller may select.
  async function opStorageList(c) {
    const bucket = rnd.pick(BUCKETS);
    const names = [...model.objects[bucket].keys()];
    const deep = names.filter((n) => n.split('/').length > 2);
    const folder = aimedFolder(c);
    const shape = rnd.weighted([[3, 'root'], [6, 'account'], [2, 'subfolder'], [2, 'crafted']]);
    let prefix = folder;
    if (shape === 'root') prefix = rnd.pick(['', '', '/']);
    else if (shape === 'subfolder' && deep.length > 0) prefix = rnd.pick(deep).split('/').slice(0, -1).join('/');
    else if (shape === 'crafted') {
      prefix = rnd.weighted([
        [2, () => `${folder.slice(0, -1)}_`], // LIKE's '_' is a character here
        [1, () => `${folder.slice(0, 8)}%`], // and so is '%'
        [2, () => folder.toUpperCase()], // names are case-sensitive
        [1, () => folder.slice(0, 8)], // the start of an id is no folder
        [1, () => `${folder}/`], // the same folder
        [1, () => `/${folder}`],
        [1, () => (names.length > 0 ? rnd.pick(names) : folder)], // an object is no folder
      ])();
    }
    const options = {};
    if (rnd.chance(0.2)) options.sortBy = { column: 'name', order: rnd.pick(['asc', 'desc']) };
    if (rnd.chance(0.2)) {
      options.limit = 1 + rnd.int(4);
      options.offset = rnd.int(3);
    }
    const visible = model.listing(c, bucket, listPrefix(prefix));
    if (rnd.chance(0.15)) {
      // The start of a name there (even one the caller may not see), in another case now and then.
      const all = model.listing(SERVICE, bucket, listPrefix(prefix));
      const start = all.length > 0 && rnd.chance(0.8) ? [...rnd.pick(all).name].slice(0, 1 + rnd.int(3)).join('') : 'zz';
      options.search = rnd.chance(0.3) ? start.toUpperCase() : start;
    }
    let expected = visible.filter((e) => searchMatches(e.name, options.search ?? ''));
    if (options.sortBy?.order === 'desc') expected = expected.reverse();
    const offset = options.offset ?? 0;
    expected = expected.slice(offset, offset + (options.limit ?? 100));
    current.request = `storage.from(${bucket}).list(${JSON.stringify(prefix)}${Object.keys(options).length > 0 ? `, ${JSON.stringify(options)}` : ''})`;
    const res = await c.client.storage.from(bucket).list(prefix, options);
    const kind = `storage list ${bucket}`;
    expectStorage(res, null, kind);
    sameListing(kind, expected, res.data);
    storageTally.listed += expected.length;
    tally[expected.length > 0 ? 'readsNonEmpty' : 'readsEmpty'] += 1;
    count(kind, expected.length > 0);
  }

  // remove: exactly the named objects the caller may delete (and select) go, and are answered.
  async function opStorageRemove(c) {
    const bucket = rnd.pick(BUCKETS);
    const deletable = (n) => model.objectAllowed(c, 'delete', bucket, n) && model.objectAllowed(c, 'select', bucket, n);
    const paths = Array.from({ length: rnd.weighted([[5, 1], [3, 2], [2, 4]]) }, () => rnd.weighted([
      [8, () => aimedObject(c, bucket, deletable)],
      [1, () => aimedFolder(c)], // a folder is no object
      [1, () => `${ownId(c)}/../${aimedObject(c, bucket)}`], // names are not resolved
    ])());
    if (rnd.chance(0.15)) paths.push(paths[0]); // named twice, deleted once
    const expected = [...new Set(paths)].filter((p) => model.objects[bucket].has(p) && deletable(p));
    current.request = `storage.from(${bucket}).remove(${JSON.stringify(paths)})`;
    const res = await c.client.storage.from(bucket).remove(paths);
    const kind = `storage remove ${bucket}`;
    expectStorage(res, null, kind);
    sameKeys(`${kind}: the objects it answers as deleted`, expected, res.data.map((o) => o.name));
    for (const o of res.data) if (o.bucket_id !== bucket) diverge(`${kind}: bucket of a deleted object`, bucket, o);
    for (const p of expected) model.objects[bucket].delete(p);
    storageWrite(kind, expected.length > 0, null);
    await verifyStoragePlaces(paths.map((p) => [bucket, p]), expected.length > 0);
  }

  // move (SELECT and UPDATE's USING on the source, UPDATE's check on the moved row) and copy
  // (SELECT on the source, INSERT's check on the copy): 400 for a bad name, 404 for a source
  // the caller may not use, 403 for a destination they may not write, 409 when it is taken.
  async function opStorageTransfer(c, how) {
    const bucket = rnd.pick(BUCKETS);
    const destination = rnd.chance(0.15) ? BUCKETS.find((b) => b !== bucket) : bucket;
    const usable = (n) => model.objectAllowed(c, 'select', bucket, n) && (how === 'copy' || model.objectAllowed(c, 'update', bucket, n));
    const from = aimedObject(c, bucket, usable);
    const taken = [...model.objects[destination].keys()];
    const to = rnd.weighted([
      [4, () => `${writableFolder(c, destination)}/${freshFile()}`],
      [4, () => `${aimedFolder(c)}/${freshFile()}`],
      [2, () => (taken.length > 0 ? rnd.pick(taken) : from)],
      [1, () => from],
      [1, () => craftedPath(c)], // in a JSON body: '..' is not resolved but refused
      [1, () => rnd.pick([`${ownId(c)}//${leafName()}`, `/${ownId(c)}/${leafName()}`, `${ownId(c)}/./${leafName()}`])],
    ])();
    let status = null;
    if (objectNameError(from) || objectNameError(to)) status = 400;
    else if (!model.objects[bucket].has(from) || !usable(from)) status = 404;
    else if (!model.objectAllowed(c, how === 'move' ? 'update' : 'insert', destination, to)) status = 403;
    else if (model.objects[destination].has(to)) status = 409;
    const opts = destination !== bucket ? { destinationBucket: destination } : undefined;
    current.request = `storage.from(${bucket}).${how}(${JSON.stringify(from)}, ${JSON.stringify(to)}${opts ? `, ${JSON.stringify(opts)}` : ''})`;
    const res = await c.client.storage.from(bucket)[how](from, to, opts);
    const kind = `storage ${how}${destination !== bucket ? ' across buckets' : ''}`;
    expectStorage(res, status, kind);
    if (status === null) {
      const object = model.object(bucket, from);
      if (how === 'copy' && res.data?.path !== `${destination}/${to}`) diverge(`${kind}: the copy's key`, `${destination}/${to}`, res.data);
      if (how === 'move') model.objects[bucket].delete(from);
      model.objects[destination].set(to, { ...object });
    }
    storageWrite(kind, status === null, status);
    await verifyStoragePlaces([[bucket, from], [destination, to]], status === null);
  }
  const opStorageMove = (c) => opStorageTransfer(c, 'move');
  const opStorageCopy = (c) => opStorageTransfer(c, 'copy');

  // createSignedUrl(s): for objects the caller may select (else 404, or an error entry); the
  // URL serves the bytes to anyone, now and later (opStorageUrl fetches old ones again).
  function rememberSigned(bucket, name, url, by) {
    const entry = { bucket, name, url, by };
    if (signedUrls.length < 40) signedUrls.push(entry);
    else signedUrls[rnd.int(signedUrls.length)] = entry;
  }
  async function opStorageSign(c) {
    const bucket = rnd.pick(BUCKETS);
    const readable = (n) => model.objectAllowed(c, 'select', bucket, n);
    const files = c.client.storage.from(bucket);
    const kind = `storage sign ${bucket}`;
    if (rnd.chance(0.25)) {
      const paths = Array.from({ length: 1 + rnd.int(3) }, () => aimedObject(c, bucket, readable));
      current.request = `storage.from(${bucket}).createSignedUrls(${JSON.stringify(paths)}, 3600)`;
      const res = await files.createSignedUrls(paths, 3600);
      expectStorage(res, null, kind);
      if (res.data.length !== paths.length) diverge(`${kind}: one entry per path`, paths.length, res.data);
      let any = false;
      paths.forEach((p, i) => {
        const e = res.data[i];
        const ok = model.canReadObject(c, bucket, p);
        if (e.path !== p || (e.error === null) !== ok || (e.signedUrl !== null) !== ok) diverge(`${kind}: entry for ${p}`, { path: p, signed: ok }, e);
        if (ok) rememberSigned(bucket, p, e.signedUrl, c.name);
        any ||= ok;
      });
      return count(kind, any);
    }
    const name = aimedObject(c, bucket, readable);
    const ok = model.canReadObject(c, bucket, name);
    current.request = `storage.from(${bucket}).createSignedUrl(${JSON.stringify(name)}, 3600)`;
    const res = await files.createSignedUrl(name, 3600);
    expectStorage(res, ok ? null : 404, kind);
    if (ok) {
      rememberSigned(bucket, name, res.data.signedUrl, c.name);
      if (rnd.chance(0.5)) await fetchExpect(`${kind}: the signed URL`, res.data.signedUrl, bucket, name, true);
    }
    count(kind, ok);
  }

  // Without credentials: an account_image object's public URL serves its bytes (a private
  // bucket's, or a missing object's, is a 404); a signed URL made earlier serves whatever
  // object has that name now, whoever signed it and whatever they may do since.
  async function opStorageUrl(c) {
    if (signedUrls.length > 0 && rnd.chance(0.4)) {
      const s = rnd.pick(signedUrls);
      current.request = `fetch(signed URL of ${s.bucket}/${s.name}, signed by ${s.by})`;
      const served = await fetchExpect('signed URL fetched later', s.url, s.bucket, s.name, true);
      return count('storage signed url later', served);
    }
    const bucket = rnd.pick(BUCKETS);
    const name = aimedObject(c, bucket);
    const url = c.client.storage.from(bucket).getPublicUrl(name).data.publicUrl;
    current.request = `fetch(storage.from(${bucket}).getPublicUrl(${JSON.stringify(name)}))`;
    const served = await fetchExpect('public URL', url, bucket, name, PUBLIC_BUCKETS.has(bucket));
    count(`storage public url ${bucket}`, served);
  }

  const STORAGE_OPS = [
    [4, 'storage upload', opStorageUpload],
    [3, 'storage download', opStorageDownload],
    [3, 'storage list', opStorageList],
    [2, 'storage remove', opStorageRemove],
    [2, 'storage move', opStorageMove],
    [2, 'storage copy', opStorageCopy],
    [2, 'storage sign', opStorageSign],
    [2, 'storage url', opStorageUrl],
  ];
  // service_role passes every policy: it writes where no user may (a personal account's
  // team_files folder, a name without a folder), and reads and removes everything.
  async function opServiceStorage(c) {
    const [, , run] = rnd.weighted(STORAGE_OPS.map((entry) => [entry[0], entry]));
    await run(c);
  }

  const USER_OPS = [
    [34, 'read', opRead],
    [5, 'read billing embed', opReadBillingEmbed],
    [6, 'update accounts.name', opUpdateAccountName],
    [4, 'update accounts protected', opUpdateAccountProtected],
    [6, 'update notifications.dismissed', opUpdateNotificationDismissed],
    [4, 'update notifications protected', opUpdateNotificationProtected],
    [3, 'update (no policy)', opUpdateForbidden],
    [5, 'delete accounts_memberships', opDeleteMembership],
    [5, 'delete invitations', opDeleteInvitation],
    [3, 'delete (no policy)', opDeleteForbidden],
    [8, 'insert invitations', opInsertInvitation],
    [4, 'insert (no policy)', opInsertForbidden],
    [6, 'write billing', opWriteBilling],
    [6, 'rpc read', opRpcRead],
    [5, 'rpc member', opRpcMember],
    ...STORAGE_OPS,
  ];

  it('the world built through service_role matches the model', async () => {
    current = null;
    await verifyAll();
    assert.ok(model.rows('accounts_memberships').length > 4, `[${REPLAY}] the world has memberships`);
    assert.ok(model.rows('notifications').some((n) => n.expires_at === 'past'), `[${REPLAY}] some notifications expired`);
    for (const t of BILLING_TABLES) assert.ok(model.rows(t).length > 0, `[${REPLAY}] the world has ${t}`);
    for (const b of BUCKETS) assert.ok(model.objects[b].size > 0, `[${REPLAY}] the world has objects in ${b}`);
    assert.ok(model.rows('subscription_items').some((i) => i.type === 'per_seat' && model.t.subscriptions.get(i.subscription_id).active
      && !model.t.accounts.get(i.account_id).is_personal_account), `[${REPLAY}] a team has seats`);
  });

  it('every random operation by every caller matches the policy model', async () => {
    const started = Date.now();
    const kindsRun = {};
    for (let i = 1; i <= OPS; i += 1) {
      const c = rnd.weighted([[5, callers[0]], [14, callers[1]], ...userCallers().map((u) => [81 / userCallers().length, u])]);
      current = { index: i, caller: c.name, request: '(building)' };
      if (c.kind === 'service') {
        // Reads and churn as often as without storage (12 parts in 100), storage besides.
        const run = rnd.weighted([[4.8, opRead], [7.2, opServiceChurn], [2, opServiceStorage]]);
        await run(c);
      } else {
        const [, kind, run] = rnd.weighted(USER_OPS.map((entry) => [entry[0], entry]));
        kindsRun[kind] = (kindsRun[kind] ?? 0) + 1;
        await run(c);
      }
      if (i % 250 === 0) await verifyAll();
    }
    current = { index: OPS, caller: 'service_role', request: 'final check of every table, storage folder and object' };
    await verifyAll({ bytes: true });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);

    console.log(`rest_isolation summary: seed=${SEED} ops=${OPS} in ${seconds} s (replay with ${REPLAY})`);
    console.log(`  reads: ${tally.readsNonEmpty} non-empty, ${tally.readsEmpty} empty, ${tally.rowsRead} rows compared`);
    console.log(`  read shapes: ${Object.entries(readShapes).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    console.log(`  writes: ${tally.writesAllowed} allowed, ${tally.writesRefused} refused (${tally.errors} with an error)`);
    console.log(`  storage: ${BUCKETS.map((b) => `${b} ${model.objects[b].size} objects`).join(', ')} at the end; ${storageTally.listed} entries listed, `
      + `${storageTally.downloaded} downloads and ${storageTally.served} URL fetches compared byte for byte; `
      + `statuses ${Object.entries(storageTally.statuses).map(([k, v]) => `${k}: ${v}`).join(', ')}`);
    const width = Math.max(...Object.keys(stats).map((k) => k.length));
    for (const [kind, s] of Object.entries(stats).sort(([a], [b]) => a.localeCompare(b))) {
      console.log(`  ${kind.padEnd(width)}  ${String(s.ops).padStart(5)} ops  ${String(s.allowed).padStart(5)} allowed  ${String(s.refused).padStart(5)} refused`);
    }

    // A run long enough to mean something must have exercised both sides of the policies.
    if (OPS >= 500) {
      for (const [, kind] of USER_OPS) assert.ok(kindsRun[kind] > 0, `[${REPLAY}] operation kind "${kind}" never ran`);
      assert.ok(tally.readsNonEmpty > 0 && tally.readsEmpty > 0, `[${REPLAY}] reads saw both rows and nothing`);
      assert.ok(tally.writesAllowed > 0 && tally.writesRefused > 0, `[${REPLAY}] writes were both allowed and refused`);
      const embeds = Object.entries(stats).filter(([k]) => k.startsWith('read embed '));
      assert.ok(embeds.some(([, v]) => v.allowed > 0) && embeds.some(([, v]) => v.refused > 0), `[${REPLAY}] billing embeds saw rows and nothing`);
      for (const kind of ['update accounts.name', 'update notifications.dismissed', 'delete accounts_memberships', 'delete invitations', 'insert invitations',
        'rpc get_account_members', 'rpc get_account_invitations', 'rpc remove_member', 'rpc update_member_role']) {
        assert.ok(stats[kind]?.allowed > 0, `[${REPLAY}] "${kind}" was never allowed`);
        assert.ok(stats[kind]?.refused > 0, `[${REPLAY}] "${kind}" was never refused`);
      }
    }
    // Storage: each kind of operation both succeeded (or saw objects) and was refused (or saw
    // none), per bucket where there are enough of them.
    if (OPS >= 2000) {
      const sum = (prefix, side) => Object.entries(stats).filter(([k]) => k.startsWith(prefix)).reduce((n, [, v]) => n + v[side], 0);
      const kinds = ['storage move', 'storage copy', 'storage remove', 'storage upsert', 'storage public url', 'storage sign'];
      for (const b of BUCKETS) kinds.push(`storage upload ${b}`, `storage download ${b}`, `storage list ${b}`);
      for (const kind of kinds) {
        assert.ok(sum(kind, 'allowed') > 0, `[${REPLAY}] "${kind}" never succeeded`);
        assert.ok(sum(kind, 'refused') > 0, `[${REPLAY}] "${kind}" was never refused`);
      }
    }
    // Per billing table (a sixth of the billing ops each): reads saw rows, writes were tried.
    if (OPS >= 2000) {
      for (const t of BILLING_TABLES) {
        assert.ok(stats[`read ${t}`]?.allowed > 0, `[${REPLAY}] "read ${t}" never returned rows`);
        assert.ok(['insert', 'update', 'delete', 'upsert'].some((w) => stats[`${w} ${t} (no policy)`]?.refused > 0), `[${REPLAY}] no write to ${t} was tried`);
      }
    }
  });
});
