#!/usr/bin/env node
// dwarf2ctf OUTDIR ...: the same as `virtmem dwarf2ctf`. Run `npm run build` first.
// The scanning processes start first, and boot while the rest of the program loads (prestart.ts).
import { prestartScanners } from '../dist/src/dedup/prestart.js';
prestartScanners(process.argv.slice(2));
const { main } = await import('../dist/src/cli/main.js');
// Exit as soon as the run is over (its output is written and synced; stdout and stderr are
// synchronous on Linux): not waiting for the scanning processes to go, nor tearing down this one's
// event loop, saves 15-25 ms.
main(process.argv.slice(2), 'dwarf2ctf').then((code) => { process.exit(code); });
