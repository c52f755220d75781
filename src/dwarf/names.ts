/**
 * Name lookup for DWARF constants, for messages and dumps:
 * `dwName('DW_TAG', 0x13)` is "DW_TAG_structure_type". Built once from
 * constants.ts, so every value is written in one place only.
 */
import * as C from './constants.js';

export type ConstantFamily = 'DW_TAG' | 'DW_AT' | 'DW_FORM' | 'DW_ATE' | 'DW_UT' | 'DW_OP' | 'DW_CHILDREN' | 'DW_LNS' | 'DW_LNE' | 'DW_LNCT';

const tables = new Map<string, Map<number, string>>();
for (const [name, value] of Object.entries(C)) {
  const family = name.slice(0, name.indexOf('_', 3));
  let t = tables.get(family);
  if (!t) tables.set(family, (t = new Map()));
  if (!t.has(value)) t.set(value, name);
}

/** "DW_TAG_member" for ('DW_TAG', 0x0d); an unknown value prints as "DW_TAG_<0x1234>". */
export function dwName(family: ConstantFamily, value: number): string {
  return tables.get(family)?.get(value) ?? `${family}_<0x${value.toString(16)}>`;
}

export const tagName = (v: number): string => dwName('DW_TAG', v);
export const atName = (v: number): string => dwName('DW_AT', v);
export const formName = (v: number): string => dwName('DW_FORM', v);
