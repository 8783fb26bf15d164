// Realtime Presence with the official client: channel.track() shows a client to everyone
// on the topic (presence_state on join, presence_diff after), a second track replaces the
// first, untrack and leaving the channel take it away, presence keys group metas.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './support/server.mjs';
import { sleep, until } from './support/wait.mjs';
import { signedUpUser } from './support/supabase.mjs';

const limits = ['--auth-rate-limit-per-ip', '10000', '--auth-rate-limit-per-email', '10000'];

// Joins `name` with presence (key `key`); records join/leave events.
async function join(user, name, key) {
  const events = [];
  const channel = user.client.channel(name, { config: { presence: { key } } })
    .on('presence', { event: 'sync' }, () => events.push({ event: 'sync' }))
    .on('presence', { event: 'join' }, ({ key: k, newPresences }) => events.push({ event: 'join', key: k, newPresences }))
    .on('presence', { event: 'leave' }, ({ key: k, leftPresences }) => events.push({ event: 'leave', key: k, leftPresences }));
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('not subscribed in 10 s')), 10_000);
    channel.subscribe((s, err) => {
      if (s === 'SUBSCRIBED') { clearTimeout(timer); resolve(); }
      else if (s === 'CHANNEL_ERROR' || s === 'TIMED_OUT') { clearTimeout(timer); reject(err ?? new Error(s)); }
    });
  });
  return { channel, events };
}

// presenceState() without the presence_ref of each meta: key → [payload, …].
function state(channel) {
  return Object.fromEntries(Object.entries(channel.presenceState()).map(([k, metas]) =>
    [k, metas.map(({ presence_ref, ...rest }) => { assert.ok(presence_ref, JSON.stringify(channel.presenceState())); return rest; })]));
}

describe('Realtime presence', () => {
  let server, alice, bob;
  before(async () => {
    server = await startServer({ args: limits });
    [alice, bob] = [await signedUpUser(server), await signedUpUser(server)];
    for (const u of [alice, bob]) u.client.realtime.setAuth(u.session.access_token);
  });
  after(async () => {
    for (const u of [alice, bob]) await u?.client.removeAllChannels();
    await server?.stop();
  });

  it('track, re-track, untrack and leave are seen by everyone on the topic', async () => {
    const a = await join(alice, 'lobby', 'alice');
    assert.equal(await a.channel.track({ status: 'online' }), 'ok');
    await until(() => state(a.channel).alice?.length === 1, 'alice sees herself');

    // A later joiner gets the whole state at once.
    const b = await join(bob, 'lobby', 'bob');
    await until(() => state(b.channel).alice !== undefined, 'bob sees alice on joining');
    assert.deepEqual(state(b.channel), { alice: [{ status: 'online' }] });

    assert.equal(await b.channel.track({ status: 'typing' }), 'ok');
    await until(() => state(a.channel).bob !== undefined, 'alice sees bob');
    assert.deepEqual(state(a.channel), { alice: [{ status: 'online' }], bob: [{ status: 'typing' }] });
    assert.ok(a.events.some((e) => e.event === 'join' && e.key === 'bob'));

    // Tracking again replaces: still one meta for bob, the new one.
    assert.equal(await b.channel.track({ status: 'idle' }), 'ok');
    await until(() => state(a.channel).bob?.[0]?.status === 'idle', 'the new meta');
    assert.equal(state(a.channel).bob.length, 1);

    assert.equal(await b.channel.untrack(), 'ok');
    await until(() => state(a.channel).bob === undefined, 'bob untracked');
    assert.ok(a.events.some((e) => e.event === 'leave' && e.key === 'bob'));

    // Leaving the channel takes alice's presence with it.
    await alice.client.removeChannel(a.channel);
    await until(() => state(b.channel).alice === undefined, 'alice gone for bob');
    assert.deepEqual(state(b.channel), {});
  });

  it('another topic sees none of it', async () => {
    const x = await join(alice, 'room-x', 'alice');
    const y = await join(bob, 'room-y', 'bob');
    assert.equal(await x.channel.track({ here: true }), 'ok');
    await until(() => state(x.channel).alice !== undefined, 'alice in room-x');
    await sleep(300);
    assert.deepEqual(state(y.channel), {});
  });
});
