"""Second derivatives: Hessian-vector products with create_graph, and the functional APIs.

The Rosenbrock function in 6 dimensions (float64): its gradient by torch.autograd.grad with
create_graph=True, a Hessian-vector product by differentiating <grad, v>, the same product by
backward(create_graph=True), the full Hessian from torch.autograd.functional and torch.func, and
a few Newton steps.
"""

import numpy as np
import torch
from torch.autograd.functional import hessian, hvp, jacobian, jvp, vjp
from torch.func import grad, jacrev
from torch.func import hessian as func_hessian


def rosenbrock(x):
    return (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()


rng = np.random.default_rng(0)
x0 = rng.uniform(-1.5, 1.5, size=6)
v0 = rng.standard_normal(6)

x = torch.tensor(x0, requires_grad=True)
v = torch.tensor(v0)
print("x is float64:", x.dtype == torch.float64, "f(x) =", f"{rosenbrock(x).item():.10f}")

# Hessian-vector product: differentiate the gradient's dot product with v.
(g,) = torch.autograd.grad(rosenbrock(x), x, create_graph=True)
print("grad:", g.detach().numpy().round(6).tolist())
print("grad requires grad:", g.requires_grad)
(hv,) = torch.autograd.grad(g, x, grad_outputs=v)
print("Hv (grad of grad):", hv.numpy().round(6).tolist())

# The same with backward(create_graph=True) and .grad.
y = rosenbrock(x)
y.backward(create_graph=True)
first = x.grad
x.grad = None
(first * v).sum().backward()
print("Hv (backward twice):", x.grad.numpy().round(6).tolist())
x.grad = None

# torch.autograd.functional.
H = hessian(rosenbrock, x.detach())
print("Hessian shape:", tuple(H.shape), "symmetric:", torch.allclose(H, H.T))
print("H @ v:", (H @ v).numpy().round(6).tolist())
value, hvp_out = hvp(rosenbrock, x.detach(), v)
print("hvp:", round(value.item(), 8), hvp_out.numpy().round(6).tolist())
J = jacobian(lambda t: t.exp() * t.sum(), x.detach())
print("jacobian diagonal sum:", round(sum(J[i, i].item() for i in range(6)), 8))
print("jacobian row 0:", J[0].numpy().round(6).tolist())
out, vjp_out = vjp(lambda t: t.sin() * 2, x.detach(), v)
print("vjp:", vjp_out.numpy().round(6).tolist())
out, jvp_out = jvp(lambda t: t.sin() * 2, x.detach(), v)
print("jvp:", jvp_out.numpy().round(6).tolist())

# torch.func: transforms that return functions.
print("func grad:", grad(rosenbrock)(x.detach()).numpy().round(6).tolist())
print("func Hessian equals:", torch.allclose(func_hessian(rosenbrock)(x.detach()), H))
print("func jacrev of grad equals:", torch.allclose(jacrev(grad(rosenbrock))(x.detach()), H))


def second_derivative(t):
    return grad(grad(lambda s: s.sin() * s**3))(t)


t0 = torch.tensor(0.7, dtype=torch.float64)
print("d2/dt2 of t^3 sin t at 0.7:", round(second_derivative(t0).item(), 10))

# Newton's method with a damped Hessian, solved with numpy.
z = torch.tensor(x0, requires_grad=True)
for step in range(5):
    loss = rosenbrock(z)
    (g,) = torch.autograd.grad(loss, z, create_graph=True)
    rows = [torch.autograd.grad(g[i], z, retain_graph=True)[0] for i in range(6)]
    H = torch.stack(rows)
    delta = np.linalg.solve(H.detach().numpy() + 10.0 * np.eye(6), g.detach().numpy())
    with torch.no_grad():
        z -= torch.from_numpy(delta)
    print(f"newton {step}: f = {loss.item():.8f} |g| = {g.norm().item():.6f}")
