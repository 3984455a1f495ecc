"""Custom autograd Functions, checked with gradcheck and gradgradcheck.

PyTorch's tutorial Functions (MyReLU and the Legendre polynomial P3) written with Tensor methods,
a Function with two inputs and a non-tensor argument, one whose backward is deliberately wrong
(gradcheck must catch it), and the tutorial's fit of sin(x) with P3. float64 throughout.
"""

import math

import numpy as np
import torch
from torch.autograd import Function, gradcheck, gradgradcheck


class MyReLU(Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        grad_input = grad_output.clone()
        grad_input[input < 0] = 0
        return grad_input


class LegendrePolynomial3(Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input**3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input**2 - 1)


class ScaledProduct(Function):
    """scale * a * b, with a Python number as a third argument (its gradient is None)."""

    @staticmethod
    def forward(ctx, a, b, scale):
        ctx.save_for_backward(a, b)
        ctx.scale = scale
        return scale * a * b

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:
            grad_a = grad_output * ctx.scale * b
        if ctx.needs_input_grad[1]:
            grad_b = grad_output * ctx.scale * a
        return grad_a, grad_b, None


class WrongExp(Function):
    """exp with a backward that forgets the chain rule's factor."""

    @staticmethod
    def forward(ctx, input):
        result = input.exp()
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad_output):
        (result,) = ctx.saved_tensors
        return result


values = np.random.default_rng(0).standard_normal((4, 5))
x = torch.tensor(values, dtype=torch.double, requires_grad=True)
y = torch.tensor(values[::-1].copy(), dtype=torch.double, requires_grad=True)

out = MyReLU.apply(x)
out.sum().backward()
print("relu grad:", x.grad.sum().item(), "relu out:", round(out.sum().item(), 8))
print("relu grad_fn is set:", out.grad_fn is not None, out.requires_grad)

print("gradcheck P3:", gradcheck(LegendrePolynomial3.apply, (x,), eps=1e-6, atol=1e-4))
print("gradgradcheck P3:", gradgradcheck(LegendrePolynomial3.apply, (x,)))
print("gradcheck ScaledProduct:", gradcheck(ScaledProduct.apply, (x, y, 2.5)))
print("gradcheck WrongExp:", gradcheck(WrongExp.apply, (x,), raise_exception=False))
try:
    gradcheck(WrongExp.apply, (x,))
    print("WrongExp passed")
except Exception as err:
    print("WrongExp raised:", isinstance(err, RuntimeError))

with torch.no_grad():
    quiet = LegendrePolynomial3.apply(x)
print("under no_grad:", quiet.requires_grad, quiet.grad_fn is None)

# The tutorial: fit y = a + b * P3(c + d * x) to sin(x) with P3 as a custom Function.
dtype = torch.float64
xs = torch.linspace(-math.pi, math.pi, 2000, dtype=dtype)
ys = torch.sin(xs)
a = torch.full((), 0.0, dtype=dtype, requires_grad=True)
b = torch.full((), -1.0, dtype=dtype, requires_grad=True)
c = torch.full((), 0.0, dtype=dtype, requires_grad=True)
d = torch.full((), 0.3, dtype=dtype, requires_grad=True)

learning_rate = 5e-6
P3 = LegendrePolynomial3.apply
for t in range(2000):
    y_pred = a + b * P3(c + d * xs)
    loss = (y_pred - ys).pow(2).sum()
    if t % 400 == 399:
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

print(f"Result: y = {a.item()} + {b.item()} * P3({c.item()} + {d.item()} x)")
