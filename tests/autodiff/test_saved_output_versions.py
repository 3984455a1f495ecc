"""Version checks cover everything a node saved: its inputs and its output.

An op that saves its output for backward (exp, sigmoid, tanh, softmax, log_softmax, sqrt, relu,
a custom Function) computes a wrong gradient if that output is changed in place afterwards —
directly, through a view or through `detach()`, which share the memory's version counter.
PyTorch raises "one of the variables needed for gradient computation has been modified by an
inplace operation"; so must we. Each case runs in torch too where it is installed.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

import autodiff as ad
from autodiff import Function, Tensor
from autodiff.autograd import Function as TensorFunction

HAVE_TORCH = importlib.util.find_spec("torch") is not None
TORCH_MESSAGE = "modified by an inplace operation"

# name -> the op, written once for both libraries (method calls both spell the same way)
OPS = {
    "exp": lambda w: w.exp(),
    "sigmoid": lambda w: w.sigmoid(),
    "tanh": lambda w: w.tanh(),
    "softmax": lambda w: w.softmax(0),
    "log_softmax": lambda w: w.log_softmax(0),
    "sqrt": lambda w: w.sqrt(),
    "relu": lambda w: w.relu(),
    "pow of a tensor exponent": lambda w: (w * 0 + 2) ** w,
}
# how the output's memory is changed in place (under no_grad, as a user would)
ROUTES = {
    "the output itself": lambda h: h,
    "detach()": lambda h: h.detach(),
    "a view": lambda h: h.reshape(2, 1)[0],
}


def run(lib, op, route):
    """w.grad after the op, its output changed in place, and backward; or the error."""
    w = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
    h = op(w)
    with lib.no_grad():
        route(h).mul_(0)
    try:
        h.sum().backward()
    except RuntimeError as err:
        return err
    return np.asarray(w.grad.tolist())


@pytest.mark.parametrize("route", sorted(ROUTES))
@pytest.mark.parametrize("name", sorted(OPS))
def test_changing_a_saved_output_in_place_raises(name, route):
    ours = run(ad, OPS[name], ROUTES[route])
    assert isinstance(ours, ad.InplaceModificationError), f"{name}: got {ours!r}"
    assert TORCH_MESSAGE in str(ours) and "output" in str(ours)
    if HAVE_TORCH:
        import torch

        theirs = run(torch, OPS[name], ROUTES[route])
        assert isinstance(theirs, RuntimeError) and TORCH_MESSAGE in str(theirs)


# ops that do not need their output: changing it later is no error, in PyTorch either
CLEAN = {
    "add": lambda w: w + 1,
    "mul": lambda w: w * w,
    "pow of a constant exponent": lambda w: w**3,
    "reshape": lambda w: w.reshape(2, 1),
}


@pytest.mark.parametrize("name", sorted(CLEAN))
def test_ops_that_do_not_save_their_output_still_backpropagate(name):
    ours = run(ad, CLEAN[name], ROUTES["the output itself"])
    assert isinstance(ours, np.ndarray), f"{name}: got {ours!r}"
    if HAVE_TORCH:
        import torch

        theirs = run(torch, CLEAN[name], ROUTES["the output itself"])
        np.testing.assert_allclose(ours, theirs)


def test_a_change_before_the_op_ran_is_no_error():
    def program(lib):
        w = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        h = w * 3  # saves w and 3, not its output
        with lib.no_grad():
            h.mul_(0.5)
        k = h.tanh()  # saves its own output, made after the change
        lib.tensor([0.0]).add_(1)  # an unrelated in-place change moves the global counter
        k.sum().backward()
        return np.asarray(w.grad.tolist())

    ours = program(ad)
    np.testing.assert_allclose(ours, 3 * (1 - np.tanh(1.5 * np.array([1.0, 2.0])) ** 2))
    if HAVE_TORCH:
        import torch

        np.testing.assert_allclose(ours, program(torch))


def test_gradients_and_retained_graphs_are_checked_too():
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    h = w.exp()
    loss = h.sum()
    loss.backward(retain_graph=True)  # fine: nothing changed yet
    with ad.no_grad():
        h.detach().add_(1)
    with pytest.raises(ad.InplaceModificationError, match="ExpBackward"):
        ad.gradients(loss, w, retain_graph=True)
    with pytest.raises(ad.InplaceModificationError, match="ExpBackward"):
        loss.backward()


def test_create_graph_checks_the_saved_output():
    w = Tensor(np.array([0.5, -1.0]), requires_grad=True)
    h = w.tanh()
    with ad.no_grad():
        h[0] = 3.0
    with pytest.raises(ad.InplaceModificationError, match="TanhBackward"):
        ad.gradients(h.sum(), w, create_graph=True)


class ExpSavingOutput(Function):
    """An engine Function (numpy forward and backward) that saves its output."""

    @staticmethod
    def forward(ctx, x):
        y = np.exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y


class TensorExpSavingOutput(TensorFunction):
    """The same as PyTorch's tutorial writes it: Tensors in, the result saved."""

    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad_output):
        (y,) = ctx.saved_tensors
        return grad_output * y


@pytest.mark.parametrize("function", [ExpSavingOutput, TensorExpSavingOutput])
def test_custom_functions_saving_their_output_are_checked(function):
    x = Tensor(np.array([0.1, 0.2]), requires_grad=True)
    y = function.apply(x)
    y.sum().backward(retain_graph=True)
    np.testing.assert_allclose(x.grad.data, np.exp([0.1, 0.2]))
    with ad.no_grad():
        y.detach().mul_(0)
    with pytest.raises(ad.InplaceModificationError, match="output"):
        y.sum().backward()


# reductions that keep their input for backward (the extremum's position): PyTorch saves it
REDUCTIONS = {
    "max()": lambda h: h.max(),
    "min()": lambda h: h.min(),
    "amax(0)": lambda h: h.amax(0),
    "amin(0)": lambda h: h.amin(0),
}


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_changing_a_saved_input_of_an_extremum_raises(name):
    def program(lib):
        w = lib.tensor([1.0, 3.0, 2.0], dtype=lib.float64, requires_grad=True)
        h = w * 1
        m = REDUCTIONS[name](h)
        with lib.no_grad():
            h.mul_(0)
        with pytest.raises(RuntimeError, match=TORCH_MESSAGE):
            m.backward()

    program(ad)
    if HAVE_TORCH:
        import torch

        program(torch)
