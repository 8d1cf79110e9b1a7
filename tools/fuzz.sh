#!/usr/bin/env bash
# Runs the report fuzzer (tests/fuzz) for SECONDS (default 60), starting from the seeds in
# tests/fuzz/corpus (the issue's reproducers). Builds it with clang and libFuzzer in build-fuzz.
# Fails if the fuzzer finds a crash, an exception or a sanitizer report.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
    -DCMAKE_CXX_COMPILER=clang++ -DIOPHASE_FUZZ=ON -DIOPHASE_WERROR=ON >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target report_fuzzer
found=$(mktemp -d)  # new inputs go here, the checked-in seeds stay as they are
trap 'rm -rf "$found"' EXIT
build-fuzz/bin/report_fuzzer -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix=build-fuzz/ "$found" tests/fuzz/corpus
