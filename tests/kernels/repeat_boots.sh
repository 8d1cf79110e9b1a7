#!/usr/bin/env bash
# Boots one kernel N times under each qemu accelerator given and counts the boots whose guest
# hung, oopsed or failed its checks: the measurement behind docs/kernels.md's soft-lockup note.
#   repeat_boots.sh SERIES N BUILD_DIR [ACCEL ...]   (default: tcg,thread=single tcg)
set -uo pipefail
series=$1 count=$2 build=$3
shift 3
accels=("$@")
((${#accels[@]})) || accels=(tcg,thread=single tcg)
here=$(dirname "$(realpath "$0")")
for accel in "${accels[@]}"; do
    ok=0 bad=0
    for i in $(seq 1 "$count"); do
        if IOPHASE_QEMU_ACCEL=$accel bash "$here/boot_kernel.sh" "$series" "$build" >/tmp/boot.$$.log 2>&1; then
            ok=$((ok + 1))
        else
            bad=$((bad + 1))
            kept=$build/kernels/failed-$series-${accel//[^a-z0-9]/_}-$i.log
            cp "$build/kernels/console-$series.log" "$kept"
            echo "  $accel boot $i failed: $(grep -aoE 'soft lockup[^!]*!|rcu_preempt self-detected stall|Oops: [^[]*|int3|the guest [a-z ]*' "$kept" | sort -u | tr '\n' ';') ($kept)"
        fi
    done
    echo "$series $accel: $ok of $count boots passed, $bad failed"
done
rm -f /tmp/boot.$$.log
