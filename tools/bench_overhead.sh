#!/usr/bin/env bash
# Tracing overhead benchmark (issue 2): the throughput of the epoll demo server under the load
# generator, traced by iophase, by `strace -f -c` and by `perf trace -s`, each divided by the
# untraced throughput measured in the same run. Also prints iophase's attach time and peak RSS.
#
#   sudo tools/bench_overhead.sh [BUILD_DIR] [SECONDS] [CONNECTIONS]
#
# Server on CPU 0, load generator on CPU 1. The machines are small and noisy: compare the
# ratios within one run, not absolute rates across runs. Untraced runs before and after
# show the drift.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
seconds=${2:-5}
connections=${3:-50}
bin="$build/bin"
iophase="$bin/iophase"
demo="$bin/iophase-demo-epoll-lt"
[[ -x $iophase && -x $demo ]] || { echo "bench: build first (missing $iophase or $demo)" >&2; exit 2; }
[[ $(id -u) -eq 0 ]] || { echo "bench: run as root (tracing)" >&2; exit 2; }
# perf trace reads syscall tracepoints through tracefs, which is not mounted at boot here.
mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing

# Server and load at a real-time priority (PRIORITY=normal to turn off), so that other work
# on the machine does not decide the numbers; the tracers run at normal priority.
rt="chrt -f 10"
[[ ${PRIORITY:-rt} == normal ]] && rt=""

work=$(mktemp -d)
server_pid=""
tracer_pid=""
cleanup() {
    [[ -n $tracer_pid ]] && kill "$tracer_pid" 2>/dev/null || true
    [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

start_server() {
    $rt taskset -c 0 "$demo" > "$work/server.out" &
    server_pid=$!
    for _ in $(seq 50); do
        port=$(grep -o 'port=[0-9]*' "$work/server.out" 2>/dev/null | cut -d= -f2 || true)
        [[ -n $port ]] && return
        sleep 0.1
    done
    echo "bench: the demo server did not start" >&2
    exit 1
}

stop_server() {
    kill "$server_pid"
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
}

# run_load NAME: drives the server and prints msgs/s.
run_load() {
    $rt taskset -c 1 "$iophase" load "127.0.0.1:$port" -c "$connections" -s 64 -d "$seconds" \
        --no-progress --json "$work/$1.json" > /dev/null
    python3 -c "import json,sys; print(round(json.load(open(sys.argv[1]))['msgs_per_s']))" \
        "$work/$1.json"
}

# measure NAME TRACER_COMMAND...: starts the tracer on the server, waits until it is
# attached, runs the load, stops the tracer. Prints msgs/s.
measure() {
    local name=$1
    shift
    "$@" > "$work/$name.tracer.out" 2> "$work/$name.tracer.err" &
    tracer_pid=$!
    case $name in
        iophase) for _ in $(seq 100); do
                     grep -q attached "$work/$name.tracer.err" 2>/dev/null && break
                     sleep 0.05
                 done ;;
        *) sleep 2 ;;  # strace and perf say nothing when attached
    esac
    local rate
    rate=$(run_load "$name")
    if [[ $name == iophase ]]; then
        awk '/VmHWM/ {hwm = $2} /VmRSS/ {rss = $2} END {print hwm, rss}' \
            "/proc/$tracer_pid/status" > "$work/iophase.rss_kb"
    fi
    kill -INT "$tracer_pid"
    wait "$tracer_pid" 2>/dev/null || true
    tracer_pid=""
    echo "$rate"
}

start_server
untraced1=$(run_load untraced1)
iophase_rate=$(measure iophase "$iophase" trace -p "$server_pid" --json "$work/report.json")
strace_rate=$(measure strace strace -f -c -p "$server_pid")
perf_rate=$(measure perf perf trace -s -p "$server_pid")
untraced2=$(run_load untraced2)
stop_server
read -r hwm_kb rss_kb < "$work/iophase.rss_kb"
attach_ms=$(grep -o 'attached in [0-9]* ms' "$work/iophase.tracer.err" | grep -o '[0-9]*')

python3 - "$untraced1" "$untraced2" "$iophase_rate" "$strace_rate" "$perf_rate" \
    "$attach_ms" "$hwm_kb" "$rss_kb" "$seconds" "$connections" <<'EOF'
import sys
u1, u2, io, st, pf, attach_ms, hwm_kb, rss_kb, secs, conns = (float(x) for x in sys.argv[1:])
base = (u1 + u2) / 2
print(f"epoll-lt demo, {int(conns)} connections x 64 B echo, {secs:g} s per run, "
      f"server on CPU 0, load on CPU 1 (SCHED_FIFO unless PRIORITY=normal)")
print(f"{'tracer':<22}{'msgs/s':>10}{'ratio':>8}")
print(f"{'untraced (before)':<22}{u1:>10.0f}{u1 / base:>8.2f}")
print(f"{'untraced (after)':<22}{u2:>10.0f}{u2 / base:>8.2f}")
print(f"{'iophase trace':<22}{io:>10.0f}{io / base:>8.2f}")
print(f"{'strace -f -c':<22}{st:>10.0f}{st / base:>8.2f}")
print(f"{'perf trace -s':<22}{pf:>10.0f}{pf / base:>8.2f}")
print(f"iophase attached in {attach_ms:.0f} ms; RSS while tracing {rss_kb / 1024:.1f} MiB, "
      f"peak {hwm_kb / 1024:.1f} MiB")
EOF
