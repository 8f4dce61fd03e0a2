"""The reference workloads in numpy: hand-written backprop, full-batch GD, mean logistic loss.
W3's 64 and W4's 512 networks are stacked and trained together with batched matmuls."""
import time

import numpy as np

import common


def sigmoid(t):
    return 0.5 * (1 + np.tanh(0.5 * t))  # stable for any t


def train(x, y, ws, v, lr, steps):
    """x: (B, n, d); y: (B, n); ws: [(B, m, in)]; v: (B, m); lr: (B,). Returns final losses (B,)."""
    n = x.shape[1]
    for _ in range(steps):
        hs, zs = [x], []
        h = x
        for w in ws:
            z = h @ w.transpose(0, 2, 1)
            zs.append(z)
            h = np.maximum(z, 0)
            hs.append(h)
        f = np.einsum("bnm,bm->bn", h, v)
        df = -y * sigmoid(-y * f) / n
        gv = np.einsum("bnm,bn->bm", h, df)
        g = df[:, :, None] * v[:, None, :]
        grads = [None] * len(ws)
        for l in range(len(ws) - 1, -1, -1):
            dz = g * (zs[l] > 0)
            grads[l] = dz.transpose(0, 2, 1) @ hs[l]
            if l > 0:
                g = dz @ ws[l]
        for l in range(len(ws)):
            ws[l] -= lr[:, None, None] * grads[l]
        v -= lr[:, None] * gv
    h = x
    for w in ws:
        h = np.maximum(h @ w.transpose(0, 2, 1), 0)
    f = np.einsum("bnm,bm->bn", h, v)
    return np.logaddexp(0, -y * f).mean(axis=1)


def main():
    a = common.args()
    nets = common.load(a.data, a.workload, a.dtype)
    dt = nets[0]["x"].dtype
    x = np.stack([n["x"] for n in nets])
    y = np.stack([n["y"] for n in nets])
    ws = [np.stack([n["hidden"][l] for n in nets]) for l in range(len(nets[0]["hidden"]))]
    v = np.stack([n["v"] for n in nets])
    lr = np.array([n["lr"] for n in nets], dtype=dt)
    base = common.rss_mb()
    cpu = time.process_time()
    start = time.perf_counter()
    losses = train(x, y, ws, v, lr, nets[0]["steps"])
    seconds = time.perf_counter() - start
    common.report("numpy", a.workload, a.dtype, nets, seconds, losses, base, time.process_time() - cpu)


if __name__ == "__main__":
    main()
