// TOTP multi-factor authentication (supabase.auth.mfa.*), driven by the official
// supabase-js client against the real binary. The test computes codes itself, as an
// authenticator app would: RFC 6238 with HMAC-SHA1, 30-second steps, 6 digits.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startServer } from './support/server.mjs';
import { client, signedUpUser } from './support/supabase.mjs';
import { decode } from './support/jwt.mjs';
import { sleep } from './support/raw_http.mjs';
import { base32Decode, totp, enroll, userWithVerifiedFactor } from './support/mfa.mjs';

const now = () => Date.now() / 1000;
// A six-digit code that is none of the codes valid right now.
function wrongCode(secret) {
  const valid = new Set([-30, 0, 30].map((d) => totp(secret, now() + d)));
  for (let n = 0; ; n += 1) {
    const code = String(n).padStart(6, '0');
    if (!valid.has(code)) return code;
  }
}

async function raw(server, method, path, { apikey = server.keys().anon, token, body } = {}) {
  const headers = { 'Content-Type': 'application/json' };
  if (apikey) headers.apikey = apikey;
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(`${server.url}/auth/v1${path}`, { method, headers, body: body && JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

describe('TOTP MFA', () => {
  let server;
  before(async () => {
    server = await startServer({ args: ['--auth-rate-limit-per-ip', '10000', '--auth-rate-limit-per-email', '10000'] });
  });
  after(async () => { await server.stop(); });

  it('enroll returns an SVG QR code, a base32 secret and the otpauth URI', async () => {
    const { client: c, email } = await signedUpUser(server);
    const data = await enroll(c, { friendlyName: 'phone' });
    assert.match(data.id, /^[0-9a-f-]{36}$/);
    assert.equal(data.type, 'totp');
    assert.equal(data.friendly_name, 'phone');
    assert.match(data.totp.secret, /^[A-Z2-7]{32}$/);
    assert.equal(base32Decode(data.totp.secret).length, 20);
    assert.equal(data.totp.uri,
      `otpauth://totp/localhost:${email}?secret=${data.totp.secret}&issuer=localhost&algorithm=SHA1&digits=6&period=30`);
    assert.ok(data.totp.qr_code.startsWith('data:image/svg+xml;utf-8,<svg xmlns="http://www.w3.org/2000/svg"'),
      data.totp.qr_code.slice(0, 80));
    assert.ok(data.totp.qr_code.endsWith('</svg>'));
    assert.ok(!data.totp.qr_code.includes('#'), 'a # would end the data URI');

    const named = await enroll(c, { issuer: 'Acme Corp' });
    assert.ok(named.totp.uri.startsWith(`otpauth://totp/Acme%20Corp:${email}?`), named.totp.uri);
    assert.equal(named.friendly_name, '');

    const { data: factors, error } = await c.auth.mfa.listFactors();
    assert.equal(error, null);
    assert.deepEqual(factors.all.map((f) => [f.id, f.status, f.factor_type]).sort(),
      [[data.id, 'unverified', 'totp'], [named.id, 'unverified', 'totp']].sort());
    assert.deepEqual(factors.totp, [], 'only verified factors count for totp');
  });

  it('challengeAndVerify with the right code raises the session to aal2', async () => {
    const { client: c, user } = await signedUpUser(server);
    const factor = await enroll(c);
    const { data: before } = await c.auth.mfa.getAuthenticatorAssuranceLevel();
    assert.equal(before.currentLevel, 'aal1');
    assert.equal(before.nextLevel, 'aal1', 'an unverified factor does not ask for aal2');

    const { data, error } = await c.auth.mfa.challengeAndVerify({ factorId: factor.id, code: totp(factor.totp.secret) });
    assert.equal(error, null);
    assert.equal(data.token_type, 'bearer');
    assert.equal(data.user.id, user.id);
    assert.ok(data.refresh_token.length >= 32);
    const claims = decode(data.access_token);
    assert.equal(claims.aal, 'aal2');
    assert.deepEqual(claims.amr.map((m) => m.method), ['password', 'totp']);

    const { data: aal } = await c.auth.mfa.getAuthenticatorAssuranceLevel();
    assert.equal(aal.currentLevel, 'aal2');
    assert.equal(aal.nextLevel, 'aal2');
    assert.ok(aal.currentAuthenticationMethods.some((m) => m.method === 'totp'));

    const { data: factors } = await c.auth.mfa.listFactors();
    assert.deepEqual(factors.totp.map((f) => [f.id, f.status]), [[factor.id, 'verified']]);
    const { data: fetched, error: getError } = await c.auth.getUser();
    assert.equal(getError, null);
    assert.equal(fetched.user.factors[0].status, 'verified');
    // The refreshed session stays at aal2.
    const { data: refreshed, error: refreshError } = await c.auth.refreshSession();
    assert.equal(refreshError, null);
    assert.equal(decode(refreshed.session.access_token).aal, 'aal2');
  });

  it('refuses a wrong code with mfa_verification_failed', async () => {
    const { client: c } = await signedUpUser(server);
    const factor = await enroll(c);
    const { error } = await c.auth.mfa.challengeAndVerify({ factorId: factor.id, code: wrongCode(factor.totp.secret) });
    assert.equal(error.code, 'mfa_verification_failed');
    assert.equal(error.status, 422);
    assert.equal(error.message, 'Invalid TOTP code entered');
    const { data: factors } = await c.auth.mfa.listFactors();
    assert.equal(factors.all[0].status, 'unverified');
    const { data: aal } = await c.auth.mfa.getAuthenticatorAssuranceLevel();
    assert.equal(aal.currentLevel, 'aal1');
  });

  it('refuses a replay of an accepted code, but takes the next one', async () => {
    const { client: c, factor, usedCode } = await userWithVerifiedFactor(server);
    // The used code stays inside the ±1 step window for at least 30 s more, so only the
    // replay check can refuse it here.
    const replay = await c.auth.mfa.challengeAndVerify({ factorId: factor.id, code: usedCode });
    assert.equal(replay.error.code, 'mfa_verification_failed');
    assert.equal(replay.error.status, 422);
    const next = await c.auth.mfa.challengeAndVerify({ factorId: factor.id, code: totp(factor.totp.secret, now() + 30) });
    assert.equal(next.error, null);
    assert.equal(decode(next.data.access_token).aal, 'aal2');
  });

  it('verifies a challenge only once', async () => {
    const { client: c } = await signedUpUser(server);
    const factor = await enroll(c);
    const { data: challenge } = await c.auth.mfa.challenge({ factorId: factor.id });
    assert.equal(challenge.type, 'totp');
    assert.ok(Math.abs(challenge.expires_at - (now() + 300)) < 10, `expires_at ${challenge.expires_at}`);
    const first = await c.auth.mfa.verify({ factorId: factor.id, challengeId: challenge.id, code: totp(factor.totp.secret) });
    assert.equal(first.error, null);
    const second = await c.auth.mfa.verify({
      factorId: factor.id, challengeId: challenge.id, code: totp(factor.totp.secret, now() + 30),
    });
    assert.equal(second.error.code, 'mfa_challenge_expired');
    assert.equal(second.error.status, 422);
  });

  it('refuses an unknown challenge', async () => {
    const { client: c } = await signedUpUser(server);
    const factor = await enroll(c);
    const { error } = await c.auth.mfa.verify({ factorId: factor.id, challengeId: randomUUID(), code: totp(factor.totp.secret) });
    assert.equal(error.code, 'mfa_factor_not_found');
    assert.equal(error.status, 422);
    // The challenge of another factor is unknown to this one.
    const other = await enroll(c, { friendlyName: 'other' });
    const { data: challenge } = await c.auth.mfa.challenge({ factorId: other.id });
    const crossed = await c.auth.mfa.verify({ factorId: factor.id, challengeId: challenge.id, code: totp(factor.totp.secret) });
    assert.equal(crossed.error.code, 'mfa_factor_not_found');
  });

  it('closes a challenge after five wrong codes', async () => {
    const { client: c } = await signedUpUser(server);
    const factor = await enroll(c);
    const { data: challenge } = await c.auth.mfa.challenge({ factorId: factor.id });
    for (let i = 0; i < 5; i += 1) {
      const { error } = await c.auth.mfa.verify({ factorId: factor.id, challengeId: challenge.id, code: wrongCode(factor.totp.secret) });
      assert.equal(error.code, 'mfa_verification_failed');
    }
    const { error } = await c.auth.mfa.verify({ factorId: factor.id, challengeId: challenge.id, code: totp(factor.totp.secret) });
    assert.equal(error.code, 'mfa_challenge_expired');
    const fresh = await c.auth.mfa.challengeAndVerify({ factorId: factor.id, code: totp(factor.totp.secret) });
    assert.equal(fresh.error, null);
  });

  it('does not let another user challenge, verify or unenroll my factor', async () => {
    const me = await signedUpUser(server);
    const eve = await signedUpUser(server);
    const factor = await enroll(me.client);
    const { data: myChallenge } = await me.client.auth.mfa.challenge({ factorId: factor.id });

    const challenge = await eve.client.auth.mfa.challenge({ factorId: factor.id });
    assert.equal(challenge.error.code, 'mfa_factor_not_found');
    assert.equal(challenge.error.status, 404);
    const verify = await eve.client.auth.mfa.verify({ factorId: factor.id, challengeId: myChallenge.id, code: totp(factor.totp.secret) });
    assert.equal(verify.error.code, 'mfa_factor_not_found');
    assert.equal(verify.error.status, 404);
    const unenroll = await eve.client.auth.mfa.unenroll({ factorId: factor.id });
    assert.equal(unenroll.error.code, 'mfa_factor_not_found');
    assert.equal(unenroll.error.status, 404);

    const { data: factors } = await me.client.auth.mfa.listFactors();
    assert.deepEqual(factors.all.map((f) => f.id), [factor.id]);
    // My challenge survived Eve's attempt.
    const mine = await me.client.auth.mfa.verify({ factorId: factor.id, challengeId: myChallenge.id, code: totp(factor.totp.secret) });
    assert.equal(mine.error, null);
  });

  it('unenrolls a verified factor at aal2 only', async () => {
    const { client: c, email, password, factor } = await userWithVerifiedFactor(server);
    const second = client(server);
    assert.equal((await second.auth.signInWithPassword({ email, password })).error, null);
    const refused = await second.auth.mfa.unenroll({ factorId: factor.id });
    assert.equal(refused.error.code, 'insufficient_aal');
    assert.equal(refused.error.status, 422);

    const { data, error } = await c.auth.mfa.unenroll({ factorId: factor.id });
    assert.equal(error, null);
    assert.deepEqual(data, { id: factor.id });
    const { data: factors } = await c.auth.mfa.listFactors();
    assert.deepEqual(factors.all, []);
    // The session raised with that factor is back at aal1.
    const { data: refreshed, error: refreshError } = await c.auth.refreshSession();
    assert.equal(refreshError, null);
    assert.equal(decode(refreshed.session.access_token).aal, 'aal1');
    const gone = await c.auth.mfa.unenroll({ factorId: factor.id });
    assert.equal(gone.error.code, 'mfa_factor_not_found');
  });

  it('unenrolls an unverified factor at aal1', async () => {
    const { client: c } = await signedUpUser(server);
    const factor = await enroll(c);
    const { data, error } = await c.auth.mfa.unenroll({ factorId: factor.id });
    assert.equal(error, null);
    assert.equal(data.id, factor.id);
    assert.deepEqual((await c.auth.mfa.listFactors()).data.all, []);
  });

  it('signs in with a password at aal1 and asks for aal2 when a factor is verified', async () => {
    const { email, password, factor } = await userWithVerifiedFactor(server);
    const c = client(server);
    assert.equal((await c.auth.signInWithPassword({ email, password })).error, null);
    const { data: aal } = await c.auth.mfa.getAuthenticatorAssuranceLevel();
    assert.equal(aal.currentLevel, 'aal1');
    assert.equal(aal.nextLevel, 'aal2');
    assert.deepEqual(aal.currentAuthenticationMethods.map((m) => m.method), ['password']);
    // Enrolling a further factor needs aal2 first.
    const more = await c.auth.mfa.enroll({ factorType: 'totp', friendlyName: 'second' });
    assert.equal(more.error.code, 'insufficient_aal');
    assert.equal(more.error.status, 403);

    const { error } = await c.auth.mfa.challengeAndVerify({ factorId: factor.id, code: totp(factor.totp.secret, now() + 30) });
    assert.equal(error, null);
    const { data: raised } = await c.auth.mfa.getAuthenticatorAssuranceLevel();
    assert.equal(raised.currentLevel, 'aal2');
    assert.equal((await c.auth.mfa.enroll({ factorType: 'totp', friendlyName: 'second' })).error, null);
  });

  it('ends the user\'s other aal1 sessions when a factor is verified', async () => {
    const { client: c, email, password } = await signedUpUser(server);
    const other = client(server);
    const { data: signedIn } = await other.auth.signInWithPassword({ email, password });
    const otherToken = signedIn.session.access_token;
    assert.equal((await raw(server, 'GET', '/user', { token: otherToken })).status, 200);
    const factor = await enroll(c);
    assert.equal((await c.auth.mfa.challengeAndVerify({ factorId: factor.id, code: totp(factor.totp.secret) })).error, null);
    const ended = await raw(server, 'GET', '/user', { token: otherToken });
    assert.equal(ended.status, 403);
    assert.equal(ended.body.error_code, 'session_not_found');
    assert.equal((await c.auth.getUser()).error, null);
  });

  it('refuses other factor types and a duplicate friendly name', async () => {
    const { client: c, session } = await signedUpUser(server);
    const phone = await c.auth.mfa.enroll({ factorType: 'phone', phone: '+15555550100' });
    assert.equal(phone.error.code, 'mfa_phone_enroll_not_enabled');
    assert.equal(phone.error.status, 422);
    const sms = await raw(server, 'POST', '/factors', { token: session.access_token, body: { factor_type: 'sms' } });
    assert.equal(sms.status, 400);
    assert.equal(sms.body.error_code, 'validation_failed');
    await enroll(c, { friendlyName: 'laptop' });
    const duplicate = await c.auth.mfa.enroll({ factorType: 'totp', friendlyName: 'laptop' });
    assert.equal(duplicate.error.code, 'mfa_factor_name_conflict');
    assert.equal(duplicate.error.status, 422);
    const badIssuer = await c.auth.mfa.enroll({ factorType: 'totp', issuer: 'a:b' });
    assert.equal(badIssuer.error.code, 'validation_failed');
    assert.equal(badIssuer.error.status, 400);
  });

  it('refuses malformed factor ids and bodies', async () => {
    const { session } = await signedUpUser(server);
    const token = session.access_token;
    const badId = await raw(server, 'POST', '/factors/not-a-uuid/challenge', { token });
    assert.equal(badId.status, 404);
    assert.equal(badId.body.error_code, 'validation_failed');
    const { body: factor } = await raw(server, 'POST', '/factors', { token, body: { factor_type: 'totp' } });
    const noCode = await raw(server, 'POST', `/factors/${factor.id}/verify`, { token, body: { challenge_id: randomUUID() } });
    assert.equal(noCode.status, 400);
    assert.equal(noCode.body.error_code, 'validation_failed');
    const badJson = await fetch(`${server.url}/auth/v1/factors/${factor.id}/verify`, {
      method: 'POST',
      headers: { apikey: server.keys().anon, Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: '{"code": ',
    });
    assert.equal(badJson.status, 400);
    assert.equal((await badJson.json()).error_code, 'bad_json');
  });

  it('refuses requests without an apikey or without a signed-in user', async () => {
    const { session } = await signedUpUser(server);
    const token = session.access_token;
    const { body: factor } = await raw(server, 'POST', '/factors', { token, body: { factor_type: 'totp' } });
    assert.match(factor.id, /^[0-9a-f-]{36}$/);
    for (const [method, path] of [['POST', '/factors'], ['POST', `/factors/${factor.id}/challenge`],
      ['POST', `/factors/${factor.id}/verify`], ['DELETE', `/factors/${factor.id}`]]) {
      const noKey = await raw(server, method, path, { apikey: null, token, body: { factor_type: 'totp' } });
      assert.equal(noKey.status, 401, `${method} ${path}`);
      assert.equal(noKey.body.error_code, 'no_authorization');
      const anon = await raw(server, method, path, { token: server.keys().anon, body: { factor_type: 'totp' } });
      assert.equal(anon.status, 403, `${method} ${path} as anon`);
      assert.equal(anon.body.error_code, 'bad_jwt');
    }
  });
});

describe('TOTP MFA limits', () => {
  it('expires a challenge after the configured time', async () => {
    const server = await startServer({ args: ['--auth-mfa-challenge-expiry', '1'] });
    try {
      const { client: c } = await signedUpUser(server);
      const factor = await enroll(c);
      const { data: challenge } = await c.auth.mfa.challenge({ factorId: factor.id });
      await sleep(1500);
      const { error } = await c.auth.mfa.verify({ factorId: factor.id, challengeId: challenge.id, code: totp(factor.totp.secret) });
      assert.equal(error.code, 'mfa_challenge_expired');
      assert.equal(error.status, 422);
      const fresh = await c.auth.mfa.challengeAndVerify({ factorId: factor.id, code: totp(factor.totp.secret) });
      assert.equal(fresh.error, null);
    } finally {
      await server.stop();
    }
  });

  it('rate-limits verification per user with over_request_rate_limit', async () => {
    const server = await startServer({ args: ['--auth-rate-limit-per-email', '3'] });
    try {
      const { client: c } = await signedUpUser(server);
      const factor = await enroll(c);
      const { data: challenge } = await c.auth.mfa.challenge({ factorId: factor.id });
      for (let i = 0; i < 3; i += 1) {
        const { error } = await c.auth.mfa.verify({ factorId: factor.id, challengeId: challenge.id, code: wrongCode(factor.totp.secret) });
        assert.equal(error.code, 'mfa_verification_failed');
      }
      const { error } = await c.auth.mfa.verify({ factorId: factor.id, challengeId: challenge.id, code: totp(factor.totp.secret) });
      assert.equal(error.code, 'over_request_rate_limit');
      assert.equal(error.status, 429);
      // Another user is not held back by it.
      const other = await signedUpUser(server);
      const otherFactor = await enroll(other.client);
      const ok = await other.client.auth.mfa.challengeAndVerify({ factorId: otherFactor.id, code: totp(otherFactor.totp.secret) });
      assert.equal(ok.error, null);
    } finally {
      await server.stop();
    }
  });
});
