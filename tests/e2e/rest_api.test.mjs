// The PostgREST grammar of /rest/v1 as supabase-js sends it: select lists, filters,
// and/or trees, order, limit/offset/range, Prefer (return, count, tx), single objects and
// the error shapes — against the real binary, on the seed's notifications table.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './support/server.mjs';
import { client, adminClient, signedUpUser } from './support/supabase.mjs';
import { makeTeam } from './support/tenancy.mjs';

describe('/rest/v1 grammar', () => {
  let server, admin, owner, team, rows;
  before(async () => {
    server = await startServer({ args: ['--auth-rate-limit-per-ip', '10000', '--auth-rate-limit-per-email', '10000'] });
    admin = adminClient(server);
    owner = await signedUpUser(server);
    team = await makeTeam(server, owner);
    const inserted = await admin.from('notifications').insert([
      { account_id: team.id, type: 'info', body: 'Alpha one', link: '/a', metadata: { n: 1, tags: ['x'] } },
      { account_id: team.id, type: 'warning', body: 'beta two', link: null, metadata: { n: 2 } },
      { account_id: team.id, type: 'error', body: 'Gamma, three', link: '/c', dismissed: true, metadata: { n: 3 } },
      { account_id: team.id, type: 'info', body: '100% done', link: '/d', metadata: { n: 4 } },
    ], { defaultToNull: false }).select();
    assert.equal(inserted.error, null, inserted.error?.message);
    rows = inserted.data;
  });
  after(async () => { await server.stop(); });
  const from = () => owner.client.from('notifications');
  const bodies = (res) => { assert.equal(res.error, null, res.error?.message); return res.data.map((r) => r.body); };

  it('returns typed JSON: integers, booleans, json objects, timestamps', async () => {
    const { data, error } = await from().select('*').eq('id', rows[0].id).single();
    assert.equal(error, null);
    assert.equal(typeof data.id, 'number');
    assert.equal(data.dismissed, false);
    assert.deepEqual(data.metadata, { n: 1, tags: ['x'] });
    assert.match(data.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/);
    assert.equal(data.channel, 'in_app');
  });

  it('selects columns with aliases, casts and JSON paths', async () => {
    const { data } = await from().select('id, kind:type, n:metadata->n, first_tag:metadata->tags->>0, id_text:id::text').eq('id', rows[0].id).single();
    assert.deepEqual(data, { id: rows[0].id, kind: 'info', n: 1, first_tag: 'x', id_text: String(rows[0].id) });
  });

  it('filters: eq neq gt gte lt lte in is like ilike not', async () => {
    const ids = rows.map((r) => r.id);
    assert.deepEqual(bodies(await from().select('body').eq('type', 'info').order('id')), ['Alpha one', '100% done']);
    // An enum's filter value must be one of its labels, on both backends, as PostgreSQL's input.
    const notALabel = await from().select('body').eq('channel', 'carrier-pigeon');
    assert.equal(notALabel.status, 400);
    assert.equal(notALabel.error.code, '22P02');
    assert.equal(notALabel.error.message, 'invalid input value for enum notification_channel: "carrier-pigeon"');
    assert.equal(bodies(await from().select('body').in('channel', ['in_app', 'email'])).length, 4);
    assert.equal(bodies(await from().select('body').neq('type', 'info')).length, 2);
    assert.deepEqual(bodies(await from().select('body').gt('id', ids[2]).order('id')), ['100% done']);
    assert.deepEqual(bodies(await from().select('body').gte('id', ids[2]).lt('id', ids[3])), ['Gamma, three']);
    assert.equal(bodies(await from().select('body').lte('id', ids[1])).length, 2);
    assert.deepEqual(bodies(await from().select('body').in('body', ['beta two', 'Gamma, three']).order('id')), ['beta two', 'Gamma, three']);
    assert.deepEqual(bodies(await from().select('body').is('link', null)), ['beta two']);
    assert.deepEqual(bodies(await from().select('body').is('dismissed', true)), ['Gamma, three']);
    assert.deepEqual(bodies(await from().select('body').like('body', 'Alpha%')), ['Alpha one']);
    assert.deepEqual(bodies(await from().select('body').like('body', 'alpha%')), [], 'like is case-sensitive');
    assert.deepEqual(bodies(await from().select('body').ilike('body', 'ALPHA%')), ['Alpha one']);
    assert.deepEqual(bodies(await from().select('body').like('body', '100\\%%')), ['100% done']);
    assert.deepEqual(bodies(await from().select('body').not('link', 'is', null).order('id')), ['Alpha one', 'Gamma, three', '100% done']);
    assert.deepEqual(bodies(await from().select('body').contains('metadata->tags', ['x'])), ['Alpha one']);
  });

  it('jsonb containment: contains and containedBy take JSON documents as PostgreSQL\'s @> and <@ do', async () => {
    assert.deepEqual(bodies(await from().select('body').contains('metadata', { n: 3 })), ['Gamma, three']);
    assert.deepEqual(bodies(await from().select('body').contains('metadata', { tags: ['x'] })), ['Alpha one']);
    assert.deepEqual(bodies(await from().select('body').contains('metadata', { n: 1, tags: ['y'] })), []);
    assert.deepEqual(bodies(await from().select('body').contains('metadata', { n: '3' })), [], 'a string is not a number');
    assert.deepEqual(bodies(await from().select('body').containedBy('metadata', { n: 2, extra: true })), ['beta two']);
    assert.equal(bodies(await from().select('body').contains('metadata', {})).length, 4);
  });

  it('or and nested and trees', async () => {
    const res = await from().select('body').or('type.eq.warning,and(type.eq.info,link.eq./d)').order('id');
    assert.deepEqual(bodies(res), ['beta two', '100% done']);
    const negated = await from().select('body').not('type', 'in', '(info,warning)');
    assert.deepEqual(bodies(negated), ['Gamma, three']);
  });

  it('orders with nulls placement, limits, offsets and ranges', async () => {
    assert.deepEqual(bodies(await from().select('body').order('link', { ascending: true })).at(-1), 'beta two', 'nulls last ascending');
    assert.deepEqual(bodies(await from().select('body').order('link', { ascending: false }))[0], 'beta two', 'nulls first descending');
    assert.deepEqual(bodies(await from().select('body').order('link', { ascending: true, nullsFirst: true }))[0], 'beta two');
    assert.deepEqual(bodies(await from().select('body').order('id').limit(2)), ['Alpha one', 'beta two']);
    assert.deepEqual(bodies(await from().select('body').order('id').range(1, 2)), ['beta two', 'Gamma, three']);
  });

  it('counts exactly with Content-Range', async () => {
    const res = await from().select('id', { count: 'exact' }).order('id').range(0, 1);
    assert.equal(res.error, null);
    assert.equal(res.count, 4);
    assert.equal(res.data.length, 2);
    const head = await from().select('*', { count: 'exact', head: true });
    assert.equal(head.count, 4);
    assert.equal(head.data, null);
  });

  it('single and maybeSingle', async () => {
    const none = await from().select('id').eq('body', 'nothing').single();
    assert.equal(none.error.code, 'PGRST116');
    assert.equal(none.status, 406);
    const many = await from().select('id').eq('type', 'info').single();
    assert.equal(many.error.code, 'PGRST116');
    const maybe = await from().select('id').eq('body', 'nothing').maybeSingle();
    assert.equal(maybe.error, null);
    assert.equal(maybe.data, null);
  });

  it('writes return representation, minimal or nothing; tx=rollback keeps nothing', async () => {
    const minimal = await admin.from('notifications').insert({ account_id: team.id, body: 'quiet' });
    assert.equal(minimal.error, null);
    assert.equal(minimal.status, 201);
    assert.equal(minimal.data, null);
    const updated = await admin.from('notifications').update({ body: 'loud' }).eq('body', 'quiet').select('body');
    assert.deepEqual(updated.data, [{ body: 'loud' }]);
    const deleted = await admin.from('notifications').delete().eq('body', 'loud').select('body');
    assert.deepEqual(deleted.data, [{ body: 'loud' }]);
    const gone = await admin.from('notifications').select('id').eq('body', 'loud');
    assert.deepEqual(gone.data, []);
    const res = await fetch(`${server.url}/rest/v1/notifications`, {
      method: 'POST',
      headers: { apikey: server.keys().serviceRole, Authorization: `Bearer ${server.keys().serviceRole}`, 'Content-Type': 'application/json', Prefer: 'return=representation,tx=rollback' },
      body: JSON.stringify({ account_id: team.id, body: 'rolled back' }),
    });
    assert.equal(res.status, 201);
    assert.equal((await res.json())[0].body, 'rolled back');
    assert.deepEqual((await admin.from('notifications').select('id').eq('body', 'rolled back')).data, []);
  });

  it('upserts: merge-duplicates updates, ignore-duplicates skips, on_conflict picks the key', async () => {
    const role = `upsert-${Date.now()}`;
    const created = await admin.from('roles').upsert({ name: role, hierarchy_level: 40 + Math.random() }).select();
    assert.equal(created.error, null, created.error?.message);
    assert.equal(created.status, 201);
    const merged = await admin.from('roles').upsert({ name: role, hierarchy_level: 77.5 }).select('name, hierarchy_level');
    assert.deepEqual(merged.data, [{ name: role, hierarchy_level: 77.5 }]);
    const ignored = await admin.from('roles').upsert({ name: role, hierarchy_level: 88.5 }, { ignoreDuplicates: true }).select();
    assert.deepEqual(ignored.data, []);
    const { data } = await admin.from('roles').select('hierarchy_level').eq('name', role).single();
    assert.equal(data.hierarchy_level, 77.5);
    const byKey = await admin.from('role_permissions').upsert({ role, permission: 'billing.manage' }, { onConflict: 'role,permission' }).select('role');
    assert.equal(byKey.error, null, byKey.error?.message);
    const again = await admin.from('role_permissions').upsert({ role, permission: 'billing.manage' }, { onConflict: 'role,permission' }).select('role');
    assert.equal(again.error, null, 'the second upsert merges instead of violating the unique key');
    assert.equal((await admin.from('role_permissions').select('id').eq('role', role)).data.length, 1);
    // A user may not upsert into a table they cannot write.
    const refused = await owner.client.from('roles').upsert({ name: role, hierarchy_level: 1.5 });
    assert.equal(refused.error.code, '42501');
    assert.equal((await admin.from('roles').select('hierarchy_level').eq('name', role).single()).data.hierarchy_level, 77.5);
  });

  it('answers text/csv', async () => {
    const res = await from().select('id, body, link, dismissed').order('id').limit(3).csv();
    assert.equal(res.error, null);
    const lines = res.data.split('\n');
    assert.equal(lines[0], 'id,body,link,dismissed');
    assert.equal(lines[1], `${rows[0].id},Alpha one,/a,false`);
    assert.equal(lines[2], `${rows[1].id},beta two,,false`);
    assert.equal(lines[3], `${rows[2].id},"Gamma, three",/c,true`);
  });

  describe('embedding', () => {
    let outsider, sub;
    before(async () => {
      outsider = await signedUpUser(server);
      const customer = await admin.from('billing_customers').insert({ account_id: team.id, customer_id: `cus_e_${Date.now()}`, provider: 'stripe' }).select().single();
      assert.equal(customer.error, null, customer.error?.message);
      sub = `sub_e_${Date.now()}`;
      const created = await admin.from('subscriptions').insert({
        id: sub, account_id: team.id, customer_id: customer.data.customer_id, status: 'trialing', active: true,
        billing_provider: 'stripe', currency: 'eur', period_starts_at: '2026-01-01T00:00:00Z', period_ends_at: '2026-02-01T00:00:00Z',
      });
      assert.equal(created.error, null, created.error?.message);
      const items = await admin.from('subscription_items').insert([
        { subscription_id: sub, price_id: 'price_seat', type: 'per_seat', quantity: 3, price_amount: 10 },
        { subscription_id: sub, price_id: 'price_base', type: 'flat', quantity: 1, price_amount: 99.5 },
      ]);
      assert.equal(items.error, null, items.error?.message);
    });

    it('embeds one-to-many as arrays, with aliases, filters, order and limit', async () => {
      const { data, error } = await owner.client.from('subscriptions').select('id, items:subscription_items(price_id, quantity, price_amount)').eq('id', sub).single();
      assert.equal(error, null, error?.message);
      assert.deepEqual(data.items.map((i) => i.price_id).sort(), ['price_base', 'price_seat']);
      assert.equal(data.items.find((i) => i.price_id === 'price_base').price_amount, 99.5);
      const filtered = await owner.client.from('subscriptions').select('id, items:subscription_items(price_id)').eq('id', sub).eq('items.type', 'flat').single();
      assert.deepEqual(filtered.data.items, [{ price_id: 'price_base' }]);
      const ordered = await owner.client.from('subscriptions').select('id, subscription_items(price_id)').eq('id', sub)
        .order('price_id', { referencedTable: 'subscription_items', ascending: false }).limit(1, { referencedTable: 'subscription_items' }).single();
      assert.deepEqual(ordered.data.subscription_items, [{ price_id: 'price_seat' }]);
    });

    it('embeds many-to-one as an object, nested, with booleans typed', async () => {
      const { data, error } = await owner.client.from('subscription_items').select('price_id, subscriptions(active, accounts(name))').eq('price_id', 'price_seat').single();
      assert.equal(error, null, error?.message);
      assert.equal(data.subscriptions.active, true);
      assert.equal(typeof data.subscriptions.accounts.name, 'string');
    });

    it('!inner keeps only parents with matching embedded rows', async () => {
      const hit = await owner.client.from('accounts').select('id, accounts_memberships!inner(user_id)').eq('accounts_memberships.user_id', owner.user.id);
      assert.equal(hit.error, null, hit.error?.message);
      assert.deepEqual(hit.data.map((a) => a.id), [team.id]);
      const miss = await owner.client.from('accounts').select('id, accounts_memberships!inner(user_id)').eq('accounts_memberships.user_id', outsider.user.id);
      assert.deepEqual(miss.data, []);
    });

    it('applies the embedded table\'s own policies', async () => {
      // The outsider sees their personal account but none of the team's rows through it.
      const { data } = await admin.from('accounts').select('id, subscriptions(id)').eq('id', team.id).single();
      assert.equal(data.subscriptions.length, 1, 'service_role sees the subscription');
      const own = await outsider.client.from('accounts').select('id, accounts_memberships(user_id)').eq('id', outsider.user.id).single();
      assert.deepEqual(own.data.accounts_memberships, []);
      const items = await outsider.client.from('subscriptions').select('id, subscription_items(*)');
      assert.deepEqual(items.data, []);
    });

    it('refuses unknown relationships and filters on relations not embedded', async () => {
      const unknown = await owner.client.from('subscriptions').select('id, roles(*)');
      assert.equal(unknown.error.code, 'PGRST200');
      assert.equal(unknown.status, 400);
      const stray = await owner.client.from('subscriptions').select('id').eq('subscription_items.type', 'flat');
      assert.equal(stray.error.code, 'PGRST108');
    });
  });

  it('answers bad requests in PostgREST\'s error shape', async () => {
    const unknownTable = await owner.client.from('no_such_table').select('*');
    assert.equal(unknownTable.error.code, 'PGRST205');
    assert.equal(unknownTable.status, 404);
    const internal = await admin.from('auth_users').select('*');
    assert.equal(internal.error.code, 'PGRST205', 'internal tables are never exposed');
    const unknownColumn = await from().select('nope');
    assert.equal(unknownColumn.error.code, '42703');
    assert.equal(unknownColumn.status, 400);
    const badFilter = await fetch(`${server.url}/rest/v1/notifications?id=eqq.1`, { headers: { apikey: server.keys().anon } });
    assert.equal(badFilter.status, 400);
    const body = await badFilter.json();
    assert.equal(body.code, 'PGRST100');
    assert.ok('details' in body && 'hint' in body && 'message' in body);
    const badValue = await from().select('id').eq('id', 'abc');
    assert.equal(badValue.error.code, '22P02');
    const badUuid = await from().select('id').eq('account_id', 'not-a-uuid');
    assert.equal(badUuid.error.code, '22P02');
    const unknownBodyColumn = await admin.from('notifications').insert({ account_id: team.id, nope: 1 });
    assert.equal(unknownBodyColumn.error.code, 'PGRST204');
    const badJson = await fetch(`${server.url}/rest/v1/notifications`, {
      method: 'POST', headers: { apikey: server.keys().serviceRole, Authorization: `Bearer ${server.keys().serviceRole}`, 'Content-Type': 'application/json' }, body: '{"account_id":',
    });
    assert.equal(badJson.status, 400);
    assert.equal((await badJson.json()).code, 'PGRST102');
    const fk = await admin.from('notifications').insert({ account_id: '00000000-0000-4000-8000-000000000000', body: 'orphan' });
    assert.equal(fk.error.code, '23503');
    assert.equal(fk.status, 409);
    const check = await admin.from('notifications').insert({ account_id: team.id, type: '' });
    assert.equal(check.error.code, '23514');
    assert.equal(check.status, 400);
    const noKey = await fetch(`${server.url}/rest/v1/notifications`);
    assert.equal(noKey.status, 401);
    const forged = await fetch(`${server.url}/rest/v1/notifications`, { headers: { apikey: server.keys().anon, Authorization: 'Bearer not.a.jwt' } });
    assert.equal(forged.status, 401);
  });

  it('binds every value: SQL in a value is only data', async () => {
    const hostile = "x' OR 1=1 --";
    const res = await from().select('id').eq('body', hostile);
    assert.deepEqual(res.data, []);
    const written = await admin.from('notifications').insert({ account_id: team.id, body: hostile }).select('body').single();
    assert.equal(written.data.body, hostile);
    assert.equal((await admin.from('notifications').delete().eq('body', hostile)).error, null);
    const column = await fetch(`${server.url}/rest/v1/notifications?select=id,"body;drop table accounts"`, { headers: { apikey: server.keys().anon } });
    assert.equal(column.status, 400);
    assert.equal((await admin.from('accounts').select('id').eq('id', team.id)).data.length, 1);
  });
});

describe('/rest/v1 for anon', () => {
  let server;
  before(async () => { server = await startServer(); });
  after(async () => { await server.stop(); });

  it('reads nothing and writes nothing', async () => {
    const anon = client(server);
    const read = await anon.from('notifications').select('*');
    assert.deepEqual(read.data, []);
    const write = await anon.from('config').update({ enable_team_accounts: false }).neq('billing_provider', 'paddle').select();
    assert.deepEqual(write.data, []);
    const insert = await anon.from('roles').insert({ name: 'anon-role', hierarchy_level: 99 });
    assert.equal(insert.error.code, '42501');
    assert.equal(insert.status, 401);
  });
});
