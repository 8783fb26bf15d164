// Invitations through supabase.rpc: add (batch, role ceiling, refresh, mail), list, look up
// and accept — each allowed and refused — with the accept link read from the outbox.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './support/server.mjs';
import { client, adminClient, signedUpUser, uniqueEmail } from './support/supabase.mjs';
import { makeTeam } from './support/tenancy.mjs';
import { latestMail, mailsTo } from './support/outbox.mjs';

const tokenIn = (mail) => mail.text.match(/invite_token=([0-9a-f]+)/)?.[1];

describe('invitations', () => {
  let server, admin, owner, member, outsider, team, viewerRole;
  before(async () => {
    server = await startServer({ args: ['--auth-rate-limit-per-ip', '10000', '--auth-rate-limit-per-email', '10000'] });
    admin = adminClient(server);
    owner = await signedUpUser(server);
    member = await signedUpUser(server);
    outsider = await signedUpUser(server);
    viewerRole = `viewer-${Date.now()}`;
    assert.equal((await admin.from('roles').insert({ name: viewerRole, hierarchy_level: 7 })).error, null);
    team = await makeTeam(server, owner, [[member, 'member']]);
  });
  after(async () => { await server.stop(); });

  it('a member with invites.manage invites a batch; each invitee gets a link; the token is stored hashed', async () => {
    const a = uniqueEmail('invitee'), b = uniqueEmail('invitee');
    const { data, error } = await member.client.rpc('add_invitations_to_account', {
      account_slug: team.slug, invitations: [{ email: a.toUpperCase(), role: 'member' }, { email: b, role: viewerRole }],
    });
    assert.equal(error, null, error?.message);
    assert.deepEqual(data.map((i) => [i.email, i.role, i.invited_by]), [[a, 'member', member.user.id], [b, viewerRole, member.user.id]]);
    const mail = await latestMail(server, a);
    assert.match(mail.subject, /invited to join/);
    const token = tokenIn(mail);
    assert.match(token, /^[0-9a-f]{32}$/, '128 random bits');
    const stored = await admin.from('invitations').select('invite_token').eq('email', a).single();
    assert.notEqual(stored.data.invite_token, token);
    const listed = await owner.client.rpc('get_account_invitations', { account_slug: team.slug });
    assert.deepEqual(listed.data.map((i) => i.email).sort(), [a, b].sort());
    assert.deepEqual((await outsider.client.rpc('get_account_invitations', { account_slug: team.slug })).data, []);
  });

  it('refuses a role above the inviter\'s, an outsider, a personal account, and a bad row (changing nothing)', async () => {
    const above = await member.client.rpc('add_invitations_to_account', { account_slug: team.slug, invitations: [{ email: uniqueEmail(), role: 'owner' }] });
    assert.equal(above.error.code, 'P0001');
    const stranger = await outsider.client.rpc('add_invitations_to_account', { account_slug: team.slug, invitations: [{ email: uniqueEmail(), role: 'member' }] });
    assert.equal(stranger.error.code, 'P0001');
    const good = uniqueEmail('batch');
    const bad = await owner.client.rpc('add_invitations_to_account', {
      account_slug: team.slug, invitations: [{ email: good, role: 'member' }, { email: 'not-an-email', role: 'member' }],
    });
    assert.equal(bad.error.code, '22023');
    assert.match(bad.error.message, /invitation 1/);
    assert.deepEqual((await admin.from('invitations').select('id').eq('email', good)).data, [], 'the batch changed nothing');
    assert.equal(mailsTo(server, good).length, 0);
    const anon = await client(server).rpc('add_invitations_to_account', { account_slug: team.slug, invitations: [{ email: uniqueEmail(), role: 'member' }] });
    assert.equal(anon.status, 401);
  });

  it('inviting again refreshes the token; the invitee looks it up and accepts once', async () => {
    const invitee = await signedUpUser(server);
    await owner.client.rpc('add_invitations_to_account', { account_slug: team.slug, invitations: [{ email: invitee.email, role: 'member' }] });
    const oldToken = tokenIn(await latestMail(server, invitee.email));
    await owner.client.rpc('add_invitations_to_account', { account_slug: team.slug, invitations: [{ email: invitee.email, role: viewerRole }] });
    const token = tokenIn(await latestMail(server, invitee.email, { after: 1 }));
    assert.notEqual(token, oldToken);
    assert.equal((await invitee.client.rpc('get_invitation', { token: oldToken })).data, null, 'the old token is gone');
    const found = await invitee.client.rpc('get_invitation', { token });
    assert.equal(found.data.account_slug, team.slug);
    assert.equal(found.data.role, viewerRole);
    const wrongUser = await outsider.client.rpc('accept_invitation', { token, user_id: outsider.user.id });
    assert.equal(wrongUser.error.code, 'P0001', 'the invitation belongs to another email');
    const impersonated = await outsider.client.rpc('accept_invitation', { token, user_id: invitee.user.id });
    assert.equal(impersonated.error.code, 'P0001');
    const accepted = await invitee.client.rpc('accept_invitation', { token, user_id: invitee.user.id });
    assert.equal(accepted.error, null, accepted.error?.message);
    assert.equal(accepted.data, team.id);
    const membership = await invitee.client.from('accounts_memberships').select('account_role').eq('account_id', team.id).eq('user_id', invitee.user.id).single();
    assert.equal(membership.data.account_role, viewerRole);
    const twice = await invitee.client.rpc('accept_invitation', { token, user_id: invitee.user.id });
    assert.equal(twice.error.message, 'Invalid or expired invitation');
    const fake = await invitee.client.rpc('accept_invitation', { token: 'f'.repeat(32), user_id: invitee.user.id });
    assert.equal(fake.error.message, 'Invalid or expired invitation', 'unknown and used tokens read the same');
  });

  it('an expired invitation cannot be accepted', async () => {
    const invitee = await signedUpUser(server);
    await owner.client.rpc('add_invitations_to_account', { account_slug: team.slug, invitations: [{ email: invitee.email, role: 'member' }] });
    const token = tokenIn(await latestMail(server, invitee.email));
    await admin.from('invitations').update({ created_at: '2020-01-01T00:00:00Z', expires_at: '2020-01-08T00:00:00Z' }).eq('email', invitee.email);
    const late = await invitee.client.rpc('accept_invitation', { token, user_id: invitee.user.id });
    assert.equal(late.error.message, 'Invalid or expired invitation');
    assert.equal((await invitee.client.rpc('get_invitation', { token })).data, null);
  });
});
