/** Inputs shared by the ELF tests: C sources, and objects assembled on demand. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { must } from './readelf.js';

/**
 * An object with 65,308 sections, assembled by `as` into `dir`: e_shnum 0,
 * e_shstrndx SHN_XINDEX and an SHT_SYMTAB_SHNDX table (section i defines sym<i>,
 * one byte of value i % 256). Returns its path.
 */
export function manySectionsObject(dir: string): string {
  const lines = ['.text'];
  for (let i = 0; i < 65300; i++) lines.push(`.section .s${i},"a"\n.globl sym${i}\nsym${i}: .byte ${i % 256}`);
  const s = path.join(dir, 'many.s');
  fs.writeFileSync(s, lines.join('\n') + '\n');
  const o = path.join(dir, 'many.o');
  must('as', [s, '-o', o]);
  return o;
}

/** C with the things symbol tables and debug sections carry: globals, statics, weak, hidden, strings, structs. */
export const SAMPLE_C = `
struct point { int x, y; long tag; const char *label; };
struct point origin = { 0, 0, 7, "origin" };
static int hidden_count;
int counter = 3;
__attribute__((weak)) int weak_value = 5;
__attribute__((visibility("hidden"))) int hidden_global = 9;
char buffer[64];
static int helper(struct point *p) { return p->x + p->y + hidden_count++; }
int add(int a, int b) { struct point p = { a, b, 1, "p" }; return helper(&p) + counter + weak_value + hidden_global; }
int main(void) { buffer[0] = (char)add(1, 2); return buffer[0] == 4 ? 0 : 1; }
`;
