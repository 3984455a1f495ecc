"""`autodiff.autograd.Function`: PyTorch's custom-op class, whose forward and backward see Tensors.

    class MyReLU(autodiff.autograd.Function):
        @staticmethod
        def forward(ctx, input):               # Tensors in, a Tensor out (recording is off)
            ctx.save_for_backward(input)
            return input.clamp(min=0)

        @staticmethod
        def backward(ctx, grad_output):        # a Tensor in, a gradient per input out
            (input,) = ctx.saved_tensors
            grad_input = grad_output.clone()
            grad_input[input < 0] = 0
            return grad_input

It is the engine's `autodiff.Function` (whose forward and backward see numpy arrays) with each
side wrapped: the arrays become Tensors on the way in and arrays again on the way out, so the
node keeps the arrays it saved and the version checks see them. Under `create_graph=True` the
engine hands backward the graph's Tensors and keeps the Tensors it returns, so a backward written
with Tensor operations is differentiable again, as in PyTorch. PyTorch's newer style (a `forward`
without ctx plus `setup_context(ctx, inputs, output)`) works too. A Function has one output.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..function import Function as _EngineFunction
from ..grad_mode import no_grad
from ..tensor import Tensor


def _as_tensor(value: Any) -> Any:
    if isinstance(value, np.ndarray | np.generic):
        return Tensor._make(np.asarray(value))
    return value


class Function(_EngineFunction):
    """Base class of PyTorch-style custom ops: subclass it, write static `forward(ctx, ...)`
    and `backward(ctx, grad_output)` on Tensors, call `MyOp.apply(...)`."""

    __slots__ = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        forward = _plain_function(cls.__dict__.get("forward"))
        backward = _plain_function(cls.__dict__.get("backward"))
        setup_context = _plain_function(cls.__dict__.get("setup_context"))
        if forward is not None:
            cls.forward = staticmethod(_tensor_forward(cls.__name__, forward, setup_context))
        elif setup_context is not None:
            raise TypeError(f"{cls.__name__}: setup_context needs a forward in the same class")
        if backward is not None:
            cls.backward = staticmethod(_tensor_backward(backward))

    def save_for_backward(self, *tensors: Any) -> None:
        """Keep Tensors (or None) for backward; the node stores their arrays."""
        super().save_for_backward(*(t.data if isinstance(t, Tensor) else t for t in tensors))

    def set_materialize_grads(self, value: bool) -> None:
        """PyTorch's switch for undefined output gradients: accepted, and nothing to do, since
        a glassgrad Function has one output, whose gradient always arrives as a Tensor."""

    @property
    def saved_tensors(self) -> tuple:
        """What forward saved, as Tensors (the graph's own under create_graph)."""
        return tuple(_as_tensor(v) for v in _EngineFunction.saved_tensors.fget(self))


def _plain_function(attr: Any) -> Any:
    return attr.__func__ if isinstance(attr, staticmethod | classmethod) else attr


def _tensor_forward(name: str, forward: Any, setup_context: Any) -> Any:
    def run_forward(ctx: Any, *args: Any, **kwargs: Any) -> Any:
        inputs = tuple(_as_tensor(a) for a in args)
        with no_grad():  # PyTorch runs forward without recording too
            if setup_context is None:
                out = forward(ctx, *inputs, **kwargs)
            else:
                out = forward(*inputs, **kwargs)
                setup_context(ctx, inputs, out)
        if isinstance(out, tuple | list):
            raise TypeError(
                f"{name}.forward returned {len(out)} outputs; glassgrad's Functions have exactly "
                "one output Tensor (return one, or split the op into several Functions)"
            )
        return out.data if isinstance(out, Tensor) else out

    return run_forward


def _tensor_backward(backward: Any) -> Any:
    def run_backward(ctx: Any, grad: Any) -> Any:
        recording = isinstance(grad, Tensor)  # create_graph: keep the Tensors (and their graph)
        if recording:
            grads = backward(ctx, grad)
        else:
            with no_grad():  # grad mode is create_graph's during backward, as in PyTorch
                grads = backward(ctx, _as_tensor(grad))
        if not isinstance(grads, tuple):
            grads = (grads,)
        grads = _one_per_input(ctx, grads)
        if recording:
            return grads
        return tuple(g.data if isinstance(g, Tensor) else g for g in grads)

    return run_backward


def _one_per_input(ctx: Any, grads: tuple) -> tuple:
    """`grads` checked as PyTorch checks them: one per argument of forward (None for those
    that need none); more are allowed only if the extra ones are None. Fewer would leave the
    last inputs without a gradient, silently."""
    n = len(ctx.args)
    if len(grads) < n or any(g is not None for g in grads[n:]):
        raise RuntimeError(
            f"function {type(ctx).__name__}Backward returned an incorrect number of gradients "
            f"(expected {n}, got {len(grads)}): backward returns one gradient per argument of "
            "forward, None for those that need none"
        )
    return grads[:n]
