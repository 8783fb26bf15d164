// GoTrue-compatible sign-up, sign-in, sessions and token checks, driven by the official
// supabase-js client against the real binary.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './support/server.mjs';
import { client, uniqueEmail, signedUpUser } from './support/supabase.mjs';
import { sign, decode, serverSecret } from './support/jwt.mjs';
import { sleep } from './support/raw_http.mjs';

describe('sign-up and sign-in', () => {
  let server;
  before(async () => { server = await startServer({ args: ['--auth-refresh-reuse-interval', '1'] }); });
  after(async () => { await server.stop(); });

  it('signUp returns a session with GoTrue claims and the user', async () => {
    const email = uniqueEmail();
    const c = client(server);
    const { data, error } = await c.auth.signUp({ email, password: 'a long password', options: { data: { name: 'Ada' } } });
    assert.equal(error, null);
    assert.equal(data.user.email, email);
    assert.equal(data.user.user_metadata.name, 'Ada');
    assert.ok(data.user.email_confirmed_at, 'confirmation is off by default');
    const claims = decode(data.session.access_token);
    assert.equal(claims.sub, data.user.id);
    assert.equal(claims.role, 'authenticated');
    assert.equal(claims.aal, 'aal1');
    assert.equal(claims.email, email);
    assert.equal(claims.session_id.length, 36);
    assert.equal(claims.amr[0].method, 'password');
    assert.equal(claims.exp - claims.iat, 3600);
    assert.match(claims.iss, /\/auth\/v1$/);
    assert.equal(data.session.token_type, 'bearer');
    assert.ok(data.session.refresh_token.length >= 32);
  });

  it('refuses a second sign-up with the same email as user_already_exists', async () => {
    const { email } = await signedUpUser(server);
    const { error } = await client(server).auth.signUp({ email: email.toUpperCase(), password: 'another password' });
    assert.equal(error.code, 'user_already_exists');
    assert.equal(error.status, 422);
  });

  it('refuses a short password as weak_password with reasons', async () => {
    const { error } = await client(server).auth.signUp({ email: uniqueEmail(), password: 'short' });
    assert.equal(error.code, 'weak_password');
    assert.deepEqual(error.reasons, ['length']);
  });

  it('refuses a malformed email', async () => {
    const { error } = await client(server).auth.signUp({ email: 'not-an-email', password: 'a long password' });
    assert.equal(error.code, 'email_address_invalid');
    assert.equal(error.status, 400);
  });

  it('signs in with the password and fetches the user', async () => {
    const { email, password, user } = await signedUpUser(server);
    const c = client(server);
    const { data, error } = await c.auth.signInWithPassword({ email, password });
    assert.equal(error, null);
    assert.equal(data.user.id, user.id);
    const fetched = await c.auth.getUser();
    assert.equal(fetched.error, null);
    assert.equal(fetched.data.user.id, user.id);
    assert.ok(fetched.data.user.last_sign_in_at);
    const { data: { session } } = await c.auth.getSession();
    assert.equal(session.user.id, user.id);
  });

  it('answers a wrong password and an unknown email identically', async () => {
    const { email } = await signedUpUser(server);
    const wrong = await client(server).auth.signInWithPassword({ email, password: 'not the password' });
    const unknown = await client(server).auth.signInWithPassword({ email: uniqueEmail(), password: 'not the password' });
    for (const { error } of [wrong, unknown]) {
      assert.equal(error.code, 'invalid_credentials');
      assert.equal(error.status, 400);
      assert.equal(error.message, 'Invalid login credentials');
    }
  });

  it('updates password and metadata; the old password stops working', async () => {
    const { email, password, client: c } = await signedUpUser(server, { data: { plan: 'free', theme: 'dark' } });
    const { data, error } = await c.auth.updateUser({ password: 'a brand new password', data: { plan: 'pro', theme: null } });
    assert.equal(error, null);
    assert.equal(data.user.user_metadata.plan, 'pro');
    assert.equal('theme' in data.user.user_metadata, false, 'null removes a key');
    const old = await client(server).auth.signInWithPassword({ email, password });
    assert.equal(old.error.code, 'invalid_credentials');
    const fresh = await client(server).auth.signInWithPassword({ email, password: 'a brand new password' });
    assert.equal(fresh.error, null);
  });

  it('a new password ends the other sessions of the user and keeps this one', async () => {
    const { email, password, client: a } = await signedUpUser(server);
    const b = client(server);
    assert.equal((await b.auth.signInWithPassword({ email, password })).error, null);
    assert.equal((await b.auth.getUser()).error, null);
    assert.equal((await a.auth.updateUser({ password: 'another fresh password' })).error, null);
    assert.equal((await a.auth.getUser()).error, null, 'the session that changed it lives on');
    const gone = await b.auth.getUser();
    // supabase-js turns the server's 403 session_not_found into AuthSessionMissingError.
    assert.equal(gone.error?.name, 'AuthSessionMissingError', 'the other session is logged out');
  });

  it('without email confirmation, a new email applies at once and signs in', async () => {
    const { password, client: c, user } = await signedUpUser(server);
    const newEmail = uniqueEmail('moved');
    const { data, error } = await c.auth.updateUser({ email: newEmail.toUpperCase() });
    assert.equal(error, null);
    assert.equal(data.user.email, newEmail);
    assert.equal(data.user.id, user.id);
    assert.ok(data.user.email_confirmed_at);
    const signedIn = await client(server).auth.signInWithPassword({ email: newEmail, password });
    assert.equal(signedIn.error, null);
    const other = await signedUpUser(server);
    const clash = await other.client.auth.updateUser({ email: newEmail });
    assert.equal(clash.error.code, 'email_exists');
    const bad = await other.client.auth.updateUser({ email: 'not-an-address' });
    assert.equal(bad.error.status, 400);
  });

  it('refuses the same password and a weak one on update', async () => {
    const { password, client: c } = await signedUpUser(server);
    assert.equal((await c.auth.updateUser({ password })).error.code, 'same_password');
    assert.equal((await c.auth.updateUser({ password: 'tiny' })).error.code, 'weak_password');
  });

  it('reports settings as supabase-js expects', async () => {
    const res = await fetch(`${server.url}/auth/v1/settings`, { headers: { apikey: server.keys().anon } });
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.external.email, true);
    assert.equal(body.mailer_autoconfirm, true);
    assert.equal(body.disable_signup, false);
  });
});

