// Deleting accounts through supabase.rpc with a one-time code: delete_personal_account and
// delete_team_account, allowed and refused; wrong codes count.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './support/server.mjs';
import { adminClient, client, signedUpUser } from './support/supabase.mjs';
import { makeTeam } from './support/tenancy.mjs';

describe('account deletion', () => {
  let server, admin;
  before(async () => {
    server = await startServer({ args: ['--auth-rate-limit-per-ip', '10000', '--auth-rate-limit-per-email', '10000'] });
    admin = adminClient(server);
  });
  after(async () => { await server.stop(); });

  const code = async (user) => (await user.client.rpc('create_one_time_token', { purpose: 'account-deletion' })).data;
  const wrong = (t) => (t.token === '000000' ? '000001' : '000000');

  it('delete_team_account: only the primary owner, only with a valid code; everything cascades', async () => {
    const owner = await signedUpUser(server);
    const member = await signedUpUser(server);
    const team = await makeTeam(server, owner, [[member, 'member']]);
    await admin.rpc('create_notification', { account_id: team.id, body: 'hello' });
    const memberCode = await code(member);
    const byMember = await member.client.rpc('delete_team_account', { account_id: team.id, otp: memberCode.token });
    assert.equal(byMember.error.code, 'P0001');
    const t = await code(owner);
    const bad = await owner.client.rpc('delete_team_account', { account_id: team.id, otp: wrong(t) });
    assert.equal(bad.error.code, 'P0001');
    assert.match(bad.error.message, /Invalid or expired code/);
    const status = (await owner.client.rpc('get_one_time_token_status', { id: t.id })).data;
    assert.equal(status.verification_attempts, 1, 'the wrong code was counted and kept');
    const ok = await owner.client.rpc('delete_team_account', { account_id: team.id, otp: t.token });
    assert.equal(ok.error, null, ok.error?.message);
    assert.deepEqual((await admin.from('accounts').select('id').eq('id', team.id)).data, []);
    assert.deepEqual((await admin.from('accounts_memberships').select('user_id').eq('account_id', team.id)).data, []);
    assert.deepEqual((await admin.from('notifications').select('id').eq('account_id', team.id)).data, []);
    const reused = await owner.client.rpc('delete_team_account', { account_id: team.id, otp: t.token });
    assert.equal(reused.error.code, 'P0001');
  });

  it('delete_personal_account: refused while owning a team, then deletes the user', async () => {
    const user = await signedUpUser(server);
    const team = await makeTeam(server, user, [], { name: 'Keep Me Inc' });
    const refused = await user.client.rpc('delete_personal_account', { otp: (await code(user)).token });
    assert.equal(refused.error.code, 'P0001');
    assert.match(refused.error.message, /Keep Me Inc/);
    await user.client.rpc('delete_team_account', { account_id: team.id, otp: (await code(user)).token });
    const ok = await user.client.rpc('delete_personal_account', { otp: (await code(user)).token });
    assert.equal(ok.error, null, ok.error?.message);
    assert.equal((await admin.auth.admin.getUserById(user.user.id)).error?.status, 404);
    assert.deepEqual((await admin.from('accounts').select('id').eq('id', user.user.id)).data, []);
    const signIn = await client(server).auth.signInWithPassword({ email: user.email, password: user.password });
    assert.equal(signIn.error.code, 'invalid_credentials');
  });

  it('refuses anon and a code of another purpose', async () => {
    const user = await signedUpUser(server);
    assert.equal((await client(server).rpc('delete_personal_account', { otp: '123456' })).status, 401);
    const other = (await user.client.rpc('create_one_time_token', { purpose: 'something-else' })).data;
    const refused = await user.client.rpc('delete_personal_account', { otp: other.token });
    assert.equal(refused.error.code, 'P0001');
    assert.equal((await admin.auth.admin.getUserById(user.user.id)).error, null, 'still there');
  });
});
