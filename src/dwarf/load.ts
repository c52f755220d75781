/**
 * Section bytes of an object file for the DWARF reader.
 *
 * TEMPORARY BRIDGE: elf/ (ElfFile.debugSection) is being written on another
 * branch and is not on main yet. Until it lands, this asks binutils' objcopy
 * for the section contents: readelf's section table gives offset and size of
 * uncompressed sections, which are read straight from the file; compressed
 * sections go through objcopy --decompress-debug-sections. It does not
 * apply ET_REL relocations, so .o files read through it have wrong string
 * offsets; tests use linked objects until then. Replaced by ElfFile when
 * elf/ is merged.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FormatError, UsageError } from '../bytes/index.js';
import type { DwarfSections } from './sections.js';

const ROLES: [keyof Omit<DwarfSections, 'littleEndian' | 'addressSize' | 'source' | 'sup'>, string][] = [
  ['info', '.debug_info'], ['abbrev', '.debug_abbrev'], ['str', '.debug_str'], ['strOffsets', '.debug_str_offsets'],
  ['addr', '.debug_addr'], ['lineStr', '.debug_line_str'], ['types', '.debug_types'],
];

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.error) throw new UsageError(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new FormatError(`${cmd} failed: ${(r.stderr || '').trim().split('\n')[0]}`, { source: args[args.length - 1] });
  return r.stdout;
}

/** The DWARF sections of the ELF file at `file`. */
export function loadDwarfSections(file: string): DwarfSections {
  if (!fs.existsSync(file)) throw new UsageError(`${file}: no such file`);
  const hdr = run('readelf', ['-h', '-W', file]);
  const littleEndian = /little endian/.test(hdr);
  const is64 = /ELF64/.test(hdr);
  const secs = run('readelf', ['-S', '-W', file]);
  const present = new Map<string, boolean>();
  const where = new Map<string, [number, number]>();
  for (const line of secs.split('\n')) {
    const m = /^\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+\S+\s+(\S+)\s+(\S+)\s+\S+\s+(\S*)/.exec(line);
    if (m) { present.set(m[1], /C/.test(m[4] ?? '')); where.set(m[1], [parseInt(m[2], 16), parseInt(m[3], 16)]); }
  }
  const compressed = [...present.entries()].some(([n, c]) => c && n.startsWith('.debug')) || [...present.keys()].some((n) => n.startsWith('.zdebug'));
  if (!compressed) {
    const out: DwarfSections = { littleEndian, addressSize: is64 ? 8 : 4, source: file };
    const fd = fs.openSync(file, 'r');
    try {
      for (const [role, name] of ROLES) {
        const w = where.get(name);
        if (!w) continue;
        const buf = new Uint8Array(w[1]);
        let got = 0;
        while (got < buf.length) {
          const n = fs.readSync(fd, buf, got, buf.length - got, w[0] + got);
          if (n <= 0) throw new FormatError(`section ${name} runs past the end of the file`, { source: file, offset: w[0] });
          got += n;
        }
        (out as unknown as Record<string, Uint8Array>)[role] = buf;
      }
    } finally {
      fs.closeSync(fd);
    }
    return out;
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'virtmem-dwarf-'));
  try {
    let input = file;
    {
      input = path.join(tmp, 'decompressed');
      run('objcopy', ['--decompress-debug-sections', file, input]);
      for (const [n] of [...present]) if (n.startsWith('.zdebug')) { present.delete(n); present.set('.debug' + n.slice(7), false); }
    }
    const out: DwarfSections = { littleEndian, addressSize: is64 ? 8 : 4, source: file };
    const args: string[] = [];
    const wanted: [string, string][] = [];
    for (const [role, name] of ROLES) {
      if (!present.has(name)) continue;
      const p = path.join(tmp, role);
      args.push('--dump-section', `${name}=${p}`);
      wanted.push([role, p]);
    }
    if (!wanted.length) return out;
    run('objcopy', [...args, input, path.join(tmp, 'discard')]);
    for (const [role, p] of wanted) (out as unknown as Record<string, Uint8Array>)[role] = new Uint8Array(fs.readFileSync(p));
    return out;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
