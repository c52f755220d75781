/**
 * How every command that opens a dump finds the kernel's profile: --profile
 * FILE, else the local store's profile for the dump's build-id (or release,
 * when the dump states no build-id), else none (memory-only). --no-profile
 * skips the store.
 */
import { ProfileStore } from '../profile/index.js';
import { flag, str, type Options, type Parsed } from './args.js';
import type { OpenKernelOptions } from '../kernel/index.js';

export const PROFILE_OPTIONS: Options = {
  profile: { type: 'string' },
  'no-profile': { type: 'boolean' },
};

export const PROFILE_USAGE = '[--profile FILE | --no-profile]';

export function profileOptions(p: Parsed): Pick<OpenKernelOptions, 'profile' | 'findProfile'> {
  if (flag(p, 'no-profile')) return {};
  const given = str(p, 'profile');
  if (given) return { profile: given };
  return { findProfile: (id) => new ProfileStore().find(id)?.path };
}
