// tests/e2e/support/jwt.mjs
//
// Builds JWTs in the test, to forge the tokens an attacker would try: other algorithms,
// bad signatures, expired claims. Signing uses the server's own secret file.

import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const b64 = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

export function serverSecret(server) {
  return readFileSync(path.join(server.dataDir, 'jwt-secret'), 'utf8').trim();
}

export function sign(claims, secret, header = { alg: 'HS256', typ: 'JWT' }) {
  const unsigned = `${b64(header)}.${b64(claims)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

export function decode(token) {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
}
