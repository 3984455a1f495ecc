"""PyTorch's further activations: softplus, elu, selu, celu, hardtanh, relu6, hardsigmoid,
hardswish, mish, softsign, logsigmoid, tanhshrink, softmin, glu, prelu, and their modules.

Gradients against central differences (float64, random shapes, away from the kinks); at the
kinks, PyTorch's own one-sided choices (the values torch 2.13 gives, written out so that the
test runs without torch); values and gradients against torch where it is installed, at
ordinary and extreme inputs, without a floating-point warning.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autodiff as ad
import nn
import nn.functional as F
from autodiff import Tensor
from autodiff.testing import arrays, assert_gradients_match, shapes, tensors

SETTINGS = settings(max_examples=20, deadline=None)
SECOND_ORDER = settings(max_examples=8, deadline=None)


def _torch():
    return pytest.importorskip("torch", reason="torch is not installed: nothing to compare with")


# name -> (glassgrad function, torch function of (tensor, torch.nn.functional), kinks)
UNARY = {
    "softplus": (F.softplus, lambda t, TF: TF.softplus(t), ()),
    "softplus(2, 5)": (
        lambda x: F.softplus(x, 2.0, 5.0),
        lambda t, TF: TF.softplus(t, 2.0, 5.0),
        (2.5,),
    ),
    "softplus(-0.5)": (
        lambda x: F.softplus(x, -0.5),
        lambda t, TF: TF.softplus(t, -0.5),
        (),
    ),
    "elu": (F.elu, lambda t, TF: TF.elu(t), (0.0,)),
    "elu(0.3)": (lambda x: F.elu(x, 0.3), lambda t, TF: TF.elu(t, 0.3), (0.0,)),
    "selu": (F.selu, lambda t, TF: TF.selu(t), (0.0,)),
    "celu(2)": (lambda x: F.celu(x, 2.0), lambda t, TF: TF.celu(t, 2.0), (0.0,)),
    "hardtanh": (F.hardtanh, lambda t, TF: TF.hardtanh(t), (-1.0, 1.0)),
    "hardtanh(-2, 0.5)": (
        lambda x: F.hardtanh(x, -2.0, 0.5),
        lambda t, TF: TF.hardtanh(t, -2.0, 0.5),
        (-2.0, 0.5),
    ),
    "relu6": (F.relu6, lambda t, TF: TF.relu6(t), (0.0, 6.0)),
    "hardsigmoid": (F.hardsigmoid, lambda t, TF: TF.hardsigmoid(t), (-3.0, 3.0)),
    "hardswish": (F.hardswish, lambda t, TF: TF.hardswish(t), (-3.0, 3.0)),
    "mish": (F.mish, lambda t, TF: TF.mish(t), ()),
    "softsign": (F.softsign, lambda t, TF: TF.softsign(t), ()),
    "logsigmoid": (F.logsigmoid, lambda t, TF: TF.logsigmoid(t), ()),
    "tanhshrink": (F.tanhshrink, lambda t, TF: TF.tanhshrink(t), ()),
    "softmin": (lambda x: F.softmin(x, -1), lambda t, TF: TF.softmin(t, -1), ()),
    "glu": (lambda x: F.glu(x, 0), lambda t, TF: TF.glu(t, 0), ()),
    "prelu": (
        lambda x: F.prelu(x, Tensor(np.array([0.3], dtype=x.dtype))),
        lambda t, TF: TF.prelu(t, _torch().tensor([0.3], dtype=t.dtype)),
        (0.0,),
    ),
}
NAMES = list(UNARY)


# ------------------------------------------------------------------- central differences
@pytest.mark.parametrize("name", NAMES)
@SETTINGS
@given(data=st.data())
def test_gradient_matches_central_differences(name, data):
    f, _, kinks = UNARY[name]
    shape = data.draw(shapes(max_side=4))
    if name == "glu":  # halves along dim 0: an even length
        shape = (2 * data.draw(st.integers(1, 3)), *shape)
    elif name == "softmin" and not shape:
        shape = (3,)
    x = data.draw(tensors(shape, low=-7.0, high=7.0, away_from=kinks, margin=0.05))
    assert_gradients_match(f, x)


@SETTINGS
@given(data=st.data())
def test_prelu_gradient_with_a_weight_per_channel(data):
    """weight (C,) broadcast along dim 1 of (N, C, ...), both inputs differentiated."""
    channels = data.draw(st.integers(1, 4))
    rest = data.draw(shapes(max_dims=2, max_side=3))
    x = data.draw(tensors((data.draw(st.integers(1, 3)), channels, *rest), away_from=(0.0,)))
    per_channel = data.draw(st.booleans())
    w = data.draw(tensors((channels if per_channel else 1,), low=-1.0, high=1.0))
    assert_gradients_match(F.prelu, x, w)
    assert_gradients_match(lambda a, b: a.prelu(b), x, w)


@pytest.mark.parametrize(
    "name", ["softplus", "softplus(2, 5)", "elu(0.3)", "selu", "celu(2)", "hardswish", "mish"]
)
@SECOND_ORDER
@given(data=st.data())
def test_second_order(name, data):
    """The fused ops' backward formulas record graphs of differentiable ops (create_graph)."""
    f, _, kinks = UNARY[name]
    x = data.draw(tensors(shapes(max_side=3), low=-5.0, high=5.0, away_from=kinks, margin=0.1))
    assert ad.gradgradcheck(f, x)


