// bench/rest/seed.mjs URL ANON_KEY SERVICE_KEY ACCOUNTS USERS OUT_DIR
//
// Fills a fresh server for the /rest/v1 benchmark through its own API: USERS users signed
// up (each with an access token), ACCOUNTS team accounts with 5 random members each and
// 10 notes each. Writes OUT_DIR/member_pairs.txt ("token account_id" per line, the user a
// member of the account) and OUT_DIR/outsider_pairs.txt (the user not a member), in a
// fixed order from a fixed seed, for wrk's Lua scripts.

import { writeFileSync } from 'node:fs';
import path from 'node:path';

const [url, anon, service, accountsArg, usersArg, outDir] = process.argv.slice(2);
const accounts = Number(accountsArg);
const users = Number(usersArg);
let state = 42;  // mulberry32: the same data set every run
const random = () => {
  state |= 0; state = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

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

// Users, a few at a time (sign-up hashes the password with argon2id).
const people = [];
for (let i = 0; i < users; i += 8) {
  const batch = [];
  for (let j = i; j < Math.min(users, i + 8); j++) {
    batch.push(call('POST', '/auth/v1/signup', { email: `bench-${j}@example.com`, password: 'bench password 123' }, anon));
  }
  for (const s of await Promise.all(batch)) people.push({ id: s.user.id, token: s.access_token });
}

const tokenOf = new Map(people.map((p) => [p.id, p.token]));
const members = [];
const outsiders = [];
for (let start = 0; start < accounts; start += 500) {
  const rows = [];
  for (let a = start; a < Math.min(accounts, start + 500); a++) {
    const owner = people[Math.floor(random() * people.length)];
    rows.push({ name: `Account ${a}`, slug: `account-${a}`, is_personal_account: false, primary_owner_user_id: owner.id });
  }
  const created = await call('POST', '/rest/v1/accounts?select=id,primary_owner_user_id', rows, service, { Prefer: 'return=representation' });
  const memberships = [];
  const notes = [];
  for (const account of created) {
    const chosen = new Set([account.primary_owner_user_id]);
    while (chosen.size < Math.min(5, people.length)) chosen.add(people[Math.floor(random() * people.length)].id);
    for (const user of chosen) {
      memberships.push({ user_id: user, account_id: account.id, account_role: user === account.primary_owner_user_id ? 'owner' : 'member' });
      members.push(`${tokenOf.get(user)} ${account.id}`);
    }
    const outsider = people.find((p) => !chosen.has(p.id));
    if (outsider) outsiders.push(`${outsider.token} ${account.id}`);
    for (let n = 0; n < 10; n++) notes.push({ account_id: account.id, content: `note ${n} of ${account.id}` });
  }
  await call('POST', '/rest/v1/accounts_memberships', memberships);
  await call('POST', '/rest/v1/notes', notes);
}
// Shuffle so consecutive requests come from different users.
const shuffle = (list) => { for (let i = list.length - 1; i > 0; i--) { const j = Math.floor(random() * (i + 1)); [list[i], list[j]] = [list[j], list[i]]; } return list; };
writeFileSync(path.join(outDir, 'member_pairs.txt'), shuffle(members).join('\n') + '\n');
writeFileSync(path.join(outDir, 'outsider_pairs.txt'), shuffle(outsiders).join('\n') + '\n');
console.log(`seeded ${people.length} users, ${accounts} accounts, ${members.length} memberships, ${accounts * 10} notes`);
