// Dead rows go away: the server's periodic purge and `tenantbase admin purge` delete
// expired one-time tokens, invitations and notifications and keep live ones; the
// invitation settings (--invitation-expiry, --invitation-require-email-match) take effect.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, runCli } from './support/server.mjs';
import { adminClient, signedUpUser, uniqueEmail } from './support/supabase.mjs';
import { makeTeam } from './support/tenancy.mjs';
import { latestMail } from './support/outbox.mjs';
import { sleep } from './support/raw_http.mjs';

const limits = ['--auth-rate-limit-per-ip', '10000', '--auth-rate-limit-per-email', '10000'];
const tokenIn = (mail) => mail.text.match(/invite_token=([0-9a-f]+)/)?.[1];

async function ids(admin, table, column, values) {
  const { data, error } = await admin.from(table).select(column).in(column, values);
  assert.equal(error, null, error?.message);
  return data.map((r) => r[column]).sort();
}

// Polls `probe` until it returns true or `ms` pass.
async function eventually(probe, ms = 8000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await probe()) return true;
    await sleep(100);
  }
  return false;
}

describe('periodic purge and invitation settings', () => {
  let server, admin, owner, team;
  before(async () => {
    server = await startServer({ args: [...limits, '--purge-interval', '1', '--invitation-expiry', '2'] });
    admin = adminClient(server);
    owner = await signedUpUser(server);
    team = await makeTeam(server, owner);
  });
  after(async () => { await server.stop(); });

  it('expired tokens, invitations and notifications are purged; live ones stay', async () => {
    const short = (await owner.client.rpc('create_one_time_token', { purpose: 'short', expires_in_seconds: 1 })).data;
    const live = (await owner.client.rpc('create_one_time_token', { purpose: 'long', expires_in_seconds: 3600 })).data;
    const email = uniqueEmail('invitee');
    const invited = await owner.client.rpc('add_invitations_to_account', { account_slug: team.slug, invitations: [{ email, role: 'member' }] });
    assert.equal(invited.error, null, invited.error?.message);
    const seconds = (new Date(invited.data[0].expires_at) - new Date(invited.data[0].created_at)) / 1000;
    assert.ok(Math.abs(seconds - 2) < 0.01, `--invitation-expiry 2 gives ${seconds} s`);
    const soon = new Date(Date.now() + 1500).toISOString();
    const expiring = (await admin.rpc('create_notification', { account_id: team.id, body: 'soon gone', expires_at: soon })).data;
    const lasting = (await admin.from('notifications').insert({ account_id: team.id, body: 'forever', expires_at: null }).select().single()).data;

    assert.deepEqual(await ids(admin, 'one_time_tokens', 'id', [short.id, live.id]), [short.id, live.id].sort(), 'both exist at first');
    const purged = await eventually(async () =>
      (await ids(admin, 'one_time_tokens', 'id', [short.id])).length === 0 &&
      (await ids(admin, 'invitations', 'email', [email])).length === 0 &&
      (await ids(admin, 'notifications', 'id', [expiring.id])).length === 0);
    assert.ok(purged, `the expired rows are gone within seconds:\n${server.logs()}`);
    assert.deepEqual(await ids(admin, 'one_time_tokens', 'id', [live.id]), [live.id]);
    assert.deepEqual(await ids(admin, 'notifications', 'id', [lasting.id]), [lasting.id]);
    assert.match(server.logs(), /purged \d+ expired one-time token/);
  });

  it('an invitation past --invitation-expiry cannot be accepted, even before the purge', async () => {
    const invitee = await signedUpUser(server);
    await owner.client.rpc('add_invitations_to_account', { account_slug: team.slug, invitations: [{ email: invitee.email, role: 'member' }] });
    const token = tokenIn(await latestMail(server, invitee.email));
    await sleep(2100);
    const late = await invitee.client.rpc('accept_invitation', { token, user_id: invitee.user.id });
    assert.equal(late.error?.code, 'P0001');
    assert.match(late.error.message, /Invalid or expired invitation/);
  });
});

describe('tenantbase admin purge, and invitations open to any signed-in user', () => {
  let server, admin, owner, team;
  before(async () => {
    server = await startServer({ args: [...limits, '--purge-interval', '0', '--invitation-require-email-match', 'false'] });
    admin = adminClient(server);
    owner = await signedUpUser(server);
    team = await makeTeam(server, owner);
  });
  after(async () => { await server.stop(); });

  it('--purge-interval 0 purges nothing; the command purges once and says what', async () => {
    const short = (await owner.client.rpc('create_one_time_token', { purpose: 'short', expires_in_seconds: 1 })).data;
    await sleep(1500);
    assert.deepEqual(await ids(admin, 'one_time_tokens', 'id', [short.id]), [short.id], 'no purge thread');
    const run = runCli(['admin', 'purge', '--data', server.dataDir]);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /purged 1 one-time token\(s\), 0 invitation\(s\), 0 notification\(s\)/);
    assert.deepEqual(await ids(admin, 'one_time_tokens', 'id', [short.id]), []);
  });

  it('with the email match off, whoever holds the link joins with the invited role', async () => {
    const invited = uniqueEmail('someone-else');
    await owner.client.rpc('add_invitations_to_account', { account_slug: team.slug, invitations: [{ email: invited, role: 'member' }] });
    const token = tokenIn(await latestMail(server, invited));
    const holder = await signedUpUser(server);
    const impersonated = await holder.client.rpc('accept_invitation', { token, user_id: owner.user.id });
    assert.equal(impersonated.error?.code, 'P0001', 'still only for oneself');
    const joined = await holder.client.rpc('accept_invitation', { token, user_id: holder.user.id });
    assert.equal(joined.error, null, joined.error?.message);
    assert.equal(joined.data, team.id);
    const { data } = await admin.from('accounts_memberships').select('account_role').eq('account_id', team.id).eq('user_id', holder.user.id);
    assert.deepEqual(data, [{ account_role: 'member' }]);
    const twice = await holder.client.rpc('accept_invitation', { token, user_id: holder.user.id });
    assert.equal(twice.error?.code, 'P0001');
  });
});
