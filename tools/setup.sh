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
)
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
    apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
