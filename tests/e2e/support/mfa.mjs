// tests/e2e/support/mfa.mjs
//
// TOTP as an authenticator app computes it (RFC 6238: HMAC-SHA1, 30-second steps, 6
// digits), and a user whose session is raised to aal2 with it.

import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { signedUpUser } from './supabase.mjs';

export function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const c of text.replace(/=+$/, '').toUpperCase()) {
    const index = alphabet.indexOf(c);
    if (index < 0) throw new Error(`not base32: ${c}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

// The code an authenticator app shows for `secret` (base32) at `unixSeconds`.
export function totp(secret, unixSeconds = Date.now() / 1000) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unixSeconds / 30)));
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 1_000_000).padStart(6, '0');
}

// Enrolls a TOTP factor for the signed-in client and returns it (id, totp.secret, …).
export async function enroll(c, params = {}) {
  const { data, error } = await c.auth.mfa.enroll({ factorType: 'totp', ...params });
  assert.equal(error, null);
  return data;
}

// A signed-up user with a verified TOTP factor whose client session is at aal2.
export async function userWithVerifiedFactor(server) {
  const user = await signedUpUser(server);
  const factor = await enroll(user.client);
  const usedCode = totp(factor.totp.secret);
  const { error } = await user.client.auth.mfa.challengeAndVerify({ factorId: factor.id, code: usedCode });
  assert.equal(error, null);
  return { ...user, factor, usedCode };
}
