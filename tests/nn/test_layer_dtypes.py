"""PyTorch's one-dtype rule for conv1d/conv2d, layer_norm, group_norm and batch_norm: a float32
input with a float64 weight, bias or running statistic (or the reverse) raises a DtypeError (a
RuntimeError, as PyTorch's) naming the op and both dtypes, instead of promoting."""

from __future__ import annotations

import numpy as np
import pytest

import autodiff as ad
import nn
import nn.functional as F
from autodiff import DtypeError

F32, F64 = np.float32, np.float64


def _t(shape, dtype):
    return ad.tensor(np.random.default_rng(0).standard_normal(shape).astype(dtype))


# name -> (call(input dtype, other dtype), which operand the other dtype is for)
CASES = {
    "conv2d weight": (lambda a, b: F.conv2d(_t((2, 3, 5, 5), a), _t((4, 3, 3, 3), b)), "weight"),
    "conv2d bias": (
        lambda a, b: F.conv2d(_t((2, 3, 5, 5), a), _t((4, 3, 3, 3), a), _t((4,), b)),
        "bias",
    ),
    "conv2d one image": (lambda a, b: F.conv2d(_t((3, 5, 5), a), _t((4, 3, 3, 3), b)), "weight"),
    "conv_transpose2d weight": (
        lambda a, b: F.conv_transpose2d(_t((2, 3, 5, 5), a), _t((3, 4, 3, 3), b)),
        "weight",
    ),
    "conv_transpose2d bias": (
        lambda a, b: F.conv_transpose2d(_t((2, 3, 5, 5), a), _t((3, 4, 3, 3), a), _t((4,), b)),
        "bias",
    ),
    "conv1d weight": (lambda a, b: F.conv1d(_t((2, 3, 7), a), _t((4, 3, 3), b)), "weight"),
    "conv1d bias": (
        lambda a, b: F.conv1d(_t((2, 3, 7), a), _t((4, 3, 3), a), _t((4,), b)),
        "bias",
    ),
    "layer_norm weight": (lambda a, b: F.layer_norm(_t((2, 5), a), (5,), _t((5,), b)), "weight"),
    "layer_norm bias": (
        lambda a, b: F.layer_norm(_t((2, 5), a), (5,), None, _t((5,), b)),
        "bias",
    ),
    "group_norm weight": (lambda a, b: F.group_norm(_t((2, 4, 3), a), 2, _t((4,), b)), "weight"),
    "group_norm bias": (
        lambda a, b: F.group_norm(_t((2, 4, 3), a), 2, _t((4,), a), _t((4,), b)),
        "bias",
    ),
    "batch_norm weight": (
        lambda a, b: F.batch_norm(_t((4, 3), a), None, None, _t((3,), b), None, True),
        "weight",
    ),
    "batch_norm bias": (
        lambda a, b: F.batch_norm(_t((4, 3), a), None, None, None, _t((3,), b), True),
        "bias",
    ),
    "batch_norm running_mean": (
        lambda a, b: F.batch_norm(_t((4, 3), a), ad.zeros(3, dtype=b), ad.ones(3, dtype=a)),
        "running_mean",
    ),
    "batch_norm running_var (array)": (
        lambda a, b: F.batch_norm(_t((4, 3), a), np.zeros(3, a), np.ones(3, b), training=True),
        "running_var",
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize(("a", "b"), [(F32, F64), (F64, F32)])
def test_two_dtypes_raise_naming_the_op_and_dtypes(name, a, b):
    call, operand = CASES[name]
    op = name.split()[0]
    with pytest.raises(DtypeError, match=rf"{op}: expected input and {operand} to have the same"):
        call(a, b)
    with pytest.raises(RuntimeError, match=rf"{np.dtype(a)} and {np.dtype(b)}"):
        call(a, b)  # a RuntimeError too, as PyTorch's


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("dtype", [F32, F64])
def test_one_dtype_passes_and_keeps_it(name, dtype):
    assert CASES[name][0](dtype, dtype).dtype == dtype


def test_layers_refuse_a_float64_input_as_pytorch_and_take_it_cast():
    ad.manual_seed(0)
    x = _t((2, 3, 6, 6), F64)
    for layer in (nn.Conv2d(3, 4, 3), nn.BatchNorm2d(3), nn.GroupNorm(1, 3), nn.LayerNorm(6)):
        with pytest.raises(DtypeError):
            layer(x)
        assert layer(x.float()).dtype == F32  # PyTorch's user casts the input
        assert layer.double()(x).dtype == F64  # or the layer


def test_torch_refuses_the_same_calls():
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    x, w = torch.ones(2, 3, 5, 5), torch.ones(4, 3, 3, 3, dtype=torch.float64)
    for call in (
        lambda: tf.conv2d(x, w),
        lambda: tf.conv2d(x.double(), w.float()),
        lambda: tf.conv1d(x[:, :, 0], w[:, :, 0]),
        lambda: tf.layer_norm(x, (5,), torch.ones(5, dtype=torch.float64)),
        lambda: tf.group_norm(x, 3, torch.ones(3, dtype=torch.float64)),
        lambda: tf.batch_norm(x, torch.zeros(3).double(), torch.ones(3).double()),
    ):
        with pytest.raises(RuntimeError):
            call()
