"""backward(): the chain-rule circuits, accumulation, hooks, freeing, errors, memory."""

import gc
import sys
import weakref

import numpy as np
import pytest

import autodiff as ad
from autodiff import Tensor


def scalars(*values):
    return [Tensor(v, requires_grad=True, dtype=np.float64) for v in values]


def test_circuit_add_mul():
    """CS231n's first circuit: f = (x + y) * z at x=-2, y=5, z=-4."""
    x, y, z = scalars(-2.0, 5.0, -4.0)
    q = x + y
    f = q * z
    f.backward()
    assert q.item() == 3 and f.item() == -12
    assert (x.grad.item(), y.grad.item(), z.grad.item()) == (-4, -4, 3)


def test_circuit_sigmoid_neuron():
    """f = 1 / (1 + exp(-(w0*x0 + w1*x1 + w2))) at w0=2, x0=-1, w1=-3, x1=-2, w2=-3."""
    w0, x0, w1, x1, w2 = scalars(2.0, -1.0, -3.0, -2.0, -3.0)
    f = 1 / (1 + ad.exp(-(w0 * x0 + w1 * x1 + w2)))
    f.backward()
    assert f.item() == pytest.approx(0.7310585786)
    grads = [t.grad.item() for t in (w0, x0, w1, x1, w2)]
    assert grads == pytest.approx([-0.19661193, 0.39322387, -0.39322387, -0.58983580, 0.19661193])
    # the same through the fused sigmoid op
    w0.grad = x0.grad = None
    ad.sigmoid(w0 * x0 + w1 * x1 + w2).backward()
    assert w0.grad.item() == pytest.approx(-0.19661193)


def test_fan_out_accumulates():
    (x,) = scalars(3.0)
    y = x * x + x  # x used three times
    y.backward()
    assert x.grad.item() == 7.0


def test_gradients_accumulate_across_backward_calls():
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.data, [3 + 2, 3 + 4])


def test_broadcast_gradients_are_summed_to_input_shapes():
    a = Tensor(np.ones((2, 3)), requires_grad=True)
    b = Tensor(np.ones((3,)), requires_grad=True)
    c = Tensor(np.ones((2, 1)), requires_grad=True)
    s = Tensor(2.0, requires_grad=True)
    (a * b + c * s).sum().backward()
    assert b.grad.shape == (3,) and b.grad.tolist() == [2, 2, 2]
    assert c.grad.shape == (2, 1) and c.grad.tolist() == [[6], [6]]
    assert s.grad.shape == () and s.grad.item() == 6


def test_leaf_gradients_do_not_alias_each_other():
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()  # the same gradient array flows to both leaves
    a.grad.data *= 10
    assert b.grad.tolist() == [1.0, 1.0]


def test_non_scalar_backward_needs_grad():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="not a scalar.*grad="):
        y.backward()
    with pytest.raises(ad.ShapeError, match=r"gradient has shape \(3,\).*shape \(2,\)"):
        y.backward(np.ones(3))
    y.backward(np.array([1.0, -1.0]))
    assert x.grad.tolist() == [2.0, -2.0]


def test_backward_on_tensor_without_grad():
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor(1.0).backward()
    x = Tensor(1.0, requires_grad=True)
    with ad.no_grad():
        y = x * 2
    with pytest.raises(RuntimeError, match="no_grad"):
        y.backward()


def test_backward_on_a_leaf():
    x = Tensor([1.0, 2.0], requires_grad=True)
    x.backward(np.array([3.0, 4.0]))
    assert x.grad.tolist() == [3.0, 4.0]


def test_second_backward_raises_unless_retain_graph():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.data, 2 * (np.exp([1.0, 2.0]) * ([1.0, 2.0] + np.ones(2))))
    with pytest.raises(ad.GraphFreedError, match="second time.*retain_graph=True"):
        y.backward()


def test_saved_arrays_are_released_after_backward():
    x = Tensor(np.random.rand(100), requires_grad=True)
    y = x.exp()  # saves its output array
    node = y.grad_fn
    assert len(node.saved_tensors) == 1
    loss = (y * 2).sum()
    loss.backward()
    assert node.freed
    with pytest.raises(ad.GraphFreedError):
        node.saved_tensors  # noqa: B018


def test_intermediate_ctx_attributes_are_released():
    x = Tensor(np.random.randn(1000), requires_grad=True)
    y = x.relu()  # keeps its mask as a ctx attribute
    mask_ref = weakref.ref(y.grad_fn.blocked)
    y.sum().backward()
    assert mask_ref() is None


