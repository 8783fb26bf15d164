// Paddle webhooks end to end: a subscription's life and a one-off transaction become the
// seed's billing rows read by members; the signatures these tests compute are accepted by
// the official Paddle SDK's own verifier, and bad ones are refused; duplicates and late
// events change nothing.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Paddle } from '@paddle/paddle-node-sdk';
import { startServer } from './support/server.mjs';
import { adminClient, signedUpUser } from './support/supabase.mjs';
import { makeTeam } from './support/tenancy.mjs';
import { PADDLE_SECRET, paddleEvent, paddleSignature, paddleSubscription, sendPaddle } from './support/billing.mjs';

const limits = ['--auth-rate-limit-per-ip', '10000', '--auth-rate-limit-per-email', '10000'];
let ids = 0;
const unique = (prefix) => `${prefix}_${process.pid}_${Date.now()}_${++ids}`;

describe('Paddle webhooks', () => {
  let server, admin, owner, member, outsider, team;
  before(async () => {
    server = await startServer({ args: limits, env: { TENANTBASE_PADDLE_WEBHOOK_SECRET: PADDLE_SECRET } });
    admin = adminClient(server);
    owner = await signedUpUser(server);
    member = await signedUpUser(server);
    outsider = await signedUpUser(server);
    team = await makeTeam(server, owner, [[member, 'member']]);
  });
  after(async () => { await server.stop(); });

  const subscriptionOf = async (c, id) => (await c.from('subscriptions')
    .select('status, active, cancel_at_period_end, currency, items:subscription_items(price_id, quantity, type, price_amount, interval)')
    .eq('id', id).maybeSingle()).data;

  it('the signature these tests send is the one the Paddle SDK verifies', async () => {
    const body = JSON.stringify(paddleEvent('subscription.created',
      paddleSubscription({ id: 'sub_sdk', customer: 'ctm_sdk', accountId: team.id, items: [{ price: 'pri_1' }] })));
    const paddle = new Paddle('pdl_sdbx_apikey_tenantbase_e2e_not_real');
    assert.equal(await paddle.webhooks.isSignatureValid(body, PADDLE_SECRET, paddleSignature(body)), true);
    assert.equal(await paddle.webhooks.isSignatureValid(body, 'another-secret', paddleSignature(body)), false);
    const parsed = await paddle.webhooks.unmarshal(body, PADDLE_SECRET, paddleSignature(body));
    assert.equal(parsed.eventType, 'subscription.created', 'the SDK reads our fixture as a Paddle event');
    assert.equal(parsed.data.id, 'sub_sdk');
  });

  it('a subscription\'s life: created, more seats, past_due, scheduled cancel, canceled', async () => {
    const customer = unique('ctm');
    const sub = unique('sub');
    const seats = (quantity, extra = {}) => paddleSubscription({
      id: sub, customer, accountId: team.id, ...extra,
      items: [{ price: 'pri_pro', amount: 2900 }, { price: 'pri_seat', type: 'per_seat', quantity, amount: 800 }],
    });
    let res = await sendPaddle(server, paddleEvent('subscription.created', seats(2)));
    assert.deepEqual([res.status, res.body.outcome], [200, 'applied'], JSON.stringify(res.body));
    let row = await subscriptionOf(member.client, sub);
    assert.deepEqual([row.status, row.active, row.currency], ['active', true, 'usd']);
    assert.deepEqual(row.items.map((i) => [i.price_id, i.quantity, i.type, Number(i.price_amount), i.interval]).sort(),
      [['pri_pro', 1, 'flat', 2900, 'month'], ['pri_seat', 2, 'per_seat', 800, 'month']]);
    const customers = await member.client.from('billing_customers').select('customer_id, provider').eq('account_id', team.id);
    assert.deepEqual(customers.data, [{ customer_id: customer, provider: 'paddle' }]);

    await sendPaddle(server, paddleEvent('subscription.updated', seats(6)));
    row = await subscriptionOf(owner.client, sub);
    assert.equal(row.items.find((i) => i.price_id === 'pri_seat').quantity, 6);

    await sendPaddle(server, paddleEvent('subscription.past_due', seats(6, { status: 'past_due' })));
    assert.equal((await subscriptionOf(owner.client, sub)).status, 'past_due');
    const issues = await member.client.from('notifications').select('id').eq('account_id', team.id).eq('type', 'billing_issue');
    assert.equal(issues.data.length, 1);

    await sendPaddle(server, paddleEvent('subscription.updated', seats(6, { scheduledCancel: true })));
    row = await subscriptionOf(owner.client, sub);
    assert.deepEqual([row.status, row.cancel_at_period_end], ['active', true]);

    res = await sendPaddle(server, paddleEvent('subscription.canceled', seats(6, { status: 'canceled' })));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    row = await subscriptionOf(owner.client, sub);
    assert.deepEqual([row.status, row.active], ['canceled', false]);
    assert.equal(await subscriptionOf(outsider.client, sub), null);
  });

  it('a one-off transaction is an order; a renewal paid brings a past_due subscription back', async () => {
    const customer = unique('ctm');
    const txn = unique('txn');
    const res = await sendPaddle(server, paddleEvent('transaction.completed', {
      id: txn, status: 'completed', customer_id: customer, currency_code: 'EUR', custom_data: { account_id: team.id },
      subscription_id: null, origin: 'web', collection_mode: 'automatic',
      details: { totals: { subtotal: '9900', tax: '0', total: '9900', currency_code: 'EUR' } },
      items: [{ price_id: 'pri_once', quantity: 1, price: { id: 'pri_once', product_id: 'pro_once', unit_price: { amount: '9900', currency_code: 'EUR' } } }],
      created_at: new Date().toISOString(), updated_at: new Date().toISOString(),
    }));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const order = await member.client.from('orders').select('status, total_amount, currency, order_items(price_id)').eq('id', txn).single();
    assert.deepEqual([order.data.status, Number(order.data.total_amount), order.data.currency], ['succeeded', 9900, 'eur']);
    assert.deepEqual(order.data.order_items, [{ price_id: 'pri_once' }]);

    const sub = unique('sub');
    await sendPaddle(server, paddleEvent('subscription.created',
      paddleSubscription({ id: sub, customer, accountId: team.id, status: 'past_due', items: [{ price: 'pri_pro' }] })));
    const renewal = await sendPaddle(server, paddleEvent('transaction.completed', {
      id: unique('txn'), status: 'completed', customer_id: customer, currency_code: 'EUR', custom_data: null,
      subscription_id: sub, details: { totals: { total: '2900' } }, items: [],
    }));
    assert.equal(renewal.body.outcome, 'applied', JSON.stringify(renewal.body));
    assert.equal((await subscriptionOf(admin, sub)).status, 'active');
  });

  it('refuses bad signatures, old timestamps and tampered bodies; duplicates and late events change nothing', async () => {
    const customer = unique('ctm');
    const sub = unique('sub');
    const event = paddleEvent('subscription.created',
      paddleSubscription({ id: sub, customer, accountId: team.id, items: [{ price: 'pri_pro' }] }));
    for (const res of [
      await sendPaddle(server, event, { secret: 'wrong' }),
      await sendPaddle(server, event, { ts: Math.floor(Date.now() / 1000) - 400 }),
      await sendPaddle(server, event, { tamper: (b) => b.replace('pri_pro', 'pri_free') }),
    ]) {
      assert.deepEqual([res.status, res.body.error], [400, 'invalid_signature']);
    }
    assert.equal(await subscriptionOf(admin, sub), null);

    assert.equal((await sendPaddle(server, event)).body.outcome, 'applied');
    assert.equal((await sendPaddle(server, event)).body.outcome, 'duplicate');
    const late = paddleEvent('subscription.updated',
      paddleSubscription({ id: sub, customer, accountId: team.id, status: 'paused', items: [{ price: 'pri_pro' }] }),
      { occurredAt: new Date(Date.now() - 3600e3).toISOString() });
    assert.equal((await sendPaddle(server, late)).body.outcome, 'stale');
    assert.equal((await subscriptionOf(admin, sub)).status, 'active');
    const unknown = await sendPaddle(server, paddleEvent('address.created', { id: 'add_1' }));
    assert.deepEqual([unknown.status, unknown.body.outcome], [200, 'ignored']);
  });
});
