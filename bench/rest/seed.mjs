// bench/rest/seed.mjs URL ANON_KEY SERVICE_KEY ACCOUNTS USERS NOTIFICATIONS OUT_DIR
//
// The benchmarks' one data set (bench/run), written through the server's own API so that it
// is the same rows on SQLite and on PostgreSQL, from a fixed seed:
//   USERS users signed up (argon2id: the slow part, 8 at a time), all with the password
//     "bench password 123", each keeping the access token sign-up returned;
//   ACCOUNTS team accounts, each with 5–20 members (the first its owner), 10 notes,
//     NOTIFICATIONS notifications, a billing customer and one Stripe subscription with two
//     items — bulk rows with the service_role key, in batches.
// It writes, for wrk's bench/rest/workloads.lua and for the pgbench floor (bench/pg_floor/):
//   users.txt       "token user_id email", line i is user i (1-based)
//   claims.tsv      "i<TAB>user_id<TAB>claims": the JSON payload of user i's token, what PostgREST puts
//                   in request.jwt.claims
//   members.txt     "n i account_id": user i is a member of the account
//   outsiders.txt   "n i account_id": user i is not a member of the account
//   notes.txt       "n i note_id": user i is a member of the note's account
// Pair files are shuffled (consecutive requests come from different users) and hold at most
// kMaxPairs lines: enough for any run, small enough for every wrk thread to load.
import { writeFileSync } from 'node:fs';
import path from 'node:path';

const [url, anon, service, accountsArg, usersArg, notificationsArg, outDir] = process.argv.slice(2);
const accounts = Number(accountsArg);
const users = Number(usersArg);
const notificationsPerAccount = Number(notificationsArg);
const kMaxPairs = 200_000;
const kBatch = 1000;  // rows per bulk insert
const password = 'bench password 123';

