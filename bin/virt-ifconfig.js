#!/usr/bin/env node
// virt-ifconfig: the same as `virtmem ifconfig` (the virt-mem suite's name).
import { main } from '../dist/src/cli/main.js';
main(process.argv.slice(2), 'ifconfig').then((code) => { process.exitCode = code; });
