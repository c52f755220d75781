/**
 * commands/: the guest tools, one file per command, each a GuestCommand built
 * only on program/ helpers. REGISTRY lists them for the CLI (cli/guest.ts).
 */
export { PARTIAL_EXIT, readCell, rowIsPartial, type CommandOptions, type GuestCommand, type RowSink } from './command.js';
export { Unreadable, type Cell, type Column, type Row } from './table.js';
export { uname } from './uname.js';
export { ps } from './ps.js';
export { MissingLayoutError, requireLayouts } from './need.js';
export { pstree } from './pstree.js';
