"""PyTorch's indexing and selection ops: gather, scatter (src and value), scatter_add,
index_select, take, masked_fill (and masked_fill_), masked_select, x.where, narrow, select,
unbind, chunk, repeat_interleave, and the integer-valued nonzero, count_nonzero, argsort.

Every differentiable op is drawn by hypothesis over random shapes, dims and indices (repeated
indices included), checked against central differences in float64 and, where torch is
installed, against torch's values, dtypes, shapes and gradients: each case is one function of
the library (`T`, autodiff or torch), so the same code runs on both. Then edge cases (0-d,
empty, size-1), PyTorch's errors, views sharing memory and version with their base, chunk's
sizes against torch, masked_fill_'s in-place rules, and accumulation at repeated indices.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from ops_support import SETTINGS

import autodiff as ad
from autodiff import InplaceModificationError, ShapeError, Tensor
from autodiff.testing import assert_gradients_match, broadcastable_shapes, shapes

try:
    import torch
except ImportError:  # the torch comparisons skip
    torch = None

need_torch = pytest.mark.skipif(torch is None, reason="compares with PyTorch (not installed)")


# --------------------------------------------------------------- argument strategies
# Each draws (float inputs, params): the inputs are the differentiable arguments, params the
# rest (dims, index arrays, numbers), used by a case's function of (T, *inputs, p).
def floats(shape, rng):
    return rng.uniform(-3, 3, size=shape)


@st.composite
def rngs(draw):
    return np.random.default_rng(draw(st.integers(0, 2**32 - 1)))


def _axis(draw, ndim):
    n = max(ndim, 1)
    return draw(st.integers(-n, n - 1))


@st.composite
def along_dim_args(draw, with_src=False, unique=False, larger_src=False):
    """gather's and scatter's arguments: an index of x's ndim, no larger than x apart from
    dim, and a src of the index's shape (or larger, `larger_src`: PyTorch's backward refuses
    that one); `unique`: no index repeats within a line along dim."""
    rng = draw(rngs())
    shape = draw(shapes(max_dims=3))
    axis = _axis(draw, len(shape))
    full = shape or (1,)
    a = axis % len(full)
    n = full[a]
    ishape = [draw(st.integers(0 if d != a else 1, m)) for d, m in enumerate(full)]
    if unique:
        ishape[a] = draw(st.integers(1, n))
        lines = np.argsort(rng.random(tuple(ishape[:a]) + (n,) + tuple(ishape[a + 1 :])), axis=a)
        idx = np.take(lines, np.arange(ishape[a]), axis=a)
    else:
        ishape[a] = draw(st.integers(1, 4))
        idx = rng.integers(0, n, size=ishape)
    if not shape and idx.size == 1 and draw(st.booleans()):
        idx = idx.reshape(())  # a 0-d index for a 0-d input
    inputs = [floats(shape, rng)]
    if with_src:
        src_shape = tuple(i + draw(st.integers(0, int(larger_src))) for i in idx.shape)
        inputs.append(floats(src_shape, rng))
    return inputs, {"dim": axis, "index": idx.astype(np.int64)}


@st.composite
def index_select_args(draw):
    rng = draw(rngs())
    shape = draw(shapes(min_dims=1, max_dims=3))
    axis = _axis(draw, len(shape))
    k = draw(st.integers(0, 5))
    idx = rng.integers(0, shape[axis], size=k)
    return [floats(shape, rng)], {"dim": axis, "index": idx}


@st.composite
def take_args(draw):
    rng = draw(rngs())
    shape = draw(shapes(max_dims=3))
    n = int(np.prod(shape))
    idx = rng.integers(-n, n, size=draw(shapes(max_dims=2)))
    return [floats(shape, rng)], {"index": idx}


@st.composite
def mask_args(draw, mask_fits_x=False, tensor_value=False):
    """x and a bool mask that broadcast together (to x's shape when `mask_fits_x`)."""
    rng = draw(rngs())
    x_shape = draw(shapes(max_dims=3))
    if mask_fits_x:
        cut = draw(st.integers(0, len(x_shape)))
        m_shape = tuple(1 if draw(st.booleans()) else n for n in x_shape[cut:])
    else:
        m_shape = tuple(
            draw(st.sampled_from([1, n])) for n in x_shape[draw(st.integers(0, len(x_shape))) :]
        )
        if draw(st.booleans()):
            x_shape = tuple(1 if draw(st.booleans()) else n for n in x_shape)
    inputs = [floats(x_shape, rng)]
    if tensor_value:
        inputs.append(floats((), rng))
    return inputs, {"mask": rng.random(m_shape) > 0.5, "value": 2.5}


@st.composite
def where_args(draw):
    rng = draw(rngs())
    x_shape, y_shape, cond_shape = draw(broadcastable_shapes(3))
    return [floats(x_shape, rng), floats(y_shape, rng)], {"cond": rng.random(cond_shape) > 0.5}


@st.composite
def narrow_args(draw):
    rng = draw(rngs())
    shape = draw(shapes(min_dims=1, max_dims=3))
    axis = _axis(draw, len(shape))
    n = shape[axis]
    start = draw(st.integers(-n, n))
    length = draw(st.integers(0, n - (start % n if start < 0 else start)))
    return [floats(shape, rng)], {"dim": axis, "start": start, "length": length}


@st.composite
def select_args(draw):
    rng = draw(rngs())
    shape = draw(shapes(min_dims=1, max_dims=3))
    axis = _axis(draw, len(shape))
    index = draw(st.integers(-shape[axis], shape[axis] - 1))
    return [floats(shape, rng)], {"dim": axis, "index": index}


@st.composite
def chunk_args(draw):
    rng = draw(rngs())
    shape = draw(shapes(min_dims=1, max_dims=3, max_side=7))
    return [floats(shape, rng)], {"dim": _axis(draw, len(shape)), "chunks": draw(st.integers(1, 8))}


@st.composite
def repeat_args(draw, tensor_repeats=False):
    rng = draw(rngs())
    shape = draw(shapes(max_dims=3))
    dim = None if not shape or draw(st.booleans()) else _axis(draw, len(shape))
    n = int(np.prod(shape)) if dim is None else shape[dim]
    if tensor_repeats:
        repeats = rng.integers(0, 3, size=draw(st.sampled_from([n, 1])))
    else:
        repeats = draw(st.integers(0, 3))
    return [floats(shape, rng)], {"dim": dim, "repeats": repeats}


def weighted_cat(T, parts):
    """The parts of unbind/chunk joined again, each scaled by its position (distinct
    gradients)."""
    return T.cat([p.reshape(-1) * (i + 1) for i, p in enumerate(parts)])


def _repeats(T, p):
    r = p["repeats"]
    return T.tensor(r) if isinstance(r, np.ndarray) else r


# id, the (inputs, params) strategy, the op as a function of the library T, inputs and params
CASES = [
    ("gather", along_dim_args(), lambda T, x, p: x.gather(p["dim"], T.tensor(p["index"]))),
    (
        "gather_fn",
        along_dim_args(),
        lambda T, x, p: T.gather(x, p["dim"], T.tensor(p["index"])),
    ),
    (
        "scatter",
        along_dim_args(with_src=True, unique=True),
        lambda T, x, s, p: x.scatter(p["dim"], T.tensor(p["index"]), s),
    ),
    (
        "scatter_fn",
        along_dim_args(with_src=True, unique=True),
        lambda T, x, s, p: T.scatter(x, p["dim"], T.tensor(p["index"]), s),
    ),
    (
        "scatter_value",
        along_dim_args(),
        lambda T, x, p: x.scatter(p["dim"], T.tensor(p["index"]), value=-1.5),
    ),
    (
        "scatter_add",
        along_dim_args(with_src=True),
        lambda T, x, s, p: x.scatter_add(p["dim"], T.tensor(p["index"]), s),
    ),
    (
        "scatter_add_fn",
        along_dim_args(with_src=True),
        lambda T, x, s, p: T.scatter_add(x, p["dim"], T.tensor(p["index"]), s),
    ),
    (
        "index_select",
        index_select_args(),
        lambda T, x, p: x.index_select(p["dim"], T.tensor(p["index"])),
    ),
    (
        "index_select_fn",
        index_select_args(),
        lambda T, x, p: T.index_select(x, p["dim"], T.tensor(p["index"])),
    ),
    ("take", take_args(), lambda T, x, p: x.take(T.tensor(p["index"]))),
    ("take_fn", take_args(), lambda T, x, p: T.take(x, T.tensor(p["index"]))),
    ("masked_fill", mask_args(), lambda T, x, p: x.masked_fill(T.tensor(p["mask"]), p["value"])),
    (
        "masked_fill_tensor_value",
        mask_args(tensor_value=True),
        lambda T, x, v, p: T.masked_fill(x, T.tensor(p["mask"]), v),
    ),
    ("masked_select", mask_args(), lambda T, x, p: x.masked_select(T.tensor(p["mask"]))),
    ("masked_select_fn", mask_args(), lambda T, x, p: T.masked_select(x, T.tensor(p["mask"]))),
    ("where_method", where_args(), lambda T, x, y, p: x.where(T.tensor(p["cond"]), y)),
    ("narrow", narrow_args(), lambda T, x, p: x.narrow(p["dim"], p["start"], p["length"])),
    (
        "narrow_fn",
        narrow_args(),
        lambda T, x, p: T.narrow(x, p["dim"], start=p["start"], length=p["length"]),
    ),
    ("select", select_args(), lambda T, x, p: x.select(p["dim"], p["index"])),
    ("select_fn", select_args(), lambda T, x, p: T.select(x, p["dim"], p["index"])),
    ("unbind", select_args(), lambda T, x, p: weighted_cat(T, x.unbind(p["dim"]))),
    ("unbind_fn", select_args(), lambda T, x, p: weighted_cat(T, T.unbind(x, p["dim"]))),
    (
        "chunk",
        chunk_args(),
        lambda T, x, p: weighted_cat(T, x.chunk(p["chunks"], p["dim"])),
    ),
    (
        "chunk_fn",
        chunk_args(),
        lambda T, x, p: weighted_cat(T, T.chunk(x, p["chunks"], dim=p["dim"])),
    ),
    (
        "repeat_interleave",
        repeat_args(),
        lambda T, x, p: x.repeat_interleave(_repeats(T, p), dim=p["dim"]),
    ),
    (
        "repeat_interleave_tensor",
        repeat_args(tensor_repeats=True),
        lambda T, x, p: T.repeat_interleave(x, _repeats(T, p), p["dim"]),
    ),
]
IDS = [c[0] for c in CASES]


@pytest.mark.parametrize(("name", "args", "op"), CASES, ids=IDS)
@SETTINGS
@given(data=st.data())
def test_gradients_match_central_differences(data, name, args, op):
    inputs, p = data.draw(args)
    tensors = [Tensor(a, requires_grad=True) for a in inputs]
    assert_gradients_match(lambda *ts: op(ad, *ts, p), *tensors)


@need_torch
@pytest.mark.parametrize(("name", "args", "op"), CASES, ids=IDS)
@SETTINGS
@given(data=st.data())
def test_values_dtypes_shapes_and_gradients_match_torch(data, name, args, op):
    inputs, p = data.draw(args)
    ours = [Tensor(a.copy(), requires_grad=True) for a in inputs]
    theirs = [torch.tensor(a, requires_grad=True) for a in inputs]
    out, tout = op(ad, *ours, p), op(torch, *theirs, p)
    assert out.shape == tuple(tout.shape) and out.dtype == tout.detach().numpy().dtype
    np.testing.assert_array_equal(out.data, tout.detach().numpy())
    weights = np.random.default_rng(1).uniform(-2, 2, out.shape)
    (out * Tensor(weights)).sum().backward()
    (tout * torch.tensor(weights)).sum().backward()
    for t, tt in zip(ours, theirs):
        expected = np.zeros(t.shape) if tt.grad is None else tt.grad.numpy()
        assert t.grad is not None or t.data.size == 0  # (an empty src that nothing reads)
        got = np.zeros(t.shape) if t.grad is None else t.grad.data
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


# ------------------------------------------------------------------- repeated indices
def test_repeated_indices_accumulate_their_gradients():
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    x.gather(1, ad.tensor([[0, 0, 0], [2, 2, 1]])).sum().backward()
    assert x.grad.tolist() == [[3.0, 0.0, 0.0], [0.0, 1.0, 2.0]]
    x.grad = None
    x.index_select(1, ad.tensor([0, 0, 2, 0])).sum().backward()
    assert x.grad.tolist() == [[3.0, 0.0, 1.0], [3.0, 0.0, 1.0]]
    x.grad = None
    x.take(ad.tensor([5, -1, 0])).sum().backward()
    assert x.grad.tolist() == [[1.0, 0.0, 0.0], [0.0, 0.0, 2.0]]
    x.grad = None
    x.repeat_interleave(3, dim=1).sum().backward()
    assert x.grad.tolist() == [[3.0] * 3] * 2


def test_scatter_add_at_repeated_indices_sums_in_order_and_both_inputs_get_gradients():
    x = Tensor(np.array([[1e16, 0.0, 1.0]]), requires_grad=True)
    src = Tensor(np.array([[1.0, 1.0, 5.0]]), requires_grad=True)
    out = x.scatter_add(1, ad.tensor([[0, 0, 2]]), src)
    # (1e16 + 1) + 1, as PyTorch adds in order: 1e16 (not 1e16 + 2)
    assert out.tolist() == [[1e16, 0.0, 6.0]]
    (out * Tensor(np.array([[2.0, 3.0, 4.0]]))).sum().backward()
    assert x.grad.tolist() == [[2.0, 3.0, 4.0]] and src.grad.tolist() == [[2.0, 2.0, 4.0]]


def test_scatter_at_a_repeated_index_writes_the_last_entry_with_pytorchs_gradients():
    x = Tensor(np.zeros((2, 3)), requires_grad=True)
    src = Tensor(np.arange(1.0, 7.0).reshape(2, 3), requires_grad=True)
    index = ad.tensor([[1, 1, 0], [1, 1, 1]])
    out = x.scatter(0, index, src)
    assert out.tolist() == [[0.0, 0.0, 3.0], [4.0, 5.0, 6.0]]
    out.sum().backward()
    # PyTorch's: every entry gets the gradient of the position it was written to, also the
    # overwritten ones (src[0][0] and src[0][1], whose values do not reach the output)
    assert src.grad.tolist() == [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]
    assert x.grad.tolist() == [[1.0, 1.0, 0.0], [0.0, 0.0, 0.0]]
    assert out.grad_fn.name() == "ScatterBackward"


@need_torch
@SETTINGS
@given(args=along_dim_args(with_src=True))
def test_scatter_with_repeats_writes_and_differentiates_as_torch(args):
    (x, src), p = args
    ours = Tensor(x, requires_grad=True), Tensor(src.copy(), requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True), torch.tensor(src, requires_grad=True)
    out = ours[0].scatter(p["dim"], ad.tensor(p["index"]), ours[1])
    tout = theirs[0].scatter(p["dim"], torch.tensor(p["index"]), theirs[1])
    np.testing.assert_array_equal(out.data, tout.detach().numpy())
    weights = np.random.default_rng(2).uniform(-2, 2, out.shape)
    (out * Tensor(weights)).sum().backward()
    (tout * torch.tensor(weights)).sum().backward()
    for t, tt in zip(ours, theirs):
        np.testing.assert_array_equal(t.grad.data, tt.grad.numpy())


@SETTINGS
@given(args=along_dim_args(with_src=True, unique=True, larger_src=True))
def test_a_src_larger_than_the_index_gets_zeros_outside_it(args):
    (x, src), p = args
    index = ad.tensor(p["index"])
    s = Tensor(src, requires_grad=True)
    for op in (ad.scatter, ad.scatter_add):
        assert_gradients_match(
            lambda t, u, op=op: op(t, p["dim"], index, u), Tensor(x, requires_grad=True), s
        )
    if torch is not None:  # the values are torch's (its backward refuses this src)
        for name in ("scatter", "scatter_add"):
            out = getattr(ad, name)(ad.tensor(x), p["dim"], index, ad.tensor(src))
            tout = getattr(torch, name)(
                torch.tensor(x), p["dim"], torch.tensor(p["index"]), torch.tensor(src)
            )
            if name == "scatter" or not np.array_equal(out.data, tout.numpy()):
                np.testing.assert_allclose(out.data, tout.numpy(), rtol=1e-15, atol=0)


def test_double_backward_through_gather_scatter_and_scatter_add():
    x = Tensor(np.array([[1.0, 2.0, 0.5], [3.0, 4.0, -1.0]]), requires_grad=True)
    index = ad.tensor([[1, 1], [0, 1]])
    ad.gradgradcheck(lambda t: (t.gather(1, index) ** 2).sum(), x)
    ad.gradgradcheck(lambda t: (t.scatter_add(0, index, t * t) ** 2).sum(), x)
    ad.gradgradcheck(lambda t: (t.scatter(1, ad.tensor([[2, 0], [1, 0]]), t * t) ** 3).sum(), x)
    big = Tensor(np.arange(12.0).reshape(3, 4) / 7, requires_grad=True)  # src larger than index
    ad.gradgradcheck(lambda t, u: (t.scatter(1, index, u * u) ** 3).sum(), x, big)


# ------------------------------------------------------------------------ edge cases
def test_zero_dim_inputs_read_as_one_element():
    s = Tensor(np.array(3.0), requires_grad=True)
    assert s.gather(0, ad.tensor([0, 0])).tolist() == [3.0, 3.0]
    assert s.gather(-1, ad.tensor(0)).shape == ()
    assert s.index_select(0, ad.tensor(0)).shape == ()
    assert s.take(ad.tensor([0])).tolist() == [3.0]
    assert s.masked_select(ad.tensor(True)).tolist() == [3.0]
    assert s.repeat_interleave(2).tolist() == [3.0, 3.0]
    assert s.scatter(0, ad.tensor(0), Tensor(np.array(5.0))).tolist() == 5.0
    assert s.scatter_add(0, ad.tensor([0]), Tensor(np.array([5.0]))).tolist() == 8.0
    assert s.nonzero().shape == (1, 0) and s.nonzero(as_tuple=True)[0].tolist() == [0]
    assert s.count_nonzero(0).tolist() == 1 and s.argsort().tolist() == 0
    assert_gradients_match(lambda t: t.gather(0, ad.tensor([0, 0])), s)
    assert_gradients_match(lambda t: t.scatter(0, ad.tensor(0), t * 2), s)
    ad.gradgradcheck(lambda t: (t.scatter(0, ad.tensor([0]), (t * t).reshape(1)) ** 2).sum(), s)


def test_empty_indices_and_inputs():
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    assert x.gather(1, ad.zeros(2, 0, dtype=ad.int64)).shape == (2, 0)
    assert x.index_select(0, ad.tensor([], dtype=ad.int64)).shape == (0, 3)
    assert x.scatter(1, ad.zeros(2, 0, dtype=ad.int64), x).tolist() == x.tolist()
    assert x.masked_select(ad.zeros(3, dtype=ad.bool)).shape == (0,)
    assert x.narrow(1, 3, 0).shape == (2, 0)
    assert [c.shape for c in ad.zeros(2, 0).chunk(3, dim=1)] == [(2, 0)] * 3
    assert ad.zeros(0, 2).unbind() == ()
    assert x.repeat_interleave(0, dim=1).shape == (2, 0)
    assert ad.zeros(2, 0).nonzero().shape == (0, 2)
    (x.gather(1, ad.zeros(2, 0, dtype=ad.int64)).sum() + x.narrow(0, 1, 0).sum()).backward()
    assert x.grad.tolist() == [[0.0] * 3] * 2


@need_torch
def test_chunk_sizes_are_torchs_on_many_sizes():
    for n in range(0, 14):
        for chunks in range(1, 16):
            ours = [c.shape for c in ad.zeros(n, 2).chunk(chunks)]
            theirs = [tuple(c.shape) for c in torch.zeros(n, 2).chunk(chunks)]
            assert ours == theirs, (n, chunks)


def test_chunk_sizes_ceil_and_may_be_fewer():
    assert [c.shape[0] for c in ad.zeros(6).chunk(4)] == [2, 2, 2]
    assert [c.shape[0] for c in ad.zeros(5).chunk(3)] == [2, 2, 1]
    assert [c.shape[0] for c in ad.zeros(2).chunk(4)] == [1, 1]


def test_integer_results_match_torch_on_ties_zeros_and_nan():
    a = np.array([[0.0, 2.0, np.nan, 2.0], [1.0, 0.0, 1.0, -0.0], [3.0, 3.0, 3.0, 0.0]])
    x = Tensor(a)
    assert x.nonzero().dtype == np.int64
    if torch is None:
        pytest.skip("compares with PyTorch (not installed)")
    t = torch.tensor(a)
    calls = [
        lambda T, v: v.nonzero(),
        lambda T, v: T.nonzero(v, as_tuple=True),
        lambda T, v: v.count_nonzero(),
        lambda T, v: v.count_nonzero(dim=(0, 1)),
        lambda T, v: T.count_nonzero(v, dim=-1),
        lambda T, v: v.argsort(),
        lambda T, v: v.argsort(0, True),
        lambda T, v: T.argsort(v, dim=1, descending=True, stable=True),
        lambda T, v: v.argsort(stable=True),
    ]
    for call in calls:
        ours, theirs = call(ad, x), call(torch, t)
        ours = ours if isinstance(ours, tuple) else (ours,)
        theirs = theirs if isinstance(theirs, tuple) else (theirs,)
        for o, th in zip(ours, theirs, strict=True):
            assert o.dtype == th.numpy().dtype and o.shape == tuple(th.shape)
            np.testing.assert_array_equal(o.data, th.numpy())


def test_scatter_value_forms():
    x = ad.zeros(2, 3)
    index = ad.tensor([[1], [0]])
    expected = [[0.0, 5.0, 0.0], [5.0, 0.0, 0.0]]
    assert x.scatter(1, index, 5.0).tolist() == expected
    assert x.scatter(1, index, value=5).tolist() == expected
    assert x.scatter(1, index, value=ad.tensor(5.0)).tolist() == expected
    ints = ad.zeros(2, 3, dtype=ad.int64).scatter(1, index, 2.7)
    assert ints.dtype == np.int64 and ints.tolist() == [[0, 2, 0], [2, 0, 0]]


def test_masked_fill_keeps_the_dtype_and_casts_the_value():
    ints = ad.tensor([1, 2, 3])
    out = ints.masked_fill(ad.tensor([True, False, True]), 7.9)
    assert out.dtype == np.int64 and out.tolist() == [7, 2, 7]
    f32 = ad.zeros(3)
    assert f32.masked_fill(ad.tensor([True, False, True]), ad.tensor(2)).dtype == np.float32
    x = Tensor(np.zeros(3), requires_grad=True)
    v = Tensor(np.array(1.0), requires_grad=True)
    x.masked_fill(ad.tensor([[True, False, True], [True, True, True]]), v).sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 0.0] and v.grad.tolist() == 5.0