def test_dropped_graph_is_freed_by_refcounting_alone():
    gc.disable()
    try:
        x = Tensor(np.random.randn(50, 50), requires_grad=True)
        h = (x @ x).tanh()
        loss = (h.softmax(1) * h).sum()
        refs = [
            weakref.ref(loss),
            weakref.ref(h),
            weakref.ref(loss.grad_fn),
            weakref.ref(h.grad_fn),
        ]
        saved_ref = weakref.ref(h.grad_fn.saved_tensors[0])
        del h, loss
        assert all(r() is None for r in refs) and saved_ref() is None
    finally:
        gc.enable()


def test_graph_after_backward_frees_by_refcounting_alone():
    gc.disable()
    try:
        x = Tensor(np.random.randn(20), requires_grad=True)
        y = (x.sigmoid() * x).sum()
        y.backward()
        ref = weakref.ref(y.grad_fn)
        del y
        assert ref() is None
    finally:
        gc.enable()


def test_long_chain_backward_needs_no_recursion():
    limit = sys.getrecursionlimit()
    x = Tensor(1.0, requires_grad=True, dtype=np.float64)
    y = x
    for _ in range(100_000):
        y = y + 1
    sys.setrecursionlimit(200)  # prove the walk does not recurse
    try:
        y.backward()
    finally:
        sys.setrecursionlimit(limit)
    assert y.item() == 100_001 and x.grad.item() == 1.0
    del y  # freeing a deep chain must not overflow the C stack either


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_implied_gradient_of_a_0d_root_keeps_the_dtype_and_is_never_shared(dtype):
    x = Tensor(np.array(1.5, dtype), requires_grad=True)
    seen = []
    y = x + x
    y.register_hook(lambda g: seen.append(g))  # the root's gradient, as users see it
    (y + x).backward()
    assert seen[0].shape == () and seen[0].dtype == dtype and seen[0].item() == 1.0
    assert isinstance(x.grad.data, np.ndarray) and x.grad.dtype == dtype
    assert x.grad.item() == 3.0
    x.grad.data += 1  # the leaf's gradient is its own array, not the cached implied one
    x.grad = None
    (x * 2).backward()
    assert x.grad.item() == 2.0


def test_nodes_are_numbered_in_creation_order():
    x = Tensor(1.0, requires_grad=True)
    a = x * 2
    b = a + x
    assert b.grad_fn.seq > a.grad_fn.seq >= 0


def test_retain_grad_and_non_leaf_grads():
    x, y, z = scalars(-2.0, 5.0, -4.0)
    q = x + y
    q.retain_grad()
    f = q * z
    f.backward()
    assert q.grad.item() == -4.0
    assert f.grad is None  # non-leaves keep no grad unless asked


def _retain_grad_without_requires_grad(lib):
    x = lib.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match="retain_grad"):
        x.retain_grad()
    w = lib.tensor([1.0, 2.0], requires_grad=True)
    with lib.no_grad():
        h = w * 2
    with pytest.raises(RuntimeError, match="retain_grad"):
        h.retain_grad()


def test_retain_grad_refuses_a_tensor_that_does_not_require_grad():
    """PyTorch raises ("can't retain_grad on Tensor that has requires_grad=False"): its .grad
    could never be set. It was silently accepted."""
    _retain_grad_without_requires_grad(ad)
    torch = pytest.importorskip("torch")
    _retain_grad_without_requires_grad(torch)


def _backward_into_inputs(lib):
    """.grad of x, w (a leaf left out), h (a non-leaf input) and u (unused) after two
    backward(inputs=...) calls."""
    x, w, u = (lib.tensor([1.0, -2.0], dtype=lib.float64, requires_grad=True) for _ in range(3))
    h = x * w
    loss = (h * h).sum()
    loss.backward(inputs=[x, h], retain_graph=True)
    loss.backward(None, False, False, [x, u])
    return [None if t.grad is None else t.grad.tolist() for t in (x, w, h, u)]


def test_backward_accumulates_into_the_given_inputs_only():
    """Tensor.backward(inputs=...) as PyTorch's (it raised a TypeError; autograd.backward took
    it): the inputs' .grad only, twice accumulated, an unused one left None; a non-leaf input
    retains its gradient from then on, so the second backward adds to it too."""
    assert _backward_into_inputs(ad) == [[4.0, -32.0], None, [4.0, 16.0], None]
    torch = pytest.importorskip("torch")
    assert _backward_into_inputs(ad) == _backward_into_inputs(torch)


