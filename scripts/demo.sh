#!/usr/bin/env bash
# The main job: build (or reuse) a real-guest fixture, then run virtmem on its dump,
# next to what the guest itself said (its truth.json).
#
#   npm run demo                      Debian 6.1 cloud kernel, KASLR on
#   VIRTMEM_DEMO_KERNEL=6.12 npm run demo
#
# To show a new command, add a `step` line below: a step whose command virtmem
# does not have yet is listed as "not yet"; a step that fails is reported and
# makes the demo exit 1 at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run build --silent

kernel=${VIRTMEM_DEMO_KERNEL:-6.1.0}
echo "demo: building or reusing the real-guest fixture for kernel $kernel (KASLR on)" >&2
line=$(node dist/scripts/fixtures.js --only "$kernel" --kaslr | tail -1)
DIR=$(awk '{print $3}' <<<"$line")
[ -f "$DIR/truth.json" ] || { echo "demo: no fixture (builder said: $line)" >&2; exit 1; }
ELF=$DIR/elf.core              # QMP dump-guest-memory, paging=false (as virsh dump --memory-only)
ELF_PAGING=$DIR/elf-paging.core
KDUMP=$DIR/kdump               # kdump-compressed (makedumpfile -R of QEMU's flattened output)
export ELF ELF_PAGING KDUMP

echo
echo "=== the guest's own ground truth ($DIR/truth.json)"
node -e '
const t = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
console.log(`${t.uname.sysname} ${t.uname.nodename} ${t.uname.release} ${t.uname.version} ${t.uname.machine}`);
console.log(`KASLR offset ${t.kaslrOffset.vmcoreinfo}; marker in the log: ${t.marker}`);
console.log("  PID  PPID ST THR  UID   NAME");
for (const p of t.tasks.filter((p) => p.pid !== 2 && p.ppid !== 2))
  console.log(`${String(p.pid).padStart(5)} ${String(p.ppid).padStart(5)} ${p.state[0]}  ${String(p.threads).padStart(3)}  ${String(p.uid[0]).padStart(4)}   ${p.name}`);
console.log("interfaces: " + t.interfaces.map((i) => `${i.name} ${i.mac} ${[...i.ipv4, ...i.ipv6].map((a) => a.address + "/" + a.prefix).join(" ")}`).join("; "));
console.log("modules: " + t.modules.map((m) => m.name).join(" "));
' "$DIR/truth.json"

failed=0
has() { node bin/virtmem.js --help | grep -qE "^  $1( |$)"; }
step() { # step COMMAND ARGS...: runs `virtmem COMMAND ARGS...` when virtmem has COMMAND
  echo
  if ! has "$1"; then
    echo "=== virtmem $1: not yet"
    return
  fi
  echo "=== virtmem $*"
  node bin/virtmem.js "$@" || { echo "demo: 'virtmem $*' failed" >&2; failed=1; }
}

echo
echo "=== virtmem --help"
node bin/virtmem.js --help
step elf "$ELF"
step mem info "$ELF"
step info "$ELF"
step uname "$ELF"
step ps "$ELF"
step pstree "$ELF"
step ifconfig "$ELF"
step lsmod "$ELF"
step dmesg "$ELF"
exit $failed
