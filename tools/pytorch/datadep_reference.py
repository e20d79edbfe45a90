"""Records the data-dependent initializers' objectives and runs with PyTorch, for
crates/datadep/tests/torch_parity.rs, and times each method for the speed comparison.

Written from the official code's semantics (../shared/reference/init_methods.md §1, §2, §4):
NIO (HarborYuan/GradCosine), GradInit (zhuchen03/gradinit), MetaInit (paper Fig. 2), LSUV
(official Caffe script). Scales are differentiated by autograd through θ_k = α_k·θ_k⁽⁰⁾ with
create_graph=True; nothing here shares code with initsift.

Fixed data: the first rows of crates/data/data/digits.csv.gz, pixels / 16, one-hot targets. Fixed
parameters: tensor k, entry j = s·sin(0.7·j + 0.3·k + 1), s = 1/√fan_in (weights),
0.1/√fan_in (biases), rounded to f32. Model 64-32-10 with ReLU, float64.

Run from the repository root: python3 tools/pytorch/datadep_reference.py
"""

import csv
import gzip
import math
import os
import time

import torch
import torch.nn.functional as F

from reference import REPO, write_json

torch.set_default_dtype(torch.float64)
WIDTHS = [64, 32, 10]


def digits(rows):
    with gzip.open(os.path.join(REPO, "crates", "data", "data", "digits.csv.gz"), "rt") as f:
        reader = csv.reader(f)
        next(reader)
        data = [[float(v) for v in row] for _, row in zip(range(rows), reader)]
    t = torch.tensor(data)
    x = t[:, :-1] / 16.0
    labels = t[:, -1].long()
    return x, F.one_hot(labels, 10).to(x.dtype)


def fixed_params():
    out = []
    k = 0
    for fan_in, fan_out in zip(WIDTHS[:-1], WIDTHS[1:]):
        for rows, cols, s in ((fan_out, fan_in, 1.0), (1, fan_out, 0.1)):
            j = torch.arange(rows * cols, dtype=torch.float64)
            val = s / math.sqrt(fan_in) * torch.sin(0.7 * j + 0.3 * k + 1.0)
            val = val.float().double()  # initialize() takes f32 parameters
            out.append(val.reshape(rows, cols) if rows > 1 else val)
            k += 1
    return out


def forward(theta, x):
    h = x
    n = len(theta) // 2
    for i in range(n):
        h = h @ theta[2 * i].T + theta[2 * i + 1]
        if i < n - 1:
            h = torch.relu(h)
    return h


def ce(theta, x, y, reduction="mean"):
    return F.cross_entropy(forward(theta, x), y.argmax(1), reduction=reduction)


def sub_batch_bounds(bs, chunks, r):
    length = int(bs / chunks)
    out = []
    for i in range(chunks):
        if i == 0:
            out.append((0, int((1 + r) * length * 1)))
        elif i == chunks - 1:
            out.append((int((1 - r) * length * i), bs))
        else:
            out.append((int((1 - r) * length * i), int((1 + r) * length * (i + 1))))
    return out


def gradcosine(theta, x, y, chunks, r, target, gn_mul=1.0):
    """GC, GN, V and J as graph values (the g_d are taken with create_graph=True)."""
    per_sample = ce(theta, x, y, reduction="none")
    grads = []
    for lo, hi in sub_batch_bounds(x.shape[0], chunks, r):
        g = torch.autograd.grad(per_sample[lo:hi].mean(), theta, create_graph=True)
        grads.append(torch.cat([t.flatten() for t in g]))
    gs = torch.stack(grads)
    norms = gs.square().sum(1).sqrt()
    d = gs.shape[0]
    sim = (gs @ gs.T) / (norms[:, None] @ norms[None])
    sim = sim - torch.diag(torch.diag(sim))
    gc = sim.sum() / (d * d - d)
    var = torch.var(gs, dim=0, unbiased=False).sum()
    j = {
        "gc": -gc,
        "gc_gn": -gc - norms.square().sum() * gn_mul,
        "gc_gn_sqrt": -gc - norms.sum() * gn_mul,
        "gv": var,
        "gv_gn": var - norms.square().sum() * gn_mul,
        "gv_gn_sqrt": var - norms.sum() * gn_mul,
    }[target]
    return gc, norms.mean(), var, j


