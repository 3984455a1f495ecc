"""Module backward hooks: register_full_backward_hook and register_full_backward_pre_hook.

A hook that sees grad_input and grad_output of a module with several inputs (a number among
them, a tensor that does not require grad) and two outputs, one unused; a hook that replaces
grad_input; a pre-hook that scales grad_output; hooks on every layer of a small float64 model
(the order they fire in); a module whose input does not require grad; an unused input; a hook
returning the wrong number of gradients; removing hooks by their handles.
"""

import warnings

import torch
import torch.nn as nn


def shapes(grads):
    return [None if g is None else tuple(g.shape) for g in grads]


class Two(nn.Module):
    def forward(self, a, k, b, c):
        return a * b * k + c, (a + b).sum()


two = Two()


def look_and_double(module, grad_input, grad_output):
    print("grad_input shapes:", shapes(grad_input), "grad_output shapes:", shapes(grad_output))
    print("grad_input:", grad_input)
    print("grad_output:", grad_output)
    return (grad_input[0] * 2, None, grad_input[2], None)


handle = two.register_full_backward_hook(look_and_double)
a = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
b = torch.tensor([3.0, 0.5], dtype=torch.float64, requires_grad=True)
c = torch.ones(2, dtype=torch.float64)
o1, o2 = two(a, 2.0, b, c)
(o1 * torch.tensor([1.0, 10.0], dtype=torch.float64)).sum().backward()
print("a.grad (doubled by the hook):", a.grad)
print("b.grad:", b.grad)
handle.remove()
a.grad = None
b.grad = None
o1, o2 = two(a, 2.0, b, c)
(o1.sum() + o2).backward()
print("without the hook:", a.grad, b.grad)

# ----------------------------------------------------------------- a model, hook order
model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).double()
with torch.no_grad():  # the same weights under both libraries
    for param in model.parameters():
        param.copy_(
            torch.linspace(-1.0, 1.0, param.numel(), dtype=torch.float64).reshape(param.shape)
        )
order = []
handles = []
for name, layer in model.named_children():

    def hook(module, grad_input, grad_output, name=name):
        order.append(name)
        print("layer", name, "grad_output norm", round(grad_output[0].norm().item(), 6))
        print("layer", name, "grad_input norm", round(grad_input[0].norm().item(), 6))

    handles.append(layer.register_full_backward_hook(hook))


def scale_output(module, grad_output):
    print("pre-hook sees", shapes(grad_output))
    return (grad_output[0] * 0.5,)


handles.append(model[2].register_full_backward_pre_hook(scale_output))
x = torch.linspace(-2.0, 2.0, 15, dtype=torch.float64).reshape(5, 3).requires_grad_()
model(x).pow(2).sum().backward()
print("hooks fired in order:", order)
print("x.grad:", x.grad)
weight_grad = model[0].weight.grad.clone()
for h in handles:
    h.remove()
model.zero_grad()
x.grad = None
model(x).pow(2).sum().backward()
print("weight grad with the pre-hook halving, over without:", weight_grad / model[0].weight.grad)

# ----------------------------------------------------------------- no input requires grad
layer = nn.Linear(2, 1).double()
layer.register_full_backward_hook(lambda m, gi, go: print("no-grad input:", gi, shapes(go)))
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    layer(torch.ones(1, 2, dtype=torch.float64)).sum().backward()
print("warned:", any("no inputs require gradients" in str(w.message) for w in caught))


# ----------------------------------------------------------------- an unused input
class FirstOnly(nn.Module):
    def forward(self, p, q):
        return p * 3


first = FirstOnly()
first.register_full_backward_hook(lambda m, gi, go: print("unused input gets:", gi))
p = torch.ones(2, dtype=torch.float64, requires_grad=True)
q = torch.ones(2, dtype=torch.float64, requires_grad=True)
first(p, q).sum().backward()
print("q.grad:", q.grad)

# ----------------------------------------------------------------- wrong number of gradients
bad = nn.Linear(2, 1).double()
bad.register_full_backward_hook(lambda m, gi, go: (gi[0], gi[0]))
try:
    bad(torch.ones(1, 2, dtype=torch.float64, requires_grad=True)).sum().backward()
except RuntimeError as err:
    print("RuntimeError:", "invalid number of grad_input" in str(err))
