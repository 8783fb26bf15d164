// Stripe webhooks end to end: events signed by the official Stripe SDK become the seed's
// billing rows, which members read through supabase-js; bad signatures, stale timestamps
// and tampered bodies change nothing; duplicates and out-of-order deliveries are harmless;
// a crash after the commit is survived by the provider's retry.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { startServer, makeDataDir } from './support/server.mjs';
import { adminClient, signedUpUser } from './support/supabase.mjs';
import { makeTeam } from './support/tenancy.mjs';
import { STRIPE_SECRET, sendStripe, stripeEvent, stripeSubscription } from './support/billing.mjs';

const env = { TENANTBASE_STRIPE_WEBHOOK_SECRET: STRIPE_SECRET };
const limits = ['--auth-rate-limit-per-ip', '10000', '--auth-rate-limit-per-email', '10000'];
let ids = 0;
const unique = (prefix) => `${prefix}_${process.pid}_${Date.now()}_${++ids}`;

describe('Stripe webhooks', () => {
  let server, admin, owner, member, outsider, team;
  before(async () => {
    server = await startServer({ args: limits, env });
    admin = adminClient(server);
    owner = await signedUpUser(server);
    member = await signedUpUser(server);
    outsider = await signedUpUser(server);
    team = await makeTeam(server, owner, [[member, 'member']]);
  });
  after(async () => { await server.stop(); });

  const checkout = (customer, accountId = team.id) => stripeEvent('checkout.session.completed', {
    id: unique('cs'), object: 'checkout.session', mode: 'subscription', client_reference_id: accountId,
    customer, customer_details: { email: 'billing@example.com' }, subscription: 'sub_x', payment_status: 'paid',
  });
  const subscriptionOf = async (c, id) => (await c.from('subscriptions')
    .select('id, status, active, cancel_at_period_end, items:subscription_items(price_id, quantity, type, price_amount, interval)')
    .eq('id', id).maybeSingle()).data;

  it('a subscription\'s whole life ends in the right rows, read by members only', async () => {
    const customer = unique('cus');
    const sub = unique('sub');
    let res = await sendStripe(server, checkout(customer));
    assert.deepEqual([res.status, res.body.outcome], [200, 'applied'], JSON.stringify(res.body));
    const customers = await member.client.from('billing_customers').select('customer_id, provider, email').eq('account_id', team.id);
    assert.deepEqual(customers.data, [{ customer_id: customer, provider: 'stripe', email: 'billing@example.com' }]);

    const items = [{ price: 'price_pro' }, { price: 'price_seat', type: 'per_seat', quantity: 2, amount: 500 }];
    res = await sendStripe(server, stripeEvent('customer.subscription.created', stripeSubscription({ id: sub, customer, items })));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    let row = await subscriptionOf(member.client, sub);
    assert.equal(row.status, 'active');
    assert.equal(row.active, true);
    assert.deepEqual(row.items.map((i) => [i.price_id, i.quantity, i.type]).sort(),
      [['price_pro', 1, 'flat'], ['price_seat', 2, 'per_seat']]);
    assert.equal((await owner.client.rpc('has_active_subscription', { account_id: team.id })).data, true);

    // More seats, then a failed payment, then the end.
    const more = [{ price: 'price_pro' }, { price: 'price_seat', type: 'per_seat', quantity: 5, amount: 500 }];
    await sendStripe(server, stripeEvent('customer.subscription.updated', stripeSubscription({ id: sub, customer, items: more })));
    row = await subscriptionOf(owner.client, sub);
    assert.equal(row.items.find((i) => i.price_id === 'price_seat').quantity, 5);

    await sendStripe(server, stripeEvent('customer.subscription.updated', stripeSubscription({ id: sub, customer, status: 'past_due', items: more })));
    row = await subscriptionOf(owner.client, sub);
    assert.deepEqual([row.status, row.active], ['past_due', false]);
    const issues = await member.client.from('notifications').select('type, body').eq('account_id', team.id).eq('type', 'billing_issue');
    assert.equal(issues.data.length, 1, 'the team hears about the failed payment');

    res = await sendStripe(server, stripeEvent('customer.subscription.deleted', stripeSubscription({ id: sub, customer, status: 'canceled', items: more })));
    assert.equal(res.status, 200);
    row = await subscriptionOf(owner.client, sub);
    assert.deepEqual([row.status, row.active], ['canceled', false]);
    assert.equal((await owner.client.rpc('has_active_subscription', { account_id: team.id })).data, false);

    assert.equal(await subscriptionOf(outsider.client, sub), null, 'a non-member reads nothing');
    assert.deepEqual((await outsider.client.from('billing_customers').select('id').eq('account_id', team.id)).data, []);
  });

  it('a one-off payment becomes an order with its items', async () => {
    const session = unique('cs');
    const res = await sendStripe(server, stripeEvent('checkout.session.completed', {
      id: session, object: 'checkout.session', mode: 'payment', client_reference_id: team.id, customer: unique('cus'),
      payment_status: 'paid', amount_total: 4900, currency: 'eur',
      line_items: { object: 'list', data: [{ id: 'li_1', quantity: 1, price: { id: 'price_lifetime', product: 'prod_l', unit_amount: 4900 } }] },
    }));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const order = await member.client.from('orders').select('status, total_amount, currency, order_items(price_id, quantity)').eq('id', session).single();
    assert.equal(order.error, null, order.error?.message);
    assert.deepEqual([order.data.status, Number(order.data.total_amount), order.data.currency], ['succeeded', 4900, 'eur']);
    assert.deepEqual(order.data.order_items, [{ price_id: 'price_lifetime', quantity: 1 }]);
    assert.deepEqual((await outsider.client.from('orders').select('id').eq('id', session)).data, []);
  });

  it('a bad signature, another secret, a stale timestamp or a tampered body is 400 and writes nothing', async () => {
    const customer = unique('cus');
    const event = checkout(customer);
    const attempts = [
      await sendStripe(server, event, { secret: 'whsec_someone_else' }),
      await sendStripe(server, event, { timestamp: Math.floor(Date.now() / 1000) - 301 }),
      await sendStripe(server, event, { timestamp: Math.floor(Date.now() / 1000) + 301 }),
      await sendStripe(server, event, { tamper: (body) => body.replace(team.id, owner.user.id) }),
    ];
    for (const res of attempts) {
      assert.equal(res.status, 400);
      assert.equal(res.body.error, 'invalid_signature');
    }
    const unsigned = await fetch(`${server.url}/billing/v1/webhooks/stripe`, { method: 'POST', body: JSON.stringify(event) });
    assert.equal(unsigned.status, 400);
    assert.deepEqual((await admin.from('billing_customers').select('id').eq('customer_id', customer)).data, []);
    assert.match(server.logs(), /billing webhook stripe from .*refused/);
  });

  it('the same event twice has one effect; an older event than the stored state changes nothing', async () => {
    const customer = unique('cus');
    const sub = unique('sub');
    await sendStripe(server, checkout(customer));
    const t = Math.floor(Date.now() / 1000);
    const newer = stripeEvent('customer.subscription.updated',
      stripeSubscription({ id: sub, customer, status: 'past_due', items: [{ price: 'price_seat', type: 'per_seat', quantity: 7 }] }), { created: t });
    assert.equal((await sendStripe(server, newer)).body.outcome, 'applied');
    assert.equal((await sendStripe(server, newer)).body.outcome, 'duplicate');
    const older = stripeEvent('customer.subscription.updated',
      stripeSubscription({ id: sub, customer, status: 'active', items: [{ price: 'price_seat', type: 'per_seat', quantity: 3 }] }), { created: t - 100 });
    assert.equal((await sendStripe(server, older)).body.outcome, 'stale');
    const row = await subscriptionOf(admin, sub);
    assert.deepEqual([row.status, row.items[0].quantity], ['past_due', 7], 'the newest state wins');
    const issues = await admin.from('notifications').select('id').eq('account_id', team.id).eq('type', 'billing_issue')
      .contains('metadata', { status: 'past_due' });
    assert.ok(issues.data.length >= 1);
  });

  it('invoices move the status; unknown types are acknowledged; malformed JSON after a valid signature is 400', async () => {
    const customer = unique('cus');
    const sub = unique('sub');
    await sendStripe(server, checkout(customer));
    await sendStripe(server, stripeEvent('customer.subscription.created',
      stripeSubscription({ id: sub, customer, status: 'past_due', items: [{ price: 'price_pro' }] })));
    let res = await sendStripe(server, stripeEvent('invoice.paid', { id: unique('in'), object: 'invoice', subscription: sub }));
    assert.equal(res.body.outcome, 'applied');
    assert.equal((await subscriptionOf(admin, sub)).status, 'active');
    res = await sendStripe(server, stripeEvent('invoice.payment_failed', { id: unique('in'), object: 'invoice', subscription: sub }));
    assert.equal((await subscriptionOf(admin, sub)).status, 'past_due');

    res = await sendStripe(server, stripeEvent('charge.refunded', { id: 'ch_1', object: 'charge' }));
    assert.deepEqual([res.status, res.body.outcome], [200, 'ignored']);
    res = await sendStripe(server, '{"id": "evt_broken", "type": ');
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'invalid_event');
    res = await sendStripe(server, stripeEvent('customer.subscription.updated', { id: 'sub_no_customer', status: 'active' }));
    assert.equal(res.status, 400);
  });

  it('a subscription before its checkout is 500 (retried) and applies once the checkout arrived', async () => {
    const customer = unique('cus');
    const sub = unique('sub');
    const early = stripeEvent('customer.subscription.created', stripeSubscription({ id: sub, customer, items: [{ price: 'price_pro' }] }));
    let res = await sendStripe(server, early);
    assert.equal(res.status, 500, JSON.stringify(res.body));
    assert.equal(await subscriptionOf(admin, sub), null);
    await sendStripe(server, checkout(customer));
    res = await sendStripe(server, early);
    assert.deepEqual([res.status, res.body.outcome], [200, 'applied']);
    assert.equal((await subscriptionOf(member.client, sub)).status, 'active');
  });

  it('an event naming an account that does not exist is 400', async () => {
    const res = await sendStripe(server, checkout(unique('cus'), '00000000-0000-4000-8000-00000000dead'));
    assert.equal(res.status, 400);
    assert.match(res.body.message, /no account/);
  });
});

