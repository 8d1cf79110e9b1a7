#!/usr/bin/env bash
# The README's test command: installs what is needed, checks formatting, builds, and runs every
# test — first the normal build (labels unit, demo, bpf, compare, servers), then an
# AddressSanitizer + UndefinedBehaviorSanitizer build (unit, demo, bpf; the servers tests trace
# Debian's servers, not iophase's own code paths beyond bpf's). Needs root for the bpf, compare
# and servers tests; with CI=true they must run and pass, never skip.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

bash tools/setup.sh

echo "== format check (clang-format, .clang-format)"
bash tools/check_format.sh

echo "== build"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j"$jobs"

echo "== tests"
ctest --test-dir build --output-on-failure

echo "== sanitizer build (ASan + UBSan)"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DIOPHASE_SANITIZE=ON
cmake --build build-asan -j"$jobs"
ctest --test-dir build-asan --output-on-failure -L 'unit|demo|bpf'