let state = 42;  // mulberry32: the same data set every run
const random = () => {
  state |= 0; state = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (n) => Math.floor(random() * n);

async function call(method, route, body, key = service, extra = {}) {
  const res = await fetch(`${url}${route}`, {
    method,
    headers: { apikey: key, Authorization: `Bearer ${key}`, 'Content-Type': 'application/json', ...extra },
    body: body && JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}
const insert = (table, rows, select) => call('POST', `/rest/v1/${table}${select ? `?select=${select}` : ''}`, rows,
  service, { Prefer: select ? 'return=representation' : 'return=minimal' });

// Users, a few at a time (sign-up hashes the password with argon2id).
const people = [];
for (let i = 0; i < users; i += 8) {
  const batch = [];
  for (let j = i; j < Math.min(users, i + 8); j++) {
    batch.push(call('POST', '/auth/v1/signup', { email: `bench-${j}@example.com`, password }, anon));
  }
  for (const s of await Promise.all(batch)) {
    const claims = Buffer.from(s.access_token.split('.')[1], 'base64url').toString('utf8');
    people.push({ id: s.user.id, email: s.user.email, token: s.access_token, claims });
  }
}

// Reservoir-sampled pair lists, so --large (millions of memberships) keeps files bounded.
const sample = () => ({ seen: 0, lines: [] });
const offer = (list, line) => {
  list.seen += 1;
  if (list.lines.length < kMaxPairs) list.lines.push(line);
  else { const k = pick(list.seen); if (k < kMaxPairs) list.lines[k] = line; }
};
const members = sample();
const outsiders = sample();
const notePairs = sample();
let rows = 0;
const period = { period_starts_at: '2026-11-01T00:00:00Z', period_ends_at: '2026-12-01T00:00:00Z' };

for (let start = 0; start < accounts; start += 200) {
  const end = Math.min(accounts, start + 200);
  const owners = [];
  const batch = [];
  for (let a = start; a < end; a++) {
    const owner = pick(people.length);
    owners.push(owner);
    batch.push({ name: `Account ${a}`, slug: `account-${a}`, is_personal_account: false, primary_owner_user_id: people[owner].id });
  }
  const created = await insert('accounts', batch, 'id');
  const memberships = [];
  const notes = [];
  const notifications = [];
  const customers = [];
  const subscriptions = [];
  const items = [];
  created.forEach((account, k) => {
    const a = start + k;
    const chosen = [owners[k]];
    const size = Math.min(5 + pick(16), people.length);
    while (chosen.length < size) { const u = pick(people.length); if (!chosen.includes(u)) chosen.push(u); }
    chosen.forEach((u, r) => {
      memberships.push({ user_id: people[u].id, account_id: account.id, account_role: r === 0 ? 'owner' : 'member' });
      offer(members, `${u + 1} ${account.id}`);
    });
    if (chosen.length < people.length) {
      let u = pick(people.length);
      while (chosen.includes(u)) u = pick(people.length);
      offer(outsiders, `${u + 1} ${account.id}`);
    }
    account.reader = chosen[pick(chosen.length)];
    for (let n = 0; n < 10; n++) notes.push({ account_id: account.id, content: `note ${n} of account ${a}`, created_by: people[owners[k]].id });
    for (let n = 0; n < notificationsPerAccount; n++) notifications.push({ account_id: account.id, body: `notification ${n} of account ${a}` });
    customers.push({ account_id: account.id, provider: 'stripe', customer_id: `cus_bench_${a}` });
    subscriptions.push({ id: `sub_bench_${a}`, account_id: account.id, customer_id: `cus_bench_${a}`, status: 'active', active: true,
      billing_provider: 'stripe', currency: 'usd', ...period });
    items.push({ id: `si_bench_${a}_base`, subscription_id: `sub_bench_${a}`, account_id: account.id, product_id: 'prod_team',
      price_id: 'price_base', type: 'flat', price_amount: 4900, quantity: 1, interval: 'month' });
    items.push({ id: `si_bench_${a}_usage`, subscription_id: `sub_bench_${a}`, account_id: account.id, product_id: 'prod_team',
      price_id: 'price_usage', type: 'metered', price_amount: 2, quantity: 0, interval: 'month' });
  });
  const byAccount = new Map(created.map((account) => [account.id, account]));
  for (let i = 0; i < memberships.length; i += kBatch) await insert('accounts_memberships', memberships.slice(i, i + kBatch));
  for (let i = 0; i < notes.length; i += kBatch) {
    for (const note of await insert('notes', notes.slice(i, i + kBatch), 'id,account_id')) {
      offer(notePairs, `${byAccount.get(note.account_id).reader + 1} ${note.id}`);
    }
  }
  for (let i = 0; i < notifications.length; i += kBatch) await insert('notifications', notifications.slice(i, i + kBatch));
  await insert('billing_customers', customers);
  await insert('subscriptions', subscriptions);
  await insert('subscription_items', items);
  rows += created.length + memberships.length + notes.length + notifications.length + customers.length + subscriptions.length + items.length;
  if (accounts > 10_000 && end % 10_000 === 0) console.error(`seed: ${end} of ${accounts} accounts`);
}

// Shuffle so consecutive requests come from different users; number the lines for pgbench.
const shuffle = (list) => { for (let i = list.length - 1; i > 0; i--) { const j = pick(i + 1); [list[i], list[j]] = [list[j], list[i]]; } return list; };
const write = (name, lines) => writeFileSync(path.join(outDir, name), lines.join('\n') + '\n');
write('users.txt', people.map((p) => `${p.token} ${p.id} ${p.email}`));
write('claims.tsv', people.map((p, i) => `${i + 1}\t${p.id}\t${p.claims}`));
for (const [name, list] of [['members.txt', members], ['outsiders.txt', outsiders], ['notes.txt', notePairs]]) {
  write(name, shuffle(list.lines).map((line, n) => `${n + 1} ${line}`));
}
const n = (x) => x.toLocaleString('en-US');
console.log(`${n(people.length)} users; ${n(accounts)} team accounts with ${n(members.seen)} memberships, and each 10 notes, ` +
  `${notificationsPerAccount} notifications and a subscription of 2 items: ${n(rows + people.length)} rows`);
