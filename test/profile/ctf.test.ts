/**
 * The .ctf part: a CTF archive given to `profile build --ctf` (here the .ctf
 * ld links from gcc -gctf objects) is stored byte for byte, objdump --ctf
 * dumps it from the profile with the same types as from the program, it is
 * checked by its CRC, and `profile strip --keep symtab,lines` removes it
 * leaving a file readelf reads without a warning.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Profile } from '../../src/profile/index.js';
import { compile, haveTool } from '../helpers/cc.js';

const SOURCE = 'struct pt { int x, y; struct pt *next; };\nstruct pt g;\nint main(void) { return g.x; }\n';

test('profile build --ctf: objdump --ctf reads the profile\'s CTF as the program\'s; strip removes it', (t) => {
  if (!haveTool('gcc') || !haveTool('objdump') || !haveTool('objcopy')) { process.stderr.write('SKIP: gcc/objdump/objcopy missing\n'); t.skip('tools missing'); return; }
  const c = compile(SOURCE, ['-gctf', '-g', '-O0'], { name: 'prog' });
  try {
    const ctf = path.join(c.dir, 'prog.ctf');
    assert.equal(spawnSync('objcopy', ['--dump-section', `.ctf=${ctf}`, c.out]).status, 0, 'objcopy extracts .ctf');
    const prof = path.join(c.dir, 'prog.profile');
    const cli = (args: string[]) => spawnSync(process.execPath, [path.resolve('bin/virtmem.js'), ...args], { encoding: 'utf8' });
    const b = cli(['profile', 'build', c.out, '-o', prof, '--ctf', ctf]);
    assert.equal(b.status, 0, b.stderr);
    const p = Profile.open(prof);
    assert.deepEqual(p.parts(), ['symtab', 'lines', 'ctf']);
    assert.deepEqual(Buffer.from(p.ctf()!), fs.readFileSync(ctf), 'stored byte for byte');
    p.close();
    const dump = (f: string) => spawnSync('objdump', [`--ctf=.ctf`, f], { encoding: 'utf8' });
    const ours = dump(prof), theirs = dump(c.out);
    assert.equal(ours.status, 0, ours.stderr);
    assert.equal(ours.stderr, '');
    const body = (s: string) => s.split('\n').filter((l) => /^\s+(0x|\[)|Types:|Variables:|Data objects:/.test(l)).join('\n');
    assert.ok(body(ours.stdout).includes('struct pt'), 'objdump lists struct pt');
    assert.equal(body(ours.stdout), body(theirs.stdout), 'same dump as the program\'s own .ctf');
    const s = cli(['profile', 'strip', prof, '--keep', 'symtab,lines', '-o', path.join(c.dir, 'nc.profile')]);
    assert.equal(s.status, 0, s.stderr);
    const re = spawnSync('readelf', ['-a', '-W', path.join(c.dir, 'nc.profile')], { encoding: 'utf8' });
    assert.equal(re.stderr, '');
    assert.ok(!re.stdout.includes('.ctf'), 'no .ctf left');
    const bad = fs.readFileSync(prof);
    const elfCtf = spawnSync('readelf', ['-S', '-W', prof], { encoding: 'utf8' }).stdout.split('\n').find((l) => / \.ctf /.test(l))!;
    const off = parseInt(elfCtf.trim().split(/\s+/)[4], 16);
    bad[off + 20] ^= 0x10;
    fs.writeFileSync(prof, bad);
    const q = Profile.open(prof);
    assert.throws(() => q.ctf(), /checksum mismatch/);
    q.close();
  } finally {
    c.cleanup();
  }
});
