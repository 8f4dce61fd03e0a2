"""The reference workloads in JAX: jax.grad of the mean logistic loss, the GD steps in one
jitted lax.fori_loop; W3 and W4 vmap one network's training over their 64 or 512 networks.
Timed after a warm-up call (compilation excluded)."""
import sys
import time

import common

a = common.args()
import jax  # noqa: E402

if a.dtype == "float64":
    jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402


def loss(params, x, y):
    ws, v = params
    h = x
    for w in ws:
        h = jnp.maximum(h @ w.T, 0)
    return jnp.mean(jnp.logaddexp(0, -y * (h @ v)))


def train(params, x, y, lr, steps):
    grad = jax.grad(loss)

    def step(_, p):
        g = grad(p, x, y)
        return jax.tree_util.tree_map(lambda w, gw: w - lr * gw, p, g)

    p = jax.lax.fori_loop(0, steps, step, params)
    return loss(p, x, y)


def main():
    nets = common.load(a.data, a.workload, a.dtype)
    steps = nets[0]["steps"]
    x = jnp.asarray(np.stack([n["x"] for n in nets]))
    y = jnp.asarray(np.stack([n["y"] for n in nets]))
    ws = [jnp.asarray(np.stack([n["hidden"][l] for n in nets])) for l in range(len(nets[0]["hidden"]))]
    v = jnp.asarray(np.stack([n["v"] for n in nets]))
    lr = jnp.asarray(np.array([n["lr"] for n in nets], dtype=nets[0]["x"].dtype))
    if len(nets) == 1:
        run = jax.jit(lambda p, x, y, lr: train(p, x, y, lr, steps))
        call = lambda: run(([w[0] for w in ws], v[0]), x[0], y[0], lr[0])[None]
    else:
        run = jax.jit(jax.vmap(lambda p, x, y, lr: train(p, x, y, lr, steps)))
        call = lambda: run((ws, v), x, y, lr)
    base = common.rss_mb()  # before compiling: XLA's compile-time memory counts, as the trainer's setup does
    call().block_until_ready()  # compile
    cpu = time.process_time()
    start = time.perf_counter()
    losses = np.asarray(call().block_until_ready())
    seconds = time.perf_counter() - start
    common.report("jax", a.workload, a.dtype, nets, seconds, losses, base, time.process_time() - cpu)


if __name__ == "__main__":
    main()
