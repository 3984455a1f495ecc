"""The Tensor: a data node of the graph.

A Tensor holds an ndarray (`data`), and, when it was made by an op while recording, the compute
node that made it (`grad_fn`). Leaves that `requires_grad` collect gradients in `.grad` on
`backward()`. 0-d tensors are the scalar engine: `(x + y) * z` reads like micrograd.

This file is what a tensor *is*. What it *computes* is attached to the class from the modules
that define it, through the op table (registry.py): every op (`x.exp()`, `x + y`, `x.sum()`,
`x[i]`, comparisons) from autodiff/ops/, and `backward()` from engine.py; so this file imports
none of them. In-place updates (inplace.py) and numpy's protocols (numpy_protocol.py) are base
classes.
"""

from __future__ import annotations

import copy
import sys
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from .device import CPU
from .device import device as Device
from .dtypes import DTypeLike, get_default_dtype, to_array
from .errors import DtypeError, ShapeError
from .hooks import RemovableHandle
from .inplace import InplaceUpdates
from .numpy_protocol import NumpyProtocol
from .printing import tensor_repr
from .size import Size

Hook = Callable[["Tensor"], "Tensor | None"]


def _apart_from_ndarrays(bases: tuple[type, ...], slots: tuple[str, ...]) -> tuple[str, ...]:
    """`slots`, plus as many unused ones as it takes to put an instance of a class with these
    bases in another size class of CPython's small-object allocator (16-byte steps) than a
    numpy array.

    A tensor and its array are made together. Sharing a size class, they share its pools and
    alternate in them, and the cyclic GC's full passes over a large graph, which visit the
    tensors in the order they were made, then skip every other block: on our machines such a
    pass took 2.5x as long (W6: a full collection of a 1e5-op chain 66 ms, 26 ms apart;
    `python -m benchmarks.gc_layout`). A tensor is 88 bytes on CPython 3.11 and an array 96,
    one class.
    """
    same_class = (np.ndarray.__basicsize__ + 15) // 16
    padding: tuple[str, ...] = ()
    while True:
        probe = type("Probe", bases, {"__slots__": slots + padding})()
        if (sys.getsizeof(probe) + 15) // 16 != same_class:
            return slots + padding
        padding += (f"_unused_{len(padding)}",)


