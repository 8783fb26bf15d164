// Prepares a Stripe webhook benchmark: links `teams` team accounts to Stripe customers
// (checkout.session.completed), then writes `count` signed customer.subscription.updated
// events to `out`, one per line as "<Stripe-Signature>\t<body>" for bench/billing/webhooks.lua.
// Each event has its own id and a later provider time for its subscription than the one
// before, so every delivery is verified, mapped and applied (none is a duplicate or stale).
//   node events.mjs URL SERVICE_KEY SECRET TEAMS COUNT OUT [FIRST_CREATED]
import { createHmac } from 'node:crypto';
import { createWriteStream } from 'node:fs';

const [url, serviceKey, secret, teamsArg, countArg, out, firstArg] = process.argv.slice(2);
const teams = Number(teamsArg);
const count = Number(countArg);
const sign = (payload, t) => `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${payload}`).digest('hex')}`;
const headers = { apikey: serviceKey, Authorization: `Bearer ${serviceKey}`, 'Content-Type': 'application/json' };

async function rest(path, body) {
  const res = await fetch(`${url}/rest/v1/${path}`, { method: 'POST', headers: { ...headers, Prefer: 'return=representation' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

async function webhook(event) {
  const payload = JSON.stringify(event);
  const res = await fetch(`${url}/billing/v1/webhooks/stripe`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', 'Stripe-Signature': sign(payload, Math.floor(Date.now() / 1000)) }, body: payload,
  });
  if (!res.ok) throw new Error(`webhook: ${res.status} ${await res.text()}`);
}

const subscription = (i, quantity) => {
  const start = 1_800_000_000;
  return {
    id: `sub_bench_${i}`, object: 'subscription', customer: `cus_bench_${i}`, status: 'active', currency: 'usd',
    cancel_at_period_end: false, current_period_start: start, current_period_end: start + 30 * 86400,
    trial_start: null, trial_end: null, metadata: {},
    items: { object: 'list', data: [
      { id: `si_bench_${i}_seat`, quantity, price: { id: 'price_seat', product: 'prod_team', unit_amount: 1500,
        recurring: { interval: 'month', interval_count: 1, usage_type: 'licensed' }, metadata: { type: 'per_seat' } } },
      { id: `si_bench_${i}_base`, quantity: 1, price: { id: 'price_base', product: 'prod_team', unit_amount: 4900,
        recurring: { interval: 'month', interval_count: 1, usage_type: 'licensed' }, metadata: {} } },
    ] },
  };
};

if (firstArg === undefined) {
  // Set-up: one owner, `teams` teams, each linked to its customer.
  const email = `bench-billing-${Date.now()}@example.com`;
  const signup = await fetch(`${url}/auth/v1/signup`, { method: 'POST', headers, body: JSON.stringify({ email, password: 'bench password 123' }) });
  const owner = (await signup.json()).user.id;
  for (let i = 0; i < teams; i++) {
    const [team] = await rest('accounts', { name: `Bench ${i}`, slug: `bench-${i}`, is_personal_account: false, primary_owner_user_id: owner });
    await webhook({ id: `evt_bench_link_${i}`, object: 'event', type: 'checkout.session.completed', created: Math.floor(Date.now() / 1000),
      data: { object: { id: `cs_bench_${i}`, object: 'checkout.session', mode: 'subscription', client_reference_id: team.id, customer: `cus_bench_${i}` } } });
  }
} else {
  const first = Number(firstArg);
  const now = Math.floor(Date.now() / 1000);
  const file = createWriteStream(out);
  for (let n = 0; n < count; n++) {
    const i = n % teams;
    const event = { id: `evt_bench_${first}_${n}`, object: 'event', api_version: '2024-06-20', type: 'customer.subscription.updated',
      created: first + Math.floor(n / teams), data: { object: subscription(i, 1 + (n % 20)) } };
    const payload = JSON.stringify(event);
    if (!file.write(`${sign(payload, now)}\t${payload}\n`)) await new Promise((r) => file.once('drain', r));
  }
  await new Promise((r) => file.end(r));
}
