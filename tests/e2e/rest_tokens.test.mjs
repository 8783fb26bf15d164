// The seed's one-time tokens through supabase.rpc: create, verify (single use, purpose,
// scopes, expiry, capped attempts), revoke and status, for a user and for service_role.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './support/server.mjs';
import { client, adminClient, signedUpUser } from './support/supabase.mjs';
import { sleep } from './support/raw_http.mjs';

describe('one-time tokens', () => {
  let server, admin, alice, bob;
  before(async () => {
    server = await startServer({ args: ['--auth-rate-limit-per-ip', '10000', '--auth-rate-limit-per-email', '10000'] });
    admin = adminClient(server);
    alice = await signedUpUser(server);
    bob = await signedUpUser(server);
  });
  after(async () => { await server.stop(); });

  const create = (c, args) => c.rpc('create_one_time_token', args);
  const verify = (c, args) => c.rpc('verify_one_time_token', args);

  it('a code works once, for its purpose, and only its hash is stored', async () => {
    const { data, error } = await create(alice.client, { purpose: 'account-deletion', metadata: { reason: 'test' } });
    assert.equal(error, null, error?.message);
    assert.match(data.token, /^\d{6}$/);
    assert.ok(new Date(data.expires_at) > new Date());
    const stored = await admin.from('one_time_tokens').select('token, purpose, target_id').eq('id', data.id).single();
    assert.notEqual(stored.data.token, data.token);
    assert.ok(!stored.data.token.includes(data.token));
    assert.equal(stored.data.target_id, alice.user.id);
    assert.equal((await verify(alice.client, { token: data.token, purpose: 'other-purpose' })).data.valid, false);
    const ok = await verify(alice.client, { token: data.token, purpose: 'account-deletion' });
    assert.equal(ok.error, null, ok.error?.message);
    assert.equal(ok.data.valid, true);
    assert.equal(ok.data.user_id, alice.user.id);
    assert.deepEqual(ok.data.metadata, { reason: 'test' });
    const again = await verify(alice.client, { token: data.token, purpose: 'account-deletion' });
    assert.equal(again.data.valid, false, 'single use');
    const status = await alice.client.rpc('get_one_time_token_status', { id: data.id });
    assert.equal(status.data.status, 'used');
  });

  it('a new code revokes the previous one of the same purpose', async () => {
    const first = (await create(alice.client, { purpose: 'confirm' })).data;
    const second = await create(alice.client, { purpose: 'confirm' });
    assert.equal(second.data.revoked_previous_count, 1);
    assert.equal((await verify(alice.client, { token: first.token, purpose: 'confirm' })).data.valid, first.token === second.data.token);
    assert.equal((await verify(alice.client, { token: second.data.token, purpose: 'confirm' })).data.valid, true);
  });

  it('scopes must cover what the verifier requires', async () => {
    const t = (await create(alice.client, { purpose: 'scoped', scopes: ['read', 'write'] })).data;
    const missing = await verify(alice.client, { token: t.token, purpose: 'scoped', required_scopes: ['admin'] });
    assert.equal(missing.data.valid, false);
    assert.match(missing.data.message, /scopes/);
    const ok = await verify(alice.client, { token: t.token, purpose: 'scoped', required_scopes: ['read'] });
    assert.equal(ok.data.valid, true);
    assert.deepEqual(ok.data.scopes, ['read', 'write']);
  });

  it('wrong codes are counted and the code dies at the cap', async () => {
    const t = (await create(alice.client, { purpose: 'capped' })).data;
    const wrong = t.token === '000000' ? '000001' : '000000';
    for (let i = 0; i < 3; i++) {
      assert.equal((await verify(alice.client, { token: wrong, purpose: 'capped', max_verification_attempts: 3 })).data.valid, false);
    }
    const late = await verify(alice.client, { token: t.token, purpose: 'capped', max_verification_attempts: 3 });
    assert.equal(late.data.valid, false, 'the right code no longer works');
    const status = (await alice.client.rpc('get_one_time_token_status', { id: t.id })).data;
    assert.equal(status.status, 'revoked');
    assert.equal(status.verification_attempts, 3);
  });

  it('expires', async () => {
    const t = (await create(alice.client, { purpose: 'short', expires_in_seconds: 1 })).data;
    await sleep(1200);
    assert.equal((await verify(alice.client, { token: t.token, purpose: 'short' })).data.valid, false);
  });

  it('link tokens are long and name their user', async () => {
    const t = (await create(alice.client, { purpose: 'magic', format: 'link' })).data;
    assert.match(t.token, /^[0-9a-f]{64}$/);
    const ok = await verify(admin, { token: t.token, purpose: 'magic' });
    assert.equal(ok.data.valid, true);
    assert.equal(ok.data.user_id, alice.user.id);
  });

  it('a user handles only their own tokens; service_role anyone\'s', async () => {
    const t = (await create(alice.client, { purpose: 'private' })).data;
    assert.equal((await verify(bob.client, { token: t.token, purpose: 'private' })).data.valid, false, 'bob has no such code');
    const foreign = await verify(bob.client, { token: t.token, purpose: 'private', user_id: alice.user.id });
    assert.equal(foreign.error.code, '42501');
    assert.equal((await bob.client.rpc('get_one_time_token_status', { id: t.id })).data, null);
    assert.equal((await bob.client.rpc('revoke_one_time_token', { id: t.id })).data, false);
    assert.equal((await alice.client.rpc('revoke_one_time_token', { id: t.id, reason: 'changed my mind' })).data, true);
    assert.equal((await alice.client.rpc('revoke_one_time_token', { id: t.id })).data, false);
    const forBob = await create(admin, { purpose: 'support', target_id: bob.user.id });
    assert.equal(forBob.error, null, forBob.error?.message);
    assert.equal((await verify(admin, { token: forBob.data.token, purpose: 'support', user_id: bob.user.id })).data.valid, true);
    const noTarget = await create(admin, { purpose: 'support' });
    assert.equal(noTarget.error.code, '42501');
    const impersonate = await create(bob.client, { purpose: 'x', target_id: alice.user.id });
    assert.equal(impersonate.error.code, '42501');
  });

  it('refuses anon, bad arguments and auth\'s own purposes', async () => {
    assert.equal((await create(client(server), { purpose: 'x' })).status, 401);
    assert.equal((await create(alice.client, { purpose: 'x', format: 'qr' })).error.code, '22023');
    assert.equal((await create(alice.client, { purpose: 'x', expires_in_seconds: 0 })).error.code, '22023');
    assert.equal((await create(alice.client, { purpose: 'x', expires_in_seconds: 'soon' })).error.code, '22P02');
    assert.equal((await create(alice.client, { purpose: 'recovery' })).error.code, '22023');
    assert.equal((await create(alice.client, { purpose: 'x', scopes: 'all' })).error.code, '22P02');
  });
});
