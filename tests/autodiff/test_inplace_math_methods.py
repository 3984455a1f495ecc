"""Tensor's in-place elementwise methods (`exp_`, `clamp_`, `sqrt_`, ...), PyTorch's: the
tensor overwritten with the out-of-place op's result and returned, its version bumped; recorded
when it requires grad (gradients as central differences give, and as torch's); PyTorch's errors
for a leaf that requires grad, for a saved tensor changed, and for a result its dtype cannot
hold."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autodiff as ad
from autodiff import InplaceModificationError
from autodiff.testing import assert_gradients_match, shapes, tensors

# method -> (args, (low, high) of the drawn values, points to keep away from)
METHODS = {
    "abs_": ((), (-3, 3), (0,)),
    "absolute_": ((), (-3, 3), (0,)),
    "neg_": ((), (-3, 3), ()),
    "negative_": ((), (-3, 3), ()),
    "exp_": ((), (-3, 3), ()),
    "expm1_": ((), (-3, 3), ()),
    "log_": ((), (0.2, 3), ()),
    "log2_": ((), (0.2, 3), ()),
    "log10_": ((), (0.2, 3), ()),
    "log1p_": ((), (-0.5, 3), ()),
    "sqrt_": ((), (0.2, 3), ()),
    "rsqrt_": ((), (0.2, 3), ()),
    "sigmoid_": ((), (-3, 3), ()),
    "tanh_": ((), (-3, 3), ()),
    "relu_": ((), (-3, 3), (0,)),
    "sin_": ((), (-3, 3), ()),
    "cos_": ((), (-3, 3), ()),
    "tan_": ((), (-1, 1), ()),
    "sinh_": ((), (-2, 2), ()),
    "cosh_": ((), (-2, 2), ()),
    "acos_": ((), (-0.8, 0.8), ()),
    "arccos_": ((), (-0.8, 0.8), ()),
    "floor_": ((), (-3, 3), (-3, -2, -1, 0, 1, 2, 3)),
    "ceil_": ((), (-3, 3), (-3, -2, -1, 0, 1, 2, 3)),
    "trunc_": ((), (-3, 3), (-3, -2, -1, 0, 1, 2, 3)),
    "fix_": ((), (-3, 3), (-3, -2, -1, 0, 1, 2, 3)),
    "frac_": ((), (-3, 3), (-3, -2, -1, 0, 1, 2, 3)),
    "round_": ((), (-3, 3), (-2.5, -1.5, -0.5, 0.5, 1.5, 2.5)),
    "sign_": ((), (-3, 3), (0,)),
    "sgn_": ((), (-3, 3), (0,)),
    "reciprocal_": ((), (0.3, 3), ()),
    "square_": ((), (-3, 3), ()),
    "erf_": ((), (-3, 3), ()),
    "clamp_": ((-1.0, 1.5), (-3, 3), (-1, 1.5)),
    "clip_": ((None, 0.5), (-3, 3), (0.5,)),
    "clamp_min_": ((0.2,), (-3, 3), (0.2,)),
    "clamp_max_": ((0.2,), (-3, 3), (0.2,)),
    "logit_": ((), (0.1, 0.9), ()),
    "nan_to_num_": ((), (-3, 3), ()),
    "xlogy_": ((2.5,), (-3, 3), ()),
    "hypot_": ((1.5,), (-3, 3), ()),
    "atan2_": ((1.5,), (-3, 3), ()),
    "arctan2_": ((1.5,), (-3, 3), ()),
    "fmod_": ((1.25,), (-3, 3), (-2.5, -1.25, 0, 1.25, 2.5)),
    "remainder_": ((1.25,), (-3, 3), (-2.5, -1.25, 0, 1.25, 2.5)),
    "lerp_": ((2.0, 0.25), (-3, 3), ()),
}
SHAPED = {"tril_": (), "triu_": (1,), "cumsum_": (0,), "cumprod_": (-1,)}  # need >= 1 or 2 dims


@settings(max_examples=5, deadline=None)
@given(data=st.data(), name=st.sampled_from(sorted(METHODS)))
def test_in_place_matches_out_of_place_and_central_differences(data, name):
    args, (low, high), kinks = METHODS[name]
    drawn = data.draw(tensors(shapes(max_dims=3, max_side=4), low=low, high=high, away_from=kinks))
    # _check applies the method to x * 1.5: the drawn values are what it must see (inside the
    # method's domain, away from its kinks), so x is them over 1.5
    x = ad.tensor(drawn.data / 1.5, requires_grad=True)
    _check(x, name, args)


@settings(max_examples=4, deadline=None)
@given(data=st.data(), name=st.sampled_from(sorted(SHAPED)))
def test_shaped_methods(data, name):
    x = data.draw(tensors(shapes(min_dims=2, max_dims=3, max_side=4), low=0.5, high=1.5))
    _check(x, name, SHAPED[name])


def _check(x, name, args):
    expected = getattr(x * 1.5, name[:-1])(*args)
    y = x * 1.5  # a non-leaf: its memory is what the method overwrites
    version, memory = y._version, y.data
    assert getattr(y, name)(*args) is y
    assert y.data is memory and y._version == version + 1
    np.testing.assert_allclose(y.data, expected.data)
    weight = ad.tensor(np.linspace(0.5, 1.5, max(x.numel(), 1))[: x.numel()].reshape(x.shape))
    assert_gradients_match(lambda t: getattr(t * 1.5, name)(*args) * weight, x)


TENSOR_OTHER = {"hypot_", "atan2_", "arctan2_", "lerp_"}


def test_values_and_gradients_match_torch():
    torch = pytest.importorskip("torch")
    data = np.array([[0.3, 0.7, 0.45], [0.9, 0.15, 0.6]])
    for name, (args, _, _) in {**METHODS, **{k: (v, 0, 0) for k, v in SHAPED.items()}}.items():
        x = ad.tensor(data, requires_grad=True)
        tx = torch.tensor(data, requires_grad=True)
        y, ty = x * 2 - 0.5, tx * 2 - 0.5
        targs = args
        if name in TENSOR_OTHER:  # PyTorch takes only a tensor there
            targs = (torch.tensor(args[0], dtype=torch.float64), *args[1:])
            args = (ad.tensor(args[0], dtype=ad.float64), *args[1:])
        getattr(y, name)(*args)
        getattr(ty, name)(*targs)
        np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-12, err_msg=name)
        (y * y).sum().backward()
        (ty * ty).sum().backward()
        torch_grad = tx.grad.numpy(force=True)  # (force: torch's grad may be a ZeroTensor)
        np.testing.assert_allclose(x.grad.data, torch_grad, rtol=1e-12, err_msg=name)


def test_a_leaf_that_requires_grad_raises_and_no_grad_writes():
    w = ad.tensor([1.0, 4.0], requires_grad=True)
    for call in (lambda: w.sqrt_(), lambda: w.clamp_(0, 2), lambda: w.exp_()):
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
            call()
    assert w.tolist() == [1.0, 4.0] and w._version == 0
    with ad.no_grad():
        assert w.sqrt_() is w
    assert w.tolist() == [1.0, 2.0] and w._version == 1 and w.requires_grad and w.grad_fn is None
    x = ad.tensor([-1.0, 2.0])
    assert x.abs_().neg_() is x and x.tolist() == [-1.0, -2.0] and x._version == 2
    assert x.grad_fn is None and not x.requires_grad


def test_a_saved_tensor_changed_raises_at_backward():
    w = ad.tensor([1.0, 4.0], requires_grad=True)
    y = w * 2
    y.sqrt_()  # sqrt saves its output: y itself
    y.clamp_(max=2.5)
    with pytest.raises(InplaceModificationError, match="modified by an inplace operation"):
        y.sum().backward()
    y = w * 1.0
    z = y * w  # saves y
    y.exp_()
    with pytest.raises(InplaceModificationError):
        z.sum().backward()


def test_dtype_errors_leave_the_tensor_unchanged():
    a = ad.tensor([1, 4, 9])
    with pytest.raises(RuntimeError, match="sqrt_"):
        a.sqrt_()  # PyTorch: result type Float can't be cast to the desired output type Long
    assert a.tolist() == [1, 4, 9] and a._version == 0
    assert a.neg_().tolist() == [-1, -4, -9] and a.dtype == ad.int64
    f = ad.tensor([1.0, 2.0], dtype=ad.float32)
    assert f.exp_().dtype == ad.float32


def test_an_operand_that_requires_grad_into_a_tensor_that_does_not_raises():
    x = ad.ones(3)
    w = ad.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="xlogy_: an operand requires grad"):
        x.xlogy_(w)  # PyTorch records it; glassgrad would drop w's gradient
    assert x.tolist() == [1.0, 1.0, 1.0] and x._version == 0
    with ad.no_grad():
        x.clamp_(max=w * 0.5)
    assert x.tolist() == [0.5, 0.5, 0.5]
