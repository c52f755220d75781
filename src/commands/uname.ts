/**
 * uname: the guest's utsname (virt-uname). Fields of init_uts_ns.name, the
 * initial UTS namespace: what `uname -a` prints inside the guest unless a
 * process changed namespaces. `domainname` is the NIS domain name.
 */
import type { Program } from '../program/index.js';
import { readCell, type GuestCommand } from './command.js';
import type { Column, Row } from './table.js';

const FIELDS = ['sysname', 'nodename', 'release', 'version', 'machine', 'domainname'] as const;

const COLUMNS: Column[] = FIELDS.map((f) => ({ key: f, title: f }));

function* rows(prog: Program): Iterable<Row> {
  const name = prog.variable('init_uts_ns').member('name');
  const row: Row = {};
  for (const f of FIELDS) row[f] = readCell(() => name.member(f).string());
  yield row;
}

export const uname: GuestCommand = {
  name: 'uname',
  summary: 'the guest kernel\'s utsname: sysname, nodename, release, version, machine, domainname',
  aliases: ['virt-uname'],
  help: 'The fields of init_uts_ns.name (the initial UTS namespace), as `uname -a` shows them inside the guest.',
  columns: () => COLUMNS,
  rows,
  text(rs) {
    // `uname -a` order: sysname nodename release version machine; domainname is not part of -a.
    return rs.map((r) => FIELDS.slice(0, 5).map((f) => String(r[f])).join(' ') + '\n').join('');
  },
};
