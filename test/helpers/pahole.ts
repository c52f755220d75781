/**
 * pahole as the judge of layouts: runs it and parses its default output into
 * types with sizes and members (bit offsets from the start of the outermost
 * type, nested anonymous members flattened, as pahole prints them).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { flatMembers, type StructType } from '../../src/types/index.js';

export interface PaholeMember {
  name: string;
  /** Bits from the start of the outermost type. */
  bitOffset: number;
  /** Bitfield width, when the member is a bitfield. */
  bitSize?: number;
  /** Size in bytes pahole prints. */
  size: number;
}

export interface PaholeType {
  kind: 'struct' | 'union';
  name: string;
  size: number;
  members: PaholeMember[];
  /** pahole printed an <ERROR...> line inside this type: its member list is incomplete. */
  errors?: boolean;
  /** From the summary comments (0 when pahole printed none): byte holes, their sum, bit holes, their sum in bits. */
  holes: number;
  sumHoles: number;
  bitHoles: number;
  sumBitHoles: number;
}

export function havePahole(): boolean {
  return spawnSync('pahole', ['--version']).status === 0;
}

/** Run pahole with `args` (e.g. ['-F', 'dwarf', file]) and parse every struct/union it prints. */
export function pahole(args: string[]): Map<string, PaholeType> {
  return parsePahole(paholeText(args));
}

/** pahole's output for `args`, as text. */
export function paholeText(args: string[]): string {
  // pahole 1.24 dies of SIGBUS writing a large output into a pipe; a file works.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'virtmem-pahole-'));
  const file = path.join(dir, 'out.txt');
  const fd = fs.openSync(file, 'w');
  try {
    const r = spawnSync('pahole', args, { encoding: 'utf8', stdio: ['ignore', fd, 'pipe'] });
    if (r.status !== 0) throw new Error(`pahole ${args.join(' ')} failed (status ${r.status}, signal ${r.signal}): ${r.stderr}`);
    return fs.readFileSync(file, 'utf8');
  } finally {
    fs.closeSync(fd);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The member's name from its declaration as pahole prints it. */
export function declName(decl: string): string {
  let d = decl.replace(/;\s*$/, '').replace(/\s*__attribute__\(\((?:[^()]|\([^()]*\))*\)\)/g, '').replace(/:\d+$/, '').trim();
  d = d.replace(/(\[[^\]]*\])+$/, '');
  if (d.endsWith(')')) {
    const fp = /\(\s*\*+\s*(?:const\s+)?([A-Za-z_]\w*)\s*(?:\[[^\]]*\])*\s*\)/.exec(d);
    if (fp) return fp[1];
  }
  const m = /([A-Za-z_]\w*)\s*$/.exec(d);
  return m ? m[1] : '';
}

/**
 * Parse pahole's default output. Nested blocks: members of an anonymous
 * struct/union (closed by "};") belong to the outer type with offsets from its
 * start; a named member of an unnamed type ("} parts;") is one member, its
 * insides dropped. Unions have no size summary in pahole's output: size -1.
 */
export function parsePahole(text: string): Map<string, PaholeType> {
  const out = new Map<string, PaholeType>();
  let cur: PaholeType | undefined;
  let frames: PaholeMember[][] = [];
  for (const line of text.split('\n')) {
    if (!cur) {
      const m = /^(struct|union) (\S+) \{$/.exec(line);
      if (m) { cur = { kind: m[1] as 'struct' | 'union', name: m[2], size: -1, members: [], holes: 0, sumHoles: 0, bitHoles: 0, sumBitHoles: 0 }; frames = [cur.members]; }
      continue;
    }
    if (/^\}/.test(line)) {
      if (!out.has(cur.name)) out.set(cur.name, cur);
      cur = undefined;
      continue;
    }
    const size = /^\t\/\* size: (\d+),/.exec(line);
    if (size) { cur.size = Number(size[1]); continue; }
    const holes = /^\t\/\* sum members: \d+, holes: (\d+), sum holes: (\d+) \*\/$/.exec(line);
    if (holes) { cur.holes = Number(holes[1]); cur.sumHoles = Number(holes[2]); continue; }
    const bits = /^\t\/\* sum bitfield members: \d+ bits, bit holes: (\d+), sum bit holes: (\d+) bits \*\/$/.exec(line);
    if (bits) { cur.bitHoles = Number(bits[1]); cur.sumBitHoles = Number(bits[2]); continue; }
    const body = line.replace(/^\t+/, '');
    if (body.startsWith('<ERROR')) { cur.errors = true; continue; }
    if (/^((const|volatile)\s+)*(struct|union|enum)\s*(\w+\s*)?\{$/.test(body)) { frames.push([]); continue; }
    const m = /^(.*;)\s+\/\*\s+(\d+)(?::\s*(\d+))?\s+(\d+)\s+\*\/$/.exec(body);
    if (!m) {
      if (body.startsWith('}') && frames.length > 1) frames.pop(); // a closing line pahole gave no offset
      continue;
    }
    let decl = m[1];
    const byte = Number(m[2]);
    const bit = m[3] === undefined ? 0 : Number(m[3]);
    if (decl.startsWith('}')) {
      const inner = frames.length > 1 ? frames.pop()! : [];
      const parent = frames[frames.length - 1] ?? cur.members;
      if (/^\}\s*(__attribute__\(\((?:[^()]|\([^()]*\))*\)\)\s*)*;$/.test(decl)) { parent.push(...inner); continue; }
      decl = decl.slice(1);
    }
    const bf = /:(\d+);$/.exec(decl);
    frames[frames.length - 1].push({ name: declName(decl), bitOffset: byte * 8 + bit, bitSize: bf ? Number(bf[1]) : undefined, size: Number(m[4]) });
  }
  return out;
}

/** Compare our struct with pahole's, member by member; returns mismatch descriptions. */
export function compareWithPahole(ours: StructType, p: PaholeType): string[] {
  const bad: string[] = [];
  if (p.size >= 0 && ours.size !== p.size) bad.push(`${p.kind} ${p.name}: size ${ours.size}, pahole ${p.size}`);
  const mine = [...flatMembers(ours)].map((f) => ({ name: f.member.name ?? '', bitOffset: f.bitOffset, bitSize: f.member.bitSize }));
  if (mine.length !== p.members.length) {
    bad.push(`${p.kind} ${p.name}: ${mine.length} members, pahole ${p.members.length}`);
    return bad;
  }
  for (let i = 0; i < mine.length; i++) {
    const a = mine[i], b = p.members[i];
    if (a.name !== b.name || a.bitOffset !== b.bitOffset || a.bitSize !== b.bitSize) {
      bad.push(`${p.kind} ${p.name}.${b.name}: ours ${a.name}@${a.bitOffset}${a.bitSize !== undefined ? ':' + a.bitSize : ''}, pahole ${b.name}@${b.bitOffset}${b.bitSize !== undefined ? ':' + b.bitSize : ''}`);
    }
  }
  return bad;
}