def _retained_after_hooks(lib, dtype, value, hooks_before_retain=False):
    """h.grad, w.grad with hooks registered on h around h.retain_grad()."""
    w = lib.tensor(value, dtype=dtype, requires_grad=True)
    h = w * 2
    if hooks_before_retain:
        h.register_hook(lambda g: g * 10)
    h.retain_grad()
    if not hooks_before_retain:
        h.register_hook(lambda g: g * 10)
    removed = h.register_hook(lambda g: g * 1000)
    removed.remove()
    h.register_hook(lambda g: g + 1)
    (h * h).sum().backward()
    return h.grad.tolist(), w.grad.tolist()


@pytest.mark.parametrize("hooks_before_retain", [False, True])
@pytest.mark.parametrize("value", [[1.0, 2.0], 3.0])  # 3.0: a 0-d tensor, the scalar path
def test_retained_grad_sees_every_hook_whenever_registered(value, hooks_before_retain):
    """PyTorch runs the retain_grad hook after the tensor's other hooks, so .grad is the
    gradient they leave, in whichever order retain_grad() and register_hook() were called."""
    got = _retained_after_hooks(ad, np.float64, value, hooks_before_retain)
    h = np.asarray(value) * 2
    expected_h_grad = 2 * h * 10 + 1
    assert got == (expected_h_grad.tolist(), (expected_h_grad * 2).tolist())
    torch = pytest.importorskip("torch")
    assert got == _retained_after_hooks(torch, torch.float64, value, hooks_before_retain)


def test_hooks_on_leaves_and_intermediates():
    x = Tensor([1.0, 2.0], requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(("x", g.tolist())))
    h = x * 3
    handle = h.register_hook(lambda g: g * 10)  # replaces the gradient flowing on
    (h * h).sum().backward()
    # d/dh = 2h = [6, 12]; the hook scales it by 10; then * 3 to reach x
    assert x.grad.tolist() == [180.0, 360.0]
    assert seen == [("x", [180.0, 360.0])]
    handle.remove()
    x.grad = None
    h2 = x * 3
    (h2 * h2).sum().backward()
    assert x.grad.tolist() == [18.0, 36.0]


def test_hook_sees_the_total_gradient_once():
    x = Tensor(2.0, requires_grad=True)
    calls = []
    x.register_hook(lambda g: calls.append(g.item()))
    (x * x + x).backward()
    assert calls == [5.0]


def test_hook_with_wrong_shape_is_rejected():
    x = Tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: Tensor([1.0, 2.0, 3.0]))
    with pytest.raises(ad.ShapeError, match="hook"):
        (x * 2).sum().backward()


@pytest.mark.parametrize("leaf", [True, False])
def test_a_hook_that_changes_the_dtype_is_rejected_and_an_array_is_converted(leaf):
    x = Tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    target = x if leaf else x * 1.0

    def widen(g):
        return g.astype(np.float64)

    target.register_hook(widen)
    with pytest.raises(RuntimeError, match=r"hook 'widen' .*dtype float64, expected float32"):
        (target * 2).sum().backward()
    y = Tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    y.register_hook(lambda g: np.full(2, 0.25))  # a float64 array: taken as float32
    (y * 2).sum().backward()
    assert y.grad.dtype == np.float32 and y.grad.tolist() == [0.25, 0.25]


def test_register_hook_needs_grad():
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor(1.0).register_hook(lambda g: g)


def test_no_grad_enable_grad_set_grad_enabled():
    x = Tensor(1.0, requires_grad=True)
    with ad.no_grad():
        assert not (x * 2).requires_grad
        with ad.enable_grad():
            assert (x * 2).requires_grad
    assert (x * 2).requires_grad

    @ad.no_grad()
    def infer(t):
        return t * 2

    assert not infer(x).requires_grad and ad.is_grad_enabled()

    with ad.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert ad.is_grad_enabled()

    @ad.set_grad_enabled(False)
    def infer2(t):
        return t * 2

    assert not infer2(x).requires_grad and ad.is_grad_enabled()
    ad.set_grad_enabled(False)
    assert not ad.is_grad_enabled()
    ad.set_grad_enabled(True)
    assert ad.is_grad_enabled()


def test_name_scopes_are_recorded_on_nodes():
    x = Tensor([1.0], requires_grad=True)
    with ad.name_scope("model"):
        with ad.name_scope("layer1"):
            h = x * 2
        assert ad.current_scope() == ("model",)
        out = h + 1
    assert h.grad_fn.scope == ("model", "layer1")
    assert out.grad_fn.scope == ("model",)
    assert (out * 1).grad_fn.scope == ()
    with pytest.raises(ValueError, match="name_scope"), ad.name_scope(""):
        pass


