// The super-admin RPCs through supabase.rpc: list and search accounts and users page by
// page, ban and unban, delete a user or a team — each only for a super admin at aal2, and
// each refusal (not a super admin, aal1, acting on oneself, a team owner) changing nothing.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './support/server.mjs';
import { client, adminClient, signedUpUser } from './support/supabase.mjs';
import { userWithVerifiedFactor } from './support/mfa.mjs';
import { makeTeam } from './support/tenancy.mjs';

describe('super-admin RPCs', () => {
  let server, admin, boss, weakBoss, owner, member, team;
  before(async () => {
    server = await startServer({ args: ['--auth-rate-limit-per-ip', '10000', '--auth-rate-limit-per-email', '10000'] });
    admin = adminClient(server);
    boss = await userWithVerifiedFactor(server);
    assert.equal((await admin.from('super_admins').insert({ user_id: boss.user.id })).error, null);
    // The same super admin signed in with only a password: aal1.
    weakBoss = client(server);
    assert.equal((await weakBoss.auth.signInWithPassword({ email: boss.email, password: boss.password })).error, null);
    owner = await signedUpUser(server, { data: { name: 'Olive Owner' } });
    member = await signedUpUser(server);
    team = await makeTeam(server, owner, [[member, 'member']], { name: 'Searchable Widgets 100%' });
  });
  after(async () => { await server.stop(); });

  const denied = (result) => {
    assert.equal(result.data, null);
    assert.equal(result.error?.code, '42501', JSON.stringify(result.error));
    assert.equal(result.status, 403);
  };

  it('every admin RPC refuses a plain user and an aal1 super admin, changing nothing', async () => {
    for (const c of [member.client, weakBoss]) {
      denied(await c.rpc('admin_list_accounts', {}));
      denied(await c.rpc('admin_list_users', {}));
      denied(await c.rpc('admin_ban_user', { user_id: owner.user.id }));
      denied(await c.rpc('admin_unban_user', { user_id: owner.user.id }));
      denied(await c.rpc('admin_delete_user', { user_id: member.user.id }));
      denied(await c.rpc('admin_delete_team_account', { account_id: team.id }));
    }
    const anon = await client(server).rpc('admin_list_users', {});
    assert.equal(anon.status, 401);
    // Nothing changed.
    const { data } = await admin.from('accounts_memberships').select('user_id').eq('account_id', team.id);
    assert.equal(data.length, 2);
  });

  it('lists and searches accounts with paging', async () => {
    const found = await boss.client.rpc('admin_list_accounts', { search: 'widgets 100%' });
    assert.equal(found.error, null, found.error?.message);
    assert.deepEqual(found.data.map((a) => [a.id, a.slug, a.member_count, a.is_personal_account]), [[team.id, team.slug, 2, false]]);
    // % is literal: "100x" matches nothing.
    assert.deepEqual((await boss.client.rpc('admin_list_accounts', { search: 'widgets 100x' })).data, []);
    const byId = await boss.client.rpc('admin_list_accounts', { search: owner.user.id.toUpperCase() });
    assert.deepEqual(byId.data.map((a) => a.name), ['Olive Owner']);
    const personal = await boss.client.rpc('admin_list_accounts', { is_personal_account: true });
    assert.ok(personal.data.length >= 3 && personal.data.every((a) => a.is_personal_account));
    const teams = await boss.client.rpc('admin_list_accounts', { is_personal_account: false });
    assert.ok(teams.data.some((a) => a.id === team.id) && teams.data.every((a) => !a.is_personal_account));
    // Pages: newest first, no overlap, together the whole list.
    const all = (await boss.client.rpc('admin_list_accounts', {})).data;
    const first = await boss.client.rpc('admin_list_accounts', {}).range(0, 1);
    const second = await boss.client.rpc('admin_list_accounts', {}).range(2, 3);
    assert.deepEqual([...first.data, ...second.data].map((a) => a.id), all.slice(0, 4).map((a) => a.id));
    const times = all.map((a) => a.created_at);
    assert.deepEqual([...times].sort().reverse(), times);
  });

  it('lists and searches users, marking super admins', async () => {
    const found = await boss.client.rpc('admin_list_users', { search: member.email.slice(0, 12).toUpperCase() });
    assert.ok(found.data.some((u) => u.id === member.user.id));
    const exact = await boss.client.rpc('admin_list_users', { search: member.email });
    assert.deepEqual(exact.data.map((u) => [u.id, u.is_super_admin, u.banned_until]), [[member.user.id, false, null]]);
    const me = await boss.client.rpc('admin_list_users', { search: boss.user.id });
    assert.equal(me.data[0].is_super_admin, true);
    const page = await boss.client.rpc('admin_list_users', {}).range(0, 0);
    assert.equal(page.data.length, 1);
    assert.equal(Object.hasOwn(page.data[0], 'encrypted_password'), false, 'no secrets in the listing');
  });

  it('bans a user until unbanned; a super admin cannot ban themselves', async () => {
    const victim = await signedUpUser(server);
    const ok = await boss.client.rpc('admin_ban_user', { user_id: victim.user.id, duration: '24h' });
    assert.equal(ok.error, null, ok.error?.message);
    const listed = (await boss.client.rpc('admin_list_users', { search: victim.user.id })).data[0];
    const hours = (new Date(listed.banned_until) - Date.now()) / 3_600_000;
    assert.ok(hours > 23.9 && hours <= 24, `banned for ${hours} h`);
    const blocked = await victim.client.from('accounts').select('id');
    assert.equal(blocked.status, 403, 'a banned user\'s token fails');
    assert.deepEqual(blocked.data, null);
    const signIn = await client(server).auth.signInWithPassword({ email: victim.email, password: victim.password });
    assert.notEqual(signIn.error, null);
    assert.equal((await boss.client.rpc('admin_unban_user', { user_id: victim.user.id })).error, null);
    const again = await client(server).auth.signInWithPassword({ email: victim.email, password: victim.password });
    assert.equal(again.error, null, again.error?.message);
    const self = await boss.client.rpc('admin_ban_user', { user_id: boss.user.id });
    assert.equal(self.error.code, 'P0001');
    assert.match(self.error.message, /themselves/);
    const bad = await boss.client.rpc('admin_ban_user', { user_id: victim.user.id, duration: '1 day' });
    assert.equal(bad.error.code, '22023');
    const nobody = await boss.client.rpc('admin_ban_user', { user_id: '00000000-0000-4000-8000-000000000000' });
    assert.equal(nobody.error.code, 'P0001');
    assert.match(nobody.error.message, /not found/);
  });

  it('deletes a user (not a team owner, not oneself) and a team account (not a personal one)', async () => {
    const refused = await boss.client.rpc('admin_delete_user', { user_id: owner.user.id });
    assert.equal(refused.error.code, 'P0001');
    assert.match(refused.error.message, /Searchable Widgets 100%/);
    assert.equal((await boss.client.rpc('admin_delete_user', { user_id: boss.user.id })).error.code, 'P0001');
    const personal = await boss.client.rpc('admin_delete_team_account', { account_id: owner.user.id });
    assert.equal(personal.error.code, 'P0001');

    const gone = await boss.client.rpc('admin_delete_team_account', { account_id: team.id });
    assert.equal(gone.error, null, gone.error?.message);
    assert.deepEqual((await admin.from('accounts').select('id').eq('id', team.id)).data, []);
    assert.deepEqual((await admin.from('accounts_memberships').select('user_id').eq('account_id', team.id)).data, []);

    const user = await boss.client.rpc('admin_delete_user', { user_id: member.user.id });
    assert.equal(user.error, null, user.error?.message);
    assert.deepEqual((await admin.from('accounts').select('id').eq('id', member.user.id)).data, [], 'the personal account went with the user');
    const { data } = await admin.auth.admin.getUserById(member.user.id);
    assert.equal(data.user, null);
  });
});
