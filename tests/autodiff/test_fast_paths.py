"""Every fast path of the engine against its plain reference version, on random inputs.

- ReLU: `relu_fast` (blocks of zeros for large inputs) and `relu_reference` (np.maximum(x, 0))
- Mul: `square_grads` (x * x computes one product for both gradients) and the general formula
  (two products)
- backward: `_accumulate` keeping the engine's own gradient array (`_can_keep`) and copying it
- Function.apply: its inlined construction of the output and `Tensor._make`
- scope.enter_scope / leave_scope (nn.Module.__call__'s scope entry) and `with name_scope(...)`
- flatten's `_dim` and `normalize_axes`
- `normalize_axes` and `kept_shape` (one valid axis) and their references
- `Function.needs_input_grad` (spelled out for two and three arguments) and its comprehension
- backward: `_unbroadcast` (one sum, no reshape where none is needed) and its reference
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autodiff as ad
from autodiff import Tensor, engine, scope, thread_modes
from autodiff.ops import elementwise, shape
from autodiff.ops._axes import (
    kept_shape,
    kept_shape_reference,
    normalize_axes,
    normalize_axes_reference,
)

FAST = settings(max_examples=30, deadline=None)
SPECIAL = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-45, -1e-45]


def _bits(a: np.ndarray) -> np.ndarray:
    """The raw bits: equal bits mean the same value, NaN payload and sign of zero included."""
    return np.ascontiguousarray(a).view(np.uint8)


@FAST
@given(
    dtype=st.sampled_from([np.float32, np.float64]),
    size=st.integers(0, 3 * elementwise.RELU_ZEROS_ARRAY_FROM),
    seed=st.integers(0, 2**32 - 1),
    special=st.lists(st.sampled_from(SPECIAL), max_size=8),
)
def test_relu_fast_has_the_bits_of_the_reference(dtype, size, seed, special):
    x = np.random.default_rng(seed).standard_normal(size).astype(dtype)
    x[: len(special)] = special[:size]
    fast, reference = elementwise.relu_fast(x), elementwise.relu_reference(x)
    assert fast.dtype == reference.dtype == dtype and fast.shape == reference.shape
    np.testing.assert_array_equal(_bits(fast), _bits(reference))
    blocked = np.zeros(x.shape, dtype=bool)
    np.testing.assert_array_equal(
        _bits(elementwise.relu_fast(x, blocked=blocked)), _bits(reference)
    )
    np.testing.assert_array_equal(blocked, x <= 0)


@FAST
@given(
    shape=st.sampled_from([(5000,), (3, 2000), (7, 3, 300), (2, 3, 40, 50)]),
    block=st.sampled_from([1, 7, 4096, 10**6]),
    contiguous=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_relu_fast_in_blocks_has_the_bits_of_the_reference(shape, block, contiguous, seed):
    from unittest import mock

    x = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    x.flat[::97] = -0.0
    x.flat[1::101] = np.nan
    if not contiguous:
        x = x.T
    blocked = np.ones(x.shape, dtype=bool)  # every element must be written
    with mock.patch.object(elementwise, "RELU_ZERO_BLOCK", block):
        elementwise._zeros.cache_clear()
        fast = elementwise.relu_fast(x)
        fast_with_mask = elementwise.relu_fast(x, blocked=blocked)
    elementwise._zeros.cache_clear()
    reference = elementwise.relu_reference(x)
    assert fast.shape == reference.shape and fast.dtype == reference.dtype
    np.testing.assert_array_equal(_bits(fast), _bits(reference))
    np.testing.assert_array_equal(_bits(fast_with_mask), _bits(reference))
    np.testing.assert_array_equal(blocked, x <= 0)  # -0.0 passes no gradient, NaN does


@FAST
@given(
    x=hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=0, max_dims=3, max_side=4),
        elements=st.floats(-1e6, 1e6),
    ),
    seed=st.integers(0, 2**32 - 1),
)
def test_square_grads_is_the_general_formula_summed(x, seed):
    g = np.random.default_rng(seed).standard_normal(x.shape)
    square = Tensor(x, requires_grad=True)
    (square * square).backward(g)  # the fast path: both factors are one tensor
    same_values = Tensor(x.copy(), requires_grad=True)
    product = square_reference = Tensor(x, requires_grad=True)
    (product * same_values).backward(g)  # two tensors: the general formula, a gradient each
    assert square.grad_fn is None and square_reference.grad is not None
    np.testing.assert_array_equal(
        _bits(square.grad.data), _bits(product.grad.data + same_values.grad.data)
    )
    first, second = elementwise.square_grads(g, x)
    assert first is second
    np.testing.assert_array_equal(_bits(first), _bits(g * x))


class _MulGeneral(ad.Function):
    """Mul with the general formula only: two gradients even when both factors are one tensor."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return g * b, g * a


