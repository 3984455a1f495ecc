"""The Tensor: a data node of the graph.

A Tensor holds an ndarray (`data`), and, when it was made by an op while recording, the compute
node that made it (`grad_fn`). Leaves that `requires_grad` collect gradients in `.grad` on
`backward()`. 0-d tensors are the scalar engine: `(x + y) * z` reads like micrograd.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .dtypes import DTypeLike, get_default_dtype, to_array
from .errors import ShapeError
from .grad_mode import _GradMode

Hook = Callable[["Tensor"], "Tensor | None"]
Axis = int | Sequence[int] | None


class Tensor:
    """An n-d array that records the ops applied to it.

    `Tensor(data, requires_grad=False, dtype=None, name=None)` wraps `data` without copying when
    it is already an ndarray of the right dtype (like `np.asarray`); use `autodiff.tensor` for a
    copy. Python numbers and lists become the default float dtype (float32).
    """

    __slots__ = ("data", "_grad", "_requires_grad", "grad_fn", "__dict__", "__weakref__")
    # Rarely set, so they live in the instance dict only once set: a tensor is cheaper to make.
    name: str | None = None
    _version: int = 0  # bumped by in-place ops; views read their base's
    _base: Tensor | None = None  # the tensor whose memory this one views
    _hooks: list[Hook] | None = None
    # Tensors take part in numpy's dispatch, so numpy code (backward formulas included) applied
    # to Tensors records ops instead of converting them to arrays.
    __array_priority__ = 1000

    def __init__(
        self,
        data: Any,
        requires_grad: bool = False,
        dtype: DTypeLike | None = None,
        name: str | None = None,
    ) -> None:
        if isinstance(data, Tensor):
            data = data.data
        self.data: np.ndarray = to_array(data, dtype)
        self._grad: Tensor | None = None
        self._requires_grad = False
        self.grad_fn = None
        if name is not None:
            self.name = name
        if requires_grad:
            self.requires_grad = True

    @staticmethod
    def _make(data: np.ndarray, grad_fn: Any = None, base: Tensor | None = None) -> Tensor:
        """Wrap an array the engine produced (no checks, no copy).

        `base` is the tensor whose memory `data` views: views share its version counter.
        """
        t = Tensor.__new__(Tensor)
        t.data = data
        t._grad = None
        t._requires_grad = grad_fn is not None
        t.grad_fn = grad_fn
        if base is not None:
            t._base = base
        return t

    # ----------------------------------------------------------------- autograd attributes
    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        if self.grad_fn is not None and not flag:
            raise RuntimeError(
                "requires_grad: only leaf tensors can change requires_grad; use .detach() "
                f"to cut {self._label()} from the graph"
            )
        if flag and self.data.dtype.kind != "f":
            raise TypeError(
                f"requires_grad: only floating-point tensors can require grad, but "
                f"{self._label()} has dtype {self.data.dtype}; convert it first, e.g. "
                ".astype('float32')"
            )
        self._requires_grad = bool(flag)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set `requires_grad` in place and return self."""
        self.requires_grad = requires_grad
        return self

    @property
    def grad(self) -> Tensor | None:
        """The accumulated gradient (a Tensor of this tensor's shape), or None."""
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | np.ndarray | None) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                value = Tensor(value, dtype=self.data.dtype)
            if value.shape != self.shape:
                raise ShapeError(
                    f"grad: cannot assign a gradient of shape {value.shape} to "
                    f"{self._label()} of shape {self.shape}"
                )
        self._grad = value

    def zero_grad(self) -> None:
        """Forget the accumulated gradient (sets `.grad` to None, like PyTorch's default)."""
        self._grad = None

    @property
    def is_leaf(self) -> bool:
        """True for tensors not made by a recorded op (user-created tensors, parameters)."""
        return self.grad_fn is None

    def retain_grad(self) -> None:
        """Keep `.grad` for this non-leaf tensor on backward (leaves always keep theirs)."""
        node = self.grad_fn
        if node is None or node._retains is not None:  # a leaf, or already retained
            return
        ref = weakref.ref(self)

        def retain(grad: Tensor) -> None:
            owner = ref()
            if owner is not None:
                owner._grad = grad if owner._grad is None else owner._grad + grad

        node._retains = retain
        node._add_hook(retain)

    def register_hook(self, hook: Hook) -> RemovableHandle:
        """Call `hook(grad)` with this tensor's gradient during backward.

        The hook may return a replacement gradient (same shape) or None. For a leaf it sees the
        total gradient of one backward before it is accumulated into `.grad`.
        """
        if not self._requires_grad:
            raise RuntimeError(
                f"register_hook: {self._label()} does not require grad, so it gets no gradient"
            )
        if self.grad_fn is not None:
            return self.grad_fn._add_hook(hook)
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        return RemovableHandle(self._hooks, hook)

    def backward(
        self,
        grad: Tensor | np.ndarray | float | None = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
    ) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's `.grad`.

        `grad` is d(loss)/d(self), required unless self has one element. Without
        `retain_graph` the saved values are freed and a second backward raises. With
        `create_graph` the backward pass is itself recorded, for higher-order derivatives.
        """
        run_backward((self,), (grad,), retain_graph, create_graph)

    def detach(self) -> Tensor:
        """A tensor sharing this data (and version counter) but cut from the graph."""
        return Tensor._make(self.data, None, self if self._base is None else self._base)

    # ----------------------------------------------------------------------- array facts
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        """The number of elements (numpy's `size`; PyTorch's `numel()`)."""
        return self.data.size

    def numel(self) -> int:
        return self.data.size

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def T(self) -> Tensor:
        """The tensor with its axes reversed (a transpose for matrices)."""
        return self.transpose()

    @property
    def version(self) -> int:
        """A stamp that grows whenever this memory (or a view of it) is modified in place."""
        return (self if self._base is None else self._base)._version

    def item(self) -> Any:
        if self.data.size != 1:
            raise ValueError(
                f"item: only one-element tensors can be converted to a Python scalar, "
                f"{self._label()} has shape {self.shape}"
            )
        return self.data.item()

    def numpy(self) -> np.ndarray:
        """The underlying ndarray (shared, not a copy)."""
        return self.data

    def tolist(self) -> Any:
        return self.data.tolist()

    def __array__(self, dtype: DTypeLike | None = None, copy: bool | None = None) -> np.ndarray:
        if dtype is not None and np.dtype(dtype) != self.data.dtype:
            return self.data.astype(dtype)
        return self.data.copy() if copy else self.data

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def __iter__(self):
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(len(self.data)))

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise ValueError(
                f"the truth value of a tensor with {self.data.size} elements is ambiguous; "
                "use .any() or .all()"
            )
        return bool(self.data)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    __hash__ = object.__hash__

    def _label(self) -> str:
        return f"tensor '{self.name}'" if self.name else f"a tensor of shape {self.shape}"

    def __repr__(self) -> str:
        body = np.array2string(
            self.data, separator=", ", prefix="tensor(", threshold=200, edgeitems=3
        )
        extras = []
        dt = self.data.dtype
        if dt != get_default_dtype() and dt.kind != "b" and dt != np.int64:
            extras.append(f"dtype={dt}")
        if self.name:
            extras.append(f"name={self.name!r}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{type(self.grad_fn).__name__}Backward>")
        elif self._requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([body, *extras]) + ")"

    # ------------------------------------------------------------------ in-place updates
    def _check_inplace(self, op: str) -> None:
        if self._requires_grad and _GradMode.enabled:
            kind = "a leaf" if self.grad_fn is None else "a non-leaf"
            raise RuntimeError(
                f"{op}: {self._label()} is {kind} tensor that requires grad; in-place changes "
                "would corrupt backward. Do it under `with autodiff.no_grad():` (e.g. parameter "
                "updates) or use the out-of-place op"
            )
        _Inplace.count += 1
        (self if self._base is None else self._base)._version = _Inplace.count

    def _value(self, other: Any) -> Any:
        return other.data if isinstance(other, Tensor) else other

    def add_(self, other: Any, alpha: float = 1.0) -> Tensor:
        """self += alpha * other, in place (no recording; bumps the version)."""
        self._check_inplace("add_")
        other = self._value(other)
        self.data += other if alpha == 1 else alpha * other
        return self

    def sub_(self, other: Any, alpha: float = 1.0) -> Tensor:
        self._check_inplace("sub_")
        other = self._value(other)
        self.data -= other if alpha == 1 else alpha * other
        return self

    def mul_(self, other: Any) -> Tensor:
        self._check_inplace("mul_")
        self.data *= self._value(other)
        return self

    def div_(self, other: Any) -> Tensor:
        self._check_inplace("div_")
        self.data /= self._value(other)
        return self

    def fill_(self, value: float) -> Tensor:
        self._check_inplace("fill_")
        self.data.fill(value)
        return self

    def zero_(self) -> Tensor:
        return self.fill_(0)

    def copy_(self, src: Any) -> Tensor:
        self._check_inplace("copy_")
        src = np.asarray(self._value(src))
        try:
            np.copyto(self.data, src, casting="same_kind")
        except ValueError:
            raise ShapeError(
                f"copy_: cannot copy shape {src.shape} into shape {self.shape}"
            ) from None
        return self

    def __setitem__(self, index: Any, value: Any) -> None:
        self._check_inplace("__setitem__")
        self.data[_index_arrays(index)] = self._value(value)

    # ---------------------------------------------------------------------- arithmetic
    def __add__(self, other: Any) -> Tensor:
        return Add.apply(self, other) if isinstance(other, _OPERAND_TYPES) else NotImplemented

    def __radd__(self, other: Any) -> Tensor:
        return Add.apply(other, self) if isinstance(other, _OPERAND_TYPES) else NotImplemented

    def __sub__(self, other: Any) -> Tensor:
        return Sub.apply(self, other) if isinstance(other, _OPERAND_TYPES) else NotImplemented

    def __rsub__(self, other: Any) -> Tensor:
        return Sub.apply(other, self) if isinstance(other, _OPERAND_TYPES) else NotImplemented

    def __mul__(self, other: Any) -> Tensor:
        return Mul.apply(self, other) if isinstance(other, _OPERAND_TYPES) else NotImplemented

    def __rmul__(self, other: Any) -> Tensor:
        return Mul.apply(other, self) if isinstance(other, _OPERAND_TYPES) else NotImplemented

    def __truediv__(self, other: Any) -> Tensor:
        return Div.apply(self, other) if isinstance(other, _OPERAND_TYPES) else NotImplemented

    def __rtruediv__(self, other: Any) -> Tensor:
        return Div.apply(other, self) if isinstance(other, _OPERAND_TYPES) else NotImplemented

    def __pow__(self, other: Any) -> Tensor:
        return Pow.apply(self, other) if isinstance(other, _OPERAND_TYPES) else NotImplemented

    def __rpow__(self, other: Any) -> Tensor:
        return Pow.apply(other, self) if isinstance(other, _OPERAND_TYPES) else NotImplemented

    def __matmul__(self, other: Any) -> Tensor:
        return MatMul.apply(self, other) if isinstance(other, _OPERAND_TYPES) else NotImplemented

    def __rmatmul__(self, other: Any) -> Tensor:
        return MatMul.apply(other, self) if isinstance(other, _OPERAND_TYPES) else NotImplemented

    def __neg__(self) -> Tensor:
        return Neg.apply(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return Abs.apply(self)

    # Comparisons give bool tensors and record nothing (they have no gradient).
    def __lt__(self, other: Any) -> Tensor:
        return _compare(np.less, self, other)

    def __le__(self, other: Any) -> Tensor:
        return _compare(np.less_equal, self, other)

    def __gt__(self, other: Any) -> Tensor:
        return _compare(np.greater, self, other)

    def __ge__(self, other: Any) -> Tensor:
        return _compare(np.greater_equal, self, other)

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _compare(np.equal, self, other)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _compare(np.not_equal, self, other)

    # ------------------------------------------------------------------ elementwise ops
    def exp(self) -> Tensor:
        return Exp.apply(self)

    def log(self) -> Tensor:
        return Log.apply(self)

    def log1p(self) -> Tensor:
        return Log1p.apply(self)

    def sqrt(self) -> Tensor:
        return Sqrt.apply(self)

    def sin(self) -> Tensor:
        return Sin.apply(self)

    def cos(self) -> Tensor:
        return Cos.apply(self)

    def tanh(self) -> Tensor:
        return Tanh.apply(self)

    def sigmoid(self) -> Tensor:
        return Sigmoid.apply(self)

    def relu(self) -> Tensor:
        return ReLU.apply(self)

    def leaky_relu(self, negative_slope: float = 0.01) -> Tensor:
        return LeakyReLU.apply(self, negative_slope=negative_slope)

    def abs(self) -> Tensor:
        return Abs.apply(self)

    def clip(self, min: float | None = None, max: float | None = None) -> Tensor:  # noqa: A002
        return Clip.apply(self, lo=min, hi=max)

    clamp = clip

    def maximum(self, other: Any) -> Tensor:
        return Maximum.apply(self, other)

    def minimum(self, other: Any) -> Tensor:
        return Minimum.apply(self, other)

    def sign(self) -> Tensor:
        """Elementwise sign (-1, 0, 1); not differentiable."""
        return Tensor._make(np.sign(self.data))

    def astype(self, dtype: DTypeLike) -> Tensor:
        """A copy converted to `dtype`; differentiable between floating-point dtypes."""
        return Cast.apply(self, dtype=np.dtype(dtype))

    def float(self) -> Tensor:
        return self.astype(np.float32)

    def double(self) -> Tensor:
        return self.astype(np.float64)

    def matmul(self, other: Any) -> Tensor:
        return MatMul.apply(self, other)

    # ----------------------------------------------------------------------- reductions
    # numpy's names (axis, keepdims); PyTorch's (dim, keepdim) are accepted as keywords too.
    def sum(self, axis: Axis = None, keepdims: bool = False, **torch_names: Any) -> Tensor:
        if axis is None and not keepdims and not torch_names:  # loss.sum(): the common case
            return Sum.apply(self)
        axis, keepdims = _dims(axis, keepdims, torch_names)
        return Sum.apply(self, axis=axis, keepdims=keepdims)

    def mean(self, axis: Axis = None, keepdims: bool = False, **torch_names: Any) -> Tensor:
        axis, keepdims = _dims(axis, keepdims, torch_names)
        return Mean.apply(self, axis=axis, keepdims=keepdims)

    def max(self, axis: Axis = None, keepdims: bool = False, **torch_names: Any) -> Tensor:
        """Maximum; the gradient is split evenly among tied maxima."""
        axis, keepdims = _dims(axis, keepdims, torch_names)
        return Max.apply(self, axis=axis, keepdims=keepdims)

    def min(self, axis: Axis = None, keepdims: bool = False, **torch_names: Any) -> Tensor:
        """Minimum; the gradient is split evenly among tied minima."""
        axis, keepdims = _dims(axis, keepdims, torch_names)
        return Min.apply(self, axis=axis, keepdims=keepdims)

    def var(
        self, axis: Axis = None, ddof: int = 0, keepdims: bool = False, **torch_names: Any
    ) -> Tensor:
        """Variance with numpy's `ddof` (0 by default: the biased estimate; PyTorch's default is
        `correction=1`, which is accepted as a keyword too)."""
        ddof = torch_names.pop("correction", ddof)
        axis, keepdims = _dims(axis, keepdims, torch_names)
        return Var.apply(self, axis=axis, ddof=ddof, keepdims=keepdims)

    def std(
        self, axis: Axis = None, ddof: int = 0, keepdims: bool = False, **torch_names: Any
    ) -> Tensor:
        return self.var(axis, ddof, keepdims, **torch_names).sqrt()

    def prod(self, axis: Axis = None, keepdims: bool = False, **torch_names: Any) -> Tensor:
        axis, keepdims = _dims(axis, keepdims, torch_names)
        return Prod.apply(self, axis=axis, keepdims=keepdims)

    def logsumexp(self, axis: Axis = None, keepdims: bool = False, **torch_names: Any) -> Tensor:
        axis, keepdims = _dims(axis, keepdims, torch_names)
        return LogSumExp.apply(self, axis=axis, keepdims=keepdims)

    def softmax(self, axis: int = -1, **torch_names: Any) -> Tensor:
        axis, _ = _dims(axis, False, torch_names)
        return Softmax.apply(self, axis=axis)

    def log_softmax(self, axis: int = -1, **torch_names: Any) -> Tensor:
        axis, _ = _dims(axis, False, torch_names)
        return LogSoftmax.apply(self, axis=axis)

    def argmax(self, axis: int | None = None, keepdims: bool = False, **torch_names: Any) -> Tensor:
        """Indices of the maxima (int64); not differentiable."""
        axis, keepdims = _dims(axis, keepdims, torch_names)
        return Tensor._make(np.argmax(self.data, axis=axis, keepdims=keepdims))

    def argmin(self, axis: int | None = None, keepdims: bool = False, **torch_names: Any) -> Tensor:
        axis, keepdims = _dims(axis, keepdims, torch_names)
        return Tensor._make(np.argmin(self.data, axis=axis, keepdims=keepdims))

    def all(self, axis: int | None = None) -> Tensor:
        return Tensor._make(np.asarray(np.all(self.data, axis=axis)))

    def any(self, axis: int | None = None) -> Tensor:
        return Tensor._make(np.asarray(np.any(self.data, axis=axis)))

    # --------------------------------------------------------------------------- shapes
    def reshape(self, *shape: int | Sequence[int]) -> Tensor:
        return Reshape.apply(self, shape=_shape_arg(shape))

    view = reshape

    def transpose(self, *axes: int | Sequence[int]) -> Tensor:
        """`transpose(dim0, dim1)` swaps two axes, as in PyTorch; no arguments reverses the
        axes and a full permutation (`transpose(2, 0, 1)` or a tuple) permutes, as in numpy."""
        if len(axes) == 2 and all(isinstance(a, int | np.integer) for a in axes):
            return swapaxes(self, axes[0], axes[1])
        return Permute.apply(self, axes=_shape_arg(axes) if axes else None)

    def permute(self, *axes: int | Sequence[int]) -> Tensor:
        return Permute.apply(self, axes=_shape_arg(axes))

    def swapaxes(self, axis1: int, axis2: int) -> Tensor:
        return swapaxes(self, axis1, axis2)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        return flatten(self, start_dim, end_dim)

    def squeeze(self, axis: int | Sequence[int] | None = None) -> Tensor:
        return squeeze(self, axis)

    def unsqueeze(self, axis: int) -> Tensor:
        return unsqueeze(self, axis)

    def expand(self, *sizes: int | Sequence[int]) -> Tensor:
        """Broadcast to `sizes` (PyTorch semantics: -1 keeps a dimension)."""
        return expand(self, *sizes)

    def broadcast_to(self, shape: Sequence[int]) -> Tensor:
        return Expand.apply(self, shape=tuple(shape))

    def split(self, split_size_or_sections: int | Sequence[int], axis: int = 0) -> tuple:
        return split(self, split_size_or_sections, axis)

    def pad(self, pad_width: Any, value: float = 0.0) -> Tensor:
        return Pad.apply(self, pad_width=pad_width, value=value)

    def __getitem__(self, index: Any) -> Tensor:
        index = _index_arrays(index)
        op = GetItem if is_basic_index(index) else GetItemCopy
        return op.apply(self, index=index)

    # ------------------------------------------------------------------ numpy protocols
    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        if method == "__call__" and not kwargs:
            op = UFUNCS.get(ufunc)
            if op is not None:
                return op(*inputs)
        # Anything else sees Tensors as their plain arrays (and records nothing).
        inputs = tuple(x.data if isinstance(x, Tensor) else x for x in inputs)
        return getattr(ufunc, method)(*inputs, **kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        op = FUNCTIONS.get(func)
        if op is not None:
            return op(*args, **kwargs)
        return func(*_to_arrays(args), **_to_arrays(kwargs))


class _InplaceCounter:
    """Counts in-place modifications process-wide: while it has not moved since an op ran,
    nothing that op saved can have been modified, and backward skips the version checks.
    (An instance with a slot: every op reads it.)"""

    __slots__ = ("count",)

    def __init__(self) -> None:
        self.count = 0


_Inplace = _InplaceCounter()


class RemovableHandle:
    """Returned by `register_hook`; `handle.remove()` unregisters the hook."""

    def __init__(self, hooks: list, hook: Callable) -> None:
        self._hooks = hooks
        self._hook = hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


_OPERAND_TYPES = (Tensor, int, float, np.ndarray, np.generic)


def _compare(ufunc: np.ufunc, a: Tensor, b: Any) -> Tensor:
    if not isinstance(b, _OPERAND_TYPES):
        return NotImplemented
    b = b.data if isinstance(b, Tensor) else b
    try:
        return Tensor._make(np.asarray(ufunc(a.data, b)))
    except ValueError as e:
        raise ShapeError(
            f"{ufunc.__name__}: shapes {a.shape} and {np.shape(b)} cannot be broadcast together"
        ) from e


def _dims(axis: Any, keepdims: bool, torch_names: dict[str, Any]) -> tuple[Any, bool]:
    """Accept PyTorch's spelling, `dim=` and `keepdim=`, beside numpy's `axis`/`keepdims`."""
    if torch_names:
        unknown = set(torch_names) - {"dim", "keepdim"}
        if unknown:
            raise TypeError(f"unexpected keyword argument(s) {sorted(unknown)}")
        axis = torch_names.get("dim", axis)
        keepdims = torch_names.get("keepdim", keepdims)
    return axis, keepdims


def _shape_arg(args: tuple) -> tuple[int, ...]:
    """Accept both `f(2, 3)` and `f((2, 3))` like PyTorch and numpy."""
    if len(args) == 1 and isinstance(args[0], Sequence | np.ndarray):
        return tuple(int(a) for a in args[0])
    return tuple(int(a) for a in args)


def _index_arrays(index: Any) -> Any:
    """Replace Tensors (and lists) inside an index by arrays numpy understands."""
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, list):
        arr = np.asarray(index)
        return arr.astype(np.intp) if arr.size == 0 else arr  # numpy reads [] as no indices
    if isinstance(index, tuple):
        return tuple(_index_arrays(i) for i in index)
    return index


def _to_arrays(obj: Any) -> Any:
    if isinstance(obj, Tensor):
        return obj.data
    if isinstance(obj, list | tuple):
        return type(obj)(_to_arrays(o) for o in obj)
    if isinstance(obj, dict):
        return {k: _to_arrays(v) for k, v in obj.items()}
    return obj


# The ops import Tensor, so they are bound here, after the class exists.
from .engine import run_backward  # noqa: E402
from .numpy_dispatch import FUNCTIONS, UFUNCS  # noqa: E402
from .ops.elementwise import (  # noqa: E402
    Abs,
    Add,
    Cast,
    Clip,
    Cos,
    Div,
    Exp,
    LeakyReLU,
    Log,
    Log1p,
    Maximum,
    Minimum,
    Mul,
    Neg,
    Pow,
    ReLU,
    Sigmoid,
    Sin,
    Sqrt,
    Sub,
    Tanh,
)
from .ops.indexing import GetItem, GetItemCopy, is_basic_index  # noqa: E402
from .ops.join import Pad, split  # noqa: E402
from .ops.linalg import MatMul  # noqa: E402
from .ops.reduce import LogSumExp, Max, Mean, Min, Prod, Sum, Var  # noqa: E402
from .ops.shape import Expand, Permute, Reshape, expand, flatten, squeeze, swapaxes, unsqueeze  # noqa: E402
from .ops.softmax import LogSoftmax, Softmax  # noqa: E402
