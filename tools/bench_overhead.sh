#!/usr/bin/env bash
# Tracing overhead benchmark: the throughput of the epoll demo server under the load generator,
# traced by iophase (plain and with --timeline), by two minimal libbpf counters (the floor), by
# BCC's syscount -L and a bpftrace syscall-latency histogram when installed (BCC_TOOLS=install
# installs them), and by `strace -f -c` and `perf trace -s` once each, every one divided by the
# untraced throughput measured around it in the same run. Per tracer: median ratio and range
# over the steady rounds, attach time from launch, peak RSS. Then the cost of each of
# iophase's BPF programs per echoed message. The output format is stable (README's table).
#
#   sudo tools/bench_overhead.sh [BUILD_DIR] [SECONDS] [CONNECTIONS] [ROUNDS]
#
# Server on CPU 0, load generator on CPU 1. The machines are small and noisy, and their speed
# drifts by tens of percent within a minute. So every traced run sits between two untraced
# runs (U T1 U T2 U ... U), is divided by their mean, and counts as steady when those two
# agree within 10% and the host stole at most 5% of the CPUs during it (/proc/stat's steal);
# a tracer's result is the median of its steady runs. C and K are the floor for comparison,
# tools/bench/syscall_counter on the same tracepoints: C only counts the server's syscalls, K
# also reads the clock at each entry and exit (as any per-call timing must), and E is K plus a
# clock read for the server's events on every other tracepoint iophase attaches on this path
# (the floor for timing each transition iophase times, whatever the tracer). BASELINE=PATH
# adds another iophase binary (an older build) to the rotation, for a same-run comparison;
# TRACERS="iophase baseline counter-clock" runs only the tracers named, and
# iophase-without-{ready,irq,copy,all} there is iophase with those measurements off.
# strace and perf run once each, divided by the mean of all untraced runs (their ratios are an
# order of magnitude lower anyway).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
seconds=${2:-5}
connections=${3:-50}
rounds=${4:-3}
bin="$build/bin"
iophase="$bin/iophase"
demo="$bin/iophase-demo-epoll-lt"
[[ -x $iophase && -x $demo ]] || { echo "bench: build first (missing $iophase or $demo)" >&2; exit 2; }
[[ $(id -u) -eq 0 ]] || { echo "bench: run as root (tracing)" >&2; exit 2; }
# perf trace reads syscall tracepoints through tracefs, which is not mounted at boot here.
mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing

# The peers, from Debian's packages (BCC_TOOLS=install installs them). BCC compiles its
# programs against kernel headers; a kernel without its own (/lib/modules/RELEASE/build) gets
# Debian's newest (linux-headers-amd64), its arch and common halves merged into one tree as
# BCC_KERNEL_SOURCE wants: syscount only uses the raw_syscalls tracepoints, whose layout has not
# changed. Made below, once $work exists.
if [[ ${BCC_TOOLS:-} == install ]]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        bpfcc-tools bpftrace linux-headers-amd64 > /dev/null
fi
syscount=$(command -v syscount-bpfcc || true)
bpftrace=$(command -v bpftrace || true)

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

if [[ ! -d /lib/modules/$(uname -r)/build ]]; then
    arch_headers=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -1 || true)
    if [[ -n $arch_headers && -d ${arch_headers%-amd64}-common ]]; then
        mkdir "$work/kernel-headers"
        cp -rs "${arch_headers%-amd64}-common/." "$work/kernel-headers/"
        cp -rsf "$arch_headers/." "$work/kernel-headers/"
        export BCC_KERNEL_SOURCE=$work/kernel-headers
    fi
fi

# The comparison counter, built here against the build's vmlinux.h.
counter="$work/syscall_counter"
clang -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Werror -I"$build/bpf" \
    -c tools/bench/syscall_counter.bpf.c -o "$work/syscall_counter.bpf.o"
