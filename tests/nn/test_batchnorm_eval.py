"""Evaluation-mode batch norm is one compute node (`BatchNormEval`, ONNX's
BatchNormalization): gradients against central differences over random shapes, second order
too (its backward records under create_graph), with and without weight and bias."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autodiff
import nn
import nn.functional as F
from autodiff.testing import arrays, assert_gradients_match, shapes, tensors


@settings(max_examples=20, deadline=None)
@given(
    n=st.integers(1, 3),
    c=st.integers(1, 3),
    rest=shapes(min_dims=0, max_dims=2, max_side=3),
    affine=st.booleans(),
    data=st.data(),
)
def test_batch_norm_eval_gradients(n, c, rest, affine, data):
    x = data.draw(tensors((n, c, *rest)))
    mean = data.draw(arrays((c,)))
    var = data.draw(arrays((c,), low=0.1, high=2.0))
    if affine:
        w, b = data.draw(tensors((c,))), data.draw(tensors((c,)))
        f = lambda x, w, b: F.batch_norm(x, mean, var, w, b, eps=1e-3)  # noqa: E731
        assert_gradients_match(f, x, w, b)
        assert autodiff.gradgradcheck(f, x, w, b)
    else:
        f = lambda x: F.batch_norm(x, mean, var, eps=1e-3)  # noqa: E731
        assert_gradients_match(f, x)
        assert autodiff.gradgradcheck(f, x)


def test_batch_norm_eval_is_one_node_with_the_statistics_as_inputs():
    x = autodiff.randn(4, 3, dtype=np.float64, requires_grad=True)
    running_mean = autodiff.tensor(np.zeros(3), name="running_mean")
    y = F.batch_norm(x, running_mean, np.full(3, 4.0), training=False)
    (node,) = autodiff.graph.walk(y).functions
    assert type(node).__name__ == "BatchNormEval" and node.op_name() == "batch_norm"
    assert node.inputs[0] is x and node.inputs[1] is running_mean
    np.testing.assert_allclose(y.data, x.data / np.sqrt(4.0 + 1e-5))


def test_evaluation_without_running_statistics_is_refused_as_in_pytorch():
    # Normalising by the batch instead (as training does) would change the mode silently.
    x = autodiff.tensor(np.random.default_rng(0).standard_normal((4, 3)))
    for stats in ((None, None), (np.zeros(3), None), (None, np.ones(3))):
        with pytest.raises(ValueError, match="running_mean and running_var must be given"):
            F.batch_norm(x, *stats)
        with pytest.raises(ValueError, match="running_mean and running_var must be given"):
            F.batch_norm(x, *stats, training=False)
    # The layers decide as PyTorch's: without running statistics, the batch's in either mode.
    free = nn.BatchNorm1d(3, track_running_stats=False).double().eval()
    np.testing.assert_allclose(free(x).data, F.batch_norm(x, None, None, training=True).data)
    dropped = nn.BatchNorm1d(3).double().eval()
    dropped.running_mean = dropped.running_var = None
    np.testing.assert_allclose(dropped(x).data, free(x).data)
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match="running_mean must be defined in evaluation mode"):
        torch.nn.functional.batch_norm(torch.tensor(x.data), None, None)
    theirs = torch.nn.BatchNorm1d(3, dtype=torch.float64).eval()
    theirs.running_mean = theirs.running_var = None
    np.testing.assert_allclose(dropped(x).data, theirs(torch.tensor(x.data)).detach().numpy())
