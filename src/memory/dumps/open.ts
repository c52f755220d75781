/**
 * Open a dump by content, never by file name: ELF core, kdump (and
 * DISKDUMP), flattened kdump, LiME, a saved memory map, or else a raw
 * physical image.
 */
import * as fs from 'node:fs';
import { FileSource, UsageError } from '../../bytes/index.js';
import type { PhysicalMemory } from '../phys.js';
import { FlatSource, isFlattened } from './flat.js';
import { KdumpMemory, isKdump } from './kdump.js';
import { isLime, openLime } from './lime.js';
import { openRaw } from './raw.js';
import { isSavedMap, openSavedMap } from './saved.js';
import { openElfCore } from './elfopen.js';

export type DumpFormat = 'elf' | 'kdump' | 'flat' | 'lime' | 'saved' | 'raw';

/** The format of the file at `path`, from its first bytes. */
export function detectFormat(path: string): DumpFormat {
  let fd: number;
  try { fd = fs.openSync(path, 'r'); } catch (e) {
    throw new UsageError(`${path}: cannot open: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const head = Buffer.alloc(32);
  try {
    if (fs.fstatSync(fd).isDirectory()) throw new UsageError(`${path}: is a directory`);
    fs.readSync(fd, head, 0, 32, 0);
  } finally { fs.closeSync(fd); }
  if (head[0] === 0x7f && head.subarray(1, 4).toString('latin1') === 'ELF') return 'elf';
  if (isKdump(head)) return 'kdump';
  if (isFlattened(head)) return 'flat';
  if (isLime(head)) return 'lime';
  if (isSavedMap(head)) return 'saved';
  return 'raw';
}

/** Open the physical memory of a dump. `format` overrides detection (e.g. 'raw'). */
export function openDump(path: string, format?: DumpFormat): PhysicalMemory {
  const f = format ?? detectFormat(path);
  switch (f) {
    case 'elf': return openElfCore(path);
    case 'kdump': return new KdumpMemory(new FileSource(path));
    case 'flat': return new KdumpMemory(FlatSource.open(path), 'flattened kdump');
    case 'lime': return openLime(path);
    case 'saved': return openSavedMap(path);
    case 'raw': return openRaw(new FileSource(path));
  }
}
