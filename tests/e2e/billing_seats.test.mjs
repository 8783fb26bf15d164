// Per-seat sync end to end: when a team with an active per_seat item gains or loses a
// member, the item's quantity follows in the same transaction and the provider's API is
// told through a persisted job. The providers' APIs are a local HTTP server run by this
// test, which can be "down" (503) to show the retries, and outlives a server restart to
// show the job survives it.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { startServer, makeDataDir } from './support/server.mjs';
import { adminClient, signedUpUser } from './support/supabase.mjs';
import { makeTeam } from './support/tenancy.mjs';
import { fakeProviderApi } from './support/provider_api.mjs';
import {
  STRIPE_SECRET, sendStripe, stripeEvent, stripeSubscription,
  LEMON_SQUEEZY_SECRET, sendLemonSqueezy, lemonSqueezyEvent, lemonSqueezySubscription,
} from './support/billing.mjs';

const limits = ['--auth-rate-limit-per-ip', '10000', '--auth-rate-limit-per-email', '10000'];
let ids = 0;
const unique = (prefix) => `${prefix}_${process.pid}_${Date.now()}_${++ids}`;

describe('Per-seat sync with the providers', () => {
  let api, dataDir, server, admin, owner, second, third, team;
  const env = () => ({
    TENANTBASE_STRIPE_WEBHOOK_SECRET: STRIPE_SECRET,
    TENANTBASE_STRIPE_SECRET_KEY: 'sk_test_tenantbase_e2e',
    TENANTBASE_STRIPE_API_URL: api.url,
    TENANTBASE_LEMON_SQUEEZY_WEBHOOK_SECRET: LEMON_SQUEEZY_SECRET,
    TENANTBASE_LEMON_SQUEEZY_API_KEY: 'ls_test_tenantbase_e2e',
    TENANTBASE_LEMON_SQUEEZY_API_URL: api.url,
  });

  before(async () => {
    api = await fakeProviderApi();
    dataDir = makeDataDir();
    server = await startServer({ args: limits, env: env(), dataDir });
    admin = adminClient(server);
    owner = await signedUpUser(server);
    second = await signedUpUser(server);
    third = await signedUpUser(server);
  });
  after(async () => {
    await server.stop();
    await api.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const seatsOf = async (itemId) => (await admin.from('subscription_items').select('quantity').eq('id', itemId).single()).data.quantity;
  const join = async (account, user, role = 'member') => {
    const { error } = await admin.from('accounts_memberships').insert({ account_id: account.id, user_id: user.user.id, account_role: role });
    assert.equal(error, null, error?.message);
  };

  it('Stripe: a join and a removal change the quantity at once and reach the API, retried while it is down', async () => {
    team = await makeTeam(server, owner);
    const customer = unique('cus');
    const sub = unique('sub');
    await sendStripe(server, stripeEvent('checkout.session.completed', {
      id: unique('cs'), object: 'checkout.session', mode: 'subscription', client_reference_id: team.id, customer,
    }));
    const created = await sendStripe(server, stripeEvent('customer.subscription.created', stripeSubscription({
      id: sub, customer, items: [{ price: 'price_seat', type: 'per_seat', quantity: 1 }, { price: 'price_base', type: 'flat' }],
    })));
    assert.equal(created.body.outcome, 'applied');
    const seatItem = `si_${sub}_0`;
    const flatItem = `si_${sub}_1`;

    api.down = true;
    await join(team, second);
    assert.equal(await seatsOf(seatItem), 2, 'the quantity follows the member count in the same transaction');
    assert.equal(await seatsOf(flatItem), 1, 'flat items do not count seats');
    const failed = await api.waitFor((r) => r.url === `/v1/subscription_items/${seatItem}`, 'the first attempt');
    assert.equal(failed.answered, 503);
    api.down = false;
    const told = await api.waitFor((r) => r.url === `/v1/subscription_items/${seatItem}` && r.answered === 200, 'the retry');
    assert.equal(told.method, 'POST');
    assert.equal(told.headers.authorization, 'Bearer sk_test_tenantbase_e2e');
    assert.equal(told.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.equal(new URLSearchParams(told.body).get('quantity'), '2');
    assert.equal(told.headers['idempotency-key'], failed.headers['idempotency-key'], 'a retry is the same request to Stripe');
    assert.ok(!api.requests.some((r) => r.url.includes(flatItem)), 'flat items are never sent');

    // The owner removes the member through the workflow; the provider hears quantity 1.
    const { error } = await owner.client.rpc('remove_member', { account_id: team.id, user_id: second.user.id });
    assert.equal(error, null, error?.message);
    assert.equal(await seatsOf(seatItem), 1);
    const removed = await api.waitFor((r) => r.url === `/v1/subscription_items/${seatItem}` && new URLSearchParams(r.body).get('quantity') === '1',
      'the lower quantity');
    assert.equal(removed.answered, 200);
  });

  it('a member leaving and a canceled subscription: only active subscriptions are billed per seat', async () => {
    const other = await makeTeam(server, owner, [[third, 'member']]);
    const customer = unique('cus');
    const sub = unique('sub');
    await sendStripe(server, stripeEvent('checkout.session.completed', {
      id: unique('cs'), object: 'checkout.session', mode: 'subscription', client_reference_id: other.id, customer,
    }));
    await sendStripe(server, stripeEvent('customer.subscription.created', stripeSubscription({
      id: sub, customer, status: 'canceled', items: [{ price: 'price_seat', type: 'per_seat', quantity: 2 }],
    })));
    const before = api.requests.length;
    const left = await third.client.from('accounts_memberships').delete().eq('account_id', other.id).eq('user_id', third.user.id);
    assert.equal(left.error, null, left.error?.message);
    assert.equal((await admin.from('accounts_memberships').select('user_id').eq('account_id', other.id)).data.length, 1);
    assert.equal(await seatsOf(`si_${sub}_0`), 2, 'a canceled subscription keeps its last quantity');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(api.requests.slice(before).filter((r) => r.url.includes(sub)).length, 0, 'and the provider is not called');
  });

  it('Lemon Squeezy: the change waits in its job across a restart and lands when the API is back', async () => {
    const lsTeam = await makeTeam(server, owner);
    const customer = 880000 + ++ids;
    const sub = 890000 + ++ids;
    const itemId = 990000 + ++ids;
    const res = await sendLemonSqueezy(server, lemonSqueezyEvent('subscription_created', 'subscriptions', sub,
      lemonSqueezySubscription({ customer, itemId, quantity: 1 }), { account_id: lsTeam.id, item_type: 'per_seat' }));
    assert.equal(res.body.outcome, 'applied', JSON.stringify(res.body));

    api.down = true;
    await join(lsTeam, third);
    const url = `/v1/subscription-items/${itemId}`;
    await api.waitFor((r) => r.url === url, 'the first attempt');
    await server.stop();
    const whileStopped = api.requests.length;
    api.down = false;
    server = await startServer({ args: limits, env: env(), dataDir });
    admin = adminClient(server);
    const told = await api.waitFor((r, i) => i >= whileStopped && r.url === url && r.answered === 200, 'the job after the restart');
    assert.equal(told.method, 'PATCH');
    assert.equal(told.headers['content-type'], 'application/vnd.api+json');
    assert.deepEqual(JSON.parse(told.body), { data: { type: 'subscription-items', id: String(itemId), attributes: { quantity: 2 } } });
    assert.equal(await seatsOf(String(itemId)), 2);
  });
});