@settings(max_examples=25, deadline=None)
@given(
    shape=hnp.array_shapes(min_dims=0, max_dims=2, max_side=4),
    seed=st.integers(0, 2**32 - 1),
    order=st.booleans(),
)
def test_square_grads_with_other_consumers_adds_as_the_general_formula(shape, seed, order):
    # x also feeds x * w, so a gradient may be pending for x when the square's arrive: the
    # engine must add them in the general formula's order, bit for bit (random values: their
    # sums round differently in another order).
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal(shape), rng.standard_normal()

    def run(square):
        t = Tensor(x.copy(), requires_grad=True)
        y = t * w + square(t) if order else square(t) + t * w
        y.sum().backward()
        return t.grad.data

    np.testing.assert_array_equal(
        _bits(run(lambda t: t * t)), _bits(run(lambda t: _MulGeneral.apply(t, t)))
    )


def test_square_grads_second_order_matches_the_product():
    x = Tensor(np.array([0.5, -1.5, 2.0]), requires_grad=True)
    (g1,) = ad.gradients((x * x).sum(), x, create_graph=True)
    (h1,) = ad.gradients(g1.sum(), x)
    np.testing.assert_array_equal(g1.data, 2 * x.data)
    np.testing.assert_array_equal(h1.data, [2.0, 2.0, 2.0])


# --------------------------------------------------------------- keeping gradient arrays
# Small random graphs: leaves, ops that alias (views, several leaves fed by one array, retained
# gradients), then backward. With the fast path and with the plain copy, every gradient must be
# the same, and no two gradients (nor a gradient and a retained one) may share memory.
OPS = ["add", "mul", "sub", "reshape", "transpose", "getitem", "sum_keep", "expand", "retain"]


def _run(program: list[tuple[str, int, int]], leaves_data: list[np.ndarray], g_seed: int):
    leaves = [Tensor(a.copy(), requires_grad=True) for a in leaves_data]
    values = list(leaves)
    retained = []
    consumed = set()
    for op, i, j in program:
        a, b = values[i % len(values)], values[j % len(values)]
        consumed |= {id(a), id(b)} if op in ("add", "mul", "sub") else {id(a)}
        b = b if b.shape == a.shape else b.reshape(a.shape)
        if op == "add":
            out = a + b
        elif op == "mul":
            out = a * b
        elif op == "sub":
            out = a - b
        elif op == "reshape":
            out = a.reshape(-1).reshape(a.shape)
        elif op == "transpose":
            out = a.transpose()
        elif op == "getitem":
            out = a[...]
        elif op == "sum_keep":
            out = a.sum(axis=0, keepdims=True) + a
        elif op == "expand":
            out = a.expand(2, *a.shape).sum(axis=0)
        else:
            out = a * 1.0
            out.retain_grad()
            retained.append(out)
        values.append(out)
    # The loss: every value no op consumed, with weights of its own.
    rng = np.random.default_rng(g_seed)
    ends = [v for v in values if id(v) not in consumed]
    sum(((v * rng.standard_normal(v.shape)).sum() for v in ends), Tensor(0.0)).backward()
    return [t.grad.data for t in leaves if t.grad is not None], [t.grad.data for t in retained]


@FAST
@given(
    program=st.lists(
        st.tuples(st.sampled_from(OPS), st.integers(0, 9), st.integers(0, 9)), max_size=6
    ),
    n_leaves=st.integers(1, 3),
    seed=st.integers(0, 2**32 - 1),
)
def test_keeping_gradient_arrays_gives_the_copies_values_and_never_shares_memory(
    program, n_leaves, seed
):
    rng = np.random.default_rng(seed)
    data = [rng.standard_normal((2, 3)) for _ in range(n_leaves)]
    fast_leaves, fast_retained = _run(program, data, seed)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(engine, "_can_keep", lambda g, refs: False)  # the plain version: copy
        plain_leaves, plain_retained = _run(program, data, seed)
    for fast, plain in zip(fast_leaves + fast_retained, plain_leaves + plain_retained, strict=True):
        np.testing.assert_array_equal(_bits(fast), _bits(plain))
    grads = fast_leaves + fast_retained
    for k, a in enumerate(grads):
        for b in grads[k + 1 :]:
            assert not np.shares_memory(a, b)


def test_the_fast_path_keeps_private_arrays_and_copies_shared_ones(monkeypatch):
    decisions = []
    can_keep = engine._can_keep

    def spy(g, refs):
        decisions.append(can_keep(g, refs))
        return decisions[-1]

    monkeypatch.setattr(engine, "_can_keep", spy)
    x = Tensor(np.ones(3), requires_grad=True)
    (x * 2.0).sum().backward()  # Mul's backward makes a fresh array nothing else holds
    assert decisions == [True]
    decisions.clear()
    y, z = Tensor(np.ones(3), requires_grad=True), Tensor(np.ones(3), requires_grad=True)
    (y + z).backward(np.ones(3))  # Add sends one array to both leaves: the first copies it,
    assert decisions == [False, True]  # and then the last holder may keep it
    assert not np.shares_memory(y.grad.data, z.grad.data)


