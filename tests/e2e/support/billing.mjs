// tests/e2e/support/billing.mjs
//
// Delivering provider webhooks to a test server the way the providers do: the raw JSON
// body, signed with the endpoint's secret (Stripe through its official SDK), and reading
// back what the server made of it.

import { createHmac } from 'node:crypto';
import Stripe from 'stripe';

export const STRIPE_SECRET = 'whsec_tenantbase_e2e_stripe_secret';
const stripe = new Stripe('sk_test_tenantbase_e2e_not_a_real_key');

// POSTs `event` (an object, or a raw string) to /billing/v1/webhooks/stripe signed by the
// Stripe SDK. `timestamp` (seconds) and `secret` may be overridden; `tamper` changes the
// body after signing. Resolves with { status, body }.
export async function sendStripe(server, event, { timestamp, secret = STRIPE_SECRET, tamper } = {}) {
  const payload = typeof event === 'string' ? event : JSON.stringify(event);
  const header = stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });
  return post(server, 'stripe', tamper ? tamper(payload) : payload, { 'Stripe-Signature': header });
}

let counter = 0;
const now = () => Math.floor(Date.now() / 1000);

// A Stripe event envelope around `object`.
export function stripeEvent(type, object, { id, created } = {}) {
  counter += 1;
  return {
    id: id ?? `evt_e2e_${process.pid}_${counter}`,
    object: 'event',
    api_version: '2024-06-20',
    created: created ?? now(),
    type,
    data: { object },
  };
}

// A Stripe subscription object: `items` as [{ price, quantity, type, amount }].
export function stripeSubscription({ id, customer, status = 'active', accountId, items, cancelAtPeriodEnd = false }) {
  const start = now() - 60;
  return {
    id,
    object: 'subscription',
    customer,
    status,
    currency: 'usd',
    cancel_at_period_end: cancelAtPeriodEnd,
    current_period_start: start,
    current_period_end: start + 30 * 86400,
    trial_start: null,
    trial_end: null,
    metadata: accountId ? { account_id: accountId } : {},
    items: {
      object: 'list',
      data: items.map((item, i) => ({
        id: `si_${id}_${i}`,
        quantity: item.quantity ?? 1,
        price: {
          id: item.price,
          product: `prod_${item.price}`,
          unit_amount: item.amount ?? 1000,
          recurring: { interval: 'month', interval_count: 1, usage_type: item.type === 'metered' ? 'metered' : 'licensed' },
          metadata: item.type ? { type: item.type } : {},
        },
      })),
    },
  };
}

// ---- Paddle -------------------------------------------------------------------------------

export const PADDLE_SECRET = 'pdl_ntfset_tenantbase_e2e_secret';

// The Paddle-Signature header for `body` at `ts` (seconds): HMAC-SHA256 of "ts:body".
export function paddleSignature(body, { ts = Math.floor(Date.now() / 1000), secret = PADDLE_SECRET } = {}) {
  return `ts=${ts};h1=${createHmac('sha256', secret).update(`${ts}:${body}`).digest('hex')}`;
}

export async function sendPaddle(server, event, { ts, secret, tamper } = {}) {
  const payload = typeof event === 'string' ? event : JSON.stringify(event);
  const signature = paddleSignature(payload, { ts, secret });
  return post(server, 'paddle', tamper ? tamper(payload) : payload, { 'Paddle-Signature': signature });
}

export function paddleEvent(type, data, { id, occurredAt } = {}) {
  counter += 1;
  return {
    event_id: id ?? `evt_e2e_${process.pid}_${counter}`,
    event_type: type,
    occurred_at: occurredAt ?? new Date().toISOString(),
    notification_id: `ntf_e2e_${counter}`,
    data,
  };
}

