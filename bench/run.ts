/**
 * `npm run bench`: runs every benchmark in bench/ (or those named on the
 * command line). Each one runs virtmem and the peer tool on the same input in
 * the same run and prints the ratio with the peer's version. Benchmarks whose
 * inputs are missing say so and are skipped.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Bench {
  name: string;
  run(): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(here).filter((f) => f.endsWith('.bench.js')).sort();
let ran = 0;
for (const f of files) {
  const name = f.replace(/\.bench\.js$/, '');
  if (only.length && !only.includes(name)) continue;
  const mod = (await import(join(here, f))) as { bench: Bench };
  console.log(`\n== ${mod.bench.name}`);
  try {
    await mod.bench.run();
    ran++;
  } catch (e) {
    console.log(`   FAILED: ${(e as Error).message}`);
    process.exitCode = 1;
  }
}
console.log(`\n${ran} benchmark(s) run`);
