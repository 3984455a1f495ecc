"""Conv and pooling layers check their arguments once per input signature, not on every call.

`F.conv2d` and `F.max_pool2d` check shapes, kernel/stride/padding pairs and a memory bound
before they apply their op: a few microseconds per call, as much as the op itself on one small
image (W10 at batch 1, benchmarks/README.md). A layer is usually called again and again with
the same signature: the same input shape and dtype, the same parameter shapes and dtypes, the
same kernel/stride/padding values. Those decide every check and every argument the op gets, so
after a call through the public function has passed its checks the layer keeps the op's
arguments for that signature (`remember`); the next call with an equal signature applies the
op with them directly (`recall`). Any other call goes through the public function, which checks
it and raises its errors as before.

Only signatures that cannot change behind the layer's back are kept: the input and parameters
Tensors (their shape and dtype are read on each call), the geometry values ints or tuples (a
list could be changed in place after the check). tests/nn/test_checked_layers.py compares the
layers with the public functions.
"""

from __future__ import annotations

from typing import Any

from autodiff import Tensor

# The geometry values a signature may hold: immutable once checked (a tuple that passed the
# public function's checks holds two ints; bools and None are options such as ceil_mode).
_FIXED = (int, tuple, bool, type(None))
_KEY = "_checked_signature"  # where a layer keeps (signature, op keyword arguments)


def signature(x: Any, params: tuple, geometry: tuple) -> tuple | None:
    """What decides the checks and op arguments of a call, or None if it is not kept."""
    if not isinstance(x, Tensor):
        return None
    for value in geometry:
        if type(value) not in _FIXED:
            return None
    # Each entry at a fixed position (a shape, then its dtype), so that two signatures are only
    # ever compared entry by entry: numpy compares a dtype equal to None (float64).
    described: list = [x.data.shape, x.data.dtype]
    for p in params:
        if p is None:
            described += (None, None)
        elif isinstance(p, Tensor):
            described += (p.data.shape, p.data.dtype)
        else:
            return None
    return (*described, *geometry)


def recall(module: Any, key: tuple | None) -> dict | None:
    """The op arguments kept for `key` by the module's last checked call, or None."""
    if key is None:
        return None
    kept = module.__dict__.get(_KEY)
    if kept is None or kept[0] != key:
        return None
    return kept[1]


def remember(module: Any, key: tuple | None, kwargs: dict) -> None:
    """Keep the op arguments of a call with signature `key` that passed the public checks."""
    if key is not None:
        module.__dict__[_KEY] = (key, kwargs)  # one tuple: a thread reads it whole


def pair(value: int | tuple) -> tuple[int, int]:
    """A checked int or pair as the (int, int) pair the public function passes its op."""
    return (value, value) if type(value) is int else (int(value[0]), int(value[1]))
