/**
 * commands/: the guest tools, one file per command, each a GuestCommand built
 * only on program/ helpers. REGISTRY lists them for the CLI (cli/guest.ts).
 */
export { PARTIAL_EXIT, readCell, rowIsPartial, type CommandOptions, type GuestCommand, type RowSink } from './command.js';
export { Unreadable, type Cell, type Column, type Row } from './table.js';
export { uname } from './uname.js';
export { dmesg } from './dmesg.js';
export { ifconfig } from './ifconfig.js';
export { lsmod } from './lsmod.js';
export { ps } from './ps.js';
export { HOW_TO_GIVE_TYPES, MissingLayoutError, requireLayouts } from './need.js';
export { pstree } from './pstree.js';
