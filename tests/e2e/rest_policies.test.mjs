// Row-level security of the core tables through /rest/v1, driven by the official
// supabase-js client: every rule of the seed's security model, allowed and refused, for
// anon, a member, a non-member, the owner, a super admin with and without aal2, and
// service_role.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, runCli } from './support/server.mjs';
import { client, adminClient, signedUpUser } from './support/supabase.mjs';
import { makeTeam } from './support/tenancy.mjs';
import { userWithVerifiedFactor } from './support/mfa.mjs';

const ids = (rows) => rows.map((r) => r.id).sort();

describe('row-level security of the core tables', () => {
  let server;
  let admin;
  let owner, member, outsider, team;
  before(async () => {
    server = await startServer({ args: ['--auth-rate-limit-per-ip', '10000', '--auth-rate-limit-per-email', '10000'] });
    admin = adminClient(server);
    owner = await signedUpUser(server);
    member = await signedUpUser(server);
    outsider = await signedUpUser(server);
    team = await makeTeam(server, owner, [[member, 'member']]);
  });
  after(async () => { await server.stop(); });

  describe('accounts', () => {
    it('each caller reads their personal account and their teams, nothing else', async () => {
      const mine = await owner.client.from('accounts').select('id, name, is_personal_account');
      assert.equal(mine.error, null);
      assert.deepEqual(ids(mine.data), [owner.user.id, team.id].sort());
      const theirs = await member.client.from('accounts').select('id');
      assert.deepEqual(ids(theirs.data), [member.user.id, team.id].sort());
      const other = await outsider.client.from('accounts').select('id');
      assert.deepEqual(ids(other.data), [outsider.user.id]);
    });

    it('anon reads nothing, service_role reads everything', async () => {
      const anon = await client(server).from('accounts').select('id');
      assert.equal(anon.error, null);
      assert.deepEqual(anon.data, []);
      const all = await admin.from('accounts').select('id').in('id', [owner.user.id, member.user.id, team.id]);
      assert.equal(all.data.length, 3);
    });

    it('the owner renames the team; a member without settings.manage changes nothing', async () => {
      const renamed = await owner.client.from('accounts').update({ name: 'Renamed by owner' }).eq('id', team.id).select();
      assert.equal(renamed.error, null);
      assert.equal(renamed.data.length, 1);
      assert.equal(renamed.data[0].name, 'Renamed by owner');
      const refused = await member.client.from('accounts').update({ name: 'Hijacked' }).eq('id', team.id).select();
      assert.equal(refused.error, null);
      assert.deepEqual(refused.data, [], 'the policy hides the row from the update');
      const { data } = await admin.from('accounts').select('name').eq('id', team.id).single();
      assert.equal(data.name, 'Renamed by owner');
    });

    it('a user updates their own personal account, never another one', async () => {
      const own = await member.client.from('accounts').update({ name: 'Member Name' }).eq('id', member.user.id).select('name');
      assert.deepEqual(own.data, [{ name: 'Member Name' }]);
      const foreign = await member.client.from('accounts').update({ name: 'x' }).eq('id', owner.user.id).select();
      assert.deepEqual(foreign.data, []);
    });

    it('refuses changes to protected fields with a clear error', async () => {
      for (const change of [{ primary_owner_user_id: member.user.id }, { is_personal_account: true }]) {
        const { error } = await owner.client.from('accounts').update(change).eq('id', team.id);
        assert.equal(error.code, '42501');
        assert.equal(error.message, 'You do not have permission to update this field');
      }
      const { data } = await admin.from('accounts').select('primary_owner_user_id').eq('id', team.id).single();
      assert.equal(data.primary_owner_user_id, owner.user.id);
    });

    it('clients cannot insert or delete accounts', async () => {
      const created = await owner.client.from('accounts').insert({ name: 'Mine', slug: `x-${Date.now()}`, is_personal_account: false, primary_owner_user_id: owner.user.id });
      assert.equal(created.error.code, '42501');
      assert.match(created.error.message, /new row violates row-level security policy for table "accounts"/);
      const deleted = await owner.client.from('accounts').delete().eq('id', team.id).select();
      assert.deepEqual(deleted.data, []);
      const still = await admin.from('accounts').select('id').eq('id', team.id);
      assert.equal(still.data.length, 1);
    });
  });

  describe('sessions', () => {
    it('a logged-out session\'s token and a banned user\'s token read nothing', async () => {
      const gone = await signedUpUser(server);
      const token = (await gone.client.auth.getSession()).data.session.access_token;
      const read = (t) => fetch(`${server.url}/rest/v1/accounts?select=id`, { headers: { apikey: server.keys().anon, Authorization: `Bearer ${t}` } });
      assert.equal((await read(token)).status, 200);
      assert.equal((await gone.client.auth.signOut()).error, null);
      const after = await read(token);
      assert.equal(after.status, 401);
      assert.equal((await after.json()).code, 'PGRST301');
      const banned = await signedUpUser(server);
      const bannedToken = (await banned.client.auth.getSession()).data.session.access_token;
      assert.equal((await admin.auth.admin.updateUserById(banned.user.id, { ban_duration: '1h' })).error, null);
      const refused = await read(bannedToken);
      assert.equal(refused.status, 403);
    });
  });

  describe('accounts_memberships', () => {
    it('members see their team\'s memberships; outsiders see none', async () => {
      const seen = await member.client.from('accounts_memberships').select('user_id, account_role').eq('account_id', team.id);
      assert.equal(seen.error, null);
      assert.deepEqual(seen.data.map((m) => m.user_id).sort(), [owner.user.id, member.user.id].sort());
      const hidden = await outsider.client.from('accounts_memberships').select('*').eq('account_id', team.id);
      assert.deepEqual(hidden.data, []);
    });

    it('no one joins a team by inserting a membership', async () => {
      const { error } = await outsider.client.from('accounts_memberships').insert({ user_id: outsider.user.id, account_id: team.id, account_role: 'owner' });
      assert.equal(error.code, '42501');
    });

    it('a member may leave; the primary owner may not', async () => {
      const leaver = await signedUpUser(server);
      const t = await makeTeam(server, owner, [[leaver, 'member']]);
      const stays = await owner.client.from('accounts_memberships').delete().eq('account_id', t.id).eq('user_id', owner.user.id).select();
      assert.deepEqual(stays.data, []);
      const left = await leaver.client.from('accounts_memberships').delete().eq('account_id', t.id).eq('user_id', leaver.user.id).select();
      assert.equal(left.error, null);
      assert.equal(left.data.length, 1);
      const after = await leaver.client.from('accounts').select('id').eq('id', t.id);
      assert.deepEqual(after.data, [], 'having left, the team is no longer visible');
    });

    it('roles cannot be changed with a plain update', async () => {
      const res = await member.client.from('accounts_memberships').update({ account_role: 'owner' }).eq('user_id', member.user.id).select();
      assert.deepEqual(res.data, []);
    });
  });

  describe('roles, role_permissions and config', () => {
    it('are readable by signed-in users only', async () => {
      const roles = await outsider.client.from('roles').select('name, hierarchy_level').order('hierarchy_level');
      assert.deepEqual(roles.data.map((r) => r.name).slice(0, 2), ['owner', 'member']);
      const perms = await outsider.client.from('role_permissions').select('permission').eq('role', 'owner');
      assert.ok(perms.data.some((p) => p.permission === 'settings.manage'));
      const config = await outsider.client.from('config').select('enable_team_accounts').single();
      assert.equal(config.data.enable_team_accounts, true);
      assert.deepEqual((await client(server).from('roles').select('name')).data, []);
    });

    it('are written by service_role only', async () => {
      const refused = await owner.client.from('roles').insert({ name: 'boss', hierarchy_level: 0.5 });
      assert.equal(refused.error.code, '42501');
      const noop = await owner.client.from('config').update({ enable_team_accounts: false }).neq('billing_provider', 'paddle').select();
      assert.deepEqual(noop.data, []);
      const created = await admin.from('roles').insert({ name: `viewer-${Date.now()}`, hierarchy_level: 3 + Math.random() }).select();
      assert.equal(created.error, null);
    });
  });

  describe('invitations', () => {
    it('members with invites.manage create, read and delete them', async () => {
      const invite = { email: `guest-${Date.now()}@example.com`, account_id: team.id, invited_by: member.user.id, role: 'member', invite_token: `tok-${Date.now()}` };
      const created = await member.client.from('invitations').insert(invite).select('id, email');
      assert.equal(created.error, null, created.error?.message);
      const read = await owner.client.from('invitations').select('email').eq('account_id', team.id);
      assert.ok(read.data.some((i) => i.email === invite.email));
      assert.deepEqual((await outsider.client.from('invitations').select('id').eq('account_id', team.id)).data, []);
      const removed = await member.client.from('invitations').delete().eq('id', created.data[0].id).select('id');
      assert.equal(removed.data.length, 1);
    });

    it('a refused insert never reveals a key: 42501 comes before unique and foreign keys', async () => {
      const invite = { email: `dup-${Date.now()}@example.com`, account_id: team.id, invited_by: owner.user.id, role: 'member', invite_token: `dup-${Date.now()}` };
      assert.equal((await owner.client.from('invitations').insert(invite)).error, null);
      const clash = await outsider.client.from('invitations').insert({ ...invite, invited_by: outsider.user.id });
      assert.equal(clash.error.code, '42501', 'not 23505: the outsider learns nothing about existing invitations');
      const anon = await client(server).from('invitations').insert(invite);
      assert.equal(anon.error.code, '42501');
      const orphan = await outsider.client.from('notifications').insert({ account_id: '00000000-0000-4000-8000-00000000abcd', body: 'x' });
      assert.equal(orphan.error.code, '42501', 'not 23503: whether an account exists stays hidden');
      const taken = await owner.client.from('invitations').insert(invite);
      assert.equal(taken.error.code, '23505', 'an allowed caller does see the unique violation');
    });

    it('a role without invites.manage, an outsider and a personal account are refused', async () => {
      const viewerRole = `viewer-${Date.now()}`;
      await admin.from('roles').insert({ name: viewerRole, hierarchy_level: 10 + Math.random() });
      const viewer = await signedUpUser(server);
      const t = await makeTeam(server, owner, [[viewer, viewerRole]]);
      const base = { role: 'member', invite_token: `t-${Date.now()}` };
      for (const [who, invite] of [
        [viewer, { ...base, email: 'a@example.com', account_id: t.id, invited_by: viewer.user.id }],
        [outsider, { ...base, email: 'b@example.com', account_id: t.id, invited_by: outsider.user.id }],
        [owner, { ...base, email: 'c@example.com', account_id: owner.user.id, invited_by: owner.user.id }],
      ]) {
        const { error } = await who.client.from('invitations').insert(invite);
        assert.ok(error, `${JSON.stringify(invite)} must be refused`);
        assert.ok(['42501', 'P0001', '23514'].includes(error.code), error.code);
      }
    });
  });

  describe('billing, one_time_tokens and super_admins', () => {
    before(async () => {
      const customer = await admin.from('billing_customers').insert({ account_id: team.id, customer_id: `cus_${Date.now()}`, provider: 'stripe', email: 'billing@example.com' }).select().single();
      assert.equal(customer.error, null, customer.error?.message);
      const sub = await admin.from('subscriptions').insert({
        id: `sub_${Date.now()}`, account_id: team.id, customer_id: customer.data.customer_id, status: 'active', active: true,
        billing_provider: 'stripe', currency: 'usd', period_starts_at: new Date().toISOString(),
        period_ends_at: new Date(Date.now() + 30 * 86400e3).toISOString(),
      });
      assert.equal(sub.error, null, sub.error?.message);
    });

    it('members read their account\'s billing; outsiders and anon do not', async () => {
      const seen = await member.client.from('subscriptions').select('status, active').eq('account_id', team.id);
      assert.deepEqual(seen.data, [{ status: 'active', active: true }]);
      assert.deepEqual((await outsider.client.from('subscriptions').select('id')).data, []);
      assert.deepEqual((await client(server).from('billing_customers').select('id')).data, []);
    });

    it('only the server writes billing rows', async () => {
      const { error } = await owner.client.from('subscriptions').update({ status: 'canceled' }).eq('account_id', team.id).select();
      assert.equal(error, null);
      const { data } = await admin.from('subscriptions').select('status').eq('account_id', team.id).single();
      assert.equal(data.status, 'active');
    });

    it('one_time_tokens are closed to every client', async () => {
      const { data, error } = await owner.client.from('one_time_tokens').select('*');
      assert.equal(error, null);
      assert.deepEqual(data, []);
    });

    it('tenantbase admin grant-super-admin / revoke-super-admin', async () => {
      const boss = await userWithVerifiedFactor(server);
      const see = async () => (await boss.client.from('accounts').select('id').eq('id', team.id)).data.length;
      assert.equal(await see(), 0);
      const granted = runCli(['admin', 'grant-super-admin', boss.email.toUpperCase(), '--data', server.dataDir]);
      assert.equal(granted.status, 0, granted.stderr);
      assert.match(granted.stdout, /is now a super admin/);
      assert.equal(await see(), 1, 'at aal2 the new super admin reads every account');
      assert.match(runCli(['admin', 'grant-super-admin', boss.email, '--data', server.dataDir]).stdout, /already was/);
      const revoked = runCli(['admin', 'revoke-super-admin', boss.email, '--data', server.dataDir]);
      assert.equal(revoked.status, 0, revoked.stderr);
      assert.equal(await see(), 0);
      const unknown = runCli(['admin', 'grant-super-admin', 'nobody@example.com', '--data', server.dataDir]);
      assert.notEqual(unknown.status, 0);
      assert.match(unknown.stderr, /no user with the email/);
    });

    it('a super admin sees everything only at aal2', async () => {
      const boss = await userWithVerifiedFactor(server);
      const granted = await admin.from('super_admins').insert({ user_id: boss.user.id });
      assert.equal(granted.error, null, granted.error?.message);
      const strong = await boss.client.from('accounts').select('id').eq('id', team.id);
      assert.equal(strong.data.length, 1, 'aal2 super admin reads any account');
      const admins = await boss.client.from('super_admins').select('user_id');
      assert.deepEqual(admins.data.map((a) => a.user_id), [boss.user.id]);
      // The same user, signed in again with only a password: aal1.
      const weak = client(server);
      assert.equal((await weak.auth.signInWithPassword({ email: boss.email, password: boss.password })).error, null);
      assert.deepEqual((await weak.from('accounts').select('id').eq('id', team.id)).data, []);
      assert.deepEqual((await weak.from('super_admins').select('user_id')).data, []);
      assert.deepEqual((await owner.client.from('super_admins').select('user_id')).data, []);
    });
  });

  describe('notifications', () => {
    let live, expired;
    before(async () => {
      const rows = await admin.from('notifications').insert([
        { account_id: team.id, body: 'live one' },
        { account_id: team.id, body: 'gone', created_at: '2020-01-01T00:00:00.000000+00:00', expires_at: '2020-01-02T00:00:00.000000+00:00' },
      ], { defaultToNull: false }).select('id, body');
      assert.equal(rows.error, null, rows.error?.message);
      [live, expired] = rows.data;
    });

    it('members read live notifications, never expired ones', async () => {
      const seen = await member.client.from('notifications').select('id, body').eq('account_id', team.id);
      assert.deepEqual(seen.data.map((n) => n.id), [live.id]);
      assert.deepEqual((await outsider.client.from('notifications').select('id')).data, []);
      assert.ok(expired.id);
    });

    it('members may mark them dismissed and change nothing else', async () => {
      const dismissed = await member.client.from('notifications').update({ dismissed: true }).eq('id', live.id).select('dismissed');
      assert.deepEqual(dismissed.data, [{ dismissed: true }]);
      const edited = await member.client.from('notifications').update({ body: 'edited' }).eq('id', live.id);
      assert.equal(edited.error.code, '42501');
      const inserted = await member.client.from('notifications').insert({ account_id: team.id, body: 'spam' });
      assert.equal(inserted.error.code, '42501');
    });
  });

  describe('views run with the caller\'s rights', () => {
    it('user_accounts lists the caller\'s teams with their role, and nothing for others', async () => {
      const mine = await member.client.from('user_accounts').select('id, name, slug, role');
      assert.equal(mine.error, null, mine.error?.message);
      assert.ok(mine.data.some((a) => a.id === team.id && a.role === 'member'));
      assert.ok(mine.data.every((a) => a.id !== member.user.id), 'personal accounts are not listed');
      assert.deepEqual((await outsider.client.from('user_accounts').select('id')).data, []);
      assert.deepEqual((await client(server).from('user_accounts').select('id')).data, []);
    });

    it('user_account_workspace is the caller\'s personal account', async () => {
      const { data, error } = await owner.client.from('user_account_workspace').select('id, name, public_data, subscription_status').single();
      assert.equal(error, null, error?.message);
      assert.equal(data.id, owner.user.id);
      assert.deepEqual(data.public_data, {});
      assert.equal(data.subscription_status, null);
    });

    it('a view never shows rows its tables\' policies hide', async () => {
      // The outsider made a member by a raw membership row still sees the team only
      // through the view's own filter; removing it hides it again.
      const t = await makeTeam(server, owner, [[outsider, 'member']]);
      assert.ok((await outsider.client.from('user_accounts').select('id')).data.some((a) => a.id === t.id));
      await admin.from('accounts_memberships').delete().eq('account_id', t.id).eq('user_id', outsider.user.id);
      assert.ok((await outsider.client.from('user_accounts').select('id')).data.every((a) => a.id !== t.id));
      const write = await owner.client.from('user_accounts').update({ name: 'x' }).eq('id', t.id);
      assert.ok(write.error, 'views are read-only');
    });
  });

  describe('helper functions as RPC', () => {
    it('answer for the caller', async () => {
      const call = (c, fn, args) => c.rpc(fn, args);
      assert.equal((await call(owner.client, 'has_role_on_account', { account_id: team.id })).data, true);
      assert.equal((await call(owner.client, 'has_role_on_account', { account_id: team.id, account_role: 'member' })).data, false);
      assert.equal((await call(outsider.client, 'has_role_on_account', { account_id: team.id })).data, false);
      assert.equal((await call(owner.client, 'is_account_owner', { account_id: team.id })).data, true);
      assert.equal((await call(member.client, 'is_account_owner', { account_id: team.id })).data, false);
      assert.equal((await call(member.client, 'is_account_owner', { account_id: member.user.id })).data, true);
      assert.equal((await call(member.client, 'has_permission', { user_id: member.user.id, account_id: team.id, permission_name: 'invites.manage' })).data, true);
      assert.equal((await call(member.client, 'has_permission', { user_id: member.user.id, account_id: team.id, permission_name: 'settings.manage' })).data, false);
      assert.equal((await call(member.client, 'is_team_member', { account_id: team.id, user_id: owner.user.id })).data, true);
      assert.equal((await call(member.client, 'can_action_account_member', { target_team_account_id: team.id, target_user_id: owner.user.id })).data, false);
      assert.equal((await call(owner.client, 'can_action_account_member', { target_team_account_id: team.id, target_user_id: member.user.id })).data, true);
      assert.equal((await call(owner.client, 'is_set', { field_name: 'enable_team_accounts' })).data, true);
      assert.equal((await call(owner.client, 'has_active_subscription', { account_id: team.id })).data, true);
      assert.equal((await call(owner.client, 'is_aal2')).data, false);
      assert.equal((await call(owner.client, 'is_super_admin')).data, false);
      assert.equal((await call(owner.client, 'is_mfa_compliant')).data, true);
    });

    it('refuse anon, unknown functions and arguments, and bad values', async () => {
      const anon = await client(server).rpc('is_aal2');
      assert.equal(anon.error.code, '42501');
      assert.equal(anon.status, 401);
      const unknown = await owner.client.rpc('drop_everything');
      assert.equal(unknown.error.code, 'PGRST202');
      assert.equal(unknown.status, 404);
      const wrongArgs = await owner.client.rpc('has_permission', { user_id: owner.user.id });
      assert.equal(wrongArgs.error.code, 'PGRST202');
      const badUuid = await owner.client.rpc('is_account_owner', { account_id: 'not-a-uuid' });
      assert.equal(badUuid.error.code, '22P02');
      assert.equal(badUuid.status, 400);
      const badPermission = await owner.client.rpc('has_permission', { user_id: owner.user.id, account_id: team.id, permission_name: 'launch.missiles' });
      assert.equal(badPermission.error.code, '22P02');
      const badFlag = await owner.client.rpc('is_set', { field_name: 'enable_everything' });
      assert.equal(badFlag.error.code, '42703');
    });
  });
});
