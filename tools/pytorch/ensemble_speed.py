"""Measures the peers' training throughput that issue #11 quotes, on this machine, so that
initsift's batched MLP trainer (experiments/src/bin/throughput.rs, `train-mlp-*` rows) can be
compared with them on the same hardware. The issue quotes, from another machine:

    digits 64-32-10 ReLU, CE, Adam 1e-3, minibatch 64, 1400 rows:
    PyTorch per-run loop 1.3e2 run-epochs/s; torch.func vmap ensemble (R = 256) 2.1e3;
    JAX vmap+jit ensemble (R = 256) 3.8e3.

The data match throughput.rs's `digits_training()` in shape and preprocessing: 1400 rows of
crates/data/data/digits.csv.gz, each of the 64 features standardized by its mean and population
standard deviation over those rows (a constant feature becomes all zeros). The Rust side draws
its subset with its own RNG, which Python cannot reproduce; here the 1400 rows are a seeded
numpy permutation's first 1400 (seed --seed). Throughput does not depend on which rows.

Every peer trains the same recipe: torch's default nn.Linear init (weights and biases
U(-1/sqrt(fan_in), 1/sqrt(fan_in))), softmax cross-entropy (mean over the minibatch), Adam
(lr 1e-3, torch's defaults otherwise), minibatch 64 in a fresh shuffled order every epoch with
the last partial batch kept (1400 = 21 x 64 + 56, as a DataLoader with drop_last=False would),
float32, on the CPU. Minibatches are gathered by indexing the data tensors, not through a
DataLoader, so no peer pays for Python-side batching.

- torch_loop: one nn.Sequential and one torch.optim.Adam at a time, the plain training loop.
- torch_func_vmap: R models stacked by torch.func.stack_module_state, the forward pass
  vmap(functional_call) over the stacked parameters, the loss the sum over runs of each run's
  mean cross-entropy (so each run's gradient is its own), one backward pass and one
  torch.optim.Adam over the stacked tensors. Adam is elementwise, so this is R independent Adams.
  All runs share the minibatch order.
- jax_vmap_jit: the same MLP in jax.numpy, Adam written out with torch's update rule, one
  minibatch step (gather, forward, grad, Adam) jitted and vmapped over R runs that share the
  minibatch order. Skipped, and said so, if `import jax` fails (`pip install jax` installs the
  CPU wheels).

A figure is run-epochs per second: runs x epochs / wall seconds, the best of --repeats timed
repeats, each from fresh inits (made outside the timer) after one untimed warm-up epoch per peer
(which also compiles the JAX step for both batch shapes). Threads: torch.set_num_threads(n) for
torch; for JAX, whose CPU thread pool sizes itself from the CPUs the process may use, the process
is pinned to n CPUs when n is below that count, and n = 1 also turns off XLA's multi-threaded
Eigen. Pinning applies to every peer alike.

Not part of the build and not a fixture: run by hand on an idle machine from the repository
root (see README.md here),
    python3 tools/pytorch/ensemble_speed.py
writes tools/pytorch/ensemble_speed.json; --quick is a smoke run of a few seconds.
"""

import argparse
import copy
import gzip
import json
import os
import platform
import sys
import time

import numpy as np

#: The repository's root (this file is tools/pytorch/ensemble_speed.py).
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

ROWS = 1400
BATCH = 64
SIZES = [64, 32, 10]
LR = 1e-3
BETAS = (0.9, 0.999)
EPS = 1e-8
PEERS = ["torch_loop", "torch_func_vmap", "jax_vmap_jit"]


