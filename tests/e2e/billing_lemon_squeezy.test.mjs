// Lemon Squeezy webhooks end to end: subscriptions and orders become the seed's billing
// rows read by members; X-Signature is checked over the raw body; a redelivery (byte for
// byte the same) and a late event change nothing.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './support/server.mjs';
import { adminClient, signedUpUser } from './support/supabase.mjs';
import { makeTeam } from './support/tenancy.mjs';
import { LEMON_SQUEEZY_SECRET, lemonSqueezyEvent, lemonSqueezySubscription, sendLemonSqueezy } from './support/billing.mjs';

const limits = ['--auth-rate-limit-per-ip', '10000', '--auth-rate-limit-per-email', '10000'];
let ids = 9000;

describe('Lemon Squeezy webhooks', () => {
  let server, admin, owner, member, outsider, team;
  before(async () => {
    server = await startServer({ args: limits, env: { TENANTBASE_LEMON_SQUEEZY_WEBHOOK_SECRET: LEMON_SQUEEZY_SECRET } });
    admin = adminClient(server);
    owner = await signedUpUser(server);
    member = await signedUpUser(server);
    outsider = await signedUpUser(server);
    team = await makeTeam(server, owner, [[member, 'member']]);
  });
  after(async () => { await server.stop(); });

  const subscriptionOf = async (c, id) => (await c.from('subscriptions')
    .select('status, active, cancel_at_period_end, currency, items:subscription_items(price_id, quantity, type)')
    .eq('id', String(id)).maybeSingle()).data;
  const custom = () => ({ account_id: team.id, item_type: 'per_seat' });

  it('an order, then a subscription\'s life: created, more seats, past_due, cancelled, expired', async () => {
    const customer = ++ids;
    const order = ++ids;
    let res = await sendLemonSqueezy(server, lemonSqueezyEvent('order_created', 'orders', order, {
      store_id: 1, customer_id: customer, identifier: 'ord-e2e', user_email: 'billing@example.com', currency: 'EUR',
      status: 'paid', total: 1900, subtotal: 1900, tax: 0,
      first_order_item: { id: 55, order_id: order, product_id: 301, variant_id: 401, price_id: 501, quantity: 1, price: 1900 },
      created_at: new Date().toISOString(), updated_at: new Date().toISOString(),
    }, { account_id: team.id }));
    assert.deepEqual([res.status, res.body.outcome], [200, 'applied'], JSON.stringify(res.body));
    const stored = await member.client.from('orders').select('status, total_amount, currency').eq('id', String(order)).single();
    assert.deepEqual([stored.data.status, Number(stored.data.total_amount), stored.data.currency], ['succeeded', 1900, 'eur']);

    const sub = ++ids;
    const itemId = ++ids;
    const send = (name, attrs) => sendLemonSqueezy(server, lemonSqueezyEvent(name, 'subscriptions', sub,
      lemonSqueezySubscription({ customer, itemId, ...attrs }), custom()));
    res = await send('subscription_created', { quantity: 3 });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    let row = await subscriptionOf(member.client, sub);
    assert.deepEqual([row.status, row.active, row.currency], ['active', true, 'eur'], 'the currency of the order');
    assert.deepEqual(row.items.map((i) => [i.price_id, i.quantity, i.type]), [['501', 3, 'per_seat']]);

    await send('subscription_updated', { quantity: 8 });
    assert.equal((await subscriptionOf(owner.client, sub)).items[0].quantity, 8);
    await send('subscription_updated', { quantity: 8, status: 'past_due' });
    assert.equal((await subscriptionOf(owner.client, sub)).status, 'past_due');
    assert.equal((await member.client.from('notifications').select('id').eq('account_id', team.id).eq('type', 'billing_issue')).data.length, 1);
    await send('subscription_cancelled', { quantity: 8, status: 'cancelled', cancelled: true });
    row = await subscriptionOf(owner.client, sub);
    assert.deepEqual([row.status, row.active], ['canceled', false]);
    await send('subscription_expired', { quantity: 8, status: 'expired' });
    assert.equal((await subscriptionOf(owner.client, sub)).status, 'canceled');
    assert.equal(await subscriptionOf(outsider.client, sub), null);
  });

  it('payment events move the status of a known subscription', async () => {
    const customer = ++ids;
    const sub = ++ids;
    await sendLemonSqueezy(server, lemonSqueezyEvent('subscription_created', 'subscriptions', sub,
      lemonSqueezySubscription({ customer, status: 'past_due' }), { account_id: team.id }));
    const invoice = (name) => lemonSqueezyEvent(name, 'subscription-invoices', ++ids, {
      store_id: 1, subscription_id: sub, customer_id: customer, status: name.endsWith('failed') ? 'failed' : 'paid',
      total: 1900, currency: 'USD', created_at: new Date().toISOString(), updated_at: new Date(Date.now() + 1000).toISOString(),
    }, { account_id: team.id });
    assert.equal((await sendLemonSqueezy(server, invoice('subscription_payment_success'))).body.outcome, 'applied');
    assert.equal((await subscriptionOf(admin, sub)).status, 'active');
  });

  it('refuses a bad signature or a tampered body; a redelivery and a late event change nothing', async () => {
    const customer = ++ids;
    const sub = ++ids;
    const event = lemonSqueezyEvent('subscription_created', 'subscriptions', sub,
      lemonSqueezySubscription({ customer, quantity: 2 }), { account_id: team.id });
    for (const res of [
      await sendLemonSqueezy(server, event, { secret: 'not-the-secret' }),
      await sendLemonSqueezy(server, event, { tamper: (b) => b.replace('"quantity":2', '"quantity":200') }),
    ]) {
      assert.deepEqual([res.status, res.body.error], [400, 'invalid_signature']);
    }
    assert.equal(await subscriptionOf(admin, sub), null);
    assert.equal((await sendLemonSqueezy(server, event)).body.outcome, 'applied');
    assert.equal((await sendLemonSqueezy(server, event)).body.outcome, 'duplicate');
    const late = lemonSqueezyEvent('subscription_updated', 'subscriptions', sub,
      lemonSqueezySubscription({ customer, quantity: 1, status: 'paused', updatedAt: new Date(Date.now() - 3600e3).toISOString() }),
      { account_id: team.id });
    assert.equal((await sendLemonSqueezy(server, late)).body.outcome, 'stale');
    assert.equal((await subscriptionOf(admin, sub)).items[0].quantity, 2);
    const broken = await sendLemonSqueezy(server, '{"meta": ');
    assert.deepEqual([broken.status, broken.body.error], [400, 'invalid_event']);
    const unknown = await sendLemonSqueezy(server, lemonSqueezyEvent('license_key_created', 'license-keys', 1, { updated_at: new Date().toISOString() }));
    assert.deepEqual([unknown.status, unknown.body.outcome], [200, 'ignored']);
  });
});
