/**
 * The Debian kernel's vmlinux: every named struct and union pahole prints must
 * have our size and our members (name, bit offset, bitfield width), through
 * nested anonymous members. One pahole run over the whole file; our side looks
 * each type up through the name index and builds it lazily.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DwarfInfo, loadDwarfSections } from '../../src/dwarf/index.js';
import { DwarfTypes, findMember, isComposite, sizeof, summarize } from '../../src/types/index.js';
import { kernelOrSkip } from '../helpers/kernels.js';
import { compareWithPahole, havePahole, pahole } from '../helpers/pahole.js';

test('vmlinux: every struct and union pahole lists has pahole\'s size and member offsets', (t) => {
  const k = kernelOrSkip(t, '6.1');
  if (!k) return;
  if (!havePahole()) { process.stderr.write('SKIP: pahole not installed\n'); t.skip('pahole not installed'); return; }
  const judge = pahole(['-F', 'dwarf', k.vmlinux]);
  const ti = new DwarfTypes(new DwarfInfo(loadDwarfSections(k.vmlinux)));
  ti.buildIndex();
  const bad: string[] = [];
  let compared = 0, members = 0, skipped = 0, withHoles = 0;
  for (const p of judge.values()) {
    if (p.errors) { skipped++; continue; }
    const ours = ti.lookup(p.name, p.kind);
    if (!ours || !isComposite(ours)) { bad.push(`${p.kind} ${p.name}: not found`); continue; }
    bad.push(...compareWithPahole(ours, p));
    if (p.kind === 'struct') {
      const s = summarize(ours);
      const mine = [s.holes, s.sumHoles, s.bitHoles, s.sumBitHoles], theirs = [p.holes, p.sumHoles, p.bitHoles, p.sumBitHoles];
      if (mine.join() !== theirs.join()) bad.push(`struct ${p.name}: holes/sum/bit holes/sum ${mine.join('/')}, pahole ${theirs.join('/')}`);
      if (s.holes || s.bitHoles) withHoles++;
    }
    compared++;
    members += p.members.length;
  }
  t.diagnostic(`${compared} structs/unions and ${members} members compared with pahole (${judge.size} listed, ${skipped} that pahole could not print skipped); ${bad.length} mismatches`);
  process.stderr.write(`vmlinux ${k.abi}: ${compared} structs/unions, ${members} members, holes of ${withHoles} structs with holes compared with pahole; ${bad.length} mismatches\n`);
  assert.ok(compared > 5000 && withHoles > 500, `compared ${compared}, ${withHoles} with holes`);
  assert.deepEqual(bad.slice(0, 20), []);

  // A few facts a user checks by hand.
  const task = ti.lookup('task_struct', 'struct')!;
  assert.equal(sizeof(task), judge.get('task_struct')!.size);
  const tasks = findMember(task, 'tasks')!;
  assert.equal(tasks.bitOffset, judge.get('task_struct')!.members.find((m) => m.name === 'tasks')!.bitOffset);
  const init = ti.variable('init_task');
  assert.ok(init && init.address !== undefined && init.address >= 0xffffffff80000000n, 'init_task has a kernel address');
});

test('kernel modules (.ko, relocated through elf/): every struct and union matches pahole', (t) => {
  const k = kernelOrSkip(t, '6.1');
  if (!k) return;
  if (!havePahole()) { process.stderr.write('SKIP: pahole not installed\n'); t.skip('pahole not installed'); return; }
  const mods = ['drivers/net/virtio_net.ko', 'net/key/af_key.ko', 'drivers/block/virtio_blk.ko', 'fs/fat/vfat.ko'];
  let compared = 0, files = 0;
  const bad: string[] = [];
  for (const m of mods) {
    const file = path.join(k.debugModules, 'kernel', m);
    if (!fs.existsSync(file)) continue;
    files++;
    const judge = pahole(['-F', 'dwarf', file]);
    const ti = new DwarfTypes(new DwarfInfo(loadDwarfSections(file)));
    for (const p of judge.values()) {
      if (p.errors) continue;
      const ours = ti.lookup(p.name, p.kind);
      if (!ours || !isComposite(ours)) { bad.push(`${m}: ${p.kind} ${p.name} not found`); continue; }
      bad.push(...compareWithPahole(ours, p).map((x) => `${m}: ${x}`));
      compared++;
    }
  }
  process.stderr.write(`modules: ${files} .ko files, ${compared} structs/unions compared with pahole; ${bad.length} mismatches\n`);
  t.diagnostic(`${files} modules, ${compared} structs/unions compared with pahole`);
  assert.ok(files >= 2 && compared > 500, `compared ${compared} in ${files} modules`);
  assert.deepEqual(bad.slice(0, 20), []);
});
