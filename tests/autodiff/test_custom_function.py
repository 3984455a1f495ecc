"""The public custom-op API: a user's Function, its saved values, and create_graph."""

import numpy as np
import pytest

import autodiff as ad
from autodiff import Function, Tensor


class Cube(Function):
    """x**3, with the input saved for backward."""

    op = "cube"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x * x


class ScaledSoftplus(Function):
    """scale * log(1 + exp(x)); the output is saved, the scale is a constant argument."""

    @staticmethod
    def forward(ctx, x, scale):
        y = scale * np.logaddexp(0, x)
        ctx.scale = scale
        ctx.save_for_backward(x)
        return y

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * ctx.scale / (1 + np.exp(-x)), None


def test_custom_function_forward_backward():
    x = Tensor([1.0, -2.0], requires_grad=True, dtype=np.float64)
    y = Cube.apply(x)
    assert y.grad_fn.op_name() == "cube" and repr(y.grad_fn) == "<CubeBackward>"
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, [3.0, 12.0])


def test_custom_function_passes_gradcheck_and_gradgradcheck():
    x = np.array([0.3, -1.2, 2.0])
    assert ad.gradcheck(lambda t: Cube.apply(t), x)
    assert ad.gradgradcheck(lambda t: Cube.apply(t), x)
    assert ad.gradcheck(lambda t: ScaledSoftplus.apply(t, 2.5), x)
    assert ad.gradgradcheck(lambda t: ScaledSoftplus.apply(t, 2.5), x)


def test_custom_function_without_grad_records_nothing():
    y = Cube.apply(Tensor([2.0]))
    assert y.grad_fn is None and y.tolist() == [8.0]


def test_needs_input_grad_and_inputs():
    a = Tensor([1.0], requires_grad=True)
    b = Tensor([2.0])
    y = a * b
    assert y.grad_fn.needs_input_grad == (True, False)
    assert y.grad_fn.inputs == (a, b) or all(p is q for p, q in zip(y.grad_fn.inputs, (a, b)))


def test_wrong_gradient_shape_from_custom_backward():
    class Bad(Function):
        @staticmethod
        def forward(ctx, x):
            return x.sum()

        @staticmethod
        def backward(ctx, g):
            return np.ones(7)

    x = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(ad.ShapeError, match=r"BadBackward returned a gradient of shape \(7,\)"):
        Bad.apply(x).backward()


def test_forward_errors_name_the_op():
    class Picky(Function):
        @staticmethod
        def forward(ctx, x):
            return np.reshape(x, (5,))

        @staticmethod
        def backward(ctx, g):
            return g

    with pytest.raises(ValueError, match="picky: .*float32 \\(3,\\)"):
        Picky.apply(Tensor([1.0, 2.0, 3.0]))


def test_a_function_subclass_may_not_define_init():
    with pytest.raises(TypeError, match="Scale: a Function subclass must not define __init__"):

        class Scale(Function):
            def __init__(self, factor):
                self.factor = factor


def test_forward_can_ask_ctx_whether_it_is_recording():
    seen = []

    class Probe(Function):
        @staticmethod
        def forward(ctx, x):
            seen.append(ctx.recording)
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    x = Tensor(np.ones(3), requires_grad=True)
    Probe.apply(x)  # recorded
    with ad.no_grad():
        Probe.apply(x)  # no recording
    Probe.apply(Tensor(np.ones(3)))  # nothing requires grad
    Probe.call(np.ones(3))  # plain arrays (backward formulas)
    assert seen == [True, False, False, False]
