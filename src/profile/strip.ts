/**
 * `profile strip --keep PARTS`: remove every part not kept (format.ts PARTS),
 * with elf/'s editElf, as objcopy --remove-section would. The main path
 * (skeleton, build-id note, .virtmem.meta) always stays; since nothing on it
 * points into a part, what is left is a whole profile.
 */
import { UsageError } from '../bytes/index.js';
import { ElfFile, editElf, type ElfEdit } from '../elf/index.js';
import { PARTS, PART_NAMES, type PartName } from './format.js';

export function parseParts(list: string): PartName[] {
  const out: PartName[] = [];
  for (const p of list.split(',').map((x) => x.trim()).filter(Boolean)) {
    if (!(PART_NAMES as string[]).includes(p)) throw new UsageError(`unknown profile part '${p}' (parts: ${PART_NAMES.join(', ')})`);
    out.push(p as PartName);
  }
  return out;
}

/** The profile in `bytes` with only the `keep` parts. */
export function stripProfile(bytes: Uint8Array, keep: PartName[], name = '<profile>'): { bytes: Uint8Array; removed: string[] } {
  const elf = ElfFile.fromBytes(bytes, name);
  const present = new Set(elf.sections.map((s) => s.name));
  const removed: string[] = [];
  const edits: ElfEdit[] = [];
  for (const p of PART_NAMES) {
    if (keep.includes(p)) continue;
    for (const s of PARTS[p]) if (present.has(s)) { edits.push({ op: 'remove', name: s }); removed.push(s); }
  }
  return { bytes: edits.length ? editElf(bytes, edits, name) : bytes, removed };
}