# ---------------------------------------------------------------- apply's inlined _make
@pytest.mark.parametrize("grad_mode", [True, False])
@pytest.mark.parametrize(
    "make",
    [
        lambda x: x.exp(),
        lambda x: x * x,
        lambda x: x.reshape(6),  # a view: shares its base's version
        lambda x: x[0],
        lambda x: x.reshape(6)[1:],  # a view of a view: the base is the first tensor
        lambda x: x[[0, 1]],  # integer index: a copy, no base
        lambda x: x.sum(),  # 0-d output
        lambda x: x > 0,  # bool output: never requires grad
        lambda x: x.astype(np.int64),  # integer output
    ],
)
def test_apply_makes_the_tensor_that_Tensor_make_makes(make, grad_mode):
    x = Tensor(np.arange(6.0).reshape(2, 3) - 2, requires_grad=True)
    with ad.set_grad_enabled(grad_mode):
        out = make(x)
    reference = Tensor._make(out.data, out.grad_fn, out._base)
    assert out.data is reference.data and out.grad_fn is reference.grad_fn
    assert out._grad is reference._grad is None
    assert out._requires_grad is reference._requires_grad
    assert out.__dict__ == reference.__dict__  # `_base` for views, nothing else
    assert type(out.data) is np.ndarray
    recorded = grad_mode and out.dtype.kind == "f"
    assert (out.grad_fn is not None) is recorded
    if out._base is not None:
        assert out._base._base is None  # a view points at the memory's owner, never at a view


def _scope_state() -> tuple:
    """What a scope entry changes: this thread's path and its membership of changed_threads."""
    import threading

    path = ad.current_scope()
    return path, threading.get_ident() in thread_modes.changed_threads


def _enter_with(name, fn):
    with ad.name_scope(name):
        return fn()


def _enter_fast(name, fn):
    prev = scope.enter_scope(name)
    try:
        return fn()
    finally:
        scope.leave_scope(prev)


@pytest.mark.parametrize("grad_mode", [True, False])
@pytest.mark.parametrize("outer", [(), ("model",)])
def test_enter_scope_does_what_name_scope_does(grad_mode, outer):
    seen = {}
    for enter in (_enter_with, _enter_fast):

        def inside(enter=enter):
            x = Tensor(np.ones(2), requires_grad=True)
            node = (x * 2).grad_fn
            seen[enter] = (_scope_state(), node and node.scope, ad.current_scope()[-1].call)
            return "result"

        with ad.set_grad_enabled(grad_mode):
            if outer:
                with ad.name_scope(outer[0]):
                    before = _scope_state()
                    assert enter("conv1", inside) == "result"
                    after = _scope_state()
            else:
                before = _scope_state()
                assert enter("conv1", inside) == "result"
                after = _scope_state()
        assert after == before
        assert _scope_state() == ((), False)
    (state, node_scope, call), (state_fast, node_scope_fast, call_fast) = seen.values()
    assert state == state_fast == ((*outer, "conv1"), True)
    assert node_scope == node_scope_fast == (((*outer, "conv1")) if grad_mode else None)
    assert call_fast > call  # every entry gets a new number, from the same counter
    assert type(ad.current_scope()) is tuple


def test_enter_scope_leaves_on_errors_and_refuses_what_name_scope_refuses():
    def fail():
        raise KeyError("inside")

    for enter in (_enter_with, _enter_fast):
        with pytest.raises(KeyError, match="inside"):
            enter("layer", fail)
        assert _scope_state() == ((), False)
        with ad.no_grad():
            with pytest.raises(KeyError, match="inside"):
                enter("layer", fail)
            assert _scope_state() == ((), True)  # no_grad alone keeps the thread changed
        assert _scope_state() == ((), False)
        for bad in ("", 3, None):
            with pytest.raises(ValueError, match="name_scope: the name must be"):
                enter(bad, lambda: None)
    # A str subclass is a name, as for name_scope.
    assert _enter_fast(scope.Scope("named", 0), ad.current_scope) == ("named",)
    assert _enter_with(scope.Scope("named", 0), ad.current_scope) == ("named",)


@pytest.mark.parametrize("ndim", [1, 2, 4])
def test_flatten_dim_is_normalize_axes(ndim):
    for dim in [*range(-ndim - 2, ndim + 2), True, np.int64(1), 1.0, "1"]:
        try:
            expected = normalize_axes((dim,), ndim)[0]
        except Exception as err:  # noqa: BLE001 (the fast version must raise the same)
            with pytest.raises(type(err)):
                shape._dim(dim, ndim)
        else:
            assert shape._dim(dim, ndim) == expected
            assert type(shape._dim(dim, ndim)) is type(expected)


