// tests/e2e/support/provider_api.mjs
//
// A stand-in for the payment providers' HTTP APIs, run by the tests on loopback: the
// server's TENANTBASE_*_API_URL point here. It records every request; answers 503 while
// `down`; otherwise answers with `respond(request)` when set ({ status, body }) or 200 {}.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';

export async function fakeProviderApi({ respond } = {}) {
  const api = { requests: [], down: false, respond };
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      const request = { method: req.method, url: req.url, headers: req.headers, body };
      const answer = api.down ? { status: 503, body: { error: { message: 'down for maintenance' } } }
        : (api.respond?.(request) ?? { status: 200, body: {} });
      request.answered = answer.status;
      api.requests.push(request);
      res.writeHead(answer.status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  api.url = `http://127.0.0.1:${server.address().port}`;
  api.close = () => new Promise((resolve) => server.close(resolve));
  // The first request matching `predicate`, polled until it comes.
  api.waitFor = async (predicate, what, timeoutMs = 15000) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const found = api.requests.find(predicate);
      if (found) return found;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.fail(`the provider API never received ${what}; got ${JSON.stringify(api.requests.map((r) => [r.method, r.url, r.body]))}`);
  };
  return api;
}