class Tensor(InplaceUpdates, NumpyProtocol):
    """An n-d array that records the ops applied to it.

    `Tensor(data, requires_grad=False, dtype=None, name=None)` wraps `data` without copying when
    it is already an ndarray of the right dtype (like `np.asarray`); use `autodiff.tensor` for a
    copy. Python numbers and lists become the default float dtype (float32).
    """

    __slots__ = _apart_from_ndarrays(
        (InplaceUpdates, NumpyProtocol),
        ("data", "_grad", "_requires_grad", "grad_fn", "__dict__", "__weakref__"),
    )
    # Rarely set, so they live in the instance dict only once set: a tensor is cheaper to make.
    name: str | None = None
    _stamp: int = 0  # the in-place counter's value at the last change; views read their base's
    _changes: int = 0  # in-place changes of this memory, PyTorch's `_version`
    _base: Tensor | None = None  # the tensor whose memory this one views
    _hooks: list[Hook] | None = None
    _retains_grad: bool = False  # set by retain_grad() on a non-leaf

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
            raise DtypeError(
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
                    f"{self._shaped_label()}"
                )
            if value.dtype != self.data.dtype:  # PyTorch refuses it too
                raise RuntimeError(
                    f"grad: cannot assign a gradient of dtype {value.dtype} to "
                    f"{self._shaped_label()} of dtype {self.data.dtype}; convert it first "
                    f"(.to({self.data.dtype}))"
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
        if not self._requires_grad:  # PyTorch refuses it too: no gradient will ever arrive
            raise RuntimeError(
                f"retain_grad: {self._label()} does not require grad, so it gets no gradient"
            )
        node = self.grad_fn
        if node is None or node._retains is not None:  # a leaf, or already retained
            return
        self._retains_grad = True  # on the tensor: backward frees its node's hooks
        ref = weakref.ref(self)

        def retain(grad: Tensor) -> None:
            owner = ref()
            if owner is not None:
                # A copy, as PyTorch's retain_grad clones: the walk may hand one array to
                # several nodes (x + y gives both inputs its gradient), and the retained
                # gradients must not change together when one is changed in place
                owner._grad = grad.clone() if owner._grad is None else owner._grad + grad

        node._add_hook(retain)
        node._retains = retain  # hooks registered later run before it (Function._add_hook)

    @property
    def retains_grad(self) -> bool:
        """True for a non-leaf tensor whose `.grad` `retain_grad()` keeps (False for leaves,
        which keep theirs anyway), as PyTorch's `retains_grad`; still True after backward."""
        return self._retains_grad

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

    def detach(self) -> Tensor:
        """A tensor sharing this data (and version counter) but cut from the graph."""
        return Tensor._make(self.data, None, self if self._base is None else self._base)

    def detach_(self) -> Tensor:
        """Cut this tensor from the graph in place: it becomes a leaf that does not require
        grad (PyTorch's `detach_`). A view raises, as in PyTorch: its base would still hold
        the graph (glassgrad counts `detach()`'s result as a view too; PyTorch does not).

        A result whose graph has not been run backward yet raises too: ops that already used
        it find their inputs through the tensor, so a later backward through them would stop
        here, where PyTorch's continues to the inputs. Once backward has freed its node (the
        truncated-backpropagation pattern, `hidden.detach_()` between batches) it works.
        """
        if self._base is not None:
            raise RuntimeError(
                f"detach_: Can't detach views in-place. Use detach() instead ({self._label()} "
                "views another tensor's memory)"
            )
        node = self.grad_fn
        if node is not None and not node.freed:
            raise RuntimeError(
                f"detach_: {self._label()} was made by {type(node).__name__}Backward, whose "
                "graph has not been run backward: ops that already used it would lose their "
                "gradient path through it (PyTorch keeps it). Use `t = t.detach()` instead"
            )
        self.grad_fn = None
        self._requires_grad = False
        return self

    # ----------------------------------------------------------------------- array facts
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    def size(self, dim: int | None = None) -> Size | int:
        """The shape as a `Size` (a tuple), or the length of dimension `dim` (PyTorch's
        method; numpy's element count is `numel()`)."""
        if dim is None:
            return Size(self.data.shape)
        return self.data.shape[self._dim_index(dim)]

    def dim(self) -> int:
        """The number of dimensions (`ndim`)."""
        return self.data.ndim

    ndimension = dim

    def numel(self) -> int:
        """The number of elements."""
        return self.data.size

    nelement = numel

    @property
    def device(self) -> Device:
        """Always the CPU: glassgrad computes with numpy."""
        return CPU

    is_cuda = False

    def cpu(self) -> Tensor:
        """The tensor itself: it is on the CPU already."""
        return self

    def cuda(self, device: Any = None) -> Tensor:
        raise RuntimeError(
            f"cuda(): glassgrad runs on the CPU only (its arrays are numpy's); drop the call, "
            f"or use .to('cpu') ({self._label()})"
        )

    def _dim_index(self, dim: int) -> int:
        """`dim` checked against this tensor's dimensions, as PyTorch's IndexError words it."""
        ndim = self.data.ndim
        if isinstance(dim, bool) or not isinstance(dim, int | np.integer):
            raise TypeError(f"dimension must be an int, got {type(dim).__name__} {dim!r}")
        if ndim == 0:
            raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
        if not -ndim <= dim < ndim:
            raise IndexError(
                f"Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], "
                f"but got {dim})"
            )
        return int(dim) % ndim

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def T(self) -> Tensor:
        """The tensor with its axes reversed (a transpose for matrices)."""
        return self.transpose()

    @property
    def mT(self) -> Tensor:
        """The last two dimensions swapped, (..., m, n) -> (..., n, m): PyTorch's `mT`."""
        if self.ndim < 2:
            raise RuntimeError(
                "tensor.mT is only supported on matrices or batches of matrices. "
                f"Got {self.ndim}-D tensor."
            )
        return self.swapaxes(-2, -1)

    @property
    def version(self) -> int:
        """A stamp that grows whenever this memory (or a view of it) is modified in place."""
        return (self if self._base is None else self._base)._stamp

    @property
    def _version(self) -> int:
        """PyTorch's version counter: how many times this memory (shared with its views and
        `detach()`) was modified in place; 0 for a new tensor."""
        return (self if self._base is None else self._base)._changes

    def item(self) -> Any:
        if self.data.size != 1:
            raise ValueError(
                "item: only one-element tensors can be converted to a Python scalar, not "
                f"{self._shaped_label()}"
            )
        return self.data.item()

    def numpy(self) -> np.ndarray:
        """The underlying ndarray (shared, not a copy)."""
        return self.data

    def tolist(self) -> Any:
        return self.data.tolist()

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

    def __index__(self) -> int:
        """A 0-d integer tensor as a Python index: `classes[predicted[j]]`, `range(n)`. Other
        tensors raise TypeError, as numpy's arrays (PyTorch also takes a one-element tensor of
        any shape)."""
        data = self.data
        if data.ndim != 0 or data.dtype.kind not in "iu":
            raise TypeError(
                f"only 0-d integer tensors can be used as an index, not {self._shaped_label()} "
                f"of dtype {data.dtype} (use int(t.item()), or t.reshape(()) for one element)"
            )
        return int(data)

    def __format__(self, spec: str) -> str:
        """A 0-d tensor formats as its Python number (`f"{loss:.4f}"`); other tensors only with
        an empty spec, as their repr. (PyTorch's rule, Parameters included: they format as
        objects.)"""
        if self.data.ndim == 0 and type(self) is Tensor:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    # ------------------------------------------------------------------ copying, pickling
    # As PyTorch: a pickled (or copy.copy'd) tensor comes back as a leaf holding its values and
    # requires_grad, without its graph, gradient or hooks; deepcopy copies a leaf's gradient too
    # and refuses a tensor made by a recorded op.
    def __reduce_ex__(self, protocol: int) -> tuple:
        return _rebuild, (type(self), self.data, self._requires_grad, self.name)

    def __deepcopy__(self, memo: dict) -> Tensor:
        if self.grad_fn is not None:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the "
                f"deepcopy protocol at the moment; {self._label()} was made by "
                f"{type(self.grad_fn).__name__}Backward. Deepcopy .detach() instead"
            )
        new = _rebuild(type(self), copy.deepcopy(self.data, memo), self._requires_grad, self.name)
        memo[id(self)] = new
        if self._grad is not None:
            new._grad = copy.deepcopy(self._grad, memo)
        return new

    # Tensors hash by identity: `==` is an elementwise op that returns a tensor
    # (autodiff/ops/comparison.py), so it cannot define hashing.
    __hash__ = object.__hash__

    def _label(self) -> str:
        return f"tensor '{self.name}'" if self.name else f"a tensor of shape {self.shape}"

    def _shaped_label(self) -> str:
        """`_label`, with the shape also when the tensor has a name."""
        return f"tensor '{self.name}' of shape {self.shape}" if self.name else self._label()

    def __repr__(self) -> str:
        extras = []
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{type(self.grad_fn).__name__}Backward>")
        elif self._requires_grad:
            extras.append("requires_grad=True")
        if self.name:
            extras.append(f"name={self.name!r}")
        return tensor_repr(self.data, get_default_dtype(), extras)


