// tests/e2e/support/server.mjs
//
// Starts the real tenantbase binary for a test: a fresh temp data dir, port 0 (the
// server picks a free port and logs it), and helpers to read its keys and stop it.
// The binary comes from TENANTBASE_BIN (CTest sets it); a missing binary fails loudly.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export function binaryPath() {
  const bin = process.env.TENANTBASE_BIN;
  if (!bin || !existsSync(bin)) {
    throw new Error(`TENANTBASE_BIN must name the built tenantbase binary (got ${bin ?? 'nothing'})`);
  }
  return bin;
}

// Runs a tenantbase command to completion; returns { status, stdout, stderr }.
export function runCli(args, { env = {} } = {}) {
  const result = spawnSync(binaryPath(), args, {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export function makeDataDir() {
  return mkdtempSync(path.join(tmpdir(), 'tenantbase-e2e-'));
}

// Starts `tenantbase serve` and resolves once it listens.
//   const server = await startServer();
//   await fetch(`${server.url}/healthz`);
//   await server.stop();
export async function startServer({ args = [], env = {}, dataDir } = {}) {
  const dir = dataDir ?? makeDataDir();
  const ownsDir = dataDir === undefined;
  const proc = spawn(binaryPath(), ['serve', '--http', '127.0.0.1:0', '--data', dir, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 30 s:\n${log}`)), 30_000);
    const onData = (chunk) => {
      log += chunk.toString();
      const match = log.match(/listening on (http:\/\/[0-9.]+:\d+)/);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    proc.stderr.on('data', onData);
    proc.stdout.on('data', onData);
    exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${log}`));
    });
  });
  const port = Number(new URL(url).port);

  return {
    url,
    port,
    dataDir: dir,
    proc,
    exited,
    logs: () => log,
    keys() {
      const { status, stdout, stderr } = runCli(['keys', '--data', dir], { env });
      if (status !== 0) throw new Error(`tenantbase keys failed: ${stderr}`);
      const pick = (name) => stdout.match(new RegExp(`^${name}=(\\S+)$`, 'm'))[1];
      return { anon: pick('anon_key'), serviceRole: pick('service_role_key') };
    },
    // Sends `signal` and resolves with the exit { code, signal }.
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      const result = await exited;
      if (ownsDir) rmSync(dir, { recursive: true, force: true });
      return result;
    },
  };
}