bpftool gen skeleton "$work/syscall_counter.bpf.o" > "$work/syscall_counter.skel.h"
g++ -std=c++20 -O2 -Wall -Werror -I"$work" tools/bench/syscall_counter.cpp -lbpf -o "$counter"

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

# steal_ticks: the host's steal time and all time of every CPU so far (/proc/stat, in ticks).
steal_ticks() {
    awk '/^cpu / {total = 0; for (i = 2; i <= NF; ++i) total += $i; print $9, total}' /proc/stat
}

# measure NAME TRACER_COMMAND...: starts the tracer on the server, waits until it says it is
# attached (noting how long that took from launch), runs the load, notes the tracer's peak RSS
# (and for a `costs*` run every BPF program's run statistics), stops the tracer. Prints msgs/s.
measure() {
    local name=$1
    shift
    # A costs run's programs are the ones that were not loaded before it.
    [[ $name == costs* ]] && bpftool prog show -j > "$work/$name.before.json"
    local launched=$EPOCHREALTIME
    "$@" > "$work/$name.tracer.out" 2> "$work/$name.tracer.err" &
    tracer_pid=$!
    local marker="" attached=nan
    case $name in
        iophase* | costs* | counter* | baseline) marker=attached ;;
        bpftrace) marker=Attaching ;;
        syscount) marker=Tracing ;;
    esac
    if [[ -n $marker ]]; then
        for _ in $(seq 400); do
            if grep -q "$marker" "$work/$name.tracer.err" "$work/$name.tracer.out" 2>/dev/null; then
                attached=$(python3 -c "print(round(($EPOCHREALTIME - $launched) * 1000))")
                break
            fi
            sleep 0.025
        done
    else
        sleep 2  # strace and perf say nothing when attached
    fi
    echo "$attached" >> "$work/$name.attach_ms"
    local rate stolen_before
    stolen_before=$(steal_ticks)
    rate=$(run_load "$name")
    echo "$stolen_before $(steal_ticks)" | awk '{printf "%.4f\n", ($3 - $1) / ($4 - $2)}' \
        >> "$work/$name.steal"
    awk '/VmHWM/ {print $2}' "/proc/$tracer_pid/status" >> "$work/$name.hwm_kb" 2>/dev/null || true
    [[ $name == costs* ]] && bpftool prog show -j > "$work/$name.programs.json"
    if ! kill -INT "$tracer_pid" 2>/dev/null; then
        echo "bench: $name ended before the load did: $(tail -1 "$work/$name.tracer.err")" >&2
    fi
    # A script started in the background ignores SIGINT (python's syscount does): then TERM.
    for _ in $(seq 50); do
        kill -0 "$tracer_pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -TERM "$tracer_pid" 2>/dev/null || true
    wait "$tracer_pid" 2>/dev/null || true
    tracer_pid=""
    echo "$rate"
}

