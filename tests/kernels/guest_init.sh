#!/bin/busybox sh
# /init of the initramfs that tests/kernels/boot_kernel.sh boots: runs `iophase check` and traces
# three demos under a bounded load, printing every result to the console (ttyS0) between
# "=== " marker lines; the host (check_guest.py) reads them. Ends by powering the guest off.
/bin/busybox --install -s /bin
# iophase_bin= on the kernel command line reaches init as a variable: where the binaries are.
export PATH=/bin:$iophase_bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
ifconfig lo 127.0.0.1 up

# A result file, base64 between markers (kernel messages may interleave with the console).
emit() {
    echo "=== begin $1"
    base64 "$2"
    echo "=== end $1"
}

echo "=== kernel $(uname -r)"
iophase check --verbose >/tmp/check.txt 2>&1
echo "=== check rc=$?"
cat /tmp/check.txt

BPF_TESTS='RecvTest.ExactlyNRecvAndSendCallsAreCounted:RecvTest.NonblockingRecvOnEmpty*:MultiplexTest.*:IoUringRecvTest.*:DemoUnderLoadTest.*:LifecycleTest.*:ThreadChurnTest.ThousandsOfExitedThreadsKeepTheProcessWhole:SnapshotTest.*:BudgetTest.ThreadBudgetsAddUpToWall:HostileInputTest.TheCommandsExitStatusIsReportedAndPassedOn'
port=9100
for spec in epoll-lt:4 io_uring:4 blocking:1; do
    demo=${spec%%:*}
    connections=${spec##*:}
    port=$((port + 1))
    "iophase-demo-$demo" --port "$port" >/tmp/demo.out 2>&1 &
    demo_pid=$!
    sleep 1
    iophase trace -p "$demo_pid" --json "/tmp/$demo.json" 2>/tmp/trace.err &
    trace_pid=$!
    # Attached when the tracer says so (at most 60 s: software emulation is slow).
    for _ in $(seq 1 120); do
        grep -q "iophase: tracing" /tmp/trace.err && break
        kill -0 "$trace_pid" 2>/dev/null || break
        sleep 0.5
    done
    iophase load "127.0.0.1:$port" -c "$connections" -n 2000 --no-progress \
        --json "/tmp/$demo.load.json" >/dev/null 2>&1
    echo "=== load $demo rc=$?"
    kill -TERM "$trace_pid"
    wait "$trace_pid"
    echo "=== trace $demo rc=$?"
    cat /tmp/trace.err
    kill -TERM "$demo_pid"
    wait "$demo_pid"
    echo "=== demo $demo $(grep stopped /tmp/demo.out)"
    emit "$demo.json" "/tmp/$demo.json"
    emit "$demo.load.json" "/tmp/$demo.load.json"
done
# The bpf tests whose workloads need neither strace nor timing that emulation would stretch:
# one or more per family of programs (syscalls, multiplexers, io_uring, signals, exits, threads).
CI=true bpf_tests --gtest_brief=1 --gtest_filter="$BPF_TESTS" >/tmp/bpf_tests.txt 2>&1
echo "=== bpf_tests rc=$?"
cat /tmp/bpf_tests.txt
echo "=== done"
poweroff -f