def assign_data(tensor: Tensor, value: Any) -> None:
    """`tensor.data = value`, PyTorch's: a Tensor's values (its array, shared, as PyTorch shares
    the storage; the shape and dtype may change), an ndarray as it is, a numpy scalar as a 0-d
    array. Anything else (a list, a number) is refused: PyTorch takes tensors only.

    `data` is a slot, read at slot speed: the engine reads it dozens of times a step, and a
    property would cost 50 ns a read (W5: 31 -> 35 us). So this setter is installed where
    reads are few, as nn.Parameter's `data` (nn/module.py)."""
    if isinstance(value, Tensor):
        value = value.data
    elif not isinstance(value, np.ndarray):
        if not isinstance(value, np.generic):
            raise TypeError(
                f"data: expected a Tensor or an ndarray, got {type(value).__name__} (PyTorch "
                "takes a tensor only: wrap it first, t.data = torch.tensor(value))"
            )
        value = np.asarray(value)
    _set_data_slot(tensor, value)


_set_data_slot = Tensor.__dict__["data"].__set__


def _rebuild(cls: type, data: np.ndarray, requires_grad: bool, name: str | None) -> Tensor:
    """A leaf of class `cls` (Tensor, or a subclass such as nn.Parameter) from pickled state."""
    t = Tensor.__new__(cls)
    t.data = data
    t._grad = None
    t._requires_grad = requires_grad
    t.grad_fn = None
    if name is not None:
        t.name = name
    return t
