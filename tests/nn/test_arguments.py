"""Constructors check their arguments at the line that makes the layer: a TypeError (wrong kind)
or ValueError (out of range) naming the class and the argument — never a ZeroDivisionError,
numpy's "negative dimensions", "'float' object is not iterable", or a 43 TiB MemoryError at the
first forward. What PyTorch accepts (empty layers, Dropout(1.0)) is accepted here too."""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import numpy as np
import pytest

import autodiff
import nn
import nn.functional as F

REFUSED = [
    # (what, make, exception, message fragment)
    ("kernel 0", lambda: nn.Conv2d(3, 4, 0), ValueError, "Conv2d: kernel_size must be >= 1"),
    ("negative in", lambda: nn.Conv2d(-1, 4, 3), ValueError, "in_channels must be non-negative"),
    ("negative out", lambda: nn.Conv2d(3, -4, 3), ValueError, "out_channels must be non-neg"),
    ("float stride", lambda: nn.Conv2d(3, 4, 3, stride=1.5), TypeError, "stride must be an int"),
    ("stride 0", lambda: nn.Conv2d(3, 4, 3, stride=0), ValueError, "stride must be >= 1"),
    ("kernel (3,)", lambda: nn.Conv2d(3, 4, (3,)), TypeError, "kernel_size must be an int or a"),
    ("kernel 3-d", lambda: nn.Conv2d(3, 4, (3, 3, 3)), TypeError, "kernel_size must be an int"),
    ("float kernel", lambda: nn.Conv2d(3, 4, 3.0), TypeError, "kernel_size must be an int"),
    ("float in", lambda: nn.Conv2d(3.0, 4, 3), TypeError, "in_channels must be an int"),
    ("neg padding", lambda: nn.Conv2d(3, 4, 3, padding=-1), ValueError, "padding must be non-neg"),
    ("str padding", lambda: nn.Conv2d(3, 4, 3, padding="full"), ValueError, "'same', 'valid'"),
    ("same strided", lambda: nn.Conv2d(3, 4, 3, 2, "same"), ValueError, "strided convolutions"),
    ("same even", lambda: nn.Conv2d(3, 4, 2, padding="same"), NotImplementedError, "even kernel"),
    ("list padding", lambda: nn.Conv2d(3, 4, 3, padding=[1]), TypeError, "padding must be an"),
    ("Linear float", lambda: nn.Linear(5, 2.5), TypeError, "Linear: out_features must be an int"),
    ("Linear neg", lambda: nn.Linear(-1, 2), ValueError, "Linear: in_features must be non-neg"),
    ("Linear neg out", lambda: nn.Linear(5, -2), ValueError, "out_features must be non-negative"),
    ("dropout -0.1", lambda: nn.Dropout(-0.1), ValueError, r"Dropout: invalid p -0.1.*\[0, 1\]"),
    ("dropout 1.1", lambda: nn.Dropout(1.1), ValueError, "Dropout: invalid p 1.1"),
    ("dropout nan", lambda: nn.Dropout(float("nan")), ValueError, "Dropout: invalid p nan"),
    ("dropout str", lambda: nn.Dropout("0.5"), TypeError, "Dropout: p must be a real number"),
    ("F.dropout", lambda: F.dropout(autodiff.ones(3), 2.0), ValueError, "dropout: invalid p"),
    ("bn negative", lambda: nn.BatchNorm1d(-1), ValueError, "BatchNorm1d: num_features must"),
    ("bn float", lambda: nn.BatchNorm2d(2.5), TypeError, "BatchNorm2d: num_features must be"),
    ("pool 0", lambda: nn.MaxPool2d(0), ValueError, "MaxPool2d: kernel_size must be >= 1"),
    ("pool stride", lambda: nn.MaxPool2d(2, stride=0), ValueError, "MaxPool2d: stride must"),
    ("pool padding", lambda: nn.AvgPool2d(2, padding=2), ValueError, "AvgPool2d: padding should"),
    ("leaky str", lambda: nn.LeakyReLU("a"), TypeError, "LeakyReLU: negative_slope must be"),
    ("softmax dim", lambda: nn.Softmax(dim=1.0), TypeError, "Softmax: dim must be an int"),
]


@pytest.mark.parametrize(
    ("make", "error", "message"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED]
)
def test_bad_constructor_arguments_raise_naming_the_argument(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_what_pytorch_accepts_is_accepted():
    with pytest.warns(UserWarning, match="zero-element"):  # PyTorch's warning, as there
        empty = nn.Linear(0, 2)
    assert empty(autodiff.zeros(3, 0)).shape == (3, 2)
    with pytest.warns(UserWarning, match="zero-element"):
        no_inputs = nn.Conv2d(0, 4, 3)
    assert no_inputs(autodiff.zeros(2, 0, 5, 5)).shape == (2, 4, 3, 3)  # the bias alone
    with pytest.warns(UserWarning, match="zero-element"):
        no_filters = nn.Conv2d(3, 0, 3)
    with pytest.raises(autodiff.ShapeError, match="no filters"):  # PyTorch refuses it here too
        no_filters(autodiff.zeros(1, 3, 5, 5))
    dropped = nn.Dropout(1.0)  # PyTorch's range is [0, 1]: p = 1 zeroes everything
    assert np.all(dropped(autodiff.ones(4)).data == 0)
    assert nn.Conv2d(3, 4, (3, 1), stride=(2, 1), padding=(1, 0)).kernel_size == (3, 1)
    assert nn.Conv2d(np.int64(3), 4, 3).in_channels == 3
    assert nn.MaxPool2d(3, padding=1).padding == 1


def test_huge_padding_is_refused_before_allocating():
    """padding=10**6 on an 8x8 image asked numpy for 436 TiB (a MemoryError after trying)."""
    conv = nn.Conv2d(3, 4, 3, padding=10**6)
    with pytest.raises(ValueError, match=r"conv2d: padding \(1000000, 1000000\).*TiB.*memory"):
        conv(autodiff.zeros(1, 3, 8, 8))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert nn.Conv2d(3, 4, 3, padding=2)(autodiff.zeros(1, 3, 8, 8)).shape == (1, 4, 10, 10)


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.nn.Conv2d(-1, 4, 3),
        lambda m: m.nn.Linear(5, 2.5),
        lambda m: m.nn.Linear(5, -2),
        lambda m: m.nn.Dropout(1.1),
        lambda m: m.nn.BatchNorm1d(2.5),
    ],
    ids=["conv negative", "linear float", "linear negative", "dropout", "batchnorm float"],
)
def test_what_pytorch_refuses_at_construction_is_refused(make):
    torch = pytest.importorskip("torch", reason="compares with PyTorch")
    with pytest.raises((RuntimeError, TypeError, ValueError)):  # PyTorch's kinds vary
        make(torch)
    with pytest.raises((TypeError, ValueError)):
        make(SimpleNamespace(nn=nn))
