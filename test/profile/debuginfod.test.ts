/**
 * The debuginfod client against Debian's real debuginfod (elfutils) started
 * on 127.0.0.1 by the test, serving a gcc-built executable (-F) and a .deb
 * built by dpkg-deb holding a gcc-built program's separate debug file under
 * usr/lib/debug/.build-id (-U, as Debian's -dbg packages lay them out):
 * - fetched by build-id, byte for byte what the server holds (readelf says the
 *   build-id is the one asked for);
 * - fetched again with the server stopped: from the cache;
 * - an unknown build-id: a one-line 404 message naming it;
 * - a dead server: a one-line "cannot connect" error; a dead server listed
 *   before a live one is passed over;
 * - a redirect (a loopback HTTP server answering 302) is followed;
 * - a server that accepts and never answers: DEBUGINFOD_TIMEOUT ends the wait;
 * - `virtmem profile fetch BUILD-ID -o PROFILE` builds a profile from it.
 * The server is killed at the end whatever happens.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { UsageError } from '../../src/bytes/index.js';
import { DebuginfodError, Profile, fetchDebuginfo } from '../../src/profile/index.js';
import { compile, haveTool } from '../helpers/cc.js';
import { freePort, haveDebuginfod, startDebuginfod, type Debuginfod } from '../helpers/debuginfod.js';

function buildIdOf(file: string): string {
  const r = spawnSync('readelf', ['-n', file], { encoding: 'utf8' });
  const m = /Build ID: ([0-9a-f]+)/.exec(r.stdout);
  if (!m) throw new Error(`no build-id in ${file}: ${r.stdout}`);
  return m[1];
}

test('debuginfod client: fetch by build-id from elfutils debuginfod (-F and -U), cache, 404, dead server, redirect, timeout', { timeout: 300_000 }, async (t) => {
  if (!haveDebuginfod() || !haveTool('gcc') || !haveTool('dpkg-deb') || !haveTool('objcopy')) {
    const why = 'debuginfod, gcc, objcopy or dpkg-deb missing (scripts/setup.sh installs them)';
    process.stderr.write(`SKIP: ${why}\n`);
    t.skip(why);
    return;
  }
  const c = compile('#include <stdio.h>\nstruct pt { int x, y; };\nstruct pt g = { 1, 2 };\nint main(void) { printf("%d\\n", g.x); return 0; }\n', ['-g', '-O1', '-Wl,--build-id'], { name: 'served' });
  t.after(() => c.cleanup());
  const files = path.join(c.dir, 'files');
  fs.mkdirSync(files);
  const exe = path.join(files, 'served');
  fs.renameSync(c.out, exe);
  const exeId = buildIdOf(exe);

  // A .deb holding a second program's debug file where Debian's -dbg packages put them.
  const d = compile('int counter;\nint main(void) { return counter; }\n', ['-g', '-Wl,--build-id'], { name: 'other', dir: c.dir });
  const debId = buildIdOf(d.out);
  const pkg = path.join(c.dir, 'pkg');
  const debugFile = path.join(pkg, 'usr/lib/debug/.build-id', debId.slice(0, 2), `${debId.slice(2)}.debug`);
  fs.mkdirSync(path.dirname(debugFile), { recursive: true });
  fs.mkdirSync(path.join(pkg, 'DEBIAN'));
  assert.equal(spawnSync('objcopy', ['--only-keep-debug', d.out, debugFile]).status, 0);
  fs.writeFileSync(path.join(pkg, 'DEBIAN/control'), 'Package: virtmem-test-dbg\nVersion: 1.0\nArchitecture: amd64\nMaintainer: virtmem tests <tests@example.invalid>\nDescription: debug symbols for a test\n');
  const debs = path.join(c.dir, 'debs');
  fs.mkdirSync(debs);
  const deb = spawnSync('dpkg-deb', ['--root-owner-group', '--build', pkg, path.join(debs, 'virtmem-test-dbg_1.0_amd64.deb')], { encoding: 'utf8' });
  assert.equal(deb.status, 0, deb.stderr);

  const server: Debuginfod = await startDebuginfod({ files: [files], debs: [debs], ready: [exeId, debId] });
  t.after(() => server.stop());
  const cache = path.join(c.dir, 'cache');
  const quiet = { cacheDir: cache, progress: null, timeoutMs: 10_000 };

  // By build-id, from -F and from the .deb.
  const a = await fetchDebuginfo(exeId, { ...quiet, urls: [server.url] });
  assert.equal(a.fromCache, false);
  assert.equal(a.url, `${server.url}/buildid/${exeId}/debuginfo`);
  assert.equal(a.path, path.join(cache, exeId, 'debuginfo'));
  assert.deepEqual(fs.readFileSync(a.path), fs.readFileSync(exe), 'the executable, byte for byte');
  const b = await fetchDebuginfo(debId.toUpperCase(), { ...quiet, urls: [server.url + '/'] });
  assert.deepEqual(fs.readFileSync(b.path), fs.readFileSync(debugFile), 'the .deb\'s debug file, byte for byte');
  assert.equal(buildIdOf(b.path), debId);
  assert.deepEqual(fs.readdirSync(path.join(cache, debId)), ['debuginfo'], 'no temporary file left behind');

  // Unknown build-id: the server's 404, said once.
  const unknown = 'ab'.repeat(20);
  await assert.rejects(fetchDebuginfo(unknown, { ...quiet, urls: [server.url] }),
    (e: unknown) => e instanceof UsageError && new RegExp(`no debuginfod server has debuginfo for build-id ${unknown} \\(http://127\\.0\\.0\\.1:${server.port}: 404`).test((e as Error).message));
  assert.ok(!fs.existsSync(path.join(cache, unknown, 'debuginfo')));

  // A redirect from another loopback server to debuginfod.
  const hop = http.createServer((req, res) => { res.writeHead(302, { location: `${server.url}${req.url}` }); res.end(); });
  await new Promise<void>((r) => hop.listen(0, '127.0.0.1', r));
  t.after(() => hop.close());
  const hopUrl = `http://127.0.0.1:${(hop.address() as net.AddressInfo).port}`;
  const cache2 = path.join(c.dir, 'cache2');
  const viaHop = await fetchDebuginfo(exeId, { ...quiet, cacheDir: cache2, urls: [hopUrl] });
  assert.equal(viaHop.url, `${server.url}/buildid/${exeId}/debuginfo`, 'followed the 302');
  assert.deepEqual(fs.readFileSync(viaHop.path), fs.readFileSync(exe));

  // A dead server listed first is passed over.
  const deadPort = await freePort();
  const dead = `http://127.0.0.1:${deadPort}`;
  const cache3 = path.join(c.dir, 'cache3');
  const second = await fetchDebuginfo(debId, { ...quiet, cacheDir: cache3, urls: [dead, server.url] });
  assert.equal(second.fromCache, false);

  // The CLI: fetch by build-id, build the profile.
  const prof = path.join(c.dir, 'fetched.profile');
  const cli = spawnSync(process.execPath, [path.resolve('bin/virtmem.js'), 'profile', 'fetch', exeId, '-o', prof, '--no-ctf'],
    { encoding: 'utf8', env: { ...process.env, DEBUGINFOD_URLS: `${dead} ${server.url}`, DEBUGINFOD_CACHE_PATH: path.join(c.dir, 'cache4') } });
  assert.equal(cli.status, 0, cli.stderr);
  assert.match(cli.stderr, new RegExp(`debuginfo downloaded from ${server.url}/buildid/${exeId}/debuginfo`));
  assert.match(cli.stderr, /100% \(0\.0 MB\)/, 'progress: a line (stderr is not a terminal)');
  const p = Profile.open(prof);
  assert.equal(p.meta.buildId, exeId);
  assert.ok(p.symbols().address('main') !== undefined);
  p.close();

  // Stop the server: the cache answers, no server is asked.
  await server.stop();
  const again = await fetchDebuginfo(exeId, { ...quiet, urls: [server.url] });
  assert.equal(again.fromCache, true);
  assert.equal(again.path, a.path);

  // Dead server, nothing cached: one clear line.
  await assert.rejects(fetchDebuginfo(unknown, { ...quiet, urls: [server.url] }),
    (e: unknown) => e instanceof DebuginfodError && new RegExp(`cannot fetch debuginfo for build-id ${unknown}: http://127\\.0\\.0\\.1:${server.port}: cannot connect \\(ECONNREFUSED\\)$`).test((e as Error).message));
  const r = spawnSync(process.execPath, [path.resolve('bin/virtmem.js'), 'profile', 'fetch', unknown],
    { encoding: 'utf8', env: { ...process.env, DEBUGINFOD_URLS: server.url, DEBUGINFOD_CACHE_PATH: path.join(c.dir, 'cache5') } });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^virtmem: cannot fetch debuginfo for build-id (ab)+: http:\/\/127\.0\.0\.1:\d+: cannot connect \(ECONNREFUSED\)\n$/);

  // A server that accepts and never answers: the timeout ends the wait.
  const mute = net.createServer(() => { /* say nothing */ });
  await new Promise<void>((res) => mute.listen(0, '127.0.0.1', res));
  t.after(() => new Promise<void>((res) => { mute.close(() => res()); for (const s of muteSockets) s.destroy(); }));
  const muteSockets: net.Socket[] = [];
  mute.on('connection', (s) => muteSockets.push(s));
  const muteUrl = `http://127.0.0.1:${(mute.address() as net.AddressInfo).port}`;
  await assert.rejects(fetchDebuginfo(unknown, { ...quiet, urls: [muteUrl], timeoutMs: 300 }), /no answer from http:\/\/127\.0\.0\.1:\d+ in 0\.3 s \(DEBUGINFOD_TIMEOUT\)/);

  // Not a build-id.
  await assert.rejects(fetchDebuginfo('xyz', quiet), UsageError);
});
