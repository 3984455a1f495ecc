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

from . import cuda, graph, memory, ops, return_types, threads
from .anomaly import detect_anomaly, is_anomaly_enabled
from .archive import ArchiveError
from .compare import allclose, equal, is_tensor, isclose
from .creation import (
    arange,
    as_tensor,
    eye,
    from_numpy,
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
from .device import device
from .dtypes import (
    DTYPE_NAMES,
    double,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    int8,
    int16,
    int32,
    int64,
    long,
    set_default_dtype,
    short,
    uint8,
)
from .engine import gradients, topological_order
from .errors import AnomalyError, DtypeError, GraphFreedError, InplaceModificationError, ShapeError
from .factories import empty, empty_like, full_like, logspace
from .function import Function
from .functional import grad, hessian, jacobian, jvp, value_and_grad, vjp
from .grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck, numerical_grad
from .hooks import RemovableHandle
from .memory import keep_freed_memory
from .printing import set_printoptions
from .registry import FUNCTIONS
from .sampling import (
    bernoulli,
    multinomial,
    normal,
    rand_like,
    randint,
    randint_like,
    randn_like,
    randperm,
)
from .scope import current_scope, name_scope
from .serialization import load, save
from .tensor import Tensor
from .threads import get_num_threads, set_num_threads

# The functional API, `autodiff.exp` to `autodiff.where`, comes from the op table.
globals().update(FUNCTIONS)

# Imported after the names above, which they use: PyTorch's namespaces.
from . import autograd, func, linalg  # isort: skip  # noqa: E402

# PyTorch's `torch.float`, `torch.int` and `torch.bool` (defined here, where shadowing the
# builtins harms nothing: this module uses none of them below).
float = DTYPE_NAMES["float"]  # noqa: A001
int = DTYPE_NAMES["int"]  # noqa: A001
bool = DTYPE_NAMES["bool"]  # noqa: A001

__all__ = [
    "get_num_threads",
    "set_num_threads",
    "threads",
    "ArchiveError",
    "allclose",
    "autograd",
    "bool",
    "cuda",
    "device",
    "double",
    "equal",
    "float",
    "float16",
    "float32",
    "float64",
    "from_numpy",
    "func",
    "half",
    "int",
    "int8",
    "int16",
    "int32",
    "int64",
    "is_tensor",
    "linalg",
    "isclose",
    "load",
    "long",
    "save",
    "short",
    "uint8",
    "Function",
    "GradcheckError",
    "AnomalyError",
    "DtypeError",
    "GraphFreedError",
    "InplaceModificationError",
    "RemovableHandle",
    "ShapeError",
    "Tensor",
    "arange",
    "as_tensor",
    "bernoulli",
    "empty",
    "empty_like",
    "full_like",
    "logspace",
    "multinomial",
    "normal",
    "rand_like",
    "randint",
    "randint_like",
    "randn_like",
    "randperm",
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
    "inference_mode",
    "is_inference_mode_enabled",
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
    "return_types",
    "ones_like",
    "rand",
    "randn",
    "set_default_dtype",
    "set_grad_enabled",
    "set_printoptions",
    "tensor",
    "topological_order",
    "value_and_grad",
    "vjp",
    "zeros",
    "zeros_like",
    *FUNCTIONS,
]
