// Checkout, the customer portal, feature access and metered usage end to end, with the
// app's plans from a billing config file. Stripe's and Lemon Squeezy's APIs are a local
// HTTP server run by this test (support/provider_api.mjs); webhooks are signed as the
// providers sign them (support/billing.mjs).

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from './support/server.mjs';
import { adminClient, signedUpUser } from './support/supabase.mjs';
import { makeTeam } from './support/tenancy.mjs';
import { fakeProviderApi } from './support/provider_api.mjs';
import {
  STRIPE_SECRET, sendStripe, stripeEvent, stripeSubscription,
  LEMON_SQUEEZY_SECRET, sendLemonSqueezy, lemonSqueezyEvent, lemonSqueezySubscription,
  PADDLE_SECRET, sendPaddle, paddleEvent, paddleSubscription,
} from './support/billing.mjs';

const SITE = 'https://app.example.com';
const limits = ['--auth-rate-limit-per-ip', '10000', '--auth-rate-limit-per-email', '10000'];
let ids = 0;
const unique = (prefix) => `${prefix}_${process.pid}_${Date.now()}_${++ids}`;

const plans = {
  plans: [
    { id: 'team-seats', provider: 'stripe', price_id: 'price_seats', per_seat: true, features: ['export', { name: 'ai_tokens', usage_limit: 1000 }] },
    { id: 'lifetime', provider: 'stripe', price_id: 'price_lifetime', mode: 'payment' },
    { id: 'api-usage', provider: 'stripe', price_id: 'price_api', meter: 'api_calls', features: ['api'] },
    { id: 'ls-usage', provider: 'lemon-squeezy', price_id: '777', features: ['ls_api'] },
  ],
};

