"""The scalar fast path (autodiff/scalar.py) against its reference, the general path.

`x * y` on 0-d float64 tensors runs the scalar path; `Mul.apply(x, y)` always runs the general
one. Both must give the same bits, dtypes, warnings and errors, forward and backward.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autodiff as ad
from autodiff import Function, Tensor, scalar
from autodiff.errors import InplaceModificationError
from autodiff.ops.elementwise import Add, Div, Exp, Log, Mul, Neg, Sub, Tanh

FAST = settings(max_examples=30, deadline=None)
SPECIAL = [0.0, -0.0, 1.0, 5e-324, -2.2e-308, 1e-200, 1e200, 1.7e308, -1e308, 709.5, -746.0]
SPECIAL += [math.inf, -math.inf, math.nan]
floats = st.one_of(
    st.floats(-10, 10), st.sampled_from(SPECIAL), st.floats(allow_nan=True, allow_infinity=True)
)

BINARY = {
    "add": (lambda a, b: a + b, Add),
    "sub": (lambda a, b: a - b, Sub),
    "mul": (lambda a, b: a * b, Mul),
    "truediv": (lambda a, b: a / b, Div),
}
UNARY = {
    "neg": (lambda x: -x, Neg),
    "tanh": (lambda x: x.tanh(), Tanh),
    "exp": (lambda x: x.exp(), Exp),
    "log": (lambda x: x.log(), Log),
}


def _bits(a) -> bytes:
    return np.asarray(a).tobytes()


def _same(fast, reference) -> None:
    fast, reference = np.asarray(fast), np.asarray(reference)
    assert fast.dtype == reference.dtype and fast.shape == reference.shape
    assert _bits(fast) == _bits(reference), (fast, reference)


def _run(make):
    """Run `make()` and its backward; the values, the gradients and every warning, in order."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        leaves, out = make()
        if out.requires_grad:
            out.backward()
    grads = [None if t.grad is None else t.grad.data for t in leaves]
    return out, grads, [(w.category, str(w.message)) for w in caught]


def _compare(fast_make, reference_make) -> Tensor:
    fast, fast_grads, fast_warnings = _run(fast_make)
    reference, reference_grads, reference_warnings = _run(reference_make)
    assert type(fast.data) is np.ndarray
    _same(fast.data, reference.data)
    assert fast.requires_grad == reference.requires_grad
    for g, r in zip(fast_grads, reference_grads, strict=True):
        assert (g is None) == (r is None)
        if g is not None:
            assert type(g) is np.ndarray
            _same(g, r)
    assert fast_warnings == reference_warnings
    return fast


def _leaf(v: float, dtype=np.float64) -> Tensor:
    return Tensor(np.array(v, dtype=dtype), requires_grad=True)


@FAST
@given(name=st.sampled_from(sorted(BINARY)), a=floats, b=floats, kind=st.sampled_from(range(4)))
def test_binary_ops_give_the_general_paths_bits_gradients_and_warnings(name, a, b, kind):
    op, cls = BINARY[name]

    def operands():
        x, y = _leaf(a), _leaf(b)
        if kind == 0:
            return [x, y], (x, y)
        if kind == 1:
            return [x], (x, b)  # Tensor op float
        if kind == 2:
            return [y], (a, y)  # float op Tensor: the reflected operator
        return [x], (x, 3)  # an int

    def fast():
        leaves, (p, q) = operands()
        return leaves, op(p, q)

    def reference():
        leaves, (p, q) = operands()
        return leaves, cls.apply(p, q)

    out = _compare(fast, reference)
    expected = np.asarray(out.data).item()
    if scalar.normal(expected) and not (kind == 1 and name == "truediv" and b == 0):
        assert out.grad_fn.kwargs is scalar.SCALAR_NODE  # the scalar path ran


@FAST
@given(name=st.sampled_from(sorted(UNARY)), v=floats)
def test_unary_ops_give_the_general_paths_bits_gradients_and_warnings(name, v):
    op, cls = UNARY[name]

    def fast():
        x = _leaf(v)
        return [x], op(x)

    def reference():
        x = _leaf(v)
        return [x], cls.apply(x)

    out = _compare(fast, reference)
    assert out.grad_fn.kwargs is scalar.SCALAR_NODE


