"""ConvTranspose1d and F.conv_transpose1d, PyTorch's: (N, C, L) signals spread back with stride,
padding, output_padding, groups and dilation, run as conv_transpose2d on (N, C, 1, L).
Hypothesis compares values with a direct numpy scatter and gradients with central differences
in float64; torch, when installed, values, gradients, errors, repr, state_dict, initialisation
and `output_size`; ONNX, when installed, a model's round trip."""

from __future__ import annotations

import re

import numpy as np
import pytest
from conv_support import grads_of
from hypothesis import given, settings
from hypothesis import strategies as st

import autodiff
import nn
import nn.functional as F
from autodiff import ShapeError, Tensor


def arrays(x_shape, w_shape, bias: bool, seed: int, groups: int = 1):
    """x, weight and (if asked) a bias of the output's channels, weight.shape[1] * groups."""
    rng = np.random.default_rng(seed)
    b = rng.standard_normal(w_shape[1] * groups) if bias else None
    return rng.standard_normal(x_shape), rng.standard_normal(w_shape), b


@st.composite
def transposed_cases(draw):
    """(x shape, weight shape, bias?, stride, padding, output_padding, dilation, groups, seed),
    the output at least one long."""
    groups = draw(st.integers(1, 3))
    per_group_in, per_group_out = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    k, s, d = draw(st.integers(1, 4)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    op = draw(st.integers(0, max(s, d) - 1))  # below the stride or the dilation, as PyTorch's
    length = draw(st.integers(1, 6))
    p = draw(st.integers(0, min(3, ((length - 1) * s + d * (k - 1) + op) // 2)))
    x_shape = (draw(st.integers(1, 3)), groups * per_group_in, length)
    w_shape = (groups * per_group_in, per_group_out, k)
    return x_shape, w_shape, draw(st.booleans()), s, p, op, d, groups, draw(st.integers(0, 99))


def reference(x, w, b, s, p, op, d, groups):
    """Every input position i adds x[n, c, i] * w[c, o, a] to padded output position
    i*s + a*d; the padding is then cropped."""
    n, cin, length = x.shape
    _, per_group_out, k = w.shape
    full = (length - 1) * s + d * (k - 1) + 1 + op
    out = np.zeros((n, per_group_out * groups, full))
    cin_g = cin // groups
    for g in range(groups):
        xs = x[:, g * cin_g : (g + 1) * cin_g]
        rows = slice(g * per_group_out, (g + 1) * per_group_out)
        for a in range(k):
            taps = np.einsum("ncl,co->nol", xs, w[g * cin_g : (g + 1) * cin_g, :, a])
            out[:, rows, a * d : a * d + (length - 1) * s + 1 : s] += taps
    out = out[:, :, p : full - p]
    return out if b is None else out + b[:, None]


@settings(max_examples=40, deadline=None)
@given(transposed_cases())
def test_matches_a_direct_scatter_and_central_differences(case):
    x_shape, w_shape, bias, s, p, op, d, groups, seed = case
    x, w, b = arrays(x_shape, w_shape, bias, seed, groups)

    def ours(x, w, b=None):
        return F.conv_transpose1d(x, w, b, s, p, op, groups, d)

    out = ours(Tensor(x), Tensor(w), None if b is None else Tensor(b))
    length = (x_shape[2] - 1) * s - 2 * p + d * (w_shape[2] - 1) + op + 1  # PyTorch's size
    assert out.shape == (x_shape[0], w_shape[1] * groups, length)
    expected = reference(x, w, b, s, p, op, d, groups)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)
    inputs = (x, w) if b is None else (x, w, b)
    autodiff.gradcheck(ours, *inputs)


# (x shape, weight shape, stride, padding, output_padding, groups, dilation)
EDGES = {
    "plain": ((2, 3, 4), (3, 2, 3), 1, 0, 0, 1, 1),
    "upsample-x2": ((2, 4, 6), (4, 3, 4), 2, 1, 0, 1, 1),
    "output-padding": ((1, 3, 5), (3, 2, 3), 2, 1, 1, 1, 1),
    "1-tuples": ((2, 2, 4), (2, 3, 3), (3,), (1,), (2,), 1, (2,)),
    "grouped-dilated": ((2, 4, 4), (4, 2, 3), 2, 1, 1, 2, 3),
    "depthwise": ((1, 3, 5), (3, 1, 3), 1, 1, 0, 3, 1),
    "op-below-dilation-only": ((1, 2, 3), (2, 2, 2), 1, 0, 1, 1, 2),
    "length-1": ((3, 2, 1), (2, 2, 3), 1, 0, 0, 1, 1),
    "crop-to-one": ((1, 1, 1), (1, 1, 3), 1, 1, 0, 1, 1),
}


@pytest.mark.parametrize("name", list(EDGES))
def test_values_and_gradients_match_torch(name):
    torch = pytest.importorskip("torch")
    x_shape, w_shape, *args = EDGES[name]
    x, w, b = arrays(x_shape, w_shape, True, 3, args[3])
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    expected = torch.nn.functional.conv_transpose1d(tx, tw, tb, *args)
    upstream = np.random.default_rng(4).standard_normal(tuple(expected.shape))
    expected.backward(torch.tensor(upstream))

    def ours(x, w, b):
        return F.conv_transpose1d(x, w, b, *args)

    value, grads = grads_of(ours, x, w, b, upstream)
    np.testing.assert_allclose(value, expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    for got, want in zip(grads, (tx, tw, tb)):
        np.testing.assert_allclose(got, want.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_one_signal_empty_batch_float32_and_one_conv_node():
    torch = pytest.importorskip("torch")
    x, w, b = arrays((3, 5), (3, 2, 3), True, 5)
    expected = torch.nn.functional.conv_transpose1d(*map(torch.tensor, (x, w, b)), 2, 1, 1)
    got = F.conv_transpose1d(Tensor(x), Tensor(w), Tensor(b), 2, 1, 1)
    assert got.shape == tuple(expected.shape) == (2, 10)
    np.testing.assert_allclose(got.data, expected.numpy(), rtol=1e-12, atol=1e-12)
    empty = F.conv_transpose1d(Tensor(np.zeros((0, 3, 5))), Tensor(w), Tensor(b), 2)
    assert empty.shape == (0, 2, 11)
    xt = Tensor(x[None].astype(np.float32), requires_grad=True)
    wt = Tensor(w.astype(np.float32), requires_grad=True)
    y = F.conv_transpose1d(xt, wt, Tensor(b.astype(np.float32)), stride=2)
    y.sum().backward()
    assert y.dtype == xt.grad.dtype == wt.grad.dtype == np.float32
    # the graph: reshapes around one conv_transpose2d node, no op of its own
    ops, stack, seen = [], [y], set()
    while stack:
        node = stack.pop().grad_fn
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        ops.append(type(node).__name__)
        stack.extend(t for t in node.inputs if isinstance(t, Tensor))
    assert ops.count("ConvTranspose2d") == 1


TORCH_ERRORS = [  # (x shape, weight shape, keyword arguments): torch raises, so do we
    ((1, 3, 5), (4, 2, 3), {}),  # channels
    ((1, 4, 5), (4, 2, 3), {"groups": 3}),  # weight's in-channels not divisible
    ((1, 4, 5), (4, 2, 3), {"stride": 2, "output_padding": 2}),
    ((1, 4, 5), (4, 2, 3), {"output_padding": 1}),
    ((1, 4, 1), (4, 2, 1), {"padding": 1}),  # output too small
    ((4,), (4, 2, 3), {}),
    ((1, 4, 5, 5), (4, 2, 3), {}),
    ((1, 4, 5), (4, 2, 3, 3), {}),
    ((1, 4, 5), (4, 2, 3), {"stride": (2, 2)}),
]


@pytest.mark.parametrize(("x_shape", "w_shape", "kwargs"), TORCH_ERRORS)
def test_errors_where_torch_raises_them(x_shape, w_shape, kwargs):
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError):
        torch.nn.functional.conv_transpose1d(torch.zeros(x_shape), torch.zeros(w_shape), **kwargs)
    with pytest.raises((RuntimeError, ValueError)):  # ShapeError is both
        F.conv_transpose1d(autodiff.zeros(*x_shape), autodiff.zeros(*w_shape), **kwargs)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: F.conv_transpose1d(autodiff.ones(1, 3, 5), autodiff.ones(4, 2, 3)), ShapeError,
         "conv_transpose1d: input (1, 3, 5) and weight (4, 2, 3) (run as conv_transpose2d on "
         "(N, C, 1, L)): conv_transpose2d: input (1, 3, 1, 5) has 3 channels but weight "
         "(4, 2, 1, 3) expects 4"),
        (lambda: F.conv_transpose1d(autodiff.ones(1, 4, 5), autodiff.ones(4, 2, 3),
                                    stride=2, output_padding=2),
         ShapeError, "output_padding (0, 2) must be smaller than either the stride (1, 2) or "
         "the dilation (1, 1) (in width)"),
        (lambda: F.conv_transpose1d(autodiff.ones(1, 4, 5, 5), autodiff.ones(4, 2, 3)),
         ShapeError, "conv_transpose1d: expected input (N, Cin, L) or (Cin, L), got shape "
         "(1, 4, 5, 5)"),
        (lambda: F.conv_transpose1d(autodiff.ones(1, 4, 5), autodiff.ones(4, 2, 3, 3)),
         ShapeError, "conv_transpose1d: expected weight (Cin, Cout / groups, k), got shape "
         "(4, 2, 3, 3)"),
        (lambda: F.conv_transpose1d(autodiff.ones(1, 4, 5), autodiff.ones(4, 2, 3),
                                    padding="same"),
         TypeError, "conv_transpose1d: padding must be an int or a 1-tuple, not 'same'"),
        (lambda: F.conv_transpose1d(autodiff.ones(1, 4, 5), autodiff.ones(4, 2, 3), stride=(2, 2)),
         ValueError, "conv_transpose1d: stride must be a positive int or a 1-tuple of one"),
        (lambda: F.conv_transpose1d(autodiff.ones(1, 4, 5),
                                    Tensor(np.ones((4, 2, 3)))),
         autodiff.DtypeError, "conv_transpose1d: expected input and weight to have the same "
         "dtype, but got float32 and float64"),
        (lambda: nn.ConvTranspose1d(4, 6, 3, groups=4), ValueError,
         "ConvTranspose1d: out_channels=6 must be divisible by groups=4"),
        (lambda: nn.ConvTranspose1d(4, 6, 3, padding_mode="reflect"), ValueError,
         'ConvTranspose1d: only "zeros" padding mode is supported'),
        (lambda: nn.ConvTranspose1d(4, 6, 3, padding="same"), ValueError,
         "ConvTranspose1d: padding must be an int or a 1-tuple"),
        (lambda: nn.ConvTranspose1d(4, 6, (3, 3)), TypeError,
         "ConvTranspose1d: kernel_size must be an int or a 1-tuple, got (3, 3) with 2 entries"),
        (lambda: nn.ConvTranspose1d(4, 6, 0), ValueError, "kernel_size"),
        (lambda: nn.ConvTranspose1d(4, 6, 3)(autodiff.ones(2, 4, 5).double()),
         autodiff.DtypeError, "conv_transpose1d: expected input and weight to have the same "
         "dtype"),
    ],
)  # fmt: skip
def test_errors_name_the_op_and_shapes(call, error, message):
    with pytest.raises(error, match=re.escape(message)):
        call()


def test_layer_matches_torch_in_repr_state_dict_init_and_output():
    torch = pytest.importorskip("torch")
    cases = [
        ((4, 6, 3), {}),
        ((4, 6, 3, 2, 1, 1, 2, False, 2), {}),  # PyTorch's positional order
        ((4, 3, (2,)), {"stride": (2,), "padding": (1,), "output_padding": (1,)}),
        ((2, 4, 2), {"dilation": 2, "bias": False}),
    ]
    x = np.random.default_rng(3).standard_normal((2, 4, 5))
    for args, kwargs in cases:
        ours = nn.ConvTranspose1d(*args, **kwargs, dtype=np.float64)
        theirs = torch.nn.ConvTranspose1d(*args, **kwargs, dtype=torch.float64)
        assert repr(ours) == repr(theirs)
        names = ("kernel_size", "stride", "padding", "output_padding", "dilation", "groups")
        for name in names:
            assert getattr(ours, name) == getattr(theirs, name), name
        state = ours.state_dict()
        assert {k: tuple(np.shape(v)) for k, v in state.items()} == {
            k: tuple(v.shape) for k, v in theirs.state_dict().items()
        }
        # PyTorch's bound: fan_in = weight.shape[1] * k (out_channels / groups * k)
        bound = 1 / np.sqrt(ours.weight.data[0].size)
        assert bound == 1 / np.sqrt(theirs.weight[0].numel())
        assert np.abs(ours.weight.data).max() <= bound
        if ours.bias is not None:
            assert np.abs(ours.bias.data).max() <= bound
        theirs.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in state.items()})
        inputs = x[:, : args[0]]
        expected = theirs(torch.tensor(inputs)).detach().numpy()
        np.testing.assert_allclose(ours(Tensor(inputs)).data, expected, rtol=1e-12, atol=1e-12)
        got = ours(Tensor(inputs[0])).data  # one signal
        np.testing.assert_allclose(got, expected[0], rtol=1e-12, atol=1e-12)


