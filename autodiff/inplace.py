"""In-place updates (`add_`, `mul_`, `copy_`, `t[i] = v`, ...) and the counter that keeps them safe.

An op may save its inputs for backward; changing one of them in place afterwards would make
that backward wrong. So every in-place change stamps the memory it changed (a tensor's
`_stamp`, shared by every view of that memory) with the next value of one process-wide
counter, and every recorded op remembers the counter's value when it ran. While the counter
has not moved since an op ran, nothing it saved can have changed and backward checks nothing;
once it has moved, backward compares the versions of what the op saved — its inputs and its
output — with that value and raises `InplaceModificationError` for one that changed
(function.py). An op's output is stamped through its tensor's `grad_fn` (and the `grad_fn` of
the tensor whose memory a view or `detach()` shares), since a node does not hold its output.

`InplaceUpdates` is a base class of Tensor (tensor.py); the updates record nothing and are meant
for `no_grad()` code such as parameter updates.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from .dtypes import check_bitwise
from .errors import ShapeError
from .index_order import split_at_integers
from .numpy_protocol import array_of, index_arrays, refuse_uint8_fill
from .thread_modes import grad_enabled

T = TypeVar("T", bound="InplaceUpdates")


class InplaceCounter:
    """Counts in-place changes, process-wide. (An instance with a slot: every op reads it, and
    reading a slot is cheaper than reading a class attribute.)"""

    __slots__ = ("count",)

    def __init__(self) -> None:
        self.count = 0


inplace_changes = InplaceCounter()

# A recorded in-place op's node -> the tensor of the values before the change (`_apply_in_place`:
# the op's input, whose grad_fn is the node the tensor had before). Ops find their inputs'
# nodes through the input tensors, so an op that used the tensor before the change would
# otherwise send its gradient through the in-place op's node; the engine follows this map back
# to the node of that time, and graph readers to the values of that time. Weak keys: an entry
# lives as its node.
values_before: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def node_when_used(fn: Any, node: Any) -> Any:
    """The grad_fn a tensor had when `node` used it, `fn` being its grad_fn now (the same
    unless recorded in-place ops changed the tensor after `node` ran: each such op's node is
    newer than `node`, and `values_before` leads back past it)."""
    while fn is not None and fn._creation_countdown < node._creation_countdown:
        fn = values_before[fn].grad_fn
    return fn


def tensor_when_used(tensor: Any, node: Any) -> Any:
    """The data node `node` consumed as `tensor`: the tensor itself, or — when recorded
    in-place ops (`x.relu_()`) changed it after `node` ran — the tensor of its values at that
    time, the first of those ops' input. Graph readers (`Function.inputs`,
    `next_functions`, `autodiff.graph.walk`, the ONNX exporter) draw the edge from there, as
    backward sends the gradient."""
    fn = tensor.grad_fn
    while fn is not None and fn._creation_countdown < node._creation_countdown:
        tensor = values_before[fn]
        fn = tensor.grad_fn
    return tensor


def _is_all_of(view: np.ndarray, base: np.ndarray) -> bool:
    """Is `view` the whole of `base`'s memory, element for element in the same order?"""
    return (
        view.size == base.size
        and view.flags.c_contiguous
        and base.flags.c_contiguous
        and view.__array_interface__["data"][0] == base.__array_interface__["data"][0]
    )


def _elementwise_in_place(name: str) -> Callable[..., Any]:
    """Tensor.`name`_: `self.name(*args, **kwargs)` written into self (same shape; a result
    that does not cast "same_kind" to self's dtype raises, as PyTorch's: e.g. `sqrt_` of an
    integer tensor), self returned, its version bumped; recorded when self requires grad (see
    `_apply_in_place`: a leaf that requires grad raises, as in PyTorch)."""
    op = name + "_"

    def method(self: T, *args: Any, **kwargs: Any) -> T:
        if not self._requires_grad and grad_enabled():
            for operand in (*args, *kwargs.values()):
                if getattr(operand, "_requires_grad", False):
                    # PyTorch would record it; writing the values without a node would drop
                    # the operand's gradient silently
                    raise RuntimeError(
                        f"{op}: an operand requires grad and {self._label()} does not: "
                        "glassgrad does not record this case (its gradient would be lost). "
                        f"Use the out-of-place `x = x.{name}(...)`, or run it under "
                        "`with autodiff.no_grad():` if no gradient should flow"
                    )
        return self._apply_in_place(op, lambda t: getattr(t, name)(*args, **kwargs))

    method.__name__ = method.__qualname__ = op
    method.__doc__ = f"In-place `{name}`: self overwritten with `self.{name}(...)`, returned."
    return method


