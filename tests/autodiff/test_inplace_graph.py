"""The graph as its readers see it after a recorded in-place op (`x.relu_()`): an op that used
`x` before the change reads the values `x` had then, so `Function.inputs`, `operands`,
`next_functions`, `autodiff.graph.walk`, the picture's wires, the formula labels and the ONNX
exporter all draw that op's edge from the node that made those values, as backward sends its
gradient (and as PyTorch's `next_functions` reads)."""

from __future__ import annotations

import numpy as np
import pytest

import autodiff as ad
import nn
import nn.functional as F
from autodiff.graph import walk


def _chain():
    """a -> x = a * 2 -> y = x + 3 (x before) ; x.sin_() ; x.relu_() ; z = y * x (x after)."""
    a = ad.tensor([-1.0, 2.0, -3.0], dtype=ad.float64, requires_grad=True)
    x = a * 2
    made_x = x.grad_fn
    y = x + 3
    x.sin_()
    sin = x.grad_fn
    x.relu_()
    z = y * x
    return a, x, y, z, made_x, sin


def test_an_op_that_used_the_tensor_before_reads_the_node_of_that_time():
    _, x, y, z, made_x, sin = _chain()
    (before,) = y.grad_fn.inputs
    assert before is not x and before.grad_fn is made_x
    np.testing.assert_array_equal(before.data, [-2.0, 4.0, -6.0])  # the values y was made of
    assert y.grad_fn.next_functions == ((made_x, 0),)
    assert y.grad_fn.operands == (before, 3)
    # an op that ran after the changes reads the tensor itself, and its newest node
    assert z.grad_fn.inputs[1] is x
    assert z.grad_fn.next_functions[1] == (x.grad_fn, 0)
    # each in-place op reads the values the one before it left
    assert x.grad_fn.next_functions[0] == (sin, 0)
    assert sin.next_functions == ((made_x, 0),)


def test_the_walked_graph_has_the_edges_backward_follows():
    a, x, y, z, made_x, sin = _chain()
    g = walk(z)
    names = {f.op_name(): [g.name(t) for t in f.inputs] for f in g.functions}
    made_x_out = g.name(g.output(made_x))
    assert names["+"] == [made_x_out]  # y = x + 3 drawn from a * 2, not from the relu
    assert names["sin"] == [made_x_out]
    edges = {(id(src), id(dst)) for src, dst in g.edges()}
    assert (id(g.output(made_x)), id(y.grad_fn)) in edges
    assert (id(x), id(y.grad_fn)) not in edges
    assert [f for f in g.consumers(x)] == [z.grad_fn]
    # and backward agrees: z = (2a + 3) * relu(sin(2a))
    z.sum().backward()
    a2 = 2 * np.array([-1.0, 2.0, -3.0])
    expected = 2 * np.maximum(np.sin(a2), 0) + (a2 + 3) * (np.sin(a2) > 0) * np.cos(a2) * 2
    np.testing.assert_allclose(a.grad.data, expected)


def test_the_picture_wires_and_formula_labels_follow_it():
    viz_picture = pytest.importorskip("viz.picture")
    from viz.names import expression

    a, x, y, z, made_x, _ = _chain()
    a.name = "a"
    g = walk(z)
    picture = viz_picture.build_picture(g)
    gate = next(gate for gate in picture.gates if gate.node is y.grad_fn)
    assert [t.grad_fn for t in gate.inputs] == [made_x]
    assert expression(y, "t") == "a * 2 + 3"
    assert expression(z, "t") == "(a * 2 + 3)*relu(sin(a * 2))"


def test_a_model_that_uses_a_tensor_before_relu_in_place_exports_to_onnx():
    pytest.importorskip("onnx")
    from nn.export import from_onnx, to_onnx

    class Residual(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(4, 4)

        def forward(self, x):
            h = self.fc(x)
            skip = h + 1.0  # uses h before F.relu_ overwrites it
            F.relu_(h)
            return skip * 2 + h

    model = Residual()
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    exported = to_onnx(model, (x,), None)
    np.testing.assert_allclose(
        from_onnx(exported)(ad.tensor(x)).data, model(ad.tensor(x)).data, rtol=1e-6
    )
    ort = pytest.importorskip("onnxruntime")
    session = ort.InferenceSession(exported.SerializeToString())
    (got,) = session.run(None, {session.get_inputs()[0].name: x})
    np.testing.assert_allclose(got, model(ad.tensor(x)).data, rtol=1e-6)


@pytest.mark.parametrize(
    "change",
    [lambda x: x.logit_(), lambda x: x.lerp_(x.detach() * 0 + 0.9, 0.5), lambda x: x.relu_()],
    ids=["logit_", "lerp_", "relu_"],
)
def test_ops_composed_in_place_are_read_the_same_way(change):
    # logit_ and lerp_ are several ops: their node's inputs are not the old values themselves
    a = ad.tensor([0.2, 0.3], dtype=ad.float64, requires_grad=True)
    x = a * 1.0
    made_x = x.grad_fn
    y = x + 1
    change(x)
    assert y.grad_fn.next_functions == ((made_x, 0),)
    np.testing.assert_array_equal(y.grad_fn.inputs[0].data, [0.2, 0.3])
    g = walk(y + x)
    assert y.grad_fn in g.consumers(g.output(made_x))
    assert y.grad_fn not in g.consumers(x)