def test_default_dtype_and_draws_across_the_range():
    layer = nn.ConvTranspose1d(8, 16, 5)
    assert layer.weight.shape == (8, 16, 5) and layer.weight.dtype == np.float32
    bound = 1 / np.sqrt(16 * 5)
    assert 0.5 * bound < np.abs(layer.weight.data).max() <= bound


def test_output_size_picks_output_padding_as_torch():
    torch = pytest.importorskip("torch")
    ours = nn.ConvTranspose1d(4, 6, 3, stride=3, padding=1, dtype=np.float64)
    theirs = torch.nn.ConvTranspose1d(4, 6, 3, stride=3, padding=1, dtype=torch.float64)
    theirs.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(5).standard_normal((2, 4, 5))
    for size in ([13], (14,), [2, 6, 15], (13,)):
        expected = theirs(torch.tensor(x), output_size=size).detach().numpy()
        got = ours(Tensor(x), output_size=size).data
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    one = theirs(torch.tensor(x[0]), output_size=[6, 14]).detach().numpy()
    np.testing.assert_allclose(ours(Tensor(x[0]), output_size=[6, 14]).data, one, atol=1e-12)
    for size in ([12], [16], [13, 13], [2, 6, 1, 13]):
        with pytest.raises(ValueError) as theirs_error:
            theirs(torch.tensor(x), output_size=size)
        with pytest.raises(ValueError) as ours_error:
            ours(Tensor(x), output_size=size)
        if len(size) == 1:  # the same range named
            assert str(theirs_error.value).split("(for")[0] in str(ours_error.value)


