"""cumsum: running sums along a dim (torch.cumsum) and np.cumsum on a Tensor (numpy's meaning).

Hypothesis draws the shape (0-d included) and the dim; values are compared with numpy (and
torch when installed), gradients with central differences, second order included.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from ops_support import SECOND_ORDER, SETTINGS, check_forward

import autodiff as ad
from autodiff import Tensor, gradgradcheck
from autodiff.testing import assert_gradients_match, shapes, tensors

try:
    import torch
except ImportError:  # the torch comparisons skip
    torch = None


@st.composite
def shape_and_dim(draw, max_side=4):
    shape = draw(shapes(0, 3, 1, max_side))
    ndim = max(len(shape), 1)
    return shape, draw(st.integers(-ndim, ndim - 1))


@SETTINGS
@given(data=st.data(), case=shape_and_dim())
def test_cumsum(data, case):
    shape, dim = case
    x = data.draw(tensors(shape))
    out = x.cumsum(dim)
    check_forward(
        out, np.cumsum(x.data.reshape(shape or (1,)), axis=dim).reshape(shape), rtol=1e-12
    )
    weights = np.arange(1.0, x.numel() + 1).reshape(shape)
    assert_gradients_match(lambda t: ad.cumsum(t, dim=dim) * weights, x)
    if torch is not None:
        tx = torch.tensor(x.data, requires_grad=True)
        t_out = torch.cumsum(tx, dim)
        np.testing.assert_allclose(out.data, t_out.detach().numpy(), rtol=1e-12, atol=1e-12)
        (out * weights).sum().backward()
        (t_out * torch.tensor(weights)).sum().backward()
        np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-12)


@SECOND_ORDER
@given(data=st.data(), case=shape_and_dim(max_side=3))
def test_cumsum_second_order(data, case):
    shape, dim = case
    x = data.draw(tensors(shape))
    assert gradgradcheck(lambda t: t.cumsum(dim) ** 2, x)


def test_numpy_cumsum_keeps_numpys_meaning():
    a = np.arange(6.0).reshape(2, 3)
    x = Tensor(a, requires_grad=True)
    for out, expected in (
        (np.cumsum(x), np.cumsum(a)),
        (np.cumsum(x, axis=1), np.cumsum(a, axis=1)),
        (np.cumsum(x, 0, dtype=np.float32), np.cumsum(a, 0, dtype=np.float32)),
    ):
        assert isinstance(out, Tensor) and out.grad_fn is not None
        check_forward(out, expected)
    np.cumsum(x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[6, 5, 4], [3, 2, 1]])
    with pytest.raises(TypeError, match="out= is not supported"):
        np.cumsum(x, out=np.empty(6))


def test_cumsum_edges_and_dtypes():
    x = Tensor(np.float64(1.5), requires_grad=True)
    out = x.cumsum(0)
    assert out.shape == () and out.item() == 1.5
    out.backward()
    assert x.grad.item() == 1.0
    e = Tensor(np.zeros((2, 0)), requires_grad=True)
    e.cumsum(1).sum().backward()
    assert e.grad.shape == (2, 0)
    ints = Tensor(np.array([1, 2, 3], dtype=np.int32)).cumsum(0)
    assert ints.dtype == np.int64 and ints.tolist() == [1, 3, 6]
    assert Tensor(np.array([True, False, True])).cumsum(0).tolist() == [1, 1, 2]
    assert Tensor(np.ones(3, np.float32)).cumsum(0, dtype=np.float64).dtype == np.float64
    with pytest.raises(TypeError, match="cumsum: dim must be an int"):
        Tensor(np.ones(3)).cumsum((0,))
    with pytest.raises(TypeError, match="cumsum: missing the dim"):
        Tensor(np.ones(3)).cumsum()  # dim is required, as in PyTorch
    with pytest.raises(ValueError, match="axis 1 is out of bounds"):
        Tensor(np.ones(3)).cumsum(1)


def _long_cumsums(lib, dtype):
    """cumsum of 5000 float32 or float16 values (the running sums, and the gradient through a
    conversion), and cumsum(dtype=) of float64 values."""
    rs = np.random.RandomState(0)
    a, w = rs.standard_normal((2, 3, 5000))
    t_dtype = getattr(lib, np.dtype(dtype).name)
    x = lib.tensor(a, requires_grad=True)
    out = x.to(t_dtype).cumsum(1)
    (out * lib.tensor(w.astype(dtype))).sum().backward()
    y = lib.tensor(a, requires_grad=True)
    (y.cumsum(1, dtype=t_dtype) * lib.tensor(w.astype(dtype))).sum().backward()
    return out.detach().numpy(), x.grad.numpy(), y.grad.numpy()


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_running_sums_accumulate_wider_as_pytorch(dtype):
    """PyTorch's CPU cumsum accumulates float32 in float64 and float16 in float32, rounding
    each running sum once; numpy's own accumulated in the dtype and drifted (5000 float16
    values: off by 0.8). cumsum(dtype=) converts the gradient back before summing it, too."""
    ours = _long_cumsums(ad, dtype)
    ones = np.ones(4000, dtype)
    wide = np.cumsum(ones, dtype=np.float64).astype(dtype)  # float16 counts past 2048 here
    np.testing.assert_array_equal(ad.tensor(ones).cumsum(0).numpy(), wide)
    torch = pytest.importorskip("torch")
    for a, b in zip(ours, _long_cumsums(torch, dtype), strict=True):
        np.testing.assert_array_equal(a, b)
