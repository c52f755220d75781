/**
 * The whole kernel as C: every named type of Debian's vmlinux, from its BTF
 * and from its DWARF, printed by printC as `virtmem btf dump` and `virtmem
 * types --all` print it, must compile (gcc -fsyntax-only), and the layouts
 * gcc gives a sample of its structs must be the model's: sizeof and offsetof
 * of every named member checked by _Static_assert in a generated C file.
 * (Kernel C that once failed: flexible arrays before cacheline padding or
 * alone in a struct, empty BTF enums, enumerators and tags used twice.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Btf, BtfTypes, btfBytes } from '../../src/btf/index.js';
import { DwarfInfo, loadDwarfSections } from '../../src/dwarf/index.js';
import { DwarfTypes, flatMembers, isComposite, printC, type StructType, type Type } from '../../src/types/index.js';
import { haveTool } from '../helpers/cc.js';
import { tmpdir } from '../helpers/ctf-tools.js';
import { kernelOrSkip, kernels } from '../helpers/kernels.js';

/** gcc -fsyntax-only on `c`; the error lines (empty when it compiles). */
function gccErrors(dir: string, name: string, c: string): string[] {
  const file = path.join(dir, name);
  fs.writeFileSync(file, c);
  const r = spawnSync('gcc', ['-fsyntax-only', '-x', 'c', file], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const errors = r.stderr.split('\n').filter((l) => / error: /.test(l));
  if (r.status !== 0 && !errors.length) errors.push(`gcc exited ${r.status}: ${r.stderr.slice(0, 500)}`);
  return errors;
}

/**
 * _Static_asserts that struct `s` has its recorded size and every named,
 * non-bitfield member (through anonymous members) its recorded offset.
 */
function layoutAsserts(s: StructType): string[] {
  const tag = `${s.kind} ${s.name}`;
  const out = [`_Static_assert(sizeof(${tag}) == ${s.size}, "${tag}: size");`];
  for (const f of flatMembers(s)) {
    const m = f.member;
    if (m.name === undefined || m.bitSize !== undefined) continue;
    out.push(`_Static_assert(__builtin_offsetof(${tag}, ${m.name}) == ${f.bitOffset / 8}, "${tag}.${m.name}");`);
  }
  return out;
}

/**
 * Compile the C of `roots`, then the same C with layout asserts for every
 * `every`-th struct whose name only one type uses (so the printed definition
 * is that one and not renamed), plus the structs named in `always`.
 */
function check(t: { diagnostic(m: string): void }, dir: string, label: string, roots: Type[], every: number, always: string[]): void {
  const c = printC(roots);
  const errors = gccErrors(dir, `${label}.c`, c);
  assert.deepEqual(errors.slice(0, 10), [], `${label}: gcc rejects the printed C (${errors.length} errors)`);
  const names = new Map<string, number>();
  for (const r of roots) if ('name' in r && r.name) names.set(r.name, (names.get(r.name) ?? 0) + 1);
  const asserts: string[] = [];
  let sampled = 0, i = 0;
  for (const r of roots) {
    if (!isComposite(r) || r.name === undefined || names.get(r.name) !== 1) continue;
    if (i++ % every !== 0 && !always.includes(r.name)) continue;
    asserts.push(...layoutAsserts(r));
    sampled++;
  }
  assert.ok(sampled > 200, `${label}: only ${sampled} structs sampled`);
  const layoutErrors = gccErrors(dir, `${label}-layout.c`, `${c}\n${asserts.join('\n')}\n`);
  assert.deepEqual(layoutErrors.slice(0, 10), [], `${label}: gcc lays out ${layoutErrors.length} of ${asserts.length} checked sizes/offsets differently`);
  t.diagnostic(`${label}: ${c.length >> 10} KiB of C compiles; ${sampled} structs, ${asserts.length} sizes and offsets equal gcc's`);
}

/** Structs that printed wrong once: flexible arrays before padding, or alone with no named member. */
const ALWAYS = ['task_struct', 'mem_cgroup', 'workqueue_struct', 'xsk_map', 'cacheline_padding', 'sk_buff', 'page'];

test('vmlinux BTF of each Debian kernel as C (btf dump): gcc compiles it, and a sample of struct layouts equals gcc\'s', (t) => {
  if (!kernelOrSkip(t, '6.1')) return;
  if (!haveTool('gcc')) { process.stderr.write('SKIP: gcc not installed\n'); t.skip('gcc not installed'); return; }
  const { dir, cleanup } = tmpdir('virtmem-kc-');
  t.after(cleanup);
  for (const k of kernels()) {
    const bt = new BtfTypes(Btf.open(btfBytes(k.vmlinux).bytes));
    check(t, dir, `btf-${k.abi}`, [...bt.types()], 25, ALWAYS);
  }
});

test('vmlinux DWARF as C (types --all): gcc compiles it, and a sample of struct layouts equals gcc\'s', (t) => {
  const k = kernelOrSkip(t, '6.1');
  if (!k) return;
  if (!haveTool('gcc')) { process.stderr.write('SKIP: gcc not installed\n'); t.skip('gcc not installed'); return; }
  const { dir, cleanup } = tmpdir('virtmem-kc-');
  t.after(cleanup);
  const ti = new DwarfTypes(new DwarfInfo(loadDwarfSections(k.vmlinux)));
  ti.buildIndex();
  check(t, dir, `dwarf-${k.abi}`, [...ti.types()], 25, ALWAYS);
});