def scaled(alpha, base):
    return [a * b for a, b in zip(alpha, base)]


def leaf_alpha(n):
    return [torch.tensor(1.0, requires_grad=True) for _ in range(n)]


def gradinit_norm(theta, x, y, opt, normalize):
    loss = ce(theta, x, y)
    g = torch.autograd.grad(loss, theta, create_graph=True)
    if opt == "adam":
        norm = sum(t.abs().sum() for t in g)
        d = [t.sign().detach() for t in g]
    else:
        norm = sum(t.square().sum() for t in g).sqrt()
        d = [(t / norm if normalize else t).detach() for t in g]
    return loss, norm, d


def gradient_quotient(weights, all_theta_fn, x, y, eps=1e-5):
    loss = ce(all_theta_fn(), x, y)
    g = torch.autograd.grad(loss, weights, create_graph=True)
    hg = torch.autograd.grad(sum((t**2).sum() / 2 for t in g), weights, create_graph=True)
    out = sum(
        ((a - b) / (a + eps * (2 * (a >= 0).double() - 1).detach()) - 1).abs().sum()
        for a, b in zip(g, hg)
    )
    return out / sum(w.numel() for w in weights)


def objectives_at_fixed_point(base):
    """Values and d/dα at α = 1 (every objective), on fixed batches."""
    x, y = digits(128)
    out = {}
    for target in ["gc", "gc_gn_sqrt"]:
        alpha = leaf_alpha(len(base))
        gc, gn, var, j = gradcosine(scaled(alpha, base), x[:64], y[:64], 4, 0.2, target)
        dj = torch.autograd.grad(j, alpha, retain_graph=True)
        dgn = torch.autograd.grad(gn, alpha)
        out[f"gradcosine_{target}"] = {
            "gc": gc.item(), "gn": gn.item(), "var": var.item(), "objective": j.item(),
            "d_objective": [v.item() for v in dj], "d_gn": [v.item() for v in dgn],
        }
    # GradInit: S = rows [0, 64), S̃ = rows [0, 32) ∪ [64, 96), η = 0.1.
    xt, yt = torch.cat([x[:32], x[64:96]]), torch.cat([y[:32], y[64:96]])
    for opt, normalize in [("sgd", True), ("adam", False)]:
        alpha = leaf_alpha(len(base))
        theta = scaled(alpha, base)
        _, norm, d = gradinit_norm(theta, x[:64], y[:64], opt, normalize)
        dnorm = torch.autograd.grad(norm, alpha, retain_graph=True)
        stepped = [t - 0.1 * s for t, s in zip(theta, d)]
        j = ce(stepped, xt, yt) / 0.1
        dj = torch.autograd.grad(j, alpha)
        out[f"gradinit_{opt}"] = {
            "norm": norm.item(), "objective": j.item(),
            "d_norm": [v.item() for v in dnorm], "d_objective": [v.item() for v in dj],
        }
    alpha = leaf_alpha(len(base))
    theta = scaled(alpha, base)
    weights = theta[0::2]
    gq = gradient_quotient(weights, lambda: theta, x[:64], y[:64])
    dgq = torch.autograd.grad(gq, alpha[0::2])
    out["metainit"] = {"gq": gq.item(), "d_gq": [v.item() for v in dgq]}
    return out