describe('refresh tokens', () => {
  let server;
  before(async () => { server = await startServer({ args: ['--auth-refresh-reuse-interval', '1'] }); });
  after(async () => { await server.stop(); });

  it('rotates the refresh token on every use', async () => {
    const { client: c, session } = await signedUpUser(server);
    const { data, error } = await c.auth.refreshSession();
    assert.equal(error, null);
    assert.notEqual(data.session.refresh_token, session.refresh_token);
    assert.equal(decode(data.session.access_token).session_id, decode(session.access_token).session_id);
    const again = await c.auth.refreshSession();
    assert.equal(again.error, null);
  });

  it('lets a just-rotated token be used again within the reuse interval', async () => {
    const { session } = await signedUpUser(server);
    const first = await client(server).auth.refreshSession({ refresh_token: session.refresh_token });
    const second = await client(server).auth.refreshSession({ refresh_token: session.refresh_token });
    assert.equal(first.error, null);
    assert.equal(second.error, null, 'two tabs refreshing at once both succeed');
  });

  it('revokes the whole session when a rotated token is reused later', async () => {
    const { session } = await signedUpUser(server);
    const c = client(server);
    const rotated = await c.auth.refreshSession({ refresh_token: session.refresh_token });
    assert.equal(rotated.error, null);
    await sleep(1500);
    const stolen = await client(server).auth.refreshSession({ refresh_token: session.refresh_token });
    assert.equal(stolen.error.code, 'refresh_token_already_used');
    // The legitimate holder's newer tokens die with the family.
    const child = await client(server).auth.refreshSession({ refresh_token: rotated.data.session.refresh_token });
    assert.ok(child.error);
    const res = await fetch(`${server.url}/auth/v1/user`, {
      headers: { apikey: server.keys().anon, Authorization: `Bearer ${rotated.data.session.access_token}` },
    });
    assert.equal(res.status, 403);
    assert.equal((await res.json()).error_code, 'session_not_found');
  });

  it('refuses an unknown refresh token', async () => {
    const { error } = await client(server).auth.refreshSession({ refresh_token: 'f'.repeat(48) });
    assert.equal(error.code, 'refresh_token_not_found');
  });
});

describe('logout scopes', () => {
  let server;
  before(async () => { server = await startServer(); });
  after(async () => { await server.stop(); });

  async function threeSessions() {
    const { email, password } = await signedUpUser(server);
    const clients = [];
    for (let i = 0; i < 3; i++) {
      const c = client(server);
      const { error } = await c.auth.signInWithPassword({ email, password });
      assert.equal(error, null);
      clients.push(c);
    }
    return clients;
  }
  const alive = async (c) => (await c.auth.getUser()).error === null;

  it('local ends only this session', async () => {
    const [a, b, c] = await threeSessions();
    const token = (await a.auth.getSession()).data.session.access_token;
    assert.equal((await a.auth.signOut({ scope: 'local' })).error, null);
    const res = await fetch(`${server.url}/auth/v1/user`, { headers: { apikey: server.keys().anon, Authorization: `Bearer ${token}` } });
    assert.equal(res.status, 403, 'the logged-out access token is refused at once');
    assert.ok(await alive(b));
    assert.ok(await alive(c));
  });

  it('others ends every other session', async () => {
    const [a, b, c] = await threeSessions();
    assert.equal((await a.auth.signOut({ scope: 'others' })).error, null);
    assert.ok(await alive(a));
    assert.equal(await alive(b), false);
    assert.equal(await alive(c), false);
  });

  it('global ends every session', async () => {
    const [a, b, c] = await threeSessions();
    const bToken = (await b.auth.getSession()).data.session;
    assert.equal((await a.auth.signOut()).error, null);
    assert.equal(await alive(b), false);
    assert.equal(await alive(c), false);
    const refreshed = await client(server).auth.refreshSession({ refresh_token: bToken.refresh_token });
    assert.ok(refreshed.error, 'refresh tokens of ended sessions are refused');
  });
});