def parse_args():
    p = argparse.ArgumentParser(
        description="Run-epochs/s of issue #11's peers (PyTorch loop, torch.func vmap, JAX vmap+jit) on digits "
        "64-32-10, Adam 1e-3, minibatch 64; writes JSON. See the docstring of this file."
    )
    p.add_argument("--threads", type=int, default=2, help="intra-op threads for torch and JAX (default 2, this machine's cores)")
    p.add_argument("--loop-runs", type=int, default=8, help="runs of the per-run loop (default 8)")
    p.add_argument("--loop-epochs", type=int, default=2, help="timed epochs per run of the loop (default 2)")
    p.add_argument("--runs", type=int, default=256, help="runs R of each ensemble (default 256)")
    p.add_argument("--epochs", type=int, default=5, help="timed epochs E of each ensemble (default 5)")
    p.add_argument("--repeats", type=int, default=3, help="timed repeats; the fastest counts (default 3)")
    p.add_argument("--seed", type=int, default=0, help="seed of the row subset, the inits and the orders")
    p.add_argument("--peers", default=",".join(PEERS), help=f"comma-separated subset of {','.join(PEERS)}")
    p.add_argument("--out", default=os.path.join(REPO, "tools", "pytorch", "ensemble_speed.json"), help="JSON output path")
    p.add_argument("--quick", action="store_true", help="smoke run: 2 loop runs x 1 epoch, R = 16 x 1 epoch, 1 repeat")
    args = p.parse_args()
    if args.quick:
        args.loop_runs, args.loop_epochs, args.runs, args.epochs, args.repeats = 2, 1, 16, 1, 1
    args.peers = [s.strip() for s in args.peers.split(",") if s.strip()]
    unknown = [s for s in args.peers if s not in PEERS]
    if unknown:
        p.error(f"unknown peers {unknown}; choose from {PEERS}")
    if min(args.threads, args.loop_runs, args.loop_epochs, args.runs, args.epochs, args.repeats) < 1:
        p.error("--threads, --loop-runs, --loop-epochs, --runs, --epochs and --repeats must be >= 1")
    return args


def set_threads(n):
    """Pins the process to n CPUs if it may use more, and sets XLA_FLAGS for n = 1; must run
    before jax is imported. Returns a description for the JSON."""
    notes = []
    if hasattr(os, "sched_getaffinity"):
        cpus = sorted(os.sched_getaffinity(0))
        if n < len(cpus):
            os.sched_setaffinity(0, cpus[:n])
            notes.append(f"process pinned to CPUs {cpus[:n]}")
    if n == 1:
        flags = os.environ.get("XLA_FLAGS", "")
        os.environ["XLA_FLAGS"] = (flags + " --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1").strip()
        notes.append("XLA_FLAGS=" + os.environ["XLA_FLAGS"])
    return notes


def digits(seed):
    """A seeded 1400-row subset of digits, standardized per feature (float32), and its labels."""
    with gzip.open(os.path.join(REPO, "crates", "data", "data", "digits.csv.gz"), "rt") as f:
        rows = [line.strip().split(",") for line in f][1:]
    a = np.array(rows, dtype=np.float64)
    a = a[np.random.default_rng(seed).permutation(len(a))[:ROWS]]
    x, y = a[:, :-1], a[:, -1].astype(np.int64)
    mean, std = x.mean(axis=0), x.std(axis=0)
    x = np.where(std > 0, (x - mean) / np.where(std > 0, std, 1.0), 0.0)
    return x.astype(np.float32), y


def cpu_info():
    """The CPU's model name and the vector extensions among its flags that decide initsift's
    ISA (and XLA's and torch's kernels): the same name can come with or without AVX-512."""
    name, flags = None, set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name") and name is None:
                    name = line.split(":", 1)[1].strip()
                elif line.startswith("flags") and not flags:
                    flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    simd = [f for f in ("avx512f", "avx2", "fma") if f in flags]
    return name or platform.processor() or platform.machine(), simd


def batches(order):
    """Minibatch index slices of one epoch's order, the last partial batch kept."""
    return [order[s : s + BATCH] for s in range(0, len(order), BATCH)]


def timed(train, repeats):
    """Best wall seconds of `repeats` calls of train(), which returns its own timed seconds."""
    return min(train() for _ in range(repeats))


# --- PyTorch ----------------------------------------------------------------------------------


def torch_mlp():
    from torch import nn

    return nn.Sequential(nn.Linear(SIZES[0], SIZES[1]), nn.ReLU(), nn.Linear(SIZES[1], SIZES[2]))


def torch_loop(x, y, args, gen):
    """The plain loop: run after run, each its own model and optimizer."""
    import torch
    import torch.nn.functional as F

    n = x.shape[0]

    def epochs(model, opt, count):
        for _ in range(count):
            for idx in batches(torch.randperm(n, generator=gen)):
                opt.zero_grad()
                F.cross_entropy(model(x[idx]), y[idx]).backward()
                opt.step()

    def fresh():
        model = torch_mlp()
        return model, torch.optim.Adam(model.parameters(), lr=LR)

    epochs(*fresh(), 1)  # warm-up
    last = []

    def train():
        runs = [fresh() for _ in range(args.loop_runs)]
        start = time.perf_counter()
        for model, opt in runs:
            epochs(model, opt, args.loop_epochs)
        seconds = time.perf_counter() - start
        last[:] = [m for m, _ in runs]
        return seconds

    seconds = timed(train, args.repeats)
    with torch.no_grad():
        loss = float(np.mean([F.cross_entropy(m(x), y).item() for m in last]))
    return args.loop_runs, args.loop_epochs, seconds, loss


