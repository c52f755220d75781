#!/usr/bin/env bash
# Installs the Debian packages that virtmem's tests, fixtures and benchmarks use.
# Idempotent and quick when everything is present (one dpkg-query). Needs root
# (or sudo) only when something is missing. Set VIRTMEM_NO_APT=1 to skip.
set -euo pipefail

# Tools the tests use as judges and inputs:
#  gcc/binutils        compile test objects; readelf/objdump/objcopy/ld as peers
#  gcc-*-linux-gnu     cross compilers: ELF32 (i686) and big-endian (s390x, ppc64) objects,
#                      aarch64 relocations. (gcc-multilib conflicts with Debian's cross
#                      compilers, so 32-bit x86 comes from the i686 cross compiler.)
#  binutils-multiarch  readelf/objdump for every architecture
#  dwarves llvm        pahole and llvm-dwarfdump, judges of type layouts
#  qemu-system-x86 busybox-static cpio kmod xz-utils zstd  real-guest fixtures
#  makedumpfile        reassembles QEMU's flattened kdump output
#  bpftool crash python3-drgn  peers for BTF, ps and friends
PKGS=(
  gcc binutils binutils-multiarch make
  gcc-i686-linux-gnu gcc-s390x-linux-gnu gcc-powerpc64-linux-gnu gcc-aarch64-linux-gnu
  dwarves llvm
  qemu-system-x86 busybox-static cpio kmod xz-utils zstd
  makedumpfile bpftool crash python3-drgn time
  # memory/: the real LZO and Snappy compressors, which the kdump page decoders are tested against
  liblzo2-2 libsnappy1v5
  dwz   # test/types/dwz.test.ts: dwz -m output (partial units, .gnu_debugaltlink, DW_FORM_GNU_ref_alt/strp_alt)
  # test/profile: Debian's real debuginfod server, started on loopback, judges the debuginfod client;
  # libarchive-tools gives it bsdtar, which its -U mode runs to read .deb archives
  debuginfod libarchive-tools
)

[ "${VIRTMEM_NO_APT:-}" = 1 ] && exit 0

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing ${missing[*]}" >&2
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists when they are missing or older than a day.
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null | head -1)" ]; then
  $SUDO apt-get update -q >&2
fi
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
