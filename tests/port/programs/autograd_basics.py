"""A gentle introduction to torch.autograd, with the semantics from "Autograd mechanics".

Leaves and non-leaves, requires_grad propagation, grad_fn, retain_grad, gradient accumulation
over two backward calls, backward of a non-scalar with a gradient argument, retain_graph and the
error of a second backward, detach / detach_ / clone, the grad-mode switches (no_grad,
enable_grad, set_grad_enabled, inference_mode) as context managers and decorators, and the
errors for integer tensors. float64 throughout.
"""

import torch


def check(label, fn, phrase):
    """Run fn, which must raise a RuntimeError mentioning `phrase`."""
    try:
        fn()
    except RuntimeError as err:
        print(label, "raises RuntimeError:", phrase in str(err))
    else:
        print(label, "did not raise")


# ----------------------------------------------------------------- leaves and requires_grad
a = torch.tensor([2.0, 3.0], dtype=torch.float64, requires_grad=True)
b = torch.tensor([6.0, 4.0], dtype=torch.float64, requires_grad=True)
c = torch.tensor([1.0, -1.0], dtype=torch.float64)
print("a leaf, requires_grad:", a.is_leaf, a.requires_grad)
print("c leaf, requires_grad:", c.is_leaf, c.requires_grad, "grad_fn None:", c.grad_fn is None)

Q = 3 * a**3 - b**2
print("Q:", Q)
print("Q leaf:", Q.is_leaf, "requires_grad:", Q.requires_grad)
print("Q from c only requires grad:", (c * 2 + 1).requires_grad)
print("a + c requires grad:", (a + c).requires_grad)

# backward of a non-scalar output needs the gradient of something with respect to Q.
external_grad = torch.tensor([1.0, 1.0], dtype=torch.float64)
Q.backward(gradient=external_grad)
print("a.grad:", a.grad, "expected:", 9 * a.detach() ** 2)
print("b.grad:", b.grad, "expected:", -2 * b.detach())
print("Q.grad is None (non-leaf):", Q.grad is None)

# A second backward through a new graph accumulates into .grad.
Q2 = (a * b).sum()
Q2.backward()
print("a.grad accumulated:", a.grad)
print("b.grad accumulated:", b.grad)
a.grad.zero_()
b.grad = None
print("after zero_ and None:", a.grad, b.grad)

# ----------------------------------------------------------------- retain_grad, retain_graph
x = torch.linspace(-1.0, 1.0, 5, dtype=torch.float64, requires_grad=True)
h = x.exp()
h.retain_grad()
u = h * x
u.retain_grad()
loss = (u**2).mean()
print("h retains grad:", h.retains_grad, "x retains grad:", x.retains_grad)
loss.backward(retain_graph=True)
print("loss:", round(loss.item(), 10))
print("u.grad:", u.grad)
print("h.grad:", h.grad)
print("x.grad:", x.grad)
loss.backward()  # the graph was retained once: a second backward works and accumulates
print("x.grad twice:", x.grad)
print("h still retains grad after backward:", h.retains_grad)
check("third backward", lambda: loss.backward(), "second time")

# backward on a non-scalar without a gradient
y = x * 2
check("implicit grad of non-scalar", lambda: y.backward(), "scalar outputs")
y.backward(torch.arange(5, dtype=torch.float64))
print("x.grad after y.backward(arange):", x.grad)
x.grad = None

# ----------------------------------------------------------------- grad_fn and the graph
z = (x * 3).sin().sum()
print("z.grad_fn is None:", z.grad_fn is None, "x.grad_fn is None:", x.grad_fn is None)
node = z.grad_fn.next_functions[0][0]
print("next of sum has next:", len(node.next_functions) >= 1)
leaf_node = node.next_functions[0][0].next_functions[0][0]
print("walk reaches x:", leaf_node.variable is x)

# ----------------------------------------------------------------- detach, detach_, clone
w = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True)
v = w * 2
d = v.detach()
print("detach: leaf", d.is_leaf, "requires_grad", d.requires_grad)
d[0] = 100.0  # shares memory with v
print("v sees the write to its detached view:", v[0].item())
k = w.clone()
print(
    "clone: leaf", k.is_leaf, "requires_grad", k.requires_grad, "has grad_fn", k.grad_fn is not None
)
(k * k).sum().backward()
print("grad through clone:", w.grad)
w.grad = None
e = w * 5  # e.g. a hidden state carried over to the next batch
(e * e).sum().backward()
w.grad = None
e.detach_()
print("detach_: leaf", e.is_leaf, "requires_grad", e.requires_grad, e)
f = w.detach().clone().requires_grad_()
print("detach().clone().requires_grad_(): leaf", f.is_leaf, f.requires_grad)
(f**2).sum().backward()
print("f.grad:", f.grad, "w.grad None:", w.grad is None)
check("detach_ on a view", lambda: w[1:].detach_(), "view")
check("requires_grad_(False) on non-leaf", lambda: (w * 2).requires_grad_(False), "leaf")
g = w.detach()
g.requires_grad_(True)
print("detached copy made a leaf again:", g.is_leaf, g.requires_grad)