class InplaceUpdates:
    """The in-place methods of Tensor, and the augmented assignments (`x += y`, `-=`, `*=`,
    `/=`, `**=`), which are in place as in PyTorch: the same tensor, its dtype and shape kept,
    its version bumped."""

    __slots__ = ()

    def _check_inplace(self, op: str, operand: Any = None) -> None:
        """Refuse a change backward would miss, or one into read-only memory; otherwise stamp
        the memory's version."""
        if not self.data.flags.writeable:
            _refuse_read_only(self, op)
        if grad_enabled():
            if self._requires_grad:
                _refuse_recording(self, op)
            if getattr(operand, "_requires_grad", False):
                raise RuntimeError(
                    f"{op}: the operand requires grad, and glassgrad records no in-place op: its "
                    f"gradient would be lost ({self._label()} does not require grad). PyTorch "
                    "records this one; here use the out-of-place form (`x = x + v` instead of "
                    "`x += v`), or run it under `with autodiff.no_grad():` if no gradient should "
                    "flow"
                )
        self._stamp_change()

    def _stamp_change(self) -> None:
        """Stamp this memory's version (see `_check_inplace`): one in-place change."""
        inplace_changes.count = count = inplace_changes.count + 1
        memory = self if self._base is None else self._base
        memory._stamp = count
        memory._changes += 1  # PyTorch's per-tensor `_version`
        # The ops that made this memory may have saved it as their output: stamp them too (a
        # node cannot hold its output tensor without a reference cycle; see function.py).
        fn = memory.grad_fn
        if fn is not None:
            fn._out_version = count
        fn = self.grad_fn
        if fn is not None:
            fn._out_version = count

    def _apply_in_place(self: T, op: str, fn: Callable[[Any], Any]) -> T:
        """Overwrite this tensor with `fn(self)` (an out-of-place op of the same shape and
        dtype), as PyTorch's in-place activations (`relu_`, `F.elu(x, inplace=True)`): the same
        tensor comes back, its version bumped.

        Recorded when grad mode is on and the tensor requires grad: the tensor's grad_fn becomes
        the op's node, whose input is the tensor's previous values and node (a copy of the
        values: the op may save its input for backward), so the gradient flows through the op
        to what made the tensor; ops that saved the tensor before raise at backward as in
        PyTorch, and ops that used it before send their gradients past the new node (the
        engine follows `values_before`). A leaf that requires grad raises, as in PyTorch. A view
        that is all of its base (a reshape) is changed through the base, as PyTorch does; a view
        of part of a tensor raises NotImplementedError (PyTorch rewrites its base's graph).
        """
        if not self.data.flags.writeable:
            _refuse_read_only(self, op)
        if not (self._requires_grad and grad_enabled()):
            result = fn(self)
            _check_result(self, op, result)  # (before the stamp: a refused op changes nothing)
            self._stamp_change()
            np.copyto(self.data, result.data, casting="same_kind")
            return self
        before = self.grad_fn
        base = self._base
        if before is None or (base is not None and base.grad_fn is None and base._requires_grad):
            _refuse_recording(self, op)  # PyTorch's words for a leaf or a view of a leaf
        if base is not None:
            if not _is_all_of(self.data, base.data):
                raise NotImplementedError(
                    f"{op}: {self._label()} is a view of part of another tensor, and glassgrad "
                    "does not record an in-place op on such a view of a tensor that requires "
                    "grad (PyTorch rewrites the base's graph); use the out-of-place op, or "
                    "clone() the view first"
                )
            return self._apply_through_base(op, fn, base, before)
        previous = self._make(self.data.copy(), before)  # (Tensor._make: a plain Tensor)
        result = fn(previous)  # (before the stamp: an error leaves the tensor as it was)
        node = result.grad_fn
        if node is None:  # an op without a derivative: the tensor would lose its graph
            raise NotImplementedError(
                f"{op}: the op has no derivative in glassgrad, so it cannot be applied in place "
                f"to {self._label()}, which requires grad (PyTorch: derivative not implemented)"
            )
        _check_result(self, op, result)
        self._stamp_change()
        np.copyto(self.data, result.data, casting="same_kind")
        self.grad_fn = node
        values_before[node] = previous
        return self

    def _apply_through_base(
        self: T, op: str, fn: Callable[[Any], Any], base: Any, before: Any
    ) -> T:
        """`_apply_in_place` on a view that is all of its base's memory in the base's order (a
        reshape: conv1d's output is conv2d's with its unit axis dropped). As PyTorch, the op is
        recorded on the base (its graph gains reshape, the op, reshape back), then this view is
        made again from the changed base; ops that used the view before send their gradients
        past it, as for any in-place change."""
        view_shape, base_shape = self.shape, base.shape
        base._apply_in_place(op, lambda b: fn(b.reshape(view_shape)).reshape(base_shape))
        node = base.reshape(view_shape).grad_fn
        self.grad_fn = node
        values_before[node] = self._make(
            values_before[base.grad_fn].data.reshape(view_shape), before
        )
        return self

    def _operand(self, op: str, other: Any, alpha: Any = 1, division: bool = False) -> Any:
        """`alpha * other` as an array-like that an in-place `op` can apply to this tensor:
        it must broadcast to this shape (the result keeps it) and the result must cast to this
        dtype ("same_kind": no float result into an integer tensor). Checked before anything
        changes, with errors naming the op, as PyTorch's."""
        value = array_of(other)
        if alpha != 1:
            value = alpha * np.asarray(value)
        data = self.data
        # The common cases (optimizer updates) pass without the general checks.
        if type(value) is np.ndarray and value.shape == data.shape and value.dtype == data.dtype:
            return value
        if type(value) in (float, int) and data.dtype.kind == "f":
            return value
        shape = np.shape(value)
        try:
            fits = np.broadcast_shapes(shape, self.shape) == self.shape
        except ValueError:
            fits = False
        if not fits:
            raise ShapeError(
                f"{op}: an operand of shape {shape} does not broadcast to the tensor's shape "
                f"{self.shape} (an in-place result keeps the tensor's shape; PyTorch: output "
                "with shape ... doesn't match the broadcast shape)"
            )
        result = np.result_type(self.data, value)
        if division and result.kind in "biu":
            result = np.result_type(result, np.float64(0))  # true division
        if not np.can_cast(result, self.data.dtype, "same_kind"):
            raise TypeError(
                f"{op}: the result type {result} can't be cast to the tensor's dtype "
                f"{self.data.dtype} in place (use the out-of-place op, or convert the tensor)"
            )
        return value

    def _update(self: T, op: str, ufunc: Any, other: Any, alpha: Any = 1) -> T:
        """self = ufunc(self, alpha * other), written into this tensor's memory."""
        value = self._operand(op, other, alpha, ufunc is np.true_divide)
        self._check_inplace(op, other)
        try:
            ufunc(self.data, value, out=self.data)
        except ValueError as err:  # e.g. integers to negative integer powers
            raise ValueError(f"{op}: {err} ({self._label()}, dtype {self.data.dtype})") from None
        return self

    def add_(self: T, other: Any, alpha: float = 1.0) -> T:
        """self += alpha * other, in place (no recording; bumps the version)."""
        return self._update("add_", np.add, other, alpha)

    def sub_(self: T, other: Any, alpha: float = 1.0) -> T:
        """self -= alpha * other, in place."""
        return self._update("sub_", np.subtract, other, alpha)

    def mul_(self: T, other: Any) -> T:
        return self._update("mul_", np.multiply, other)

    def div_(self: T, other: Any) -> T:
        return self._update("div_", np.true_divide, other)

    def pow_(self: T, exponent: Any) -> T:
        return self._update("pow_", np.power, exponent)

    # PyTorch's in-place forms of elementwise ops (and tril/triu, cumsum/cumprod): the
    # out-of-place op written back, recorded as the in-place activations are (`_apply_in_place`)
    abs_ = _elementwise_in_place("abs")
    absolute_ = _elementwise_in_place("absolute")
    neg_ = _elementwise_in_place("neg")
    negative_ = _elementwise_in_place("negative")
    exp_ = _elementwise_in_place("exp")
    expm1_ = _elementwise_in_place("expm1")
    log_ = _elementwise_in_place("log")
    log2_ = _elementwise_in_place("log2")
    log10_ = _elementwise_in_place("log10")
    log1p_ = _elementwise_in_place("log1p")
    sqrt_ = _elementwise_in_place("sqrt")
    rsqrt_ = _elementwise_in_place("rsqrt")
    sigmoid_ = _elementwise_in_place("sigmoid")
    tanh_ = _elementwise_in_place("tanh")
    relu_ = _elementwise_in_place("relu")
    sin_ = _elementwise_in_place("sin")
    cos_ = _elementwise_in_place("cos")
    tan_ = _elementwise_in_place("tan")
    sinh_ = _elementwise_in_place("sinh")
    cosh_ = _elementwise_in_place("cosh")
    acos_ = _elementwise_in_place("acos")
    arccos_ = _elementwise_in_place("arccos")
    floor_ = _elementwise_in_place("floor")
    ceil_ = _elementwise_in_place("ceil")
    trunc_ = _elementwise_in_place("trunc")
    fix_ = _elementwise_in_place("fix")
    frac_ = _elementwise_in_place("frac")
    sign_ = _elementwise_in_place("sign")
    sgn_ = _elementwise_in_place("sgn")
    reciprocal_ = _elementwise_in_place("reciprocal")
    square_ = _elementwise_in_place("square")
    erf_ = _elementwise_in_place("erf")
    clamp_ = _elementwise_in_place("clamp")
    clip_ = _elementwise_in_place("clip")
    clamp_min_ = _elementwise_in_place("clamp_min")
    clamp_max_ = _elementwise_in_place("clamp_max")
    round_ = _elementwise_in_place("round")
    logit_ = _elementwise_in_place("logit")
    nan_to_num_ = _elementwise_in_place("nan_to_num")
    tril_ = _elementwise_in_place("tril")
    triu_ = _elementwise_in_place("triu")
    cumsum_ = _elementwise_in_place("cumsum")
    cumprod_ = _elementwise_in_place("cumprod")
    xlogy_ = _elementwise_in_place("xlogy")
    hypot_ = _elementwise_in_place("hypot")
    atan2_ = _elementwise_in_place("atan2")
    arctan2_ = _elementwise_in_place("arctan2")
    fmod_ = _elementwise_in_place("fmod")
    remainder_ = _elementwise_in_place("remainder")
    lerp_ = _elementwise_in_place("lerp")

    # `x += y` and friends: in place, like PyTorch's (not `x = x + y`, which would make a new
    # tensor and, under no_grad(), one that no longer requires grad).
    def __iadd__(self: T, other: Any) -> T:
        return self._update("+=", np.add, other)

    def __isub__(self: T, other: Any) -> T:
        return self._update("-=", np.subtract, other)

    def __imul__(self: T, other: Any) -> T:
        return self._update("*=", np.multiply, other)

    def __itruediv__(self: T, other: Any) -> T:
        return self._update("/=", np.true_divide, other)

    def __ipow__(self: T, other: Any) -> T:
        return self._update("**=", np.power, other)

    # `mask &= other` and friends: in place too (bool and integer tensors only, as the operators)
    def __iand__(self: T, other: Any) -> T:
        return self._bitwise_update("&=", np.bitwise_and, other)

    def __ior__(self: T, other: Any) -> T:
        return self._bitwise_update("|=", np.bitwise_or, other)

    def __ixor__(self: T, other: Any) -> T:
        return self._bitwise_update("^=", np.bitwise_xor, other)

    def _bitwise_update(self: T, op: str, ufunc: Any, other: Any) -> T:
        check_bitwise(op, self.data, array_of(other))
        return self._update(op, ufunc, other)

    def fill_(self: T, value: float) -> T:
        self._check_inplace("fill_", value)
        self.data.fill(array_of(value))
        return self

    def zero_(self: T) -> T:
        return self.fill_(0)

    def copy_(self: T, src: Any) -> T:
        """Copy `src` (broadcast to this shape) into this memory, converted to this dtype as
        PyTorch's copy_ converts (floats to integers truncated toward zero, numbers to bool
        nonzero)."""
        self._check_inplace("copy_", src)
        src = np.asarray(array_of(src))
        try:
            with np.errstate(invalid="ignore"):  # NaN or inf into integers: PyTorch's is unwarned
                np.copyto(self.data, src, casting="unsafe")
        except ValueError:
            raise ShapeError(
                f"copy_: cannot copy shape {src.shape} into shape {self.shape}"
            ) from None
        return self

    def __setitem__(self, index: Any, value: Any) -> None:
        self._check_inplace("__setitem__", value)
        refuse_uint8_fill(index, value)
        index = index_arrays(index)
        split = split_at_integers(index, self.data.ndim)
        if split is None:
            self.data[index] = array_of(value)
        else:  # integers with arrays: PyTorch's order (index_order.py), through a view
            basic, advanced = split
            self.data[basic][advanced] = array_of(value)


