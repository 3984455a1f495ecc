"""Conv and pooling layers skip the public function's checks on a call like their last one
(nn/layers/_checked.py): that fast path against the public functions, the reference.

Each layer is called twice (the second call takes the fast path when the signature is kept) and
compared bit for bit, values and gradients, with `F.conv2d` / `F.max_pool2d` / `F.avg_pool2d`
on the same arguments; then everything a signature holds is changed between calls, and bad
arguments after a kept call still raise the public function's errors.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import autodiff as ad
import nn
import nn.functional as F
from autodiff import ShapeError, Tensor
from nn.layers import _checked

FAST = settings(max_examples=20, deadline=None)


def _same(a: Tensor, b: Tensor) -> None:
    assert a.shape == b.shape and a.dtype == b.dtype
    np.testing.assert_array_equal(a.data, b.data)


def _reference(layer, x):
    if isinstance(layer, nn.Conv2d):
        return F.conv2d(x, layer.weight, layer.bias, layer.stride, layer.padding)
    function = F.max_pool2d if isinstance(layer, nn.MaxPool2d) else F.avg_pool2d
    return function(x, layer.kernel_size, layer.stride, layer.padding)


def _check(layer, x_data, grad_mode=True, kept=True):
    """The layer (twice) against the reference: outputs, and gradients when recording."""
    params = [p for p in layer.parameters()]
    results = []
    for run in ("layer", "layer again", "reference"):
        for p in params:
            p.grad = None
        x = Tensor(x_data.copy(), requires_grad=True)
        with ad.set_grad_enabled(grad_mode):
            out = _reference(layer, x) if run == "reference" else layer(x)
        grads = []
        if grad_mode:
            (out * out).sum().backward()
            grads = [x.grad.data.copy()] + [p.grad.data.copy() for p in params]
        results.append((out, grads))
    (first, g1), (again, g2), (reference, g3) = results
    if kept:
        assert layer.__dict__[_checked._KEY][1]["out_size"] == reference.shape[2:]
    _same(first, reference)
    _same(again, reference)
    for a, b, c in zip(g1, g2, g3, strict=True):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, c)
    return reference


@FAST
@given(
    n=st.integers(1, 3),
    c=st.integers(1, 3),
    f=st.integers(1, 4),
    size=st.tuples(st.integers(3, 9), st.integers(3, 9)),
    kernel=st.sampled_from([1, 2, 3, (3, 1)]),
    stride=st.sampled_from([1, 2, (2, 1)]),
    padding=st.sampled_from([0, 1, (1, 0)]),
    bias=st.booleans(),
    dtype=st.sampled_from([np.float32, np.float64]),
    grad_mode=st.booleans(),
    seed=st.integers(0, 2**31),
)
def test_conv_layer_is_f_conv2d(
    n, c, f, size, kernel, stride, padding, bias, dtype, grad_mode, seed
):
    rng = np.random.default_rng(seed)
    layer = nn.Conv2d(c, f, kernel, stride=stride, padding=padding, bias=bias, dtype=dtype)
    _check(layer, rng.standard_normal((n, c, *size)).astype(dtype), grad_mode)


@FAST
@given(
    kind=st.sampled_from([nn.MaxPool2d, nn.AvgPool2d]),
    n=st.integers(1, 3),
    c=st.integers(1, 3),
    size=st.tuples(st.integers(2, 9), st.integers(2, 9)),
    kernel=st.sampled_from([2, 3, (2, 1)]),
    stride=st.sampled_from([None, 1, 2, (1, 2)]),
    padding=st.sampled_from([0, 1]),
    grad_mode=st.booleans(),
    seed=st.integers(0, 2**31),
)
def test_pool_layers_are_the_functions(kind, n, c, size, kernel, stride, padding, grad_mode, seed):
    kh, kw = _checked.pair(kernel)
    assume(padding <= min(kh, kw) // 2)  # (the constructor refuses more)
    layer = kind(kernel, stride=stride, padding=padding)
    x = np.random.default_rng(seed).standard_normal((n, c, *size)).astype(np.float32)
    if size[0] + 2 * padding < kh or size[1] + 2 * padding < kw:
        for call in (layer, layer, lambda x: _reference(layer, x)):  # all refuse
            with pytest.raises(ShapeError, match="is larger than the padded input"):
                call(Tensor(x))
        return
    _check(layer, x, grad_mode)


def test_every_part_of_the_signature_is_checked_again_when_it_changes():
    rng = np.random.default_rng(0)
    conv = nn.Conv2d(2, 3, 3, padding=1)
    x = rng.standard_normal((2, 2, 6, 6)).astype(np.float32)
    _check(conv, x)
    _check(conv, x[:1])  # batch
    _check(conv, x[:, :, :5])  # height
    conv.double()  # PyTorch's one dtype: a float64 input needs a float64 layer
    _check(conv, x.astype(np.float64))  # input dtype (float64 output)
    conv.float()
    conv.stride = 2
    _check(conv, x)
    conv.padding = (0, 1)
    _check(conv, x)
    conv.weight = nn.Parameter(rng.standard_normal((4, 2, 1, 1)).astype(np.float32))
    conv.bias = nn.Parameter(np.zeros(4, np.float32))  # shape changes with the filters
    _check(conv, x)
    conv.bias = None
    _check(conv, x)
    conv.weight = nn.Parameter(conv.weight.data.astype(np.float64))
    _check(conv, x.astype(np.float64))  # weight dtype (the input's follows: one dtype)
    pool = nn.MaxPool2d(2)
    _check(pool, x)
    pool.kernel_size = 3
    _check(pool, x)  # stride stays 2, the kernel is 3 now
    pool.padding = 1
    _check(pool, x)


def test_bad_arguments_after_a_kept_call_raise_the_public_errors():
    conv = nn.Conv2d(2, 3, 3)
    x = Tensor(np.ones((1, 2, 5, 5), np.float32))
    conv(x)
    with pytest.raises(ShapeError, match="conv2d: input .* has 3 channels"):
        conv(Tensor(np.ones((1, 3, 5, 5), np.float32)))
    with pytest.raises(ShapeError, match="conv2d: kernel .* is larger than the padded input"):
        conv(Tensor(np.ones((1, 2, 2, 2), np.float32)))
    conv.bias = nn.Parameter(np.zeros(4, np.float32))
    with pytest.raises(ShapeError, match="conv2d: expected bias of shape"):
        conv(x)
    conv.bias = None
    conv.stride = 0
    with pytest.raises(ValueError, match="conv2d: stride must be a positive int"):
        conv(x)
    pool = nn.MaxPool2d(2)
    pool(x)
    with pytest.raises(ShapeError, match="max_pool2d: expected input"):
        pool(Tensor(np.ones((5, 5), np.float32)))
    pool.padding = 2
    with pytest.raises(ValueError, match="max_pool2d: padding"):
        pool(x)


def test_a_geometry_that_can_change_in_place_is_not_kept():
    conv = nn.Conv2d(1, 1, 3)
    x = Tensor(np.arange(49, dtype=np.float32).reshape(1, 1, 7, 7))
    conv.stride = [1, 1]  # a list: F.conv2d accepts it, but it could change after the check
    _check(conv, x.data, kept=False)
    assert _checked._KEY not in conv.__dict__
    conv.stride[0] = 2  # changed in place: the next call must see it
    _same(conv(x), F.conv2d(x, conv.weight, conv.bias, (2, 1)))
    assert conv(x).shape == (1, 1, 3, 5)


def test_inputs_that_are_not_tensors_take_the_public_function():
    pool = nn.MaxPool2d(2)
    x = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
    _same(pool(x), F.max_pool2d(Tensor(x), 2))
    assert _checked._KEY not in pool.__dict__


def test_the_signature_compares_entry_by_entry():
    # numpy calls float64 equal to None: a missing bias must never match a float64 parameter.
    x = Tensor(np.ones((1, 1, 3, 3)))
    weight = Tensor(np.ones((1, 1, 1, 1)))
    without = _checked.signature(x, (weight, None), (1, 0))
    with_bias = _checked.signature(x, (weight, Tensor(np.ones(1))), (1, 0))
    assert without != with_bias and len(without) == len(with_bias)
    assert _checked.signature(x, (weight, np.ones(1)), (1, 0)) is None  # not a Tensor


def test_a_call_like_the_last_one_skips_the_public_function(monkeypatch):
    import nn.layers.conv
    import nn.layers.pooling

    conv, pool = nn.Conv2d(1, 2, 3, padding=1), nn.MaxPool2d(2)
    x = Tensor(np.ones((1, 1, 4, 4), np.float32))
    expected = [conv(x), pool(x)]

    def refuse(*args, **kwargs):
        raise AssertionError("the public function ran")

    monkeypatch.setattr(nn.layers.conv.F, "conv2d", refuse)
    monkeypatch.setattr(nn.layers.pooling.MaxPool2d, "_function", staticmethod(refuse))
    _same(conv(x), expected[0])
    _same(pool(x), expected[1])
    with pytest.raises(AssertionError, match="the public function ran"):
        conv(Tensor(np.ones((2, 1, 4, 4), np.float32)))  # a new signature: checked