class RescaleAdam:
    """Adam on one scale per tensor, with the official quirks (init_methods.md §1.4)."""

    def __init__(self, params, min_scales, lr, clip, betas=(0.9, 0.999), eps=1e-8):
        self.params, self.min_scales, self.lr, self.clip = params, min_scales, lr, clip
        self.b1, self.b2, self.eps = betas[0], betas[1], eps
        self.state = [dict(alpha=1.0, init_norm=p.norm().item(), step=0, cons_step=0,
                           m=0.0, mc=0.0, v=0.0) for p in params]

    @torch.no_grad()
    def step(self, constraint):
        for p, lo, s in zip(self.params, self.min_scales, self.state):
            curr = p.norm().item()
            if s["init_norm"] == 0 or curr == 0:
                continue
            h = torch.sum(p.grad * p).item() * s["init_norm"] / curr
            if self.clip > 0:
                h = max(min(h, self.clip), -self.clip)
            if constraint:
                s["cons_step"] += 1
                s["mc"] = s["mc"] * self.b1 + h * (1 - self.b1)
                steps, m = s["cons_step"], s["mc"]
            else:
                s["step"] += 1
                s["m"] = s["m"] * self.b1 + h * (1 - self.b1)
                steps, m = s["step"], s["m"]
            s["v"] = s["v"] * self.b2 + h * h * (1 - self.b2)
            bc1 = 1 - self.b1**steps
            bc2 = 1 - self.b2 ** (s["cons_step"] + s["step"])
            denom = math.sqrt(s["v"] / bc2) + self.eps
            s["alpha"] = max(s["alpha"] - self.lr / bc1 * m / denom, lo)
            p.mul_(s["alpha"] * s["init_norm"] / curr)

    def scales(self):
        return [s["alpha"] for s in self.state]


def leaf_params(base):
    return [b.clone().requires_grad_(True) for b in base]


def min_scales(n, min_scale):
    return [min_scale if k % 2 == 0 else 0.0 for k in range(n)]


def run_nio(base, x, y, iters, batch, chunks, r, gamma, lr, target, record=True):
    params = leaf_params(base)
    opt = RescaleAdam(params, min_scales(len(params), 0.01), lr, 1.0)
    steps = []
    n = x.shape[0]
    for t in range(iters):
        rows = [(t * batch + i) % n for i in range(batch)]
        gc, gn, var, j = gradcosine(params, x[rows], y[rows], chunks, r, target)
        constraint = gn.item() > gamma
        for p in params:
            p.grad = None
        (gn if constraint else j).backward()
        opt.step(constraint)
        if record:
            steps.append({"kind": "constraint" if constraint else "objective",
                          "objective": j.item(), "constraint": gn.item(), "scales": opt.scales()})
    return steps, params


def run_gradinit(base, x, y, iters, batch, gamma, lr, eta, alg, normalize, record=True):
    params = leaf_params(base)
    opt = RescaleAdam(params, min_scales(len(params), 0.01), lr, 1.0)
    half, n, load = batch // 2, x.shape[0], 0
    steps = []

    def next_load():
        nonlocal load
        rows = [(load * half + i) % n for i in range(half)]
        load += 1
        return x[rows], y[rows]

    for _ in range(iters):
        a = next_load()
        b = next_load()
        xs, ys = torch.cat([a[0], b[0]]), torch.cat([a[1], b[1]])
        _, norm, d = gradinit_norm(params, xs, ys, alg, normalize)
        for p in params:
            p.grad = None
        if norm.item() > gamma:
            norm.backward()
            opt.step(True)
            if record:
                steps.append({"kind": "constraint", "objective": None,
                              "constraint": norm.item(), "scales": opt.scales()})
            continue
        c = next_load()
        stepped = [p - eta * s for p, s in zip(params, d)]
        j = ce(stepped, torch.cat([a[0], c[0]]), torch.cat([a[1], c[1]])) / eta
        j.backward()
        opt.step(False)
        if record:
            steps.append({"kind": "objective", "objective": j.item(),
                          "constraint": norm.item(), "scales": opt.scales()})
    return steps, params


