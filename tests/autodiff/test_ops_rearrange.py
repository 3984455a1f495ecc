"""PyTorch's rearranging ops: flip, fliplr/flipud, roll, repeat, tile, movedim/moveaxis,
unflatten, broadcast_tensors, meshgrid, hstack/vstack/dstack/column_stack, atleast_Nd, and the
diagonal ops (diagonal, diag, diag_embed, trace, tril, triu), cumprod and diff.

Gradients against central differences on random shapes (hypothesis), values, dtypes, shapes
and gradients against torch where it is installed, views and copies as PyTorch's, cumprod's
gradient with zeros in the input, and the errors for bad dims and shapes.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from ops_support import SETTINGS

import autodiff as ad
from autodiff import Tensor, gradgradcheck
from autodiff.testing import assert_gradients_match, broadcastable_shapes, shapes, tensors


def dims_of(ndim, min_size=0):
    """A list of distinct dims of an ndim-d tensor, each non-negative or negative."""
    if ndim == 0:
        return st.just([])
    return st.lists(
        st.integers(0, ndim - 1), min_size=min_size, max_size=ndim, unique=True
    ).flatmap(lambda ds: st.tuples(*[st.sampled_from([d, d - ndim]) for d in ds]).map(list))


@st.composite
def flip_args(draw):
    shape = draw(shapes())
    return shape, draw(dims_of(len(shape)))


@st.composite
def roll_args(draw):
    shape = draw(shapes(min_dims=1))
    dims = draw(dims_of(len(shape), min_size=1))
    shifts = [draw(st.integers(-5, 5)) for _ in dims]
    return shape, (shifts, dims)


@st.composite
def repeat_args(draw):
    shape = draw(shapes(max_dims=2, max_side=3))
    lead = draw(st.integers(0, 2))
    return shape, [draw(st.integers(0, 3)) for _ in range(len(shape) + lead)]


@st.composite
def movedim_args(draw):
    shape = draw(shapes(min_dims=1))
    n = len(shape)
    count = draw(st.integers(1, n))
    source = draw(st.permutations(range(n)))[:count]
    destination = draw(st.permutations(range(n)))[:count]
    return shape, (source, destination)


@st.composite
def matrix_args(draw, batch=True):
    shape = draw(shapes(min_dims=2, max_dims=4 if batch else 2, max_side=4))
    return shape, draw(st.integers(-4, 4))


@st.composite
def diagonal_args(draw):
    shape = draw(shapes(min_dims=2, max_dims=4))
    n = len(shape)
    d1, d2 = draw(st.permutations(range(n)))[:2]
    return shape, (draw(st.integers(-3, 3)), draw(st.sampled_from([d1, d1 - n])), d2)


@st.composite
def cumprod_args(draw):
    shape = draw(shapes(min_dims=1))
    return shape, draw(st.integers(-len(shape), len(shape) - 1))


def np_repeat(a, sizes):
    return np.tile(a.reshape((1,) * (len(sizes) - a.ndim) + a.shape), sizes)


def np_diagonal(a, args):
    return np.diagonal(a, *args)


def np_tril(a, k):
    return np.tril(a, k)


def np_triu(a, k):
    return np.triu(a, k)


# id, (shape, args) strategy, the op, the numpy equivalent
OPS = [
    ("flip", flip_args(), lambda x, d: x.flip(d), lambda a, d: np.flip(a, d) if d else a),
    ("flip_fn", flip_args(), lambda x, d: ad.flip(x, d), lambda a, d: np.flip(a, d) if d else a),
    ("roll", roll_args(), lambda x, p: x.roll(*p), lambda a, p: np.roll(a, *p)),
    (
        "roll_flat",
        shapes(min_dims=1).map(lambda s: (s, 2)),
        lambda x, k: ad.roll(x, k),
        lambda a, k: np.roll(a, k),
    ),
    ("repeat", repeat_args(), lambda x, r: x.repeat(*r), np_repeat),
    ("tile", repeat_args(), lambda x, r: ad.tile(x, r[1:]), lambda a, r: np.tile(a, r[1:])),
    ("movedim", movedim_args(), lambda x, p: x.movedim(*p), lambda a, p: np.moveaxis(a, *p)),
    ("moveaxis", movedim_args(), lambda x, p: ad.moveaxis(x, *p), lambda a, p: np.moveaxis(a, *p)),
    ("tril", matrix_args(), lambda x, k: x.tril(k), np_tril),
    ("triu", matrix_args(), lambda x, k: ad.triu(x, k), np_triu),
    ("diagonal", diagonal_args(), lambda x, p: x.diagonal(*p), np_diagonal),
    (
        "diag_2d",
        matrix_args(batch=False),
        lambda x, k: ad.diag(x, k),
        lambda a, k: np.diag(a, k),
    ),
    (
        "diag_1d",
        shapes(min_dims=1, max_dims=1).map(lambda s: (s, 1)),
        lambda x, k: x.diag(k),
        lambda a, k: np.diag(a, k),
    ),
    (
        "trace",
        matrix_args(batch=False),
        lambda x, _: x.trace(),
        lambda a, _: np.asarray(np.trace(a)),
    ),
    (
        "cumprod",
        cumprod_args(),
        lambda x, d: x.cumprod(d),
        lambda a, d: np.cumprod(a, axis=d),
    ),
    (
        "diff",
        cumprod_args(),
        lambda x, d: ad.diff(x, dim=d),
        lambda a, d: np.diff(a, axis=d),
    ),
    (
        "unflatten",
        shapes(min_dims=1).map(lambda s: (s, None)),
        lambda x, _: x.unflatten(0, (1, -1)),
        lambda a, _: a.reshape((1,) + a.shape),
    ),
]


@pytest.mark.parametrize(("name", "args_strategy", "op", "ref"), OPS, ids=[o[0] for o in OPS])
@SETTINGS
@given(data=st.data())
def test_forward_and_gradient(data, name, args_strategy, op, ref):
    shape, args = data.draw(args_strategy)
    # (cumprod: no subnormal x, whose g * out underflows to 0 before dividing by x, in
    # PyTorch's formula too; zeros are tested below)
    away = (0.0,) if name == "cumprod" else ()
    x = data.draw(tensors(shape, low=-2, high=2, away_from=away))
    out = op(x, args)
    expected = ref(x.data, args)
    assert out.shape == expected.shape and out.dtype == expected.dtype
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)
    assert_gradients_match(lambda t: op(t, args), x)


@st.composite
def joinable(draw, min_dims=0, max_dims=3):
    """2 or 3 shapes that the stacks join: equal but for dim `d`, which the op joins along
    (hstack: 1, or 0 for 1-d; vstack: 0; dstack: 2; column_stack: 1)."""
    base = list(draw(shapes(min_dims=min_dims, max_dims=max_dims)))
    count = draw(st.integers(2, 3))
    return [tuple(base) for _ in range(count)]


# id, input shapes strategy, the op of a list of tensors, the numpy equivalent
MULTI = [
    ("hstack", joinable(), lambda ts: ad.hstack(ts), np.hstack),
    ("vstack", joinable(), lambda ts: ad.vstack(ts), np.vstack),
    ("dstack", joinable(), lambda ts: ad.dstack(ts), np.dstack),
    ("column_stack", joinable(max_dims=2), lambda ts: ad.column_stack(ts), np.column_stack),
    ("atleast_1d", joinable(), lambda ts: ad.atleast_1d(*ts), lambda a: np.atleast_1d(*a)),
    ("atleast_2d", joinable(), lambda ts: ad.atleast_2d(ts), lambda a: np.atleast_2d(*a)),
    (
        "broadcast_tensors",
        broadcastable_shapes(3),
        lambda ts: ad.broadcast_tensors(*ts),
        lambda a: np.broadcast_arrays(*a),
    ),
    (
        "meshgrid",
        st.lists(shapes(max_dims=1), min_size=1, max_size=3),
        lambda ts: ad.meshgrid(*ts, indexing="xy"),
        lambda a: np.meshgrid(*a, indexing="xy"),
    ),
    (
        "meshgrid_ij",
        st.lists(shapes(max_dims=1), min_size=1, max_size=3),
        lambda ts: ad.meshgrid(ts, indexing="ij"),
        lambda a: np.meshgrid(*a, indexing="ij"),
    ),
    (
        "fliplr",
        joinable(min_dims=2).map(lambda s: s[:1]),
        lambda ts: ad.fliplr(ts[0]),
        lambda a: np.fliplr(a[0]),
    ),
    (
        "flipud",
        joinable(min_dims=1).map(lambda s: s[:1]),
        lambda ts: ts[0].flipud(),
        lambda a: np.flipud(a[0]),
    ),
    (
        "diag_embed",
        joinable(min_dims=1).map(lambda s: s[:1]),
        lambda ts: ad.diag_embed(ts[0], -1, 0, -1),
        lambda a: np.moveaxis(
            np.apply_along_axis(lambda v: np.diag(v, -1), -1, a[0]).reshape(
                a[0].shape[:-1] + (a[0].shape[-1] + 1,) * 2
            ),
            (-2, -1),
            (0, -1),
        ),
    ),
]


@pytest.mark.parametrize(("name", "shapes_strategy", "op", "ref"), MULTI, ids=[m[0] for m in MULTI])
@SETTINGS
@given(data=st.data())
def test_several_inputs_forward_and_gradient(data, name, shapes_strategy, op, ref):
    inputs = [data.draw(tensors(s)) for s in data.draw(shapes_strategy)]
    out = op(inputs)
    expected = ref([t.data for t in inputs])
    outs = out if isinstance(out, tuple) else (out,)
    expected = expected if isinstance(expected, tuple | list) else (expected,)
    for o, e in zip(outs, expected, strict=True):
        assert o.shape == e.shape and o.dtype == e.dtype
        np.testing.assert_array_equal(o.data, e)
    weights = [np.random.default_rng(0).standard_normal(o.shape) for o in outs]
    assert_gradients_match(
        lambda *ts: sum(
            ((o * w).sum() for o, w in zip(_outs(op(list(ts))), weights, strict=True)), Tensor(0.0)
        ),
        *inputs,
    )


def _outs(out):
    return out if isinstance(out, tuple) else (out,)


@SETTINGS
@given(data=st.data(), shape=shapes(min_dims=1, max_dims=3, max_side=5))
def test_cumprod_gradient_with_zeros(data, shape):
    """Zeros anywhere (one or several along a line): the gradient is exact, as PyTorch's (the
    formula without zeros would divide by them)."""
    a = data.draw(tensors(shape, low=-2, high=2, away_from=(0.0,))).data
    zeros = data.draw(st.lists(st.integers(0, a.size - 1), min_size=1, max_size=3))
    a.reshape(-1)[zeros] = 0.0
    dim = data.draw(st.integers(0, len(shape) - 1))
    x = Tensor(a, requires_grad=True)
    assert_gradients_match(lambda t: t.cumprod(dim), x)


def test_cumprod_second_order_with_zeros():
    x = Tensor(np.array([[2.0, 0.0, 3.0, 0.0], [1.5, -2.0, 0.5, 4.0]]), requires_grad=True)
    assert gradgradcheck(lambda t: t.cumprod(1), x)
    assert gradgradcheck(lambda t: ad.diagonal(t, 1), x)


# ------------------------------------------------------------- views, copies and dtypes
def test_views_and_copies_follow_pytorch():
    x = Tensor(np.arange(12.0).reshape(3, 4))
    for view in (x.movedim(0, 1), x.unflatten(1, (2, 2)), x.diagonal(), ad.atleast_3d(x)):
        assert view._base is x
    for copy in (x.flip(0), x.roll(1, 0), x.roll(0, 0), x.repeat(1, 1), ad.tile(x, (1,))):
        assert copy._base is None and not np.shares_memory(copy.data, x.data)
    assert ad.diag(x)._base is None  # diag of a matrix copies, as PyTorch's


def test_diagonal_writes_reach_the_input():
    x = Tensor(np.zeros((3, 4)))
    d = x.diagonal(1)
    d.fill_(1.0)
    np.testing.assert_array_equal(x.data, np.eye(3, 4, k=1))
    assert x.version == d.version > 0
    x.diagonal(dim1=1, dim2=0)[...] = 2.0
    assert x.data[2, 2] == 2.0


def test_the_diagonal_of_a_read_only_tensor_refuses_writes():
    x = Tensor(np.zeros((2, 3))).expand(2, 2, 3)  # broadcast: read-only memory
    with pytest.raises(RuntimeError):
        x.diagonal(0, 1, 2).fill_(1.0)


def test_integer_and_bool_dtypes():
    labels = Tensor(np.array([[1, 2], [3, 4]]))
    assert labels.cumprod(1).dtype == np.int64 and labels.trace().item() == 5
    assert Tensor(np.array([True, False])).cumprod(0).dtype == np.int64
    assert labels.tril().dtype == labels.dtype and labels.flip(0).dtype == labels.dtype
    flags = Tensor(np.array([True, False, False]))
    np.testing.assert_array_equal(ad.diff(flags).data, [True, False])


def test_meshgrid_indexing_and_warning():
    a, b = ad.arange(3), ad.arange(2)
    with pytest.warns(UserWarning, match="indexing argument"):
        ij = ad.meshgrid(a, b)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        xy = ad.meshgrid([a, b], indexing="xy")
    assert ij[0].shape == (3, 2) and xy[0].shape == (2, 3)
    np.testing.assert_array_equal(xy[0].data, np.meshgrid(np.arange(3), np.arange(2))[0])


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda x: x.flip(0, 0), RuntimeError, "more than once"),
        (lambda x: x.flip(0, dims=1), TypeError, "once"),
        (lambda x: x.flip(2), IndexError, "out of range"),
        (lambda x: x.roll((1, 2), 0), RuntimeError, "same length"),
        (lambda x: x.repeat(2), RuntimeError, "can not be smaller"),
        (lambda x: x.movedim((0, 1), 0), RuntimeError, "same length"),
        (lambda x: x.unflatten(1, (2, 2)), RuntimeError, "multiply up"),
        (lambda x: x[0].tril(), RuntimeError, "at least 2 dimensions"),
        (lambda x: x.diagonal(0, 1, 1), RuntimeError, "same dim"),
        (lambda x: x[None].trace(), RuntimeError, "2-d"),
        (lambda x: ad.fliplr(x[0]), RuntimeError, ">= 2-d"),
        (lambda x: ad.broadcast_tensors(x, x[:, :2]), ValueError, r"\(2, 3\).*\(2, 2\)"),
        (lambda x: ad.meshgrid(x, indexing="ij"), RuntimeError, "0-d or 1-d"),
        (lambda x: x.cumprod(), TypeError, "missing the dim"),
    ],
)
def test_errors_name_the_op(call, error, match):
    with pytest.raises(error, match=match):
        call(Tensor(np.ones((2, 3)), requires_grad=True))


# ---------------------------------------------------------------------- against torch
def torch_cases():
    torch = pytest.importorskip("torch", reason="comparison with PyTorch")
    return torch


CASES = [
    # id, call (m is the module: autodiff or torch), input shapes
    ("flip", lambda m, x: m.flip(x, [0, 2]), [(2, 3, 4)]),
    ("flip_method", lambda m, x: x.flip(-1), [(2, 3)]),
    ("flip_keyword", lambda m, x: m.flip(x, dims=(0, 1)), [(2, 3)]),
    ("tile_keyword", lambda m, x: m.tile(x, dims=(2, 1, 1)), [(2, 3)]),
    ("tile_method", lambda m, x: x.tile(2, 2), [(2, 3)]),
    ("fliplr", lambda m, x: m.fliplr(x), [(2, 3)]),
    ("flipud", lambda m, x: m.flipud(x), [(3,)]),
    ("roll", lambda m, x: m.roll(x, (1, -2), (0, 1)), [(2, 3)]),
    ("roll_flat", lambda m, x: x.roll(4), [(2, 3)]),
    ("repeat", lambda m, x: x.repeat(2, 1, 3), [(2, 3)]),
    ("repeat_0d", lambda m, x: x.repeat(3), [()]),
    ("tile", lambda m, x: m.tile(x, (2,)), [(2, 3)]),
    ("tile_more", lambda m, x: x.tile((2, 1, 2)), [(2, 3)]),
    ("movedim", lambda m, x: m.movedim(x, (0, 1), (2, 0)), [(2, 3, 4)]),
    ("moveaxis", lambda m, x: x.moveaxis(-1, 0), [(2, 3, 4)]),
    ("unflatten", lambda m, x: x.unflatten(-1, (2, -1)), [(3, 4)]),
    ("broadcast_tensors", lambda m, x, y: m.broadcast_tensors(x, y), [(2, 1), (3,)]),
    ("meshgrid", lambda m, x, y: m.meshgrid(x, y, indexing="xy"), [(2,), (3,)]),
    ("meshgrid_ij", lambda m, x, y, z: m.meshgrid([x, y, z], indexing="ij"), [(2,), (), (3,)]),
    ("hstack", lambda m, x, y: m.hstack([x, y]), [(2, 3), (2, 1)]),
    ("hstack_1d", lambda m, x, y: m.hstack((x, y)), [(2,), ()]),
    ("vstack", lambda m, x, y: m.vstack([x, y]), [(3,), (2, 3)]),
    ("dstack", lambda m, x, y: m.dstack([x, y]), [(3,), (1, 3)]),
    ("column_stack", lambda m, x, y: m.column_stack([x, y]), [(3,), (3, 2)]),
    ("atleast_1d", lambda m, x: m.atleast_1d(x), [()]),
    ("atleast_2d", lambda m, x, y: m.atleast_2d(x, y), [(3,), ()]),
    ("atleast_3d", lambda m, x, y: m.atleast_3d([x, y]), [(3,), (2, 3)]),
    ("tril", lambda m, x: x.tril(-1), [(2, 3, 4)]),
    ("triu", lambda m, x: m.triu(x, 2), [(4, 3)]),
    ("diagonal", lambda m, x: x.diagonal(1, 2, 0), [(3, 2, 4)]),
    ("diagonal_fn", lambda m, x: m.diagonal(x, offset=-1), [(3, 4)]),
    ("diag_1d", lambda m, x: m.diag(x, -2), [(3,)]),
    ("diag_2d", lambda m, x: x.diag(1), [(3, 4)]),
    ("diag_embed", lambda m, x: m.diag_embed(x, 1, 0, 2), [(2, 3)]),
    ("trace", lambda m, x: x.trace(), [(3, 4)]),
    ("cumprod", lambda m, x: m.cumprod(x, dim=1), [(2, 4)]),
    ("cumprod_0d", lambda m, x: x.cumprod(0), [()]),
    ("diff", lambda m, x: m.diff(x, n=2, dim=0), [(4, 3)]),
    ("diff_append", lambda m, x, y: m.diff(x, append=y, prepend=y), [(2, 3), (2, 1)]),
]


def _run(module, call, arrays, torch_module):
    if module is torch_module:
        inputs = [torch_module.tensor(a, requires_grad=True) for a in arrays]
    else:
        inputs = [Tensor(a, requires_grad=True) for a in arrays]
    out = call(module, *inputs)
    outs = out if isinstance(out, tuple | list) else (out,)
    rng = np.random.default_rng(1)
    loss = sum((o * module.tensor(rng.standard_normal(tuple(o.shape)))).sum() for o in outs)
    grads = [g for g in (module.autograd.grad(loss, inputs, allow_unused=True))]
    values = [o.detach().numpy() for o in outs]
    return values, [None if g is None else g.detach().numpy() for g in grads]


@pytest.mark.parametrize(("name", "call", "shapes_"), CASES, ids=[c[0] for c in CASES])
def test_against_torch(name, call, shapes_):
    torch = torch_cases()
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in shapes_]
    if name.startswith("cumprod") and arrays[0].ndim:
        arrays[0][..., 1] = 0.0  # a zero in every line
    ours, our_grads = _run(ad, call, arrays, torch)
    theirs, their_grads = _run(torch, call, arrays, torch)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs, strict=True):
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    for a, b in zip(our_grads, their_grads, strict=True):
        if a is None or b is None:
            assert a is None and b is None or not np.any(a if a is not None else b)
            continue
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
