"""Module backward hooks: `register_full_backward_hook` and `register_full_backward_pre_hook`.

PyTorch wraps a hooked module's tensor inputs and outputs in an identity op with several
outputs, whose backward node sees all their gradients at once. A glassgrad op has one output,
so each side is built from one-output ops around a 0-d "token":

    inputs:  token = _HookInputs(x1, x2, ...)      x_i -> y_i = _HookedTensor(x_i, token)
    outputs: token = _HookOutputs(o1, o2, ...)     o_j -> z_j = _HookedTensor(o_j, token)

`forward` sees the y_i, the caller gets the z_j. During backward each `_HookedTensor` node
stores the gradient it receives and sends a zero to its token (and nothing to its tensor). The
token's node is older than every wrapper of its side, so the engine (newest node first) runs it
after all of them: it then has every gradient of its side, calls the user's hooks with them,
and sends the results on to the x_i or o_j. Nothing of the module's own graph lies between the
`_HookOutputs` node and its wrappers, or between `_HookInputs` and its wrappers, so the
pre-hooks run before any node of the module and the hooks after all of them, as in PyTorch.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

import autodiff
from autodiff import Function, Tensor


class _Call:
    """What one call of a hooked module shares between its backward nodes."""

    __slots__ = ("grad_outputs", "hooks", "input_grads", "input_index", "inputs", "module")
    __slots__ += ("n_outputs", "output_grads", "output_index", "pre_hooks")

    def __init__(self, module: Any, hooks: list, pre_hooks: list) -> None:
        self.module = module
        self.hooks = list(hooks)  # the hooks of the time of the call, as PyTorch's
        self.pre_hooks = list(pre_hooks)
        self.inputs: tuple = ()
        self.input_index: list[int] | None = None  # positions of the wrapped tensor inputs
        self.input_grads: dict[int, Any] = {}
        self.n_outputs = 0
        self.output_index: list[int] = []
        self.output_grads: dict[int, Any] = {}
        self.grad_outputs: tuple | None = None


def _as_tensor(g: Any) -> Any:
    return g if g is None or isinstance(g, Tensor) else Tensor._make(np.asarray(g))


def _as_gradient(g: Any, recording: bool) -> Any:
    """A hook's gradient as the engine wants it: a Tensor under create_graph, else an array."""
    if g is None or recording:
        return g
    return g.data if isinstance(g, Tensor) else np.asarray(g)


def _user_code(recording: bool) -> Any:
    """Grad mode for user code in backward: create_graph's, as PyTorch's engine sets it."""
    return autodiff.enable_grad() if recording else autodiff.no_grad()


class _HookedTensor(Function):
    """y = x, sharing x's memory; its gradient goes to the call's token instead of to x."""

    is_view = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, token: Any, call: _Call, grads: dict, i: int) -> Any:
        return x

    @staticmethod
    def backward(ctx: Function, grad: Any) -> Any:
        _, token, _, grads, i = ctx.args
        grads[i] = grad
        zero = np.zeros((), token.data.dtype)
        return None, (Tensor._make(zero) if isinstance(grad, Tensor) else zero), None, None, None


class _HookOutputs(Function):
    """The token of a call's outputs; its backward runs the backward pre-hooks."""

    @staticmethod
    def forward(ctx: Function, call: _Call, *outputs: np.ndarray) -> np.ndarray:
        return np.zeros((), outputs[0].dtype)

    @staticmethod
    def backward(ctx: Function, grad: Any) -> Any:
        call: _Call = ctx.args[0]
        recording = isinstance(grad, Tensor)
        got = call.output_grads
        grad_outputs = [None] * call.n_outputs
        for j in call.output_index:
            grad_outputs[j] = _as_tensor(got.get(j))
        got.clear()
        grad_outputs = tuple(grad_outputs)
        with _user_code(recording):
            for hook in call.pre_hooks:
                result = hook(call.module, grad_outputs)
                if result is None:
                    continue
                if not isinstance(result, tuple):
                    result = (result,)
                if len(result) != len(grad_outputs):
                    raise RuntimeError(
                        "Backward pre hook returned an invalid number of grad_output, got "
                        f"{len(result)}, but expected {len(grad_outputs)}"
                    )
                grad_outputs = result
            call.grad_outputs = grad_outputs
            if call.input_index is None and call.hooks:  # no input requires grad: run them here
                warnings.warn(
                    "Full backward hook is firing when gradients are computed with respect to "
                    "module outputs since no inputs require gradients. See "
                    "https://docs.pytorch.org/docs/main/generated/torch.nn.Module.html"
                    "#torch.nn.Module.register_full_backward_hook for more details.",
                    stacklevel=2,
                )
                grad_inputs = (None,) * len(call.inputs)
                for hook in call.hooks:
                    result = hook(call.module, grad_inputs, grad_outputs)
                    if result is not None and not (
                        isinstance(result, tuple) and all(g is None for g in result)
                    ):
                        raise RuntimeError(
                            "Backward hook for Modules where no input requires gradient should "
                            "always return None or None for all gradients."
                        )
                call.grad_outputs = None
        return (None, *(_as_gradient(grad_outputs[j], recording) for j in call.output_index))


