// Realtime Broadcast with the official client: channel.send({ type: 'broadcast' }) reaches
// the other clients joined to the same topic (realtime-js sends it as a binary frame), the
// sender only with broadcast.self, acknowledged with broadcast.ack; other topics hear
// nothing; private channels are refused (no realtime.messages policies here yet). And the
// REST broadcast: httpSend() and send() on a channel not joined reach everyone joined.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './support/server.mjs';
import { sleep, until } from './support/wait.mjs';
import { adminClient, client, signedUpUser } from './support/supabase.mjs';

const limits = ['--auth-rate-limit-per-ip', '10000', '--auth-rate-limit-per-email', '10000'];

// Joins `name` on `user`'s client; collects every broadcast of `event` ('*' for all).
async function join(user, name, { event = '*', config } = {}) {
  const received = [];
  const channel = user.client.channel(name, config ? { config } : undefined)
    .on('broadcast', { event }, (message) => received.push(message));
  const status = await new Promise((resolve) => {
    const timer = setTimeout(() => resolve('no answer'), 10_000);
    channel.subscribe((s, err) => {
      if (s === 'SUBSCRIBED' || s === 'CHANNEL_ERROR' || s === 'TIMED_OUT') {
        clearTimeout(timer);
        resolve(s === 'CHANNEL_ERROR' ? `error: ${err?.message}` : s);
      }
    });
  });
  return { channel, received, status };
}

describe('Realtime broadcast', () => {
  let server, alice, bob, carol;
  before(async () => {
    server = await startServer({ args: limits });
    [alice, bob, carol] = [await signedUpUser(server), await signedUpUser(server), await signedUpUser(server)];
    for (const u of [alice, bob, carol]) u.client.realtime.setAuth(u.session.access_token);
  });
  after(async () => {
    for (const u of [alice, bob, carol]) await u?.client.removeAllChannels();
    await server?.stop();
  });

  it('reaches the others on the topic, not the sender, not another topic', async () => {
    const a = await join(alice, 'room-1');
    const b = await join(bob, 'room-1');
    const c = await join(carol, 'room-2');
    const onlyOther = await join(carol, 'room-1', { event: 'other' });
    for (const x of [a, b, c, onlyOther]) assert.equal(x.status, 'SUBSCRIBED');

    assert.equal(await a.channel.send({ type: 'broadcast', event: 'shout', payload: { msg: 'hi', n: [1, 2] } }), 'ok');
    await until(() => b.received.length === 1, "bob's broadcast");
    assert.deepEqual(b.received[0], { type: 'broadcast', event: 'shout', payload: { msg: 'hi', n: [1, 2] } });
    await sleep(300);
    assert.equal(a.received.length, 0, 'the sender does not hear itself without self');
    assert.equal(c.received.length, 0, 'another topic hears nothing');
    assert.equal(onlyOther.received.length, 0, 'a binding for another event hears nothing');
  });

  it('self and ack: the sender hears itself and the send is acknowledged', async () => {
    const a = await join(alice, 'room-3', { config: { broadcast: { self: true, ack: true } } });
    const b = await join(bob, 'room-3');
    assert.equal(await a.channel.send({ type: 'broadcast', event: 'cursor', payload: { x: 3 } }), 'ok');
    await until(() => a.received.length === 1 && b.received.length === 1, 'both hear it');
    assert.deepEqual(a.received[0].payload, { x: 3 });
  });

  it('refuses private channels', async () => {
    const p = await join(alice, 'secret-room', { config: { private: true } });
    assert.match(p.status, /private channels are not supported yet/);
  });

  it('REST: httpSend() and send() without joining reach everyone joined to the topic', async () => {
    const a = await join(alice, 'news');
    const b = await join(bob, 'news');
    const elsewhere = await join(carol, 'other-news');
    // A server-side sender (service_role) and a signed-in user, neither joined.
    const admin = adminClient(server);
    assert.deepEqual(await admin.channel('news').httpSend('headline', { title: 'Hello' }), { success: true });
    await until(() => a.received.length === 1 && b.received.length === 1, 'both hear the REST broadcast');
    assert.deepEqual(a.received[0], { type: 'broadcast', event: 'headline', payload: { title: 'Hello' } });
    carol.client.realtime.setAuth(carol.session.access_token);
    const viaSend = await carol.client.channel('news').send({ type: 'broadcast', event: 'headline', payload: { title: 'Again' } });
    assert.equal(viaSend, 'ok');
    await until(() => b.received.length === 2, 'the send() fallback arrives');
    assert.deepEqual(b.received[1].payload, { title: 'Again' });
    await sleep(300);
    assert.equal(elsewhere.received.length, 0, 'another topic hears nothing');
    await admin.removeAllChannels();
  });

  it('REST: refuses a missing key, private channels, bad JSON and messages without a topic', async () => {
    const url = `${server.url}/realtime/v1/api/broadcast`;
    const { anon } = server.keys();
    const post = (path, body, headers = { apikey: anon }) =>
      fetch(url + path, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body });
    assert.equal((await post('', JSON.stringify({ messages: [] }), {})).status, 401);
    assert.equal((await post('', JSON.stringify({ messages: [{ topic: 't', event: 'e', payload: {}, private: true }] }))).status, 403);
    assert.equal((await post('/t/events/e?private=true', '{}')).status, 403);
    const badJson = await post('', '{nope');
    assert.equal(badJson.status, 400);
    assert.match((await badJson.json()).error, /messages/);
    assert.equal((await post('/t/events/e', 'not json')).status, 400);
    assert.equal((await post('', JSON.stringify({ messages: [{ event: 'e', payload: {} }] }))).status, 400);
    const tooMany = Array.from({ length: 101 }, () => ({ topic: 't', event: 'e', payload: {} }));
    assert.equal((await post('', JSON.stringify({ messages: tooMany }))).status, 400);
    // A private channel's httpSend, through the client.
    await assert.rejects(client(server).channel('t', { config: { private: true } }).httpSend('e', { x: 1 }), /private channels/);
  });
});
