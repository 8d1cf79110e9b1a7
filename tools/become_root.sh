#!/usr/bin/env bash
# Sourced first by the scripts that need root (apt-get, loading BPF programs): as root it does
# nothing; otherwise it runs the calling script again under sudo, with the same arguments and
# CI setting, so one command works on a machine where one is root (and may have no sudo) and
# on one where one uses sudo.
if [[ $(id -u) -ne 0 ]]; then
    if ! command -v sudo >/dev/null 2>&1; then
        echo "$(basename "$0"): needs root (to install packages and load BPF programs);" \
            "run it as root, e.g. su -c '$0'" >&2
        exit 1
    fi
    echo "$(basename "$0"): needs root (to install packages and load BPF programs): using sudo" >&2
    exec sudo env CI="${CI:-}" bash "$(realpath "$0")" "$@"
fi
