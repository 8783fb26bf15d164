// Storage end to end with supabase.storage from the official client: the seed's
// account-folder policies (an app migration's `team_files` bucket and the core
// `account_image` bucket) decide who lists, reads, writes and deletes; public and signed
// URLs; upsert; size and MIME limits; path safety; range and ETag; a 100 MB round trip;
// concurrent uploads of one path; buckets for service_role.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer } from './support/server.mjs';
import { adminClient, client, signedUpUser } from './support/supabase.mjs';
import { makeTeam } from './support/tenancy.mjs';
import { connect, readResponse } from './support/raw_http.mjs';

const MIGRATION = `
-- The seed's storage pattern: each object's first folder is the account that owns it.
INSERT INTO storage.buckets (id, name, public) VALUES ('team_files', 'team_files', false);
CREATE POLICY team_files_read ON storage.objects FOR SELECT TO authenticated
  USING (bucket_id = 'team_files' AND public.has_role_on_account((storage.foldername(name))[1]::uuid));
CREATE POLICY team_files_insert ON storage.objects FOR INSERT TO authenticated
  WITH CHECK (bucket_id = 'team_files' AND public.has_role_on_account((storage.foldername(name))[1]::uuid));
CREATE POLICY team_files_update ON storage.objects FOR UPDATE TO authenticated
  USING (bucket_id = 'team_files' AND public.has_role_on_account((storage.foldername(name))[1]::uuid))
  WITH CHECK (bucket_id = 'team_files' AND public.has_role_on_account((storage.foldername(name))[1]::uuid));
CREATE POLICY team_files_delete ON storage.objects FOR DELETE TO authenticated
  USING (bucket_id = 'team_files' AND public.has_role_on_account((storage.foldername(name))[1]::uuid));
`;

const MB = 1024 * 1024;
const sha = (bytes) => createHash('sha256').update(bytes).digest('hex');

