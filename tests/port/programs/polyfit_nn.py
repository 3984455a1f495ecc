"""Fit y = sin(x) with a third-order polynomial, with nn and optim.

PyTorch's "Learning PyTorch with Examples" tutorial (the nn and optim sections) in float64: the
features x, x^2, x^3 come from broadcasting `x.unsqueeze(-1).pow(p)`, the model is Linear + Flatten,
and the weights start from numpy-drawn values copied into the parameters.
"""

import math

import numpy as np
import torch
from torch import nn, optim

x = torch.linspace(-math.pi, math.pi, 2000, dtype=torch.float64)
y = torch.sin(x)

p = torch.tensor([1, 2, 3])
xx = x.unsqueeze(-1).pow(p)
print("features:", tuple(xx.shape), xx.dtype == torch.float64, p.dtype == torch.int64)


def make_model():
    model = nn.Sequential(nn.Linear(3, 1), nn.Flatten(0, 1)).to(torch.float64)
    rng = np.random.default_rng(1)
    with torch.no_grad():
        for param in model.parameters():
            param.copy_(torch.from_numpy(rng.uniform(-0.5, 0.5, size=tuple(param.shape))))
    return model


# --- nn, with the parameters updated by hand
model = make_model()
loss_fn = nn.MSELoss(reduction="sum")
learning_rate = 1e-6
for t in range(1000):
    y_pred = model(xx)
    loss = loss_fn(y_pred, y)
    if t % 200 == 199:
        print("nn", t, loss.item())
    model.zero_grad()
    loss.backward()
    with torch.no_grad():
        for param in model.parameters():
            param -= learning_rate * param.grad

linear_layer = model[0]
print(
    f"nn result: y = {linear_layer.bias.item()} + {linear_layer.weight[:, 0].item()} x + "
    f"{linear_layer.weight[:, 1].item()} x^2 + {linear_layer.weight[:, 2].item()} x^3"
)

# --- optim: RMSprop, as in the tutorial
model = make_model()
optimizer = optim.RMSprop(model.parameters(), lr=1e-3)
for t in range(1000):
    y_pred = model(xx)
    loss = loss_fn(y_pred, y)
    if t % 200 == 199:
        print("optim", t, loss.item())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

linear_layer = model[0]
print("optim weight:", linear_layer.weight.detach().numpy().round(6).tolist())
print("optim bias:", linear_layer.bias.detach().numpy().round(6).tolist())
print("parameters:", sum(p.numel() for p in model.parameters()))
weight = linear_layer.weight
print("dim and size:", weight.dim(), weight.size(), weight.size(1))
