"""PyTorch's names on autodiff: dtypes, devices, factories' dtype inference, from_numpy,
whole-tensor comparisons. Compared with torch where it is installed."""

from __future__ import annotations

import numpy as np
import pytest

import autodiff as ad
from autodiff import Tensor


def _torch():
    return pytest.importorskip("torch", reason="torch is not installed: nothing to compare with")


DTYPES = [
    ("float16", np.float16),
    ("half", np.float16),
    ("float32", np.float32),
    ("float", np.float32),
    ("float64", np.float64),
    ("double", np.float64),
    ("int8", np.int8),
    ("uint8", np.uint8),
    ("int16", np.int16),
    ("short", np.int16),
    ("int32", np.int32),
    ("int", np.int32),
    ("int64", np.int64),
    ("long", np.int64),
    ("bool", np.bool_),
]


@pytest.mark.parametrize(("name", "expected"), DTYPES)
def test_dtype_names_are_usable_as_dtype(name, expected):
    dtype = getattr(ad, name)
    assert dtype == np.dtype(expected)
    assert ad.zeros(2, dtype=dtype).dtype == expected
    assert ad.tensor([1, 0], dtype=dtype).dtype == expected


@pytest.mark.parametrize(("name", "expected"), DTYPES)
def test_dtype_names_mean_what_they_mean_in_torch(name, expected):
    torch = _torch()
    assert torch.zeros(1, dtype=getattr(torch, name)).numpy().dtype == np.dtype(expected)


def test_builtins_are_not_shadowed_for_users():
    # `autodiff.float` is a dtype; Python's float is untouched everywhere else.
    assert ad.float == np.float32 and float("1.5") == 1.5 and int("3") == 3 and bool(1)


def test_tensor_infers_int64_and_bool_like_torch():
    assert ad.tensor([1, 2, 3]).dtype == np.int64
    assert ad.tensor(3).dtype == np.int64
    assert ad.tensor([[1, 2], [3, 4]]).dtype == np.int64
    assert ad.tensor([1, 2.5]).dtype == np.float32
    assert ad.tensor(2.5).dtype == np.float32
    assert ad.tensor([True, False]).dtype == np.bool_
    assert ad.tensor([]).dtype == np.float32
    assert ad.as_tensor([1, 2]).dtype == np.int64
    assert ad.full((2,), 3).dtype == np.int64 and ad.full((2,), 3.0).dtype == np.float32
    assert ad.full((2,), True).dtype == np.bool_
    # The constructor is torch.Tensor's: always the default float dtype.
    assert Tensor([1, 2]).dtype == np.float32
    with pytest.raises(TypeError, match="floating-point"):
        ad.tensor([1, 2], requires_grad=True)


def test_factories_match_torch_dtypes():
    torch = _torch()
    cases = [
        ("tensor", ([1, 2],)),
        ("tensor", (3,)),
        ("tensor", ([1.5, 2],)),
        ("tensor", ([True],)),
        ("tensor", ([],)),
        ("full", ((2,), 3)),
        ("full", ((2,), 3.0)),
        ("arange", (5,)),
        ("arange", (0.0, 1.0, 0.25)),
        ("zeros", (2, 3)),
    ]
    for name, args in cases:
        ours = getattr(ad, name)(*args).dtype
        theirs = getattr(torch, name)(*args).numpy().dtype
        assert ours == theirs, (name, args)


def test_tensor_of_tensors_and_from_numpy():
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    s = x.sum()
    assert ad.tensor([s, s]).tolist() == [3.0, 3.0]
    assert ad.tensor(s).tolist() == 3.0 and not ad.tensor(s).requires_grad
    assert ad.tensor([x[0], x[1]]).tolist() == [1.0, 2.0]
    assert ad.as_tensor((s,)).tolist() == [3.0]
    a = np.arange(3, dtype=np.int32)
    t = ad.from_numpy(a)
    assert t.data is a and t.dtype == np.int32
    with pytest.raises(TypeError, match="from_numpy: expected an np.ndarray"):
        ad.from_numpy([1, 2])


def test_cpu_device_works_and_others_raise_saying_why():
    cpu = ad.device("cpu")
    assert cpu == "cpu" and cpu == ad.device("cpu:0") and str(cpu) == "cpu"
    assert repr(cpu) == "device(type='cpu')" and cpu.type == "cpu"
    assert not ad.cuda.is_available() and ad.cuda.device_count() == 0
    ad.cuda.manual_seed(0)  # a no-op, as in PyTorch without a GPU
    device = ad.device("cuda" if ad.cuda.is_available() else "cpu")
    assert ad.zeros(2, device=device).shape == (2,)
    assert ad.tensor([1.0], device="cpu").tolist() == [1.0]
    for bad in ("cuda", "cuda:0", "mps"):
        with pytest.raises(RuntimeError, match="glassgrad runs on the CPU only"):
            ad.device(bad)
    with pytest.raises(RuntimeError, match="zeros: device 'cuda'.*CPU only"):
        ad.zeros(3, device="cuda")
    with pytest.raises(RuntimeError, match="randn: device 'cuda:1'"):
        ad.randn(3, device="cuda:1")
    with pytest.raises(RuntimeError, match="one CPU device"):
        ad.device("cpu:1")


def test_equal_allclose_isclose():
    a = ad.tensor([1.0, 2.0, 3.0])
    assert ad.equal(a, ad.tensor([1.0, 2.0, 3.0])) and not ad.equal(a, ad.tensor([1.0, 2.0]))
    assert not ad.equal(a, a + 1e-6)
    assert ad.allclose(a, a + 1e-6) and not ad.allclose(a, a + 1e-3)
    assert ad.isclose(a, ad.tensor([1.0, 2.5, 3.0])).tolist() == [True, False, True]
    assert ad.is_tensor(a) and not ad.is_tensor(np.ones(2))
    nan = ad.tensor([float("nan")])
    assert not ad.allclose(nan, nan) and ad.allclose(nan, nan, equal_nan=True)
    with pytest.raises(ad.ShapeError, match="isclose"):
        ad.isclose(a, ad.ones(2))