describe('Checkout, portal, features and usage', () => {
  let api, dir, server, admin, owner, member, outsider, team;
  before(async () => {
    api = await fakeProviderApi({
      respond: (r) => {
        if (r.url === '/v1/checkout/sessions') {
          const form = new URLSearchParams(r.body);
          if (form.get('line_items[0][price]') === 'price_lifetime' && form.get('customer_email') === 'refuse@example.com') {
            return { status: 400, body: { error: { message: 'No such price' } } };
          }
          return { status: 200, body: { id: 'cs_test_1', object: 'checkout.session', url: 'https://checkout.stripe.test/c/cs_test_1' } };
        }
        if (r.url === '/v1/billing_portal/sessions') return { status: 200, body: { id: 'bps_1', url: 'https://billing.stripe.test/p/1' } };
        return { status: 200, body: {} };
      },
    });
    dir = mkdtempSync(join(tmpdir(), 'tb-plans-'));
    writeFileSync(join(dir, 'billing.json'), JSON.stringify(plans));
    server = await startServer({
      args: [...limits, '--billing-config', join(dir, 'billing.json')],
      env: {
        TENANTBASE_SITE_URL: SITE,
        TENANTBASE_STRIPE_WEBHOOK_SECRET: STRIPE_SECRET,
        TENANTBASE_STRIPE_SECRET_KEY: 'sk_test_tenantbase_e2e',
        TENANTBASE_STRIPE_API_URL: api.url,
        TENANTBASE_LEMON_SQUEEZY_WEBHOOK_SECRET: LEMON_SQUEEZY_SECRET,
        TENANTBASE_LEMON_SQUEEZY_API_KEY: 'ls_test_tenantbase_e2e',
        TENANTBASE_LEMON_SQUEEZY_API_URL: api.url,
        TENANTBASE_PADDLE_WEBHOOK_SECRET: PADDLE_SECRET,
      },
    });
    admin = adminClient(server);
    owner = await signedUpUser(server);
    member = await signedUpUser(server);
    outsider = await signedUpUser(server);
    team = await makeTeam(server, owner, [[member, 'member']]);
  });
  after(async () => {
    await server.stop();
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = async (path, user, body) => {
    const headers = { apikey: server.keys().anon, 'Content-Type': 'application/json' };
    if (user) headers.Authorization = `Bearer ${user.session.access_token}`;
    const res = await fetch(`${server.url}/billing/v1/${path}`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
    return { status: res.status, body: await res.json() };
  };
  const stripeCalls = (path) => api.requests.filter((r) => r.url === path).map((r) => new URLSearchParams(r.body));

  it('checkout: an owner with billing.manage gets a Stripe session for the plan, seats counted, the account referenced', async () => {
    const res = await post('checkout', owner, { account_id: team.id, plan_id: 'team-seats', success_url: `${SITE}/home/${team.slug}/billing?ok=1` });
    assert.deepEqual(res, { status: 200, body: { id: 'cs_test_1', url: 'https://checkout.stripe.test/c/cs_test_1' } });
    const form = stripeCalls('/v1/checkout/sessions').at(-1);
    assert.equal(form.get('mode'), 'subscription');
    assert.equal(form.get('line_items[0][price]'), 'price_seats');
    assert.equal(form.get('line_items[0][quantity]'), '2', 'per seat: the team has two members');
    assert.equal(form.get('client_reference_id'), team.id);
    assert.equal(form.get('subscription_data[metadata][account_id]'), team.id);
    assert.equal(form.get('customer_email'), owner.email);
    assert.equal(form.get('success_url'), `${SITE}/home/${team.slug}/billing?ok=1`);
    assert.equal(form.get('cancel_url'), `${SITE}/billing?checkout=cancel`);
    assert.equal(api.requests.at(-1).headers.authorization, 'Bearer sk_test_tenantbase_e2e');

    const personal = await post('checkout', member, { account_id: member.user.id, plan_id: 'lifetime', cancel_url: '/pricing' });
    assert.equal(personal.status, 200, JSON.stringify(personal.body));
    const one = stripeCalls('/v1/checkout/sessions').at(-1);
    assert.deepEqual([one.get('mode'), one.get('line_items[0][quantity]'), one.get('cancel_url')], ['payment', '1', `${SITE}/pricing`]);
    assert.equal(one.get('subscription_data[metadata][account_id]'), null);
  });

  it('checkout refuses: no user, no right, another\'s account, billing switched off, unknown plans, off-site redirects', async () => {
    const before = api.requests.length;
    const cases = [
      [await post('checkout', null, { account_id: team.id, plan_id: 'team-seats' }), 401, 'unauthorized'],
      [await post('checkout', member, { account_id: team.id, plan_id: 'team-seats' }), 403, 'forbidden'],
      [await post('checkout', outsider, { account_id: team.id, plan_id: 'team-seats' }), 403, 'forbidden'],
      [await post('checkout', outsider, { account_id: owner.user.id, plan_id: 'lifetime' }), 403, 'forbidden'],
      [await post('checkout', outsider, { account_id: '00000000-0000-4000-8000-000000000000', plan_id: 'lifetime' }), 403, 'forbidden'],
      [await post('checkout', owner, { account_id: team.id, plan_id: 'gold' }), 404, 'not_found'],
      [await post('checkout', owner, { account_id: team.id, plan_id: 'ls-usage' }), 400, 'invalid_request'],
      [await post('checkout', owner, { account_id: team.id, plan_id: 'team-seats', success_url: 'https://evil.example/steal' }), 400, 'invalid_request'],
      [await post('checkout', owner, { account_id: team.id, plan_id: 'team-seats', success_url: `${SITE}.evil.example/x` }), 400, 'invalid_request'],
      [await post('checkout', owner, { account_id: team.id, plan_id: 'team-seats', cancel_url: '//evil.example/x' }), 400, 'invalid_request'],
      [await post('checkout', owner, { account_id: team.id }), 400, 'invalid_request'],
      [await post('checkout', owner, { account_id: 42, plan_id: 'team-seats' }), 400, 'invalid_request'],
      [await post('checkout', owner, '{"account_id": '), 400, 'invalid_request'],
    ];
    for (const [res, status, error] of cases) assert.deepEqual([res.status, res.body.error], [status, error], JSON.stringify(res.body));
    assert.equal(api.requests.length, before, 'no refused checkout reached Stripe');

    const off = await admin.from('config').update({ enable_team_account_billing: false }).neq('billing_provider', 'paddle');
    assert.equal(off.error, null);
    try {
      const res = await post('checkout', owner, { account_id: team.id, plan_id: 'team-seats' });
      assert.deepEqual([res.status, res.body.message], [403, 'billing is disabled for team accounts']);
      assert.equal((await post('checkout', owner, { account_id: owner.user.id, plan_id: 'lifetime' })).status, 200, 'personal billing stays on');
    } finally {
      await admin.from('config').update({ enable_team_account_billing: true }).neq('billing_provider', 'paddle');
    }
  });

  it('a refusal from Stripe is a 502 carrying its message', async () => {
    const refused = await signedUpUser(server);
    await admin.auth.admin.updateUserById(refused.user.id, { email: 'refuse@example.com' });
    // The caller's email is read from the store at checkout, so the change counts at once.
    const res = await post('checkout', refused, { account_id: refused.user.id, plan_id: 'lifetime' });
    assert.deepEqual([res.status, res.body.error], [502, 'provider_error']);
    assert.match(res.body.message, /No such price/);
  });

  it('the portal: only once the account has a customer, and then with it', async () => {
    const none = await post('portal', owner, { account_id: team.id });
    assert.deepEqual([none.status, none.body.error], [404, 'not_found']);
    const customer = unique('cus');
    await sendStripe(server, stripeEvent('checkout.session.completed', {
      id: unique('cs'), object: 'checkout.session', mode: 'subscription', client_reference_id: team.id, customer,
    }));
    const res = await post('portal', owner, { account_id: team.id, return_url: `${SITE}/home` });
    assert.deepEqual(res, { status: 200, body: { url: 'https://billing.stripe.test/p/1' } });
    const form = stripeCalls('/v1/billing_portal/sessions').at(-1);
    assert.deepEqual([form.get('customer'), form.get('return_url')], [customer, `${SITE}/home`]);
    assert.equal((await post('portal', member, { account_id: team.id })).status, 403);
    const next = await post('checkout', owner, { account_id: team.id, plan_id: 'team-seats' });
    assert.equal(next.status, 200);
    assert.equal(stripeCalls('/v1/checkout/sessions').at(-1).get('customer'), customer, 'a known customer is reused');
  });

  it('feature access follows the subscription: the plan\'s features while active, none once canceled', async () => {
    const features = await makeTeam(server, owner, [[member, 'member']]);
    const customer = unique('cus');
    const sub = unique('sub');
    await sendStripe(server, stripeEvent('checkout.session.completed', {
      id: unique('cs'), object: 'checkout.session', mode: 'subscription', client_reference_id: features.id, customer,
    }));
    const has = async (user, feature) => {
      const { data, error } = await user.client.rpc('has_feature_access', { target_account_id: features.id, feature_name: feature });
      assert.equal(error, null, error?.message);
      return data;
    };
    assert.equal(await has(member, 'export'), false);
    const send = (status, items) => sendStripe(server, stripeEvent('customer.subscription.updated', stripeSubscription({ id: sub, customer, status, items })));
    await send('active', [{ price: 'price_seats', type: 'per_seat', quantity: 2 }]);
    assert.equal(await has(member, 'export'), true);
    assert.equal(await has(member, 'api'), false);
    const rows = await member.client.from('subscription_features').select('feature_name, usage_limit').eq('subscription_id', sub).order('feature_name');
    assert.deepEqual(rows.data, [{ feature_name: 'ai_tokens', usage_limit: 1000 }, { feature_name: 'export', usage_limit: null }]);
    assert.equal((await member.client.rpc('has_active_subscription', { account_id: features.id })).data, true);
    // A non-member learns nothing about another account's billing, as the tables tell them nothing.
    assert.equal((await outsider.client.rpc('has_active_subscription', { account_id: features.id })).data, false);
    assert.equal((await outsider.client.rpc('has_feature_access', { target_account_id: features.id, feature_name: 'export' })).data, false);
    assert.equal((await admin.rpc('has_feature_access', { target_account_id: features.id, feature_name: 'export' })).data, true);

    await send('active', [{ price: 'price_api', type: 'metered' }]);
    assert.deepEqual([await has(member, 'export'), await has(member, 'api')], [false, true], 'a changed plan replaces the features');
    await send('canceled', [{ price: 'price_api', type: 'metered' }]);
    assert.equal(await has(member, 'api'), false);
    assert.equal((await member.client.rpc('has_active_subscription', { account_id: features.id })).data, false);
    assert.deepEqual((await outsider.client.from('subscription_features').select('feature_name').eq('subscription_id', sub)).data, []);
  });

  it('report_usage: service_role only; Stripe meter events and Lemon Squeezy usage records, each sent once', async () => {
    const metered = await makeTeam(server, owner);
    const customer = unique('cus');
    const sub = unique('sub');
    await sendStripe(server, stripeEvent('checkout.session.completed', {
      id: unique('cs'), object: 'checkout.session', mode: 'subscription', client_reference_id: metered.id, customer,
    }));
    let res = await admin.rpc('report_usage', { account_id: metered.id, quantity: 5 });
    assert.equal(res.error?.code, 'P0001', 'no subscription yet');
    await sendStripe(server, stripeEvent('customer.subscription.created', stripeSubscription({
      id: sub, customer, items: [{ price: 'price_seats', type: 'per_seat' }, { price: 'price_api', type: 'metered' }],
    })));

    res = await owner.client.rpc('report_usage', { account_id: metered.id, quantity: 5 });
    assert.equal(res.error?.code, '42501');
    res = await admin.rpc('report_usage', { account_id: metered.id, quantity: 0 });
    assert.equal(res.error?.code, '22023');
    res = await admin.rpc('report_usage', { account_id: metered.id, quantity: 5, feature: 'export' });
    assert.equal(res.error?.code, 'P0001', 'the seats plan is not metered');

    res = await admin.rpc('report_usage', { account_id: metered.id, quantity: 5, feature: 'api_calls' });
    assert.equal(res.error, null, res.error?.message);
    assert.deepEqual([res.data.quantity, res.data.subscription_item_id, res.data.feature], [5, `si_${sub}_1`, 'api_calls']);
    const meter = await api.waitFor((r) => r.url === '/v1/billing/meter_events' && r.body.includes(`tenantbase-usage-${res.data.id}`), 'the meter event');
    const form = new URLSearchParams(meter.body);
    assert.deepEqual([form.get('event_name'), form.get('payload[stripe_customer_id]'), form.get('payload[value]')], ['api_calls', customer, '5']);
    assert.equal(meter.headers['idempotency-key'], `tenantbase-usage-${res.data.id}`);
    const again = await admin.rpc('report_usage', { account_id: metered.id, quantity: 2 });
    assert.equal(again.error, null, 'one metered item: the feature may be left out');
    await api.waitFor((r) => r.url === '/v1/billing/meter_events' && new URLSearchParams(r.body).get('payload[value]') === '2', 'the second report');
    await new Promise((r) => setTimeout(r, 1200));
    assert.equal(api.requests.filter((r) => r.url === '/v1/billing/meter_events' && r.body.includes(`tenantbase-usage-${res.data.id}&`)).length, 1, 'usage is sent once');

    const lsTeam = await makeTeam(server, owner);
    const lsSub = 700000 + ++ids;
    const lsItem = 710000 + ++ids;
    await sendLemonSqueezy(server, lemonSqueezyEvent('subscription_created', 'subscriptions', lsSub,
      lemonSqueezySubscription({ customer: 720000 + ++ids, itemId: lsItem, priceId: 777, usage: true }), { account_id: lsTeam.id }));
    res = await admin.rpc('report_usage', { account_id: lsTeam.id, quantity: 3, feature: 'ls_api' });
    assert.equal(res.error, null, res.error?.message);
    const record = await api.waitFor((r) => r.url === '/v1/usage-records', 'the usage record');
    assert.deepEqual(JSON.parse(record.body), { data: { type: 'usage-records', attributes: { quantity: 3, action: 'increment' },
      relationships: { 'subscription-item': { data: { type: 'subscription-items', id: String(lsItem) } } } } });

    const paddleTeam = await makeTeam(server, owner);
    const paddleSub = unique('sub');
    const created = await sendPaddle(server, paddleEvent('subscription.created', paddleSubscription({
      id: paddleSub, customer: unique('ctm'), accountId: paddleTeam.id, items: [{ price: 'pri_usage', type: 'metered' }],
    })));
    assert.equal(created.status, 200, JSON.stringify(created.body));
    res = await admin.rpc('report_usage', { account_id: paddleTeam.id, quantity: 1 });
    assert.equal(res.error?.code, '0A000', JSON.stringify(res.error));
  });
});