# attach_latency: ms from launching `iophase trace` (exec, dynamic linking and option parsing
# included) until it prints that it is attached, against the idle server; 5 tries.
attach_latency() {
    python3 - "$iophase" "$server_pid" <<'EOF'
import subprocess, sys, time
for _ in range(5):
    launched = time.monotonic()
    tracer = subprocess.Popen([sys.argv[1], "trace", "-p", sys.argv[2], "-d", "0.2"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    line = tracer.stderr.readline()
    print(round((time.monotonic() - launched) * 1000) if "attached" in line else "nan")
    tracer.wait()
EOF
}

start_server
mapfile -t attach_ms < <(attach_latency)
untraced=("$(run_load untraced0)")
# Each traced run's rate and the index of the untraced run before it go to $work/NAME.rates.
tracers=(iophase iophase-timeline counter counter-clock counter-everywhere)
[[ -n ${BASELINE:-} ]] && tracers+=(baseline)
[[ -n $syscount ]] && tracers+=(syscount)
[[ -n $bpftrace ]] && tracers+=(bpftrace)
# iophase-without-GROUP: iophase with a group of its optional programs switched off, for what
# each measurement costs (for TRACERS; data ready needs the input copy bracket, so it goes
# with it).
declare -A skipped=(
    [ready]=on_data_ready
    [irq]=on_softirq_entry,on_hardirq_entry
    [copy]=on_copy_in_start,on_copy_out_start
    [all]=on_copy_in_start,on_copy_out_start,on_softirq_entry,on_hardirq_entry)
# TRACERS="iophase baseline ..." runs only those (more rounds in the same time).
[[ -n ${TRACERS:-} ]] && read -r -a tracers <<< "$TRACERS"
if [[ " ${tracers[*]} " == *" baseline "* && ! -x ${BASELINE:-} ]]; then
    echo "bench: TRACERS names baseline, but BASELINE is not an executable iophase" >&2
    exit 2
fi
latency_script='tracepoint:raw_syscalls:sys_enter /pid == $1/ { @start[tid] = nsecs; }
tracepoint:raw_syscalls:sys_exit /@start[tid]/ { @ns[args->id] = hist(nsecs - @start[tid]);
delete(@start[tid]); }'
for round in $(seq "$rounds"); do
    echo "bench: round $round of $rounds" >&2
    for name in "${tracers[@]}"; do
        case $name in
            iophase) cmd=("$iophase" trace -p "$server_pid" --json "$work/report.json") ;;
            iophase-timeline) cmd=("$iophase" trace -p "$server_pid" --json "$work/report.json"
                                   --timeline "$work/timeline.json") ;;
            baseline) cmd=("$BASELINE" trace -p "$server_pid" --json "$work/baseline.json") ;;
            iophase-without-*)
                cmd=(env "IOPHASE_SKIP_PROGRAMS=${skipped[${name#iophase-without-}]}" "$iophase"
                     trace -p "$server_pid" --json "$work/report.json") ;;
            counter) cmd=("$counter" "$server_pid") ;;
            counter-clock) cmd=("$counter" "$server_pid" --clock) ;;
            counter-everywhere) cmd=("$counter" "$server_pid" --everywhere) ;;
            syscount) cmd=(env PYTHONUNBUFFERED=1 "$syscount" -L -p "$server_pid") ;;
            bpftrace) cmd=("$bpftrace" -e "$latency_script" "$server_pid") ;;
        esac
        echo "$(measure "$name" "${cmd[@]}") $((${#untraced[@]} - 1))" >> "$work/$name.rates"
        untraced+=("$(run_load "untraced${#untraced[@]}")")
    done
done
# More runs of iophase, the baseline and the timing floors, not counted above, with the
# kernel's BPF run-time statistics on (they cost two clock reads per program run themselves):
# where the overhead goes, in a measure the host's noise moves far less. COST_ROUNDS (3)
# interleaved rounds: a slow spell of the host makes a program dearer, never cheaper, so each
# program's cost is its least over the rounds.
previous_stats=$(sysctl -n kernel.bpf_stats_enabled)
sysctl -qw kernel.bpf_stats_enabled=1
cost_rounds=${COST_ROUNDS:-3}
costed=(iophase)
[[ -n ${BASELINE:-} ]] && costed+=(baseline)
costed+=(counter-clock counter-everywhere)
for round in $(seq "$cost_rounds"); do
    echo "bench: BPF cost round $round of $cost_rounds" >&2
    for name in "${costed[@]}"; do
        case $name in
            iophase) cmd=("$iophase" trace -p "$server_pid") ;;
            baseline) cmd=("$BASELINE" trace -p "$server_pid") ;;
            counter-clock) cmd=("$counter" "$server_pid" --clock) ;;
            counter-everywhere) cmd=("$counter" "$server_pid" --everywhere) ;;
        esac
        measure "costs-$name-$round" "${cmd[@]}" > /dev/null
    done
done
sysctl -qw kernel.bpf_stats_enabled="$previous_stats"
measure strace strace -f -c -p "$server_pid" > "$work/strace.rates"
measure perf perf trace -s -p "$server_pid" > "$work/perf.rates"
stop_server

