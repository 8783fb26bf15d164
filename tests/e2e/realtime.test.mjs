// Realtime postgres_changes end to end with supabase.channel() from the official client:
// members receive their team's new notifications live, under the same policies as
// /rest/v1; non-members receive nothing, filter or not; updates and deletes; a removed
// member stops receiving; a refreshed token keeps the subscription; expired notifications
// are never sent. On PostgreSQL also: writes by another client of the database (psql)
// reach subscribers, and a transaction that commits after a later one is not skipped.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, backend, psqlAsAdmin } from './support/server.mjs';
import { sleep, until } from './support/wait.mjs';
import { adminClient, signedUpUser } from './support/supabase.mjs';
import { makeTeam } from './support/tenancy.mjs';
import { connect, readResponse } from './support/raw_http.mjs';
import { createClient } from '@supabase/supabase-js';
import { randomBytes } from 'node:crypto';

// The burst test holds 250 connections for four users: the per-user realtime limits raised.
const limits = ['--auth-rate-limit-per-ip', '10000', '--auth-rate-limit-per-email', '10000',
  '--realtime-max-connections-per-user', '1000', '--realtime-max-channels-per-user', '10000'];

// Subscribes `user` to notifications changes; resolves once SUBSCRIBED. `events` collects payloads.
async function listen(user, { event = '*', filter, name = `n-${Math.random()}` } = {}) {
  const events = [];
  const channel = user.client.channel(name).on('postgres_changes',
    { event, schema: 'public', table: 'notifications', ...(filter ? { filter } : {}) }, (payload) => events.push(payload));
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('not subscribed in 10 s')), 10_000);
    channel.subscribe((status, err) => {
      if (status === 'SUBSCRIBED') {
        clearTimeout(timer);
        resolve();
      } else if (status === 'CHANNEL_ERROR' || status === 'TIMED_OUT') {
        clearTimeout(timer);
        reject(err ?? new Error(status));
      }
    });
  });
  return { channel, events };
}

