"""The op table: where each op becomes `x.name(...)`, `autodiff.name(x, ...)` and `np.name(x)`.

Every op says where it is public with `@register`, right above its forward and backward:

    @register("exp", numpy=np.exp)    # x.exp(), autodiff.exp(x), and np.exp(x) on a Tensor
    class Exp(Function):
        ...

and this module is the single source of the API built from those declarations:

- Tensor methods: set on the class as plain functions, so `x.exp()` costs what a hand-written
  method would (no dispatch at call time);
- the functional API: `FUNCTIONS`, from which `autodiff` and `autodiff.ops` take their names
  and their `__all__`;
- numpy's dispatch tables (`UFUNC_OPS`, `FUNCTION_OPS` in numpy_protocol.py): which op a numpy
  function or ufunc runs when given a Tensor.

A Function class is called through its *form*, the public signature built around its `apply`
(`unary` unless given: `f(x)`; see the forms below). An op whose signature is its own registers
a plain function instead, written next to the class (`clip(x, min=None, max=None)`), and so does
a composite of other ops (`std`, `flatten`). Wherever an argument is an axis it is spelled
`axis`/`keepdims` as in numpy and accepts PyTorch's `dim`/`keepdim` too: `register` refuses a
public function that takes `axis` without `dim` (or `keepdims` without `keepdim`).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from . import scalar
from .numpy_protocol import FUNCTION_OPS, UFUNC_OPS
from .ops._axes import reduced_dims
from .promotion import number_dtype
from .tensor import Tensor

#: name -> callable: the functional API (`autodiff.exp`, `autodiff.sum`, ...), in registration order
FUNCTIONS: dict[str, Callable[..., Any]] = {}
#: Tensor method name -> callable, every method the table attached
METHODS: dict[str, Callable[..., Any]] = {}

# What a binary operator accepts on its other side; anything else gets NotImplemented, so that
# Python can try the other operand's reflected method.
OPERANDS = (Tensor, int, float, np.ndarray, np.generic)


def to_tensor(x: Any) -> Tensor:
    """The first argument of a public function as a Tensor (`autodiff.exp([1.0, 2.0])`)."""
    return x if isinstance(x, Tensor) else Tensor(x)


# ----------------------------------------------------------------------------------- forms
# Each form builds the public function of an op class from its `apply`. The first argument may
# be anything a Tensor can be made from (autodiff.exp([1.0, 2.0])); as a method it is the tensor.
def unary(apply: Callable[..., Tensor]) -> Callable[..., Tensor]:
    """`f(x)`."""

    def public(x: Any) -> Tensor:
        return apply(x if isinstance(x, Tensor) else Tensor(x))

    return public


def binary(apply: Callable[..., Tensor]) -> Callable[..., Tensor]:
    """`f(a, b)`: `b` may be a Tensor, an array or a number."""

    def public(a: Any, b: Any) -> Tensor:
        if isinstance(a, Tensor):
            return apply(a, b)
        # A number first (`pow(2, t)`): PyTorch's dtype for it, int64 for an int, so that it
        # promotes as the number it is (promotion.py), not as a float
        return apply(Tensor(a, dtype=number_dtype(a)), b)

    return public


def reduction(apply: Callable[..., Tensor]) -> Callable[..., Tensor]:
    """`f(x, axis=None, keepdims=False)`: over all axes by default, and for an empty `axis`
    (PyTorch's `dim=()`)."""
    return _reduction(apply, empty_reduces_all=True)


def reduction_with_dtype(apply: Callable[..., Tensor]) -> Callable[..., Tensor]:
    """`reduction` with PyTorch's keyword `dtype` (sum, mean, prod): the input is converted to
    it first (`x.to(dtype)`, in the graph between float dtypes), as PyTorch's docs say."""
    reduce = reduction(apply)

    def public(
        x: Any,
        axis: int | tuple[int, ...] | None = None,
        keepdims: bool = False,
        *,
        dim: int | tuple[int, ...] | None = None,
        keepdim: bool | None = None,
        dtype: Any = None,
    ) -> Tensor:
        if dtype is not None:
            x = (x if isinstance(x, Tensor) else Tensor(x)).to(dtype)
        return reduce(x, axis, keepdims, dim=dim, keepdim=keepdim)

    return public


def numpy_reduction(apply: Callable[..., Tensor]) -> Callable[..., Tensor]:
    """`reduction` as numpy's function on a Tensor calls it: an empty `axis` reduces nothing."""
    return _reduction(apply, empty_reduces_all=False)


def _reduction(apply: Callable[..., Tensor], empty_reduces_all: bool) -> Callable[..., Tensor]:
    def public(
        x: Any,
        axis: int | tuple[int, ...] | None = None,
        keepdims: bool = False,
        *,
        dim: int | tuple[int, ...] | None = None,
        keepdim: bool | None = None,
    ) -> Tensor:
        if not isinstance(x, Tensor):
            x = Tensor(x)
        if dim is not None:
            axis = dim
        if keepdim is not None:
            keepdims = keepdim
        if axis is not None and empty_reduces_all:
            axis = reduced_dims(axis)
        if axis is None and not keepdims:  # the common loss.sum(): no keywords to record
            return apply(x)
        return apply(x, axis=axis, keepdims=keepdims)

    return public


def along_axis(apply: Callable[..., Tensor]) -> Callable[..., Tensor]:
    """`f(x, axis=-1)`: along one axis, the last by default (softmax); PyTorch's keyword
    `dtype` converts the input to it first (`x.to(dtype)`, in the graph), as PyTorch's."""

    def public(x: Any, axis: int = -1, *, dim: int | None = None, dtype: Any = None) -> Tensor:
        if not isinstance(x, Tensor):
            x = Tensor(x)
        if dtype is not None:
            x = x.to(dtype)
        return apply(x, axis=axis if dim is None else dim)

    return public


def operators(apply: Callable[..., Tensor]) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """`a <op> b` and its reflected form `b <op> a` (`__add__`, `__radd__`)."""

    def method(self: Tensor, other: Any) -> Any:
        return apply(self, other) if isinstance(other, OPERANDS) else NotImplemented

    def reflected(self: Tensor, other: Any) -> Any:
        return apply(other, self) if isinstance(other, OPERANDS) else NotImplemented

    return method, reflected


# -------------------------------------------------------------------------------- register
def register(
    *names: str,
    methods: Iterable[str] | None = None,
    functions: Iterable[str] | None = None,
    numpy: Any = (),
    operator: str | None = None,
    form: Callable[[Callable[..., Tensor]], Callable[..., Tensor]] = unary,
) -> Callable[[Any], Any]:
    """Class (or function) decorator: make an op public under its names.

    names: the Tensor methods and the functions of `autodiff` (both, unless `methods` or
        `functions` lists them apart).
    numpy: the numpy functions or ufuncs this op implements, one or a tuple.
    operator: a binary operator's name in Python's `operator` module ("add" gives `__add__`
        and `__radd__`); its numpy ufunc then calls `apply`, as either operand may be the Tensor.
    form: for a Function class, the signature its public function has (unary, binary,
        reduction, along_axis above).
    """
    method_names = tuple(names if methods is None else methods)
    function_names = tuple(names if functions is None else functions)
    numpy_functions = numpy if isinstance(numpy, tuple) else (numpy,)

    def decorate(op: Any) -> Any:
        public = op
        fast = getattr(op, "scalar_forward", None) is not None  # the scalar path (scalar.py)
        if inspect.isclass(op):
            public = scalar.unary(op) if fast and form is unary else form(op.apply)
            public.__name__ = public.__qualname__ = (names or (op.__name__.lower(),))[0]
            public.__doc__ = op.__doc__
            public.__module__ = op.__module__
        new_methods = {name: public for name in method_names}
        if operator is not None:
            both = scalar.operators(op, OPERANDS) if fast else operators(op.apply)
            new_methods[f"__{operator}__"], new_methods[f"__r{operator}__"] = both
        if operator is not None:
            numpy_public = op.apply
        elif form in (reduction, reduction_with_dtype) and inspect.isclass(op):
            numpy_public = numpy_reduction(op.apply)
        else:
            numpy_public = public
        dispatch = dict.fromkeys(numpy_functions, numpy_public)
        # Check everything before changing anything: a refused op leaves no trace.
        _check_spelling(public)
        for name in new_methods:
            if any(name in cls.__dict__ for cls in Tensor.__mro__[:-1]):
                raise ValueError(f"register: Tensor.{name} already exists")
        for name in function_names:
            if name in FUNCTIONS:
                raise ValueError(f"register: autodiff.{name} is registered twice")
        for f in dispatch:
            if f in UFUNC_OPS or f in FUNCTION_OPS:
                raise ValueError(f"register: numpy's {f.__name__} is registered twice")

        for name, method in new_methods.items():
            setattr(Tensor, name, method)
        METHODS.update(new_methods)
        FUNCTIONS.update(dict.fromkeys(function_names, public))
        for f, call in dispatch.items():
            (UFUNC_OPS if isinstance(f, np.ufunc) else FUNCTION_OPS)[f] = call
        return op

    return decorate


def _check_spelling(public: Callable[..., Any]) -> None:
    """numpy's `axis`/`keepdims` and PyTorch's `dim`/`keepdim`: where one is, both are."""
    params = inspect.signature(public).parameters
    for numpy_name, torch_name in (("axis", "dim"), ("keepdims", "keepdim")):
        if numpy_name in params and torch_name not in params:
            raise TypeError(
                f"register: {public.__name__}{inspect.signature(public)} takes {numpy_name!r} "
                f"but not PyTorch's {torch_name!r}; accept both"
            )