def torch_func_vmap(x, y, args, gen):
    """R stacked models: vmap(functional_call) forward, one backward, one Adam."""
    import torch
    import torch.nn.functional as F
    from torch.func import functional_call, stack_module_state, vmap

    n, r = x.shape[0], args.runs
    base = copy.deepcopy(torch_mlp()).to("meta")

    def forward(params, buffers, xb):
        return functional_call(base, (params, buffers), (xb,))

    ensemble = vmap(forward, in_dims=(0, 0, None))

    def losses(params, buffers, xb, yb):
        logits = ensemble(params, buffers, xb)  # [R, B, 10]
        per = F.cross_entropy(logits.reshape(-1, SIZES[-1]), yb.repeat(r), reduction="none")
        return per.view(r, -1).mean(dim=1)  # each run's mean loss, [R]

    def fresh():
        params, buffers = stack_module_state([torch_mlp() for _ in range(r)])
        return params, buffers, torch.optim.Adam(list(params.values()), lr=LR)

    def epochs(params, buffers, opt, count):
        for _ in range(count):
            for idx in batches(torch.randperm(n, generator=gen)):
                opt.zero_grad()
                losses(params, buffers, x[idx], y[idx]).sum().backward()
                opt.step()

    epochs(*fresh(), 1)  # warm-up
    last = []

    def train():
        state = fresh()
        start = time.perf_counter()
        epochs(*state, args.epochs)
        seconds = time.perf_counter() - start
        last[:] = [state]
        return seconds

    seconds = timed(train, args.repeats)
    with torch.no_grad():
        params, buffers, _ = last[0]
        loss = float(losses(params, buffers, x, y).mean())
    return r, args.epochs, seconds, loss


# --- JAX --------------------------------------------------------------------------------------


def jax_step(x, y):
    """The jitted step over R runs, step(params, m, v, t, idx) -> (params, m, v, t + 1): gather
    minibatch idx of x, y, and for each run (vmapped; params, m, v stacked on axis 0) take its
    mean cross-entropy's gradient and one Adam step with torch's update rule at step t + 1.
    Also returns mean_loss(params, x, y) for one run."""
    import jax
    import jax.numpy as jnp

    b1, b2 = BETAS

    def mean_loss(params, xb, yb):
        (w1, c1), (w2, c2) = params
        logits = jax.nn.relu(xb @ w1.T + c1) @ w2.T + c2
        logp = jax.nn.log_softmax(logits)
        return -jnp.mean(jnp.take_along_axis(logp, yb[:, None], axis=1))

    def one_run(params, m, v, t, xb, yb):
        g = jax.grad(mean_loss)(params, xb, yb)
        m = jax.tree_util.tree_map(lambda m, g: b1 * m + (1 - b1) * g, m, g)
        v = jax.tree_util.tree_map(lambda v, g: b2 * v + (1 - b2) * g * g, v, g)
        # torch.optim.Adam: p -= (lr / bc1) * m / (sqrt(v) / sqrt(bc2) + eps).
        step_size, root_bc2 = LR / (1 - b1**t), jnp.sqrt(1 - b2**t)
        params = jax.tree_util.tree_map(lambda p, m, v: p - step_size * m / (jnp.sqrt(v) / root_bc2 + EPS), params, m, v)
        return params, m, v

    @jax.jit
    def step(params, m, v, t, idx):
        t = t + 1
        xb, yb = x[idx], y[idx]
        params, m, v = jax.vmap(one_run, in_axes=(0, 0, 0, None, None, None))(params, m, v, t, xb, yb)
        return params, m, v, t

    return step, mean_loss


def jax_vmap_jit(x_np, y_np, args, rng):
    """R runs as one vmapped, jitted minibatch step (forward, grad, torch's Adam)."""
    import jax
    import jax.numpy as jnp

    n, r = x_np.shape[0], args.runs
    x, y = jnp.asarray(x_np), jnp.asarray(y_np.astype(np.int32))

    def fresh():
        # nn.Linear's default init: weight and bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
        params = []
        for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
            bound = 1.0 / np.sqrt(fan_in)
            w = rng.uniform(-bound, bound, size=(r, fan_out, fan_in)).astype(np.float32)
            b = rng.uniform(-bound, bound, size=(r, fan_out)).astype(np.float32)
            params.append((jnp.asarray(w), jnp.asarray(b)))
        zeros = jax.tree_util.tree_map(jnp.zeros_like, params)
        return params, zeros, zeros, jnp.zeros((), jnp.float32)

    step, mean_loss = jax_step(x, y)

    def epochs(state, count):
        for _ in range(count):
            for idx in batches(rng.permutation(n).astype(np.int32)):
                state = step(*state, idx)
        jax.block_until_ready(state)
        return state

    epochs(fresh(), 1)  # warm-up: compiles the full and the partial batch's step
    last = []

    def train():
        state = jax.block_until_ready(fresh())
        start = time.perf_counter()
        state = epochs(state, args.epochs)
        seconds = time.perf_counter() - start
        last[:] = [state]
        return seconds

    seconds = timed(train, args.repeats)
    loss = float(jnp.mean(jax.vmap(mean_loss, in_axes=(0, None, None))(last[0][0], x, y)))
    return r, args.epochs, seconds, loss


