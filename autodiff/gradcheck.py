"""Checking gradients against central differences, in float64.

`gradcheck(f, *inputs)` compares the backward pass of `f` with numerical derivatives of
`sum(f(*inputs) * v)` for a random cotangent v — one vector-Jacobian product per input, so the
cost is two evaluations of f per input element. On failure the report names the input, the
worst element, both values and the tolerance. PyTorch's spelling, the inputs as one tuple
(`gradcheck(f, (x, y))`), works too; `autodiff.autograd.gradcheck` is PyTorch's exactly (only
Tensors that require grad are differentiated).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .engine import gradients
from .grad_mode import no_grad
from .tensor import Tensor


class GradcheckError(AssertionError, RuntimeError):
    """Analytic and numerical gradients disagree (a RuntimeError too, like PyTorch's)."""


def _differentiable(x: Any) -> bool:
    if isinstance(x, Tensor):
        return x.requires_grad
    return isinstance(x, np.ndarray | float) and np.asarray(x).dtype.kind == "f"


def _requires_grad(x: Any) -> bool:
    return isinstance(x, Tensor) and x.requires_grad


def _unpack(inputs: tuple) -> tuple:
    """PyTorch passes the inputs as one tuple (or list): `gradcheck(f, (x, y))`."""
    if len(inputs) == 1 and isinstance(inputs[0], tuple | list):
        return tuple(inputs[0])
    return inputs


def _as_float64_inputs(
    inputs: tuple, differentiable: Callable[[Any], bool] = _differentiable
) -> tuple[list, list[int]]:
    args, positions = [], []
    for i, x in enumerate(inputs):
        if differentiable(x):
            data = x.data if isinstance(x, Tensor) else x
            args.append(Tensor(np.array(data, dtype=np.float64), requires_grad=True))
            positions.append(i)
        else:
            args.append(x)
    return args, positions


def _evaluate(f: Callable[..., Tensor], args: list, v: np.ndarray) -> float:
    out = f(*args)  # with recording on: f may differentiate internally (gradgradcheck)
    return float(np.sum(np.asarray(out.data if isinstance(out, Tensor) else out) * v))


def numerical_grad(
    f: Callable[..., Tensor], *inputs: Any, grad_output: Any = None, eps: float = 1e-6
) -> list[np.ndarray]:
    """Central-difference gradients of `sum(f(*inputs) * grad_output)` w.r.t. each
    differentiable input (float arrays, and Tensors that require grad), in float64."""
    args, positions = _as_float64_inputs(_unpack(inputs))
    if grad_output is None:
        grad_output = np.ones(np.shape(f(*args)))
    v = np.asarray(grad_output, dtype=np.float64)
    return _central_differences(f, args, positions, v, eps)


def _central_differences(
    f: Callable[..., Tensor], args: list, positions: list[int], v: np.ndarray, eps: float
) -> list[np.ndarray]:
    """d sum(f(*args) * v) / d args[p] for each p in positions; each args[p] is a float64 leaf
    whose data is perturbed in place and restored."""
    grads = []
    for p in positions:
        x = args[p].data
        g = np.zeros_like(x)
        flat, gflat = x.reshape(-1), g.reshape(-1)
        for k in range(flat.size):  # one pair of evaluations per element: inherent to the method
            orig = flat[k]
            flat[k] = orig + eps
            plus = _evaluate(f, args, v)
            flat[k] = orig - eps
            minus = _evaluate(f, args, v)
            flat[k] = orig
            gflat[k] = (plus - minus) / (2 * eps)
        grads.append(g)
    return grads


def gradcheck(
    f: Callable[..., Tensor],
    *inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    grad_output: Any = None,
    seed: int = 0,
    raise_exception: bool = True,
) -> bool:
    """Compare backward with central differences for every differentiable input.

    Differentiable inputs (Tensors that require grad, float arrays and floats) are copied to
    float64 leaves; other arguments are passed through. Passes when for every element
    |analytic - numerical| <= atol + rtol * |numerical|; otherwise raises `GradcheckError`
    naming the worst element (or returns False with `raise_exception=False`).
    """
    return _gradcheck(
        f, _unpack(inputs), _differentiable, eps, atol, rtol, grad_output, seed, raise_exception
    )


def _gradcheck(
    f: Callable[..., Tensor],
    inputs: tuple,
    differentiable: Callable[[Any], bool],
    eps: float,
    atol: float,
    rtol: float,
    grad_output: Any,
    seed: int,
    raise_exception: bool,
) -> bool:
    args, positions = _as_float64_inputs(inputs, differentiable)
    if not positions:
        kinds = ", ".join(type(x).__name__ for x in inputs) or "none"
        what = (
            "Tensors that require grad"
            if differentiable is _requires_grad
            else "float arrays, floats or Tensors that require grad"
        )
        raise ValueError(f"gradcheck: no differentiable inputs among ({kinds}); expected {what}")
    out = f(*args)
    if not isinstance(out, Tensor):
        raise TypeError(f"gradcheck: f must return a Tensor, got {type(out).__name__}")
    if grad_output is None:
        grad_output = np.random.default_rng(seed).standard_normal(out.shape)
    v = np.asarray(grad_output, dtype=np.float64)
    leaves = [args[p] for p in positions]
    if out.requires_grad:
        analytic = gradients(out, leaves, grad_outputs=v, allow_unused=True)
    else:
        analytic = [None] * len(leaves)
    numeric = _central_differences(f, args, positions, v, eps)
    for p, a, n in zip(positions, analytic, numeric, strict=True):
        a = np.zeros_like(n) if a is None else np.asarray(a.data, dtype=np.float64)
        excess = np.abs(a - n) - (atol + rtol * np.abs(n))
        if excess.size and (not np.all(np.isfinite(a)) or np.max(excess) > 0):
            if not raise_exception:
                return False
            bad = ~np.isfinite(a) | (excess > 0)
            idx = np.unravel_index(
                int(np.argmax(np.where(bad, np.nan_to_num(excess, nan=np.inf), -np.inf))), n.shape
            )
            raise GradcheckError(
                f"gradcheck failed for input {p} (shape {n.shape}): at index {tuple(map(int, idx))}"
                f" analytic {a[idx]:.8g} vs numerical {n[idx]:.8g} (|diff| "
                f"{abs(a[idx] - n[idx]):.3g} > atol {atol} + rtol {rtol} * |numerical|); "
                f"{int(bad.sum())} of {n.size} elements out of tolerance"
            )
    return True


def gradgradcheck(
    f: Callable[..., Tensor],
    *inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    seed: int = 0,
    raise_exception: bool = True,
) -> bool:
    """Check second derivatives: gradcheck of x, v -> sum(w * (v^T J(x))) for random v, w.

    The backward pass recorded with create_graph=True is differentiated again, both with
    respect to the inputs (Hessian-vector products) and to the cotangent v.
    """
    return _gradgradcheck(
        f, _unpack(inputs), _differentiable, eps, atol, rtol, seed, raise_exception
    )


def _gradgradcheck(
    f: Callable[..., Tensor],
    inputs: tuple,
    differentiable: Callable[[Any], bool],
    eps: float,
    atol: float,
    rtol: float,
    seed: int,
    raise_exception: bool,
) -> bool:
    args, positions = _as_float64_inputs(inputs, differentiable)
    rng = np.random.default_rng(seed)
    with no_grad():
        out_shape = np.shape(f(*args))
    v0 = rng.standard_normal(out_shape)
    weights = [rng.standard_normal(args[p].shape) for p in positions]

    def first_derivative(*xs_and_v: Tensor) -> Tensor:
        xs, v = list(xs_and_v[:-1]), xs_and_v[-1]
        full = list(args)
        for p, x in zip(positions, xs, strict=True):
            full[p] = x
        out = f(*full)
        gs = gradients(out, xs, grad_outputs=v, create_graph=True, allow_unused=True)
        total = Tensor(np.float64(0.0))
        for g, w in zip(gs, weights, strict=True):
            if g is not None:
                total = total + (g * w).sum()
        return total

    xs = [Tensor(args[p].data.copy(), requires_grad=True) for p in positions]
    return _gradcheck(
        first_derivative,
        (*xs, Tensor(v0, requires_grad=True)),
        _differentiable,
        eps,
        atol,
        rtol,
        np.float64(1.0),
        seed,
        raise_exception,
    )