python3 - "$seconds" "$connections" "${untraced[*]}" "${attach_ms[*]}" "$work" \
    "$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)" \
    "${tracers[*]}" "${costed[*]}" "$cost_rounds" <<'EOF'
import json, os, statistics, sys
secs, conns = float(sys.argv[1]), int(sys.argv[2])
untraced = [float(x) for x in sys.argv[3].split()]
attach_launch = [float(x) for x in sys.argv[4].split()]
work, clock, tracers, costed = sys.argv[5], sys.argv[6], sys.argv[7].split(), sys.argv[8].split()
cost_rounds = int(sys.argv[9])

def numbers(name, suffix):
    path = os.path.join(work, f"{name}.{suffix}")
    if not os.path.exists(path):
        return []
    return [float(x) for x in open(path).read().split() if x != "nan"]

print(f"epoll-lt demo, {conns} connections x 64 B echo, {secs:g} s per run, server on CPU 0, "
      f"load on CPU 1 (SCHED_FIFO unless PRIORITY=normal); clock source {clock}")
print("untraced msgs/s: " + "  ".join(f"{u:.0f}" for u in untraced))

def traced_runs(name):
    """(rate, index of the untraced run before it) per traced run of `name`."""
    path = os.path.join(work, f"{name}.rates")
    runs = [line.split() for line in open(path).read().splitlines() if line.strip()]
    return [(float(rate), int(before)) for rate, before in runs]

# A run whose untraced neighbours differ by more than 10% caught the machine changing speed,
# and one during which the host stole more than 5% of the CPUs ran on a shared machine: their
# ratios say more about the host than about the tracer.
def steady(before, stolen):
    a, b = untraced[before], untraced[before + 1]
    return abs(a - b) <= 0.1 * max(a, b) and stolen <= 0.05

all_stolen = [x for name in tracers for x in numbers(name, "steal")]
print(f"host steal during traced runs: median {100 * statistics.median(all_stolen):.1f}%, "
      f"max {100 * max(all_stolen):.1f}%")
print("ratio = traced / mean of the untraced runs just before and after it; the median of the "
      "steady runs (* = not steady: its neighbours differ by >10% or steal >5%)")
labels = {"iophase": "iophase trace", "iophase-timeline": "iophase trace --timeline",
          "baseline": "iophase BASELINE build",
          "iophase-without-ready": "iophase without data ready",
          "iophase-without-irq": "iophase without irq buckets",
          "iophase-without-copy": "iophase w/o copy+data ready",
          "iophase-without-all": "iophase without all three",
          "counter": "counter (floor)", "counter-clock": "counter + clock read per call",
          "counter-everywhere": "counter + clock, all tracepoints",
          "syscount": "BCC syscount-bpfcc -L", "bpftrace": "bpftrace latency histogram"}
print(f"{'tracer':<32}{'ratio':>6}{'range':>14}{'steady':>7}{'attach':>9}{'peak RSS':>10}"
      "   per run")
for name in tracers:
    runs = traced_runs(name)
    stolen = numbers(name, "steal")
    ratios = [rate / ((untraced[i] + untraced[i + 1]) / 2) for rate, i in runs]
    calm = [steady(i, stolen[k]) for k, (_, i) in enumerate(runs)]
    chosen = [r for r, ok in zip(ratios, calm) if ok] or ratios
    attach = numbers(name, "attach_ms")
    hwm = numbers(name, "hwm_kb")
    span = f"{min(chosen):.3f}-{max(chosen):.3f}"
    attach_text = f"{statistics.median(attach):.0f} ms" if attach else "-"
    hwm_text = f"{max(hwm) / 1024:.1f} MiB" if hwm else "-"
    print(f"{labels[name]:<32}{statistics.median(chosen):>6.3f}{span:>14}"
          f"{f'{sum(calm)}/{len(calm)}':>7}{attach_text:>9}{hwm_text:>10}   "
          + "  ".join(f"{r:.3f}{'' if ok else '*'}" for r, ok in zip(ratios, calm)))
