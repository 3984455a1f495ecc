"""In-place operations, version counters and dtypes, after "Autograd mechanics".

The tutorial's manual update under no_grad (w -= lr * w.grad) and its version counter, the
errors for in-place changes of leaves and their views, the "modified by an inplace operation"
check for saved inputs and outputs (directly, through views, through detach), ops that save
nothing and so survive a change, x.grad.zero_() and set_to_none; then dtypes: python scalars
keep float32, float32 and float64 leaves each get gradients of their own dtype, conversions
(.double(), .float(), .to) are differentiable, sum(dtype=...) and integer tensors as constants.
"""

import numpy as np
import torch


def check(label, fn):
    """Run fn; print whether it raised a RuntimeError and which kind."""
    try:
        fn()
    except RuntimeError as err:
        msg = str(err)
        kind = "leaf" if "leaf" in msg else "other"
        if "modified by an inplace operation" in msg:
            kind = "inplace"
        print(label, "-> RuntimeError:", kind)
    else:
        print(label, "-> no error")


# ----------------------------------------------------------------- manual SGD and versions
rng = np.random.default_rng(11)
xs = torch.tensor(rng.uniform(-1, 1, 20))
ys = 3 * xs - 0.5 + 0.1 * torch.tensor(rng.standard_normal(20))
w = torch.zeros(1, dtype=torch.float64, requires_grad=True)
b = torch.zeros(1, dtype=torch.float64, requires_grad=True)
print("new tensor version:", w._version)
for step in range(5):
    loss = ((w * xs + b - ys) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        w -= 0.5 * w.grad
        b.sub_(0.5 * b.grad)
    print(f"step {step} loss {loss.item():.8f} w {w.item():.8f} b {b.item():.8f}")
    print("  versions", w._version, b._version, "leaf", w.is_leaf, "requires_grad", w.requires_grad)
    w.grad.zero_()
    b.grad = None
print("w.grad after zero_:", w.grad, "b.grad:", b.grad)

# ----------------------------------------------------------------- refusing in-place changes
leaf = torch.tensor([1.0, -2.0, 3.0], dtype=torch.float64, requires_grad=True)
check("add_ on a leaf", lambda: leaf.add_(1))
check("+= on a leaf", lambda: leaf.__iadd__(1))
check("item assignment on a leaf", lambda: leaf.__setitem__(0, 5.0))
check("mul_ on a view of a leaf", lambda: leaf[:2].mul_(2))
with torch.no_grad():
    leaf[0] = 10.0
    leaf.mul_(0.5)
print("changed under no_grad:", leaf, "version", leaf._version)


# ----------------------------------------------------------------- saved values changed
def saved_input():
    c = torch.tensor([2.0, 2.0, 2.0], dtype=torch.float64)
    z = leaf * c  # mul saves c to compute leaf's gradient
    c.mul_(3)
    z.sum().backward()


check("mul's saved operand changed", saved_input)


def saved_output(op):
    def run():
        y = op(leaf)
        with torch.no_grad():
            y.mul_(2)
        y.sum().backward()

    return run


for name, op in [
    ("exp", torch.exp),
    ("sigmoid", torch.sigmoid),
    ("tanh", torch.tanh),
    ("sqrt", lambda t: t.abs().sqrt()),
]:
    check(f"{name}'s output changed", saved_output(op))


def through_view():
    base = torch.ones(2, 3, dtype=torch.float64)
    row = base[1]
    y = (leaf * row).sum()
    base[1, 2] = 7.0  # changes the saved row through its base
    y.backward()


check("saved view changed through its base", through_view)


def through_detach():
    y = leaf.exp()
    y.detach().zero_()
    y.sum().backward()


check("saved output changed through detach()", through_detach)


def version_of_views():
    base = torch.zeros(4, dtype=torch.float64)
    v = base[1:3]
    print("  versions before:", base._version, v._version)
    v.add_(1.0)
    base[0] = 2.0
    d = base.detach()
    d.mul_(2)
    print("  versions after:", base._version, v._version, d._version, base)


version_of_views()

# ops that save nothing are not affected
c = torch.tensor([1.0, 1.0, 1.0], dtype=torch.float64)
y = leaf + c
c.add_(5)
y.sum().backward()
print("add survives a change of its operand:", leaf.grad)
leaf.grad = None
y = leaf * 3
with torch.no_grad():
    y.add_(100)
(y * 1).sum().backward()
print("a change of mul's output (not saved):", leaf.grad, y.detach())
leaf.grad = None

# ----------------------------------------------------------------- dtypes
x32 = torch.tensor([0.5, -1.5, 2.0], requires_grad=True)
x64 = torch.tensor([1.0, 2.0, -3.0], dtype=torch.float64, requires_grad=True)
print("float32 default:", x32.dtype == torch.float32)
print("x32 * 2.5 stays float32:", (x32 * 2.5).dtype == torch.float32)
print("x32 + 1 stays float32:", (x32 + 1).dtype == torch.float32)
print("x32 ** 2 stays float32:", (x32**2).dtype == torch.float32)
print("x32 * True stays float32:", (x32 * True).dtype == torch.float32)
prod = x32 * x64
print("x32 * x64 is float64:", prod.dtype == torch.float64)
prod.sum().backward()
print("x32.grad float32:", x32.grad.dtype == torch.float32, x32.grad)
print("x64.grad float64:", x64.grad.dtype == torch.float64, x64.grad)
x32.grad = None
x64.grad = None

d = x32.double()
print("double(): float64", d.dtype == torch.float64, "leaf", d.is_leaf)
(d**3).sum().backward()
print("grad through double() is float32:", x32.grad.dtype == torch.float32, x32.grad)
x32.grad = None
f = x64.float()
(f * f).sum().backward()
print("grad through float() is float64:", x64.grad.dtype == torch.float64, x64.grad)
x64.grad = None
t = x64.to(torch.float32)
(t.exp()).sum().backward()
print("grad through to(float32):", x64.grad)
x64.grad = None
s = x32.sum(dtype=torch.float64)
print("sum(dtype=float64):", s.dtype == torch.float64, s.item())
s.backward()
print("its grad is float32:", x32.grad.dtype == torch.float32, x32.grad)
x32.grad = None

counts = torch.tensor([1, 2, 3])
z = (x64 * counts).sum()
z.backward()
print("int64 factor: result float64", z.dtype == torch.float64, "grad", x64.grad)
x64.grad = None
mask = x64 > 0
print("mask dtype bool:", mask.dtype == torch.bool, mask)
masked = (x64 * mask).sum()
masked.backward()
print("grad through a bool mask:", x64.grad)
x64.grad = None
idx = torch.argmax(x64)
print("argmax int64:", idx.dtype == torch.int64, idx.item(), "requires_grad", idx.requires_grad)
print("comparisons do not require grad:", (x64 > 0).requires_grad)
print("x64.long() does not require grad:", x64.long().requires_grad, x64.long())
