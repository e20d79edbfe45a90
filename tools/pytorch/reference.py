"""What the PyTorch fixture scripts share: the XOR data, the presets as torch modules loaded from
initsift's flat parameter layout, the reference code's training loop, and an all-or-nothing JSON
writer. See README.md in this folder.
"""

import json
import os

import torch
from torch import nn

#: The repository's root (this file is tools/pytorch/reference.py).
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

X = torch.tensor([[-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0], [1.0, 1.0]])
Y_SCALAR = torch.tensor([0.0, 1.0, 1.0, 0.0])
Y_ONE_HOT = torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [1.0, 0.0]])


class Abs1(nn.Module):
    """Linear(2,1) -> abs -> squeeze: output shape (4,)."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 1)

    def forward(self, x):
        return self.fc(x).abs().squeeze()


class Relu1(nn.Module):
    """Linear(2,2) -> ReLU -> sum over units -> squeeze: output shape (4,)."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 2)

    def forward(self, x):
        return torch.relu(self.fc(x)).sum(dim=1, keepdim=True).squeeze()


class Relu2(nn.Module):
    """Linear(2,2) -> ReLU -> Linear(2,2): output shape (4, 2)."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(2, 2)
        self.fc2 = nn.Linear(2, 2)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


#: Preset name -> (module, parameter count, targets).
PRESETS = {"abs1": (Abs1, 3, Y_SCALAR), "relu1": (Relu1, 6, Y_SCALAR), "relu2": (Relu2, 12, Y_ONE_HOT)}


def load(model, init):
    """Sets the parameters from initsift's flat layout (per Linear: weight [out, in] row-major,
    then bias; state_dict order)."""
    flat = torch.tensor(init, dtype=torch.float32)
    offset = 0
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(flat[offset : offset + p.numel()].view_as(p))
            offset += p.numel()
    assert offset == flat.numel(), (offset, flat.numel())


def flat(model):
    """The parameters in initsift's flat layout."""
    return torch.cat([p.detach().flatten() for p in model.parameters()]).tolist()


def preset_model(name, init):
    """The preset `name` with parameters `init`, and its targets."""
    cls, n, target = PRESETS[name]
    assert len(init) == n, (name, len(init))
    model = cls()
    load(model, init)
    return model, target


def accuracy(out, target):
    """The reference's success measure: output >= 0.5 against 0/1 targets, or argmax against
    one-hot rows."""
    with torch.no_grad():
        if target.dim() == 1:
            return ((out >= 0.5).float() == target).float().mean().item()
        return (out.argmax(dim=1) == target.argmax(dim=1)).float().mean().item()


def reference_train(model, target, optimizer, max_epochs, loss_below, plateau):
    """The reference code's loop (tr_xor_configs.md §1.2), written from its documented
    semantics: per epoch, the MSE at the pre-step parameters, zero_grad / backward / step, then
    stop rule 1 (loss < loss_below) and stop rule 2 (plateau = (min_delta, patience): no
    improvement of the best loss by more than min_delta for more than `patience` epochs); the
    best loss also follows every new minimum. epochs = e + 1; final loss and accuracy at the
    post-step parameters."""
    criterion = nn.MSELoss()
    best, since_best, stop, epoch = float("inf"), 0, "max_epochs", -1
    for epoch in range(max_epochs):
        loss = criterion(model(X), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        current = loss.item()
        if current < loss_below:
            stop = "converged"
            break
        if plateau is not None:
            min_delta, patience = plateau
            if best - current > min_delta:
                best, since_best = current, 0
            else:
                since_best += 1
            if since_best > patience:
                stop = "plateau"
                break
        best = min(best, current)
    with torch.no_grad():
        out = model(X)
        final = criterion(out, target).item()
    return {
        "epochs": epoch + 1,
        "stop": stop,
        "final_loss": final,
        "final_accuracy": accuracy(out, target),
    }


def write_json(relative_path, payload):
    """Writes `payload` (plus the torch version) to REPO/relative_path, all or nothing."""
    path = os.path.join(REPO, relative_path)
    payload = {**payload, "torch_version": torch.__version__}
    with open(path + ".tmp", "w") as f:
        json.dump(payload, f, indent=1)
        f.write("\n")
    os.replace(path + ".tmp", path)
    print(f"wrote {relative_path}")