def _mlp(values, op):
    """A small tanh MLP on scalars, op by op; `op(name, *args)` runs each op."""
    params = [_leaf(v) for v in values]
    w, b = params[:6], params[6:]
    total = None
    for x0, x1, target in ((0.5, -1.0, 1.0), (2.0, 0.25, -1.0)):
        h = [
            op(
                "tanh",
                op("add", op("add", op("mul", w[2 * i], x0), op("mul", w[2 * i + 1], x1)), b[i]),
            )
            for i in range(2)
        ]
        out = op("tanh", op("add", op("add", op("mul", w[4], h[0]), op("mul", h[1], w[5])), b[2]))
        d = op("sub", out, target)
        term = op("mul", d, d)
        total = term if total is None else op("add", total, term)
    return params, op("truediv", total, 2)


def _fast_op(name, *args):
    if name in UNARY:
        return UNARY[name][0](*args)
    return BINARY[name][0](*args)


def _reference_op(name, *args):
    return (UNARY[name][1] if name in UNARY else BINARY[name][1]).apply(*args)


@FAST
@given(values=st.lists(st.floats(-2, 2), min_size=9, max_size=9))
def test_a_scalar_mlp_has_the_general_paths_loss_and_gradients(values):
    _compare(lambda: _mlp(values, _fast_op), lambda: _mlp(values, _reference_op))


