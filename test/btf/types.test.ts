import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { BtfTypes, loadBtf } from '../../src/btf/index.js';
import { DwarfInfo, loadDwarfSections } from '../../src/dwarf/index.js';
import { DwarfTypes, layout, type StructType } from '../../src/types/index.js';
import { kernelOrSkip } from '../helpers/kernels.js';

/** Direct members (name or "" for anonymous, and bitfield width) of each struct/union bpftool's `format c` defines. */
function bpftoolStructs(file: string): Map<string, string[]> {
  const r = spawnSync('bpftool', ['btf', 'dump', 'file', file, 'format', 'c'], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`bpftool format c: ${r.stderr}`);
  const out = new Map<string, string[]>();
  let cur: string[] | undefined;
  let depth = 0;
  for (const line of r.stdout.split('\n')) {
    let m: RegExpExecArray | null;
    if (!cur) {
      if ((m = /^(struct|union) (\w+) \{$/.exec(line)) && !/___\d+$/.test(m[2])) {
        cur = [];
        out.set(`${m[1]} ${m[2]}`, cur);
        depth = 1;
      }
      continue;
    }
    const indent = /^\t*/.exec(line)![0].length;
    if (/^\}/.test(line)) { cur = undefined; continue; }
    if (indent === 1 && /^\t(const |volatile )*(struct|union) \{$/.test(line)) { cur.push(''); depth = 2; continue; }
    if (depth === 2) {
      // The end of an inline struct/union member: "\t} name;" names it, "\t};" leaves it anonymous.
      if (indent === 1 && (m = /^\t\}(.*);$/.exec(line))) {
        depth = 1;
        const rest = m[1].replace(/__attribute__\(\(.*?\)\)/g, '').replace(/\[[^\]]*\]/g, '');
        cur[cur.length - 1] = /(\w*)\s*$/.exec(rest)![1];
      }
      continue;
    }
    if (indent !== 1 || !line.endsWith(';')) continue;
    const decl = line.trim().replace(/;$/, '').replace(/ __attribute__\(\(.*\)\)$/, '');
    // bpftool pads with unnamed bitfields ("long: 64;") where the layout needs it; they are not members.
    if (/^(long|int|short|char): \d+$/.test(decl)) continue;
    const bits = /: (\d+)$/.exec(decl);
    const body = decl.replace(/: \d+$/, '');
    const fn = /\(\*+\s*(?:(?:const|volatile|restrict)\s+)*(\w+)(\[[^\]]*\])*\)/.exec(body);
    const name = fn ? fn[1] : /(\w+)(\[[^\]]*\])*$/.exec(body)?.[1] ?? '?';
    cur.push(bits ? `${name}:${bits[1]}` : name);
  }
  return out;
}

test('Debian vmlinux: the structs bpftool `format c` prints have our members; layouts from BTF equal those from DWARF', (t) => {
  const k = kernelOrSkip(t, '6.1');
  if (!k) return;
  const btf = new BtfTypes(loadBtf(k.vmlinux));
  const theirs = bpftoolStructs(k.vmlinux);
  assert.ok(theirs.size > 5000, `bpftool printed ${theirs.size} structs`);
  const bad: string[] = [];
  for (const [key, members] of theirs) {
    const [kind, name] = key.split(' ') as ['struct' | 'union', string];
    const ours = btf.lookup(name, kind) as StructType | undefined;
    if (!ours || ours.kind !== kind) { bad.push(`${key}: missing`); continue; }
    const mine = ours.members.map((m) => (m.bitSize ? `${m.name ?? ''}:${m.bitSize}` : m.name ?? ''));
    if (mine.join(',') !== members.join(',')) bad.push(`${key}: ours ${mine.join(',')} bpftool ${members.join(',')}`);
    if (bad.length > 10) break;
  }
  assert.deepEqual(bad, []);

  // The same kernel's DWARF: pahole-style layouts must be identical.
  const dwarf = new DwarfTypes(new DwarfInfo(loadDwarfSections(k.vmlinux)));
  for (const name of ['task_struct', 'list_head', 'file', 'inode', 'sk_buff', 'mm_struct', 'page', 'super_block', 'net_device', 'module']) {
    const d = dwarf.lookup(name, 'struct') as StructType;
    const b = btf.lookup(name, 'struct') as StructType;
    assert.ok(d && b, name);
    assert.equal(layout(b), layout(d), `struct ${name}`);
  }
});