def test_graph_walk_lists_nodes_and_tensors_deterministically():
    x = Tensor(2.0, requires_grad=True, name="x")
    w = Tensor(3.0, requires_grad=True, name="w")
    y = (x * w + 1).exp()
    g = ad.graph.walk(y)
    assert [f.op_name() for f in g.functions] == ["*", "+", "exp"]
    assert [g.name(t) for t in g.tensors] == ["x", "w", "t2", "t3", "t4"]
    assert g.output(g.functions[-1]) is y and g.leaves == [x, w]
    assert g.functions[1].constants == (1,)
    assert (x, g.functions[0]) in [(a, b) for a, b in g.edges() if a is x]
    assert g.consumers(x) == [g.functions[0]]
    assert len(g) == 8
    g2 = ad.graph.walk(y)
    assert [g2.name(t) for t in g2.tensors] == [g.name(t) for t in g.tensors]


def test_topological_order_is_the_backward_order():
    x = Tensor(1.0, requires_grad=True)
    a = x * 2
    b = a.exp()
    c = a + b
    order = ad.topological_order([c.grad_fn])
    assert order == [c.grad_fn, b.grad_fn, a.grad_fn]


class _NoGradThrough(ad.Function):
    """Identity whose backward sends nothing back: the nodes before it get no gradient."""

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, g):
        return None


def test_backward_runs_nodes_in_topological_order_and_skips_unreached_ones():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    w = Tensor(np.array([0.5, -1.0]), requires_grad=True)
    a = x * w
    b = a.exp()
    c = (a + b) * x  # fan-out: a feeds two nodes, x three
    d = (w * 3).tanh()  # reachable from the loss, but no gradient gets through to it
    loss = c.sum() + _NoGradThrough.apply(d).sum()
    ran = []
    for t in (a, b, c, d):
        t.register_hook(lambda g, t=t: ran.append(t.grad_fn))
    loss.backward()
    order = ad.topological_order([loss.grad_fn])
    assert d.grad_fn in order
    assert ran == [n for n in order if n in ran] == [c.grad_fn, b.grad_fn, a.grad_fn]
    np.testing.assert_allclose(
        x.grad.data, (w.data + w.data * np.exp(a.data)) * x.data + a.data + b.data
    )
    assert not d.grad_fn.freed  # never run, so nothing was freed


def test_inplace_modification_of_saved_input_is_detected():
    w = Tensor([1.0, 2.0], requires_grad=True)
    x = Tensor([3.0, 4.0])
    y = (w * x).sum()
    x.mul_(2)  # x was saved by the multiplication
    with pytest.raises(ad.InplaceModificationError, match="MulBackward.*modified in place"):
        y.backward()


def test_inplace_modification_through_a_view_is_detected():
    w = Tensor([1.0, 2.0], requires_grad=True)
    x = Tensor([3.0, 4.0])
    y = (w * x).sum()
    x.reshape(2, 1)[0] = 10.0  # the reshape is a view of x: same memory, same version
    with pytest.raises(ad.InplaceModificationError):
        y.backward()


def test_unrelated_inplace_changes_do_not_break_backward():
    w = Tensor([1.0, 2.0], requires_grad=True)
    y = (w * w).sum()
    Tensor([0.0]).add_(1)
    y.backward()
    assert w.grad.tolist() == [2.0, 4.0]


def test_detect_anomaly_names_the_op_and_the_source_line():
    x = Tensor([0.0, 1.0], requires_grad=True)
    with ad.detect_anomaly(check_inf=True):  # glassgrad's switch: PyTorch checks NaN only
        y = x.sqrt()  # d sqrt / dx is infinite at 0
        loss = y.sum()
        with pytest.raises(FloatingPointError) as info, np.errstate(divide="ignore"):
            loss.backward()
    message = str(info.value)
    assert "SqrtBackward" in message and "returned inf values" in message
    assert "test_engine.py" in message and "x.sqrt()" in message


def test_without_anomaly_mode_nan_passes_silently():
    x = Tensor([0.0, 1.0], requires_grad=True)
    with np.errstate(divide="ignore"):
        x.sqrt().sum().backward()
    assert np.isinf(x.grad.data[0])


