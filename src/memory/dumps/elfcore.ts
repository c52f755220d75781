/**
 * ELF core dumps: QEMU's dump-guest-memory ELF output (paging=false: PT_LOADs
 * by physical address, p_vaddr 0; paging=true: PT_LOADs also carry the
 * guest's virtual addresses) and /proc/vmcore (PT_LOADs with direct-map and
 * kernel-text virtual addresses). Physical memory is the PT_LOADs by p_paddr,
 * the bytes past p_filesz reading as zeros; where two PT_LOADs cover the same
 * physical bytes (the kernel text of /proc/vmcore, aliases with paging=true)
 * the first wins. Notes (NT_PRSTATUS per CPU, QEMU's CPU state, VMCOREINFO)
 * come from the ELF reader (elf/).
 */
import { VirtmemError, type ByteSource } from '../../bytes/index.js';
import { parseNoteBlob, vmcoreinfoFromNotes } from '../notes.js';
import { SegmentedMemory, type DumpNote, type PhysSegment } from '../phys.js';

export const PT_LOAD = 1;
export const PT_NOTE = 4;

/** The part of elf/'s ElfFile an ELF core needs. */
export interface ElfCoreInput {
  readonly name: string;
  readonly source: ByteSource;
  readonly header: { machine: number; type: number };
  readonly segments: readonly { type: number; offset: number | bigint; vaddr: bigint; paddr: bigint; filesz: number | bigint; memsz: number | bigint }[];
  notes(): readonly { name: string; type: number; desc: Uint8Array }[];
  segmentData(seg: ElfCoreInput['segments'][number]): Uint8Array;
}

/**
 * The notes: elf/'s full list, or, when that fails (a truncated core loses
 * the section headers QEMU puts at its end), the PT_NOTE segments alone.
 */
function coreNotes(elf: ElfCoreInput, problems: string[]): DumpNote[] {
  try {
    return elf.notes().map((n) => ({ name: n.name, type: n.type, desc: n.desc }));
  } catch (e) {
    if (!(e instanceof VirtmemError)) throw e;
    problems.push(`notes from PT_NOTE only (${e.message})`);
  }
  const out: DumpNote[] = [];
  for (const seg of elf.segments) {
    if (seg.type !== PT_NOTE) continue;
    try {
      out.push(...parseNoteBlob(elf.segmentData(seg), { source: elf.name, format: 'ELF core', offset: Number(seg.offset) }));
    } catch (e) {
      if (!(e instanceof VirtmemError)) throw e;
      problems.push(e.message);
    }
  }
  return out;
}

const MACHINES: Record<number, string> = { 62: 'x86_64', 3: 'i386', 183: 'aarch64', 22: 's390x', 21: 'ppc64' };
const MAX_PHYS = 2 ** 52;

export function elfCoreMemory(elf: ElfCoreInput): SegmentedMemory {
  const segs: PhysSegment[] = [];
  const virtualRuns: { vaddr: bigint; paddr: number; size: number }[] = [];
  const loads = elf.segments.filter((s) => s.type === PT_LOAD);
  for (const s of loads) {
    const pa = s.paddr, memsz = Number(s.memsz), filesz = Math.min(Number(s.filesz), memsz);
    if (memsz <= 0 || pa >= BigInt(MAX_PHYS) || pa + BigInt(memsz) > BigInt(MAX_PHYS)) continue;
    segs.push({ pa: Number(pa), size: memsz, offset: Number(s.offset), fileSize: filesz });
    // QEMU's paging=false dumps give p_vaddr 0 (or p_paddr, for ROM): not virtual addresses.
    if (s.vaddr !== 0n && s.vaddr !== pa) virtualRuns.push({ vaddr: s.vaddr, paddr: Number(pa), size: memsz });
  }
  const problems: string[] = [];
  const notes = coreNotes(elf, problems);
  const machine = MACHINES[elf.header.machine] ?? `e_machine ${elf.header.machine}`;
  const paging = virtualRuns.length > 0;
  return new SegmentedMemory(`physical memory of ${elf.name}`, elf.source, segs, {
    format: 'ELF core',
    details: [
      ['PT_LOAD segments', loads.length],
      ['virtual addresses in PT_LOADs', paging ? `yes (${virtualRuns.length} segments: paging=true or /proc/vmcore)` : 'no (paging=false)'],
      ['machine', machine],
      ...problems.map((p) => ['warning', p] as [string, string]),
    ],
    notes,
    vmcoreinfo: vmcoreinfoFromNotes(notes),
    virtualRuns: paging ? virtualRuns : undefined,
    machine,
  });
}
