#!/usr/bin/env bash
# Demo benchmark (issue 3): msgs/s and p99 latency of every demo server under the load
# generator at 1, 50 and 200 active connections, at 1 and 50 active + IDLE idle ones, and
# each server's CPU use while no client is connected. Writes a markdown table into
# docs/bench-demos.md between the bench markers (the prose around them is kept).
#
#   tools/bench_demos.sh [BUILD_DIR] [SECONDS]
#
# Environment: MODELS (space-separated, default all ten), IDLE (default 900: select's
# FD_SETSIZE of 1024 caps what every model can hold), SERVER_CPU (default 1), CLIENT_CPU
# (default 0), OUT (default docs/bench-demos.md), SIZE (echo bytes, default 64),
# PRIORITY (rt or normal; default rt when root).
#
# PRIORITY=rt runs server and client under SCHED_FIFO (chrt -f 10). On a shared 2-CPU
# machine other work otherwise delays every wakeup by milliseconds and the table measures
# the neighbours, not the I/O model (measured here: epoll-lt at 50 connections did 25k
# msgs/s, p99 17 ms, without it and 117k msgs/s, p99 0.7 ms, with it). The kernel's RT
# throttle still takes 50 ms of every second from a task that never sleeps, which shows in
# p99.9 and max, and in the busy-polling server's numbers.
#
# The server and the load generator are pinned to different cores with taskset. The
# machines are small and noisy: read the shape (ratios within one run), not the absolute
# rates; the load average at the start and end is written with the table.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
seconds=${2:-3}
models=${MODELS:-"blocking thread-per-connection process-per-connection nonblocking-poll select poll epoll-lt epoll-et signal-driven io_uring"}
idle=${IDLE:-900}
server_cpu=${SERVER_CPU:-1}
client_cpu=${CLIENT_CPU:-0}
out=${OUT:-docs/bench-demos.md}
size=${SIZE:-64}
if [[ $(id -u) -eq 0 ]] && command -v chrt > /dev/null; then
    priority=${PRIORITY:-rt}
else
    priority=${PRIORITY:-normal}
fi
case $priority in
    rt) run_as=(chrt -f 10) ;;
    normal) run_as=() ;;
    *) echo "bench: PRIORITY must be rt or normal" >&2; exit 2 ;;
esac
bin="$build/bin"
iophase="$bin/iophase"
idle_cpu_seconds=2

[[ -x $iophase ]] || { echo "bench: build first (missing $iophase)" >&2; exit 2; }
for model in $models; do
    [[ -x $bin/iophase-demo-$model ]] ||
        { echo "bench: missing $bin/iophase-demo-$model (cmake --build $build --target iophase_demos)" >&2; exit 2; }
done
command -v jq > /dev/null || { echo "bench: needs jq" >&2; exit 2; }

work=$(mktemp -d)
server_pid=""
stop_server() {
    [[ -z $server_pid ]] && return
    kill -TERM "$server_pid" 2> /dev/null || true
    for _ in $(seq 30); do
        kill -0 "$server_pid" 2> /dev/null || break
        sleep 0.1
    done
    kill -KILL "$server_pid" 2> /dev/null || true
    wait "$server_pid" 2> /dev/null || true
    server_pid=""
}
cleanup() {
    stop_server
    rm -rf "$work"
}
trap cleanup EXIT

start_server() {  # model -> sets server_pid and port
    : > "$work/server.out"
    "${run_as[@]}" taskset -c "$server_cpu" "$bin/iophase-demo-$1" > "$work/server.out" 2> "$work/server.err" &
    server_pid=$!
    port=""
    for _ in $(seq 50); do
        port=$(head -n1 "$work/server.out" | grep -o 'port=[0-9]*' | cut -d= -f2 || true)
        [[ -n $port ]] && return
        sleep 0.1
    done
    echo "bench: $1 printed no port line" >&2
    exit 1
}

cpu_ticks() {  # pid -> user+system clock ticks of the process
    awk '{print $14 + $15}' "/proc/$1/stat"
}