# ----------------------------------------------------------------------------- the kinks
def _grad(f, values, dtype=np.float64):
    x = Tensor(np.array(values, dtype=dtype), requires_grad=True)
    f(x).sum().backward()
    return x.grad.data


# torch 2.13's gradients at exactly the kinks (and its thresholds)
KINKS = [
    ("hardtanh", F.hardtanh, [-1.0, 1.0, 0.0], [0.0, 0.0, 1.0]),
    ("relu6", F.relu6, [0.0, 6.0, 3.0], [0.0, 0.0, 1.0]),
    ("hardsigmoid", F.hardsigmoid, [-3.0, 3.0], [0.0, 0.0]),
    ("hardswish", F.hardswish, [-3.0, 3.0, -2.5], [0.0, 1.0, -1 / 3]),
    ("elu(2)", lambda x: F.elu(x, 2.0), [0.0], [2.0]),
    ("selu", F.selu, [0.0], [1.7580993408473766]),
    ("celu(2)", lambda x: F.celu(x, 2.0), [0.0], [1.0]),
    ("softplus", F.softplus, [0.0, 20.0, 20.0001], [0.5, 0.9999999979388464, 1.0]),
    ("logsigmoid", F.logsigmoid, [0.0], [0.5]),
    ("mish", F.mish, [0.0], [0.6]),
    ("softsign", F.softsign, [0.0], [1.0]),
    ("prelu", lambda x: F.prelu(x, Tensor(np.array([0.25]))), [0.0], [0.25]),
]


@pytest.mark.parametrize(("name", "f", "x", "expected"), KINKS, ids=[k[0] for k in KINKS])
def test_gradients_at_the_kinks_are_pytorchs(name, f, x, expected):
    np.testing.assert_allclose(_grad(f, x), expected, rtol=1e-15)


def test_prelu_weight_gradient_at_zero_is_zero():
    x = Tensor(np.array([0.0, -2.0, 3.0]), requires_grad=True)
    w = Tensor(np.array([0.25]), requires_grad=True)
    F.prelu(x, w).sum().backward()
    assert x.grad.tolist() == [0.25, 0.25, 1.0] and w.grad.tolist() == [-2.0]


def test_kinks_match_torch():
    torch = _torch()
    points = [-6.0, -3.0, -1.0, 0.0, 1.0, 3.0, 6.0, 20.0]
    for name in NAMES:
        if name in ("glu", "softmin"):
            continue
        f, tf, _ = UNARY[name]
        t = torch.tensor(points, dtype=torch.float64, requires_grad=True)
        tf(t, torch.nn.functional).sum().backward()
        # torch's float64 hardsigmoid gradient uses 1/6 rounded to float32 (3e-8 off)
        rtol = 1e-7 if name == "hardsigmoid" else 1e-15
        np.testing.assert_allclose(_grad(f, points), t.grad.numpy(), rtol=rtol, err_msg=name)


