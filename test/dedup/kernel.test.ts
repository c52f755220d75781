/**
 * dwarf2ctf on Debian's real kernel: the vmlinux with DWARF and a sample of
 * its module debug files (about 30, picked by size across the whole range,
 * plus families that share types: tun/tap/macvtap, netfilter, net/sched).
 * The whole kernel is the benchmark's job (bench/dwarf2ctf.bench.ts).
 *
 * objects.builtin is derived from vmlinux's compile-unit names and the
 * package's modules.builtin (test/helpers/dedup.ts says how).
 *
 * Judges: objdump --ctf reads every dict (children with shared_ctf) without a
 * warning; pahole's layout of every struct and union of vmlinux's DWARF; the
 * kernel's own BTF for the size comparison.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { dwarf2ctf, parseBuiltin, type Dwarf2CtfResult } from '../../src/dedup/index.js';
import { ElfFile } from '../../src/elf/index.js';
import { tmpdir, type OdDict, type OdType } from '../helpers/ctf-tools.js';
import { deriveObjectsBuiltin, objdumpDicts, koFiles } from '../helpers/dedup.js';
import { kernelOrSkip } from '../helpers/kernels.js';
import { pahole } from '../helpers/pahole.js';

const BIN = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../bin/dwarf2ctf.js');


/** About 30 modules: every 40th by size below the largest few, and some that share types with each other. */
function sample(dir: string): string[] {
  const ko = koFiles(dir).map((f) => ({ f, size: fs.statSync(f).size })).sort((a, b) => a.size - b.size || a.f.localeCompare(b.f));
  const picked = new Set<string>();
  for (let i = 39; i < ko.length - 60; i += 40) picked.add(ko[i].f);
  for (const want of ['drivers/net/tun.ko', 'drivers/net/tap.ko', 'drivers/net/macvtap.ko', 'drivers/net/veth.ko', 'net/sched/cls_u32.ko', 'net/netfilter/xt_tcpudp.ko']) {
    const hit = ko.find((k) => k.f.endsWith('/' + want));
    if (hit) picked.add(hit.f);
  }
  return [...picked].sort();
}

function layoutKey(t: OdType): string {
  return `${t.size}:${t.members.map((m) => `${m.name}@${m.bitOffset}`).join(',')}`;
}

function btfSize(file: string): number {
  const e = ElfFile.open(file);
  try { return e.section('.BTF')?.size ?? 0; } finally { e.close(); }
}

