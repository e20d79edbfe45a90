"""Writes crates/batch/tests/fixtures/mlp_train_torch.json: minibatch training of a digits
64-32-10 ReLU MLP in PyTorch, which crates/batch/tests/mlp_train_vs_torch.rs holds initsift's
batched MLP trainer to, epoch by epoch.

The data are the first ROWS rows of crates/data/data/digits.csv.gz with pixel counts divided by 16 (exact
in f32, so both sides see the same inputs). Each run starts from an explicit initial vector
(nn.Linear's default init under a fixed torch seed, stored in initsift's flat layout: per
layer weight [out, in] row-major, then bias) and every run of an arm sees the same explicit
minibatch orders (torch.randperm, stored per epoch). The loss is nn.CrossEntropyLoss on the
class index; the epoch loss is the size-weighted mean of the minibatch losses at their
pre-step parameters, in float64 from the float32 minibatch losses (the Trainer's definition).

Not part of the build: run by hand with PyTorch installed (see README.md here),
    python3 tools/pytorch/mlp_train_digits.py
"""

import gzip
import os

import numpy as np
import torch
from torch import nn

from reference import REPO, write_json
from torch_trajectories import optimizer

ROWS = 256
BATCH = 32
EPOCHS = 8
RUNS = 3
SIZES = [64, 32, 10]
ARMS = [
    ("sgd_momentum", {"kind": "sgd", "lr": 0.05, "momentum": 0.9}),
    ("adam", {"kind": "adam", "lr": 1e-3}),
    ("rmsprop", {"kind": "rms_prop", "lr": 1e-3}),
]


def digits():
    with gzip.open(os.path.join(REPO, "crates", "data", "data", "digits.csv.gz"), "rt") as f:
        rows = [line.strip().split(",") for line in f][1 : ROWS + 1]
    a = np.array(rows, dtype=np.float64)
    return torch.tensor(a[:, :-1] / 16.0, dtype=torch.float32), torch.tensor(a[:, -1], dtype=torch.long)


def model_from(init):
    layers = [nn.Linear(SIZES[0], SIZES[1]), nn.ReLU(), nn.Linear(SIZES[1], SIZES[2])]
    model = nn.Sequential(*layers)
    offset = 0
    with torch.no_grad():
        for p in model.parameters():
            n = p.numel()
            p.copy_(torch.tensor(init[offset : offset + n], dtype=torch.float32).reshape(p.shape))
            offset += n
    return model


def flat(model):
    return [float(v) for p in model.parameters() for v in p.detach().reshape(-1).tolist()]


def main():
    x, y = digits()
    torch.manual_seed(11)
    inits = [flat(nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))) for _ in range(RUNS)]
    gen = torch.Generator().manual_seed(5)
    orders = [torch.randperm(ROWS, generator=gen).tolist() for _ in range(EPOCHS)]
    arms = []
    for name, config in ARMS:
        runs = []
        for init in inits:
            model = model_from(init)
            # initsift's serde names RMSprop `rms_prop`; the shared helper takes torch's name.
            opt = optimizer({**config, "kind": config["kind"].replace("rms_prop", "rmsprop")}, model.parameters())
            criterion = nn.CrossEntropyLoss()
            losses = []
            for order in orders:
                total = 0.0
                for start in range(0, ROWS, BATCH):
                    idx = torch.tensor(order[start : start + BATCH])
                    opt.zero_grad()
                    loss = criterion(model(x[idx]), y[idx])
                    loss.backward()
                    opt.step()
                    total += float(loss.item()) * len(idx)
                losses.append(total / ROWS)
            runs.append({"losses": losses})
        arms.append({"name": name, "optimizer": config, "runs": runs})
    write_json(
        "crates/batch/tests/fixtures/mlp_train_torch.json",
        {
            "generated_by": "python3 tools/pytorch/mlp_train_digits.py",
            "data": f"first {ROWS} rows of crates/data/data/digits.csv.gz, features / 16",
            "model": "64-32-10 relu",
            "loss": "cross_entropy",
            "batch_size": BATCH,
            "epochs": EPOCHS,
            "inits": inits,
            "orders": orders,
            "arms": arms,
        },
    )


if __name__ == "__main__":
    torch.set_num_threads(1)
    main()
