"""torch.autograd.grad and torch.autograd.functional on small functions with several inputs.

autograd.grad with several outputs and grad_outputs, with respect to an intermediate tensor,
allow_unused and materialize_grads, retain_graph across calls; then jacobian, hessian, vjp, jvp,
vhp and hvp of functions of one and of two inputs, with tuple outputs, with create_graph (a
derivative of a Jacobian entry), and checks against hand-written derivatives. float64.
"""

import numpy as np
import torch
from torch.autograd.functional import hessian, hvp, jacobian, jvp, vhp, vjp


def show(label, value):
    if isinstance(value, tuple):
        for i, v in enumerate(value):
            show(f"{label}[{i}]", v)
    else:
        print(label, tuple(value.shape), value.detach().numpy().round(6).tolist())


rng = np.random.default_rng(7)
a0 = rng.standard_normal(3)
b0 = rng.standard_normal((2, 3))

# ----------------------------------------------------------------- autograd.grad
a = torch.tensor(a0, requires_grad=True)
b = torch.tensor(b0, requires_grad=True)
h = b @ a  # (2,), an intermediate
out1 = (h**2).sum()
out2 = (a.sin() * h.sum()).sum()
ga, gb = torch.autograd.grad(out1, (a, b), retain_graph=True)
show("d out1 / d a", ga)
show("d out1 / d b", gb)
(gh,) = torch.autograd.grad(out1, h, retain_graph=True)
show("d out1 / d h (an intermediate)", gh)
both = torch.autograd.grad([out1, out2], [a], retain_graph=True)
show("d (out1 + out2) / d a", both[0])
weighted = torch.autograd.grad(
    [out1, out2],
    [a],
    grad_outputs=[torch.tensor(2.0, dtype=torch.float64), torch.tensor(-1.0, dtype=torch.float64)],
    retain_graph=True,
)
show("d (2 out1 - out2) / d a", weighted[0])
vec = torch.autograd.grad(
    h, b, grad_outputs=torch.tensor([1.0, -1.0], dtype=torch.float64), retain_graph=True
)
show("vjp of h wrt b", vec[0])

unused = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
try:
    torch.autograd.grad(out1, [a, unused], retain_graph=True)
except RuntimeError as err:
    print("unused input raises:", "allow_unused" in str(err))
g_a, g_unused = torch.autograd.grad(out1, [a, unused], allow_unused=True, retain_graph=True)
print("allow_unused gives None:", g_unused is None)
show("and a's gradient", g_a)
g_a, g_unused = torch.autograd.grad(out1, [a, unused], materialize_grads=True, retain_graph=True)
show("materialize_grads gives zeros", g_unused)
try:
    torch.autograd.grad(h, b, grad_outputs=torch.ones(3, dtype=torch.float64), retain_graph=True)
except RuntimeError:
    print("grad_outputs of the wrong shape raises a RuntimeError")
print("the .grad fields are untouched:", a.grad is None, b.grad is None)

(g1,) = torch.autograd.grad(out1, a, create_graph=True)
print("first gradient requires grad:", g1.requires_grad)
(g2,) = torch.autograd.grad(g1[0], a)
show("row 0 of the Hessian of out1", g2)
show("expected 2 b^T b row 0", (2 * b.T @ b)[0])


# ----------------------------------------------------------------- one input, one output
def softplus_norm(x):
    return torch.log1p(torch.exp(x)) * x.norm()


x = torch.tensor(a0)
J = jacobian(softplus_norm, x)
show("jacobian", J)
print("jacobian requires grad:", J.requires_grad)
H = hessian(lambda t: (t**4).sum() + t.prod(), x)
show("hessian", H)
print("symmetric:", torch.allclose(H, H.T))
v = torch.tensor([1.0, 0.5, -2.0], dtype=torch.float64)
val, vj = vjp(softplus_norm, x, v)
show("vjp value", val)
show("vjp", vj)
show("v @ J", v @ J)
val, jv = jvp(softplus_norm, x, v)
show("jvp", jv)
show("J @ v", J @ v)
val, hv = hvp(lambda t: (t**4).sum() + t.prod(), x, v)
print("hvp value", round(val.item(), 8))
show("hvp", hv)
val, vh = vhp(lambda t: (t**4).sum() + t.prod(), x, v)
show("vhp", vh)
show("H @ v", H @ v)


