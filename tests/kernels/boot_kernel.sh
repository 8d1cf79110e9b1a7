#!/usr/bin/env bash
# Boots one of Debian 12's own kernels in qemu with an initramfs of this build's binaries and
# checks what iophase measured there (tests/kernels/guest_init.sh runs inside,
# check_guest.py reads the console).
#   boot_kernel.sh SERIES BUILD_DIR      SERIES: 6.1 (Debian 12's stock kernel) or 6.12
# The kernel comes from Debian's package (apt-get download, unpacked, never installed), cached
# in BUILD_DIR/kernels. Exit 77 (a skip) only outside CI when qemu or the package is missing.
set -euo pipefail
series=$1
build=$(realpath "$2")
here=$(dirname "$(realpath "$0")")
work=$build/kernels
mkdir -p "$work"

skip_or_fail() {
    if [[ ${CI:-} == true ]]; then
        echo "FAIL: $1" >&2
        exit 1
    fi
    echo "SKIP: $1 (runs in CI)" >&2
    exit 77
}
command -v qemu-system-x86_64 >/dev/null || skip_or_fail "qemu-system-x86_64 missing (tools/setup.sh)"
# grep reads the whole list: with -q it could stop early and busybox's SIGPIPE fail the pipe.
[[ -x /bin/busybox ]] && /bin/busybox --list | grep -x base64 >/dev/null ||
    skip_or_fail "no static /bin/busybox (busybox-static, tools/setup.sh)"

# Debian's meta-package names the kernel of the day: linux-image-amd64 is 6.1 on Debian 12.
case $series in
6.1) meta=linux-image-amd64 ;;
6.12) meta=linux-image-6.12-amd64 ;;
*) echo "unknown kernel series $series" >&2 && exit 2 ;;
esac
package=$(apt-cache depends "$meta" 2>/dev/null | awk '/Depends: linux-image-/{print $2; exit}')
[[ -n $package ]] || skip_or_fail "apt knows no $meta (apt-get update?)"
kernel=$work/vmlinuz-$package
if [[ ! -s $kernel ]]; then
    # Stale package lists name a version the mirror no longer has: refresh them once.
    (cd "$work" && rm -f "$package"_*.deb && apt-get download "$package" >/dev/null 2>&1) ||
        (apt-get update -q >/dev/null 2>&1 && cd "$work" && apt-get download "$package" >/dev/null 2>&1) ||
        skip_or_fail "cannot download $package"
    dpkg-deb --fsys-tarfile "$work/$package"_*.deb | tar -xO --wildcards './boot/vmlinuz-*' >"$kernel.part"
    mv "$kernel.part" "$kernel"
    rm -f "$work/$package"_*.deb
fi

# The initramfs: busybox, the binaries, and every library they load, at their own paths.
root=$work/root-$series
rm -rf "$root"
# The binaries keep their build paths: bpf_tests finds iophase and its workloads there.
mkdir -p "$root"/{bin,proc,sys,dev,tmp} "$root$build/bin"
cp /bin/busybox "$root/bin/"
binaries=(iophase iophase-demo-epoll-lt iophase-demo-io_uring iophase-demo-blocking
    iophase-demo-signal-driven bpf_tests bpf_workload)
for b in "${binaries[@]}"; do
    cp "$build/bin/$b" "$root$build/bin/"
    for lib in $(ldd "$build/bin/$b" | grep -o '/[^ ]*'); do
        mkdir -p "$root$(dirname "$lib")"
        cp -L "$lib" "$root$lib"
    done
done
install -m 755 "$here/guest_init.sh" "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initrd-$series.gz"

# Single-threaded TCG: under multi-threaded TCG, 6.12 guests died with an int3 Oops while the
# kernel patched its own text (static keys flipped as programs attach) — the emulator's
# cross-modifying-code handling, not the kernel or iophase (docs/kernels.md). KVM when usable;
# IOPHASE_QEMU_ACCEL (e.g. "tcg" for multi-threaded TCG) overrides, to measure that.
accel=(-accel tcg,thread=single)
if [[ -n ${IOPHASE_QEMU_ACCEL:-} ]]; then
    accel=(-accel "$IOPHASE_QEMU_ACCEL")
elif [[ -w /dev/kvm ]] && grep -qE 'vmx|svm' /proc/cpuinfo; then
    accel=(-accel kvm)
fi
console=$work/console-$series.log
echo "booting $package (${accel[*]}); console: $console"
start=$SECONDS
timeout 780 qemu-system-x86_64 "${accel[@]}" -cpu max -smp 2 -m 2048 -nographic -no-reboot \
    -kernel "$kernel" -initrd "$work/initrd-$series.gz" \
    -append "console=ttyS0 panic=-1 quiet iophase_bin=$build/bin" </dev/null >"$console" 2>&1 ||
    echo "qemu ended with status $? after $((SECONDS - start)) s"
echo "guest ran $((SECONDS - start)) s"
python3 "$here/check_guest.py" "$console" "$series"
