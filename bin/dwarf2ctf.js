#!/usr/bin/env node
// dwarf2ctf OUTDIR ...: the same as `virtmem dwarf2ctf`. Run `npm run build` first.
import { main } from '../dist/src/cli/main.js';
main(process.argv.slice(2), 'dwarf2ctf').then((code) => { process.exitCode = code; });
