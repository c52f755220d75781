#!/usr/bin/env bash
# Fetches Debian's real kernels and their debug symbols into the cache, unpacked
# with dpkg -x (never installed into the machine's /boot). Idempotent: a kernel
# whose directory holds a .complete stamp for the same package version is reused.
#
# Layout: ${VIRTMEM_CACHE:-~/.cache/virtmem}/kernels/<abi>/
#   root/                      dpkg -x of linux-image-<abi> and linux-image-<abi>-dbg
#   root/boot/vmlinuz-<abi>    the bootable kernel (root/boot/System.map-<abi> is a
#                              one-line placeholder: the real one comes with -dbg)
#   root/usr/lib/debug/boot/vmlinux-<abi>            vmlinux with DWARF
#   root/usr/lib/debug/boot/System.map-<abi>         the real System.map
#   root/usr/lib/debug/lib/modules/<abi>/kernel/...  module debug files (.ko)
#   root/lib/modules/<abi>/kernel/...                loadable modules (.ko or .ko.xz)
#   version                    the Debian package version
#   .complete                  stamp written last
# Prints one line per kernel: "<abi> <dir>".
#
# Which kernels: the current 6.1 cloud kernel (meta package linux-image-cloud-amd64)
# and the current 6.12 one (linux-image-6.12-cloud-amd64, bookworm's security suite).
# VIRTMEM_KERNELS="abi1 abi2" overrides.
set -euo pipefail

CACHE="${VIRTMEM_CACHE:-$HOME/.cache/virtmem}"
mkdir -p "$CACHE/kernels"

resolve_meta() {
  apt-cache depends "$1" 2>/dev/null | sed -n 's/^ *Depends: linux-image-\(.*\)$/\1/p' | head -1
}

if [ -n "${VIRTMEM_KERNELS:-}" ]; then
  read -r -a ABIS <<<"$VIRTMEM_KERNELS"
else
  ABIS=()
  for meta in linux-image-cloud-amd64 linux-image-6.12-cloud-amd64; do
    abi=$(resolve_meta "$meta")
    if [ -z "$abi" ]; then
      echo "kernels: cannot resolve $meta (apt-get update needed?)" >&2
      continue
    fi
    ABIS+=("$abi")
  done
fi

for abi in "${ABIS[@]}"; do
  dir="$CACHE/kernels/$abi"
  pkg="linux-image-$abi"
  ver=$(apt-cache policy "$pkg" 2>/dev/null | sed -n 's/^ *Candidate: //p')
  if [ -f "$dir/.complete" ] && { [ -z "$ver" ] || [ "$(cat "$dir/version" 2>/dev/null)" = "$ver" ]; }; then
    echo "$abi $dir"
    continue
  fi
  if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
    echo "kernels: no package $pkg available" >&2
    exit 1
  fi
  echo "kernels: fetching $pkg $ver and its -dbg package" >&2
  rm -rf "$dir.tmp"
  mkdir -p "$dir.tmp/debs" "$dir.tmp/root"
  (cd "$dir.tmp/debs" && apt-get download -q "$pkg=$ver" "$pkg-dbg=$ver" >&2)
  for deb in "$dir.tmp"/debs/*.deb; do
    dpkg -x "$deb" "$dir.tmp/root"
  done
  rm -rf "$dir.tmp/debs"
  echo "$ver" >"$dir.tmp/version"
  touch "$dir.tmp/.complete"
  rm -rf "$dir"
  mv "$dir.tmp" "$dir"
  echo "$abi $dir"
done