describe('Stripe webhooks: configuration and crashes', () => {
  it('without a secret the endpoint does not exist', async () => {
    const server = await startServer({ args: limits });
    try {
      const res = await sendStripe(server, stripeEvent('invoice.paid', { id: 'in_1' }));
      assert.equal(res.status, 404);
      for (const provider of ['lemon-squeezy', 'paddle', 'braintree']) {
        const other = await fetch(`${server.url}/billing/v1/webhooks/${provider}`, { method: 'POST', body: '{}' });
        assert.equal(other.status, 404);
      }
    } finally {
      await server.stop();
    }
  });

  it('killed after the commit but before the provider heard back, the retry is a duplicate with one effect', async () => {
    const dataDir = makeDataDir();
    let server = await startServer({ args: limits, env, dataDir });
    const owner = await signedUpUser(server);
    const team = await makeTeam(server, owner);
    const customer = unique('cus');
    const sub = unique('sub');
    await sendStripe(server, stripeEvent('checkout.session.completed', {
      id: unique('cs'), mode: 'subscription', client_reference_id: team.id, customer,
    }));
    const event = stripeEvent('customer.subscription.updated',
      stripeSubscription({ id: sub, customer, status: 'past_due', items: [{ price: 'price_pro' }] }));
    assert.equal((await sendStripe(server, event)).status, 200);
    await server.stop('SIGKILL');
    server = await startServer({ args: limits, env, dataDir });
    try {
      const retry = await sendStripe(server, event);
      assert.deepEqual([retry.status, retry.body.outcome], [200, 'duplicate']);
      const admin = adminClient(server);
      assert.equal((await admin.from('subscriptions').select('id').eq('id', sub)).data.length, 1);
      const issues = await admin.from('notifications').select('id').eq('account_id', team.id).eq('type', 'billing_issue');
      assert.equal(issues.data.length, 1, 'one notification, not two');
    } finally {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
