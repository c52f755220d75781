/**
 * dwarf/: DWARF 2-5 read lazily from section bytes (see sections.ts for what
 * it needs; elf/ supplies decompressed, relocated sections).
 *
 * Modules, one per section or concept, after gimli: constants.ts (DW_* values)
 * and names.ts (their names), sections.ts (inputs and offset brands), unit.ts
 * (unit headers), abbrev.ts (.debug_abbrev), form.ts (attribute values of every
 * form), die.ts (lazy DIEs and children), info.ts (DwarfInfo: units, abbrev
 * cache, strings, str_offsets, addr, type signatures), name-index.ts (finding
 * DIEs by name without materialising them), lines.ts (line program header
 * and state machine), line-table.ts (address -> file:line for a whole file),
 * line.ts (file tables as DW_AT_decl_file indexes them, on lines.ts's header).
 */
export * from './constants.js';
export { dwName, tagName, atName, formName, type ConstantFamily } from './names.js';
export {
  SECTION_NAMES, dieKey, splitDieKey, supDieKey,
  type DwarfSections, type DieKey, type InfoOffset, type TypesOffset, type AbbrevOffset, type StrOffset, type LineStrOffset, type UnitSection,
} from './sections.js';
export { readUnitHeader, type UnitHeader } from './unit.js';
export { Abbrev, AbbrevTable, parseAbbrevTable, type AttrSpec } from './abbrev.js';
export { readForm, skipForm, formSize, constantValue, type AttrValue, type FormContext } from './form.js';
export { Die, MAX_DIE_DEPTH } from './die.js';
export { DwarfInfo, Unit } from './info.js';
export { NameIndex, findByName, scanTopLevel, strOffsetsOf, INDEXED_TAGS, type NameHit } from './name-index.js';
export { dwarfSectionsFromElf, loadDwarfSections } from "./load.js";
export {
  readLineHeader, runLineProgram, lineRows, lineFilePath, stateAddress,
  type LineProgramHeader, type LineFileEntry, type LineState, type LineRow,
} from './lines.js';
export { LineTable, LineTableBuilder, type LineHit, type LineLookup } from './line-table.js';
export { readLineFiles, type LineFileTable } from './line.js';
