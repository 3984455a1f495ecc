"""Fit y = sin(x) with a third-order polynomial, by hand with autograd.

PyTorch's "Learning PyTorch with Examples" tutorial (the autograd section), in float64, with the
coefficients' starting values drawn with numpy so that every engine starts from the same point.
The update is the tutorial's: `a -= learning_rate * a.grad` under `torch.no_grad()`, which must
change `a` in place (it stays the leaf that requires grad).
"""

import math

import numpy as np
import torch

dtype = torch.float64

x = torch.linspace(-math.pi, math.pi, 2000, dtype=dtype)
y = torch.sin(x)

start = np.random.default_rng(0).standard_normal(4)
a = torch.tensor(start[0], dtype=dtype, requires_grad=True)
b = torch.tensor(start[1], dtype=dtype, requires_grad=True)
c = torch.tensor(start[2], dtype=dtype, requires_grad=True)
d = torch.tensor(start[3], dtype=dtype, requires_grad=True)

learning_rate = 1e-6
for t in range(2000):
    y_pred = a + b * x + c * x**2 + d * x**3

    loss = (y_pred - y).pow(2).sum()
    if t % 100 == 99:
        print(t, loss.item())

    loss.backward()

    with torch.no_grad():
        a -= learning_rate * a.grad
        b -= learning_rate * b.grad
        c -= learning_rate * c.grad
        d -= learning_rate * d.grad

        a.grad = None
        b.grad = None
        c.grad = None
        d.grad = None

print(f"Result: y = {a.item()} + {b.item()} x + {c.item()} x^2 + {d.item()} x^3")
print("leaves still require grad:", a.requires_grad, a.is_leaf, a.grad_fn is None)

# The same fit, with the gradients zeroed in place instead (the tutorial's other spelling), and
# the loss printed with a format spec.
w = torch.tensor(start, dtype=dtype, requires_grad=True)
powers = torch.stack([torch.ones_like(x), x, x**2, x**3], dim=1)
for t in range(500):
    loss = (powers @ w - y).pow(2).sum()
    loss.backward()
    with torch.no_grad():
        w -= learning_rate * w.grad
        w.grad.zero_()
    if t % 100 == 99:
        print(f"step {t}: loss {loss:.6f}")
print("w:", [round(v, 6) for v in w.tolist()])
print("rounded loss:", round(loss.item(), 3), "sum of w:", round(w.sum().item(), 6))
