"""The PyTorch hand-off of `initsift search`, proven: for a digits and a breast_cancer search,
load init.safetensors into the equivalent nn.Sequential with strict=True, apply the
preprocessing that search.json records (the scored rows, the per-feature mean and scale), and
compute the initial loss in PyTorch. Writes tests/fixtures/cli_handoff.json, which
tests/cli_pytorch.rs holds search.json's loss to (relative 1e-5) after re-running the same
searches.

Run from the repository root: python3 tools/pytorch/cli_handoff.py
(it builds and runs the command line with cargo).
"""

import csv
import gzip
import io
import json
import os
import re
import subprocess
import tempfile

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file
from torch import nn

from reference import REPO, write_json

#: The searches: the test re-runs exactly these arguments.
CASES = {
    "digits": ["--dataset", "digits", "--arch", "64-32-10", "--samples", "64", "--seed", "7"],
    "breast_cancer": ["--dataset", "breast_cancer", "--arch", "30-16-1", "--samples", "64", "--seed", "7"],
}

MODULES = {"ReLU()": nn.ReLU, "Tanh()": nn.Tanh, "Sigmoid()": nn.Sigmoid, "Identity()": nn.Identity}


def sequential(children):
    """nn.Sequential from search.json's `model.sequential` list."""
    layers = []
    for child in children:
        m = re.fullmatch(r"Linear\((\d+), (\d+)\)", child)
        if m:
            layers.append(nn.Linear(int(m.group(1)), int(m.group(2))))
        else:
            layers.append(MODULES[child]())
    return nn.Sequential(*layers)


def read_builtin(name):
    with gzip.open(os.path.join(REPO, "crates", "data", "data", f"{name}.csv.gz"), "rt") as f:
        rows = list(csv.reader(io.StringIO(f.read())))
    header, body = rows[0], [r for r in rows[1:] if r]
    data = np.array(body, dtype=np.float64)
    t = header.index("target")
    features = np.delete(data, t, axis=1).astype(np.float32)
    return features, data[:, t]


def initial_loss(out_dir):
    with open(os.path.join(out_dir, "search.json")) as f:
        record = json.load(f)
    pre = record["preprocessing"]
    name = record["request"]["data"].removeprefix("builtin:")
    x, y = read_builtin(name)
    rows = record["scored_rows"]
    assert len(rows) == record["rows_scored"]
    x = torch.from_numpy(x[rows])
    mean = torch.tensor(pre["feature_mean"], dtype=torch.float32)
    scale = torch.tensor(pre["feature_scale"], dtype=torch.float32)
    x = (x - mean) / scale
    model = sequential(record["model"]["sequential"])
    model.load_state_dict(load_file(os.path.join(out_dir, "init.safetensors")), strict=True)
    with torch.no_grad():
        out = model(x)
        labels = torch.tensor(y[rows])
        loss = record["model"]["loss"]
        if loss == "ce":
            value = F.cross_entropy(out, labels.long())
        elif loss == "bce":
            value = F.binary_cross_entropy_with_logits(out, labels.float().unsqueeze(1))
        else:
            raise ValueError(loss)
    pick = record["picks"][0]
    return {
        "pick": {"seed": pick["seed"], "index": pick["index"]},
        "rows_scored": record["rows_scored"],
        "search_json_loss": pick["loss"],
        "torch_loss": float(value),
    }


def main():
    subprocess.run(["cargo", "build", "--release", "--bin", "initsift"], cwd=REPO, check=True)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(REPO, "target"))
    binary = os.path.join(target, "release", "initsift")
    cases = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, args in CASES.items():
            out = os.path.join(tmp, name)
            subprocess.run([binary, "search", *args, "--quiet", "--out", out], check=True)
            cases[name] = {"args": args, **initial_loss(out)}
            print(name, cases[name])
    write_json("tests/fixtures/cli_handoff.json", {"cases": cases})


if __name__ == "__main__":
    main()