# ---------------------------------------------------------------- torch, extremes, dtypes
EXTREMES = [-1000.0, -100.0, -30.0, -20.5, -1e-8, 0.0, 1e-8, 19.9, 20.0, 20.5, 30.0, 100.0, 1000.0]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", NAMES)
def test_values_and_gradients_match_torch_without_warnings(name, dtype):
    torch = _torch()
    f, tf, _ = UNARY[name]
    rng = np.random.default_rng(3)
    ordinary = (rng.standard_normal(24) * 4).astype(dtype)
    for values in (ordinary, np.array(EXTREMES + EXTREMES[:1], dtype=dtype)):
        if name == "glu":  # (2, n): halves along dim 0
            values = values.reshape(2, -1)
        x = Tensor(values, requires_grad=True)
        v = rng.standard_normal(values.shape[1:] if name == "glu" else values.shape).astype(dtype)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # overflow, underflow, invalid: none
            y = f(x)
            (y * Tensor(v)).sum().backward()
        t = torch.tensor(values, requires_grad=True)
        ty = tf(t, torch.nn.functional)
        (ty * torch.tensor(v)).sum().backward()
        assert y.dtype == dtype and x.grad.dtype == dtype
        eps = np.finfo(dtype).eps
        tiny = 1e-30 if dtype == np.float64 else 1e-30
        np.testing.assert_allclose(
            y.data, ty.detach().numpy(), rtol=8 * eps, atol=tiny, err_msg=name
        )
        zeros = y.data == 0  # the sign of zero too (logsigmoid(1000) is +0.0, mish(-1000) -0.0)
        np.testing.assert_array_equal(
            np.signbit(y.data[zeros]), np.signbit(ty.detach().numpy()[zeros]), err_msg=name
        )
        rtol = 1e-7 if name == "hardsigmoid" else 16 * eps
        np.testing.assert_allclose(
            x.grad.data, t.grad.numpy(), rtol=rtol, atol=4 * eps, err_msg=f"{name} gradient"
        )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_no_overflow_at_plus_minus_1000(dtype):
    x = Tensor(np.array([-1000.0, 1000.0], dtype=dtype), requires_grad=True)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        sp, ls, mi = F.softplus(x), F.logsigmoid(x), F.mish(x)
        (sp + ls + mi).sum().backward()
    assert sp.tolist() == [0.0, 1000.0] and ls.tolist() == [-1000.0, 0.0]
    assert mi.tolist() == [0.0, 1000.0] and np.signbit(mi.data[0])  # -1000 * 0 = -0.0
    assert not np.signbit(ls.data[1])  # +0.0, as PyTorch's min(x, 0) - log1p(exp(-|x|))
    assert x.grad.tolist() == [1.0, 2.0]  # 0 + 1 + 0 and 1 + 0 + 1
    for y in (sp, ls, mi, x.grad):
        assert y.dtype == dtype


def test_softplus_above_a_raised_threshold_stays_finite():
    """PyTorch's log1p(exp(beta x)) overflows to inf (gradient NaN) when a threshold above x
    lets it through; glassgrad's stable form gives x and gradient 1 there."""
    x = Tensor(np.array([1000.0]), requires_grad=True)
    y = F.softplus(x, threshold=2000.0)
    y.backward(np.ones(1))
    assert y.tolist() == [1000.0] and x.grad.tolist() == [1.0]


# ------------------------------------------------------------------------ edge cases
@pytest.mark.parametrize("name", [n for n in NAMES if n not in ("glu", "softmin")])
def test_zero_d_and_empty(name):
    f = UNARY[name][0]
    scalar = Tensor(np.array(-0.7), requires_grad=True)
    y = f(scalar)
    assert y.shape == ()
    y.backward()
    assert scalar.grad.shape == ()
    assert_gradients_match(f, Tensor(np.array(0.4), requires_grad=True))
    empty = Tensor(np.zeros((0, 3)), requires_grad=True)
    out = f(empty)
    assert out.shape == (0, 3)
    out.sum().backward()
    assert empty.grad.shape == (0, 3)


def test_glu_softmin_edges():
    assert F.glu(Tensor(np.zeros((0, 4))), -1).shape == (0, 2)
    assert F.glu(Tensor(np.ones((2, 6, 3))), 1).shape == (2, 3, 3)
    with pytest.raises(RuntimeError, match="dimension 1 is size 3"):
        F.glu(Tensor(np.ones((2, 3))))
    with pytest.raises(RuntimeError, match="scalars"):
        F.glu(Tensor(np.array(1.0)))
    assert F.softmin(Tensor(np.array(2.0)), 0).tolist() == 1.0
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmin"):
        y = F.softmin(Tensor(np.array([[1.0, 2.0]])))
    np.testing.assert_allclose(y.data, [[0.7310585786300049, 0.2689414213699951]])
    assert F.softmin(Tensor(np.array([1.0, 2.0])), 0, dtype=np.float32).dtype == np.float32


