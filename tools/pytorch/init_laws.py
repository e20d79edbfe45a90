"""Writes crates/init/tests/fixtures/torch_init_laws.json: the exact law each torch.nn.init
function draws from, for initsift's schemes to be held to (crates/init/tests/torch_laws.rs).

torch's fan-based initializers compute a bound or a standard deviation in Python and then call
`tensor.uniform_(-bound, bound)` or `tensor.normal_(0, std)`. Recording those calls (by wrapping
the two Tensor methods while the initializer runs) gives the law torch itself uses, fans and gains
included, without re-deriving any formula here. Each case initializes an nn.Linear(in, out)
(weight [out, in]); "linear_default" runs the layer's own reset_parameters and records both the
weight's and the bias's law.

Not part of the build: run by hand with PyTorch installed (see README.md here),
    python3 tools/pytorch/init_laws.py
"""

import math

import torch
from torch import nn

from reference import write_json

SHAPES = [(2, 1), (2, 2), (3, 5), (64, 32), (10, 784)]  # (in, out)


def record(initialize):
    """The uniform_/normal_ calls `initialize()` makes, in order."""
    calls = []
    uniform, normal = torch.Tensor.uniform_, torch.Tensor.normal_

    def rec_uniform(self, a=0.0, b=1.0, *args, **kwargs):
        calls.append({"law": "uniform", "low": float(a), "high": float(b)})
        return uniform(self, a, b, *args, **kwargs)

    def rec_normal(self, mean=0.0, std=1.0, *args, **kwargs):
        calls.append({"law": "normal", "mean": float(mean), "std": float(std)})
        return normal(self, mean, std, *args, **kwargs)

    torch.Tensor.uniform_, torch.Tensor.normal_ = rec_uniform, rec_normal
    try:
        initialize()
    finally:
        torch.Tensor.uniform_, torch.Tensor.normal_ = uniform, normal
    return calls


def schemes():
    """(initsift scheme as serde JSON, the torch call on a weight)."""
    init = nn.init
    out = [
        ({"scheme": "xavier_uniform"}, lambda w: init.xavier_uniform_(w)),
        ({"scheme": "xavier_normal"}, lambda w: init.xavier_normal_(w)),
        ({"scheme": "xavier_uniform", "gain": 0.7}, lambda w: init.xavier_uniform_(w, gain=0.7)),
        ({"scheme": "xavier_normal", "gain": 2.5}, lambda w: init.xavier_normal_(w, gain=2.5)),
        ({"scheme": "kaiming_uniform"}, lambda w: init.kaiming_uniform_(w)),
        ({"scheme": "kaiming_normal"}, lambda w: init.kaiming_normal_(w)),
        ({"scheme": "uniform", "low": -0.3, "high": 0.7}, lambda w: init.uniform_(w, -0.3, 0.7)),
        ({"scheme": "normal", "mean": 0.1, "std": 2.0}, lambda w: init.normal_(w, 0.1, 2.0)),
    ]
    nonlinearities = [
        "linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
        "conv_transpose3d", "sigmoid", "tanh", "relu", "selu",
    ]
    for kind, fn in [("kaiming_uniform", init.kaiming_uniform_), ("kaiming_normal", init.kaiming_normal_)]:
        for mode in ["fan_in", "fan_out"]:
            for nl in nonlinearities:
                out.append(
                    ({"scheme": kind, "mode": mode, "nonlinearity": nl},
                     lambda w, fn=fn, mode=mode, nl=nl: fn(w, mode=mode, nonlinearity=nl))
                )
            for a in [0.0, 0.01, 0.2, math.sqrt(5.0)]:
                out.append(
                    ({"scheme": kind, "a": a, "mode": mode, "nonlinearity": "leaky_relu"},
                     lambda w, fn=fn, mode=mode, a=a: fn(w, a=a, mode=mode, nonlinearity="leaky_relu"))
                )
    return out


def main():
    cases = []
    for fan_in, fan_out in SHAPES:
        for scheme, call in schemes():
            layer = nn.Linear(fan_in, fan_out)
            laws = record(lambda: call(layer.weight))
            assert len(laws) == 1, (scheme, laws)
            cases.append({"in": fan_in, "out": fan_out, "weight": scheme, "weight_law": laws[0]})
        layer = nn.Linear(fan_in, fan_out)
        laws = record(layer.reset_parameters)
        assert len(laws) == 2, laws
        cases.append(
            {
                "in": fan_in,
                "out": fan_out,
                "weight": {"scheme": "torch_linear_default"},
                "weight_law": laws[0],
                "bias": {"scheme": "torch_linear_default"},
                "bias_law": laws[1],
            }
        )
    write_json(
        "crates/init/tests/fixtures/torch_init_laws.json",
        {"generated_by": "python3 tools/pytorch/init_laws.py", "cases": cases},
    )
    print(f"{len(cases)} cases")


if __name__ == "__main__":
    main()