# ----------------------------------------------------------------- two inputs, two outputs
def two_out(p, q):
    return p * q.sum(0), (p.exp() @ q.T).tanh()


p = torch.tensor(a0)
q = torch.tensor(b0)
Js = jacobian(two_out, (p, q))
print("jacobian of 2 outputs and 2 inputs: lengths", len(Js), len(Js[0]), len(Js[1]))
show("J_out0", Js[0])
show("J_out1", Js[1])
Hs = hessian(lambda p, q: (p.exp() @ q.T).sum() + (p**2).sum() * q.abs().sum(), (p, q))
print("hessian blocks:", len(Hs), len(Hs[0]))
show("H", Hs)
print("H_pq equals H_qp transposed:", torch.allclose(Hs[0][1], Hs[1][0].permute(2, 0, 1)))

val, vjps = vjp(
    lambda p, q: (p.exp() @ q.T).tanh(), (p, q), torch.tensor([0.3, -0.7], dtype=torch.float64)
)
show("vjp of two inputs", vjps)
val, jvp_out = jvp(
    lambda p, q: (p.exp() @ q.T).tanh(),
    (p, q),
    (torch.ones(3, dtype=torch.float64), torch.zeros(2, 3, dtype=torch.float64)),
)
show("jvp along p only", jvp_out)
show("J_out1 wrt p summed over p", Js[1][0].sum(1))
val, hvps = hvp(
    lambda p, q: (p.exp() @ q.T).sum(),
    (p, q),
    (torch.ones(3, dtype=torch.float64), torch.ones(2, 3, dtype=torch.float64)),
)
show("hvp of two inputs", hvps)

# tuple outputs for vjp and jvp
val, vjps = vjp(
    two_out, (p, q), (torch.ones(3, dtype=torch.float64), torch.ones(2, dtype=torch.float64))
)
show("vjp with tuple outputs: value", val)
show("vjp with tuple outputs", vjps)
val, jvps = jvp(
    two_out, (p, q), (torch.ones(3, dtype=torch.float64), torch.ones(2, 3, dtype=torch.float64))
)
show("jvp with tuple outputs", jvps)

# ----------------------------------------------------------------- create_graph
w = torch.tensor([0.2, -0.4, 0.9], dtype=torch.float64, requires_grad=True)
Jw = jacobian(lambda t: t.sin() * t.sum(), w, create_graph=True)
print("jacobian with create_graph requires grad:", Jw.requires_grad)
(Jw * torch.eye(3, dtype=torch.float64)).sum().backward()
show("d trace(J) / d w", w.grad)
w.grad = None
Hw = hessian(lambda t: (t.exp() * t).sum(), w, create_graph=True)
Hw.sum().backward()
show("d sum(H) / d w", w.grad)
w.grad = None
_, vjw = vjp(lambda t: t**3, w, torch.ones(3, dtype=torch.float64), create_graph=True)
vjw.sum().backward()
show("d sum(3 w^2) / d w", w.grad)
w.grad = None

# a function of w that is constant in part of it
const = jacobian(lambda t: t[:2] * 0 + 1.0, w)
show("jacobian of a constant", const)

# one-element inputs and outputs: v may be omitted
s = torch.tensor(0.7, dtype=torch.float64)
val, ds = jvp(lambda t: t.sin() * t, s)
show("jvp of a 0-d input without v", ds)
val, ds = vjp(lambda t: (t * t).exp(), s)
show("vjp of a 0-d output without v", ds)
show("hessian of a 0-d input", hessian(lambda t: t.sin() * t**2, s))
show("jacobian of a 0-d input", jacobian(lambda t: torch.stack([t, t**2, t**3]), s))
