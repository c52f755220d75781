/**
 * Profiles of Debian's real 6.1 kernel, judged by binutils and LLVM:
 * - 10,000 random .text addresses: the profile and the vmlinux DWARF give the
 *   same answers; file:line equals `addr2line -f` (binutils), and where
 *   binutils and llvm-addr2line disagree (binutils names the unit's primary
 *   file for rows of DWARF 5 file 1 when that is a header), ours equals LLVM's
 *   with the same line; the function equals the outermost frame of
 *   `addr2line -f -i` (the function the address is in: .symtab names the
 *   symbol, DWARF the source function, so GCC's clone suffixes .isra/.constprop/
 *   .part/.cold are dropped before comparing) wherever our symbol's bounds
 *   cover the address and binutils has DWARF for it.
 *   (Without -i, binutils prints the innermost inlined function's name; the
 *   profile keeps symbols, not inline trees, so that name is not compared.)
 * - symbols equal `nm -S` of the vmlinux (name, address, size, class);
 * - readelf -a and objdump -h -t read the profile, and each stripped variant,
 *   without a warning; the parts left still answer, the parts gone say so;
 * - a corrupted byte in any part is a FormatError, never a different answer.
 * The sizes of the profile, the DWARF and the BTF are printed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FormatError, UsageError, VirtmemError } from '../../src/bytes/index.js';
import { ElfFile } from '../../src/elf/index.js';
import { PARTS, PART_NAMES, Profile, buildProfile, formatLine, openSymbolizer, profileSymbolizer, stripProfile, type PartName } from '../../src/profile/index.js';
import { debugSizes } from '../../src/cli/profile.js';
import { haveTool } from '../helpers/cc.js';
import { kernelOrSkip } from '../helpers/kernels.js';
import { rng } from '../helpers/fuzz.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'virtmem-profile-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
let built: { path: string; vmlinux: string } | undefined;

function profileOf(t: Parameters<typeof kernelOrSkip>[0]): { path: string; vmlinux: string } | undefined {
  if (built) return built;
  const k = kernelOrSkip(t, '6.1');
  if (!k) return undefined;
  const r = buildProfile(k.vmlinux);
  const p = path.join(dir, '6.1.profile');
  fs.writeFileSync(p, r.bytes);
  const ref = debugSizes(k.vmlinux);
  const mb = (n: number) => (n / 1048576).toFixed(1) + ' MB';
  process.stderr.write(`profile of ${k.abi}: ${mb(r.bytes.length)} (${Object.entries(r.sizes).map(([a, b]) => `${a} ${mb(b)}`).join(', ')}); vmlinux DWARF ${mb(ref.dwarf)}, BTF ${mb(ref.btf)}\n`);
  assert.ok(r.bytes.length < ref.dwarf / 10, 'a profile is a small fraction of the DWARF');
  built = { path: p, vmlinux: k.vmlinux };
  return built;
}

function tools(t: { skip(m: string): void }, ...names: string[]): boolean {
  const missing = names.filter((n) => !haveTool(n));
  if (missing.length) { process.stderr.write(`SKIP: ${missing.join(', ')} missing\n`); t.skip(`${missing.join(', ')} missing`); return false; }
  return true;
}

/** Groups of addr2line -a output lines, one per address: [func, loc, func, loc, ...]. */
function runAddr2line(tool: string, args: string[], addrs: bigint[]): string[][] {
  const r = spawnSync(tool, [...args, '-a'], { input: addrs.map((a) => '0x' + a.toString(16)).join('\n') + '\n', encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, r.stderr);
  const groups: string[][] = [];
  for (const l of r.stdout.split('\n')) {
    if (/^0x[0-9a-f]+$/.test(l)) groups.push([]);
    else if (l) groups[groups.length - 1].push(l);
  }
  assert.equal(groups.length, addrs.length, `${tool} answered every address`);
  return groups;
}

const unclone = (n: string) => n.replace(/\.(isra|constprop|part|cold|localalias)(\.\d+)*/g, '');

test('10,000 random text addresses: profile == vmlinux DWARF == addr2line', (t) => {
  const p = profileOf(t);
  if (!p || !tools(t, 'addr2line', 'llvm-addr2line')) return;
  const elf = ElfFile.open(p.vmlinux);
  const text = elf.section('.text')!;
  elf.close();
  const rand = rng(10_000);
  const addrs = Array.from({ length: 10_000 }, () => text.addr + BigInt(Math.floor(rand() * text.size)));
  const fromProfile = openSymbolizer(p.path);
  const fromDwarf = openSymbolizer(p.vmlinux);
  assert.equal(fromProfile.kind, 'profile');
  assert.equal(fromDwarf.kind, 'elf');
  const gnu = runAddr2line('addr2line', ['-f', '-i', '-e', p.vmlinux], addrs);
  const llvm = runAddr2line('llvm-addr2line', ['-f', '-e', p.vmlinux], addrs);
  let lineDiffers = 0, namesCompared = 0;
  const nameMismatch: string[] = [];
  addrs.forEach((a, i) => {
    const at = `0x${a.toString(16)}`;
    const ours = fromProfile.symbolize(a);
    const dw = fromDwarf.symbolize(a);
    assert.deepEqual([ours.symbol, ours.line], [dw.symbol, dw.line], `${at}: profile and vmlinux DWARF agree`);
    const loc = formatLine(ours.line);
    const g = gnu[i];
    if (loc !== g[1] && /:\?$/.test(g[1])) {
      // No line: binutils then names the file of the nearest STT_FILE symbol (no line tables involved).
      assert.equal(loc, '??:?', `${at}: binutils has no line (${g[1]}), neither do we`);
      assert.equal(llvm[i][1], '??:0', `${at}: nor has LLVM`);
    } else if (loc !== g[1]) {
      lineDiffers++;
      // LLVM joins directory and name without doubling a '/' the directory ends with; binutils (and we) keep it.
      assert.equal(loc.replace(/\/\/+/g, '/'), llvm[i][1], `${at}: binutils says ${g[1]}; ours ${loc} must then be llvm-addr2line's`);
      assert.equal(loc.replace(/^.*:/, ''), g[1].replace(/^.*:/, ''), `${at}: same line as binutils`);
    }
    const outer = g[g.length - 2];
    if (ours.symbol && ours.symbol.size && g[1] !== '??:?') {
      namesCompared++;
      if (unclone(ours.symbol.name) !== outer) nameMismatch.push(`${at} ${ours.symbol.name} vs ${outer}`);
    }
  });
  fromProfile.close(); fromDwarf.close();
  process.stderr.write(`addr2line: ${lineDiffers} of 10000 locations differ from binutils (all equal llvm-addr2line); ${namesCompared} names compared, ${nameMismatch.length} differ: ${nameMismatch.slice(0, 5).join('; ')}\n`);
  assert.ok(lineDiffers < 100, `${lineDiffers} locations where binutils and LLVM disagree`);
  assert.ok(namesCompared > 6000, `${namesCompared} names compared`);
  assert.ok(nameMismatch.length <= namesCompared / 1000, `names differ: ${nameMismatch.join('; ')}`);
});

interface NmSym { addr: string; size: string; cls: string; name: string }
function nm(file: string): NmSym[] {
  const r = spawnSync('nm', ['-S', '--defined-only', file], { encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '', 'nm prints no warning');
  const out: NmSym[] = [];
  for (const l of r.stdout.split('\n')) {
    const m = /^([0-9a-f]+) (?:([0-9a-f]+) )?(\S) (.+)$/.exec(l);
    if (!m) continue;
    // Data letters d/D, r/R, b/B all read as "data": the profile's sections are SHT_NOBITS
    // (as objcopy --only-keep-debug makes them), which nm shows as b/B.
    const cls = /[dDrRbB]/.test(m[3]) ? (m[3] === m[3].toUpperCase() ? 'DATA' : 'data') : m[3];
    out.push({ addr: m[1], size: m[2] ?? '', cls, name: m[4] });
  }
  return out.sort((x, y) => (x.addr + x.name < y.addr + y.name ? -1 : 1));
}

test('the profile\'s symbols equal nm of the vmlinux', (t) => {
  const p = profileOf(t);
  if (!p || !tools(t, 'nm')) return;
  // nm lists section symbols and symbols of non-alloc sections too; the profile keeps named
  // function/object/notype/TLS symbols of allocated sections (and absolute ones).
  const want = nm(p.vmlinux).filter((s) => s.cls !== 'N' && s.cls !== 'n');
  const got = nm(p.path);
  const key = (s: NmSym) => `${s.addr} ${s.size} ${s.cls} ${s.name}`;
  const g = new Set(got.map(key));
  const missing = want.filter((s) => !g.has(key(s)));
  const w = new Set(want.map(key));
  const extra = got.filter((s) => !w.has(key(s)));
  assert.deepEqual(extra.slice(0, 10), [], 'no symbol nm does not list for the vmlinux');
  // Section symbols (STT_SECTION) are the only ones nm lists that a profile leaves out.
  const elf = ElfFile.open(p.vmlinux);
  const sectionSyms = new Set(elf.symbols().filter((s) => s.type === 3).map((s) => s.section ?? ''));
  elf.close();
  assert.deepEqual(missing.filter((s) => !sectionSyms.has(s.name)).slice(0, 10), [], 'every nm symbol is in the profile');
  assert.ok(got.length > 100_000, `${got.length} symbols`);
});

function peersAccept(file: string): void {
  const re = spawnSync('readelf', ['-a', '-W', file], { encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(re.status, 0, `readelf -a exit status: ${re.stderr}`);
  assert.equal(re.stderr, '', 'readelf -a warns about nothing');
  const od = spawnSync('objdump', ['-h', '-t', file], { encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(od.status, 0, `objdump exit status: ${od.stderr}`);
  assert.equal(od.stderr, '', 'objdump warns about nothing');
}

test('readelf and objdump read the profile and every stripped variant; the parts left still work', (t) => {
  const p = profileOf(t);
  if (!p || !tools(t, 'readelf', 'objdump')) return;
  peersAccept(p.path);
  const full = new Uint8Array(fs.readFileSync(p.path));
  const probe = 0xffffffff81234567n;
  const whole = profileSymbolizer(Profile.open(p.path)).symbolize(probe);
  assert.ok(whole.symbol && whole.line, 'the full profile answers');
  const variants: PartName[][] = [[], ...PART_NAMES.map((x) => [x]), ...PART_NAMES.map((x) => PART_NAMES.filter((y) => y !== x))];
  for (const keep of variants) {
    const { bytes } = stripProfile(full, keep, p.path);
    const f = path.join(dir, `strip-${keep.join('+') || 'none'}.profile`);
    fs.writeFileSync(f, bytes);
    peersAccept(f);
    const prof = Profile.open(f);
    try {
      assert.equal(prof.meta.buildId, Profile.open(p.path).meta.buildId, 'metadata survives stripping');
      for (const part of PART_NAMES) {
        const present = prof.has(PARTS[part][0]);
        assert.equal(present, keep.includes(part) && (part !== 'ctf' || Profile.open(p.path).has(PARTS.ctf[0])), `${part} present iff kept`);
      }
      if (keep.includes('symtab')) assert.deepEqual(prof.symbols().symbolize(probe), whole.symbol);
      else assert.throws(() => prof.symbols(), UsageError);
      if (keep.includes('lines')) assert.deepEqual(prof.lines().lookup(probe), whole.line);
      else assert.throws(() => prof.lines(), UsageError);
    } finally {
      prof.close();
    }
  }
});

test('a corrupted byte in any part of the profile is a FormatError, never another answer', (t) => {
  const p = profileOf(t);
  if (!p) return;
  const full = new Uint8Array(fs.readFileSync(p.path));
  const elf = ElfFile.fromBytes(full, p.path);
  const rand = rng(77);
  const probes = Array.from({ length: 200 }, () => 0xffffffff81000000n + BigInt(Math.floor(rand() * 0xe00000)));
  const good = (() => { const s = profileSymbolizer(Profile.open(p.path)); const r = probes.map((a) => s.symbolize(a)); s.close(); return r; })();
  for (const name of ['.virtmem.meta', '.symtab', '.strtab', '.virtmem.lines', '.virtmem.crc.symtab']) {
    const s = elf.section(name)!;
    for (let k = 0; k < 3; k++) {
      const b = full.slice();
      const at = s.offset + 16 + Math.floor(rand() * (s.size - 16));
      b[at] ^= 1 << Math.floor(rand() * 8);
      const f = path.join(dir, 'corrupt.profile');
      fs.writeFileSync(f, b);
      try {
        const sym = profileSymbolizer(Profile.open(f));
        const got = probes.map((a) => sym.symbolize(a));
        sym.close();
        assert.deepEqual(got, good, `a flipped bit at 0x${at.toString(16)} in ${name} went unnoticed and changed an answer`);
        assert.fail(`a flipped bit at 0x${at.toString(16)} in ${name} went unnoticed`);
      } catch (e) {
        if (e instanceof assert.AssertionError) throw e;
        assert.ok(e instanceof FormatError, `${name}: ${(e as Error).message}`);
        assert.match((e as Error).message, /corrupt|checksum|bad magic|metadata/);
      }
    }
  }
  assert.ok(VirtmemError);
});
