#!/usr/bin/env python3
"""make bench-dispatch: the coordinator's dispatch+record rate, its overhead
on a realistic sweep, its peak memory on a 1,000,000-trial sweep, and its
scale: 1,000 simulated workers through the in-process transport, and
hundreds of real worker processes over TCP against one coordinator.

Runs the release binary as separate processes on loopback TCP; workers use
the hidden `--simulate SECONDS` runner (trivial trials: 0 s; realistic:
CPU-burning). Figures are printed as a Markdown table and written to
docs/dispatch-benchmark.md.
"""
import os, random, subprocess, sys, tempfile, time

BIN = os.environ.get("BIN", ".build/release/oversweep")
CORES = os.cpu_count() or 1


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / tick


def peak_rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def distinct_and_total(out):
    """(distinct trial ids, trial lines) of a result file: equal means nothing was recorded twice."""
    ids, lines = set(), 0
    with open(out) as f:
        for line in f:
            if line.startswith('{"kind":"trial","id":"'):
                lines += 1
                ids.add(line[22:86])
    return len(ids), lines


def watch(proc, cpu_rss):
    """Samples a process's CPU time and peak RSS until it exits."""
    cpu, rss = cpu_rss
    while proc.poll() is None:
        try:
            # A zombie has no VmHWM: keep the largest sample seen.
            cpu, rss = max(cpu, cpu_seconds(proc.pid)), max(rss, peak_rss_mib(proc.pid))
        except (OSError, ValueError, IndexError):
            pass
        time.sleep(0.05)
    return cpu, rss


def sweep(trials, workers, jobs, simulate, lease_size, spin=False):
    """Runs one sweep; returns (wall s, coordinator cpu s, coordinator peak MiB, recorded)."""
    d = tempfile.mkdtemp(prefix="oversweep-bench-")
    out = os.path.join(d, "results.jsonl")
    ep = f"tcp://127.0.0.1:{random.randint(20000, 60000)}"
    coord = subprocess.Popen([BIN, "coordinator", f"synthetic:{trials}", "--bind", ep, "--out", out,
                              "--lease-size", str(lease_size), "--quiet"],
                             stderr=open(os.path.join(d, "coordinator.log"), "w"))
    time.sleep(0.3)
    t0 = time.monotonic()
    ws = []
    for i in range(workers):
        args = [BIN, "worker", "--connect", ep, "--jobs", str(jobs), "--name", f"bench{i}",
                "--simulate", str(simulate), "--quiet"]
        if spin:
            args.append("--simulate-spin")
        ws.append(subprocess.Popen(args, stderr=subprocess.DEVNULL))
    cpu, rss = watch(coord, (0.0, 0.0))
    wall = time.monotonic() - t0
    for w in ws:
        try:
            w.wait(timeout=10)
        except subprocess.TimeoutExpired:
            w.kill()
    distinct, recorded = distinct_and_total(out)
    if coord.returncode != 0:
        sys.exit(f"coordinator failed ({coord.returncode}); see {d}")
    if distinct != trials or recorded != trials:
        sys.exit(f"{trials} trials planned, {recorded} recorded, {distinct} distinct; see {d}")
    subprocess.run(["rm", "-rf", d])
    return wall, cpu, max(rss, 0.0), recorded


def sweep_in_process(trials, workers, lease_size):
    """`run --in-process-workers`: the coordinator and `workers` simulated workers in one process."""
    d = tempfile.mkdtemp(prefix="oversweep-bench-")
    out = os.path.join(d, "results.jsonl")
    t0 = time.monotonic()
    proc = subprocess.Popen([BIN, "run", f"synthetic:{trials}", "--in-process-workers", str(workers), "--simulate", "0",
                             "--out", out, "--lease-size", str(lease_size), "--quiet"],
                            stderr=open(os.path.join(d, "run.log"), "w"))
    cpu, rss = watch(proc, (0.0, 0.0))
    wall = time.monotonic() - t0
    distinct, recorded = distinct_and_total(out)
    if proc.returncode != 0 or distinct != trials or recorded != trials:
        sys.exit(f"in-process run: status {proc.returncode}, {recorded} recorded, {distinct} distinct of {trials}; see {d}")
    subprocess.run(["rm", "-rf", d])
    return wall, cpu, rss, recorded