def test_prelu_shapes_and_errors():
    w3 = Tensor(np.array([0.1, 0.2, 0.3]))
    assert F.prelu(Tensor(np.full((2, 3, 4, 5), -1.0)), w3).shape == (2, 3, 4, 5)
    assert F.prelu(Tensor(np.array(-2.0)), Tensor(np.array([0.5]))).tolist() == -1.0
    assert F.prelu(Tensor(np.array([-2.0, 1.0])), Tensor(np.array(0.5))).tolist() == [-1.0, 1.0]
    np.testing.assert_allclose(
        F.prelu(Tensor(-np.ones((2, 3))), w3).data, [[-0.1, -0.2, -0.3]] * 2, rtol=1e-15
    )
    with pytest.raises(RuntimeError, match="Found parameter numbers = 3 and channel size = 2"):
        F.prelu(Tensor(np.ones((4, 2))), w3)
    with pytest.raises(RuntimeError, match="channel size = 1"):
        F.prelu(Tensor(np.ones(3)), w3)
    with pytest.raises(RuntimeError, match="zero-dim"):
        F.prelu(Tensor(np.array(1.0)), w3)
    with pytest.raises(RuntimeError, match="ndim = 2"):
        F.prelu(Tensor(np.ones((2, 3))), Tensor(np.ones((1, 3))))


def test_argument_errors():
    x = Tensor(np.ones(3))
    with pytest.raises(RuntimeError, match="alpha cannot be 0"):
        F.celu(x, 0.0)
    with pytest.raises(ValueError, match="min_val cannot be greater than max_val"):
        F.hardtanh(x, 2.0, 1.0)
    with pytest.raises(ValueError, match="min_val cannot be greater than max_val"):
        nn.Hardtanh(2.0, 1.0)
    for f in (F.softplus, F.elu, F.selu, F.celu, F.hardsigmoid, F.hardswish, F.mish, F.logsigmoid):
        with pytest.raises(TypeError, match="floating-point"):
            f(Tensor(np.array([1, -2])))
    # hardtanh and relu6 are clamps, defined for integers too (as PyTorch's)
    assert F.relu6(Tensor(np.array([-1, 3, 7]))).tolist() == [0, 3, 6]
    clamped = F.hardtanh(Tensor(np.array([-1, 3, 7])), -0.5, 2.5)  # bounds truncated: 0, 2
    assert clamped.dtype == np.int64 and clamped.tolist() == [0, 2, 2]
    # composites of integer input end in the default float dtype, as PyTorch's
    assert F.softsign(Tensor(np.array([1, -2]))).dtype == np.float32
    assert F.tanhshrink(Tensor(np.array([1, -2]))).dtype == np.float32


# --------------------------------------------------------------------- top level, modules
def test_top_level_names_are_pytorchs():
    """torch.selu, torch.celu, torch.prelu and Tensor.prelu exist; the others are F's only."""
    x = Tensor(np.array([-1.0, 2.0]))
    np.testing.assert_array_equal(ad.selu(x).data, F.selu(x).data)
    np.testing.assert_array_equal(ad.celu(x, 0.5).data, F.celu(x, 0.5).data)
    w = Tensor(np.array([0.1]))
    np.testing.assert_array_equal(ad.prelu(x, w).data, x.prelu(w).data)
    for name in ("softplus", "elu", "hardtanh", "mish", "glu", "logsigmoid", "softsign"):
        assert not hasattr(ad, name) and not hasattr(x, name)
    assert not hasattr(x, "selu") and not hasattr(x, "celu")


REPRS = [
    (lambda m: m.Softplus(), "Softplus(beta=1.0, threshold=20.0)"),
    (lambda m: m.Softplus(2, 10), "Softplus(beta=2, threshold=10)"),
    (lambda m: m.ELU(), "ELU(alpha=1.0)"),
    (lambda m: m.SELU(), "SELU()"),
    (lambda m: m.CELU(0.5), "CELU(alpha=0.5)"),
    (lambda m: m.Hardtanh(), "Hardtanh(min_val=-1.0, max_val=1.0)"),
    (lambda m: m.Hardtanh(-2, 3), "Hardtanh(min_val=-2, max_val=3)"),
    (lambda m: m.ReLU6(), "ReLU6()"),
    (lambda m: m.Hardsigmoid(), "Hardsigmoid()"),
    (lambda m: m.Hardswish(), "Hardswish()"),
    (lambda m: m.Mish(), "Mish()"),
    (lambda m: m.Softsign(), "Softsign()"),
    (lambda m: m.LogSigmoid(), "LogSigmoid()"),
    (lambda m: m.Tanhshrink(), "Tanhshrink()"),
    (lambda m: m.Softmin(), "Softmin(dim=None)"),
    (lambda m: m.Softmin(1), "Softmin(dim=1)"),
    (lambda m: m.GLU(), "GLU(dim=-1)"),
    (lambda m: m.PReLU(), "PReLU(num_parameters=1)"),
    (lambda m: m.PReLU(3, init=0.1), "PReLU(num_parameters=3)"),
]


