// tests/e2e/support/outbox.mjs
//
// Reads the mail a test server wrote to <dataDir>/outbox/ (no SMTP configured): one .eml
// file per message, named by time, so a sorted listing is sending order. Each message is
// parsed for what auth puts in it: the 6-digit code and the /verify link with its token.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { sleep } from './raw_http.mjs';

function parse(file, raw) {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).split('\r\n');
  const text = raw.slice(split + 4);
  const header = (name) => {
    const line = head.find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
    return line === undefined ? undefined : line.slice(name.length + 1).trim();
  };
  const link = text.match(/(https?:\/\/\S+\/verify\?\S+)/)?.[1];
  return {
    file,
    to: header('To'),
    subject: header('Subject'),
    text,
    code: text.match(/enter this code: (\d{6})/)?.[1],
    link,
    tokenHash: link ? new URL(link).searchParams.get('token') : undefined,
  };
}

// Every message to `to`, oldest first.
export function mailsTo(server, to) {
  const dir = path.join(server.dataDir, 'outbox');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.eml'))
    .sort()
    .map((name) => parse(name, readFileSync(path.join(dir, name), 'utf8')))
    .filter((mail) => mail.to?.toLowerCase() === to.toLowerCase());
}

// The newest message to `to` once more than `after` have arrived; polls for up to
// `timeoutMs`, then throws.
export async function latestMail(server, to, { after = 0, timeoutMs = 3000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mails = mailsTo(server, to);
    if (mails.length > after) return mails[mails.length - 1];
    if (Date.now() > deadline) throw new Error(`no new mail to ${to} after ${timeoutMs} ms (have ${mails.length})`);
    await sleep(50);
  }
}
