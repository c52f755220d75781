#!/usr/bin/env node
// virt-ps: the same as `virtmem ps` (the virt-mem suite's name).
import { main } from '../dist/src/cli/main.js';
main(process.argv.slice(2), 'ps').then((code) => { process.exitCode = code; });
