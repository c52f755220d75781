#!/usr/bin/env node
// virt-dmesg: the same as `virtmem dmesg` (the virt-mem suite's name).
import { main } from '../dist/src/cli/main.js';
main(process.argv.slice(2), 'dmesg').then((code) => { process.exitCode = code; });
