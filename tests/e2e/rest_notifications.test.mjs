// create_notification through supabase.rpc: in-app rows for members, email to the account's
// people, service_role only.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './support/server.mjs';
import { adminClient, signedUpUser } from './support/supabase.mjs';
import { makeTeam } from './support/tenancy.mjs';
import { latestMail, mailsTo } from './support/outbox.mjs';

describe('notifications', () => {
  let server, admin, owner, member, outsider, team;
  before(async () => {
    server = await startServer({ args: ['--auth-rate-limit-per-ip', '10000', '--auth-rate-limit-per-email', '10000'] });
    admin = adminClient(server);
    owner = await signedUpUser(server);
    member = await signedUpUser(server);
    outsider = await signedUpUser(server);
    team = await makeTeam(server, owner, [[member, 'member']]);
  });
  after(async () => { await server.stop(); });

  it('an in-app notification reaches the team\'s members and no one else', async () => {
    const { data, error } = await admin.rpc('create_notification', { account_id: team.id, body: 'Your trial ends soon', type: 'warning', link: '/billing' });
    assert.equal(error, null, error?.message);
    assert.equal(data.type, 'warning');
    assert.equal(data.channel, 'in_app');
    assert.equal(data.dismissed, false);
    // The seed's default expiry, now() + interval '1 month': the same day next month, or its
    // last day when that month is shorter.
    const created = new Date(data.created_at);
    const expires = new Date(data.expires_at);
    const month = (d) => d.getUTCFullYear() * 12 + d.getUTCMonth();
    const lastDay = new Date(Date.UTC(expires.getUTCFullYear(), expires.getUTCMonth() + 1, 0)).getUTCDate();
    assert.equal(month(expires) - month(created), 1, `${data.created_at} → ${data.expires_at}`);
    assert.equal(expires.getUTCDate(), Math.min(created.getUTCDate(), lastDay));
    const seen = await member.client.from('notifications').select('id, body').eq('id', data.id);
    assert.deepEqual(seen.data, [{ id: data.id, body: 'Your trial ends soon' }]);
    assert.deepEqual((await outsider.client.from('notifications').select('id').eq('id', data.id)).data, []);
    assert.equal(mailsTo(server, member.email).length, 0, 'in_app sends no mail');
  });

  it('an email notification is also mailed to every member, or to a personal account\'s owner', async () => {
    const { error } = await admin.rpc('create_notification', { account_id: team.id, body: 'Payment failed', type: 'billing_issue', channel: 'email', link: '/billing' });
    assert.equal(error, null, error?.message);
    for (const who of [owner, member]) {
      const mail = await latestMail(server, who.email);
      assert.equal(mail.subject, 'Notification: billing_issue');
      assert.match(mail.text, /Payment failed/);
    }
    assert.equal(mailsTo(server, outsider.email).length, 0);
    const personal = await admin.rpc('create_notification', { account_id: outsider.user.id, body: 'Welcome', channel: 'email' });
    assert.equal(personal.error, null);
    assert.match((await latestMail(server, outsider.email)).text, /Welcome/);
  });

  it('only service_role creates them, and bad values are refused', async () => {
    const byUser = await owner.client.rpc('create_notification', { account_id: team.id, body: 'spoof' });
    assert.equal(byUser.error.code, '42501');
    const badChannel = await admin.rpc('create_notification', { account_id: team.id, body: 'x', channel: 'pigeon' });
    assert.equal(badChannel.error.code, '22P02');
    const unknown = await admin.rpc('create_notification', { account_id: '00000000-0000-4000-8000-000000000009', body: 'x' });
    assert.equal(unknown.error.code, '23503');
    const past = await admin.rpc('create_notification', { account_id: team.id, body: 'x', expires_at: '2020-01-01T00:00:00Z' });
    assert.equal(past.error.code, '23514');
    assert.equal((await admin.from('notifications').select('id').eq('body', 'spoof')).data.length, 0);
  });
});
