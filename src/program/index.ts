/**
 * program/: the typed object model over a kernel (as drgn's Program and
 * Object), the expression language of `virtmem print`, the C-like printer,
 * kernel helpers named by kernel concept, and the follower of seed 000.
 *
 * Contract for commands (ps, pstree, uname, dmesg, ifconfig, lsmod, ...):
 *   - Program (program.ts): `variable(name)`, `type('struct task_struct *')`,
 *     `object(type, addr)`, `hasMember(struct, member)` for feature tests,
 *     `symbolize(addr)`, `release`. Built with `Program.fromParts({map,
 *     symbols, types})` (the kernel layer's openKernel gives all three).
 *   - Obj (object.ts): lazy references and values; `member('a.b[2]')`,
 *     `index(i)`, `deref()`, `addressOf()`, `containerOf(type, member)`,
 *     `cast(type)`, `int()`, `toNumber()`, `bool`/`truth()`, `pointerValue()`,
 *     `string()`. Reading `task.member('comm').string()` reads 16 bytes.
 *   - Helpers, one module per kernel subsystem (names kept from the kernel and
 *     drgn): list.ts (list_for_each_entry, hlist), rbtree.ts, xarray.ts,
 *     sched.ts (tasks, task state), module.ts (modules, lsmod's fields), printk.ts
 *     (the kernel log, both layouts), net.ts (namespaces, devices, addresses),
 *     mm.ts (user memory, argv, RSS), cred.ts (uids, gids), proc.ts (ppid,
 *     threads, start time as /proc). Every walk is bounded (a node limit and a
 *     visited set) and throws a WalkError after yielding the good part, so a
 *     corrupt list never hangs a command.
 *   - A command never reads bytes itself: it asks these helpers.
 */
export { LookupError, ObjectError, WalkError, type WalkProblem } from './errors.js';
export { Program, DEFAULT_LIMITS, type ProgramParts } from './program.js';
export { Obj, isCharType, parseMemberPath } from './object.js';
export { BUILTIN, builtinType, resolveTypeName } from './ctype.js';
export {
  BUILTINS, ExprSyntaxError, MAX_EXPR_DEPTH, MAX_EXPR_LENGTH, parseExpression, parseTypeName,
  type BinaryOp, type CallArg, type Expr, type ParseOptions, type TypeName, type UnaryOp,
} from './parser.js';
export { Evaluator, evaluate } from './eval.js';
export { cString, formatObject, formatValue, toPlain, typeName, type FormatOptions } from './format.js';
export { WalkGuard, collect, type Collected, type WalkOptions } from './walk.js';
export {
  hlistForEach, hlistForEachEntry, listCount, listEmpty, listFirstEntry, listForEach, listForEachEntry, listIsSingular,
  type ListWalkOptions,
} from './list.js';
export { rbFirst, rbLast, rbNext, rbParent, rbPrev, rbtreeInorderForEach, rbtreeInorderForEachEntry, type RbWalkOptions } from './rbtree.js';
export { xaForEach, xaLoad, type XaEntry } from './xarray.js';
export { forEachTask, forEachThread, taskState, taskStateWord } from './sched.js';
export {
  forEachModule, moduleAddress, moduleHolders, modulePermanent, moduleRefcount, moduleSize, moduleStateName, moduleUses, MODULE_REF_BASE,
} from './module.js';
export {
  DESC_STATES, formatTimestamp, isUnreadable, LOG_CONT, LOG_FACILITIES, LOG_LEVELS, LOG_NEWLINE, logBufRecords, prbRecords, printkRecords,
  type PrintkEntry, type PrintkRecord, type UnreadableRecord,
} from './printk.js';
export {
  forEachNet, forEachNetdev, formatIpv6, IF_OPER, IFF, iffNames, inet6Addresses, inetAddresses, netdevGetFlags, netdevHwAddr, netdevOperState,
  netInum, type Inet6Address, type InetAddress,
} from './net.js';
export { KERNEL_FOLLOW, type FollowSpec, type ListField, type ListTarget } from './follow-spec.js';
export {
  FollowError, Follower, follow, sharedParserCount,
  type AddrEntry, type CompiledField, type FollowOptions, type FollowResult, type StructParser,
} from './follow.js';
export { MAX_CMDLINE, MM_ANONPAGES, MM_FILEPAGES, MM_SHMEMPAGES, MM_SWAPENTS, PAGE_SIZE, PF_KTHREAD, accessRemoteVm, getMmCounter, getMmRss, isKthread, taskCmdline, userMemory } from './mm.js';
export { taskIds, type TaskIds } from './cred.js';
export { taskPpid, taskStartNs, taskThreadCount } from './proc.js';