// A Paddle subscription entity: `items` as [{ price, quantity, type, amount }].
export function paddleSubscription({ id, customer, status = 'active', accountId, items, scheduledCancel = false }) {
  const start = new Date(Date.now() - 60_000);
  const end = new Date(start.getTime() + 30 * 86400e3);
  return {
    id,
    status,
    customer_id: customer,
    address_id: 'add_e2e',
    business_id: null,
    currency_code: 'USD',
    created_at: start.toISOString(),
    updated_at: new Date().toISOString(),
    started_at: start.toISOString(),
    first_billed_at: start.toISOString(),
    next_billed_at: status === 'canceled' ? null : end.toISOString(),
    paused_at: null,
    canceled_at: status === 'canceled' ? new Date().toISOString() : null,
    collection_mode: 'automatic',
    billing_details: null,
    current_billing_period: status === 'canceled' ? null : { starts_at: start.toISOString(), ends_at: end.toISOString() },
    billing_cycle: { frequency: 1, interval: 'month' },
    scheduled_change: scheduledCancel ? { action: 'cancel', effective_at: end.toISOString(), resume_at: null } : null,
    custom_data: accountId ? { account_id: accountId } : null,
    items: items.map((item) => ({
      status: 'active',
      quantity: item.quantity ?? 1,
      recurring: true,
      created_at: start.toISOString(),
      updated_at: start.toISOString(),
      previously_billed_at: start.toISOString(),
      next_billed_at: end.toISOString(),
      trial_dates: null,
      price: {
        id: item.price,
        product_id: `pro_${item.price}`,
        description: item.price,
        billing_cycle: { interval: 'month', frequency: 1 },
        trial_period: null,
        tax_mode: 'account_setting',
        unit_price: { amount: String(item.amount ?? 1000), currency_code: 'USD' },
        custom_data: item.type ? { type: item.type } : null,
      },
    })),
  };
}

// ---- Lemon Squeezy ------------------------------------------------------------------------

export const LEMON_SQUEEZY_SECRET = 'tenantbase-e2e-lemon-squeezy-secret';

export async function sendLemonSqueezy(server, event, { secret = LEMON_SQUEEZY_SECRET, tamper } = {}) {
  const payload = typeof event === 'string' ? event : JSON.stringify(event);
  const signature = createHmac('sha256', secret).update(payload).digest('hex');
  return post(server, 'lemon-squeezy', tamper ? tamper(payload) : payload, {
    'X-Signature': signature,
    'X-Event-Name': typeof event === 'string' ? '' : event.meta.event_name,
  });
}

// A Lemon Squeezy webhook: `meta` with the event name and custom data, `data` the object.
export function lemonSqueezyEvent(eventName, type, id, attributes, customData) {
  return { meta: { event_name: eventName, custom_data: customData ?? {} }, data: { type, id: String(id), attributes } };
}

// Lemon Squeezy's subscription item ids are global; each subscription built here gets its own.
let lemonSqueezyItemIds = 7000;

export function lemonSqueezySubscription({ customer, status = 'active', quantity = 1, priceId = 501, usage = false, updatedAt, cancelled = false,
  itemId = ++lemonSqueezyItemIds }) {
  const created = new Date(Date.now() - 60_000).toISOString();
  return {
    store_id: 1, customer_id: customer, order_id: 9001, order_item_id: 9002, product_id: 301, variant_id: 401,
    product_name: 'Pro', variant_name: 'Monthly', user_name: 'Test', user_email: 'billing@example.com',
    status, status_formatted: status, card_brand: 'visa', card_last_four: '4242', pause: null, cancelled,
    trial_ends_at: null, billing_anchor: 1,
    first_subscription_item: { id: itemId, subscription_id: 1, price_id: priceId, quantity, is_usage_based: usage,
      created_at: created, updated_at: created },
    urls: {}, renews_at: new Date(Date.now() + 30 * 86400e3).toISOString(), ends_at: null,
    created_at: created, updated_at: updatedAt ?? new Date().toISOString(), test_mode: true,
  };
}

async function post(server, provider, body, headers) {
  const res = await fetch(`${server.url}/billing/v1/webhooks/${provider}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body,
  });
  return { status: res.status, body: await res.json() };
}
