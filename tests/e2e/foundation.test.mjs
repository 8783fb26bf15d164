// The foundation: the binary's command line, the HTTP transport (health, 404, CORS,
// limits, keep-alive, timeouts, graceful shutdown) and the data directory it creates.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { statSync, existsSync, writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { startServer, runCli, makeDataDir, backend } from './support/server.mjs';
import { connect, readResponse, readUntilClose, sleep } from './support/raw_http.mjs';

const decodeJwt = (token) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());

describe('a server started with no configuration', () => {
  let server;
  before(async () => { server = await startServer(); });
  after(async () => { await server.stop(); });

  it('answers /healthz with its status and schema version', async () => {
    const res = await fetch(`${server.url}/healthz`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^application\/json/);
    const body = await res.json();
    assert.equal(body.status, 'ok');
    assert.equal(body.database, backend);
    assert.ok(Number.isInteger(body.schema_version) && body.schema_version >= 6, `schema_version ${body.schema_version}`);
  });

  it('answers HEAD like GET without a body', async () => {
    const get = await fetch(`${server.url}/healthz`);
    const getBody = await get.text();
    const head = await fetch(`${server.url}/healthz`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
    assert.equal(Number(head.headers.get('content-length')), Buffer.byteLength(getBody));
  });

  it('answers unknown paths with a 404 JSON error', async () => {
    const res = await fetch(`${server.url}/no/such/thing`);
    assert.equal(res.status, 404);
    const body = await res.json();
    assert.equal(body.error, 'not_found');
    assert.match(body.message, /\/no\/such\/thing/);
  });

  it('answers a known path with the wrong method with 405 and Allow', async () => {
    const res = await fetch(`${server.url}/healthz`, { method: 'DELETE' });
    assert.equal(res.status, 405);
    assert.match(res.headers.get('allow'), /GET/);
    assert.equal((await res.json()).error, 'method_not_allowed');
  });

  it('answers a CORS preflight as Supabase does, echoing the requested headers', async () => {
    const res = await fetch(`${server.url}/rest/v1/notes`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'http://localhost:3000',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization, apikey, x-client-info, content-type',
      },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.match(res.headers.get('access-control-allow-methods'), /POST/);
    assert.match(res.headers.get('access-control-allow-methods'), /PATCH/);
    assert.equal(res.headers.get('access-control-allow-headers'), 'authorization, apikey, x-client-info, content-type');
  });

  it('adds CORS headers to ordinary responses for browsers', async () => {
    const res = await fetch(`${server.url}/healthz`, { headers: { Origin: 'http://localhost:3000' } });
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.match(res.headers.get('access-control-expose-headers'), /Content-Range/);
  });

  it('refuses a body over 1 MiB with 413 and stays up', async () => {
    const res = await fetch(`${server.url}/healthz`, { method: 'POST', body: 'x'.repeat(1024 * 1024 + 1) });
    assert.equal(res.status, 413);
    assert.equal((await res.json()).error, 'payload_too_large');
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
  });

  it('serves several requests on one keep-alive connection', async () => {
    const socket = await connect(server.port);
    for (let i = 0; i < 3; i++) {
      socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      const res = await readResponse(socket);
      assert.equal(res.status, 200);
      assert.equal(JSON.parse(res.body).status, 'ok');
    }
    socket.destroy();
  });

  it('answers malformed HTTP with 400 and closes', async () => {
    const socket = await connect(server.port);
    socket.write('THIS IS NOT HTTP\r\n\r\n');
    const raw = await readUntilClose(socket);
    assert.match(raw, /^HTTP\/1\.1 400/);
  });

  it('answers headers over 16 KiB with 431', async () => {
    const socket = await connect(server.port);
    socket.write(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(17 * 1024)}\r\n\r\n`);
    const raw = await readUntilClose(socket);
    assert.match(raw, /^HTTP\/1\.1 431/);
  });

  it('created its data directory with the database and a private JWT secret', () => {
    // The embedded database lives in the data dir; PostgreSQL's does not.
    assert.equal(existsSync(path.join(server.dataDir, 'tenantbase.db')), backend === 'sqlite');
    const secret = statSync(path.join(server.dataDir, 'jwt-secret'));
    assert.equal(secret.mode & 0o777, 0o600);
  });

  it('reports every core migration as applied', () => {
    const { status, stdout } = runCli(['migrate', '--status', '--data', server.dataDir]);
    assert.equal(status, 0);
    const lines = stdout.trim().split('\n');
    assert.ok(lines.length >= 6);
    for (const line of lines) assert.match(line, /applied/);
    assert.match(stdout, /0003\s+accounts/);
  });
});

describe('limits against slow clients', () => {
  let server;
  before(async () => {
    server = await startServer({ args: ['--read-timeout-ms', '300', '--idle-timeout-ms', '300', '--max-body-bytes', '2048'] });
  });
  after(async () => { await server.stop(); });

  it('closes a connection that sends half a request and stalls', async () => {
    const socket = await connect(server.port);
    socket.write('GET /healthz HTTP/1.1\r\nHo');
    const started = Date.now();
    await readUntilClose(socket, 5_000);
    assert.ok(Date.now() - started < 5_000);
  });

  it('closes an idle keep-alive connection', async () => {
    const socket = await connect(server.port);
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    const raw = await readUntilClose(socket, 5_000);
    assert.match(raw, /^HTTP\/1\.1 200/);
  });

  it('applies a configured body limit', async () => {
    const ok = await fetch(`${server.url}/nowhere`, { method: 'POST', body: 'x'.repeat(2048) });
    assert.equal(ok.status, 404);
    const tooBig = await fetch(`${server.url}/nowhere`, { method: 'POST', body: 'x'.repeat(2049) });
    assert.equal(tooBig.status, 413);
  });
});

describe('graceful shutdown', () => {
  it('finishes an in-flight request, then exits 0 and refuses new connections', async () => {
    const server = await startServer();
    const socket = await connect(server.port);
    // Headers and half the body: the request is in flight when the signal arrives.
    socket.write('POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12345');
    await sleep(200);
    server.proc.kill('SIGTERM');
    await sleep(300);
    await assert.rejects(connect(server.port), 'new connections are refused while draining');
    socket.write('67890');
    const res = await readResponse(socket);
    assert.equal(res.status, 404);
    assert.equal(res.headers.connection, 'close');
    const { code } = await server.stop();
    assert.equal(code, 0);
    assert.match(server.logs(), /stopped/);
  });

  it('closes idle connections at once and exits 0 on SIGINT', async () => {
    const server = await startServer();
    const socket = await connect(server.port);
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    await readResponse(socket);
    const closed = readUntilClose(socket, 5_000);
    const { code } = await server.stop('SIGINT');
    await closed;
    assert.equal(code, 0);
  });

  it('keeps committed data across a restart on the same data directory', async () => {
    const dataDir = makeDataDir();
    try {
      const first = await startServer({ dataDir });
      const keys = first.keys();
      await first.stop();
      const second = await startServer({ dataDir });
      assert.deepEqual(second.keys(), keys, 'the generated secret is kept');
      const body = await (await fetch(`${second.url}/healthz`)).json();
      assert.equal(body.status, 'ok');
      await second.stop();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('the command line', () => {
  it('prints anon and service_role keys signed with the data dir secret', () => {
    const dataDir = makeDataDir();
    try {
      const first = runCli(['keys', '--data', dataDir]);
      assert.equal(first.status, 0, first.stderr);
      const anon = first.stdout.match(/^anon_key=(\S+)$/m)[1];
      const service = first.stdout.match(/^service_role_key=(\S+)$/m)[1];
      assert.equal(decodeJwt(anon).role, 'anon');
      assert.equal(decodeJwt(service).role, 'service_role');
      assert.equal(JSON.parse(Buffer.from(anon.split('.')[0], 'base64url')).alg, 'HS256');
      assert.equal(runCli(['keys', '--data', dataDir]).stdout, first.stdout, 'keys are stable');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('uses TENANTBASE_JWT_SECRET when given', () => {
    const dataDir = makeDataDir();
    try {
      const env = { TENANTBASE_JWT_SECRET: 'a-test-secret-that-is-long-enough-0123456789' };
      const a = runCli(['keys', '--data', dataDir], { env });
      const b = runCli(['keys', '--data', dataDir]);
      assert.equal(a.status, 0, a.stderr);
      assert.equal(b.status, 0, b.stderr);
      assert.notEqual(a.stdout, b.stdout, 'a configured secret gives other keys than the generated one');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('answers --version and --help', () => {
    const version = runCli(['--version']);
    assert.equal(version.status, 0);
    assert.match(version.stdout, /^\d+\.\d+\.\d+/);
    const help = runCli(['--help']);
    assert.equal(help.status, 0);
    for (const word of ['serve', 'migrate', 'keys']) assert.match(help.stdout, new RegExp(word));
  });

  it('refuses an unknown flag with one line and exit status 2', () => {
    const { status, stderr } = runCli(['serve', '--no-such-flag']);
    assert.equal(status, 2);
    assert.equal(stderr.trim().split('\n').length, 1, stderr);
    assert.match(stderr, /no-such-flag/);
  });

  it('refuses a data directory that is a file with one line and a non-zero exit', () => {
    const dataDir = makeDataDir();
    const file = path.join(dataDir, 'plain-file');
    writeFileSync(file, 'x');
    try {
      const { status, stderr } = runCli(['serve', '--data', file]);
      assert.notEqual(status, 0);
      assert.equal(stderr.trim().split('\n').length, 1, stderr);
      assert.match(stderr, /not a directory/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses a listen address it cannot parse', () => {
    const dataDir = makeDataDir();
    try {
      const { status, stderr } = runCli(['serve', '--data', dataDir, '--http', 'nonsense']);
      assert.notEqual(status, 0);
      assert.match(stderr, /HOST:PORT/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses a port that is already taken', async () => {
    const server = await startServer();
    const dataDir = makeDataDir();
    try {
      const { status, stderr } = runCli(['serve', '--data', dataDir, '--http', `127.0.0.1:${server.port}`]);
      assert.notEqual(status, 0);
      assert.match(stderr, /cannot listen/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
      await server.stop();
    }
  });
});
