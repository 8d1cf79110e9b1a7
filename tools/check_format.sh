#!/usr/bin/env bash
# Fails if any C or C++ file does not follow the repository's .clang-format files.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files -co --exclude-standard -- '*.cpp' '*.h' '*.c' | grep -v '^build')
clang-format --dry-run --Werror "${files[@]}"
echo "format ok: ${#files[@]} files"