def test_trains_as_a_decoder():
    decoder = nn.Sequential(nn.ConvTranspose1d(2, 3, 4, 2, 1), nn.ReLU(), nn.Conv1d(3, 1, 3, 1, 1))
    x = Tensor(np.random.default_rng(0).standard_normal((4, 2, 5), dtype=np.float32))
    target = Tensor(np.random.default_rng(1).standard_normal((4, 1, 10), dtype=np.float32))
    opt = nn.optim.SGD(decoder.parameters(), lr=0.05)
    losses = []
    for _ in range(20):
        opt.zero_grad()
        loss = F.mse_loss(decoder(x), target)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]


def test_onnx_round_trip():
    pytest.importorskip("onnx")
    from nn.export import from_onnx, to_onnx

    autodiff.manual_seed(0)
    model = nn.Sequential(
        nn.ConvTranspose1d(4, 6, 3, 2, 1, 1, 2, True, 2), nn.ReLU(), nn.ConvTranspose1d(6, 2, 2)
    )
    x = np.random.default_rng(2).standard_normal((3, 4, 7)).astype(np.float32)
    proto = to_onnx(model, x, None)
    assert "ConvTranspose" in {node.op_type for node in proto.graph.node}
    back = from_onnx(proto)
    for n in (3, 5):  # the batch is symbolic
        batch = np.random.default_rng(n).standard_normal((n, 4, 7)).astype(np.float32)
        expected = model(Tensor(batch)).data
        np.testing.assert_allclose(back(Tensor(batch)).data, expected, rtol=1e-5, atol=1e-5)
    try:
        import onnxruntime as ort
    except ImportError:
        return
    session = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    (got,) = session.run(None, {session.get_inputs()[0].name: x})
    np.testing.assert_allclose(got, model(Tensor(x)).data, rtol=1e-5, atol=1e-5)