base = statistics.mean(untraced)
for name, label in (("strace", "strace -f -c"), ("perf", "perf trace -s")):
    rate = numbers(name, "rates")
    print(f"{label:<32}{(rate[0] / base if rate else float('nan')):>6.3f}   (one run)")
print(f"iophase attached {statistics.median(attach_launch):.0f} ms after launch against the idle "
      f"server (median of {', '.join(f'{a:.0f}' for a in attach_launch)})")
# Every run of a program counts, including the rejected events of other processes (the load
# generator's syscalls reach the same tracepoints). Rare programs are summed, not listed.
def programs_of(name):
    """The BPF programs the costs run `name` loaded, and the messages echoed during it."""
    before = {p["id"] for p in json.load(open(os.path.join(work, f"{name}.before.json")))}
    during = json.load(open(os.path.join(work, f"{name}.programs.json")))
    messages = json.load(open(os.path.join(work, f"{name}.json")))["messages"]
    return [p for p in during if p["id"] not in before and p.get("run_cnt", 0) > 0], messages

cost_labels = {"iophase": "iophase", "baseline": "BASELINE build",
               "counter-clock": "counter + clock",
               "counter-everywhere": "counter + clock on all tracepoints"}
# The floor's programs are named after iophase's, but for the syscall pair and two ends.
floor_names = {"count_enter": "on_sys_enter", "count_exit": "on_sys_exit",
               "on_copy_in_end": "on_copy_in_end_tcp", "on_copy_out_end": "on_copy_out_end_xmit"}

def per_program(name):
    """Per program of `name`'s cost runs: (runs, ns) per message in the round it cost least."""
    least = {}
    for round in range(1, cost_rounds + 1):
        programs, messages = programs_of(f"costs-{name}-{round}")
        for p in programs:
            program = floor_names.get(p["name"], p["name"])
            cost = (p["run_cnt"] / messages, p["run_time_ns"] / messages)
            if program not in least or cost[1] < least[program][1]:
                least[program] = cost
    return least

def round_totals(name):
    totals = []
    for round in range(1, cost_rounds + 1):
        programs, messages = programs_of(f"costs-{name}-{round}")
        totals.append(sum(p["run_time_ns"] for p in programs) / messages)
    return totals

print(f"BPF ns per echoed message, all programs, least of {cost_rounds} interleaved "
      "kernel.bpf_stats_enabled runs (each run): "
      + ", ".join(f"{cost_labels[name]} {min(t):.0f} ({' '.join(f'{x:.0f}' for x in t)})"
                  for name in costed for t in [round_totals(name)]))
# Per program, iophase's beside the everywhere floor's on the same tracepoint: what iophase's
# work costs there. "all programs" sums each program's least cost.
ours = per_program("iophase")
floor = per_program("counter-everywhere")
print(f"{'iophase BPF program':<22}{'runs/msg':>9}{'ns/run':>8}{'ns/msg':>8}"
      f"{'floor ns/run':>14}{'floor ns/msg':>14}")
total = floor_total = 0.0
for name, (runs, per_msg) in ours.items():
    total += per_msg
    floor_runs, floor_msg = floor.pop(name, (0.0, 0.0))
    floor_total += floor_msg
    if runs >= 0.01:
        floor_text = (f"{floor_msg / floor_runs:>14.0f}{floor_msg:>14.0f}" if floor_runs
                      else f"{'-':>14}{'-':>14}")
        print(f"{name:<22}{runs:>9.2f}{per_msg / runs:>8.0f}{per_msg:>8.0f}{floor_text}")
floor_total += sum(per_msg for _, per_msg in floor.values())
print(f"{'all programs':<22}{'':>17}{total:>8.0f}{'':>14}{floor_total:>14.0f}")
EOF