# -------------------------------------------------------------------------- views
VIEWS = [
    ("narrow", lambda x: x.narrow(1, 1, 2)),
    ("select", lambda x: x.select(1, -1)),
    ("select_0d", lambda x: x.select(0, 1).select(0, 2)),
    ("unbind", lambda x: x.unbind(1)[1]),
    ("chunk", lambda x: x.chunk(2, dim=1)[0]),
]


@pytest.mark.parametrize("view", [v[1] for v in VIEWS], ids=[v[0] for v in VIEWS])
def test_views_share_memory_and_version_with_their_base(view):
    base = ad.tensor(np.arange(6.0).reshape(2, 3))
    v = view(base)
    assert v._base is base and np.shares_memory(v.data, base.data)
    before = base.version
    v.fill_(-1.0)  # an in-place change of the view is one of its base ...
    assert base.version > before and (base.data == -1.0).sum() == v.data.size
    base.add_(1.0)  # ... and the base's changes show in the view, which has its version
    assert (v.data == 0.0).all() and v.version == base.version


def test_a_saved_value_changed_through_a_view_raises_at_backward():
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    y = x * 2
    z = y * y  # saves y
    with ad.no_grad():
        y.narrow(1, 0, 1).mul_(3.0)
    with pytest.raises(InplaceModificationError):
        z.sum().backward()