# --- main -------------------------------------------------------------------------------------


def main():
    args = parse_args()
    thread_notes = set_threads(args.threads)  # before torch and jax start their pools

    import torch

    torch.set_num_threads(args.threads)
    try:
        import jax

        jax_version, jax_error = jax.__version__, None
    except Exception as e:  # noqa: BLE001 - any import failure means no JAX peer
        jax_version, jax_error = None, f"{type(e).__name__}: {e}"

    x_np, y_np = digits(args.seed)
    x, y = torch.from_numpy(x_np), torch.from_numpy(y_np)
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    rng = np.random.default_rng(args.seed + 1)

    cpu, simd = cpu_info()
    machine = {
        "cpu": cpu,
        "simd": simd,
        "cores": os.cpu_count(),
        "torch": torch.__version__,
        "jax": jax_version,
        "python": platform.python_version(),
    }
    config = {
        "data": f"digits (crates/data/data/digits.csv.gz), {ROWS} rows: the first {ROWS} of a numpy "
        f"permutation (default_rng({args.seed})); features standardized by mean and population std "
        "over those rows, constant features set to 0",
        "rows": ROWS,
        "model": "64-32-10 relu, nn.Linear default init",
        "loss": "softmax cross-entropy, mean over the minibatch",
        "optimizer": {"kind": "adam", "lr": LR, "betas": list(BETAS), "eps": EPS},
        "batch_size": BATCH,
        "drop_last": False,
        "shuffle": "fresh order every epoch, shared by an ensemble's runs",
        "dtype": "float32",
        "device": "cpu",
        "threads": args.threads,
        "thread_setup": ["torch.set_num_threads(%d)" % args.threads] + thread_notes,
        "warmup_epochs": 1,
        "repeats": args.repeats,
        "timing": "run-epochs/s = runs * epochs / best wall seconds of the repeats",
        "seed": args.seed,
        "quick": args.quick,
    }
    print(f"{machine['cpu']}, {machine['cores']} cores, {args.threads} threads; torch {machine['torch']}, jax {jax_version}")

    peers, skipped = [], []
    for name in args.peers:
        if name == "jax_vmap_jit" and jax_version is None:
            reason = f"jax not importable ({jax_error}); `pip install jax` installs the CPU wheels"
            print(f"{name:16} skipped: {reason}")
            skipped.append({"peer": name, "reason": reason})
            continue
        if name == "torch_loop":
            runs, epochs, seconds, loss = torch_loop(x, y, args, gen)
        elif name == "torch_func_vmap":
            runs, epochs, seconds, loss = torch_func_vmap(x, y, args, gen)
        else:
            runs, epochs, seconds, loss = jax_vmap_jit(x_np, y_np, args, rng)
        rate = runs * epochs / seconds
        print(f"{name:16} R = {runs:4d}  E = {epochs:2d}  {seconds:8.3f} s  {rate:10.4g} run-epochs/s  (mean train loss after: {loss:.4f})")
        peers.append(
            {
                "peer": name,
                "runs": runs,
                "epochs": epochs,
                "seconds": seconds,
                "run_epochs_per_s": rate,
                "mean_train_loss_after": loss,
            }
        )

    payload = {
        "generated_by": "python3 tools/pytorch/ensemble_speed.py " + " ".join(sys.argv[1:]),
        "machine": machine,
        "config": config,
        "peers": peers,
        "skipped": skipped,
    }
    out = os.path.abspath(args.out)
    with open(out + ".tmp", "w") as f:
        json.dump(payload, f, indent=1)
        f.write("\n")
    os.replace(out + ".tmp", out)
    rel = os.path.relpath(out)
    print(f"wrote {out if rel.startswith(os.pardir) else rel}")


if __name__ == "__main__":
    main()
