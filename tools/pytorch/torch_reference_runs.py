"""Writes crates/nn/tests/fixtures/torch_reference_runs.json: whole training runs of the XOR studies' controls in PyTorch,
under the reference code's training loop and stop rules (tr_xor_configs.md §1.2), for
crates/nn/tests/torch_parity.rs to compare run by run with initsift's Trainer: epochs completed,
why the run stopped, final loss and accuracy.

The loop is reference.reference_train. Success is 4/4 correct (relu1: output >= 0.5 against the
0/1 target; relu2: argmax against the one-hot row).

Inits are drawn with numpy (fixed seed) from the studies' laws: relu1 weights N(0, 0.5²), biases
0; relu2 W1 N(0, 1) (kaiming normal, fan_in 2), W2 N(0, 0.5) (xavier normal, 2→2), biases 0.

Not part of the build: run by hand with PyTorch installed (see README.md here),
    python3 tools/pytorch/torch_reference_runs.py
"""

import numpy as np
import torch

from reference import preset_model, reference_train, write_json

ARMS = [
    # name, model, optimizer (initsift's serde form), torch optimizer, epochs, plateau, runs
    (
        "relu1_control",
        "relu1",
        {"kind": "adam", "lr": 0.01, "beta2": 0.99},
        lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.9, 0.99)),
        800,
        (1e-24, 10),
        500,
    ),
    ("relu2_control", "relu2", {"kind": "sgd", "lr": 0.1}, lambda p: torch.optim.SGD(p, lr=0.1), 600, None, 200),
]


def draw(rng, model):
    """An init from the study's law (float32, flat layout)."""
    if model == "relu1":
        return (rng.standard_normal(4) * 0.5).astype(np.float32).tolist() + [0.0, 0.0]
    w1 = rng.standard_normal(4).astype(np.float32)
    w2 = (rng.standard_normal(4) * np.sqrt(0.5)).astype(np.float32)
    return w1.tolist() + [0.0, 0.0] + w2.tolist() + [0.0, 0.0]


def main():
    rng = np.random.default_rng(20261122)
    arms = []
    for name, model_name, config, make_optimizer, max_epochs, plateau, count in ARMS:
        runs = []
        for _ in range(count):
            init = draw(rng, model_name)
            model, target = preset_model(model_name, init)
            result = reference_train(
                model, target, make_optimizer(model.parameters()), max_epochs, 1e-7, plateau
            )
            runs.append({"init": init, **result})
        wins = sum(r["final_accuracy"] == 1.0 for r in runs)
        print(f"{name}: {wins}/{len(runs)} successful")
        arms.append(
            {
                "name": name,
                "model": model_name,
                "optimizer": config,
                "max_epochs": max_epochs,
                "loss_below": 1e-7,
                "plateau": None if plateau is None else {"min_delta": plateau[0], "patience": plateau[1]},
                "runs": runs,
            }
        )
    write_json(
        "crates/nn/tests/fixtures/torch_reference_runs.json",
        {"generated_by": "python3 tools/pytorch/torch_reference_runs.py", "arms": arms},
    )


if __name__ == "__main__":
    torch.set_num_threads(1)
    main()