class _HookInputs(Function):
    """The token of a call's inputs; its backward runs the full backward hooks."""

    @staticmethod
    def forward(ctx: Function, call: _Call, *inputs: np.ndarray) -> np.ndarray:
        return np.zeros((), inputs[0].dtype)

    @staticmethod
    def backward(ctx: Function, grad: Any) -> Any:
        call: _Call = ctx.args[0]
        recording = isinstance(grad, Tensor)
        got = call.input_grads
        index = call.input_index or []
        # PyTorch's grad_input: None for a non-tensor argument, zeros for a tensor that got
        # no gradient (or does not require grad)
        grad_inputs: list[Any] = [None] * len(call.inputs)
        for k, a in enumerate(call.inputs):
            if isinstance(a, Tensor):
                g = got.get(k)
                grad_inputs[k] = _as_tensor(g) if g is not None else autodiff.zeros_like(a)
        got.clear()
        result_inputs = tuple(grad_inputs)
        if call.grad_outputs is None:  # reached without passing the outputs (PyTorch: no call)
            return (None, *(_as_gradient(result_inputs[k], recording) for k in index))
        with _user_code(recording):
            for hook in call.hooks:
                result = hook(call.module, result_inputs, call.grad_outputs)
                if result is None:
                    continue
                if not isinstance(result, tuple):
                    result = (result,)
                if len(result) != len(result_inputs):
                    raise RuntimeError(
                        "Backward hook returned an invalid number of grad_input, got "
                        f"{len(result)}, but expected {len(result_inputs)}"
                    )
                _check_shapes(hook, result, call.inputs)
                result_inputs = result
        call.grad_outputs = None
        return (None, *(_as_gradient(result_inputs[k], recording) for k in index))


def _check_shapes(hook: Callable, result: tuple, inputs: tuple) -> None:
    for k, (g, a) in enumerate(zip(result, inputs, strict=True)):
        if g is not None and isinstance(a, Tensor) and tuple(np.shape(g)) != tuple(a.shape):
            raise RuntimeError(
                f"backward hook {getattr(hook, '__name__', hook)!r} has changed the size of "
                f"grad_input {k}: got shape {tuple(np.shape(g))}, expected {tuple(a.shape)}"
            )


def _wrap(call: _Call, token_op: type[Function], values: tuple, grads: dict) -> tuple:
    """Each tensor of `values` that requires grad wrapped in a `_HookedTensor` of one token;
    (values, None) unchanged when none requires grad or grad mode is off."""
    index = [i for i, v in enumerate(values) if isinstance(v, Tensor) and v.requires_grad]
    if not index or not autodiff.is_grad_enabled():
        return values, None
    token = token_op.apply(call, *(values[i] for i in index))
    wrapped = list(values)
    for i in index:
        wrapped[i] = _HookedTensor.apply(values[i], token, call, grads, i)
    return tuple(wrapped), index


def hook_inputs(module: Any, hooks: list, pre_hooks: list, args: tuple) -> tuple[_Call, tuple]:
    """Set up a call's backward hooks on its positional arguments (PyTorch hooks only those):
    the arguments forward should get."""
    call = _Call(module, hooks, pre_hooks)
    call.inputs = args
    args, call.input_index = _wrap(call, _HookInputs, args, call.input_grads)
    return call, args


def hook_outputs(call: _Call, output: Any) -> Any:
    """Set up a call's backward hooks on its output (a Tensor or a tuple): what the caller
    gets."""
    if not isinstance(output, Tensor | tuple):
        warnings.warn(
            "For backward hooks to be called, module output should be a Tensor or a tuple of "
            f"Tensors but received {type(output)}",
            stacklevel=3,
        )
    single = not isinstance(output, tuple)
    outputs = (output,) if single else output
    call.n_outputs = len(outputs)
    wrapped, index = _wrap(call, _HookOutputs, outputs, call.output_grads)
    call.output_index = index or []
    return wrapped[0] if single else wrapped
