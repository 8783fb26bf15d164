// tests/e2e/support/server.mjs
//
// Starts the real tenantbase binary for a test: a fresh temp data dir, port 0 (the
// server picks a free port and logs it), and helpers to read its keys and stop it.
// The binary comes from TENANTBASE_BIN (CTest sets it); a missing binary fails loudly.
//
// The backend: SQLite in the data dir, unless TB_PG_ENV names the env file of a test
// cluster (tests/support/pg_cluster, CTest's fixture `pg`). Then every data dir gets its
// own fresh PostgreSQL database, which `serve` and every command run by runCli with that
// `--data` use (TENANTBASE_DATABASE_URL), so the same test files run on both backends.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

function readPgEnv() {
  const file = process.env.TB_PG_ENV;
  if (!file) return null;
  const text = readFileSync(file, 'utf8');
  const pick = (name) => {
    const match = text.match(new RegExp(`^(?:export )?${name}=['"]?([^'"\n]+)`, 'm'));
    if (!match) throw new Error(`${file} names no ${name}`);
    return match[1];
  };
  return { url: pick('TB_PG_URL'), adminUrl: pick('TB_PG_ADMIN_URL') };
}

const pg = readPgEnv();

// 'postgres' or 'sqlite': the backend this run's servers use.
export const backend = pg ? 'postgres' : 'sqlite';

const databases = new Map();  // data dir → its database URL
let databaseCount = 0;

function psqlAdmin(sql) {
  const result = spawnSync('psql', [pg.adminUrl, '-qAt', '-v', 'ON_ERROR_STOP=1', '-c', sql], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`psql failed (${sql}): ${result.stderr}`);
}

// The database URL of `dir` on PostgreSQL (created on first use); null on SQLite.
export function databaseFor(dir) {
  if (!pg) return null;
  const key = path.resolve(dir);
  if (!databases.has(key)) {
    const name = `e2e_${process.pid}_${++databaseCount}`;
    const owner = new URL(pg.url).username;
    psqlAdmin(`CREATE DATABASE ${name} OWNER ${owner}`);
    const url = new URL(pg.url);
    url.pathname = `/${name}`;
    databases.set(key, url.toString());
  }
  return databases.get(key);
}

function dropDatabaseOf(dir) {
  const key = path.resolve(dir);
  const url = databases.get(key);
  if (!url) return;
  databases.delete(key);
  psqlAdmin(`DROP DATABASE IF EXISTS ${new URL(url).pathname.slice(1)} WITH (FORCE)`);
}

// Runs `sql` through psql as the cluster's superuser on the database of data dir `dir`:
// another client of the same database, as a job or a second service would be. Resolves
// with psql's output; PostgreSQL only.
export function psqlAsAdmin(dir, sql) {
  if (!pg) throw new Error('psqlAsAdmin: the servers run on SQLite');
  const url = new URL(databaseFor(dir));
  const admin = new URL(pg.adminUrl);
  admin.pathname = url.pathname;
  return new Promise((resolve, reject) => {
    const proc = spawn('psql', [admin.toString(), '-qAt', '-v', 'ON_ERROR_STOP=1', '-c', sql]);
    let out = '';
    let err = '';
    proc.stdout.on('data', (d) => { out += d; });
    proc.stderr.on('data', (d) => { err += d; });
    proc.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`psql failed: ${err}`))));
  });
}

// The environment a command for data dir `dir` runs with.
function envFor(dir, env) {
  const url = dir ? databaseFor(dir) : null;
  return { ...process.env, ...(url ? { TENANTBASE_DATABASE_URL: url } : {}), ...env };
}

function dataDirOf(args) {
  const at = args.indexOf('--data');
  return at >= 0 && at + 1 < args.length ? args[at + 1] : null;
}

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
    env: envFor(dataDirOf(args), env),
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
    env: envFor(dir, env),
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
      if (ownsDir) {
        rmSync(dir, { recursive: true, force: true });
        dropDatabaseOf(dir);
      }
      return result;
    },
  };
}