def test_a_gather_index_changed_in_place_raises_at_backward():
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    index = ad.tensor([[0, 1], [2, 2]])
    out = x.gather(1, index)
    index.fill_(0)
    with pytest.raises(InplaceModificationError):
        out.sum().backward()


def test_the_copies_are_not_views():
    x = ad.tensor(np.arange(6.0).reshape(2, 3))
    for out in (
        x.gather(1, ad.tensor([[0], [1]])),
        x.index_select(0, ad.tensor([1])),
        x.masked_select(x > 2),
        x.take(ad.tensor([1])),
        x.masked_fill(x > 2, 0.0),
        x.scatter(1, ad.tensor([[0]]), x),
        x.repeat_interleave(1),
    ):
        assert out._base is not x and not np.shares_memory(out.data, x.data)


# ------------------------------------------------------------------------ in place
def test_masked_fill_in_place_follows_the_in_place_rules():
    x = ad.zeros(2, 3)
    before = x.version
    assert x.masked_fill_(ad.tensor([True, False, True]), 4) is x
    assert x.tolist() == [[4.0, 0.0, 4.0]] * 2 and x.version > before
    x.masked_fill_(ad.tensor([[False, True, False], [False, False, False]]), ad.tensor(9.0))
    assert x.tolist() == [[4.0, 9.0, 4.0], [4.0, 0.0, 4.0]]
    leaf = Tensor(np.zeros(3), requires_grad=True)
    with pytest.raises(RuntimeError, match="masked_fill_: a leaf Variable that requires grad"):
        leaf.masked_fill_(ad.tensor([True, False, True]), 1.0)
    with ad.no_grad():
        leaf.masked_fill_(ad.tensor([True, False, True]), 1.0)
    assert leaf.tolist() == [1.0, 0.0, 1.0]
    with pytest.raises(RuntimeError, match="masked_fill_.*grad"):
        (leaf * 1).masked_fill_(ad.tensor([True, False, True]), 1.0)
    with pytest.raises(ShapeError, match="masked_fill_: the mask's shape \\(2, 3\\)"):
        ad.zeros(3).masked_fill_(ad.ones(2, 3, dtype=ad.bool), 1.0)
    with pytest.raises(RuntimeError, match="bool mask"):
        ad.zeros(3).masked_fill_(ad.tensor([1, 0, 1]), 1.0)
    ints = ad.tensor([1, 2])
    ints.masked_fill_(ad.tensor([True, False]), 5.7)
    assert ints.tolist() == [5, 2]