# Prints "msgs/s|p99" for one load run against $port, or "error" and the reason on stderr.
measure() {  # connections idle
    local json="$work/load.json"
    if ! "${run_as[@]}" taskset -c "$client_cpu" "$iophase" load "127.0.0.1:$port" -c "$1" --idle "$2" \
        -s "$size" -d "$seconds" --no-progress --json "$json" > "$work/load.txt" 2>&1; then
        echo "bench: load -c $1 --idle $2 failed: $(tail -n1 "$work/load.txt")" >&2
    fi
    if [[ ! -s $json ]]; then
        echo "error|error"
        return
    fi
    local errors
    errors=$(jq '.errors' "$json")
    if ((errors > 0)); then
        echo "bench: $errors errors at -c $1 --idle $2 (see docs: the select server refuses fds >= 1024)" >&2
    fi
    jq -r '"\(.msgs_per_s | floor)|\(.latency_ns.p99)|\(.errors)"' "$json"
}

format_latency() {  # ns -> human text
    awk -v ns="$1" 'BEGIN {
        if (ns == "error") { print "error"; exit }
        if (ns < 1000) printf "%d ns", ns;
        else if (ns < 1e6) printf "%.0f µs", ns / 1e3;
        else if (ns < 1e9) printf "%.1f ms", ns / 1e6;
        else printf "%.2f s", ns / 1e9 }'
}

cell() {  # "rate|p99|errors" -> "rate / p99" (plus the error count when there were any)
    local rate p99 errors
    IFS='|' read -r rate p99 errors <<< "$1"
    local text
    text="$rate / $(format_latency "$p99")"
    [[ -n $errors && $errors != 0 ]] && text+=" ($errors err)"
    echo "$text"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date -u '+%Y-%m-%d %H:%M UTC')
rows=()
for model in $models; do
    echo "bench: $model" >&2
    start_server "$model"
    sleep 0.2
    # CPU while nobody is connected: busy polling shows here.
    before=$(cpu_ticks "$server_pid")
    sleep "$idle_cpu_seconds"
    after=$(cpu_ticks "$server_pid")
    ticks_per_s=$(getconf CLK_TCK)
    idle_cpu=$(awk -v t=$((after - before)) -v hz="$ticks_per_s" -v s="$idle_cpu_seconds" \
        'BEGIN { printf "%.0f%%", 100 * t / hz / s }')
    one=$(measure 1 0)
    fifty=$(measure 50 0)
    two_hundred=$(measure 200 0)
    one_with_idle=$(measure 1 "$idle")
    with_idle=$(measure 50 "$idle")
    stop_server
    rows+=("| $model | $(cell "$one") | $(cell "$fifty") | $(cell "$two_hundred") | $(cell "$one_with_idle") | $(cell "$with_idle") | $idle_cpu |")
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

table="$work/table.md"
{
    echo "<!-- bench:begin (generated by tools/bench_demos.sh; edits here are overwritten) -->"
    echo
    echo "Run $started on $(nproc) CPUs, kernel $(uname -r); load average $load_before before,"
    echo "$load_after after. Command:"
    echo
    echo '```'
    echo "MODELS=\"$models\" \\"
    echo "IDLE=$idle SERVER_CPU=$server_cpu CLIENT_CPU=$client_cpu SIZE=$size PRIORITY=$priority \\"
    echo "    tools/bench_demos.sh $build $seconds"
    echo '```'
    echo
    echo "Each cell: messages per second / p99 latency, $size-byte echo messages, closed loop,"
    echo "$seconds s per cell. Idle CPU: the server's CPU use with no client connected."
    echo
    echo "| model | 1 conn | 50 conns | 200 conns | 1 conn + $idle idle | 50 conns + $idle idle | idle CPU |"
    echo "|---|---|---|---|---|---|---|"
    printf '%s\n' "${rows[@]}"
    echo
    echo "<!-- bench:end -->"
} > "$table"

if [[ -f $out ]] && grep -q '<!-- bench:begin' "$out" && grep -q '<!-- bench:end -->' "$out"; then
    # Replace the generated block, keep the prose around it.
    awk -v table="$table" '
        /<!-- bench:begin/ { while ((getline line < table) > 0) print line; skip = 1; next }
        /<!-- bench:end -->/ { skip = 0; next }
        !skip { print }' "$out" > "$work/out.md"
    cp "$work/out.md" "$out"
else
    { echo "# Demo benchmark"; echo; cat "$table"; } > "$out"
fi
cat "$table"
echo "bench: wrote $out" >&2
