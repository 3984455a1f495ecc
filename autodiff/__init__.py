"""glassgrad's autodiff: a reverse-mode automatic-differentiation engine on numpy.

>>> from autodiff import Tensor
>>> x = Tensor(-2.0, requires_grad=True)
>>> y = Tensor(5.0, requires_grad=True)
>>> z = Tensor(-4.0, requires_grad=True)
>>> f = (x + y) * z
>>> f.backward()
>>> x.grad, y.grad, z.grad
(tensor(-4.), tensor(-4.), tensor(3.))
"""

# The Tensor module binds the op table at its end, so it is imported first.
from .tensor import RemovableHandle, Tensor  # isort: split

from . import graph
from .anomaly import detect_anomaly, is_anomaly_enabled
from .creation import (
    arange,
    as_tensor,
    eye,
    full,
    linspace,
    manual_seed,
    ones,
    ones_like,
    rand,
    randn,
    tensor,
    zeros,
    zeros_like,
)
from .dtypes import get_default_dtype, set_default_dtype
from .engine import gradients, topological_order
from .errors import GraphFreedError, InplaceModificationError, ShapeError
from .function import Function
from .functional import grad, hessian, jacobian, jvp, value_and_grad, vjp
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import GradcheckError, gradcheck, gradgradcheck, numerical_grad
from .memory import _apply_default as _keep_freed_memory_by_default
from .memory import keep_freed_memory
from .ops import (
    abs,
    broadcast_to,
    cat,
    clamp,
    clip,
    concatenate,
    cos,
    exp,
    expand,
    flatten,
    leaky_relu,
    log,
    log1p,
    log_softmax,
    logsumexp,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    neg,
    pad,
    permute,
    prod,
    relu,
    reshape,
    sigmoid,
    sign,
    sin,
    softmax,
    split,
    sqrt,
    squeeze,
    stack,
    std,
    sum,
    swapaxes,
    tanh,
    transpose,
    unsqueeze,
    var,
    where,
)
from .scope import current_scope, name_scope

__all__ = [
    "GradcheckError",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "graph",
    "hessian",
    "jacobian",
    "jvp",
    "keep_freed_memory",
    "numerical_grad",
    "value_and_grad",
    "vjp",
    "Function",
    "GraphFreedError",
    "InplaceModificationError",
    "RemovableHandle",
    "ShapeError",
    "Tensor",
    "abs",
    "arange",
    "as_tensor",
    "broadcast_to",
    "cat",
    "clamp",
    "clip",
    "concatenate",
    "cos",
    "current_scope",
    "detect_anomaly",
    "enable_grad",
    "exp",
    "expand",
    "eye",
    "flatten",
    "full",
    "get_default_dtype",
    "gradients",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "leaky_relu",
    "linspace",
    "log",
    "log1p",
    "log_softmax",
    "logsumexp",
    "manual_seed",
    "matmul",
    "max",
    "maximum",
    "mean",
    "min",
    "minimum",
    "name_scope",
    "neg",
    "no_grad",
    "ones",
    "ones_like",
    "pad",
    "permute",
    "prod",
    "rand",
    "randn",
    "relu",
    "reshape",
    "set_default_dtype",
    "set_grad_enabled",
    "sigmoid",
    "sign",
    "sin",
    "softmax",
    "split",
    "sqrt",
    "squeeze",
    "stack",
    "std",
    "sum",
    "swapaxes",
    "tanh",
    "tensor",
    "topological_order",
    "transpose",
    "unsqueeze",
    "var",
    "where",
    "zeros",
    "zeros_like",
]

_keep_freed_memory_by_default()  # see autodiff/memory.py; GLASSGRAD_KEEP_FREED_MEMORY=0 opts out
