// Team accounts through supabase.rpc: create_team_account, team_account_workspace and
// get_account_members, each allowed and refused, driven by the official supabase-js client.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './support/server.mjs';
import { client, adminClient, signedUpUser } from './support/supabase.mjs';

describe('team accounts', () => {
  let server, admin, owner, member, outsider;
  before(async () => {
    server = await startServer({ args: ['--auth-rate-limit-per-ip', '10000', '--auth-rate-limit-per-email', '10000'] });
    admin = adminClient(server);
    owner = await signedUpUser(server, { data: { name: 'Olive Owner' } });
    member = await signedUpUser(server, { data: { name: 'Max Member' } });
    outsider = await signedUpUser(server);
  });
  after(async () => { await server.stop(); });

  it('create_team_account makes the caller primary owner and an owner member, with a unique slug', async () => {
    const { data, error, status } = await owner.client.rpc('create_team_account', { account_name: '  Acme, Inc.  ' });
    assert.equal(error, null, error?.message);
    assert.equal(status, 200);
    assert.equal(data.name, 'Acme, Inc.');
    assert.equal(data.slug, 'acme-inc');
    assert.equal(data.is_personal_account, false);
    assert.equal(data.primary_owner_user_id, owner.user.id);
    const memberships = await owner.client.from('accounts_memberships').select('user_id, account_role').eq('account_id', data.id);
    assert.deepEqual(memberships.data, [{ user_id: owner.user.id, account_role: 'owner' }]);
    const again = await outsider.client.rpc('create_team_account', { account_name: 'ACME inc' });
    assert.equal(again.data.slug, 'acme-inc-2', 'slugs stay unique');
    assert.equal((await outsider.client.rpc('create_team_account', { account_name: '!!!' })).data.slug, 'team');
  });

  it('create_team_account is refused when team accounts are off, for anon, and for a bad name', async () => {
    assert.equal((await admin.from('config').update({ enable_team_accounts: false }).neq('billing_provider', 'paddle')).error, null);
    try {
      const off = await owner.client.rpc('create_team_account', { account_name: 'Nope' });
      assert.equal(off.error.code, 'P0001');
      assert.equal(off.status, 400);
      assert.match(off.error.message, /not enabled/);
    } finally {
      await admin.from('config').update({ enable_team_accounts: true }).neq('billing_provider', 'paddle');
    }
    const anon = await client(server).rpc('create_team_account', { account_name: 'Anon Inc' });
    assert.equal(anon.status, 401);
    const empty = await owner.client.rpc('create_team_account', { account_name: '   ' });
    assert.equal(empty.error.code, '22023');
    const missing = await owner.client.rpc('create_team_account', {});
    assert.equal(missing.error.code, 'PGRST202');
    const none = await admin.from('accounts').select('id').in('name', ['Nope', 'Anon Inc']);
    assert.deepEqual(none.data, [], 'nothing was created by a refused call');
  });

  it('created_by, updated_by and the timestamps are the server\'s: never taken from a client', async () => {
    const team = (await owner.client.rpc('create_team_account', { account_name: 'Audited' })).data;
    const read = async () => (await admin.from('accounts').select('created_at, created_by, updated_at, updated_by').eq('id', team.id).single()).data;
    const created = await read();
    assert.equal(created.created_by, owner.user.id, 'the workflow records its caller');
    assert.equal(created.updated_by, owner.user.id);
    const membership = (await admin.from('accounts_memberships').select('created_by').eq('account_id', team.id).single()).data;
    assert.equal(membership.created_by, owner.user.id);
    // The owner renames the team and tries to rewrite its history.
    const forged = await owner.client.from('accounts')
      .update({ name: 'Audited 2', created_by: outsider.user.id, updated_by: outsider.user.id, created_at: '2000-01-01T00:00:00Z' })
      .eq('id', team.id).select('name');
    assert.equal(forged.error, null, forged.error?.message);
    const after = await read();
    assert.equal(after.created_by, owner.user.id);
    assert.equal(after.created_at, created.created_at);
    assert.equal(after.updated_by, owner.user.id);
    assert.ok(after.updated_at > created.updated_at, 'updated_at moves');
    // service_role is nobody.
    assert.equal((await admin.from('accounts').update({ name: 'Audited 3' }).eq('id', team.id)).error, null);
    assert.equal((await read()).updated_by, null);
    // An invitation a member inserts directly gets the server's timestamps.
    const invitation = await owner.client.from('invitations')
      .insert({ email: 'audit@example.com', account_id: team.id, role: 'member', invited_by: owner.user.id, invite_token: `t-${Date.now()}`, created_at: '2001-01-01T00:00:00Z' })
      .select('created_at').single();
    assert.equal(invitation.error, null, invitation.error?.message);
    assert.ok(Math.abs(new Date(invitation.data.created_at) - Date.now()) < 60_000, invitation.data.created_at);
  });

  describe('workspace and members', () => {
    let team;
    before(async () => {
      team = (await owner.client.rpc('create_team_account', { account_name: 'Workspace Co' })).data;
      const joined = await admin.from('accounts_memberships').insert({ user_id: member.user.id, account_id: team.id, account_role: 'member' });
      assert.equal(joined.error, null, joined.error?.message);
    });

    it('team_account_workspace shows the caller\'s role and permissions, to members only', async () => {
      const { data, error } = await member.client.rpc('team_account_workspace', { account_slug: team.slug });
      assert.equal(error, null, error?.message);
      assert.equal(data.length, 1);
      const ws = data[0];
      assert.equal(ws.id, team.id);
      assert.equal(ws.role, 'member');
      assert.equal(ws.role_hierarchy_level, 2);
      assert.equal(ws.primary_owner_user_id, owner.user.id);
      assert.equal(ws.subscription_status, null);
      assert.deepEqual([...ws.permissions].sort(), ['invites.manage', 'members.manage']);
      const mine = (await owner.client.rpc('team_account_workspace', { account_slug: team.slug })).data[0];
      assert.ok(mine.permissions.includes('settings.manage'));
      assert.deepEqual((await outsider.client.rpc('team_account_workspace', { account_slug: team.slug })).data, []);
    });

    it('get_account_members lists members with their names, highest role first, paged', async () => {
      const { data, error } = await member.client.rpc('get_account_members', { account_slug: team.slug });
      assert.equal(error, null, error?.message);
      assert.deepEqual(data.map((m) => [m.user_id, m.role, m.name]),
        [[owner.user.id, 'owner', 'Olive Owner'], [member.user.id, 'member', 'Max Member']]);
      assert.equal(data[1].email, member.email);
      assert.equal(data[0].primary_owner_user_id, owner.user.id);
      const first = await member.client.rpc('get_account_members', { account_slug: team.slug }).range(0, 0);
      const second = await member.client.rpc('get_account_members', { account_slug: team.slug }).range(1, 1);
      assert.deepEqual([first.data.map((m) => m.user_id), second.data.map((m) => m.user_id)], [[owner.user.id], [member.user.id]]);
      assert.deepEqual((await outsider.client.rpc('get_account_members', { account_slug: team.slug })).data, []);
      assert.deepEqual((await member.client.rpc('get_account_members', { account_slug: 'no-such-team' })).data, []);
    });
  });

  describe('members, roles and ownership', () => {
    let team, alice, bob, carol, managerRole;
    before(async () => {
      alice = await signedUpUser(server);
      bob = await signedUpUser(server);
      carol = await signedUpUser(server);
      team = (await owner.client.rpc('create_team_account', { account_name: 'Roles Co' })).data;
      // A custom role between owner and member (the seed's manager at 1.5) with members.manage.
      managerRole = `manager-${Date.now()}`;
      assert.equal((await admin.from('roles').insert({ name: managerRole, hierarchy_level: 1.5 })).error, null);
      assert.equal((await admin.from('role_permissions').insert({ role: managerRole, permission: 'members.manage' })).error, null);
      const joined = await admin.from('accounts_memberships').insert([
        { user_id: alice.user.id, account_id: team.id, account_role: managerRole },
        { user_id: bob.user.id, account_id: team.id, account_role: 'member' },
        { user_id: carol.user.id, account_id: team.id, account_role: 'member' },
      ]);
      assert.equal(joined.error, null, joined.error?.message);
    });
    const roleOf = async (user) => (await admin.from('accounts_memberships').select('account_role')
      .eq('account_id', team.id).eq('user_id', user.user.id).maybeSingle()).data?.account_role;

    it('update_member_role: a higher role changes a lower one, never above itself, never the primary owner', async () => {
      const ok = await alice.client.rpc('update_member_role', { account_id: team.id, user_id: bob.user.id, role: managerRole });
      assert.equal(ok.error, null, ok.error?.message);
      assert.equal(await roleOf(bob), managerRole);
      const peer = await alice.client.rpc('update_member_role', { account_id: team.id, user_id: bob.user.id, role: 'member' });
      assert.equal(peer.error.code, 'P0001', 'an equal role cannot be actioned');
      const above = await alice.client.rpc('update_member_role', { account_id: team.id, user_id: carol.user.id, role: 'owner' });
      assert.equal(above.error.code, 'P0001');
      assert.match(above.error.message, /above your own/);
      const primary = await alice.client.rpc('update_member_role', { account_id: team.id, user_id: owner.user.id, role: 'member' });
      assert.match(primary.error.message, /primary owner/);
      const lowly = await carol.client.rpc('update_member_role', { account_id: team.id, user_id: bob.user.id, role: 'member' });
      assert.equal(lowly.error.code, 'P0001');
      const stranger = await outsider.client.rpc('update_member_role', { account_id: team.id, user_id: carol.user.id, role: 'member' });
      assert.equal(stranger.error.code, 'P0001');
      const unknown = await owner.client.rpc('update_member_role', { account_id: team.id, user_id: carol.user.id, role: 'emperor' });
      assert.equal(unknown.error.code, '22023');
      assert.equal(await roleOf(carol), 'member');
      assert.equal(await roleOf(owner), 'owner');
    });

    it('remove_member: only a higher role removes, never the primary owner', async () => {
      const upward = await carol.client.rpc('remove_member', { account_id: team.id, user_id: bob.user.id });
      assert.equal(upward.error.code, 'P0001', 'a member cannot remove a manager');
      assert.equal(await roleOf(bob), managerRole);
      const done = await alice.client.rpc('remove_member', { account_id: team.id, user_id: carol.user.id });
      assert.equal(done.error, null, done.error?.message);
      assert.equal(await roleOf(carol), undefined);
      const primary = await alice.client.rpc('remove_member', { account_id: team.id, user_id: owner.user.id });
      assert.match(primary.error.message, /primary owner/);
      const gone = await alice.client.rpc('remove_member', { account_id: team.id, user_id: carol.user.id });
      assert.match(gone.error.message, /not a member/);
    });

    it('transfer_team_account_ownership: only the primary owner, only to a member, all at once', async () => {
      const notOwner = await alice.client.rpc('transfer_team_account_ownership', { target_account_id: team.id, new_owner_id: alice.user.id });
      assert.equal(notOwner.error.code, 'P0001');
      const notMember = await owner.client.rpc('transfer_team_account_ownership', { target_account_id: team.id, new_owner_id: outsider.user.id });
      assert.match(notMember.error.message, /must be a member/);
      const done = await owner.client.rpc('transfer_team_account_ownership', { target_account_id: team.id, new_owner_id: bob.user.id });
      assert.equal(done.error, null, done.error?.message);
      const { data } = await admin.from('accounts').select('primary_owner_user_id').eq('id', team.id).single();
      assert.equal(data.primary_owner_user_id, bob.user.id);
      assert.equal(await roleOf(bob), 'owner');
      const again = await owner.client.rpc('transfer_team_account_ownership', { target_account_id: team.id, new_owner_id: owner.user.id });
      assert.equal(again.error.code, 'P0001', 'the old owner no longer owns it');
      const direct = await bob.client.from('accounts').update({ primary_owner_user_id: owner.user.id }).eq('id', team.id);
      assert.equal(direct.error.code, '42501', 'the field stays protected from plain updates');
    });
  });

  // On SQLite the server keeps what it learnt of sessions and memberships for the reads
  // after (store/shared_facts.h). Each step reads first, so a stale answer would show.
  describe('access is checked again after every change, even right after a read', () => {
    let team, dave, viewerRole;
    const sees = async () => (await dave.client.from('accounts').select('id').eq('id', team.id)).data;
    const may = async (permission) => (await dave.client.rpc('has_permission',
      { user_id: dave.user.id, account_id: team.id, permission_name: permission })).data;
    before(async () => {
      dave = await signedUpUser(server);
      team = (await owner.client.rpc('create_team_account', { account_name: 'Fresh Co' })).data;
      viewerRole = `viewer-${Date.now()}`;
      assert.equal((await admin.from('roles').insert({ name: viewerRole, hierarchy_level: 50 + Math.random() })).error, null);
      const joined = await admin.from('accounts_memberships').insert({ user_id: dave.user.id, account_id: team.id, account_role: viewerRole });
      assert.equal(joined.error, null, joined.error?.message);
    });

    it('a removed member is refused at once, and let in again at once', async () => {
      assert.deepEqual(await sees(), [{ id: team.id }]);
      assert.deepEqual(await sees(), [{ id: team.id }]);
      const removed = await owner.client.rpc('remove_member', { account_id: team.id, user_id: dave.user.id });
      assert.equal(removed.error, null, removed.error?.message);
      assert.deepEqual(await sees(), []);
      const back = await admin.from('accounts_memberships').insert({ user_id: dave.user.id, account_id: team.id, account_role: viewerRole });
      assert.equal(back.error, null, back.error?.message);
      assert.deepEqual(await sees(), [{ id: team.id }]);
    });

    it('a permission granted to or taken from a role counts at once', async () => {
      assert.equal(await may('billing.manage'), false);
      assert.equal(await may('billing.manage'), false);
      const granted = await admin.from('role_permissions').insert({ role: viewerRole, permission: 'billing.manage' });
      assert.equal(granted.error, null, granted.error?.message);
      assert.equal(await may('billing.manage'), true);
      const revoked = await admin.from('role_permissions').delete().eq('role', viewerRole).eq('permission', 'billing.manage');
      assert.equal(revoked.error, null, revoked.error?.message);
      assert.equal(await may('billing.manage'), false);
    });

    it('a ban and a sign-out stop a session that was just used', async () => {
      const token = (await dave.client.auth.getSession()).data.session.access_token;
      const read = () => fetch(`${server.url}/rest/v1/accounts?select=id&id=eq.${team.id}`,
        { headers: { apikey: server.keys().anon, Authorization: `Bearer ${token}` } });
      assert.equal((await read()).status, 200);
      assert.equal((await admin.auth.admin.updateUserById(dave.user.id, { ban_duration: '1h' })).error, null);
      const banned = await read();
      assert.equal(banned.status, 403);
      assert.match(await banned.text(), /banned/i);
      assert.equal((await admin.auth.admin.updateUserById(dave.user.id, { ban_duration: 'none' })).error, null);
      assert.equal((await read()).status, 200);
      assert.equal((await dave.client.auth.signOut({ scope: 'local' })).error, null);
      const ended = await read();
      assert.equal(ended.status, 401);
      assert.match(await ended.text(), /session/i);
      // On PostgreSQL a read's statements (the rows, the count, a helper call) run in the
      // session check's round trip: whatever they answered, the ended session decides.
      const ask = (path, init = {}) => fetch(`${server.url}/rest/v1/${path}`,
        { ...init, headers: { apikey: server.keys().anon, Authorization: `Bearer ${token}`, ...init.headers } });
      const counted = await ask(`accounts?select=id&id=eq.${team.id}`, { headers: { Prefer: 'count=exact' } });
      assert.equal(counted.status, 401);
      assert.equal((await counted.json()).code, 'PGRST301');
      assert.equal(counted.headers.get('content-range'), null, 'no count of what it may no longer read');
      const helper = await ask('rpc/has_permission', {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ user_id: dave.user.id, account_id: team.id, permission_name: 'billing.manage' }),
      });
      assert.equal(helper.status, 401);
    });
  });
});