def run_metainit(base, x, y, iters, batch, lr=0.1, momentum=0.9):
    params = leaf_params(base)
    weights = params[0::2]
    memory = [0.0] * len(weights)
    n = x.shape[0]
    for t in range(iters):
        rows = [(t * batch + i) % n for i in range(batch)]
        gq = gradient_quotient(weights, lambda: params, x[rows], y[rows])
        grads = torch.autograd.grad(gq, weights)
        with torch.no_grad():
            for i, (w, g) in enumerate(zip(weights, grads)):
                norm = w.norm().item()
                s = torch.sign((w * g).sum() / norm).item()
                memory[i] = momentum * memory[i] - lr * s
                w.mul_((norm + memory[i]) / norm)
    return params


def run_lsuv(base, x, tol=0.02, max_iter=20):
    params = [b.clone() for b in base]
    for i in range(0, len(params), 2):
        w = params[i]
        q, _ = torch.linalg.qr(torch.randn(max(w.shape), min(w.shape)))
        params[i] = (q if w.shape[0] >= w.shape[1] else q.T).contiguous()
    with torch.no_grad():
        for layer in range(len(params) // 2):
            for it in range(max_iter + 1):
                h = x
                for i in range(layer + 1):
                    h = h @ params[2 * i].T + params[2 * i + 1]
                    if i < layer:
                        h = torch.relu(h)
                v = h.var(unbiased=False).item()
                if abs(v - 1) <= tol or it == max_iter:
                    break
                params[2 * layer] /= math.sqrt(v)
    return params


def timings(base):
    """Seconds per call on digits 64-32-10 (B = 64, T = 100), float32, one thread."""
    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float32)
    x, y = digits(1797)
    x, y = x.float(), y.float()
    base32 = [b.float() for b in base]
    runs = {
        "nio": lambda: run_nio(base32, x, y, 100, 64, 4, 0.2, 10.0, 0.003, "gc_gn_sqrt", False),
        "grad_init": lambda: run_gradinit(base32, x, y, 100, 64, 1.0, 0.01, 0.1, "sgd", True, False),
        "meta_init": lambda: run_metainit(base32, x, y, 100, 64),
        "lsuv": lambda: run_lsuv(base32, x[:64]),
    }
    out = {}
    for name, f in runs.items():
        f()  # warm-up
        best = math.inf
        for _ in range(3):
            start = time.perf_counter()
            f()
            best = min(best, time.perf_counter() - start)
        out[name] = best
        print(f"torch {name}: {best * 1e3:.1f} ms")
    torch.set_default_dtype(torch.float64)
    return out


def main():
    torch.manual_seed(0)
    base = fixed_params()
    fixed = objectives_at_fixed_point(base)
    x, y = digits(128)
    nio_runs = {
        # The released config's shape (D = 4, r = 0.2, gc_gn_sqrt), τ raised to 0.05 so that ten
        # steps move the scales visibly; γ = 10 keeps every step an objective step here.
        "released": run_nio(base, x, y, 10, 64, 4, 0.2, 10.0, 0.05, "gc_gn_sqrt")[0],
        # γ below the starting GN: constraint steps first, then objective steps.
        "constrained": run_nio(base, x, y, 10, 64, 2, 0.0, 0.45, 0.05, "gc")[0],
    }
    gradinit_runs = {
        "sgd": run_gradinit(base, x, y, 10, 64, 1.0, 0.05, 0.1, "sgd", True)[0],
        "adam_constrained": run_gradinit(base, x, y, 10, 64, 15.0, 0.05, 0.01, "adam", False)[0],
    }
    write_json(
        "crates/datadep/tests/fixtures/torch_datadep.json",
        {
            "script": "tools/pytorch/datadep_reference.py",
            "model": "64-32-10 relu, float64, cross_entropy",
            "fixed_point": fixed,
            "nio": nio_runs,
            "gradinit": gradinit_runs,
            "torch_seconds": timings(base),
        },
    )


if __name__ == "__main__":
    main()
