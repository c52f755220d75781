/**
 * What the follower knows about kernel structures: the table of seed 000's
 * kernel_structs, in data. Per struct type, the list_head members that lead
 * on and what is at their other end; pointers need no entry (every pointer
 * member whose type is a pointer to a known struct type is followed), since
 * the C type says where a pointer goes but not what a list_head links.
 *
 * A list is `self` when its nodes are the same member of the same struct type
 * (task_struct.tasks), or names the struct and member its nodes sit in when
 * the head lives elsewhere (task_struct.children holds task_structs linked
 * through their `sibling`). `optional` marks members only some kernels have;
 * a missing member that is not optional is an error naming struct and kernel.
 *
 * Anchors are global list heads that are not inside any known struct (the
 * `modules` list head): the follower marks the struct base each implies so a
 * walk around such a list never loads the head as if it were an entry.
 */

/** The other end of a list_head member. */
export type ListTarget = 'self' | { of: string; via: string };

export interface ListField {
  list: ListTarget;
  /** Present only in some kernels (the reason, with the commit, in `note`). */
  optional?: boolean;
  note?: string;
}

export interface FollowSpec {
  /** Known struct types (names without `struct`), each with its list_head members. */
  structs: Record<string, Record<string, ListField>>;
  /** Global list heads: variable name -> the struct type and member its entries link through. */
  anchors: Record<string, { of: string; via: string }>;
}

/** The default table: processes and what hangs off them, namespaces, modules, network devices. */
export const KERNEL_FOLLOW: FollowSpec = {
  structs: {
    task_struct: {
      tasks: { list: 'self' },
      children: { list: { of: 'task_struct', via: 'sibling' } },
      sibling: { list: 'self' },
      thread_node: { list: 'self', optional: true, note: 'added in 3.14 (commit 0c740d0afc3b)' },
      thread_group: { list: 'self', optional: true, note: 'removed in 6.7 (commit 8e1f385104ac)' },
    },
    signal_struct: {
      thread_head: { list: { of: 'task_struct', via: 'thread_node' }, optional: true, note: 'added in 3.14 (commit 0c740d0afc3b)' },
    },
    mm_struct: {
      mmlist: { list: 'self' },
    },
    module: {
      list: { list: 'self' },
    },
    net: {
      list: { list: 'self' },
      dev_base_head: { list: { of: 'net_device', via: 'dev_list' } },
    },
    net_device: {
      dev_list: { list: 'self' },
    },
    // Reached through pointers only.
    vm_area_struct: {},
    cred: {},
    files_struct: {},
    fs_struct: {},
    sighand_struct: {},
    nsproxy: {},
    uts_namespace: {},
    pid_namespace: {},
    user_namespace: {},
    pid: {},
  },
  anchors: {
    modules: { of: 'module', via: 'list' },
    net_namespace_list: { of: 'net', via: 'list' },
  },
};
