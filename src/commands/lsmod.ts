/**
 * lsmod: the loaded modules, as /proc/modules lists them: name, size (all
 * its memory), users (reference count), holders (the modules using it;
 * "[permanent]" for one that can never be unloaded), state and core text
 * address, plus the modules it uses. Modules still unformed are left out,
 * as the kernel does. A module whose fields cannot be read keeps its row
 * with unreadable cells (program/module.ts).
 */
import {
  collect, forEachModule, moduleAddress, moduleHolders, modulePermanent, moduleRefcount, moduleSize, moduleStateName, moduleUses,
  type Obj, type Program,
} from '../program/index.js';
import { readCell, type GuestCommand, type RowSink } from './command.js';
import type { Column, Row } from './table.js';

const COLUMNS: Column[] = [
  { key: 'name', title: 'Module' },
  { key: 'size', title: 'Size', right: true },
  { key: 'users', title: 'Used', right: true },
  { key: 'holders', title: 'by' },
  { key: 'state', title: 'State' },
  { key: 'address', title: 'Address', hex: true },
  { key: 'uses', title: 'Uses' },
];

const names = (walk: () => Iterable<Obj>) => readCell(() => {
  const r = collect(walk());
  if (r.error) throw r.error;
  return r.items.map((m) => m.member('name').string());
});

function* rows(prog: Program, _opts: unknown, sink: RowSink): Iterable<Row> {
  const mods = collect(forEachModule(prog));
  for (const mod of mods.items) {
    const state = readCell(() => moduleStateName(mod));
    if (state === 'Unformed') continue;
    const holders = names(() => moduleHolders(mod));
    yield {
      name: readCell(() => mod.member('name').string()),
      size: readCell(() => moduleSize(mod)),
      users: readCell(() => moduleRefcount(mod)),
      holders: Array.isArray(holders) ? readCell(() => modulePermanent(mod) ? [...holders, '[permanent]'] : holders) : holders,
      state,
      address: readCell(() => moduleAddress(mod)),
      uses: names(() => moduleUses(mod)),
    };
  }
  if (mods.error) sink.problem(`module list: ${mods.error.message}`);
}

export const lsmod: GuestCommand = {
  name: 'lsmod',
  summary: 'loaded modules: name, size, users and holders, state, address',
  help: 'The modules of the guest kernel as /proc/modules shows them (most recently loaded first), with the modules each one uses.',
  columns: () => COLUMNS,
  rows,
};
