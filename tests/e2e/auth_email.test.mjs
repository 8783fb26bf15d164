// Everything auth sends by email, driven by the official supabase-js client: sign-up
// confirmation, password recovery, one-time sign-in codes, email change, resending, the
// emailed link itself, and the refusals (wrong, reused, exhausted codes; no enumeration;
// no open redirect; rate limits). Codes and links are read from the server's outbox.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './support/server.mjs';
import { client, uniqueEmail } from './support/supabase.mjs';
import { decode } from './support/jwt.mjs';
import { latestMail, mailsTo } from './support/outbox.mjs';
import { sleep } from './support/raw_http.mjs';

const SITE = 'http://localhost:3000';
const PASSWORD = 'correct horse battery';

// Another six-digit code than `code`.
const wrong = (code, step = 1) => String((Number(code) + step) % 1_000_000).padStart(6, '0');

async function signUpUnconfirmed(server, options = {}) {
  const email = uniqueEmail('mail');
  const { data, error } = await client(server).auth.signUp({ email, password: PASSWORD, options });
  assert.equal(error, null);
  return { email, data, mail: await latestMail(server, email) };
}

async function confirmedUser(server) {
  const { email, mail } = await signUpUnconfirmed(server);
  const c = client(server);
  const { error } = await c.auth.verifyOtp({ email, token: mail.code, type: 'signup' });
  assert.equal(error, null);
  return { email, client: c };
}

// The emailed link, pointed at the test server: links use the server's public URL, and a
// test server listens on a port chosen at start.
function onServer(server, link) {
  const url = new URL(link);
  url.host = new URL(server.url).host;
  return url;
}

function expectOtpExpired(error, what) {
  assert.ok(error, `${what} was accepted`);
  assert.equal(error.code, 'otp_expired', what);
  assert.equal(error.status, 403, what);
  assert.equal(error.message, 'Token has expired or is invalid', what);
}

