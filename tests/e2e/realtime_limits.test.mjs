// Realtime limits per user: a signed-in user may hold channels on so many connections and
// so many channels in all (--realtime-max-connections-per-user, --realtime-max-channels-
// per-user). A join past either is refused with the reason; other users are unaffected;
// a connection that closes frees its share. And a connection's broadcast and presence
// messages per second (--realtime-max-messages-per-second): past it they are dropped and
// answered with an error, until the budget refills.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './support/server.mjs';
import { sleep, until } from './support/wait.mjs';
import { client, signedUpUser } from './support/supabase.mjs';

const args = ['--auth-rate-limit-per-ip', '10000', '--auth-rate-limit-per-email', '10000',
  '--realtime-max-connections-per-user', '2', '--realtime-max-channels-per-user', '3'];

// Joins a notifications channel on `c`; resolves 'SUBSCRIBED' or the error's message.
function join(c, name) {
  const channel = c.channel(name).on('postgres_changes', { event: '*', schema: 'public', table: 'notifications' }, () => {});
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('no answer in 10 s'), 10_000);
    channel.subscribe((status, err) => {
      if (status === 'SUBSCRIBED') {
        clearTimeout(timer);
        resolve('SUBSCRIBED');
      } else if (status === 'CHANNEL_ERROR' || status === 'TIMED_OUT') {
        clearTimeout(timer);
        resolve(err?.message ?? status);
      }
    });
  });
}

// A fresh client (its own WebSocket) acting as `user`.
function connectionOf(server, user) {
  const c = client(server);
  c.realtime.setAuth(user.session.access_token);
  return c;
}

describe('Realtime limits per user', () => {
  let server, alice, bob;
  const opened = [];
  const open = (user) => {
    const c = connectionOf(server, user);
    opened.push(c);
    return c;
  };
  before(async () => {
    server = await startServer({ args });
    alice = await signedUpUser(server);
    bob = await signedUpUser(server);
  });
  after(async () => {
    for (const c of opened) await c.removeAllChannels();
    await server?.stop();
  });

  it('refuses a third connection and a fourth channel for one user, not for another', async () => {
    const first = open(alice);
    const second = open(alice);
    assert.equal(await join(first, 'a1'), 'SUBSCRIBED');
    assert.equal(await join(second, 'a2'), 'SUBSCRIBED');
    // A third connection of alice's may not join anything.
    const third = open(alice);
    assert.match(await join(third, 'a3'), /too many realtime connections for this user \(2\)/);
    // More channels on a connection she already uses count against her channel limit.
    assert.equal(await join(first, 'a4'), 'SUBSCRIBED');
    assert.match(await join(second, 'a5'), /too many realtime channels for this user \(3\)/);
    // Bob is a different user: his own limits.
    const bobs = open(bob);
    assert.equal(await join(bobs, 'b1'), 'SUBSCRIBED');
    assert.equal(await join(open(bob), 'b2'), 'SUBSCRIBED');

    // Leaving frees the share: alice's first connection drops its channels, and the third
    // connection may now join.
    await first.removeAllChannels();
    assert.equal(await join(third, 'a6'), 'SUBSCRIBED');
  });
});

describe('Realtime message rate per connection', () => {
  let server, alice, bob;
  before(async () => {
    server = await startServer({ args: ['--auth-rate-limit-per-ip', '10000', '--auth-rate-limit-per-email', '10000',
      '--realtime-max-messages-per-second', '5'] });
    [alice, bob] = [await signedUpUser(server), await signedUpUser(server)];
    for (const u of [alice, bob]) u.client.realtime.setAuth(u.session.access_token);
  });
  after(async () => {
    for (const u of [alice, bob]) await u?.client.removeAllChannels();
    await server?.stop();
  });

  // Joins `name` on `user`'s client for broadcasts; collects what arrives.
  async function joinBroadcast(user, name, config) {
    const received = [];
    const channel = user.client.channel(name, config ? { config } : undefined)
      .on('broadcast', { event: '*' }, (m) => received.push(m));
    await new Promise((resolve, reject) => {
      channel.subscribe((status, err) => {
        if (status === 'SUBSCRIBED') resolve();
        else if (status === 'CHANNEL_ERROR' || status === 'TIMED_OUT') reject(err ?? new Error(status));
      });
    });
    return { channel, received };
  }

  it('drops a flood past the budget with an error, delivers what fits, and refills', async () => {
    const sender = await joinBroadcast(alice, 'flood', { broadcast: { ack: true } });
    const listener = await joinBroadcast(bob, 'flood');
    const started = Date.now();
    const answers = [];
    for (let i = 0; i < 30; i++) {
      answers.push(await sender.channel.send({ type: 'broadcast', event: 'spam', payload: { i } }));
    }
    const seconds = (Date.now() - started) / 1000;
    const accepted = answers.filter((a) => a === 'ok').length;
    assert.ok(accepted >= 5, `the first 5 fit the budget (${accepted} accepted)`);
    assert.ok(accepted <= 5 + Math.ceil(seconds * 5) + 1, `${accepted} accepted in ${seconds}s`);
    assert.ok(answers.includes('error'), 'the rest were refused');
    await until(() => listener.received.length === accepted, 'the accepted ones arrive');
    await sleep(300);
    assert.equal(listener.received.length, accepted, 'nothing refused was delivered');
    // A second later the budget has refilled.
    await sleep(1100);
    assert.equal(await sender.channel.send({ type: 'broadcast', event: 'spam', payload: { i: 'again' } }), 'ok');
    await until(() => listener.received.at(-1)?.payload?.i === 'again', 'the message after the pause');
  });
});
