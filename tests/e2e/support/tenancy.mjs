// tests/e2e/support/tenancy.mjs
//
// Teams and memberships for data-API tests, set up the way the server's own functions
// will (service_role writes past the policies), so each test starts from a known world.

import assert from 'node:assert/strict';
import { adminClient } from './supabase.mjs';

let teams = 0;

// A team account owned by `owner` (a signedUpUser), with `members` as [user, role] pairs;
// the owner is a member with role 'owner'. Returns the account row.
export async function makeTeam(server, owner, members = [], { name } = {}) {
  const admin = adminClient(server);
  teams += 1;
  const slug = `team-${process.pid}-${Date.now()}-${teams}`;
  const { data: account, error } = await admin
    .from('accounts')
    .insert({ name: name ?? `Team ${teams}`, slug, is_personal_account: false, primary_owner_user_id: owner.user.id })
    .select()
    .single();
  assert.equal(error, null, error?.message);
  const rows = [[owner, 'owner'], ...members].map(([u, role]) => ({
    user_id: u.user.id,
    account_id: account.id,
    account_role: role,
  }));
  const joined = await admin.from('accounts_memberships').insert(rows);
  assert.equal(joined.error, null, joined.error?.message);
  return account;
}
