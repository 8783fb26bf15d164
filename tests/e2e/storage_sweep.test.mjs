// Orphaned blobs go while the server runs, not only at its next start: at every purge
// (--purge-interval), the blobs no storage.objects row names and older than an hour are
// removed; named blobs stay whatever their age, and younger orphans (a row still to commit)
// wait.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync, mkdirSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { startServer } from './support/server.mjs';
import { adminClient } from './support/supabase.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Every blob file under DATA/storage/objects.
function blobs(dataDir) {
  const root = path.join(dataDir, 'storage', 'objects');
  return readdirSync(root).flatMap((d) => readdirSync(path.join(root, d)).map((f) => path.join(root, d, f)));
}

describe('Storage sweep while serving', () => {
  let server, admin;
  before(async () => {
    server = await startServer({ args: ['--purge-interval', '1'] });
    admin = adminClient(server);
  });
  after(async () => { await server?.stop(); });

  it('removes old orphans at each purge and keeps named blobs and young orphans', async () => {
    assert.equal((await admin.storage.createBucket('sweep', { public: false })).error, null);
    const up = await admin.storage.from('sweep').upload('kept.txt', new Blob(['kept bytes']), { contentType: 'text/plain' });
    assert.equal(up.error, null, up.error?.message);
    const named = blobs(server.dataDir);
    assert.equal(named.length, 1);
    const twoHoursAgo = new Date(Date.now() - 2 * 3600 * 1000);
    utimesSync(named[0], twoHoursAgo, twoHoursAgo);  // old, but a row names it

    const dir = path.join(server.dataDir, 'storage', 'objects', 'zz');
    mkdirSync(dir, { recursive: true });
    const oldOrphan = path.join(dir, 'zz-old-orphan');
    const youngOrphan = path.join(dir, 'zz-young-orphan');
    writeFileSync(oldOrphan, 'nobody names me');
    utimesSync(oldOrphan, twoHoursAgo, twoHoursAgo);
    writeFileSync(youngOrphan, 'my row may still commit');

    const deadline = Date.now() + 10_000;
    while (existsSync(oldOrphan) && Date.now() < deadline) await sleep(100);
    assert.equal(existsSync(oldOrphan), false, 'the old orphan is swept within a few purges');
    assert.equal(existsSync(youngOrphan), true, 'a young orphan waits');
    assert.equal(existsSync(named[0]), true, 'a named blob stays');
    const { data, error } = await admin.storage.from('sweep').download('kept.txt');
    assert.equal(error, null, error?.message);
    assert.equal(await data.text(), 'kept bytes');
  });
});
