#!/usr/bin/env python3
"""make bench-dispatch: the coordinator's dispatch+record rate, its overhead
on a realistic sweep, and its peak memory on a 1,000,000-trial sweep.

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
    cpu = rss = 0.0
    while coord.poll() is None:
        try:
            # A zombie has no VmHWM: keep the largest sample seen.
            cpu, rss = max(cpu, cpu_seconds(coord.pid)), max(rss, peak_rss_mib(coord.pid))
        except (OSError, ValueError, IndexError):
            pass
        time.sleep(0.05)
    wall = time.monotonic() - t0
    for w in ws:
        try:
            w.wait(timeout=10)
        except subprocess.TimeoutExpired:
            w.kill()
    with open(out) as f:
        recorded = sum(1 for _ in f)
    if coord.returncode != 0:
        sys.exit(f"coordinator failed ({coord.returncode}); see {d}")
    subprocess.run(["rm", "-rf", d])
    return wall, cpu, max(rss, 0.0), recorded


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
    table = "| measurement | run | figure | note |\n|---|---|---|---|\n" + "\n".join(
        f"| {a} | {b} | {c} | {e} |" for a, b, c, e in rows)
    print(table)
    return table


if __name__ == "__main__":
    main()