test('dwarf2ctf on Debian vmlinux and a sample of modules: objdump reads it, types are where they belong, vmlinux layouts are pahole\'s', { timeout: 15 * 60_000 }, async (t) => {
  const k = kernelOrSkip(t, '6.1');
  if (!k) return;
  const { dir, cleanup } = tmpdir('virtmem-d2c-kernel-');
  t.after(cleanup);
  const modulesBuiltin = path.join(k.modules, 'modules.builtin');
  const derived = deriveObjectsBuiltin(k.vmlinux, modulesBuiltin);
  assert.ok(derived.modules >= 50, `objects for ${derived.modules} built-in modules`);
  fs.writeFileSync(path.join(dir, 'objects.builtin'), derived.text);
  fs.writeFileSync(path.join(dir, 'dedup.blacklist'), '# none in this kernel\n');
  const mods = sample(path.join(k.debugModules, 'kernel'));
  assert.ok(mods.length >= 25, `${mods.length} modules`);
  const eMods = mods.filter((m) => /\/(tun|tap|veth)\.ko$/.test(m));

  // The library, for the checks that need the type table...
  const out = path.join(dir, 'out');
  const r: Dwarf2CtfResult = await dwarf2ctf({
    outDir: out, files: [k.vmlinux, ...mods], sharing: true,
    builtin: parseBuiltin(derived.text, fs.readFileSync(modulesBuiltin, 'utf8')), blacklist: new Set(),
  });
  const files = fs.readdirSync(out).sort();
  assert.ok(files.includes('shared_ctf.builtin.ctf') && files.includes('vmlinux.builtin.ctf'));
  const builtinFiles = files.filter((f) => f.endsWith('.builtin.ctf') && !/^(shared_ctf|vmlinux)\./.test(f));
  assert.ok(builtinFiles.length >= 50, `${builtinFiles.length} built-in module dicts`);
  assert.equal(files.filter((f) => f.endsWith('.mod.ctf')).length, mods.length, 'one .mod.ctf per module');

  // ... objdump reads every dict, children with their parent, without a warning.
  const od = objdumpDicts(dir, out);
  assert.equal(od.stderr, '', 'objdump --ctf warnings');
  assert.equal(od.dicts.size, files.length);
  const shared = od.dicts.get('shared_ctf')!;

  // Every type a child references is in the child or in shared_ctf.
  for (const [name, d] of od.dicts) {
    if (name === 'shared_ctf') continue;
    for (const ty of d.types.values()) {
      for (const ref of [ty.ref, ...ty.members.map((m) => m.id)]) {
        if (ref === undefined || ref === 0) continue;
        const home = ref >= 0x80000000 ? d : shared;
        assert.ok(home.types.has(ref), `${name}: type 0x${ty.id.toString(16)} refers to 0x${ref.toString(16)}, which is in neither ${name} nor shared_ctf`);
      }
    }
  }

  // No type is defined in two dicts: a struct/union/enum definition that appears (same name, same layout)
  // in two dicts must come from two different declarations (the type table says where each was declared).
  const bySignature = new Map<string, string[]>();
  for (const [name, d] of od.dicts) {
    for (const ty of d.types.values()) {
      if (ty.kind < 6 || ty.kind > 8 || !/ \w/.test(ty.text)) continue;
      const sig = `${ty.text}|${layoutKey(ty)}|${ty.enumerators.map((e) => `${e.name}=${e.value}`).join(',')}`;
      const l = bySignature.get(sig) ?? [];
      l.push(name);
      bySignature.set(sig, l);
    }
  }
  const sites = new Map<string, Set<string>>();
  for (let g = 0; g < r.graph.ids.length; g++) {
    const def = r.graph.defs[g];
    if (!def || def.kind < 6 || def.kind > 8 || !def.name) continue;
    const text = `${def.kind === 6 ? 'struct' : def.kind === 7 ? 'union' : 'enum'} ${def.name}`;
    const s = sites.get(text) ?? new Set();
    s.add(def.where);
    sites.set(text, s);
  }
  let collisions = 0;
  for (const [sig, where] of bySignature) {
    if (where.length < 2) continue;
    collisions++;
    const text = sig.slice(0, sig.indexOf('|'));
    assert.ok((sites.get(text)?.size ?? 0) >= where.length, `${text} is defined in ${where.join(', ')} but declared in ${[...(sites.get(text) ?? [])].join(', ')}`);
  }

  // Every struct and union of vmlinux's DWARF, with pahole's layout, is in shared_ctf, vmlinux or a built-in dict.
  const ours = new Map<string, Set<string>>();
  for (const [name, d] of od.dicts) {
    if (!(name === 'shared_ctf' || name === 'vmlinux' || builtinFiles.includes(`${name}.builtin.ctf`))) continue;
    for (const ty of d.types.values()) {
      if (ty.kind !== 6 && ty.kind !== 7) continue;
      const s = ours.get(ty.text) ?? new Set();
      s.add(layoutKey(ty));
      ours.set(ty.text, s);
    }
  }
  const ph = pahole(['-F', 'dwarf', k.vmlinux]);
  let checked = 0;
  const missing: string[] = [];
  for (const [name, p] of ph) {
    if (p.errors) continue;
    const layouts = ours.get(`${p.kind} ${name}`);
    const want = `${p.members.map((m) => `${m.name}@${m.bitOffset}`).join(',')}`;
    const ok = layouts && [...layouts].some((l) => l.slice(l.indexOf(':') + 1) === want && (p.size < 0 || l.startsWith(`${p.size}:`)));
    if (!ok) missing.push(`${p.kind} ${name}`);
    checked++;
  }
  assert.ok(checked > 5000, `${checked} structs and unions checked`);
  assert.deepEqual(missing.slice(0, 20), [], `${missing.length} of ${checked} pahole layouts not found`);

  // The figures.
  const count = (pred: (f: string) => boolean) => r.dicts.filter((d) => pred(d.file)).reduce((a, d) => a + d.types, 0);
  const raw = r.dicts.reduce((a, d) => a + d.rawBytes, 0), gz = r.dicts.reduce((a, d) => a + d.gzipBytes, 0);
  const realMods = mods.map((m) => path.join(k.modules, path.relative(k.debugModules, m))).filter((m) => fs.existsSync(m));
  const btf = btfSize(k.vmlinux) + realMods.reduce((a, m) => a + btfSize(m), 0);
  process.stderr.write(
    `dwarf2ctf ${k.abi}: vmlinux + ${mods.length} modules (${derived.modules} built-in modules mapped from ${derived.units.length} CUs)\n` +
    `  types: shared_ctf ${count((f) => f.startsWith('shared_ctf.'))}, vmlinux ${count((f) => f === 'vmlinux.builtin.ctf')}, ` +
    `built-in modules ${count((f) => builtinFiles.includes(f))}, loadable modules ${count((f) => f.endsWith('.mod.ctf'))}\n` +
    `  size: ${(raw / 2 ** 20).toFixed(2)} MiB raw, ${(gz / 2 ** 20).toFixed(2)} MiB gzip'd; BTF of the same (vmlinux .BTF + ${realMods.length} modules' .BTF): ${(btf / 2 ** 20).toFixed(2)} MiB\n` +
    `  ${collisions} same-looking definitions in two dicts, each from distinct declarations; ${checked} pahole layouts matched; ` +
    `${r.warnings.length} warnings; shared by duplication ${r.graph.stats.sharedByDuplication}, spreading ${r.graph.stats.sharedBySpread}, alias fixup ${r.graph.stats.sharedByAlias} in ${r.graph.stats.aliasRounds} rounds\n`);

  // The command, arguments through a response file: same output, so nothing is rewritten (make would not relink).
  const before = files.map((f) => [f, fs.statSync(path.join(out, f)).mtimeMs]);
  const argsFile = path.join(dir, 'args');
  fs.writeFileSync(argsFile, [path.join(dir, 'objects.builtin'), modulesBuiltin, path.join(dir, 'dedup.blacklist'), k.vmlinux, ...mods].join('\n'));
  const c = spawnSync(process.execPath, [BIN, out, `@${argsFile}`], { encoding: 'utf8' });
  assert.equal(c.status, 0, c.stderr);
  assert.match(c.stderr, new RegExp(`\\(0 written, ${files.length} unchanged\\)`));
  assert.deepEqual(files.map((f) => [f, fs.statSync(path.join(out, f)).mtimeMs]), before, 'mtimes unchanged');

  // -e on a few modules: standalone dicts, read by objdump alone, with the same struct layouts as in shared mode.
  const eOut = path.join(dir, 'e');
  const e = spawnSync(process.execPath, [BIN, eOut, '-e', ...eMods], { encoding: 'utf8' });
  assert.equal(e.status, 0, e.stderr);
  const eod = objdumpDicts(dir, eOut);
  assert.equal(eod.stderr, '');
  assert.equal(eod.dicts.size, eMods.length);
  const sharedMode = (name: string): Map<string, string> => {
    const m = new Map<string, string>();
    for (const d of [od.dicts.get(name)!, shared, od.dicts.get('vmlinux')!] as OdDict[]) {
      for (const ty of d.types.values()) if (ty.kind === 6 && !m.has(ty.text)) m.set(ty.text, layoutKey(ty));
    }
    return m;
  };
  for (const [name, d] of eod.dicts) {
    assert.equal(d.parentName, '', `${name} stands alone`);
    const ref = sharedMode(name);
    let same = 0;
    for (const ty of d.types.values()) {
      if (ty.kind !== 6 || !/ \w/.test(ty.text) || !ref.has(ty.text)) continue;
      if (ref.get(ty.text) === layoutKey(ty)) same++;
    }
    assert.ok(same > 50, `${name}: ${same} structs laid out as in shared mode`);
  }
});
