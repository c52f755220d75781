/**
 * vmlinux's BTF as the running kernel keeps it: CONFIG_DEBUG_INFO_BTF puts
 * the .BTF section into the image's read-only data between __start_BTF and
 * __stop_BTF, and /sys/kernel/btf/vmlinux reads it from there. So a dump of a
 * kernel built that way (every major distribution's) carries its own types.
 *
 * Finding it:
 * 1. From the symbols (kallsyms decoded from the image, or any other table):
 *    the bytes [__start_BTF, __stop_BTF).
 * 2. Otherwise a scan of the kernel image [_text, _text + 256 MiB) for the
 *    header as the kernel's build writes it: magic 0xeb9f, version 1, flags 0,
 *    hdr_len 24 (bytes 9f eb 01 00 18 00 00 00), 4-byte aligned. A candidate's
 *    sizes must be sane (at most 64 MiB, sections inside the blob), and the
 *    blob must parse: every type record walked without error to the exact end
 *    of the type section, the string section starting and ending with NUL.
 *    Module BTF lives in module memory, outside the image, and is split BTF
 *    (its strings do not start with NUL), so it cannot be taken instead.
 * Both ways the blob is validated the same; a damaged one is a FormatError
 * naming the dump and the address, never a partial type source.
 *
 * The blob is copied out of the dump once (~5 MB) and opened with btf/'s lazy
 * reader: records are decoded only when a lookup needs them.
 */
import { FormatError, VirtmemError } from '../bytes/index.js';
import { Btf } from '../btf/index.js';
import { findIter, readExact, type AddressSpace } from '../memory/index.js';
import type { SymbolTable } from './symbols.js';

const HEADER = new Uint8Array([0x9f, 0xeb, 0x01, 0x00, 0x18, 0x00, 0x00, 0x00]);
const MAX_BTF = 64 << 20;
const SCAN_SPAN = 256n << 20n;
const hex = (a: bigint) => '0x' + a.toString(16);

export interface ImageBtf {
  btf: Btf;
  /** Run-time address of the blob (__start_BTF). */
  address: bigint;
  size: number;
  method: 'symbols' | 'scan';
}

export interface ImageBtfOptions {
  /** Symbols knowing __start_BTF/__stop_BTF (kallsyms); without them, a scan. */
  symbols?: SymbolTable;
  /** Run-time _text: where a scan starts. */
  text: bigint;
  /** Name for messages (the dump). */
  source?: string;
}

/** Total size a BTF header at `h` claims, or a reason it is not plausible. */
function claimedSize(h: Uint8Array): number | string {
  const dv = new DataView(h.buffer, h.byteOffset, 24);
  const hdrLen = dv.getUint32(4, true), typeOff = dv.getUint32(8, true), typeLen = dv.getUint32(12, true);
  const strOff = dv.getUint32(16, true), strLen = dv.getUint32(20, true);
  if (hdrLen !== 24) return `hdr_len ${hdrLen}`;
  const end = Math.max(typeOff + typeLen, strOff + strLen);
  if (typeLen === 0 || strLen === 0 || end > MAX_BTF) return `sections 0x${typeOff.toString(16)}+0x${typeLen.toString(16)}, 0x${strOff.toString(16)}+0x${strLen.toString(16)} are not plausible`;
  return hdrLen + end;
}

/** Open and validate the blob at `addr` of `size` bytes. */
function openAt(space: AddressSpace, addr: bigint, size: number, source: string): Btf {
  let bytes: Uint8Array;
  try { bytes = readExact(space, addr, size); } catch (e) {
    if (!(e instanceof VirtmemError)) throw e;
    throw new FormatError(`the ${size} bytes of BTF at ${hex(addr)} are not all in the dump (${e.message})`, { source, format: 'BTF', offset: addr });
  }
  const where = `kernel image BTF at ${hex(addr)}`;
  const btf = Btf.open(bytes, { source, section: where });
  if (btf.indexError) throw btf.indexError;
  const s = btf.strings;
  if (s.length === 0 || s[s.length - 1] !== 0) throw new FormatError('the string section does not end with NUL', { source, format: 'BTF', section: where, offset: btf.header.hdrLen + btf.header.strOff + s.length - 1 });
  if (btf.typeCount === 0) throw new FormatError('no types', { source, format: 'BTF', section: where });
  return btf;
}

/** vmlinux's BTF in the image. Throws a FormatError when there is none or it is damaged. */
export function findImageBtf(space: AddressSpace, opts: ImageBtfOptions): ImageBtf {
  const source = opts.source ?? space.name;
  const start = opts.symbols?.address('__start_BTF');
  const stop = opts.symbols?.address('__stop_BTF');
  if (start !== undefined && stop !== undefined) {
    if (stop <= start || stop - start > BigInt(MAX_BTF)) {
      throw new FormatError(`__start_BTF ${hex(start)} and __stop_BTF ${hex(stop)} do not bound a BTF blob`, { source, format: 'BTF', offset: start });
    }
    const head = (() => { try { return readExact(space, start, 24); } catch (e) { if (e instanceof VirtmemError) return undefined; throw e; } })();
    if (!head) throw new FormatError(`__start_BTF ${hex(start)} is not in the dump`, { source, format: 'BTF', offset: start });
    const claimed = claimedSize(head);
    if (typeof claimed === 'string') throw new FormatError(`the header at __start_BTF is not vmlinux BTF: ${claimed}`, { source, format: 'BTF', offset: start });
    if (BigInt(claimed) > stop - start) throw new FormatError(`the header at __start_BTF claims ${claimed} bytes, more than the ${stop - start} up to __stop_BTF`, { source, format: 'BTF', offset: start });
    return { btf: openAt(space, start, claimed, source), address: start, size: claimed, method: 'symbols' };
  }
  const rejected: string[] = [];
  for (const at of findIter(space, HEADER, { start: opts.text, end: opts.text + SCAN_SPAN, align: 4 })) {
    if (rejected.length >= 32) break;
    const head = new Uint8Array(24);
    if (space.readInto(at, head, 0, 24) < 24) continue;
    const claimed = claimedSize(head);
    if (typeof claimed === 'string') { rejected.push(`${hex(at)}: ${claimed}`); continue; }
    try {
      return { btf: openAt(space, at, claimed, source), address: at, size: claimed, method: 'scan' };
    } catch (e) {
      if (!(e instanceof FormatError)) throw e;
      rejected.push(`${hex(at)}: ${e.what}`);
    }
  }
  throw new FormatError(
    `no BTF in the kernel image ${hex(opts.text)}..${hex(opts.text + SCAN_SPAN)} (a kernel built without CONFIG_DEBUG_INFO_BTF?)${rejected.length ? `; rejected: ${rejected.slice(0, 4).join('; ')}` : ''}`,
    { source, format: 'BTF', offset: opts.text },
  );
}
