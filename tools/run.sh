#!/usr/bin/env bash
# The README's main command: installs what is needed, builds, and runs the default comparison
# of every I/O model (each demo server under the same load, traced), printing the tables and
# writing compare.json and compare.html. Needs root (tracing): run as a user, it asks sudo.
set -euo pipefail
source "$(dirname "$0")/become_root.sh"
cd "$(dirname "$0")/.."
bash tools/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j"$(nproc)"
exec build/bin/iophase compare --json compare.json --html compare.html "$@"
