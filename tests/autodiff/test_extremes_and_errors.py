"""softmax, log_softmax and logsumexp at +-inf, 1e30, the dtype's max (float16 +-6e4 too) and
NaN: PyTorch's values and gradients, no numpy RuntimeWarning. max()/min() route the gradient
to a NaN as PyTorch's max() does. Tensor-level mistakes raise errors that name the op."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

import autodiff
from autodiff import ShapeError, Tensor

DTYPES = [np.float16, np.float32, np.float64]


def extremes(dtype) -> list[float]:
    big = 6e4 if dtype == np.float16 else 1e30
    top = float(np.finfo(dtype).max)
    return [0.0, 1.0, -2.0, big, -big, top, -top, np.inf, -np.inf, np.nan]


def rows(dtype) -> np.ndarray:
    return np.array([[a, b, 0.5] for a, b in itertools.product(extremes(dtype), repeat=2)], dtype)


OPS = {
    "softmax": (lambda t: autodiff.softmax(t, axis=1), "softmax"),
    "log_softmax": (lambda t: autodiff.log_softmax(t, axis=1), "log_softmax"),
    "logsumexp": (lambda t: autodiff.logsumexp(t, axis=1), "logsumexp"),
}


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("name", sorted(OPS))
def test_max_shifted_ops_match_pytorch_at_extremes_without_warnings(name, dtype):
    torch = pytest.importorskip("torch", reason="compares with PyTorch")
    ours, torch_name = OPS[name]
    x = rows(dtype)
    tx = torch.tensor(x, requires_grad=True)
    ty = getattr(torch, torch_name)(tx, 1)
    weights = torch.linspace(-1, 2, ty.numel()).reshape(ty.shape).to(ty.dtype)
    ty.backward(weights)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any numpy RuntimeWarning fails the test
        t = Tensor(x, requires_grad=True)
        y = ours(t)
        y.backward(weights.numpy())
    eps = float(np.finfo(dtype).eps)
    for what, a, b in (("value", y.data, ty.detach().numpy()), ("grad", t.grad.data, tx.grad)):
        np.testing.assert_allclose(
            a, np.asarray(b), rtol=16 * eps, atol=16 * eps, equal_nan=True, err_msg=what
        )
        assert a.dtype == np.dtype(dtype)


def test_max_backward_routes_the_gradient_to_the_nan_like_pytorch():
    torch = pytest.importorskip("torch", reason="compares with PyTorch")
    x = np.array([[1.0, np.nan, 3.0, np.nan], [1.0, 5.0, 5.0, 2.0]])
    for reduce in ("max", "min"):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            t = Tensor(x, requires_grad=True)
            getattr(t, reduce)().backward()
        tx = torch.tensor(x, requires_grad=True)
        getattr(tx, reduce)().backward()
        np.testing.assert_array_equal(t.grad.data, tx.grad.numpy())  # 0.5 to each NaN


def test_np_max_along_an_axis_splits_the_gradient_among_the_nans_of_a_slice():
    """np.max(t, axis) (numpy's meaning: values only, numpy has no rule for gradients): the
    gradient is shared by a slice's extrema (ties split evenly); a slice holding NaN has NaN as
    its extremum, so its NaNs share it — no NaN gradients, no warning."""
    x = np.array([[1.0, np.nan, 3.0, np.nan], [1.0, 5.0, 5.0, 2.0], [4.0, 0.0, 1.0, 2.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t = Tensor(x, requires_grad=True)
        out = np.max(t, axis=1)
        out.backward(np.array([1.0, 2.0, 3.0]))
        u = Tensor(x, requires_grad=True)
        np.min(u, axis=1).sum().backward()
    assert np.isnan(out.data[0]) and out.data[1] == 5
    np.testing.assert_array_equal(
        t.grad.data, [[0, 0.5, 0, 0.5], [0, 1, 1, 0], [3, 0, 0, 0]]
    )  # fmt: skip
    np.testing.assert_array_equal(u.grad.data, [[0, 0.5, 0, 0.5], [1, 0, 0, 0], [0, 1, 0, 0]])


# ------------------------------------------------------------------------------ errors
ERRORS = [
    # (what, call, exception, message fragment naming the op)
    (
        "in-place add, shape (4,) into (2, 3)",
        lambda: autodiff.ones(2, 3).add_(autodiff.ones(4)),
        ShapeError,
        r"add_: an operand of shape \(4,\) does not broadcast to the tensor's shape \(2, 3\)",
    ),
    (
        "in-place sub, growing the tensor",
        lambda: autodiff.ones(3).sub_(np.ones((2, 3))),
        ShapeError,
        "sub_: an operand of shape",
    ),
    (
        "int tensor mul_(0.5)",
        lambda: Tensor(np.array([1, 2, 3])).mul_(0.5),
        TypeError,
        "mul_: the result type float64 can't be cast to the tensor's dtype int64",
    ),
    (
        "int tensor div_(2)",
        lambda: Tensor(np.array([4, 2])).div_(2),
        TypeError,
        "div_: the result type float64",
    ),
    (
        "backward('x')",
        lambda: (autodiff.ones(3, requires_grad=True) * 2).sum().backward("x"),
        TypeError,
        "backward: the gradient must be a Tensor, an array or a number, got str 'x'",
    ),
    (
        "ragged nested lists",
        lambda: autodiff.tensor([[1.0, 2.0], [3.0]]),
        ValueError,
        "Tensor: nested lists must be rectangular",
    ),
    ("zeros(-1)", lambda: autodiff.zeros(-1), ValueError, r"zeros: sizes must be non-negative"),
    ("ones((2, -3))", lambda: autodiff.ones((2, -3)), ValueError, "ones: sizes must be non-neg"),
    (
        "reshape(-2, 6)",
        lambda: autodiff.ones(12).reshape(-2, 6),
        ShapeError,
        r"reshape: invalid size in \(-2, 6\)",
    ),
    ("randn('3')", lambda: autodiff.randn("3"), TypeError, "randn: size must be ints"),
    ("rand(2.5)", lambda: autodiff.rand(2.5), TypeError, "rand: size must be ints"),
    ("zeros(True)", lambda: autodiff.zeros(True), TypeError, "zeros: size must be ints"),
]


@pytest.mark.parametrize(
    ("call", "error", "message"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS]
)
def test_tensor_level_mistakes_raise_errors_naming_the_op(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_failed_in_place_updates_change_nothing():
    t = Tensor(np.array([1, 2, 3]))
    version = t._version
    with pytest.raises(TypeError):
        t.mul_(0.5)
    with pytest.raises(ShapeError):
        t.add_(np.ones(4, dtype=np.int64))
    np.testing.assert_array_equal(t.data, [1, 2, 3])
    assert t._version == version  # not stamped as changed either


def test_what_is_fine_stays_fine():
    t = autodiff.ones(2, 3)
    t.add_(np.ones(3), alpha=2)  # broadcasting into the tensor's shape
    t.mul_(Tensor(np.full((2, 1), 0.5)))
    t.div_(2)
    np.testing.assert_array_equal(t.data, np.full((2, 3), 0.75))
    ints = Tensor(np.array([1, 2]))
    ints.add_(1)
    ints.mul_(np.array([2, 3]))
    np.testing.assert_array_equal(ints.data, [4, 9])
    assert autodiff.zeros((2, 3)).shape == (2, 3) == autodiff.randn(np.int64(2), 3).shape
    assert autodiff.zeros(0).shape == (0,) and autodiff.ones(12).reshape(-1, 6).shape == (2, 6)
    assert autodiff.zeros(np.array([2, 2])).shape == (2, 2)
    loss = (autodiff.ones(3, requires_grad=True) * 2).sum()
    loss.backward(np.float32(1.0))
