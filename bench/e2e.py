"""W4 end to end: `oversweep run SPEC --workers 2` into a fresh store, timed from start
to exit (plan, worker start-up, dispatch, training, metrics, curves, store). Prints one
JSON line like the other implementations: wall and CPU seconds (all processes), the mean
final train_loss read back from the store, and the largest process's peak RSS (GFLOP/s
are left to summarize.py, which has the workload's FLOP count from the in-process run)."""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

p = argparse.ArgumentParser()
p.add_argument("--bin", required=True)
p.add_argument("--spec", required=True)
p.add_argument("--dtype", required=True)
p.add_argument("--out", required=True)
p.add_argument("--workers", type=int, default=2)
a = p.parse_args()

if os.path.exists(a.out):
    os.remove(a.out)
before = resource.getrusage(resource.RUSAGE_CHILDREN)
start = time.perf_counter()
run = subprocess.run([a.bin, "run", a.spec, "--workers", str(a.workers), "--out", a.out, "--quiet"],
                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
seconds = time.perf_counter() - start
after = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
losses, statuses = [], {}
if run.returncode == 0:
    for line in open(a.out):
        r = json.loads(line)
        if r.get("kind") != "trial":
            continue
        statuses[r.get("status")] = statuses.get(r.get("status"), 0) + 1
        loss = r.get("metrics", {}).get("train_loss")
        if loss is not None:
            losses.append(loss)
status = "ok" if run.returncode == 0 and statuses == {"ok": 512} else \
    f"exit {run.returncode}, statuses {statuses}: {run.stderr.strip().splitlines()[-1:] }"
print(json.dumps(dict(impl="swift-run", workload="W4", dtype=a.dtype, seconds=seconds, cpu_seconds=cpu,
                      gflops=0.0, final_loss=sum(losses) / max(1, len(losses)),
                      rss_base_mb=0.0, rss_peak_mb=after.ru_maxrss * 1024 / 1e6, needed_mb=0.0, status=status),
                 sort_keys=True))
sys.stdout.flush()
