/**
 * dedup/: dwarf2ctf — the C types of a whole kernel (vmlinux and every
 * module, built in or loadable) from DWARF into CTF, each type recorded once.
 *
 * THE PROBLEM
 * -----------
 * Every translation unit's DWARF repeats the types of every header it
 * includes: `struct list_head` is described in thousands of compile units of
 * vmlinux and again in nearly every module. We want one CTF dict per module,
 * plus one shared dict (shared_ctf) that the others name as their parent,
 * such that
 *   - a type used by one module only lives in that module's dict;
 *   - a type used by two modules (or a module and the core kernel) lives in
 *     shared_ctf, once;
 *   - shared_ctf is self-contained: nothing in it refers to a type outside it;
 *   - a module's dict refers only to its own types and shared_ctf's.
 *
 * Take two modules and the core kernel:
 *
 *     // include/linux/foo.h             // drivers/a.c (module a)
 *     struct bar;                        #include <linux/foo.h>
 *     struct foo {                       struct foo *a_foo;
 *         struct bar *bar;               struct a_priv { int x; };
 *         int n;
 *     };                                 // drivers/b.c (module b)
 *     // include/linux/bar.h             #include <linux/foo.h>
 *     struct bar { long v; };            #include <linux/bar.h>
 *                                        struct foo b_foo;
 *
 * `struct foo` appears in a and b: shared. Its member `struct bar *` must then
 * be shared too, and so must `struct bar` — but a.c only ever saw the opaque
 * `struct bar` (a declaration), while b.c saw the definition; DWARF gives the
 * two different descriptions, and something must tie them together. And
 * `struct a_priv` stays in a's dict.
 *
 * TYPE IDS (scan.ts)
 * ------------------
 * Types are identified not by structure but by where they are declared, as
 * the seed does: a type ID is the string
 *
 *     [file]//[line]//{type string}
 *
 * where file (canonicalised with realpath, cached; a path that does not exist
 * here is normalised lexically) and line are present only for types that are
 * not based on another type and have DW_AT_decl_file/line: structs, unions,
 * enums. Types based on another type (DW_AT_type) append to their base's ID:
 *
 *     ////long unsigned int                      a base type
 *     /k/include/linux/types.h//186//struct list_head
 *     /k/include/linux/types.h//186//struct list_head *
 *     ////struct bar                             the opaque struct bar
 *     ////struct bar * typedef bar_p
 *     ////char [////long unsigned int 16]        array: [index-type count]
 *     ////int []                                 flexible array
 *     //fp//*                                    any function pointer
 *
 * So every cv-qualified, typedef'd or pointed-to variant of a type declared
 * in one place gets one ID whichever translation unit it comes from. Member
 * lists are not part of an ID (a struct is its declaration site) — except for
 * anonymous structs, unions and enums, which get a hash of their members
 * appended: one macro line can declare several, nested in one another
 * (DECLARE_FLEX_ARRAY's `struct { struct { } __empty_x; T x[]; }` would
 * otherwise contain itself). Function types all map to one catch-all ID, as
 * in the seed. _Atomic is transparent.
 *
 * THE PASSES
 * ----------
 * 1. Scan (scan.ts, task.ts; in scanning processes across files and across
 *    slices of vmlinux's compile units). Each compile unit maps to a module
 *    (modules.ts: objects.builtin and modules.builtin for the kernel image's
 *    units, the file name for a module object). Every type DIE at file scope,
 *    every struct/union/enum inside a function, and everything those refer to
 *    gets its type ID; the module records it as seen. A type's description
 *    (kind, size, members with bit offsets, enumerators, ...) is kept once per
 *    ID — for a struct, its definition with the most members, since C allows
 *    a struct to be redeclared with members added at the end — and the member
 *    types of every definition become the struct's edges. This is the only
 *    pass that reads DWARF: what follows works on IDs and edges, so the
 *    seed's repeated walks over the whole kernel's DWARF become walks over an
 *    in-memory graph.
 *    Scan work is cut into tasks (one per module object, several slices of
 *    the kernel image's compile units) for N processes (this one and N - 1
 *    children: this one scans modules between their messages); summaries are
 *    merged in task order, so the output does not depend on timing. Memory
 *    stays bounded by what the summaries hold (IDs and descriptions, one per
 *    distinct type per file), never the DWARF of more than one file per process.
 *    (Processes rather than worker threads: threads share an address space,
 *    and each mapping change one makes, as the JIT and the heaps do all the
 *    time, interrupts the others for a TLB shootdown; see run.ts Scanner.)
 *    A scanner keeps its type-ID tables (ScanTables) from file to file: an
 *    ID string is built and sent once per process, a header type met again
 *    in the next module is found by a short key (name, then numbers) and a
 *    summary names IDs by the scanner's index, carrying only the new strings
 *    and the descriptions that could change the merged result; the main
 *    process keeps one index map per scanner. So a scanner's summaries must
 *    be merged in the order it made them: each takes tasks in increasing
 *    task order. Only about the image's share of the scanners take image
 *    slices (each holds the image's DWARF); the others take modules.
 *    Most of a module's DWARF repeats header types its thread has already
 *    described, so the scan does not describe them again. A named type is
 *    looked up by numbers (its name's number from a cross-file interner,
 *    then file and line), and a description is built only when it is news:
 *    a struct definition is "settled" when it has no more members than one
 *    already handed out (or held by this file) and every direct member is
 *    of a type such a description had; the member types are read straight
 *    from the member DIEs' abbreviations (no DIE is decoded) and computed as
 *    usual, so the module still sees them. A settled definition could not
 *    change what the main thread merges (the first definition with the most
 *    members is kept; the member types of the others only add edges), so
 *    skipping it changes nothing. Other definitions of a type in one file
 *    are merged there the way the main thread merges them.
 *    The output is therefore the same bytes whatever -j is and however
 *    the work is cut (threads.test.ts checks -j1/2/3 on vmlinux and
 *    modules); the image is still cut into slices fixed by its size (about
 *    one per 96 MiB, run.ts imageSlices), which balance well.
 * 2. Duplicate detection (graph.ts merge). An ID seen in one module belongs
 *    to it; seen in two modules (vmlinux counts as one) it is shared.
 * 3. Spreading (graph.ts spread). Sharedness is contagious: the base of a
 *    shared type, the index type of a shared array and the member types of a
 *    shared struct are shared. The shared flag itself guards the work list
 *    against cycles:
 *
 *        struct one;
 *        struct two { struct one *foo; };
 *        struct one { struct two *foo; };
 *
 *    marks `struct two`, `struct one *`, `////struct one` (if opaque somewhere)
 *    and `struct one`, `struct two *`, and stops at `struct two`, already shared.
 * 4. Alias fixup (graph.ts aliasFixup), repeated to a fixpoint. An opaque ID
 *    "////struct bar *" and its non-opaque cousin ".../bar.h//2//struct bar *"
 *    (the same with file and line stripped) must agree: if either is shared,
 *    both are, and marking one spreads again through its edges — which can
 *    make another opaque/non-opaque pair disagree, hence the repetition. In
 *    the example, "struct foo" shared => "////struct bar *" shared =>
 *    "////struct bar" shared => (alias) ".../bar.h//2//struct bar" shared.
 * 5. Construction (construct.ts): one CTF dict per module; shared_ctf is the
 *    parent (void and the catch-all function type live there); every other
 *    dict is its child, parent name "shared_ctf". A type CTF cannot express
 *    (a member offset given as a location list, a C++ pointer-to-member) is
 *    left out with a warning naming it, together with whatever refers to it.
 * 6. Writeout (run.ts): gzip'd dicts — shared_ctf.builtin.ctf,
 *    vmlinux.builtin.ctf, <module>.builtin.ctf, <module>.mod.ctf — each
 *    rewritten only when its bytes change, atomically. This process builds
 *    the dicts; the scanning children, idle by then, compress them and stage
 *    each in a temporary file beside its target; then all are synced and
 *    renamed as one batch (bytes/atomic.ts AtomicBatch: the first fsync
 *    commits the filesystem journal for all of them).
 *
 * EXCEPTIONS
 * ----------
 * - dedup.blacklist: modules that #define something changing a type declared
 *   in a shared header (snd-ens1371 includes ens1370.c after #define
 *   CHIP1371). Their type IDs are prefixed with "{module}", so they collide
 *   with nobody: such a module never puts types into shared_ctf and takes no
 *   part in alias fixup; its dict holds all it uses.
 * - Out-of-tree mode (-e): nothing is shared — every module is prefixed like
 *   a blacklisted one, and every dict is standalone (no parent), so an
 *   out-of-tree module does not depend on the kernel's shared_ctf.
 * - Variables: only externally visible ones with a definition in the unit
 *   (not the internals of EXPORT_SYMBOL, module_param, initcalls), never
 *   shared; each goes to its module's dict.
 *
 * Beyond the seed: DWARF 4 type units (DW_AT_signature is followed to the
 * type unit, whose own line table names the file), DWARF 5 (forms, v5 line
 * tables) and compressed DWARF sections (elf/) all work.
 */
export { dwarf2ctf, imageSlices, type Dwarf2CtfOptions, type Dwarf2CtfResult, type DictReport } from './run.js';
export { TypeGraph, SHARED_MODULE } from './graph.js';
export { FileScanner, scanFile, canonicalPath, type ScanOptions } from './scan.js';
export { parseBuiltin, parseBlacklist, moduleName, objectOfUnit, TuMapper, isKernelImage, SHARED, VMLINUX, type BuiltinMap } from './modules.js';
export { VOID_ID, FP_ID, opaqueCousin, type FileSummary, type TypeDef, type MemberDef } from './defs.js';
export { buildDict, brokenTypes, type BuiltDict } from './construct.js';
