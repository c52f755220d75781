/**
 * `virtmem sym DUMP ADDR... [--profile FILE | --no-profile] [--json]`: a
 * run-time kernel address in a dump -> function+offset (the kernel's symbols:
 * the profile's .symtab shifted by the KASLR offset, else kallsyms from
 * memory) and file:line (the profile's line table, at the link-time address).
 * The profile is found in the store by the dump's build-id unless given.
 */
import { UsageError } from '../bytes/index.js';
import { START_KERNEL_MAP } from '../arch/index.js';
import { openKernel } from '../kernel/index.js';
import { Profile, formatLine, formatSymbol } from '../profile/index.js';
import { flag, parse, parseAddress } from './args.js';
import type { Subcommand } from './main.js';
import { PROFILE_OPTIONS, PROFILE_USAGE, profileOptions } from './profile-find.js';
import { render, type Row } from './render.js';

const USAGE = `virtmem sym DUMP ADDR... ${PROFILE_USAGE} [--json]`;

export const command: Subcommand = {
  name: 'sym',
  summary: 'run-time address in a dump -> function+offset and file:line',
  async run(argv) {
    const p = parse(argv, { ...PROFILE_OPTIONS, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, USAGE);
    if (flag(p, 'help')) { process.stdout.write(USAGE + '\n'); return 0; }
    const [dump, ...words] = p.positionals;
    if (!dump || !words.length) throw new UsageError(`usage: ${USAGE}`);
    const addrs = words.map((w) => parseAddress(w));
    const k = openKernel(dump, profileOptions(p));
    for (const w of k.warnings) process.stderr.write(`virtmem: warning: ${w}\n`);
    const prof = k.profile ? Profile.open(k.profile) : undefined;
    try {
      const lines = prof?.has('.virtmem.lines') ? prof.lines() : undefined;
      const rows: Row[] = addrs.map((a) => {
        const s = k.symbols.symbolize(a);
        const link = a >= START_KERNEL_MAP ? a - k.kaslrOffset : a;
        const l = lines?.lookup(link);
        return { address: a, function: formatSymbol(s), name: s?.name, offset: s?.offset, location: l ? formatLine(l) : undefined, file: l?.file, line: l?.line, symbols: k.symbols.source };
      });
      const cols = [{ key: 'address', title: 'ADDRESS', hex: true }, { key: 'function', title: 'FUNCTION' }, { key: 'location', title: 'LOCATION' }];
      process.stdout.write(render(flag(p, 'json') ? 'json' : 'table', cols, rows));
      return 0;
    } finally {
      prof?.close();
    }
  },
};
