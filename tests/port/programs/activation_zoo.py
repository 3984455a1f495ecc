"""A small regression net tried with each of PyTorch's activation modules, float64.

Every activation a PyTorch user picks from torch.nn (ELU, SELU, CELU, Softplus, Hardtanh,
ReLU6, Hardsigmoid, Hardswish, Mish, Softsign, LogSigmoid, Tanhshrink, PReLU, GLU) sits
between two Linear layers; each net trains a few Adam steps from the same numpy-drawn weights,
and the losses, a learned PReLU slope and the functional forms at extreme inputs are printed.
"""

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn, optim

rng = np.random.default_rng(0)
x = torch.from_numpy(rng.standard_normal((64, 4)))
y = torch.sin(x.sum(dim=1, keepdim=True)) + 0.1 * x[:, :1] ** 2

activations = {
    "elu": nn.ELU(alpha=0.7),
    "selu": nn.SELU(),
    "celu": nn.CELU(1.5),
    "softplus": nn.Softplus(beta=2.0, threshold=5.0),
    "hardtanh": nn.Hardtanh(-0.5, 0.5),
    "relu6": nn.ReLU6(),
    "hardsigmoid": nn.Hardsigmoid(),
    "hardswish": nn.Hardswish(),
    "mish": nn.Mish(),
    "softsign": nn.Softsign(),
    "logsigmoid": nn.LogSigmoid(),
    "tanhshrink": nn.Tanhshrink(),
    "prelu": nn.PReLU(16, init=0.1),
    "glu": nn.GLU(dim=1),
}


def make(name, act):
    width = 8 if name == "glu" else 16
    model = nn.Sequential(nn.Linear(4, 16), act, nn.Linear(width, 1)).double()
    draw = np.random.default_rng(1)
    own = {id(p) for p in act.parameters()}  # PReLU's slopes keep their init
    with torch.no_grad():
        for p in model.parameters():
            if id(p) not in own:
                p.copy_(torch.from_numpy(draw.uniform(-0.5, 0.5, size=tuple(p.shape))))
    return model


for name, act in activations.items():
    model = make(name, act)
    print(name, repr(act), [n for n, _ in act.named_parameters()])
    opt = optim.Adam(model.parameters(), lr=0.01)
    for _ in range(30):
        opt.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        opt.step()
    print(name, "loss", round(loss.item(), 8))
    if name == "prelu":
        print("prelu slopes", [round(v, 6) for v in act.weight.detach().tolist()[:4]])

extreme = torch.tensor([-1000.0, -20.0, -3.0, 0.0, 3.0, 20.0, 1000.0], requires_grad=True)
functions = {
    "softplus": F.softplus,
    "logsigmoid": F.logsigmoid,
    "mish": F.mish,
    "elu": F.elu,
    "selu": F.selu,
    "hardswish": F.hardswish,
    "hardsigmoid": F.hardsigmoid,
    "relu6": F.relu6,
}
for name, fn in functions.items():
    out = fn(extreme)
    (grad,) = torch.autograd.grad(out.sum(), extreme)
    print(name, [round(v, 6) for v in out.tolist()], [round(v, 6) for v in grad.tolist()])
print("softmin", F.softmin(x[:2, :3], dim=1))
print("selu top level", torch.selu(torch.tensor([-1.0, 1.0], dtype=torch.float64)))
