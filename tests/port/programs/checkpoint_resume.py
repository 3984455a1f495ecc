"""Saving, loading and resuming: state dicts of a model and an optimizer, freezing, param groups.

A small regression network (float32) with a nested submodule and a BatchNorm1d: its
state_dict keys and their order, named_parameters / named_modules / children order, a
load_state_dict(strict=False) into a changed architecture, and a checkpoint dict (model,
optimizer, epoch) written with torch.save and read back with torch.load. Training resumed from
the checkpoint must continue exactly as the uninterrupted run. Then fine-tuning: a frozen
backbone (requires_grad_(False)), a head with its own lr, and add_param_group to unfreeze.
Weights are copied from numpy-drawn values, so both engines start from the same point.
"""

import copy
import os
import tempfile

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn, optim

torch.manual_seed(0)
rng = np.random.default_rng(5)
X = rng.normal(size=(96, 6)).astype(np.float32)
true_w = rng.normal(size=(6, 2)).astype(np.float32)
Y = np.tanh(X @ true_w) + 0.05 * rng.normal(size=(96, 2)).astype(np.float32)
X, Y = torch.from_numpy(X), torch.from_numpy(Y.astype(np.float32))


class Block(nn.Module):
    def __init__(self, n_in, n_out):
        super().__init__()
        # no bias before a BatchNorm: its gradient is rounding noise, which Adam would amplify
        self.linear = nn.Linear(n_in, n_out, bias=False)
        self.norm = nn.BatchNorm1d(n_out)

    def forward(self, x):
        return F.relu(self.norm(self.linear(x)))


class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(Block(6, 16), Block(16, 16))
        self.head = nn.Linear(16, 2)
        self.register_buffer("scale", torch.ones(2))

    def forward(self, x):
        return self.head(self.backbone(x)) * self.scale


