#!/usr/bin/env node
// virt-pstree: the same as `virtmem pstree` (the virt-mem suite's name).
import { main } from '../dist/src/cli/main.js';
main(process.argv.slice(2), 'pstree').then((code) => { process.exitCode = code; });
