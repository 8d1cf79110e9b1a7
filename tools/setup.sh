#!/usr/bin/env bash
# Installs every Debian package iophase needs to build, run and test. Idempotent.
set -euo pipefail
packages=(
    build-essential cmake pkg-config git
    clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev
    libcli11-dev nlohmann-json3-dev libfmt-dev liburing-dev libseccomp-dev
    libgtest-dev googletest
    strace linux-perf python3 python3-jsonschema
    chromium
    # tests/servers: real servers and their usual clients
    nginx lighttpd apache2 apache2-utils redis-server redis-tools memcached libmemcached-tools
    socat curl
    # tests/kernels: Debian 12's own kernels booted in qemu with an initramfs of the build
    qemu-system-x86 busybox-static cpio
)
# Packaged services the server tests must not find running (they would hold the default ports and
# show up under `--comm`); the tests start their own instances.
services=(nginx lighttpd apache2 redis-server memcached)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    if [[ $(id -u) -ne 0 ]]; then
        echo "setup: need root to install: ${missing[*]}" >&2
        exit 1
    fi
    echo "setup: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    # Debian starts a server's service on install; a policy-rc.d that answers 101 ("action
    # forbidden") stops that, on sysvinit and systemd alike. Ours only while we install.
    policy=/usr/sbin/policy-rc.d
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy"
        chmod 755 "$policy"
        trap 'rm -f "$policy"' EXIT
    fi
    apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# A service started by an earlier install (or a boot) is stopped, and kept from starting at boot.
if [[ $(id -u) -eq 0 ]]; then
    for s in "${services[@]}"; do
        if [[ -d /run/systemd/system ]]; then
            systemctl disable --now "$s" >/dev/null 2>&1 || true
        elif [[ -x /etc/init.d/$s ]] && /etc/init.d/"$s" status >/dev/null 2>&1; then
            /etc/init.d/"$s" stop >/dev/null 2>&1 || true
        fi
    done
fi
