"""The op table (autodiff/registry.py): every public name comes from it, spelled consistently.

These tests read the registry itself, so a new op is covered by them without a new line here:
its method, function and numpy forms agree, its axis arguments take both spellings, and it
appears in `autodiff`, `autodiff.ops` and their `__all__`.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import numpy as np
import pytest

import autodiff as ad
from autodiff import Tensor, ops
from autodiff.numpy_protocol import FUNCTION_OPS, UFUNC_OPS
from autodiff.registry import FUNCTIONS, METHODS, register

ROOT = Path(__file__).resolve().parents[2]


def test_every_registered_function_is_exported_by_autodiff_and_ops():
    for name, function in FUNCTIONS.items():
        assert getattr(ad, name) is function
        assert getattr(ops, name) is function
        assert name in ad.__all__ and name in ops.__all__
    for module in (ad, ops):
        assert "np" not in module.__all__
        assert len(set(module.__all__)) == len(module.__all__)
        for name in module.__all__:
            assert hasattr(module, name), f"{module.__name__}.__all__ names a missing {name}"


def test_every_op_class_is_exported_by_ops():
    for name in ("Exp", "Add", "Sum", "MatMul", "Reshape", "GetItem", "Concatenate", "Softmax"):
        assert issubclass(getattr(ops, name), ad.Function)
        assert name in ops.__all__
    assert not any(name.startswith("_") for name in ops.__all__)


def test_registered_methods_are_the_tensor_methods():
    for name, method in METHODS.items():
        assert Tensor.__dict__[name] is method
        assert inspect.isfunction(method)  # a plain function: no wrapper between call and op


# -------------------------------------------------------------------- method, function, numpy
UNARY_UFUNCS = sorted(
    (ufunc.__name__, ufunc) for ufunc in UFUNC_OPS if ufunc.nin == 1 and ufunc is not np.positive
)


@pytest.mark.parametrize(("name", "ufunc"), UNARY_UFUNCS)
def test_unary_ufunc_records_the_same_op_as_its_method_and_function(name, ufunc):
    x = Tensor(np.linspace(0.2, 2.0, 6).reshape(2, 3), requires_grad=True)
    via_numpy = ufunc(x)
    assert isinstance(via_numpy, Tensor) and via_numpy.grad_fn is not None
    public = UFUNC_OPS[ufunc]
    names = [n for n, f in FUNCTIONS.items() if f is public]
    methods = [n for n, f in METHODS.items() if f is public]
    for out in [public(x), *(FUNCTIONS[n](x) for n in names), *(getattr(x, n)() for n in methods)]:
        assert type(out.grad_fn) is type(via_numpy.grad_fn)
        np.testing.assert_array_equal(out.data, via_numpy.data)


@pytest.mark.parametrize("ufunc", [np.add, np.subtract, np.multiply, np.true_divide, np.power])
def test_binary_ufuncs_record_with_the_tensor_on_either_side(ufunc):
    a = np.array([1.5, 2.0, 3.0])
    x = Tensor(np.array([0.5, 1.0, 2.0]), requires_grad=True)
    for out, expected in ((ufunc(x, a), ufunc(x.data, a)), (ufunc(a, x), ufunc(a, x.data))):
        assert isinstance(out, Tensor) and out.grad_fn is not None
        np.testing.assert_array_equal(out.data, expected)


def test_numpy_functions_dispatch_to_their_ops():
    x = Tensor(np.arange(6.0).reshape(2, 3) + 1, requires_grad=True)
    for func in FUNCTION_OPS:
        if func in (np.concatenate, np.stack):
            out = func([x, x])
        elif func is np.where:
            out = func(x.data > 2, x, 0.0)
        elif func is np.broadcast_to:
            out = func(x, (4, 2, 3))
        elif func is np.reshape:
            out = func(x, (3, 2))
        elif func is np.swapaxes:
            out = func(x, 0, 1)
        elif func is np.pad:
            out = func(x, 1)
        elif func is np.einsum:
            out = func("ij->j", x)
        elif func is np.dot:
            out = func(x, x.T)
        else:
            out = func(x)
        assert isinstance(out, Tensor) and out.grad_fn is not None, func.__name__
        np.testing.assert_allclose(out.data, func(*_plain_args(func, x.data)), rtol=1e-12)


def _plain_args(func, a):
    return {
        np.concatenate: ([a, a],),
        np.stack: ([a, a],),
        np.where: (a > 2, a, 0.0),
        np.broadcast_to: (a, (4, 2, 3)),
        np.reshape: (a, (3, 2)),
        np.swapaxes: (a, 0, 1),
        np.pad: (a, 1),
        np.einsum: ("ij->j", a),
        np.dot: (a, a.T),
    }.get(func, (a,))


def test_np_pad_refuses_the_modes_it_does_not_implement():
    with pytest.raises(NotImplementedError, match="mode='symmetric'"):
        np.pad(Tensor(np.ones(3), requires_grad=True), 1, mode="symmetric")


# ------------------------------------------------------------------- axis / dim spellings
def _with_axis():
    """Every registered callable that takes an axis, with its name."""
    seen = {}
    for name, f in [*FUNCTIONS.items(), *METHODS.items()]:
        if "axis" in inspect.signature(f).parameters and id(f) not in seen:
            seen[id(f)] = (name, f)
    return sorted(seen.values(), key=lambda item: item[0])


# positional arguments a callable needs besides the tensor
EXTRA_ARGS = {"split": (1,), "topk": (1,)}


@pytest.mark.parametrize(("name", "f"), _with_axis(), ids=[n for n, _ in _with_axis()])
def test_pytorch_dim_and_keepdim_mean_numpy_axis_and_keepdims(name, f):
    # axis 1 has one element for squeeze, two for var (with PyTorch's default correction)
    size = 1 if name == "squeeze" else 2
    x = Tensor(np.random.default_rng(0).uniform(0.5, 2.0, (2, size, 3)), requires_grad=True)
    first = [x, x] if next(iter(inspect.signature(f).parameters)) == "tensors" else x
    args = (first, *EXTRA_ARGS.get(name, ()))
    keep = "keepdims" in inspect.signature(f).parameters
    numpy_style = f(*args, axis=1, **({"keepdims": True} if keep else {}))
    torch_style = f(*args, dim=1, **({"keepdim": True} if keep else {}))
    for a, b in zip(_flat(numpy_style), _flat(torch_style), strict=True):
        assert a.shape == b.shape
        np.testing.assert_array_equal(a.data, b.data)


def _flat(out):
    return out if isinstance(out, tuple) else (out,)


def test_functional_and_method_reductions_take_the_same_arguments():
    x = Tensor(np.arange(24.0).reshape(2, 3, 4))
    np.testing.assert_array_equal(ad.sum(x, dim=1).data, x.sum(dim=1).data)
    np.testing.assert_array_equal(ad.sum(x, 1, True).data, x.sum(axis=1, keepdims=True).data)
    np.testing.assert_array_equal(ad.var(x, dim=2, correction=1).data, np.var(x.data, 2, ddof=1))
    np.testing.assert_array_equal(ad.softmax(x, dim=0).data, x.softmax(axis=0).data)


# ----------------------------------------------------------------------- registering
def test_register_refuses_axis_without_dim():
    def bad(x, axis=None):
        return x

    with pytest.raises(TypeError, match="takes 'axis' but not PyTorch's 'dim'"):
        register("bad_reduction")(bad)
    assert "bad_reduction" not in FUNCTIONS and not hasattr(Tensor, "bad_reduction")


def test_register_refuses_a_name_twice_and_changes_nothing():
    def other_exp(x):
        return x

    with pytest.raises(ValueError, match=r"Tensor\.exp already exists"):
        register("exp")(other_exp)
    with pytest.raises(ValueError, match=r"Tensor\.shape already exists"):
        register("shape")(other_exp)  # not even an attribute of Tensor's own
    with pytest.raises(ValueError, match="numpy's exp is registered twice"):
        register(methods=(), functions=("other_exp",), numpy=np.exp)(other_exp)
    assert "other_exp" not in FUNCTIONS
    assert FUNCTIONS["exp"] is METHODS["exp"] is Tensor.exp


def test_the_worked_example_in_the_docs_is_the_code():
    """docs/autodiff.md shows the whole change that added expm1: it must stay the real code."""
    doc = (ROOT / "docs" / "autodiff.md").read_text()
    section = doc[doc.index("## Adding an op to the library") :]
    op_class, test_row = re.findall(r"```python\n(.*?)```", section, re.S)[:2]
    assert op_class in (ROOT / "autodiff" / "ops" / "elementwise.py").read_text()
    assert test_row.strip() in (ROOT / "tests" / "autodiff" / "test_ops_elementwise.py").read_text()
    x = Tensor(np.array([-1e-9, 0.5, 2.0]), requires_grad=True)
    for y in (x.expm1(), ad.expm1(x), np.expm1(x), ops.expm1(x)):
        assert isinstance(y.grad_fn, ops.Expm1)
        np.testing.assert_array_equal(y.data, np.expm1(x.data))


def test_two_op_classes_of_one_name_are_refused(monkeypatch):
    """A second `Sign` in another op file would silently stand in for the first in
    autodiff.ops and in the ONNX table (keyed by class name): the build of OP_CLASSES refuses."""
    import autodiff.ops as ops
    from autodiff.function import Function

    duplicate = type("Sign", (Function,), {"__module__": ops.more_math.__name__})
    monkeypatch.setattr(ops.more_math, "Sign", duplicate, raising=False)
    with pytest.raises(TypeError, match="Sign is defined in both autodiff.ops.elementwise"):
        ops._op_classes()
    monkeypatch.undo()
    assert ops._op_classes() == ops.OP_CLASSES