describe('keys and tokens the server must refuse', () => {
  let server;
  let user;
  before(async () => {
    server = await startServer();
    user = await signedUpUser(server);
  });
  after(async () => { await server.stop(); });

  const getUser = (headers) => fetch(`${server.url}/auth/v1/user`, { headers });

  it('requires an apikey on every auth request', async () => {
    const res = await getUser({ Authorization: `Bearer ${user.session.access_token}` });
    assert.equal(res.status, 401);
    const body = await res.json();
    assert.equal(body.error_code, 'no_authorization');
    assert.equal(body.code, 401);
  });

  it('refuses a forged apikey', async () => {
    const forged = sign({ role: 'service_role' }, 'not-the-secret-but-32-characters-long');
    const res = await getUser({ apikey: forged, Authorization: `Bearer ${user.session.access_token}` });
    assert.equal(res.status, 401);
    assert.equal((await res.json()).error_code, 'invalid_api_key');
  });

  const userClaims = () => decode(user.session.access_token);

  for (const [name, make] of [
    ['alg none', () => sign(userClaims(), '', { alg: 'none', typ: 'JWT' }).replace(/\.[^.]*$/, '.')],
    ['HS512', () => sign(userClaims(), serverSecret(server), { alg: 'HS512', typ: 'JWT' })],
    ['a bad signature', () => sign(userClaims(), 'some-other-secret-of-sufficient-length')],
    ['an expired token', () => sign({ ...userClaims(), exp: Math.floor(Date.now() / 1000) - 5 }, serverSecret(server))],
    ['a token for a session that never existed', () => sign({ ...userClaims(), session_id: '00000000-0000-4000-8000-000000000000' }, serverSecret(server))],
    ['garbage', () => 'not.a.jwt'],
  ]) {
    it(`refuses ${name}`, async () => {
      const res = await getUser({ apikey: server.keys().anon, Authorization: `Bearer ${make()}` });
      assert.ok(res.status === 401 || res.status === 403, `status ${res.status}`);
      const body = await res.json();
      assert.ok(['bad_jwt', 'session_not_found'].includes(body.error_code), body.error_code);
    });
  }

  it('accepts a token it signed itself, as a control', async () => {
    const res = await getUser({ apikey: server.keys().anon, Authorization: `Bearer ${sign(userClaims(), serverSecret(server))}` });
    assert.equal(res.status, 200);
  });

  it('refuses GET /user with the anon key as bearer', async () => {
    const res = await getUser({ apikey: server.keys().anon, Authorization: `Bearer ${server.keys().anon}` });
    assert.equal(res.status, 403);
  });

  it('answers malformed JSON and wrong types with 400 in GoTrue shape', async () => {
    const post = (body) => fetch(`${server.url}/auth/v1/token?grant_type=password`, {
      method: 'POST', headers: { apikey: server.keys().anon, 'Content-Type': 'application/json' }, body,
    });
    const malformed = await post('{"email":');
    assert.equal(malformed.status, 400);
    assert.equal((await malformed.json()).error_code, 'bad_json');
    const wrongType = await post(JSON.stringify({ email: 42, password: 'x' }));
    assert.equal(wrongType.status, 400);
    assert.equal((await wrongType.json()).error_code, 'validation_failed');
    const grant = await fetch(`${server.url}/auth/v1/token?grant_type=magic`, {
      method: 'POST', headers: { apikey: server.keys().anon }, body: '{}',
    });
    assert.equal((await grant.json()).error_code, 'unsupported_grant_type');
  });
});

describe('rate limits on the password grant', () => {
  let server;
  before(async () => { server = await startServer({ args: ['--auth-rate-limit-per-email', '3'] }); });
  after(async () => { await server.stop(); });

  it('answers 429 over_request_rate_limit after the limit per email', async () => {
    const { email } = await signedUpUser(server);
    const attempts = [];
    for (let i = 0; i < 4; i++) {
      attempts.push(await client(server).auth.signInWithPassword({ email, password: 'wrong password' }));
    }
    assert.deepEqual(attempts.slice(0, 3).map((r) => r.error.code), ['invalid_credentials', 'invalid_credentials', 'invalid_credentials']);
    assert.equal(attempts[3].error.code, 'over_request_rate_limit');
    assert.equal(attempts[3].error.status, 429);
    const other = await signedUpUser(server);
    const ok = await client(server).auth.signInWithPassword({ email: other.email, password: other.password });
    assert.equal(ok.error, null, 'another address is not affected');
  });
});
