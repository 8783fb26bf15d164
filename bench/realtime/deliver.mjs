// Realtime delivery: `subscribers` WebSocket subscribers (half of them members of the team,
// half not) on notifications INSERT, then `events` notifications inserted in batches of 50;
// reports deliveries per second to members and the delivery latency (receipt − the row's
// created_at) p50/p99, and checks none was lost or leaked. Then the steady state: 50 single
// notifications, one every 100 ms, and their latency p50/p99 at every member subscriber.
// With the server's pid, its resident memory after subscribing, after the burst and after
// the steady phase (VmRSS) and its peak (VmHWM).
//   node deliver.mjs URL ANON_KEY SERVICE_KEY SUBSCRIBERS EVENTS [SERVER_PID]
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '../../tests/e2e/package.json'));
const { createClient } = require('@supabase/supabase-js');

const [url, anon, service, subscribersArg, eventsArg, pidArg] = process.argv.slice(2);
// kB of the server's VmRSS or VmHWM, or null without a pid.
const memory = (field) => {
  if (!pidArg) return null;
  const line = readFileSync(`/proc/${pidArg}/status`, 'utf8').split('\n').find((l) => l.startsWith(field));
  return line ? Number(line.split(/\s+/)[1]) : null;
};
const subscribers = Number(subscribersArg);
const events = Number(eventsArg);
const admin = createClient(url, service, { auth: { persistSession: false } });
const fresh = () => createClient(url, anon, { auth: { persistSession: false, autoRefreshToken: false } });

async function user(tag) {
  const c = fresh();
  const { data, error } = await c.auth.signUp({ email: `${tag}-${Date.now()}-${Math.random()}@bench.example`, password: 'bench password 123' });
  if (error) throw error;
  return data;
}
const owner = await user('owner');
const { data: team, error } = await admin.from('accounts').insert({ name: 'Bench', slug: `bench-${Date.now()}`, is_personal_account: false, primary_owner_user_id: owner.user.id }).select().single();
if (error) throw error;
const members = [owner, await user('m1'), await user('m2'), await user('m3')];
const others = [await user('o1'), await user('o2'), await user('o3'), await user('o4')];
await admin.from('accounts_memberships').insert(members.map((m, i) => ({ account_id: team.id, user_id: m.user.id, account_role: i === 0 ? 'owner' : 'member' })));

const subs = [];
await Promise.all(Array.from({ length: subscribers }, (_, i) => new Promise((resolve, reject) => {
  const member = i % 2 === 0;
  const who = (member ? members : others)[Math.floor(i / 2) % 4];
  const c = fresh();
  c.realtime.setAuth(who.session.access_token);
  const s = { member, got: 0, latencies: [] };
  subs.push(s);
  c.channel(`bench-${i}`).on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'notifications' }, (p) => {
    s.got += 1;
    s.latencies.push(Date.now() - Date.parse(p.new.created_at));
  }).subscribe((status, err) => { if (status === 'SUBSCRIBED') resolve(); else if (status !== 'CLOSED') reject(err ?? new Error(status)); });
})));

const rssSubscribed = memory('VmRSS:');
const started = Date.now();
for (let sent = 0; sent < events; sent += 50) {
  const batch = Array.from({ length: Math.min(50, events - sent) }, (_, k) => ({ account_id: team.id, body: `event ${sent + k}` }));
  const { error: e } = await admin.from('notifications').insert(batch);
  if (e) throw e;
}
const expected = (subscribers / 2) * events;
const deadline = Date.now() + 120_000;
const delivered = () => subs.reduce((n, s) => n + (s.member ? s.got : 0), 0);
while (delivered() < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
const seconds = (Date.now() - started) / 1000;
const burstDelivered = delivered();
const all = subs.flatMap((s) => s.latencies).sort((a, b) => a - b);
const pct = (list, p) => list[Math.min(list.length - 1, Math.floor(list.length * p))];
const rssBurst = memory('VmRSS:');

// Steady state: one notification every 100 ms.
for (const s of subs) s.latencies = [];
const steadyEvents = 50;
for (let i = 0; i < steadyEvents; i++) {
  const { error: e } = await admin.from('notifications').insert({ account_id: team.id, body: `steady ${i}` });
  if (e) throw e;
  await new Promise((r) => setTimeout(r, 100));
}
const steadyExpected = expected + (subscribers / 2) * steadyEvents;
const steadyDeadline = Date.now() + 30_000;
while (delivered() < steadyExpected && Date.now() < steadyDeadline) await new Promise((r) => setTimeout(r, 10));
const steady = subs.flatMap((s) => s.latencies).sort((a, b) => a - b);
const leaked = subs.reduce((n, s) => n + (s.member ? 0 : s.got), 0);
console.log(JSON.stringify({ subscribers, events, delivered: burstDelivered, expected, leaked, seconds,
  per_second: Math.round(burstDelivered / seconds), p50_ms: pct(all, 0.5), p99_ms: pct(all, 0.99),
  steady_delivered: delivered() - burstDelivered, steady_p50_ms: pct(steady, 0.5), steady_p99_ms: pct(steady, 0.99),
  rss_kb: { subscribed: rssSubscribed, after_burst: rssBurst, after_steady: memory('VmRSS:'), peak: memory('VmHWM:') } }));
process.exit(burstDelivered === expected && delivered() === steadyExpected && leaked === 0 ? 0 : 1);
