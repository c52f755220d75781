#!/usr/bin/env node
// virt-uname: the same as `virtmem uname` (the virt-mem suite's name).
import { main } from '../dist/src/cli/main.js';
main(process.argv.slice(2), 'uname').then((code) => { process.exitCode = code; });
