"""numpy functions glassgrad does not differentiate: never a silent plain array from a tensor
that requires grad.

On such a tensor, with grad mode on, a numpy function or ufunc that has no op raises a
TypeError naming the function and what to use instead. Where nothing needs a gradient it still
returns numpy's plain result: no tensor requires grad, grad mode is off, or the result carries
no gradient (integers, booleans, piecewise-constant functions whose gradient is zero).
"""

from __future__ import annotations

import numpy as np
import pytest

import autodiff as ad
from autodiff import Tensor


def x_grad():
    return Tensor(np.array([[0.5, 1.5, 2.0], [1.0, 0.25, 3.0]]), requires_grad=True)


UNTRACKED = [
    ("np.sinh", lambda x: np.sinh(x), r"x\.sinh\(\)"),
    ("np.arctan2", lambda x: np.arctan2(x, 1.0), r"autodiff\.atan2"),
    ("np.arctan2", lambda x: np.arctan2(1.0, x), r"autodiff\.atan2"),  # the tensor second
    ("np.cumprod", lambda x: np.cumprod(x, axis=1), r"x\.cumprod\(dim\)"),
    ("np.linalg.det", lambda x: np.linalg.det(x[:, :2]), "glassgrad's ops"),
    ("np.linalg.inv", lambda x: np.linalg.inv(x[:, :2]), "glassgrad's ops"),
    ("np.median", lambda x: np.median(x), "glassgrad's ops"),
    ("np.copy", lambda x: np.copy(x), r"x\.clone\(\)"),
    ("np.vstack", lambda x: np.vstack([x, x]), r"autodiff\.vstack"),
    ("np.trace", lambda x: np.trace(x), r"x\.trace\(\)"),
    ("np.exp", lambda x: np.exp(x, dtype=np.float64), "without keyword arguments"),
    ("np.add.reduce", lambda x: np.add.reduce(x, axis=0), r"x\.sum\(dim\)"),
    ("np.maximum.accumulate", lambda x: np.maximum.accumulate(x), "glassgrad's ops"),
    ("np.interp", lambda x: np.interp(x, [0.0, 1.0], [0.0, 2.0]), "glassgrad's ops"),
]


@pytest.mark.parametrize(("name", "call", "instead"), UNTRACKED, ids=[u[0] for u in UNTRACKED])
def test_untracked_numpy_functions_raise_naming_the_function(name, call, instead):
    with pytest.raises(TypeError, match=rf"^{name} is not differentiable in glassgrad.*{instead}"):
        call(x_grad())


@pytest.mark.parametrize(("name", "call", "instead"), UNTRACKED, ids=[u[0] for u in UNTRACKED])
def test_without_a_gradient_to_drop_they_return_numpys_arrays(name, call, instead):
    x = x_grad()
    expected = call(x.data)
    for out in (call(Tensor(x.data)), _no_grad(call, x)):
        assert isinstance(out, np.ndarray | np.generic)
        np.testing.assert_array_equal(out, expected)


def _no_grad(call, x):
    with ad.no_grad():
        return call(x)


@pytest.mark.parametrize(
    "call",
    [
        np.isnan,
        np.isfinite,
        np.argsort,
        np.nonzero,
        np.count_nonzero,
        np.floor,
        np.ceil,
        np.sign,
        np.round,
        lambda x: np.argmax(x, axis=1),
        lambda x: np.searchsorted(x[0], 1.0),
        lambda x: np.isclose(x, 1.0),
        lambda x: np.allclose(x, x.data),
        lambda x: np.shape(x),
        lambda x: x > 1,
    ],
)
def test_results_without_a_gradient_pass(call):
    x = x_grad()
    out = call(x)
    expected = call(x.data)
    np.testing.assert_array_equal(np.asarray(out, dtype=object), np.asarray(expected, dtype=object))


def test_mapped_functions_still_record():
    x = x_grad()
    for out in (np.exp(x), np.sum(x, axis=0), np.tan(x), np.cumsum(x), np.linalg.norm(x)):
        assert isinstance(out, Tensor) and out.grad_fn is not None


@pytest.mark.parametrize(
    "call",
    [
        lambda t: np.add(np.ones(3), 1.0, out=t),
        lambda t: np.exp(t, out=(t,)),
        lambda t: np.cumprod(np.ones(3), out=t),
    ],
)
def test_numpy_out_into_a_tensor_is_refused(call):
    """It would change the tensor's memory behind its version counter (no error where a saved
    value changed): refused, whether or not the tensor requires grad."""
    t = Tensor(np.zeros(3))
    with pytest.raises(TypeError, match=r"out=tensor\): numpy would write into the tensor"):
        call(t)
    np.testing.assert_array_equal(t.data, 0.0)
