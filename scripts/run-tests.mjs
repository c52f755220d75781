// Runs every compiled test file (dist/test/**/*.test.js) with node's test runner.
// Extra arguments are passed to `node --test` (e.g. --test-name-pattern=...),
// or name test files/folders to run only those.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';

function collect(dir, out) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) collect(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const args = process.argv.slice(2);
const opts = args.filter((a) => a.startsWith('--'));
const picks = args.filter((a) => !a.startsWith('--'));
const roots = picks.length
  ? picks.map((p) => resolve(p.replace(/^test\//, 'dist/test/').replace(/\.ts$/, '.js')))
  : [resolve('dist/test')];
const files = roots.flatMap((r) => (statSync(r).isDirectory() ? collect(r, []) : [r]));
if (files.length === 0) {
  console.error('run-tests: no test files found (did `npm run build` run?)');
  process.exit(1);
}
// Commands find kernel profiles in the user's store by build-id: tests get an empty
// store of their own so what a user stored never changes what a test sees.
const store = process.env.VIRTMEM_PROFILES ? undefined : mkdtempSync(join(tmpdir(), 'virtmem-test-profiles-'));
const env = store ? { ...process.env, VIRTMEM_PROFILES: store } : process.env;
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...opts, ...files], { stdio: 'inherit', env });
if (store) rmSync(store, { recursive: true, force: true });
process.exit(r.status ?? 1);