def _check_result(tensor: Any, op: str, result: Any) -> None:
    """Refuse an in-place op's out-of-place result that the tensor's memory cannot take."""
    if result.shape != tensor.shape or not np.can_cast(result.dtype, tensor.dtype, "same_kind"):
        raise RuntimeError(
            f"{op}: the result (shape {result.shape}, dtype {result.dtype}) cannot be written "
            f"into {tensor._label()} (shape {tensor.shape}, dtype {tensor.dtype}) in place"
        )


def _refuse_read_only(tensor: Any, op: str) -> None:
    """The error for an in-place op on a tensor whose array numpy will not write into."""
    raise RuntimeError(
        f"{op}: {tensor._label()} is read-only: an expand/broadcast_to view, whose elements share "
        "memory (PyTorch: more than one element of the written-to tensor refers to a single "
        "memory location), or a read-only numpy array it wraps. clone() it first"
    )


def _refuse_recording(tensor: Any, op: str) -> None:
    """The error for an in-place op on a tensor that requires grad while grad mode is on."""
    if tensor.grad_fn is None:
        raise RuntimeError(
            f"{op}: a leaf Variable that requires grad is being used in an in-place operation "
            f"({tensor._label()}). Do it under `with autodiff.no_grad():` (e.g. parameter "
            "updates), or use the out-of-place op"
        )
    base = tensor._base
    if base is not None and base.grad_fn is None and base._requires_grad:
        raise RuntimeError(  # PyTorch's words: the view would change the leaf behind its back
            f"{op}: a view of a leaf Variable that requires grad is being used in an in-place "
            f"operation ({tensor._label()}, a view of {base._label()}). Do it under "
            "`with autodiff.no_grad():`, or use the out-of-place op"
        )
    raise RuntimeError(
        f"{op}: {tensor._label()} requires grad (made by {type(tensor.grad_fn).__name__}"
        "Backward), and glassgrad records no in-place op: the ops that already used it would "
        "get a wrong gradient. PyTorch records this one; here use the out-of-place form "
        "(`y = y + v` instead of `y += v`, `y = y * v` instead of `y.mul_(v)`)"
    )
