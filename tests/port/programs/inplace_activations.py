"""In-place activations: nn.ReLU(inplace=True) and friends in a small float64 model trained
with SGD, F.relu_ on a tensor without grad, versions bumped, and PyTorch's errors for a leaf
that requires grad and for a saved output changed by an in-place activation.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import optim

model = nn.Sequential(
    nn.Linear(3, 6),
    nn.ReLU(inplace=True),
    nn.Linear(6, 6),
    nn.ELU(inplace=True),
    nn.Linear(6, 4),
    nn.Hardtanh(-0.5, 0.5, inplace=True),
    nn.Linear(4, 1),
).double()
print(model)
with torch.no_grad():  # the same weights under both libraries
    for p in model.parameters():
        p.copy_(torch.linspace(-0.8, 0.9, p.numel(), dtype=torch.float64).reshape(p.shape))
x = torch.linspace(-2.0, 2.0, 24, dtype=torch.float64).reshape(8, 3)
target = torch.linspace(-1.0, 1.0, 8, dtype=torch.float64).reshape(8, 1)
optimizer = optim.SGD(model.parameters(), lr=0.05)
for step in range(5):
    optimizer.zero_grad()
    loss = F.mse_loss(model(x), target)
    loss.backward()
    optimizer.step()
    print("step", step, "loss", round(loss.item(), 8))
print("first weight grad:", model[0].weight.grad)

# the functions, on a tensor that does not require grad
t = torch.tensor([-1.0, 0.5, 2.0], dtype=torch.float64)
out = F.relu_(t)
print("relu_ returns its input:", out is t, t, "version", t._version)
F.leaky_relu(t.mul_(-1), 0.1, inplace=True)
print("leaky_relu in place:", t, "version", t._version)

# recorded: the gradient flows through the in-place op
w = torch.tensor([0.5, -1.5, 2.5], dtype=torch.float64, requires_grad=True)
h = w * 2
before = h + 1  # used before the in-place change
F.silu(h, inplace=True)
(before * 3 + h * h).sum().backward()
print("w.grad through silu_:", w.grad)

try:
    F.relu(w, inplace=True)
except RuntimeError as err:
    print("leaf:", "a leaf Variable that requires grad" in str(err))
e = w.exp()
F.relu(e, inplace=True)
try:
    e.sum().backward()
except RuntimeError as err:
    print("saved output changed:", "modified by an inplace operation" in str(err))
