/**
 * `virtmem types --sizes` against `pahole -F dwarf --sizes` on Debian's 6.1
 * vmlinux: the whole-file load (dwarf-bulk.ts). Both list every distinct
 * file-scope struct and union (one row per name, size and member layout) with
 * its size and number of holes; the rows must be the same, in the same order.
 * (Holes and bit holes of every struct against pahole's layouts: kernel.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { kernelOrSkip } from '../helpers/kernels.js';
import { havePahole, paholeText } from '../helpers/pahole.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/virtmem.js');

test('vmlinux: virtmem types --sizes prints the rows pahole --sizes prints (names, sizes, holes, order)', (t) => {
  const k = kernelOrSkip(t, '6.1');
  if (!k) return;
  if (!havePahole()) { process.stderr.write('SKIP: pahole not installed\n'); t.skip('pahole not installed'); return; }
  const theirs = paholeText(['-F', 'dwarf', '--sizes', k.vmlinux]).trimEnd().split('\n');
  const r = spawnSync(process.execPath, [BIN, 'types', '--sizes', k.vmlinux], { encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, r.stderr);
  const ours = r.stdout.trimEnd().split('\n');
  const diff: string[] = [];
  for (let i = 0; i < Math.max(ours.length, theirs.length) && diff.length < 20; i++) {
    if (ours[i] !== theirs[i]) diff.push(`row ${i + 1}: ours ${JSON.stringify(ours[i])}, pahole ${JSON.stringify(theirs[i])}`);
  }
  const holes = theirs.filter((l) => !l.endsWith('\t0')).length;
  process.stderr.write(`vmlinux ${k.abi}: ${theirs.length} pahole --sizes rows (${holes} with holes), ours ${ours.length}; ${diff.length} differences\n`);
  assert.ok(theirs.length > 5000 && holes > 500, `pahole printed ${theirs.length} rows`);
  assert.deepEqual(diff, []);
});
