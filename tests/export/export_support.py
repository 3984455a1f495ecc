"""Shared helpers of the nn.export tests: optional dependencies, onnxruntime runs, round trips."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest

from autodiff import Tensor


def need(module: str, extra: str) -> Any:
    """Import an optional dependency or skip, saying which extra installs it."""
    return pytest.importorskip(
        module, reason=f"{module} is not installed (pip install 'glassgrad[{extra}]')"
    )


def run_onnxruntime(model: Any, *arrays: np.ndarray) -> list[np.ndarray]:
    """Run an ONNX ModelProto with onnxruntime on the CPU, inputs in graph order."""
    ort = need("onnxruntime", "onnx")
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(
        model.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )
    feeds = {i.name: a for i, a in zip(session.get_inputs(), arrays)}
    return session.run(None, feeds)


def outputs_of(result: Any) -> list[Tensor]:
    return list(result) if isinstance(result, tuple | list) else [result]


def value_and_grads(
    fn: Callable[..., Any], arrays: Sequence[np.ndarray], params: dict[str, Tensor], seed: int = 0
) -> tuple[list[np.ndarray], list[np.ndarray | None], dict[str, np.ndarray | None]]:
    """Outputs of fn on fresh leaves, and the gradients of sum(output * v) (a fixed random v
    per output) for every float input and every named parameter (None: no gradient)."""
    leaves = [Tensor(a.copy(), requires_grad=a.dtype.kind == "f") for a in arrays]
    for p in params.values():
        p.grad = None
    outs = outputs_of(fn(*leaves))
    rng = np.random.default_rng(seed)
    total = None
    for out in outs:
        if out.requires_grad:
            v = rng.standard_normal(out.shape).astype(out.dtype)
            term = (out * v).sum()
            total = term if total is None else total + term
    if total is not None:
        total.backward()

    def grad(t: Tensor) -> np.ndarray | None:
        return None if t.grad is None else t.grad.data.copy()

    return (
        [o.data.copy() for o in outs],
        [grad(t) if t.requires_grad else None for t in leaves],
        {name: grad(p) for name, p in params.items()},
    )


def assert_same_grads(a: np.ndarray | None, b: np.ndarray | None, atol: float, what: str) -> float:
    """Equal gradients, a missing one counting as zeros; returns the largest difference."""
    if a is None and b is None:
        return 0.0
    reference = a if a is not None else b
    a = np.zeros_like(reference) if a is None else a
    b = np.zeros_like(reference) if b is None else b
    np.testing.assert_allclose(a, b, rtol=0, atol=atol, err_msg=what)
    return float(np.abs(a - b).max()) if a.size else 0.0