describe('Storage', () => {
  let server, dir, admin, owner, member, outsider, team;
  const files = (user) => user.client.storage.from('team_files');
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tenantbase-storage-migrations-'));
    writeFileSync(path.join(dir, '0001_storage.sql'), MIGRATION);
    server = await startServer({
      args: ['--migrations', dir, '--storage-max-file-size', String(150 * MB),
        '--auth-rate-limit-per-ip', '10000', '--auth-rate-limit-per-email', '10000'],
    });
    admin = adminClient(server);
    owner = await signedUpUser(server);
    member = await signedUpUser(server);
    outsider = await signedUpUser(server);
    team = await makeTeam(server, owner, [[member, 'member']]);
  });
  after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const text = async (blob) => Buffer.from(await blob.arrayBuffer()).toString();

  it('a member uploads into the team folder and another member reads and lists it; a non-member can do none of it', async () => {
    const name = `${team.id}/docs/plan.txt`;
    const up = await files(owner).upload(name, Buffer.from('the plan'), { contentType: 'text/plain' });
    assert.equal(up.error, null, up.error?.message);
    assert.equal(up.data.path, name);
    assert.equal(up.data.fullPath, `team_files/${name}`);
    assert.match(up.data.id, /^[0-9a-f-]{36}$/);

    const read = await files(member).download(name);
    assert.equal(read.error, null, read.error?.message);
    assert.equal(await text(read.data), 'the plan');
    assert.equal(read.data.type, 'text/plain');
    const list = await files(member).list(`${team.id}/docs`);
    assert.deepEqual(list.data.map((f) => f.name), ['plan.txt']);
    assert.equal(list.data[0].metadata.size, 8);
    const folders = await files(member).list(team.id);
    assert.deepEqual(folders.data.map((f) => [f.name, f.id]), [['docs', null]], 'a folder is an entry with a null id');

    assert.deepEqual((await files(outsider).list(`${team.id}/docs`)).data, []);
    const stolen = await files(outsider).download(name);
    assert.equal(stolen.error?.status, 404);
    const overwrite = await files(outsider).upload(name, Buffer.from('mine now'), { upsert: true });
    assert.equal(overwrite.error?.status, 403);
    assert.equal(overwrite.error?.statusCode, '403');
    const intruder = await files(outsider).upload(`${team.id}/docs/new.txt`, Buffer.from('x'));
    assert.equal(intruder.error?.status, 403);
    assert.deepEqual((await files(outsider).remove([name])).data, []);
    assert.deepEqual((await files(outsider).createSignedUrl(name, 60)).error?.status, 404);
    const moved = await files(outsider).move(name, `${outsider.user.id}/plan.txt`);
    assert.equal(moved.error?.status, 404);
    assert.equal(await text((await files(member).download(name)).data), 'the plan', 'the object is untouched');
  });

  it('a crafted path cannot reach another account\'s folder; names are data, never paths', async () => {
    // fetch() resolves dot segments in the URL itself: the server then sees the team's folder
    // and the policy refuses it; either way nothing is written there.
    for (const name of [`${outsider.user.id}/../${team.id}/x.txt`, `${team.id}/./x.txt`]) {
      const res = await files(outsider).upload(name, Buffer.from('x'));
      assert.ok([400, 403].includes(res.error?.status), `${name}: ${res.error?.status}`);
    }
    assert.deepEqual((await admin.storage.from('team_files').list(team.id, { search: 'x.txt' })).data, []);
    // Raw requests (fetch would resolve dot segments itself): traversal, encoded traversal,
    // NUL, invalid UTF-8.
    for (const raw of [`${outsider.user.id}/../${team.id}/x`, `${team.id}/%2E%2E/x`, `${team.id}/a%00b`, `${team.id}/%C0%AF`,
      `${team.id}/%2e%2e%2F%2e%2e%2Fetc`]) {
      const socket = await connect(server.port);
      socket.write(`POST /storage/v1/object/team_files/${raw} HTTP/1.1\r\nHost: x\r\napikey: ${server.keys().anon}\r\n` +
        `Authorization: Bearer ${outsider.session.access_token}\r\nContent-Type: text/plain\r\nContent-Length: 1\r\nConnection: close\r\n\r\nx`);
      const res = await readResponse(socket);
      socket.destroy();
      assert.equal(res.status, 400, raw);
      assert.equal(JSON.parse(res.body).statusCode, '400');
    }
    const odd = `${team.id}/ünïcode 名前 (1).txt`;
    assert.equal((await files(member).upload(odd, Buffer.from('ok'))).error, null);
    assert.equal(await text((await files(owner).download(odd)).data), 'ok');
  });

  it('account_image is public to read; only the account itself (or settings.manage on a team) writes its folder', async () => {
    const avatars = (user) => user.client.storage.from('account_image');
    const mine = `${owner.user.id}/avatar.png`;
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    assert.equal((await avatars(owner).upload(mine, png, { contentType: 'image/png' })).error, null);
    const { publicUrl } = avatars(outsider).getPublicUrl(mine).data;
    const anonymous = await fetch(publicUrl);
    assert.equal(anonymous.status, 200);
    assert.equal(anonymous.headers.get('content-type'), 'image/png');
    assert.deepEqual(Buffer.from(await anonymous.arrayBuffer()), png);

    assert.equal((await avatars(member).upload(`${owner.user.id}/evil.png`, png, { contentType: 'image/png' })).error?.status, 403);
    assert.equal((await avatars(owner).upload(`${team.id}/logo.png`, png, { contentType: 'image/png' })).error, null, 'the owner has settings.manage');
    assert.equal((await avatars(member).upload(`${team.id}/logo2.png`, png, { contentType: 'image/png' })).error?.status, 403, 'a member has not');
    assert.equal((await fetch(`${server.url}/storage/v1/object/public/team_files/${team.id}/docs/plan.txt`)).status, 404, 'a private bucket has no public URL');
  });

  it('signed URLs work until they expire, and only for their object', async () => {
    const name = `${team.id}/signed.txt`;
    await files(owner).upload(name, Buffer.from('signed content'));
    const { data, error } = await files(member).createSignedUrl(name, 2);
    assert.equal(error, null, error?.message);
    let res = await fetch(data.signedUrl);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'signed content');
    const token = new URL(data.signedUrl).searchParams.get('token');
    res = await fetch(`${server.url}/storage/v1/object/sign/team_files/${team.id}/docs/plan.txt?token=${token}`);
    assert.equal(res.status, 400, 'a token is for one object');
    res = await fetch(data.signedUrl.replace(/token=([^&]+)/, (m, t) => `token=${t.slice(0, -2)}xx`));
    assert.equal(res.status, 400, 'a tampered token');
    const many = await files(member).createSignedUrls([name, `${team.id}/missing.txt`], 60);
    assert.equal(many.data[0].error, null);
    assert.ok(many.data[0].signedUrl);
    assert.ok(many.data[1].error);
    await new Promise((r) => setTimeout(r, 3100));
    res = await fetch(data.signedUrl);
    assert.equal(res.status, 400, 'expired');
    assert.match((await res.json()).message, /expired/i);
  });

  it('signed upload URLs let a holder upload once to that path', async () => {
    const name = `${team.id}/via-signed-upload.txt`;
    const signed = await files(owner).createSignedUploadUrl(name);
    assert.equal(signed.error, null, signed.error?.message);
    const anon = client(server).storage.from('team_files');
    const up = await anon.uploadToSignedUrl(name, signed.data.token, Buffer.from('delivered'));
    assert.equal(up.error, null, up.error?.message);
    assert.equal(await text((await files(member).download(name)).data), 'delivered');
    assert.equal((await files(outsider).createSignedUploadUrl(`${team.id}/nope.txt`)).error?.status, 403);
  });

  it('upsert: a second upload of a path is a 409 unless it says upsert; update replaces', async () => {
    const name = `${team.id}/upsert.txt`;
    assert.equal((await files(owner).upload(name, Buffer.from('one'))).error, null);
    const again = await files(member).upload(name, Buffer.from('two'));
    assert.deepEqual([again.error?.status, again.error?.statusCode], [409, '409']);
    assert.equal((await files(member).upload(name, Buffer.from('two'), { upsert: true })).error, null);
    assert.equal(await text((await files(owner).download(name)).data), 'two');
    assert.equal((await files(owner).update(name, Buffer.from('three'))).error, null);
    assert.equal(await text((await files(owner).download(name)).data), 'three');
  });

  it('bucket limits: size (413) and MIME types (415), before and after the body', async () => {
    const created = await admin.storage.createBucket('limited', { public: false, fileSizeLimit: 1024, allowedMimeTypes: ['image/*'] });
    assert.equal(created.error, null, created.error?.message);
    const limited = admin.storage.from('limited');
    let res = await limited.upload('a/big.png', Buffer.alloc(2048), { contentType: 'image/png' });
    assert.equal(res.error?.status, 413);
    res = await limited.upload('a/notes.txt', Buffer.from('hi'), { contentType: 'text/plain' });
    assert.equal(res.error?.status, 415);
    res = await limited.upload('a/small.png', Buffer.alloc(512), { contentType: 'image/png' });
    assert.equal(res.error, null, res.error?.message);
    // A Blob goes as multipart/form-data: its type and size are checked once it is read.
    res = await limited.upload('a/blob.txt', new Blob(['text'], { type: 'text/plain' }));
    assert.equal(res.error?.status, 415);
    res = await limited.upload('a/blob-big.png', new Blob([Buffer.alloc(4096)], { type: 'image/png' }));
    assert.equal(res.error?.status, 413);
    res = await limited.upload('a/blob.png', new Blob([Buffer.alloc(100, 7)], { type: 'image/png' }));
    assert.equal(res.error, null, res.error?.message);
    const info = await limited.download('a/blob.png');
    assert.equal(info.data.type, 'image/png');
    assert.equal(info.data.size, 100);
    // Chunked (no Content-Length): stopped at the limit while streaming.
    const chunked = await fetch(`${server.url}/storage/v1/object/limited/a/stream.png`, {
      method: 'POST',
      headers: { apikey: server.keys().serviceRole, Authorization: `Bearer ${server.keys().serviceRole}`, 'Content-Type': 'image/png' },
      body: new ReadableStream({ start(c) { for (let i = 0; i < 8; i++) c.enqueue(new Uint8Array(512)); c.close(); } }),
      duplex: 'half',
    });
    assert.equal(chunked.status, 413);
    assert.deepEqual((await limited.list('a')).data.map((f) => f.name).sort(), ['blob.png', 'small.png']);
  });

  it('range requests, ETag and If-None-Match; info', async () => {
    const name = `${team.id}/range.bin`;
    const bytes = Buffer.from('0123456789abcdef');
    await files(owner).upload(name, bytes, { contentType: 'application/octet-stream' });
    const url = `${server.url}/storage/v1/object/authenticated/team_files/${name}`;
    const headers = { apikey: server.keys().anon, Authorization: `Bearer ${member.session.access_token}` };
    let res = await fetch(url, { headers: { ...headers, Range: 'bytes=2-5' } });
    assert.equal(res.status, 206);
    assert.equal(res.headers.get('content-range'), 'bytes 2-5/16');
    assert.equal(await res.text(), '2345');
    res = await fetch(url, { headers: { ...headers, Range: 'bytes=-3' } });
    assert.equal(await res.text(), 'def');
    res = await fetch(url, { headers: { ...headers, Range: 'bytes=99-' } });
    assert.equal(res.status, 416);
    assert.equal(res.headers.get('content-range'), 'bytes */16');
    res = await fetch(url, { headers });
    const etag = res.headers.get('etag');
    assert.ok(etag);
    res = await fetch(url, { headers: { ...headers, 'If-None-Match': etag } });
    assert.equal(res.status, 304);
    await files(owner).update(name, Buffer.from('changed'));
    res = await fetch(url, { headers: { ...headers, 'If-None-Match': etag } });
    assert.equal(res.status, 200, 'new content, new ETag');
    const info = await files(member).info(name);
    assert.equal(info.error, null, info.error?.message);
    assert.equal(info.data.size, 7);
    assert.equal((await files(member).exists(name)).data, true);
    assert.equal((await files(outsider).exists(name)).data, false);
  });

  it('list: prefix, search, sort, limit and offset; move, copy and a batch remove', async () => {
    const base = `${team.id}/listing`;
    for (const n of ['c.txt', 'a.txt', 'b.txt', 'sub/d.txt']) await files(owner).upload(`${base}/${n}`, Buffer.from(n));
    const names = async (opts) => (await files(member).list(base, opts)).data.map((f) => f.name);
    assert.deepEqual(await names(), ['a.txt', 'b.txt', 'c.txt', 'sub']);
    assert.deepEqual(await names({ sortBy: { column: 'name', order: 'desc' } }), ['sub', 'c.txt', 'b.txt', 'a.txt']);
    assert.deepEqual(await names({ limit: 2, offset: 1 }), ['b.txt', 'c.txt']);
    assert.deepEqual(await names({ search: 'b' }), ['b.txt']);

    assert.equal((await files(member).move(`${base}/a.txt`, `${base}/moved/a.txt`)).error, null);
    assert.equal(await text((await files(owner).download(`${base}/moved/a.txt`)).data), 'a.txt');
    assert.equal((await files(owner).download(`${base}/a.txt`)).error?.status, 404);
    const copied = await files(member).copy(`${base}/b.txt`, `${base}/b-copy.txt`);
    assert.equal(copied.error, null, copied.error?.message);
    assert.equal(await text((await files(owner).download(`${base}/b-copy.txt`)).data), 'b.txt');
    assert.equal((await files(member).copy(`${base}/b.txt`, `${outsider.user.id}/b.txt`)).error?.status, 403, 'a copy must land where the caller may write');
    const removed = await files(member).remove([`${base}/b.txt`, `${base}/c.txt`, `${base}/nope.txt`]);
    assert.deepEqual(removed.data.map((o) => o.name).sort(), [`${base}/b.txt`, `${base}/c.txt`]);
    assert.deepEqual(await names(), ['b-copy.txt', 'moved', 'sub']);
  });

  it('a 100 MB upload and download round-trip intact, streamed both ways', async () => {
    const big = Buffer.alloc(100 * MB);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE(i, i);
    const name = `${team.id}/big.bin`;
    const up = await files(owner).upload(name, big, { contentType: 'application/octet-stream' });
    assert.equal(up.error, null, up.error?.message);
    const res = await fetch(`${server.url}/storage/v1/object/authenticated/team_files/${name}`,
      { headers: { apikey: server.keys().anon, Authorization: `Bearer ${member.session.access_token}` } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-length'), String(100 * MB));
    const hash = createHash('sha256');
    for await (const chunk of res.body) hash.update(chunk);
    assert.equal(hash.digest('hex'), sha(big));
    const tail = await fetch(`${server.url}/storage/v1/object/authenticated/team_files/${name}`,
      { headers: { apikey: server.keys().anon, Authorization: `Bearer ${member.session.access_token}`, Range: `bytes=${100 * MB - 4096}-` } });
    assert.deepEqual(Buffer.from(await tail.arrayBuffer()), big.subarray(100 * MB - 4096));
  });

  it('concurrent uploads of one path leave one consistent object and no stray bytes', async () => {
    const name = `${team.id}/race.txt`;
    const bodies = Array.from({ length: 8 }, (_, i) => Buffer.from(`version ${i} `.repeat(1000)));
    const results = await Promise.all(bodies.map((b) => files(owner).upload(name, b, { upsert: true })));
    for (const r of results) assert.equal(r.error, null, r.error?.message);
    const final = Buffer.from(await (await files(member).download(name)).data.arrayBuffer());
    assert.ok(bodies.some((b) => b.equals(final)), 'the object is one of the uploads, whole');
    assert.equal((await files(member).list(team.id, { search: 'race' })).data.length, 1);
    const racers = await Promise.all(bodies.map((b) => files(owner).upload(`${team.id}/race-insert.txt`, b)));
    assert.equal(racers.filter((r) => r.error === null).length, 1, 'without upsert exactly one wins');
    assert.ok(racers.filter((r) => r.error).every((r) => r.error.status === 409));
    // Every committed blob belongs to a row: 8 replaced versions and 7 losers left nothing.
    const blobs = readdirSync(path.join(server.dataDir, 'storage', 'objects'), { recursive: true })
      .filter((f) => /[0-9a-f-]{36}$/.test(f)).length;
    const rows = (await admin.storage.from('team_files').list(team.id, { limit: 1000 })).data.filter((f) => f.id).length;
    assert.ok(blobs >= rows && blobs < rows + 40, `blobs ${blobs}, rows here ${rows}`);
  });

  it('buckets: service_role creates, reads, updates, empties and deletes; users cannot', async () => {
    assert.equal((await owner.client.storage.createBucket('mine')).error?.status, 403);
    assert.equal((await admin.storage.createBucket('scratch', { public: true })).error, null);
    assert.equal((await admin.storage.createBucket('scratch')).error?.status, 409);
    assert.equal((await admin.storage.getBucket('scratch')).data.public, true);
    assert.equal((await admin.storage.updateBucket('scratch', { public: false })).error, null);
    assert.equal((await admin.storage.getBucket('scratch')).data.public, false);
    await admin.storage.from('scratch').upload('x/y.txt', Buffer.from('y'));
    assert.equal((await admin.storage.deleteBucket('scratch')).error?.status, 409, 'not empty');
    assert.equal((await owner.client.storage.emptyBucket('scratch')).error?.status, 403);
    assert.equal((await admin.storage.emptyBucket('scratch')).error, null);
    assert.equal((await admin.storage.deleteBucket('scratch')).error, null);
    assert.equal((await admin.storage.getBucket('scratch')).error?.status, 404);
    const listed = (await admin.storage.listBuckets()).data.map((b) => b.id);
    assert.ok(listed.includes('account_image') && listed.includes('team_files'));
  });

  it('deleting an account removes the objects in its folder, in every bucket', async () => {
    const doomed = await makeTeam(server, owner);
    await files(owner).upload(`${doomed.id}/a.txt`, Buffer.from('a'));
    await owner.client.storage.from('account_image').upload(`${doomed.id}/logo.png`, Buffer.from('p'), { contentType: 'image/png' });
    await files(owner).upload(`${team.id}/${doomed.id}/kept.txt`, Buffer.from('k'));
    const gone = await admin.from('accounts').delete().eq('id', doomed.id);
    assert.equal(gone.error, null, gone.error?.message);
    assert.deepEqual((await admin.storage.from('team_files').list(doomed.id)).data, []);
    assert.deepEqual((await admin.storage.from('account_image').list(doomed.id)).data, []);
    assert.equal((await files(member).list(`${team.id}/${doomed.id}`)).data.length, 1, 'only the first folder counts');
  });

  it('bad input: unknown bucket, malformed JSON, no credentials', async () => {
    assert.equal((await owner.client.storage.from('nope').upload(`${team.id}/x`, Buffer.from('x'))).error?.status, 404);
    const res = await fetch(`${server.url}/storage/v1/object/list/team_files`, {
      method: 'POST', headers: { apikey: server.keys().anon, Authorization: `Bearer ${owner.session.access_token}`, 'Content-Type': 'application/json' }, body: '{"prefix": ',
    });
    assert.equal(res.status, 400);
    assert.equal((await fetch(`${server.url}/storage/v1/object/team_files/${team.id}/docs/plan.txt`)).status, 401);
  });
});