def init_from_numpy(model, seed):
    weights = np.random.default_rng(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("linear.weight") or name == "head.weight":
                values = weights.normal(0, 1 / np.sqrt(p.shape[1]), size=tuple(p.shape))
                p.copy_(torch.from_numpy(values.astype(np.float32)))
            elif name == "head.bias":
                p.copy_(torch.from_numpy(weights.uniform(-0.1, 0.1, size=2).astype(np.float32)))


model = Regressor()
init_from_numpy(model, 1)
print(model)
print("state_dict keys:", list(model.state_dict().keys()))
print("parameter names:", [name for name, _ in model.named_parameters()])
print("buffer names:", [name for name, _ in model.named_buffers()])
print("module names:", [name for name, _ in model.named_modules()])
print("module types:", [type(m).__name__ for m in model.modules()])
print("children:", [name for name, _ in model.named_children()])
print("parameter count:", sum(p.numel() for p in model.parameters()))
print("trainable count:", sum(p.numel() for p in model.parameters() if p.requires_grad))
print("shapes:", {k: tuple(v.shape) for k, v in model.state_dict().items()})


def train_steps(model, optimizer, steps, tag):
    model.train()
    for step in range(steps):
        batch = slice((step % 3) * 32, (step % 3) * 32 + 32)
        optimizer.zero_grad()
        loss = F.mse_loss(model(X[batch]), Y[batch])
        loss.backward()
        optimizer.step()
        print(f"{tag} step {step}: loss {loss.item():.6f}")
    return loss.item()


optimizer = optim.Adam(model.parameters(), lr=0.01, weight_decay=1e-4)
train_steps(model, optimizer, 4, "first")
opt_state = optimizer.state_dict()
print("optimizer state keys:", sorted(opt_state["state"].keys()))
print("optimizer state entry:", sorted(opt_state["state"][0].keys()))
print("param group params:", opt_state["param_groups"][0]["params"])
print(
    "param group lr, betas:",
    opt_state["param_groups"][0]["lr"],
    opt_state["param_groups"][0]["betas"],
)
print("step count:", float(opt_state["state"][0]["step"]))
print("running mean:", model.backbone[0].norm.running_mean.numpy().round(4).tolist())
print("batches tracked:", model.backbone[1].norm.num_batches_tracked.item())

# A checkpoint, then the uninterrupted run goes on.
path = os.path.join(tempfile.mkdtemp(), "checkpoint.pt")
torch.save(
    {
        "epoch": 4,
        "model_state_dict": model.state_dict(),
        "optimizer_state_dict": optimizer.state_dict(),
        "loss": 0.5,
    },
    path,
)
reference = train_steps(model, optimizer, 3, "uninterrupted")
reference_weight = model.head.weight.detach().clone()

# Resume from the checkpoint in a fresh model and optimizer.
resumed = Regressor()
resumed_opt = optim.Adam(resumed.parameters(), lr=0.01, weight_decay=1e-4)
checkpoint = torch.load(path)
print("checkpoint keys:", sorted(checkpoint.keys()), "epoch", checkpoint["epoch"])
print(resumed.load_state_dict(checkpoint["model_state_dict"]))
resumed_opt.load_state_dict(checkpoint["optimizer_state_dict"])
print("resumed step count:", float(resumed_opt.state_dict()["state"][3]["step"]))
resumed_loss = train_steps(resumed, resumed_opt, 3, "resumed")
print("same final loss:", resumed_loss == reference)
print("same head weight:", torch.allclose(resumed.head.weight, reference_weight))
os.remove(path)

# A copy of the state dict taken now does not follow further training.
snapshot = copy.deepcopy(model.state_dict())
train_steps(model, optimizer, 1, "after snapshot")
print(
    "snapshot differs from live:",
    not torch.equal(torch.as_tensor(snapshot["head.weight"]), model.head.weight.detach()),
)


# Load into a changed architecture with strict=False.
class Wider(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(Block(6, 16), Block(16, 16))
        self.head = nn.Linear(16, 2)
        self.extra = nn.Linear(2, 2)

    def forward(self, x):
        return self.extra(self.head(self.backbone(x)))


wider = Wider()
result = wider.load_state_dict(model.state_dict(), strict=False)
print("missing:", result.missing_keys)
print("unexpected:", result.unexpected_keys)
print("head copied:", torch.equal(wider.head.weight, model.head.weight))
partial = {k: v for k, v in model.state_dict().items() if k.startswith("backbone.0")}
result = wider.load_state_dict(partial, strict=False)
print("partial missing count:", len(result.missing_keys), "first:", result.missing_keys[:3])
try:
    wider.load_state_dict(model.state_dict())
except RuntimeError as err:
    print("strict load failed:", type(err).__name__)

# Fine-tuning: freeze the backbone, train the head, then unfreeze with its own lr.
model.backbone.requires_grad_(False)
print(
    "trainable after freezing:", [name for name, p in model.named_parameters() if p.requires_grad]
)
head_opt = optim.SGD(model.head.parameters(), lr=0.05, momentum=0.9)
before = model.backbone[0].linear.weight.detach().clone()
train_steps(model, head_opt, 3, "head only")
print("backbone unchanged:", torch.equal(before, model.backbone[0].linear.weight))
print(
    "backbone grad norms:",
    [round(p.grad.norm().item(), 5) for p in model.backbone.parameters()][:2],
)
model.backbone.requires_grad_(True)
head_opt.add_param_group({"params": model.backbone.parameters(), "lr": 0.005})
print("group lrs:", [g["lr"] for g in head_opt.param_groups])
print("group sizes:", [len(g["params"]) for g in head_opt.param_groups])
print("group momentum:", [g["momentum"] for g in head_opt.param_groups])
train_steps(model, head_opt, 3, "all groups")
state = head_opt.state_dict()
print("sgd state indices:", sorted(state["state"].keys()))
print("sgd group params:", [g["params"] for g in state["param_groups"]])
print("momentum buffer norm:", round(state["state"][2]["momentum_buffer"].norm().item(), 6))

# Evaluation mode: BatchNorm uses its running statistics, and no_grad keeps grads None.
model.eval()
with torch.no_grad():
    prediction = model(X[:3])
print("eval prediction:", prediction)
print("eval mse:", F.mse_loss(model(X), Y).item())
print("requires_grad of output under eval:", model(X[:1]).requires_grad)
