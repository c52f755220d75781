/**
 * The virtmem kernel profile: one ELF file per kernel build, holding what the
 * commands need to look inside a dump of that kernel without its 600 MB
 * vmlinux. Design after seed 002 (debug metadata in ELF):
 *
 *  - Names and bounds of functions and objects live in the standard
 *    .symtab/.strtab, so readelf, nm and objdump read them.
 *  - Every other kind of metadata is a separate section (or pair), each
 *    strippable on its own: `virtmem profile strip --keep PARTS`.
 *  - Nothing on the main path (file header, section headers, .virtmem.meta,
 *    the build-id note, the section skeleton) points into strippable data.
 *    Strippable sections point at what they need through sh_link (their string
 *    table) or st_shndx (symbols into the skeleton), never the other way.
 *  - Tables are sorted by address and searched by bisection.
 *
 * ELF header: the class, byte order and e_machine of the vmlinux; e_type
 * ET_EXEC; no program headers (nothing here is loaded).
 *
 * Sections (part names in brackets; "main" is never stripped):
 *
 *  [main] skeleton: one SHT_NOBITS header per SHF_ALLOC section of the
 *         vmlinux (same name, flags, address, size, alignment; no bytes), so
 *         symbols keep their st_shndx and readelf/nm name their sections.
 *  [main] .note.gnu.build-id   SHT_NOTE: the vmlinux's NT_GNU_BUILD_ID note.
 *  [main] .virtmem.meta        SHT_PROGBITS: section header (below) then
 *         VMCOREINFO-style text, "KEY=value\n" lines: PROFILE_VERSION,
 *         OSRELEASE, BUILD-ID (hex), ARCH (x86_64, ...), MACHINE (e_machine),
 *         PAGESIZE, BANNER (linux_banner without its newline, when the vmlinux
 *         has it), TEXT (link-time _text, hex), SYMBOL(name)=hex for the
 *         symbols in META_SYMBOLS, BUILT_BY. Unknown keys are ignored.
 *  [symtab] .symtab  SHT_SYMTAB (sh_link -> .strtab, sh_info = first global):
 *         every named STT_FUNC, STT_OBJECT, STT_NOTYPE, STT_TLS symbol of the
 *         vmlinux (and of modules, see below) with value, size, binding,
 *         visibility; ordered locals first (ELF's rule), then by address.
 *           .strtab  SHT_STRTAB.
 *           .virtmem.crc.symtab, .virtmem.crc.strtab: section header + u32
 *         CRC-32 of the linked section's bytes (sh_link -> it).
 *  [lines] .virtmem.lines  SHT_PROGBITS (sh_link -> .virtmem.linestr): the
 *         address -> (file, line, discriminator) table, layout below.
 *           .virtmem.linestr SHT_STRTAB: file paths.
 *  [ctf]  .ctf  SHT_PROGBITS: a CTF archive (shared_ctf + vmlinux + modules,
 *         from dwarf2ctf) as objdump --ctf reads it; .virtmem.crc.ctf beside.
 *
 * Section header of every .virtmem.* section (16 bytes, ELF byte order):
 *   u32 magic   'VMPF' (0x46504d56)
 *   u16 version  1 (a reader refuses a greater major version)
 *   u16 kind     1 meta, 2 lines, 3 crc
 *   u32 crc32    CRC-32 (IEEE, as zlib) of the bytes after this header
 *   u32 length   bytes after this header
 *
 * .virtmem.lines after its header (offsets from the section start):
 *   0x10 u32 nrows, u32 nblocks, u32 nfiles, u32 reserved
 *   0x20 nblocks x u64 block start address (sorted; bisection finds the block)
 *        nblocks x u32 offset of the block's rows (from the rows area start)
 *        nfiles  x u32 offset into the sh_link string table (file 0 = "": no line)
 *        rows area, pad to 4 first
 *   Rows of a block (at most LINE_BLOCK_ROWS), each:
 *     uleb  (address delta << 2) | 2 if discriminator | 1 if file changes
 *           (delta from the previous row; 0 for the block's first row)
 *     uleb  file, when it changes (the first row of a block always has it)
 *     sleb  line delta (from 0 at the block's start)
 *     uleb  discriminator, when flagged
 *   A row covers addresses up to the next row's; a row with file 0 ends a
 *   sequence (no line information from there to the next row).
 *
 * Versioning: PROFILE_VERSION in .virtmem.meta is the file's version; each
 * .virtmem section carries its own. New parts are new sections, which old
 * readers ignore.
 */

export const PROFILE_VERSION = 1;
export const SECTION_MAGIC = 0x46504d56;
export const SECTION_VERSION = 1;
export const SECTION_HEADER_SIZE = 16;

export const KIND_META = 1;
export const KIND_LINES = 2;
export const KIND_CRC = 3;

export const META = '.virtmem.meta';
export const LINES = '.virtmem.lines';
export const LINESTR = '.virtmem.linestr';
export const CTF = '.ctf';
export const BUILD_ID_NOTE = '.note.gnu.build-id';
export const crcSectionFor = (name: string): string => `.virtmem.crc${name}`;

/** Rows per block of .virtmem.lines. */
export const LINE_BLOCK_ROWS = 64;

/** The strippable parts and their sections. */
export const PARTS = {
  symtab: ['.symtab', '.strtab', crcSectionFor('.symtab'), crcSectionFor('.strtab')],
  lines: [LINES, LINESTR],
  ctf: [CTF, crcSectionFor(CTF)],
} as const;
export type PartName = keyof typeof PARTS;
export const PART_NAMES = Object.keys(PARTS) as PartName[];

/** Symbols whose link-time addresses the metadata records (what commands ask VMCOREINFO for). */
export const META_SYMBOLS = [
  '_text', '_stext', '_etext', '_end', 'init_task', 'init_uts_ns', 'linux_banner', 'swapper_pg_dir', 'init_top_pgt',
  'phys_base', '__per_cpu_offset', 'kallsyms_names', 'mem_section', 'node_data', 'vmemmap_base', 'page_offset_base',
];