describe('Realtime postgres_changes', () => {
  let server, admin, owner, member, other, outsider, team;
  before(async () => {
    server = await startServer({ args: limits });
    admin = adminClient(server);
    owner = await signedUpUser(server);
    member = await signedUpUser(server);
    other = await signedUpUser(server);
    outsider = await signedUpUser(server);
    team = await makeTeam(server, owner, [[member, 'member'], [other, 'member']]);
    for (const u of [owner, member, other, outsider]) u.client.realtime.setAuth(u.session.access_token);
  });
  after(async () => {
    for (const u of [owner, member, other, outsider]) await u.client.removeAllChannels();
    await server.stop();
  });

  const notify = async (body, extra = {}) => {
    const { data, error } = await admin.from('notifications').insert({ account_id: team.id, body, ...extra }).select().single();
    assert.equal(error, null, error?.message);
    return data;
  };

  if (backend === 'postgres') {
    it('a notification written by another database client reaches members only, even one committed late', async () => {
      const mine = await listen(member, { event: 'INSERT' });
      const nosy = await listen(outsider, { event: '*' });
      // The slow transaction takes its change id first and commits last.
      const slow = psqlAsAdmin(server.dataDir,
        `BEGIN; INSERT INTO public.notifications (account_id, body) VALUES ('${team.id}', 'slow from psql'); ` +
        'SELECT pg_sleep(1.5); COMMIT;');
      await sleep(400);
      await psqlAsAdmin(server.dataDir, `INSERT INTO public.notifications (account_id, body) VALUES ('${team.id}', 'quick from psql')`);
      await slow;
      // Changes are read by ended transaction: the quick one waits for the slow one's end
      // (it holds the snapshot's xmin back), then both come, in the order of their ids.
      await until(() => mine.events.length === 2, 'both writes\' events');
      await sleep(300);
      assert.deepEqual(mine.events.map((e) => e.new.body), ['slow from psql', 'quick from psql']);
      assert.equal(nosy.events.length, 0);
      await mine.channel.unsubscribe();
      await nosy.channel.unsubscribe();
    });
  }

  it('a member receives a new team notification; non-members receive nothing, with or without a filter', async () => {
    const mine = await listen(member, { event: 'INSERT', filter: `account_id=eq.${team.id}` });
    const nosy = await listen(outsider, { event: '*' });
    const nosyFiltered = await listen(outsider, { event: 'INSERT', filter: `account_id=eq.${team.id}` });
    const row = await notify('Your invoice is ready', { metadata: { kind: 'invoice' } });
    await until(() => mine.events.length === 1, 'the member\'s event');
    const got = mine.events[0];
    assert.equal(got.eventType, 'INSERT');
    assert.equal(got.table, 'notifications');
    assert.equal(got.schema, 'public');
    assert.equal(got.new.id, row.id);
    assert.equal(got.new.body, 'Your invoice is ready');
    assert.equal(got.new.dismissed, false);
    assert.deepEqual(got.new.metadata, { kind: 'invoice' });
    assert.ok(got.commit_timestamp);
    await sleep(500);
    assert.equal(nosy.events.length, 0);
    assert.equal(nosyFiltered.events.length, 0);
    await member.client.removeChannel(mine.channel);
    await outsider.client.removeChannel(nosy.channel);
    await outsider.client.removeChannel(nosyFiltered.channel);
  });

  it('filters apply server-side; dismissing sends an UPDATE; a delete sends only the key', async () => {
    const all = await listen(member, { event: '*' });
    const other_team = await makeTeam(server, owner, [[member, 'member']]);
    const onlyOther = await listen(member, { event: '*', filter: `account_id=eq.${other_team.id}` });
    const row = await notify('Dismiss me');
    await until(() => all.events.length === 1, 'the insert');
    const { error } = await member.client.from('notifications').update({ dismissed: true }).eq('id', row.id);
    assert.equal(error, null, error?.message);
    await until(() => all.events.length === 2, 'the update');
    assert.equal(all.events[1].eventType, 'UPDATE');
    assert.equal(all.events[1].new.dismissed, true);
    assert.deepEqual(all.events[1].old, { id: row.id });
    await admin.from('notifications').delete().eq('id', row.id);
    await until(() => all.events.length === 3, 'the delete');
    assert.equal(all.events[2].eventType, 'DELETE');
    assert.deepEqual(all.events[2].old, { id: row.id });
    assert.equal(onlyOther.events.length, 0, 'another account\'s filter matched nothing');
    await member.client.removeChannel(all.channel);
    await member.client.removeChannel(onlyOther.channel);
  });

  it('a removed member stops receiving; the others keep receiving', async () => {
    const leaving = await listen(other, { event: 'INSERT' });
    const staying = await listen(member, { event: 'INSERT' });
    await notify('Before');
    await until(() => leaving.events.length === 1 && staying.events.length === 1, 'both events');
    const { error } = await owner.client.rpc('remove_member', { account_id: team.id, user_id: other.user.id });
    assert.equal(error, null, error?.message);
    await notify('After');
    await until(() => staying.events.length === 2, 'the staying member\'s event');
    await sleep(300);
    assert.equal(leaving.events.length, 1);
    await other.client.removeChannel(leaving.channel);
    await member.client.removeChannel(staying.channel);
  });

  it('a refreshed token keeps the subscription; a logged-out session stops it', async () => {
    const sub = await listen(owner, { event: 'INSERT' });
    const refreshed = await owner.client.auth.signInWithPassword({ email: owner.email, password: owner.password });
    assert.equal(refreshed.error, null);
    await owner.client.realtime.setAuth(refreshed.data.session.access_token);
    await notify('After refresh');
    await until(() => sub.events.length === 1, 'the event after the refresh');
    // The first session's token no longer works once that session logs out.
    const second = await listen(member, { event: 'INSERT' });
    const { error } = await member.client.auth.signOut();
    assert.equal(error, null);
    await notify('After logout');
    await until(() => sub.events.length === 2, 'the owner\'s event');
    await sleep(300);
    assert.equal(second.events.length, 0, 'a logged-out session receives nothing');
    await owner.client.removeChannel(sub.channel);
  });

  it('expired notifications are never sent', async () => {
    const sub = await listen(owner, { event: '*' });
    const soon = await notify('Expires soon', { expires_at: new Date(Date.now() + 1500).toISOString() });
    await until(() => sub.events.length === 1, 'the insert while it is fresh');
    await sleep(1700);
    await admin.from('notifications').update({ body: 'Changed after expiry' }).eq('id', soon.id);
    const fresh = await notify('Fresh');
    await admin.from('notifications').update({ body: 'Fresh, changed' }).eq('id', fresh.id);
    await until(() => sub.events.length >= 3, 'the fresh events');
    await sleep(300);
    assert.deepEqual(sub.events.map((e) => [e.eventType, e.new.body]),
      [['INSERT', 'Expires soon'], ['INSERT', 'Fresh'], ['UPDATE', 'Fresh, changed']]);
    await owner.client.removeChannel(sub.channel);
  });

  it('1,000 concurrent subscribers receive a burst with none lost and none leaked', async () => {
    // Two members and two non-members of the team; 250 connections, four channels each.
    const members = [await signedUpUser(server), await signedUpUser(server)];
    const nonMembers = [await signedUpUser(server), await signedUpUser(server)];
    for (const m of members) {
      const { error } = await admin.from('accounts_memberships').insert({ account_id: team.id, user_id: m.user.id, account_role: 'member' });
      assert.equal(error, null, error?.message);
    }
    const clients = [];
    const subs = [];
    try {
      for (let i = 0; i < 250; i++) {
        const user = [members[0], nonMembers[0], members[1], nonMembers[1]][i % 4];
        const c = createClient(server.url, server.keys().anon, { auth: { persistSession: false, autoRefreshToken: false } });
        c.realtime.setAuth(user.session.access_token);
        clients.push(c);
        for (let k = 0; k < 4; k++) subs.push({ c, name: `burst-${i}-${k}`, member: members.includes(user), events: [] });
      }
      await Promise.all(subs.map((s) => new Promise((resolve, reject) => {
        s.c.channel(s.name).on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'notifications' },
          (p) => s.events.push(p.new.body)).subscribe((status, err) => {
          if (status === 'SUBSCRIBED') resolve();
          else if (status !== 'CLOSED') reject(err ?? new Error(status));
        });
      })));
      const bodies = Array.from({ length: 20 }, (_, i) => `burst ${i}`);
      const { error } = await admin.from('notifications').insert(bodies.map((body) => ({ account_id: team.id, body })));
      assert.equal(error, null, error?.message);
      await until(() => subs.every((s) => !s.member || s.events.length === bodies.length), 'every member subscriber\'s 20 events', 60_000);
      await sleep(300);
      for (const s of subs) assert.deepEqual(s.events, s.member ? bodies : [], 'in order, all of them, to members only');
    } finally {
      await Promise.all(clients.map((c) => c.removeAllChannels()));
    }
  });

  // Its queue is bounded by construction (4 MiB); memory is measured in bench/, not here.
  it('a client that stops reading is disconnected; the server keeps serving', async () => {
    const socket = await connect(server.port);
    const key = randomBytes(16).toString('base64');
    socket.write(`GET /realtime/v1/websocket?apikey=${server.keys().anon}&vsn=2.0.0 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n` +
      `Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${key}\r\n\r\n`);
    await new Promise((resolve) => socket.once('data', resolve));  // 101
    const frame = (text) => {
      const data = Buffer.from(text);
      const mask = randomBytes(4);
      const head = data.length < 126 ? Buffer.from([0x81, 0x80 | data.length]) : Buffer.from([0x81, 0x80 | 126, data.length >> 8, data.length & 255]);
      return Buffer.concat([head, mask, Buffer.from(data.map((b, i) => b ^ mask[i % 4]))]);
    };
    socket.write(frame(JSON.stringify(['1', '1', 'realtime:slow', 'phx_join',
      { config: { postgres_changes: [{ event: '*', schema: 'public', table: 'notifications' }] }, access_token: owner.session.access_token }])));
    await sleep(200);
    let closed = false;
    socket.on('close', () => { closed = true; });
    socket.pause();  // reads nothing from here on
    const big = 'x'.repeat(4900);
    for (let round = 0; round < 40 && !/send queue full/.test(server.logs()); round++) {
      const { error } = await admin.from('notifications').insert(Array.from({ length: 100 }, () => ({ account_id: team.id, body: big })));
      assert.equal(error, null, error?.message);
    }
    await until(() => /send queue full/.test(server.logs()), 'the server to give up on the slow client', 15_000);
    socket.resume();
    socket.on('data', () => {});
    await until(() => closed, 'the connection to end', 15_000);
    assert.match(server.logs(), /GET \/realtime\/v1\/websocket 101/);
    const ok = await fetch(`${server.url}/healthz`);
    assert.equal(ok.status, 200);
  });

  it('joins are refused for unknown tables and bad filters; a bad apikey cannot connect', async () => {
    const channel = owner.client.channel('bad').on('postgres_changes', { event: '*', schema: 'public', table: 'no_such_table' }, () => {});
    const status = await new Promise((resolve) => channel.subscribe((s) => { if (s !== 'SUBSCRIBED') resolve(s); else resolve(s); }));
    assert.equal(status, 'CHANNEL_ERROR');
    await owner.client.removeChannel(channel);
    const socket = await connect(server.port);
    socket.write('GET /realtime/v1/websocket?apikey=nope&vsn=2.0.0 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n' +
      'Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n');
    const res = await readResponse(socket);
    socket.destroy();
    assert.equal(res.status, 401);
    const plain = await fetch(`${server.url}/realtime/v1/websocket`);
    assert.equal(plain.status, 426, 'without the upgrade');
  });
});