@pytest.mark.parametrize(("make", "expected"), REPRS, ids=[r[1] for r in REPRS])
def test_module_reprs_are_pytorchs(make, expected):
    assert repr(make(nn)) == expected
    try:
        import torch
    except ImportError:
        return
    assert repr(make(torch.nn)) == expected


def test_modules_match_functions():
    x = Tensor(np.random.default_rng(0).standard_normal((2, 4, 3)))
    pairs = [
        (nn.Softplus(2, 5), F.softplus(x, 2, 5)),
        (nn.ELU(0.5), F.elu(x, 0.5)),
        (nn.SELU(), F.selu(x)),
        (nn.CELU(0.5), F.celu(x, 0.5)),
        (nn.Hardtanh(-0.5, 0.7), F.hardtanh(x, -0.5, 0.7)),
        (nn.ReLU6(), F.relu6(x * 5)),
        (nn.Hardsigmoid(), F.hardsigmoid(x)),
        (nn.Hardswish(), F.hardswish(x)),
        (nn.Mish(), F.mish(x)),
        (nn.Softsign(), F.softsign(x)),
        (nn.LogSigmoid(), F.logsigmoid(x)),
        (nn.Tanhshrink(), F.tanhshrink(x)),
        (nn.Softmin(1), F.softmin(x, 1)),
        (nn.GLU(1), F.glu(x, 1)),
    ]
    for layer, expected in pairs:
        y = layer(x * 5) if isinstance(layer, nn.ReLU6) else layer(x)
        np.testing.assert_array_equal(y.data, expected.data, err_msg=repr(layer))


def test_prelu_module_learns_its_weight_as_pytorchs():
    layer = nn.PReLU(3, init=0.1, dtype=np.float64)
    assert list(layer.state_dict()) == ["weight"]
    assert [name for name, _ in layer.named_parameters()] == ["weight"]
    assert layer.weight.shape == (3,) and layer.weight.tolist() == [0.1] * 3
    x = np.random.default_rng(1).standard_normal((4, 3, 2))
    v = np.random.default_rng(2).standard_normal((4, 3, 2))
    xt = Tensor(x, requires_grad=True)
    (layer(xt) * Tensor(v)).sum().backward()
    assert layer.weight.grad.shape == (3,)
    assert nn.PReLU().weight.dtype == np.float32 and nn.PReLU().weight.tolist() == [0.25]
    with pytest.raises(ValueError, match="num_parameters"):
        nn.PReLU(0)
    try:
        import torch
    except ImportError:
        return
    theirs = torch.nn.PReLU(3, init=0.1).double()
    theirs.load_state_dict({k: torch.tensor(a) for k, a in layer.state_dict().items()})
    tx = torch.tensor(x, requires_grad=True)
    (theirs(tx) * torch.tensor(v)).sum().backward()
    np.testing.assert_allclose(layer.weight.grad.data, theirs.weight.grad.numpy(), rtol=1e-13)
    np.testing.assert_allclose(xt.grad.data, tx.grad.numpy(), rtol=1e-13)


@given(values=arrays(shapes(min_dims=1, max_side=4), low=-5.0, high=5.0))
@SETTINGS
def test_float32_stays_float32(values):
    x = Tensor(values.astype(np.float32), requires_grad=True)
    w = Tensor(np.array([0.2], dtype=np.float32), requires_grad=True)
    y = (
        F.softplus(x)
        + F.elu(x)
        + F.selu(x)
        + F.celu(x, 2.0)
        + F.hardtanh(x)
        + F.relu6(x)
        + F.hardsigmoid(x)
        + F.hardswish(x)
        + F.mish(x)
        + F.softsign(x)
        + F.logsigmoid(x)
        + F.tanhshrink(x)
        + F.softmin(x, -1)
        + F.prelu(x, w)
    )
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float32
