"""Hooks: watching and changing gradients during backward, and module outputs in forward.

register_hook on leaves and on intermediate results, hooks that return a replacement gradient
and hooks that only record, the order several hooks run in, removing a hook by its handle,
hooks together with retain_grad, hooks on a tensor used twice, gradient clipping by a hook on
every parameter of a small float64 model, a hook seeing create_graph's gradient; then module
forward hooks and forward pre-hooks: saving features, replacing inputs and outputs, removing.
"""

import numpy as np
import torch
import torch.nn as nn

seen = []


def record(name):
    def hook(grad):
        seen.append((name, grad.clone()))

    return hook


# ----------------------------------------------------------------- a leaf and a non-leaf
x = torch.tensor([1.0, -2.0, 3.0], dtype=torch.float64, requires_grad=True)
h = x * x
h.register_hook(record("h"))
x_handle = x.register_hook(record("x"))
out = (h * torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)).sum()
out.backward()
for name, g in seen:
    print("hook saw", name, g)
print("x.grad:", x.grad)
print("h.grad is None:", h.grad is None)
seen.clear()
x.grad = None

# ----------------------------------------------------------------- a hook that changes grad
h = x * x
handle = h.register_hook(lambda g: g * 10)
(h.sum()).backward()
print("x.grad with h's gradient scaled by 10:", x.grad)
x.grad = None
handle.remove()
h2 = x * x
h2.sum().backward()
print("x.grad after a fresh graph:", x.grad)
x.grad = None

# the same hook on the same graph, removed before backward
h = x.exp()
handle = h.register_hook(lambda g: g * 0)
handle.remove()
h.sum().backward()
print("removed before backward:", x.grad)
x.grad = None

# ----------------------------------------------------------------- several hooks, in order
h = x.sin()
h.register_hook(lambda g: g + 1)
h.register_hook(lambda g: g * 2)
h.register_hook(record("after both"))
h.sum().backward()
print("(1 + 1) * 2 times cos:", x.grad)
print("third hook saw:", seen[-1][1])
seen.clear()
x.grad = None

# a hook on a leaf that returns a new gradient; .grad gets the changed one
handle = x.register_hook(lambda g: g.clamp(min=-1.0, max=1.0))
(x**3).sum().backward()
print("leaf hook clamps 3x^2:", x.grad)
handle.remove()
x.grad = None
(x**3).sum().backward()
print("after remove:", x.grad)
x.grad = None

# ----------------------------------------------------------------- retain_grad and hooks
h = x * 3
h.retain_grad()
h.register_hook(lambda g: g * 100)
(h * h).sum().backward()
print("h.grad (retain_grad sees the hooked gradient):", h.grad)
print("x.grad:", x.grad)
x.grad = None

h = x * 3
h.register_hook(lambda g: g * 100)
h.retain_grad()
(h * h).sum().backward()
print("h.grad (hook registered first):", h.grad)
x.grad = None

# ----------------------------------------------------------------- a tensor used twice
h = x + 1
h.register_hook(record("h used twice"))
(h * 2 + h**2).sum().backward()
print("hook calls for a tensor used twice:", len(seen))
print("it saw the total:", seen[0][1])
print("x.grad:", x.grad)
seen.clear()
x.grad = None

# ----------------------------------------------------------------- hooks and torch.autograd.grad
h = x.tanh()
h.register_hook(lambda g: g * -1)
(gx,) = torch.autograd.grad(h.sum(), x)
print("autograd.grad through a hooked tensor:", gx)
print("x.grad untouched:", x.grad is None)

calls = []
x.register_hook(lambda g: calls.append(g.sum().item()))
(gx,) = torch.autograd.grad((x**2).sum(), x)
print("a leaf's hook runs for autograd.grad:", len(calls), gx)

# ----------------------------------------------------------------- hooks and create_graph
w = torch.tensor([0.5, -1.5], dtype=torch.float64, requires_grad=True)
first = []
w.register_hook(lambda g: first.append(g.requires_grad))
loss = (w**3).sum()
(g,) = torch.autograd.grad(loss, w, create_graph=True)
print("hook's gradient requires grad under create_graph:", first)
(gg,) = torch.autograd.grad(g.sum(), w)
print("second derivative:", gg)

# ----------------------------------------------------------------- clipping every parameter
rng = np.random.default_rng(3)
W1 = torch.tensor(rng.standard_normal((4, 3)), requires_grad=True)
b1 = torch.tensor(rng.standard_normal(4), requires_grad=True)
W2 = torch.tensor(rng.standard_normal((1, 4)), requires_grad=True)
params = [W1, b1, W2]
handles = [p.register_hook(lambda g: g.clamp(-0.5, 0.5)) for p in params]
inputs = torch.tensor(rng.standard_normal((8, 3)))
targets = torch.tensor(rng.standard_normal((8, 1)))
for step in range(3):
    pred = torch.tanh(inputs @ W1.T + b1) @ W2.T
    loss = ((pred - targets) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        for p in params:
            print(f"step {step} grad max {p.grad.abs().max().item():.6f}")
            p -= 0.1 * p.grad
            p.grad.zero_()
    print(f"step {step} loss {loss.item():.8f}")
for hd in handles:
    hd.remove()
pred = torch.tanh(inputs @ W1.T + b1) @ W2.T
((pred - targets) ** 2).mean().backward()
print("unclipped grad max:", round(W1.grad.abs().max().item(), 6))

# ----------------------------------------------------------------- module hooks


class TwoLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 4)
        self.act = nn.Tanh()
        self.fc2 = nn.Linear(4, 1)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


model = TwoLayer().double()
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.tensor(rng.standard_normal(tuple(p.shape))))

features = {}


def save_output(name):
    def hook(module, args, output):
        features[name] = output.detach()

    return hook


handles = [
    model.fc1.register_forward_hook(save_output("fc1")),
    model.act.register_forward_hook(save_output("act")),
]
out = model(inputs[:2])
print("model output:", out.detach().numpy().round(6).tolist())
print("fc1 features:", features["fc1"].numpy().round(6).tolist())
print("act features:", features["act"].numpy().round(6).tolist())
print("the hook saw what tanh gave:", torch.allclose(features["act"], features["fc1"].tanh()))


def shift_input(module, args):
    (x,) = args
    return x + 1.0


def scale_output(module, args, output):
    return output * 0.5


pre = model.fc1.register_forward_pre_hook(shift_input)
post = model.fc2.register_forward_hook(scale_output)
hooked = model(inputs[:2])
print("with input shifted and output halved:", hooked.detach().numpy().round(6).tolist())
hidden = torch.tanh((inputs[:2] + 1.0) @ model.fc1.weight.T + model.fc1.bias)
manual = 0.5 * (hidden @ model.fc2.weight.T + model.fc2.bias)
print("equals the manual computation:", torch.allclose(hooked, manual))
hooked.sum().backward()
print("gradients flow through hooked modules:", model.fc1.weight.grad.numpy().round(6).tolist())
model.zero_grad()
pre.remove()
post.remove()
for hd in handles:
    hd.remove()
features.clear()
again = model(inputs[:2])
print("after removing every hook:", torch.allclose(again, out), "features recorded:", len(features))

calls = []
model.fc1.register_forward_pre_hook(lambda m, a: calls.append("second"))
model.fc1.register_forward_pre_hook(lambda m, a: calls.append("first"), prepend=True)
model.fc1.register_forward_hook(
    lambda m, a, kw, o: calls.append(("kwargs", sorted(kw))), with_kwargs=True
)
model(inputs[:1])
print("hook order:", calls)