describe('Realtime for an app\'s own table (ALTER PUBLICATION supabase_realtime ADD TABLE)', () => {
  const MIGRATION = `
CREATE TABLE public.notes (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id uuid REFERENCES public.accounts(id) ON DELETE CASCADE NOT NULL,
  body text NOT NULL,
  tags jsonb NOT NULL DEFAULT '[]',
  pinned boolean NOT NULL DEFAULT false
);
ALTER TABLE public.notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY notes_read ON public.notes FOR SELECT TO authenticated USING (public.has_role_on_account(account_id));
ALTER PUBLICATION supabase_realtime ADD TABLE public.notes;
`;
  let server, admin, owner, outsider, team, dir;
  before(async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    dir = mkdtempSync(path.join(tmpdir(), 'tenantbase-realtime-migrations-'));
    writeFileSync(path.join(dir, '0001_notes.sql'), MIGRATION);
    server = await startServer({ args: [...limits, '--migrations', dir] });
    admin = adminClient(server);
    owner = await signedUpUser(server);
    outsider = await signedUpUser(server);
    team = await makeTeam(server, owner);
    for (const u of [owner, outsider]) u.client.realtime.setAuth(u.session.access_token);
  });
  after(async () => {
    for (const u of [owner, outsider]) await u.client.removeAllChannels();
    await server.stop();
    const { rmSync } = await import('node:fs');
    rmSync(dir, { recursive: true, force: true });
  });

  it('members receive the app table\'s changes under its policies, typed; others nothing', async () => {
    const listenNotes = async (user) => {
      const events = [];
      const channel = user.client.channel(`notes-${Math.random()}`)
        .on('postgres_changes', { event: '*', schema: 'public', table: 'notes', filter: `account_id=eq.${team.id}` }, (p) => events.push(p));
      await new Promise((resolve, reject) => channel.subscribe((s, err) => (s === 'SUBSCRIBED' ? resolve() : s !== 'CLOSED' && reject(err ?? new Error(s)))));
      return events;
    };
    const mine = await listenNotes(owner);
    const theirs = await listenNotes(outsider);
    const { data: note, error } = await admin.from('notes').insert({ account_id: team.id, body: 'Live', tags: ['a'], pinned: true }).select().single();
    assert.equal(error, null, error?.message);
    await until(() => mine.length === 1, 'the note');
    assert.deepEqual([mine[0].new.id, mine[0].new.body, mine[0].new.tags, mine[0].new.pinned], [note.id, 'Live', ['a'], true]);
    await admin.from('notes').delete().eq('id', note.id);
    await until(() => mine.length === 2, 'the delete');
    assert.deepEqual(mine[1].old, { id: note.id });
    await sleep(300);
    assert.equal(theirs.length, 0);
  });
});