def _random_dag(leaves, picks, op):
    """A random graph of scalar ops: each new value combines two earlier ones (`picks` chooses
    the op and the two, modulo what exists), so values fan out to several consumers and become
    ready in any order; the loss sums the last three."""
    params = [_leaf(v) for v in leaves]
    values = list(params)
    for p in picks:
        a, b = values[p % len(values)], values[(p // 7) % len(values)]
        name = ("add", "sub", "mul", "tanh")[(p // 49) % 4]
        values.append(op(name, a) if name == "tanh" else op(name, a, b))
    out = op("add", op("add", values[-1], values[-2]), values[-3])
    return params, out


@FAST
@given(
    leaves=st.lists(st.floats(-1.5, 1.5), min_size=1, max_size=4),
    picks=st.lists(st.integers(0, 10_000), min_size=3, max_size=40),
)
def test_a_random_scalar_graph_has_the_general_paths_gradients(leaves, picks):
    # The walk runs a scalar node's input that is newer than every waiting node without the
    # heap: the gradients summed at each fan-out must still be the general path's, bit for bit.
    _compare(
        lambda: _random_dag(leaves, picks, _fast_op),
        lambda: _random_dag(leaves, picks, _reference_op),
    )


def test_the_fast_path_runs_the_mlp_and_its_backward_sends_floats():
    params, loss = _mlp([0.1 * k - 0.4 for k in range(9)], _fast_op)
    assert loss.grad_fn.kwargs is scalar.SCALAR_NODE
    loss.backward()
    for p in params:
        assert p.grad.dtype == np.float64 and p.grad.shape == () and type(p.grad.data) is np.ndarray


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_other_dtypes_take_the_general_path_and_keep_their_dtype(dtype):
    x, y = _leaf(0.5, dtype), _leaf(1.5, dtype)
    z = (x * y + 1.0).tanh() - x / 2.0
    assert z.dtype == dtype and z.grad_fn.kwargs is not scalar.SCALAR_NODE
    z.backward()
    assert x.grad.dtype == dtype and y.grad.dtype == dtype


def test_mixed_float32_and_float64_match_the_reference():
    def make(op):
        x, y = _leaf(0.5, np.float32), _leaf(1.5)
        return [x, y], op("mul", op("add", y, y), op("tanh", op("mul", x, y)))

    out = _compare(lambda: make(_fast_op), lambda: make(_reference_op))
    assert out.dtype == np.float64


def test_numpy_scalars_and_bools_as_operands_take_the_general_path():
    x = _leaf(0.5)
    for other in (np.float64(2.0), np.float32(2.0), True, 2**60, np.array(2.0)):
        out = x * other
        assert out.grad_fn.kwargs is not scalar.SCALAR_NODE
        _same(out.data, Mul.apply(x, other).data)


@pytest.mark.parametrize(
    "setting, make",
    [
        ("over", lambda x: x * 1e300),
        ("over", lambda x: x * 1e298 + 1.7e308),
        ("under", lambda x: x * 1e-300 * 1e-300),
        ("divide", lambda x: x / 0.0),
        ("invalid", lambda x: x * math.inf - x * math.inf),
    ],
)
def test_errstate_raise_raises_as_on_the_general_path(setting, make):
    x = _leaf(1e10)
    with np.errstate(**{setting: "raise"}), pytest.raises(FloatingPointError):
        make(x)


@pytest.mark.parametrize(
    "setting, w, factors",
    [
        ("over", 1e-200, (1e300, 1e200)),  # values 1e100, 1e300; dz/dw = 1e500
        ("under", 1e200, (1e-100, 1e-250)),  # values 1e100, 1e-150; dz/dw = 1e-350
    ],
)
def test_errstate_raise_in_backward_as_on_the_general_path(setting, w, factors):
    for op in (_fast_op, _reference_op):
        x = _leaf(w)
        z = op("mul", op("mul", x, factors[0]), factors[1])
        assert scalar.normal(z.item())
        with np.errstate(**{setting: "raise"}), pytest.raises(FloatingPointError):
            z.backward()


def test_modifying_a_saved_input_in_place_raises():
    x, y = _leaf(2.0), _leaf(3.0)
    z = x * y
    assert z.grad_fn.kwargs is scalar.SCALAR_NODE
    with ad.no_grad():
        x.add_(1.0)
    with pytest.raises(InplaceModificationError):
        z.backward()


def test_second_order_through_scalar_nodes_matches_the_reference():
    def make(op):
        x = _leaf(0.7)
        y = op("tanh", op("mul", op("mul", x, x), 3.0))
        (g,) = ad.gradients(y, x, create_graph=True)
        return [x], g

    _compare(lambda: make(_fast_op), lambda: make(_reference_op))


def test_hooks_retained_gradients_and_gradients_see_scalar_nodes():
    def make(op):
        x, y = _leaf(0.3), _leaf(-1.2)
        h = op("mul", x, y)
        h.retain_grad()
        seen = []
        h.register_hook(lambda g: seen.append(g.data.copy()) or g * 2.0)
        out = op("tanh", op("add", h, y))
        return [x, y, h], out, seen

    results = []
    for op in (_fast_op, _reference_op):
        leaves, out, seen = make(op)
        out.backward()
        results.append(([t.grad.data for t in leaves], seen))
    for fast, reference in zip(results[0][0] + results[0][1], results[1][0] + results[1][1]):
        _same(fast, reference)

    for op in (_fast_op, _reference_op):
        x = _leaf(0.3)
        out = op("mul", op("tanh", x), x)
        (gx,) = ad.gradients(out, x)
        results.append(gx.data)
    _same(results[2], results[3])


def test_a_zero_gradient_or_a_saturated_tanh_falls_back_and_matches():
    def make(op):
        x, y = _leaf(30.0), _leaf(0.0)
        return [x, y], op("mul", op("tanh", x), op("add", y, 1.0))  # tanh(30) is 1: 1 - y*y = 0

    _compare(lambda: make(_fast_op), lambda: make(_reference_op))


def test_a_node_of_the_general_path_gets_numpy_float64_as_before():
    seen = []

    class Twice(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            seen.append(type(g))
            return g * 2

    x = _leaf(1.5)
    Twice.apply(x).backward()  # a root of the general path
    (Twice.apply(x) * 3.0).backward()  # fed by a scalar node
    assert seen == [np.float64, np.float64] and x.grad.item() == 8.0


def test_leaf_backward_and_accumulation_keep_float64_arrays():
    x = _leaf(1.5)
    x.backward()
    assert type(x.grad.data) is np.ndarray and x.grad.dtype == np.float64 and x.grad.item() == 1.0
    (x * 2.0).backward()
    (x * 2.0).backward()
    assert x.grad.item() == 5.0 and x.grad.dtype == np.float64


def test_nodes_record_the_name_scope_and_no_grad_records_nothing():
    x, y = _leaf(0.5), _leaf(1.5)
    with ad.name_scope("layer"):
        fast, reference = (x * y).tanh(), Tanh.apply(Mul.apply(x, y))
    assert fast.grad_fn.kwargs is scalar.SCALAR_NODE
    assert fast.grad_fn.scope == reference.grad_fn.scope
    assert fast.grad_fn.args[0].grad_fn.scope == reference.grad_fn.args[0].grad_fn.scope
    with ad.no_grad():
        out = (x * y).tanh() - 1.0
    assert out.grad_fn is None and not out.requires_grad and out.dtype == np.float64


def test_no_grad_in_another_thread_leaves_this_one_recording():
    import threading

    x = _leaf(0.5)
    entered, release = threading.Event(), threading.Event()

    def idle_under_no_grad():
        with ad.no_grad():
            entered.set()
            release.wait(10)

    thread = threading.Thread(target=idle_under_no_grad)
    thread.start()
    entered.wait(10)
    try:
        out = x * 2.0
        assert out.grad_fn is not None and out.grad_fn.kwargs is scalar.SCALAR_NODE
        with ad.no_grad():
            assert (x * 2.0).grad_fn is None
    finally:
        release.set()
        thread.join()