def test_float32_stays_float32():
    x = Tensor(np.ones((3, 4), np.float32), requires_grad=True)
    w = Tensor(np.ones((4, 2), np.float32), requires_grad=True)
    loss = ((x @ w).tanh() * 0.5 + 1.0).log_softmax(1).mean()
    assert loss.dtype == np.float32
    loss.backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float32


def test_float32_leaf_with_float64_constant_gets_float32_grad():
    x = Tensor(np.ones(3, np.float32), requires_grad=True)
    (x * np.ones(3)).sum().backward()  # the product is float64
    assert x.grad.dtype == np.float32


def test_error_from_op_names_op_and_shapes():
    a = Tensor(np.ones((3, 4)))
    with pytest.raises(ad.ShapeError, match=r"matmul: \(3, 4\) @ \(5, 2\)"):
        a @ Tensor(np.ones((5, 2)))
    with pytest.raises(ValueError, match=r"add: .*\(3,\) \(4,\)"):
        Tensor(np.ones(3)) + Tensor(np.ones(4))


def test_leaf_gradients_never_alias_retained_or_shared_gradients():
    a = Tensor([1.0, 2.0], requires_grad=True)
    h = a.reshape(2, 1)
    h.retain_grad()
    (h * 2).sum().backward()
    assert not np.shares_memory(a.grad.data, h.grad.data)
    b = Tensor(np.ones((2, 3)), requires_grad=True)
    c = Tensor(np.ones((2, 3)), requires_grad=True)
    (b.T + c.T).sum().backward()  # both leaves get views of one gradient array
    assert not np.shares_memory(b.grad.data, c.grad.data)
    b.grad.data[0, 0] = 100.0
    assert c.grad.data[0, 0] == 1.0


def test_retained_gradients_are_copies_as_in_pytorch():
    # x + y hands both inputs one gradient array; PyTorch's retain_grad clones it, so the two
    # retained gradients (and the leaf's) never change together (a hypothesis run found them
    # sharing one array)
    v = Tensor(np.ones((2, 3)), requires_grad=True)
    r1, r2 = v * 1.0, v * 1.0
    r1.retain_grad()
    r2.retain_grad()
    s = r1 + r2
    s.retain_grad()
    (s * np.arange(6.0).reshape(2, 3)).sum().backward()
    grads = [r1.grad.data, r2.grad.data, s.grad.data, v.grad.data]
    for k, a in enumerate(grads):
        for b in grads[k + 1 :]:
            assert not np.shares_memory(a, b)
    r1.grad.data += 100.0  # in place, as an optimizer or a user would
    np.testing.assert_array_equal(r2.grad.data, np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(s.grad.data, np.arange(6.0).reshape(2, 3))
    assert r1.grad.grad_fn is None and not r1.grad.requires_grad


def test_retained_gradient_under_create_graph_stays_in_the_graph():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = x * x
    y.retain_grad()
    (y * x).sum().backward(create_graph=True)
    np.testing.assert_array_equal(y.grad.data, [1.0, 2.0])  # d(sum(y * x))/dy = x
    assert y.grad.requires_grad  # a copy recorded in the graph, as PyTorch's clone is
    (gx,) = ad.gradients(y.grad.sum(), [x])
    np.testing.assert_array_equal(gx.data, [1.0, 1.0])


def test_a_private_gradient_is_kept_without_a_copy():
    w = Tensor(np.ones((3, 4)), requires_grad=True)
    (Tensor(np.ones((2, 4))) @ w.T).sum().backward()
    # the transposed view of matmul's fresh result is handed over as it is, still writeable
    assert w.grad.data.base is not None and w.grad.data.flags.writeable
    w.grad.data *= 2  # optimizers and clipping update gradients in place
    assert w.grad.tolist() == [[4.0] * 4] * 3


def test_retain_grad_is_idempotent():
    x = Tensor(2.0, requires_grad=True)
    y = x * 3
    y.retain_grad()
    y.retain_grad()
    (y * y).backward()
    assert y.grad.item() == 12.0


def test_each_scope_entry_is_distinguishable():
    x = Tensor([1.0], requires_grad=True)
    with ad.name_scope("block"):
        a = x * 2
    with ad.name_scope("block"):
        b = a * 2
    assert a.grad_fn.scope == b.grad_fn.scope == ("block",)
    assert a.grad_fn.scope[0].call != b.grad_fn.scope[0].call


def test_nodes_record_their_keyword_constants():
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    assert x.sum(axis=1).grad_fn.kwargs == {"axis": 1, "keepdims": False}
    assert (x * 2).grad_fn.kwargs == {}