# ----------------------------------------------------------------- grad modes
with torch.no_grad():
    n1 = w * 2
    with torch.enable_grad():
        n2 = w * 2
    n3 = w * 2
print("no_grad / enable_grad / no_grad:", n1.requires_grad, n2.requires_grad, n3.requires_grad)
print("grad enabled after:", torch.is_grad_enabled())

with torch.set_grad_enabled(False):
    s1 = w + 1
    print("inside set_grad_enabled(False):", torch.is_grad_enabled())
print("set_grad_enabled(False) result:", s1.requires_grad, "restored:", torch.is_grad_enabled())
torch.set_grad_enabled(False)
s2 = w + 1
torch.set_grad_enabled(True)
print("set_grad_enabled as a function:", s2.requires_grad, torch.is_grad_enabled())


@torch.no_grad()
def doubler(t):
    return t * 2


@torch.enable_grad()
def tripler(t):
    return t * 3


@torch.no_grad
def halver(t):
    return t / 2


@torch.inference_mode
def quarter(t):
    return t / 4


print("no_grad decorator:", doubler(w).requires_grad)
print(
    "bare no_grad and inference_mode decorators:", halver(w).requires_grad, quarter(w).requires_grad
)
print("inference mode off outside:", torch.is_inference_mode_enabled())
with torch.no_grad():
    print("enable_grad decorator inside no_grad:", tripler(w).requires_grad)
    print("mode after the decorated call:", torch.is_grad_enabled())

is_train = False
with torch.set_grad_enabled(is_train):
    s3 = w * w
print("set_grad_enabled(is_train):", s3.requires_grad)

with torch.inference_mode():
    i1 = w * 2
    print(
        "inside inference_mode, grad enabled:",
        torch.is_grad_enabled(),
        torch.is_inference_mode_enabled(),
    )
    with torch.inference_mode(False):
        i0 = w * 2
        print(
            "inference_mode(False) inside it:",
            torch.is_grad_enabled(),
            torch.is_inference_mode_enabled(),
        )
    print("back in inference mode:", torch.is_grad_enabled(), torch.is_inference_mode_enabled())
print("i0 requires grad:", i0.requires_grad)
print("inference_mode result requires grad:", i1.requires_grad)
with torch.inference_mode(False):
    i2 = w * 2
print("inference_mode(False) result requires grad:", i2.requires_grad)


@torch.inference_mode()
def predict(t):
    return (t * t).sum()


print("inference_mode decorator:", predict(w).requires_grad, predict(w).item())

# A result computed under no_grad is a constant: gradients do not flow through it.
with torch.no_grad():
    scale = w.sum()
out = (w * scale).sum()
out.backward()
print("gradient with a no_grad constant:", w.grad)
w.grad = None

# ----------------------------------------------------------------- integer tensors
ints = torch.tensor([1, 2, 3])
print("int64:", ints.dtype == torch.int64, "requires_grad:", ints.requires_grad)
try:
    torch.tensor([1, 2, 3], requires_grad=True)
except RuntimeError as err:
    print("int tensor with requires_grad raises:", "floating" in str(err))
try:
    ints.requires_grad_()
except RuntimeError as err:
    print("int requires_grad_ raises:", "floating" in str(err))
mixed = w * ints
print("float64 * int64 is float64:", mixed.dtype == torch.float64, mixed.requires_grad)
mixed.sum().backward()
print("w.grad from int factor:", w.grad)

# ----------------------------------------------------------------- anomaly detection
t = torch.tensor([0.0, 1.0], dtype=torch.float64, requires_grad=True)
with torch.autograd.detect_anomaly():
    t.sqrt().sum().backward()
    print("an infinite gradient passes anomaly mode:", t.grad)
    t.grad = None
    try:
        ((t * 0).log() * 0).sum().backward()
    except RuntimeError as err:
        print("a NaN gradient stops it:", "nan" in str(err))
print("anomaly mode off again:", torch.is_anomaly_enabled())