@pytest.mark.parametrize("ndim", [0, 1, 2, 4])
def test_normalize_axes_and_kept_shape_are_their_references(ndim):
    shape_ = (2, 3, 4, 5)[:ndim]
    axes = [*range(-ndim - 2, ndim + 2), True, np.int64(1), None, (0,), (1, -1), (0, 0), "1"]
    for axis in axes:
        try:
            expected = normalize_axes_reference(axis, ndim)
        except Exception as err:  # noqa: BLE001 (the fast path must raise the same)
            with pytest.raises(type(err)):
                normalize_axes(axis, ndim)
            continue
        got = normalize_axes(axis, ndim)
        assert got == expected and [type(a) for a in got] == [type(a) for a in expected]
        assert kept_shape(shape_, got) == kept_shape_reference(shape_, got)
        assert type(kept_shape(shape_, got)) is tuple
    for one in range(-ndim - 1, ndim + 1):  # also an axis normalize_axes would refuse
        assert kept_shape(shape_, (one,)) == kept_shape_reference(shape_, (one,))


@pytest.mark.parametrize("n_args", [1, 2, 3, 4])
def test_needs_input_grad_is_its_comprehension(n_args):
    """For every mix of a Tensor requiring grad, one that does not, an array and a number."""
    kinds = [
        Tensor(np.ones(2), requires_grad=True),
        Tensor(np.ones(2)),
        np.ones(2),
        2.0,
    ]
    for args in itertools.product(kinds, repeat=n_args):
        node = ad.Function()
        node.args = args
        expected = tuple([isinstance(a, Tensor) and a._requires_grad for a in args])
        assert node.needs_input_grad == expected


@st.composite
def _broadcast_pair(draw):
    """An input shape and a gradient shape it broadcasts to (extra leading axes, size-1 axes
    stretched, or both)."""
    shape = draw(st.lists(st.integers(1, 4), max_size=4))
    stretched = [draw(st.integers(2, 4)) if s == 1 and draw(st.booleans()) else s for s in shape]
    lead = draw(st.lists(st.integers(0, 3), max_size=2))
    grad_shape = (*lead, *stretched)
    if grad_shape == tuple(shape):
        grad_shape = (2, *grad_shape)
    return tuple(shape), grad_shape


@FAST
@given(
    pair=_broadcast_pair(),
    dtype=st.sampled_from([np.float32, np.float64]),
    seed=st.integers(0, 2**32 - 1),
)
def test_unbroadcast_has_the_bits_of_the_reference(pair, dtype, seed):
    shape, grad_shape = pair
    g = np.random.default_rng(seed).standard_normal(grad_shape).astype(dtype)
    node, a = ad.Tensor(np.zeros(shape, dtype), requires_grad=True).sum().grad_fn, None
    fast = engine._unbroadcast(g, shape, node, a)
    reference = engine._unbroadcast_reference(g, shape)
    assert fast.shape == reference.shape == shape and fast.dtype == reference.dtype
    np.testing.assert_array_equal(_bits(np.asarray(fast)), _bits(np.asarray(reference)))


@pytest.mark.parametrize(
    ("a_shape", "b_shape"), [((3, 1), (3, 4)), ((4,), (2, 3, 4)), ((3, 1), (2, 3, 4))]
)
def test_unbroadcast_second_order_matches_the_reference(monkeypatch, a_shape, b_shape):
    """Under create_graph the gradient is a Tensor: the recorded graph of the fast version
    gives the reference's second derivatives, with fewer nodes where no reshape is needed."""

    def hessian_vector(unbroadcast):
        monkeypatch.setattr(engine, "_unbroadcast", unbroadcast)
        rng = np.random.default_rng(0)
        a = ad.Tensor(rng.standard_normal(a_shape), requires_grad=True)
        b = ad.Tensor(rng.standard_normal(b_shape), requires_grad=True)
        loss = ((a * b) ** 2).sum()
        (ga,) = ad.gradients(loss, [a], create_graph=True)
        nodes = len(engine.topological_order([ga.grad_fn]))
        return [g.data for g in ad.gradients((ga * ga).sum(), [a, b])], nodes

    fast, fast_nodes = hessian_vector(engine._unbroadcast)
    reference, reference_nodes = hessian_vector(
        lambda g, shape, node, a: engine._unbroadcast_reference(g, shape)
    )
    for f, r in zip(fast, reference, strict=True):
        np.testing.assert_array_equal(f, r)
    assert fast_nodes == reference_nodes - (len(a_shape) == len(b_shape) or 1 not in a_shape)