describe('email confirmation, recovery, OTP and email change', () => {
  let server;
  before(async () => {
    server = await startServer({
      env: { TENANTBASE_AUTH_CONFIRM_EMAIL: 'true' },
      args: ['--auth-rate-limit-per-ip', '1000'],
    });
  });
  after(async () => { await server.stop(); });

  it('sign-up sends a code; password sign-in waits until it is verified', async () => {
    const { email, data, mail } = await signUpUnconfirmed(server);
    assert.equal(data.session, null);
    assert.equal(data.user.email, email);
    assert.equal(data.user.email_confirmed_at, null);
    assert.ok(data.user.confirmation_sent_at);
    assert.equal(mail.subject, 'Confirm your signup');
    assert.match(mail.code, /^\d{6}$/);
    assert.equal(new URL(mail.link).pathname, '/auth/v1/verify');
    assert.equal(new URL(mail.link).searchParams.get('token'), mail.tokenHash);
    assert.equal(new URL(mail.link).searchParams.get('type'), 'signup');

    const before = await client(server).auth.signInWithPassword({ email, password: PASSWORD });
    assert.equal(before.error.code, 'email_not_confirmed');

    const c = client(server);
    const verified = await c.auth.verifyOtp({ email, token: mail.code, type: 'signup' });
    assert.equal(verified.error, null);
    assert.ok(verified.data.session.access_token);
    assert.ok(verified.data.user.email_confirmed_at);
    assert.equal(decode(verified.data.session.access_token).amr[0].method, 'otp');
    assert.equal((await c.auth.getUser()).data.user.email, email);

    const after = await client(server).auth.signInWithPassword({ email, password: PASSWORD });
    assert.equal(after.error, null);
  });

  it('a code works once', async () => {
    const { email, mail } = await signUpUnconfirmed(server);
    assert.equal((await client(server).auth.verifyOtp({ email, token: mail.code, type: 'signup' })).error, null);
    const again = await client(server).auth.verifyOtp({ email, token: mail.code, type: 'signup' });
    expectOtpExpired(again.error, 'a reused code');
  });

  it('a wrong code is otp_expired, and too many wrong codes kill the right one', async () => {
    const { email, mail } = await signUpUnconfirmed(server);
    for (let i = 1; i <= 5; i++) {
      const { error } = await client(server).auth.verifyOtp({ email, token: wrong(mail.code, i), type: 'signup' });
      expectOtpExpired(error, `wrong code #${i}`);
    }
    const right = await client(server).auth.verifyOtp({ email, token: mail.code, type: 'signup' });
    expectOtpExpired(right.error, 'the right code after five wrong ones');
    // The link is not guessable and still confirms the address.
    const link = await client(server).auth.verifyOtp({ token_hash: mail.tokenHash, type: 'signup' });
    assert.equal(link.error, null);
  });

  it('refuses codes of unknown addresses and of another flow the same way', async () => {
    const { email, mail } = await signUpUnconfirmed(server);
    const unknown = await client(server).auth.verifyOtp({ email: uniqueEmail('nobody'), token: mail.code, type: 'signup' });
    expectOtpExpired(unknown.error, 'an unknown address');
    const otherFlow = await client(server).auth.verifyOtp({ email, token: mail.code, type: 'recovery' });
    expectOtpExpired(otherFlow.error, 'a sign-up code used for recovery');
  });

  it('verifies with the token_hash of the link, which ends the code too', async () => {
    const { email, mail } = await signUpUnconfirmed(server);
    const c = client(server);
    const { data, error } = await c.auth.verifyOtp({ token_hash: mail.tokenHash, type: 'signup' });
    assert.equal(error, null);
    assert.equal(data.user.email, email);
    assert.ok(data.session.refresh_token);
    const code = await client(server).auth.verifyOtp({ email, token: mail.code, type: 'signup' });
    expectOtpExpired(code.error, 'the code of a used link');
    const reused = await client(server).auth.verifyOtp({ token_hash: mail.tokenHash, type: 'signup' });
    expectOtpExpired(reused.error, 'a reused token_hash');
  });

  it('recovers a password: resetPasswordForEmail, verifyOtp, updateUser', async () => {
    const { email } = await confirmedUser(server);
    const sent = await client(server).auth.resetPasswordForEmail(email);
    assert.deepEqual(sent, { data: {}, error: null });
    const mail = await latestMail(server, email, { after: 1 });
    assert.equal(mail.subject, 'Reset your password');
    assert.equal(new URL(mail.link).searchParams.get('type'), 'recovery');

    const c = client(server);
    const verified = await c.auth.verifyOtp({ email, token: mail.code, type: 'recovery' });
    assert.equal(verified.error, null);
    assert.ok(verified.data.session);
    assert.equal((await c.auth.updateUser({ password: 'a new secret phrase' })).error, null);

    const old = await client(server).auth.signInWithPassword({ email, password: PASSWORD });
    assert.equal(old.error.code, 'invalid_credentials');
    const fresh = await client(server).auth.signInWithPassword({ email, password: 'a new secret phrase' });
    assert.equal(fresh.error, null);
  });

  it('answers recover for an unknown address exactly as for a known one, and sends nothing', async () => {
    const { email: known } = await confirmedUser(server);
    const unknown = uniqueEmail('ghost');
    const ask = (email) => fetch(`${server.url}/auth/v1/recover`, {
      method: 'POST',
      headers: { apikey: server.keys().anon, 'Content-Type': 'application/json' },
      body: JSON.stringify({ email }),
    });
    const [a, b] = [await ask(known), await ask(unknown)];
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
    assert.equal(await a.text(), await b.text());
    await sleep(300);
    assert.equal(mailsTo(server, unknown).length, 0);
    assert.equal(mailsTo(server, known).length, 2, 'confirmation and recovery');
  });

  it('signInWithOtp creates the user, and verifyOtp type email signs in and confirms', async () => {
    const email = uniqueEmail('otp');
    const sent = await client(server).auth.signInWithOtp({ email, options: { data: { name: 'Otto' } } });
    assert.equal(sent.error, null);
    const mail = await latestMail(server, email);
    assert.equal(mail.subject, 'Your sign-in code');
    const { data, error } = await client(server).auth.verifyOtp({ email, token: mail.code, type: 'email' });
    assert.equal(error, null);
    assert.equal(data.user.email, email);
    assert.equal(data.user.user_metadata.name, 'Otto');
    assert.ok(data.user.email_confirmed_at);
    assert.equal(decode(data.session.access_token).amr[0].method, 'otp');
  });

  it('signInWithOtp signs in an existing user; the code is single use', async () => {
    const { email } = await confirmedUser(server);
    assert.equal((await client(server).auth.signInWithOtp({ email, options: { shouldCreateUser: false } })).error, null);
    const mail = await latestMail(server, email, { after: 1 });
    const first = await client(server).auth.verifyOtp({ email, token: mail.code, type: 'email' });
    assert.equal(first.error, null);
    const second = await client(server).auth.verifyOtp({ email, token: mail.code, type: 'email' });
    expectOtpExpired(second.error, 'a reused sign-in code');
  });

  it('signInWithOtp without shouldCreateUser refuses an unknown address and sends nothing', async () => {
    const email = uniqueEmail('nosignup');
    const { error } = await client(server).auth.signInWithOtp({ email, options: { shouldCreateUser: false } });
    assert.equal(error.code, 'otp_disabled');
    assert.equal(error.status, 422);
    assert.equal(mailsTo(server, email).length, 0);
  });

  it('changes the email once the code sent to the new address is verified', async () => {
    const { email, client: c } = await confirmedUser(server);
    const newEmail = uniqueEmail('moved');
    const updated = await c.auth.updateUser({ email: newEmail });
    assert.equal(updated.error, null);
    assert.equal(updated.data.user.email, email, 'unchanged until confirmed');
    assert.equal(updated.data.user.new_email, newEmail);
    const mail = await latestMail(server, newEmail);
    assert.equal(mail.subject, 'Confirm your new email address');

    const atOld = await client(server).auth.verifyOtp({ email, token: mail.code, type: 'email_change' });
    expectOtpExpired(atOld.error, 'the code verified at the old address');
    const verified = await c.auth.verifyOtp({ email: newEmail, token: mail.code, type: 'email_change' });
    assert.equal(verified.error, null);
    assert.equal(verified.data.user.email, newEmail);
    assert.equal(decode(verified.data.session.access_token).email, newEmail);
    assert.equal((await c.auth.getUser()).data.user.email, newEmail);
    assert.equal((await c.auth.getUser()).data.user.new_email, undefined);

    assert.equal((await client(server).auth.signInWithPassword({ email: newEmail, password: PASSWORD })).error, null);
    const old = await client(server).auth.signInWithPassword({ email, password: PASSWORD });
    assert.equal(old.error.code, 'invalid_credentials');
  });

  it('resend issues a fresh sign-up code and ends the earlier one', async () => {
    const { email, mail: first } = await signUpUnconfirmed(server);
    assert.equal((await client(server).auth.resend({ type: 'signup', email })).error, null);
    const second = await latestMail(server, email, { after: 1 });
    assert.notEqual(second.tokenHash, first.tokenHash);
    expectOtpExpired((await client(server).auth.verifyOtp({ token_hash: first.tokenHash, type: 'signup' })).error,
      'a superseded link');
    assert.equal((await client(server).auth.verifyOtp({ email, token: second.code, type: 'signup' })).error, null);
    // Confirmed now: nothing more to resend, and the answer does not say so.
    assert.equal((await client(server).auth.resend({ type: 'signup', email })).error, null);
    const unknown = uniqueEmail('ghost');
    assert.equal((await client(server).auth.resend({ type: 'signup', email: unknown })).error, null);
    await sleep(200);
    assert.equal(mailsTo(server, email).length, 2);
    assert.equal(mailsTo(server, unknown).length, 0);
  });

  it('the emailed link redirects to the site with the session in the fragment, once', async () => {
    const { email, mail } = await signUpUnconfirmed(server);
    // A link checker's HEAD must not spend the token.
    const probe = await fetch(onServer(server, mail.link), { method: 'HEAD', redirect: 'manual' });
    assert.equal(probe.status, 303);
    assert.equal(probe.headers.get('location'), SITE);
    const res = await fetch(onServer(server, mail.link), { redirect: 'manual' });
    assert.equal(res.status, 303);
    const location = res.headers.get('location');
    assert.ok(location.startsWith(`${SITE}#access_token=`), location);
    const fragment = new URLSearchParams(new URL(location).hash.slice(1));
    assert.equal(fragment.get('token_type'), 'bearer');
    assert.equal(fragment.get('type'), 'signup');
    assert.equal(fragment.get('expires_in'), '3600');
    assert.ok(Number(fragment.get('expires_at')) > Date.now() / 1000);
    assert.ok(fragment.get('refresh_token'));
    const user = await fetch(`${server.url}/auth/v1/user`, {
      headers: { apikey: server.keys().anon, Authorization: `Bearer ${fragment.get('access_token')}` },
    });
    assert.equal(user.status, 200);
    const body = await user.json();
    assert.equal(body.email, email);
    assert.ok(body.email_confirmed_at);

    const again = await fetch(onServer(server, mail.link), { redirect: 'manual' });
    assert.equal(again.status, 303);
    const failed = new URL(again.headers.get('location'));
    assert.equal(`${failed.origin}`, SITE);
    const error = new URLSearchParams(failed.hash.slice(1));
    assert.equal(error.get('error'), 'access_denied');
    assert.equal(error.get('error_code'), 'otp_expired');
    assert.equal(error.get('error_description'), 'Email link is invalid or has expired');
    assert.equal(error.get('access_token'), null);
  });

  it('the link goes to redirect_to under the site, and never to another site', async () => {
    const welcome = await signUpUnconfirmed(server, { emailRedirectTo: `${SITE}/welcome` });
    assert.equal(new URL(welcome.mail.link).searchParams.get('redirect_to'), `${SITE}/welcome`);
    const ok = await fetch(onServer(server, welcome.mail.link), { redirect: 'manual' });
    assert.ok(ok.headers.get('location').startsWith(`${SITE}/welcome#access_token=`), ok.headers.get('location'));

    const foreign = await signUpUnconfirmed(server, { emailRedirectTo: 'https://evil.example/' });
    assert.equal(new URL(foreign.mail.link).searchParams.get('redirect_to'), SITE);

    const tampered = await signUpUnconfirmed(server);
    for (const target of ['https://evil.example/', `${SITE}.evil.example/`, `${SITE}@evil.example/`]) {
      const link = onServer(server, tampered.mail.link);
      link.searchParams.set('redirect_to', target);
      const res = await fetch(link, { redirect: 'manual' });
      assert.equal(res.status, 303);
      assert.ok(res.headers.get('location').startsWith(`${SITE}#`), `${target} → ${res.headers.get('location')}`);
    }
  });

  it('refuses incomplete or unsupported verify requests with 4xx', async () => {
    const post = (body, headers = { apikey: server.keys().anon }) => fetch(`${server.url}/auth/v1/verify`, {
      method: 'POST', headers: { ...headers, 'Content-Type': 'application/json' }, body: JSON.stringify(body),
    });
    const cases = [
      [{ type: 'invite', token_hash: 'abc' }, 400, 'validation_failed'],
      [{ type: 'sms', token: '123456', email: 'a@example.com' }, 400, 'validation_failed'],
      [{ token: '123456', email: 'a@example.com' }, 400, 'validation_failed'],
      [{ type: 'signup' }, 400, 'validation_failed'],
      [{ type: 'signup', token: '123456' }, 400, 'validation_failed'],
      [{ type: 'signup', token: '123456', email: 'not an address' }, 400, 'email_address_invalid'],
      [{ type: 'signup', token: 123456, email: 'a@example.com' }, 400, 'validation_failed'],
    ];
    for (const [body, status, code] of cases) {
      const res = await post(body);
      assert.equal(res.status, status, JSON.stringify(body));
      assert.equal((await res.json()).error_code, code, JSON.stringify(body));
    }
    const noKey = await post({ type: 'signup', token_hash: 'abc' }, {});
    assert.equal(noKey.status, 401);
    const badJson = await fetch(`${server.url}/auth/v1/verify`, {
      method: 'POST', headers: { apikey: server.keys().anon, 'Content-Type': 'application/json' }, body: '{',
    });
    assert.equal(badJson.status, 400);
  });
});

describe('rate limits on mail-sending endpoints', () => {
  let server;
  before(async () => {
    server = await startServer({ env: { TENANTBASE_AUTH_RATE_LIMIT_PER_EMAIL: '2' } });
  });
  after(async () => { await server.stop(); });

  it('recover is limited per address with over_request_rate_limit', async () => {
    const email = uniqueEmail('flood');
    for (let i = 0; i < 2; i++) assert.equal((await client(server).auth.resetPasswordForEmail(email)).error, null);
    const { error } = await client(server).auth.resetPasswordForEmail(email);
    assert.equal(error.code, 'over_request_rate_limit');
    assert.equal(error.status, 429);
    // Another address is not affected.
    assert.equal((await client(server).auth.resetPasswordForEmail(uniqueEmail('calm'))).error, null);
  });

  it('otp is limited per address, and no mail goes out past the limit', async () => {
    const email = uniqueEmail('otpflood');
    for (let i = 0; i < 2; i++) assert.equal((await client(server).auth.signInWithOtp({ email })).error, null);
    const { error } = await client(server).auth.signInWithOtp({ email });
    assert.equal(error.code, 'over_request_rate_limit');
    assert.equal(mailsTo(server, email).length, 2);
  });
});
