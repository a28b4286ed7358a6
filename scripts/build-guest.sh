#!/usr/bin/env bash
# Builds the small Linux guest the VM runtime's tests and demo boot, from Debian packages
# only: the kernel from the versioned package `linux-image-amd64` depends on (downloaded
# with `apt-get download`, vmlinuz extracted with dpkg-deb), an initramfs of
# `busybox-static` (installed by scripts/setup.sh) plus scripts/guest/{init,hr-workload}.
#
#   scripts/build-guest.sh OUT_DIR     # prints OUT_DIR/vmlinux and OUT_DIR/initrd.cpio.gz
#
# vmlinux is the kernel uncompressed (the XZ payload of Debian's bzImage): QEMU boots it
# directly through its PVH entry point, which under TCG (no usable KVM) saves the ~20 s
# the emulated decompression takes. OUT_DIR/vmlinuz (the package's own file) is kept too.
#
# Cached: when OUT_DIR/stamp names the same guest files and busybox, it only prints the
# paths (milliseconds). The kernel .deb is kept in OUT_DIR/deb/ and reused.
# The guest's workload takes its parameters from the kernel command line (see
# scripts/guest/hr-workload): e.g. -append "hr.beats=100 hr.grow_kib=512 hr.dirty_kib=256".
set -euo pipefail
out=${1:?usage: scripts/build-guest.sh OUT_DIR}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out/deb"
out=$(cd "$out" && pwd)
# One build at a time per OUT_DIR: test suites running in parallel all ask for the guest.
exec 9>"$out/.lock"
flock 9

busybox=/bin/busybox
dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q "install ok installed" && [ -x "$busybox" ] \
  || { echo "build-guest: busybox-static is not installed; run scripts/setup.sh (or apt-get install busybox-static)" >&2; exit 1; }
command -v xz >/dev/null || { echo "build-guest: xz is missing; install xz-utils" >&2; exit 1; }
command -v cpio >/dev/null || { echo "build-guest: cpio is missing; install cpio (scripts/setup.sh)" >&2; exit 1; }

guest_hash=$(cat "$here/guest/init" "$here/guest/hr-workload" "$0" | sha256sum | cut -c1-16)
busybox_version=$(dpkg-query -W -f='${Version}' busybox-static 2>/dev/null || echo unknown)
stamp="busybox-static $busybox_version guest $guest_hash"

# Cached: the same guest files and busybox, and a kernel already extracted (the kernel is
# fetched once; delete OUT_DIR to take a newer one).
if [ -f "$out/stamp" ] && [ "$(cat "$out/stamp")" = "$stamp" ] && [ -s "$out/vmlinux" ] && [ -s "$out/initrd.cpio.gz" ]; then
  echo "$out/vmlinux"
  echo "$out/initrd.cpio.gz"
  exit 0
fi

# The kernel: the versioned package linux-image-amd64 depends on (linux-image-6.1.0-NN-amd64).
deb=$(ls "$out/deb/"linux-image-*.deb 2>/dev/null | head -1 || true)
if [ -z "$deb" ]; then
  kernel_package=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
  [ -n "$kernel_package" ] || { echo "build-guest: apt-cache knows no linux-image-amd64 dependency; run apt-get update" >&2; exit 1; }
  kernel_version=$(apt-cache policy "$kernel_package" | awk '/Candidate:/ {print $2}')
  echo "build-guest: downloading $kernel_package $kernel_version (Debian)" >&2
  (cd "$out/deb" && apt-get download -q "$kernel_package" >&2) \
    || { echo "build-guest: apt-get download $kernel_package failed (apt-get update may help)" >&2; exit 1; }
  deb=$(ls "$out/deb/${kernel_package}_"*.deb | head -1)
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work" --wildcards './boot/vmlinuz-*'
cp "$work"/boot/vmlinuz-* "$out/vmlinuz.tmp"
# The bzImage's payload: the first XZ stream (Debian compresses its kernels with XZ).
offset=$(LC_ALL=C grep -obUaP "\xfd\x37\x7a\x58\x5a\x00" "$out/vmlinuz.tmp" | head -1 | cut -d: -f1)
[ -n "$offset" ] || { echo "build-guest: no XZ payload in $deb's vmlinuz" >&2; exit 1; }
# xz stops at the end of the stream and complains about the bytes after it: that is expected.
tail -c +$((offset + 1)) "$out/vmlinuz.tmp" | xz -dc > "$out/vmlinux.tmp" 2>/dev/null || true
[ "$(head -c 4 "$out/vmlinux.tmp" | od -An -c | tr -d ' ')" = '177ELF' ] \
  || { echo "build-guest: the payload of $deb's vmlinuz is not an ELF kernel" >&2; exit 1; }

# The initramfs: busybox (one link per applet), /init, the workload.
root="$work/root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,ws,tmp}
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
done
install -m 0755 "$here/guest/init" "$root/init"
install -m 0755 "$here/guest/hr-workload" "$root/bin/hr-workload"
(cd "$root" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet -R 0:0) | gzip -6 > "$out/initrd.cpio.gz.tmp"

mv "$out/vmlinuz.tmp" "$out/vmlinuz"
mv "$out/vmlinux.tmp" "$out/vmlinux"
mv "$out/initrd.cpio.gz.tmp" "$out/initrd.cpio.gz"
echo "$stamp" > "$out/stamp"
echo "$out/vmlinux"
echo "$out/initrd.cpio.gz"
