#!/usr/bin/env python3
"""Reads the console of a guest booted by boot_kernel.sh and checks what iophase measured there:
`iophase check` passed, and for each demo the trace and the load succeeded, the I/O model got
the demo's own label, the time budget adds up to wall time, and the bytes and calls the trace
counted agree with the load's and the demo's own counts (sources iophase did not produce)."""
import base64
import json
import re
import sys

DEMOS = {"epoll-lt": 4, "io_uring": 4, "blocking": 1}  # demo -> connections, as guest_init.sh
BUDGET_PARTS = ("user_ns", "kernel_copy_ns", "kernel_other_ns", "irq_net_rx_ns", "irq_other_ns",
                "stolen_ns", "blocked_ns", "runq_ns")
# What each kernel lacks, as docs/report.md's Kernels table says: the tracepoints named in the
# report's health section.
MISSING_TRACEPOINTS = {"6.1": {"tcp_sendmsg_locked", "sk_data_ready"},
                       "6.12": {"tcp_sendmsg_locked"}}
RECV_OPCODES = {"recv", "read", "recvmsg", "read_fixed", "readv"}


def blocks(lines):
    """The base64 files between '=== begin NAME' and '=== end NAME', decoded."""
    files, name, body = {}, None, []
    for line in lines:
        if line.startswith("=== begin "):
            name, body = line[len("=== begin "):], []
        elif line.startswith("=== end ") and name:
            try:
                files[name] = base64.b64decode("".join(body))
            except ValueError:
                files[name] = b""
            name = None
        elif name and re.fullmatch(r"[A-Za-z0-9+/=]+", line):
            body.append(line)
    return files


def check_demo(demo, connections, series, lines, files, problems):
    def status(word):
        match = [l for l in lines if l.startswith(f"=== {word} {demo} rc=")]
        return match[0].rsplit("=", 1)[1] if match else "missing"

    for word in ("load", "trace"):
        if status(word) != "0":
            problems.append(f"{demo}: {word} exited {status(word)}")
    try:
        report = json.loads(files[f"{demo}.json"])
        load = json.loads(files[f"{demo}.load.json"])
    except (KeyError, ValueError) as e:
        problems.append(f"{demo}: no readable report or load result ({e!r})")
        return
    stopped = [l for l in lines if l.startswith(f"=== demo {demo} stopped")]
    served = re.search(r"messages=(\d+)", stopped[0]) if stopped else None
    if not served or int(served.group(1)) != load["messages"]:
        problems.append(f"{demo}: the demo served {served and served.group(1)}, "
                        f"the load counted {load['messages']}")
    if len(report["processes"]) != 1:
        problems.append(f"{demo}: {len(report['processes'])} processes traced, expected 1")
        return
    process = report["processes"][0]
    label = process["io_model"]["label"]
    if label != demo:
        problems.append(f"{demo}: labelled {label!r}")
    budget = process["budget"]
    parts = sum(budget[p] for p in BUDGET_PARTS)
    if abs(parts - budget["wall_ns"]) > 0.01 * budget["wall_ns"]:
        problems.append(f"{demo}: budget parts sum to {parts} ns, wall is {budget['wall_ns']} ns")
    missing = {m for u in report["health"]["unavailable"]
               for m in re.findall(r"no tracepoint (\w+)", u)}
    if missing != MISSING_TRACEPOINTS[series]:
        problems.append(f"{demo}: health names {sorted(missing)} unavailable, "
                        f"docs/report.md says {sorted(MISSING_TRACEPOINTS[series])}")
    recv_calls = [s for s in process["syscalls"] if s["role"] == "input" and s["fd_kind"] == "socket"]
    recv_ops = [o for o in process.get("io_uring", []) if o["opcode"] in RECV_OPCODES]
    received = sum(s["bytes"] for s in recv_calls) + sum(o["bytes"] for o in recv_ops)
    if received != load["bytes_sent"]:
        problems.append(f"{demo}: the trace counted {received} bytes received, "
                        f"the load sent {load['bytes_sent']}")
    # Every message is one successful receive, plus one end-of-file read per connection.
    reads = (sum(s["count"] - s["errors"] - s["eagain"] for s in recv_calls) +
             sum(o["completions"] - o["errors"] for o in recv_ops))
    if not load["messages"] <= reads <= load["messages"] + connections:
        problems.append(f"{demo}: {reads} successful receives for {load['messages']} messages "
                        f"over {connections} connections")
    print(f"  {demo}: labelled {label}, {reads} receives of {received} bytes for "
          f"{load['messages']} messages, budget {parts / budget['wall_ns']:.4f} of wall")


def print_failures(lines):
    """The bpf tests' failure messages, ahead of the whole console."""
    if "=== done" not in lines or not any(l.startswith("=== bpf_tests rc=") for l in lines):
        return
    start = next(i for i, l in enumerate(lines) if l.startswith("=== bpf_tests rc="))
    section = lines[start + 1:lines.index("=== done")]
    # gtest_brief prints only failures: what is left without libbpf's log is what failed.
    failures = [l for l in section if not l.startswith("libbpf: ")]
    if failures:
        print("\n--- the failed bpf tests ---")
        print("\n".join(failures))


def main():
    console, series = sys.argv[1], sys.argv[2]
    with open(console, "rb") as f:
        text = f.read().decode("utf-8", "replace")
    # The firmware's and the tables' terminal escapes are not part of any line's content.
    text = re.sub(r"\x1b(\[[0-9;?]*[A-Za-z]|[A-Za-z])", "", text)
    # A marker may follow the firmware's last words on the same line.
    lines = [l[l.find("=== "):] if "=== " in l else l.strip() for l in text.splitlines()]
    lines = [l.strip() for l in lines]
    problems = []
    kernel = [l.split()[-1] for l in lines if l.startswith("=== kernel ")]
    if not kernel:
        problems.append("the guest never ran its script")
    elif not kernel[0].startswith(series + "."):
        problems.append(f"booted {kernel[0]}, expected a {series} kernel")
    else:
        print(f"kernel {kernel[0]}")
    if "=== check rc=0" not in lines:
        problems.append("iophase check did not pass")
    files = blocks(lines)
    for demo, connections in DEMOS.items():
        check_demo(demo, connections, series, lines, files, problems)
    bpf = [l for l in lines if l.startswith("=== bpf_tests rc=")]
    if bpf != ["=== bpf_tests rc=0"]:
        problems.append(f"the bpf tests failed in the guest ({bpf[0] if bpf else 'did not run'})")
    else:
        passed = [l for l in lines if re.match(r"\[  PASSED  \] \d+ test", l)]
        print(f"  bpf_tests: {passed[0] if passed else '?'}")
    if "=== done" not in lines:
        problems.append("the guest did not finish its script")
    if problems:
        print("\n".join(["FAIL:"] + problems))
        print_failures(lines)
        # libbpf's own load log (thousands of lines when a test asks for it) would push the
        # failure out of what CI keeps; the full console stays in the file named above.
        kept = [l for l in lines
                if not re.fullmatch(r"[A-Za-z0-9+/=]+", l) and not l.startswith("libbpf: ")]
        print(f"\n--- the guest's console, without {len(lines) - len(kept)} lines of "
              "base64 and libbpf's log ---")
        print("\n".join(kept))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
