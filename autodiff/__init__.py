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

from . import graph, memory, ops
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
from .hooks import RemovableHandle
from .memory import keep_freed_memory
from .registry import FUNCTIONS
from .scope import current_scope, name_scope
from .tensor import Tensor

# The functional API, `autodiff.exp` to `autodiff.where`, comes from the op table.
globals().update(FUNCTIONS)

__all__ = [
    "Function",
    "GradcheckError",
    "GraphFreedError",
    "InplaceModificationError",
    "RemovableHandle",
    "ShapeError",
    "Tensor",
    "arange",
    "as_tensor",
    "current_scope",
    "detect_anomaly",
    "enable_grad",
    "eye",
    "full",
    "get_default_dtype",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "gradients",
    "graph",
    "hessian",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "jacobian",
    "jvp",
    "keep_freed_memory",
    "linspace",
    "manual_seed",
    "memory",
    "name_scope",
    "no_grad",
    "numerical_grad",
    "ones",
    "ops",
    "ones_like",
    "rand",
    "randn",
    "set_default_dtype",
    "set_grad_enabled",
    "tensor",
    "topological_order",
    "value_and_grad",
    "vjp",
    "zeros",
    "zeros_like",
    *FUNCTIONS,
]