# -------------------------------------------------------------------------- errors
x23 = ad.tensor(np.arange(6.0).reshape(2, 3))
ERRORS = [
    (lambda: x23.gather(1, ad.tensor([[-1]])), RuntimeError, "index -1 is out of bounds"),
    (lambda: x23.gather(1, ad.tensor([[3]])), RuntimeError, "index 3 is out of bounds for dim"),
    (lambda: x23.gather(1, ad.tensor([1])), RuntimeError, "same number of dimensions"),
    (lambda: x23.gather(1, ad.zeros(3, 1, dtype=ad.int64)), RuntimeError, "no larger than"),
    (lambda: x23.gather(1, ad.tensor([[1.0]])), RuntimeError, "int64/int32 for index"),
    (lambda: x23.gather(1, [[0]]), TypeError, "index must be a Tensor"),
    (lambda: x23.gather(2, ad.tensor([[0]])), IndexError, "Dimension out of range"),
    (
        lambda: x23.scatter(1, ad.tensor([[0]]), ad.ones(1, 1, dtype=ad.int64)),
        RuntimeError,
        "self.dtype to be equal to src.dtype",
    ),
    (
        lambda: x23.scatter(1, ad.tensor([[0, 1]]), x23[:1, :1]),
        RuntimeError,
        "larger size than src",
    ),
    (lambda: x23.scatter(1, ad.tensor([[0]]), x23, reduce="add"), NotImplementedError, "reduce="),
    (lambda: x23.scatter(1, ad.tensor([[0]])), TypeError, "missing src"),
    (lambda: x23.scatter_add(1, ad.tensor([[0]]), 5.0), TypeError, "'src' must be a Tensor"),
    (lambda: x23.index_select(1, ad.tensor([3])), RuntimeError, "index 3 is out of bounds"),
    (lambda: x23.index_select(1, ad.tensor([[1]])), IndexError, "supposed to be a vector"),
    (lambda: x23.take(ad.tensor([6])), IndexError, "tried to access index 6 on a tensor of 6"),
    (lambda: x23.take(ad.tensor([1], dtype=ad.int32)), RuntimeError, "int64 for index"),
    (lambda: x23.masked_fill(ad.tensor([1, 0, 1]), 0.0), RuntimeError, "bool mask"),
    (lambda: x23.masked_fill(x23 > 1, ad.tensor([2.0])), RuntimeError, "0-dimensional value"),
    (lambda: x23.masked_fill(ad.tensor([True, False]), 0.0), ShapeError, "does not broadcast"),
    (lambda: x23.masked_select(ad.tensor([1, 0, 1], dtype=ad.uint8)), RuntimeError, "bool mask"),
    (lambda: x23.narrow(1, 2, 2), RuntimeError, r"start \(2\) \+ length \(2\) exceeds"),
    (lambda: x23.narrow(1, 4, 0), IndexError, "start out of range"),
    (lambda: x23.narrow(1, 0, -1), RuntimeError, "length must be non-negative"),
    (lambda: ad.tensor(1.0).narrow(0, 0, 1), RuntimeError, "0-dim"),
    (lambda: x23.select(1, 3), IndexError, r"index 3 out of range for tensor of size \[2, 3\]"),
    (lambda: ad.tensor(1.0).select(0, 0), IndexError, "0-dim"),
    (lambda: ad.tensor(1.0).unbind(), IndexError, "no dimensions"),
    (lambda: x23.chunk(0), RuntimeError, "greater than 0, got: 0"),
    (lambda: ad.tensor(1.0).chunk(2), RuntimeError, "at least a 1-dimensional"),
    (lambda: x23.repeat_interleave(-1), RuntimeError, "non-negative"),
    (lambda: x23.repeat_interleave(ad.tensor([1, -1, 1]), dim=1), RuntimeError, "negative"),
    (lambda: x23.repeat_interleave(ad.tensor([1, 2]), dim=1), RuntimeError, "same size as input"),
    (lambda: x23.repeat_interleave(ad.tensor([1.0]), dim=1), TypeError, "integer Tensor"),
    (lambda: x23.repeat_interleave(2, 1, output_size=5), RuntimeError, "Invalid output_size"),
]


@pytest.mark.parametrize(("call", "error", "match"), ERRORS)
def test_errors_as_pytorch_raises_them(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_repeat_interleave_of_counts_alone_gives_repeated_indices():
    out = ad.repeat_interleave(ad.tensor([1, 0, 3]))
    assert out.dtype == np.int64 and out.tolist() == [0, 2, 2, 2]
