"""A gradient check for whole modules: backward vs central differences for every parameter
(and every input that requires grad), in float64.

autodiff.gradcheck checks functions of their inputs; a module's parameters are its own
leaves, so this perturbs them in place instead (the same central differences).
"""

from collections.abc import Callable

import numpy as np
import pytest

import autodiff
from autodiff import Tensor


def module_gradcheck(
    module: Callable,
    *inputs: Tensor,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    eps: float = 1e-6,
    before_call: Callable[[], None] | None = None,
) -> None:
    """Assert d sum(module(*inputs) * v) / d(each parameter and input) for a random v matches
    central differences. `before_call` runs before every evaluation (e.g. to reseed dropout)."""

    def run() -> np.ndarray:
        if before_call is not None:
            before_call()
        return module(*inputs)

    out = run()
    v = np.random.default_rng(0).standard_normal(out.shape)
    leaves = [(name, p) for name, p in module.named_parameters()] + [
        (f"input {i}", x) for i, x in enumerate(inputs) if x.requires_grad
    ]
    for _, t in leaves:
        assert t.dtype == np.float64, "gradcheck needs float64 (use module.double())"
        t.grad = None
    (out * v).sum().backward()
    with autodiff.no_grad():
        for name, t in leaves:
            flat = t.data.reshape(-1)  # a view: perturbing it perturbs the leaf
            numeric = np.zeros(flat.size)
            for k in range(flat.size):
                orig = flat[k]
                flat[k] = orig + eps
                plus = np.sum(run().data * v)
                flat[k] = orig - eps
                minus = np.sum(run().data * v)
                flat[k] = orig
                numeric[k] = (plus - minus) / (2 * eps)
            analytic = np.zeros(flat.size) if t.grad is None else t.grad.data.reshape(-1)
            np.testing.assert_allclose(analytic, numeric, atol=atol, rtol=rtol, err_msg=name)


@pytest.fixture
def check_module_grads():
    return module_gradcheck
