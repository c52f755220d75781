/**
 * `virtmem addr2line PROFILE|VMLINUX ADDR...`: function+offset and file:line
 * for link-time addresses, from a profile (its .symtab and line table) or
 * from a vmlinux (its .symtab and DWARF line programs). Addresses come from
 * the arguments, or one per line on stdin when there are none.
 *   default   a table: address, function+offset/size, file:line
 *   --json    the same as JSON
 *   --gnu     binutils' `addr2line -f` spelling: the function's name (?? when
 *             none) on one line, file:line (??:? when none) on the next
 */
import * as fs from 'node:fs';
import { UsageError } from '../bytes/index.js';
import { formatLine, formatSymbol, openSymbolizer } from '../profile/index.js';
import { flag, parse, parseAddress } from './args.js';
import type { Subcommand } from './main.js';
import { render, type Row } from './render.js';

const USAGE = 'virtmem addr2line PROFILE|VMLINUX [ADDR...] [--json | --csv | --gnu]   (addresses on stdin when none are given)';

export const command: Subcommand = {
  name: 'addr2line',
  summary: 'link-time address -> function+offset and file:line, from a profile or a vmlinux',
  async run(argv) {
    const p = parse(argv, { json: { type: 'boolean' }, csv: { type: 'boolean' }, gnu: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, USAGE);
    if (flag(p, 'help')) { process.stdout.write(USAGE + '\n'); return 0; }
    const [file, ...rest] = p.positionals;
    if (!file) throw new UsageError(`usage: ${USAGE}`);
    const words = rest.length ? rest : fs.readFileSync(0, 'utf8').split(/\s+/).filter(Boolean);
    const addrs = words.map((w) => parseAddress(w));
    const s = openSymbolizer(file);
    try {
      const hits = addrs.map((a) => s.symbolize(a));
      if (flag(p, 'gnu')) {
        process.stdout.write(hits.map((h) => `${h.symbol?.name ?? '??'}\n${formatLine(h.line)}\n`).join(''));
        return 0;
      }
      const rows: Row[] = hits.map((h) => ({
        address: h.address, function: formatSymbol(h.symbol), name: h.symbol?.name, offset: h.symbol?.offset, size: h.symbol?.size,
        location: h.line ? formatLine(h.line) : undefined, file: h.line?.file, line: h.line?.line, discriminator: h.line?.discriminator || undefined,
      }));
      const columns = [{ key: 'address', title: 'ADDRESS', hex: true }, { key: 'function', title: 'FUNCTION' }, { key: 'location', title: 'LOCATION' }];
      process.stdout.write(render(flag(p, 'json') ? 'json' : flag(p, 'csv') ? 'csv' : 'table', columns, rows));
      return 0;
    } finally {
      s.close();
    }
  },
};
