"""Shared by the numpy and JAX peers: load the workloads `oversweep bench --export` wrote,
count FLOPs and bytes exactly as the Swift bench does, and print one JSON line."""
import json
import os
import resource
import sys

import numpy as np


def load(root, workload, dtype):
    """[(x, y, [W1..WL], v, lr, steps)] for every network of the workload, in the run's dtype."""
    base = os.path.join(root, f"{workload}_{dtype}")
    nets = []
    for i in sorted(os.listdir(base), key=int):
        d = os.path.join(base, i)
        m = json.load(open(os.path.join(d, "manifest.json")))
        ld = lambda name: np.load(os.path.join(d, m["files"][name]))
        ws = [np.load(os.path.join(d, L["weights"])) for L in m["layers"]]
        cfg = m["config"]
        nets.append(dict(x=ld("x_train"), y=ld("y_train").astype(ws[0].dtype), hidden=ws[:-1], v=ws[-1][0],
                         lr=cfg["lr"], steps=cfg["steps"]))
    return nets


def flops(net):
    n, d = net["x"].shape
    m = net["v"].shape[0]
    L = len(net["hidden"])
    fwd = 2 * n * m * d + 2 * n * m * m * (L - 1) + 2 * n * m
    inp = 2 * n * m + 2 * n * m * m * (L - 1)
    return (2 * fwd + inp) * net["steps"]


def needed_bytes(net):
    n, d = net["x"].shape
    m = net["v"].shape[0]
    L = len(net["hidden"])
    size = net["x"].dtype.itemsize
    params = m * d + m * m * (L - 1) + m
    return size * (3 * params + 2 * L * n * m + 2 * n + n * d)


def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6


def report(impl, workload, dtype, nets, seconds, losses, base, cpu_seconds):
    print(json.dumps(dict(
        impl=impl, workload=workload, dtype=dtype, seconds=seconds, cpu_seconds=cpu_seconds,
        gflops=sum(flops(n) for n in nets) / seconds / 1e9,
        final_loss=float(np.mean(losses)), rss_base_mb=base, rss_peak_mb=rss_mb(),
        needed_mb=sum(needed_bytes(n) for n in nets) / 1e6, status="ok"), sort_keys=True))
    sys.stdout.flush()


def args():
    import argparse
    p = argparse.ArgumentParser()
    p.add_argument("--workload", required=True)
    p.add_argument("--dtype", required=True)
    p.add_argument("--data", required=True)
    return p.parse_args()