def main():
    rows = []
    # 1. Dispatch + record rate, trivial trials, leases of 64. The wall-clock
    # rate depends on how much CPU the machine gives us; the coordinator's CPU
    # per trial does not.
    n = int(os.environ.get("TRIVIAL_TRIALS", "200000"))
    if n:
        wall, cpu, rss, rec = sweep(n, workers=2, jobs=1, simulate=0, lease_size=64)
        rows.append(("dispatch + record, trivial trials (2 workers, lease 64)", f"{n} trials in {wall:.2f} s",
                     f"**{rec / wall:,.0f} trials/s** wall; {1e6 * cpu / rec:.0f} µs coordinator CPU per trial",
                     f"= {rec / cpu:,.0f} trials per coordinator CPU-second"))
    # 2. Overhead on a realistic sweep: CPU-burning trials, one job per core.
    n2, secs = int(os.environ.get("REAL_TRIALS", "400")), float(os.environ.get("REAL_SECONDS", "0.05"))
    if n2:
        wall2, cpu2, _, rec2 = sweep(n2, workers=CORES, jobs=1, simulate=secs, lease_size=4, spin=True)
        compute = rec2 * secs
        rows.append((f"overhead, {n2} trials × {secs} s compute ({CORES} workers, lease 4)", f"{rec2} trials in {wall2:.2f} s",
                     f"**{100 * cpu2 / compute:.2f} %** of worker compute", f"coordinator CPU {cpu2:.2f} s / {compute:.0f} s"))
    # 3. Peak memory, 1,000,000 trials.
    n3 = int(os.environ.get("BIG_TRIALS", "1000000"))
    if n3:
        wall3, cpu3, rss3, rec3 = sweep(n3, workers=2, jobs=1, simulate=0, lease_size=256)
        rows.append((f"peak memory, {n3:,} trials (lease 256)", f"{rec3} trials in {wall3:.1f} s",
                     f"**{rss3:.0f} MiB** peak RSS", f"{rec3 / wall3:,.0f} trials/s; {1e6 * cpu3 / rec3:.0f} µs CPU per trial"))
    # 4. Scale: 1,000 simulated workers through the in-process transport (one process: coordinator + workers).
    n4, w4 = int(os.environ.get("INPROC_TRIALS", "200000")), int(os.environ.get("INPROC_WORKERS", "1000"))
    if n4:
        wall4, cpu4, rss4, rec4 = sweep_in_process(n4, w4, lease_size=16)
        rows.append((f"{w4:,} simulated workers, in-process transport (lease 16)", f"{rec4:,} trials in {wall4:.1f} s, none lost or twice",
                     f"**{rec4 / wall4:,.0f} trials/s**; {1e6 * cpu4 / rec4:.0f} µs CPU per trial (coordinator + workers)",
                     f"{rss4:.0f} MiB peak RSS (one process)"))
    # 5. Scale: real worker processes over loopback TCP against one coordinator.
    n5, w5 = int(os.environ.get("TCP_TRIALS", "100000")), int(os.environ.get("TCP_WORKERS", "300"))
    if n5:
        wall5, cpu5, rss5, rec5 = sweep(n5, workers=w5, jobs=1, simulate=0, lease_size=16)
        rows.append((f"{w5} worker processes over TCP, one coordinator (lease 16)", f"{rec5:,} trials in {wall5:.1f} s, none lost or twice",
                     f"**{rec5 / wall5:,.0f} trials/s** wall; {1e6 * cpu5 / rec5:.0f} µs coordinator CPU per trial",
                     f"{rss5:.0f} MiB coordinator peak RSS"))
    table = "| measurement | run | figure | note |\n|---|---|---|---|\n" + "\n".join(
        f"| {a} | {b} | {c} | {e} |" for a, b, c, e in rows)
    print(table)
    return table


if __name__ == "__main__":
    main()
