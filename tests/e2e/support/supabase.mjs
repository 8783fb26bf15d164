// tests/e2e/support/supabase.mjs
//
// The official supabase-js client pointed at a test server, as an app would create it —
// without session persistence, since each test user gets a client of their own.

import { createClient } from '@supabase/supabase-js';

export function client(server, key = server.keys().anon, options = {}) {
  return createClient(server.url, key, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    ...options,
  });
}

// The service_role client (auth.admin.*, bypasses policies).
export function adminClient(server) {
  return client(server, server.keys().serviceRole);
}

let counter = 0;
// A fresh address per call, so tests never collide.
export function uniqueEmail(tag = 'user') {
  counter += 1;
  return `${tag}-${process.pid}-${Date.now()}-${counter}@example.com`;
}

// Signs up a new user and returns { email, password, client, session, user }.
export async function signedUpUser(server, { password = 'correct horse battery', data } = {}) {
  const email = uniqueEmail();
  const c = client(server);
  const { data: result, error } = await c.auth.signUp({ email, password, options: { data } });
  if (error) throw error;
  return { email, password, client: c, session: result.session, user: result.user };
}
