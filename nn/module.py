"""Module and Parameter: the containers every layer, loss and model is built from.

A `Module` registers what is assigned to it, like PyTorch's: `self.fc = Linear(4, 2)` makes a
child module, `self.weight = Parameter(...)` a parameter, and `self.register_buffer("running_mean",
...)` a buffer (state that is saved but not trained). From that registry come `parameters()`,
`named_parameters()` ("fc.weight"), `state_dict()`, `train()`/`eval()` and the nested repr.

Calling a module enters `autodiff.name_scope(<name>)`, where the name is the attribute the module
was registered under in its parent (a root module uses its class name, or `scope_name` if set), so
every compute node records where in the model it was created:

    >>> net = TinyNet(); loss = net.criterion(net(x), t)
    >>> {node.scope for node in autodiff.graph.walk(loss).functions}
    {('TinyNet', 'conv1'), ('TinyNet', 'relu1'), ..., ('TinyNet', 'criterion')}
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

import autodiff
from autodiff import Tensor
from autodiff.device import to_arguments
from autodiff.scope import enter_scope, leave_scope
from autodiff.tensor import assign_data

from .backward_hooks import hook_inputs, hook_outputs


class Parameter(Tensor):
    """A Tensor that a Module trains: it requires grad, and its data is a float copy.

    `Parameter(data)` copies `data` (numbers and lists become the default float dtype, float arrays
    keep theirs, integer arrays are converted to the default float dtype).
    """

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            data = np.empty(0, dtype=autodiff.get_default_dtype())
        array = autodiff.tensor(data).data  # always a copy: the parameter owns its memory
        if array.dtype.kind != "f":
            array = array.astype(autodiff.get_default_dtype())
        super().__init__(array, requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    # `p.data = tensor` takes the tensor's values, as PyTorch's (it stored the Tensor itself,
    # whose repr and ops then failed); reads stay the slot's (autodiff.tensor.assign_data)
    data = property(Tensor.__dict__["data"].__get__, assign_data, doc=Tensor.data.__doc__)


class IncompatibleKeys(NamedTuple):
    """What `load_state_dict(strict=False)` skipped (PyTorch's `_IncompatibleKeys`)."""

    missing_keys: list[str]
    unexpected_keys: list[str]

    def __repr__(self) -> str:
        # PyTorch's text, which a notebook shows after `model.load_state_dict(...)`
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return (
            f"_IncompatibleKeys(missing_keys={self.missing_keys!r}, "
            f"unexpected_keys={self.unexpected_keys!r})"
        )

    __str__ = __repr__


class Module:
    """Base class of layers, losses and models: subclass it and write `forward`.

    Attributes that are Parameters, Modules or registered buffers are tracked; everything else is
    an ordinary attribute. `training` is True after construction and flipped by `train()`/`eval()`.
    """

    training: bool

    def __init__(self) -> None:
        # object.__setattr__: our own __setattr__ needs these dicts to exist already.
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "scope_name", None)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    # Hooks registered by register_forward_pre_hook / register_forward_hook: lists of
    # (hook, with_kwargs), made on the first registration (a module without hooks pays one
    # attribute read per call).
    _forward_pre_hooks: list[tuple[Callable, bool]] | None = None
    _forward_hooks: list[tuple[Callable, bool]] | None = None
    # register_full_backward_hook / register_full_backward_pre_hook's hooks, made likewise.
    _backward_hooks: list[Callable] | None = None
    _backward_pre_hooks: list[Callable] | None = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # One frame for the whole call: this runs for every module of every forward, and the
        # hooks' work only for a module that has hooks (benchmarks/README.md, W10 at batch 1).
        hooked = (
            self._forward_pre_hooks is not None
            or self._forward_hooks is not None
            or self._backward_hooks is not None
        )
        if hooked:
            args, kwargs, call = self._before_forward(args, kwargs)
        # The scope groups every compute node made inside by module (viz draws it as a cluster).
        if type(self).name_scope is not _MODULE_NAME_SCOPE:  # overridden: enter that one
            with self.name_scope():
                output = self.forward(*args, **kwargs)
        else:  # what `with self.name_scope():` does, without a context-manager object per call
            prev = enter_scope(self.scope_name or type(self).__name__)
            try:
                output = self.forward(*args, **kwargs)
            finally:
                leave_scope(prev)
        return self._after_forward(args, kwargs, output, call) if hooked else output

    def _before_forward(self, args: tuple, kwargs: dict[str, Any]) -> tuple[tuple, dict, Any]:
        """PyTorch's order before forward: the forward pre-hooks, then the backward hooks'
        wrapping of the inputs (only positional tensors are wrapped)."""
        args, kwargs = self._run_pre_hooks(args, kwargs)
        call = None
        if self._backward_hooks or self._backward_pre_hooks:
            call, args = hook_inputs(self, self._backward_hooks, self._backward_pre_hooks, args)
        return args, kwargs, call

    def _after_forward(self, args: tuple, kwargs: dict[str, Any], output: Any, call: Any) -> Any:
        """PyTorch's order after forward: the forward hooks, then the backward hooks' wrapping
        of the output."""
        output = self._run_hooks(args, kwargs, output)
        return output if call is None else hook_outputs(call, output)

    def _run_pre_hooks(self, args: tuple, kwargs: dict[str, Any]) -> tuple[tuple, dict]:
        """The forward pre-hooks, in registration order, each able to replace the arguments
        (PyTorch's rules)."""
        for hook, with_kwargs in list(self._forward_pre_hooks or ()):
            if with_kwargs:
                result = hook(self, args, kwargs)
                if result is not None:
                    if not (isinstance(result, tuple) and len(result) == 2):
                        raise RuntimeError(
                            "forward pre-hook must return None or a tuple of (new_args, "
                            f"new_kwargs), but got {type(result).__name__}"
                        )
                    args, kwargs = result
            else:
                result = hook(self, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
        return args, kwargs

    def _run_hooks(self, args: tuple, kwargs: dict[str, Any], output: Any) -> Any:
        """The forward hooks, in registration order, each able to replace the output."""
        for hook, with_kwargs in list(self._forward_hooks or ()):
            result = hook(self, args, kwargs, output) if with_kwargs else hook(self, args, output)
            if result is not None:
                output = result
        return output

    def register_forward_pre_hook(
        self, hook: Callable[..., Any], *, prepend: bool = False, with_kwargs: bool = False
    ) -> autodiff.RemovableHandle:
        """Call `hook(module, args)` before every forward; it may return new positional
        arguments (a tuple, or one value). With `with_kwargs`, `hook(module, args, kwargs)`
        may return `(args, kwargs)`. `prepend` runs it before the hooks already registered.
        Returns a handle whose `remove()` unregisters it."""
        if self._forward_pre_hooks is None:
            object.__setattr__(self, "_forward_pre_hooks", [])
        return _add_hook(self._forward_pre_hooks, (hook, with_kwargs), prepend)

    def register_forward_hook(
        self,
        hook: Callable[..., Any],
        *,
        prepend: bool = False,
        with_kwargs: bool = False,
        always_call: bool = False,
    ) -> autodiff.RemovableHandle:
        """Call `hook(module, args, output)` after every forward (with `with_kwargs`,
        `hook(module, args, kwargs, output)`); a value it returns replaces the output.
        `prepend` runs it before the hooks already registered. Returns a handle whose
        `remove()` unregisters it."""
        if always_call:
            raise NotImplementedError(
                "register_forward_hook: always_call=True (running the hook when forward "
                "raises) is not implemented in glassgrad"
            )
        if self._forward_hooks is None:
            object.__setattr__(self, "_forward_hooks", [])
        return _add_hook(self._forward_hooks, (hook, with_kwargs), prepend)

    def register_full_backward_hook(
        self, hook: Callable[..., Any], prepend: bool = False
    ) -> autodiff.RemovableHandle:
        """Call `hook(module, grad_input, grad_output)` once the gradients of the module's
        inputs are computed, as PyTorch's: `grad_input` has one entry per positional argument
        of the call (None for a non-tensor, zeros for a tensor that got no gradient),
        `grad_output` one per output (a Tensor or a tuple of them; None for one that got none).
        A tuple it returns replaces `grad_input`. Keyword arguments are not hooked (their
        gradients flow as usual). `prepend` runs it before the hooks already registered.
        Returns a handle whose `remove()` unregisters it."""
        self._ensure_backward_hook_lists()
        return _add_hook(self._backward_hooks, hook, prepend)

    def register_full_backward_pre_hook(
        self, hook: Callable[..., Any], prepend: bool = False
    ) -> autodiff.RemovableHandle:
        """Call `hook(module, grad_output)` when the gradients of the module's outputs are
        computed, before any of the module's own backward; a tuple it returns (one entry per
        output) replaces `grad_output`. Returns a handle whose `remove()` unregisters it."""
        self._ensure_backward_hook_lists()
        return _add_hook(self._backward_pre_hooks, hook, prepend)

    def _ensure_backward_hook_lists(self) -> None:
        if self._backward_hooks is None:
            object.__setattr__(self, "_backward_hooks", [])
            object.__setattr__(self, "_backward_pre_hooks", [])

    def name_scope(self) -> Any:
        """`autodiff.name_scope` of this module: its attribute name in its parent, or for a
        root module `scope_name` if set, else its class name. For methods other than forward
        that run ops, e.g. a model's `loss(x, t)`."""
        return autodiff.name_scope(self.scope_name or type(self).__name__)

    # ------------------------------------------------------------------- registration
    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"cannot assign {name!r} before Module.__init__() is called; call "
                "super().__init__() first in the subclass's __init__"
            )
        params, buffers, modules = self._parameters, self._buffers, self._modules
        if isinstance(value, Parameter):
            self._forget(name, keep=params)
            self.register_parameter(name, value)
        elif isinstance(value, Module):
            self._forget(name, keep=modules)
            self.add_module(name, value)
        elif name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} to parameter {name!r} "
                    "(a Parameter or None is expected)"
                )
            params[name] = None
        elif name in modules:
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} to child module {name!r} "
                    "(a Module or None is expected)"
                )
            modules[name] = None
        elif name in buffers:
            buffers[name] = _as_buffer(name, value)
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails: parameters, buffers and children live here.
        d = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            entries = d.get(registry)
            if entries is not None and name in entries:
                return entries[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __dir__(self) -> list[str]:
        # As PyTorch's: the registered names too (tab completion), but not Sequential's "0"
        names = {*super().__dir__(), *self._parameters, *self._buffers, *self._modules}
        return sorted(name for name in names if not name[0].isdigit())

    def __delattr__(self, name: str) -> None:
        for registry in (self._parameters, self._buffers, self._modules):
            if name in registry:
                del registry[name]
                self._non_persistent.discard(name)
                return
        object.__delattr__(self, name)

    def _forget(self, name: str, keep: dict[str, Any]) -> None:
        """Drop `name` from the registries other than `keep` (and from plain attributes) before
        registering it in `keep`. Not from `keep` itself: as in PyTorch, replacing a parameter
        or child keeps its position, and so the order of parameters() and state_dict()."""
        for registry in (self._parameters, self._buffers, self._modules):
            if registry is not keep:
                registry.pop(name, None)
        if keep is not self._buffers:
            self._non_persistent.discard(name)
        self.__dict__.pop(name, None)

    def _check_name(self, name: str, kind: str) -> None:
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"{kind} name must be a non-empty string without '.', got {name!r}")
        if name in self.__dict__ and not any(
            name in r for r in (self._parameters, self._buffers, self._modules)
        ):
            raise KeyError(f"attribute {name!r} already exists and is not a {kind}")

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (or a None placeholder, e.g. a disabled bias)."""
        self._check_name(name, "parameter")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot register {type(param).__name__} as parameter {name!r}; wrap it: "
                "Parameter(value)"
            )
        if param is not None and param.name is None:
            param.name = name  # graph pictures label it "weight" inside its module's cluster
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Any, persistent: bool = True) -> None:
        """Add state that is not trained (e.g. BatchNorm's running_mean).

        Persistent buffers appear in `state_dict()`. Arrays are wrapped as Tensors (not copied).
        """
        self._check_name(name, "buffer")
        self._buffers[name] = _as_buffer(name, tensor)
        if persistent:
            self._non_persistent.discard(name)
        else:
            self._non_persistent.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a child module; its scope name becomes `name` unless it already has one."""
        self._check_name(name, "module")
        if module is not None:
            if not isinstance(module, Module):
                raise TypeError(f"{type(module).__name__} is not a Module")
            if module.scope_name is None:
                # First registration wins: a module shared by two parents keeps one scope name.
                object.__setattr__(module, "scope_name", name)
        self._modules[name] = module

    # --------------------------------------------------------------------- traversal
    def named_modules(
        self, memo: set[Module] | None = None, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """(dotted name, module) for this module (`prefix`, "" by default) and every descendant,
        depth first in registration order. PyTorch's signature: a module reachable by several
        paths comes once (its first path) unless `remove_duplicate=False`; `memo` holds the
        modules to skip, and is added to."""
        memo = set() if memo is None else memo
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if module in memo:
                continue
            if remove_duplicate:
                memo.add(module)
            yield name, module
            children = [
                (f"{name}.{n}" if name else n, m)
                for n, m in module._modules.items()
                if m is not None
            ]
            stack.extend(reversed(children))  # depth first, in registration order

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """(name, child) in registration order; a child registered under two names comes once
        (under the first), as in PyTorch."""
        seen: set[Module] = set()
        for name, module in self._modules.items():
            if module is not None and module not in seen:
                seen.add(module)
                yield name, module

    def children(self) -> Iterator[Module]:
        for _, module in self.named_children():
            yield module

    def _named_members(
        self, registry: str, prefix: str, recurse: bool, remove_duplicate: bool
    ) -> Iterator[tuple[str, Any]]:
        seen: set[int] = set()  # by id: Tensor's == is elementwise, so no `in` on lists
        if recurse:
            modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
        else:
            modules = iter([(prefix, self)])
        for module_name, module in modules:
            for name, value in getattr(module, registry).items():
                if value is None or id(value) in seen:
                    continue
                if remove_duplicate:
                    seen.add(id(value))
                yield (f"{module_name}.{name}" if module_name else name), value

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, parameter), e.g. ("conv1.weight", ...), names after `prefix`; shared
        parameters once unless `remove_duplicate=False` (PyTorch's signature)."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Tensor]]:
        """(dotted name, buffer), as `named_parameters` (PyTorch's signature)."""
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    # ------------------------------------------------------------------------- modes
    def train(self, mode: bool = True) -> Module:
        """Set training mode (dropout active, batchnorm uses batch statistics) recursively.

        Like PyTorch's, it calls `child.train(mode)` on each child rather than setting their
        flags directly, so a subclass that overrides train() (e.g. a BatchNorm kept frozen in
        eval mode) is honoured wherever it sits in the tree."""
        if not isinstance(mode, bool):
            raise ValueError(f"{type(self).__name__}.train: mode must be a bool, got {mode!r}")
        object.__setattr__(self, "training", mode)
        for child in self.children():
            child.train(mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode: `train(False)`."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Freeze (False) or unfreeze every parameter."""
        for param in self.parameters():
            param.requires_grad = requires_grad
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the parameters' gradients (None, like PyTorch's default), or zero them in
        place (`set_to_none=False`: the same gradient tensors, as PyTorch and the optimizers'
        zero_grad, so that a reference to one sees the next backward's sums)."""
        for param in self.parameters():
            if param.grad is None:
                continue
            if set_to_none:
                param.grad = None
            elif param.grad.grad_fn is not None:
                # A recorded gradient (create_graph=True): zeroing it in place would corrupt
                # its graph, so it gets fresh zeros (PyTorch detaches it first).
                param.grad = autodiff.zeros_like(param.grad)
            else:
                param.grad.zero_()

    def apply(self, fn: Callable[[Module], None]) -> Module:
        """Call `fn` on every descendant, then on self (e.g. custom initialisation).

        PyTorch's order: each child's `apply(fn)` in registration order (so a child's children
        come before it), then `fn(self)`."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def to(self, *args: Any, **kwargs: Any) -> Module:
        """`to(dtype)`, `to(device)`, `to(device, dtype)`, `to(tensor)` or keywords `device=`,
        `dtype=`: convert every floating-point parameter and buffer to `dtype`, in place, and
        their gradients with them, and return the module. The device can only be the CPU
        ("cpu"): glassgrad runs there."""
        dtype = to_arguments(type(self).__name__, args, kwargs)
        if dtype is None:
            return self
        if dtype.kind != "f":
            raise TypeError(f"to: expected a floating-point dtype, got {dtype}")
        for tensor in (*self.parameters(), *self.buffers()):
            if tensor.dtype.kind == "f" and tensor.dtype != dtype:
                tensor.data = tensor.data.astype(dtype)
                if tensor.grad is not None:  # converted too (PyTorch), not dropped
                    tensor.grad.data = tensor.grad.data.astype(dtype)
        return self

    def double(self) -> Module:
        return self.to(np.float64)

    def float(self) -> Module:
        return self.to(np.float32)

    def half(self) -> Module:
        return self.to(np.float16)

    def cpu(self) -> Module:
        """The module itself: it is on the CPU already."""
        return self

    def cuda(self, device: Any = None) -> Module:
        raise RuntimeError(
            f"{type(self).__name__}.cuda(): glassgrad runs on the CPU only (its arrays are "
            "numpy's); drop the call, or use .to('cpu')"
        )

    # -------------------------------------------------------------------- state dicts
    #: Names of entries a state dict may lack (e.g. BatchNorm's num_batches_tracked, which older
    #: state dicts do not have): loading leaves them as they are.
    _optional_state: tuple[str, ...] = ()

    def _optional_keys(self) -> set[str]:
        return {
            f"{module_name}.{name}" if module_name else name
            for module_name, module in self.named_modules(remove_duplicate=False)
            for name in module._optional_state
        }

    def _state_entries(self) -> dict[str, Tensor]:
        # PyTorch's order: module by module, its parameters then its persistent buffers. Every
        # path, as in PyTorch: a module shared as `a` and `b` gives keys a.* and b.*.
        entries: dict[str, Tensor] = {}
        for module_name, module in self.named_modules(remove_duplicate=False):
            prefix = f"{module_name}." if module_name else ""
            for name, param in module._parameters.items():
                if param is not None:
                    entries[prefix + name] = param
            for name, buffer in module._buffers.items():
                if buffer is not None and name not in module._non_persistent:
                    entries[prefix + name] = buffer
        return entries

    def state_dict(self) -> dict[str, np.ndarray]:
        """Every parameter and persistent buffer by dotted name, as ndarray copies."""
        return {name: tensor.data.copy() for name, tensor in self._state_entries().items()}

    def load_state_dict(
        self, state_dict: Mapping[str, Any], strict: bool = True
    ) -> IncompatibleKeys:
        """Copy values into the parameters and buffers (keeping their dtypes).

        All or nothing: every entry is checked before any is written. Raises RuntimeError
        naming every mis-shaped key, every value that is not numbers or cannot be cast to its
        tensor's dtype ("same_kind": float64 into float32 is fine, float into an integer buffer
        is not), and with `strict` every missing and unexpected key; nothing is modified when
        it raises. Returns the skipped keys.
        """
        if not isinstance(state_dict, Mapping):
            # (PyTorch's check too; a list would otherwise fail deep inside with a puzzling
            # message about its items)
            raise TypeError(
                f"load_state_dict for {type(self).__name__}: expected state_dict to be dict-like, "
                f"got {type(state_dict).__name__}"
            )
        entries = self._state_entries()
        missing = [k for k in entries if k not in state_dict and k not in self._optional_keys()]
        unexpected = [k for k in state_dict if k not in entries]
        values: dict[str, np.ndarray] = {}
        mis_typed = []
        for k in entries:
            if k not in state_dict:
                continue
            try:
                value = np.asarray(state_dict[k])
            except (TypeError, ValueError) as err:  # e.g. ragged nested lists
                mis_typed.append(f"{k}: not an array ({err})")
                continue
            target = entries[k].dtype
            if value.dtype.kind not in "biufc" or not np.can_cast(value.dtype, target, "same_kind"):
                mis_typed.append(f"{k}: cannot copy dtype {value.dtype} into {target}")
            else:
                values[k] = value
        mis_shaped = [
            f"{k}: expected shape {entries[k].shape}, got {v.shape}"
            for k, v in values.items()
            if v.shape != entries[k].shape
        ]
        problems = []
        if strict and missing:
            problems.append("missing keys: " + ", ".join(missing))
        if strict and unexpected:
            problems.append("unexpected keys: " + ", ".join(unexpected))
        if mis_shaped:
            problems.append("mis-shaped keys: " + "; ".join(mis_shaped))
        if mis_typed:
            problems.append("mis-typed keys: " + "; ".join(mis_typed))
        if problems:
            raise RuntimeError(f"load_state_dict for {type(self).__name__}: " + ". ".join(problems))
        with autodiff.no_grad():  # parameters require grad; copying into them is not an op
            for k, v in values.items():
                entries[k].copy_(v)
        return IncompatibleKeys(missing, unexpected)

    # -------------------------------------------------------------------------- repr
    def extra_repr(self) -> str:
        """The text inside the parentheses of this module's repr line (e.g. layer sizes)."""
        return ""

    def __repr__(self) -> str:
        lines = [f"({name}): " + _indent(repr(m)) for name, m in self._modules.items()]
        extra = self.extra_repr()
        if not lines:
            return f"{type(self).__name__}({extra})"
        body = "\n  ".join(([extra] if extra else []) + lines)
        return f"{type(self).__name__}(\n  {body}\n)"


_MODULE_NAME_SCOPE = Module.name_scope


def _add_hook(hooks: list, entry: tuple, prepend: bool) -> autodiff.RemovableHandle:
    if prepend:
        hooks.insert(0, entry)
    else:
        hooks.append(entry)
    return autodiff.RemovableHandle(hooks, entry)


def registered(module: Module, name: str) -> Any:
    """`getattr(module, name)` for a module whose class has no attribute `name` (the caller
    checks its class), without the ordinary lookup failing first: CPython 3.11 formats an
    AttributeError for that failure before `__getattr__` runs, which cost a layer's forward
    about 0.5 us per parameter read (W10 at batch 1, benchmarks/README.md). The same order as
    the ordinary lookup: the instance's own attribute, then the registries, then getattr's
    own path (buffers, children, the error). tests/nn/test_module.py compares the two."""
    d = module.__dict__
    if name in d:
        return d[name]
    parameters = d.get("_parameters")  # (None before Module.__init__ ran)
    if parameters is not None and name in parameters:
        return parameters[name]
    return getattr(module, name)


def _as_buffer(name: str, value: Any) -> Tensor | None:
    if value is None or isinstance(value, Tensor):
        return value
    if isinstance(value, np.ndarray | np.generic):
        return Tensor(np.asarray(value))
    raise TypeError(
        f"cannot assign {type(value).__name__} to buffer {name!r} (a Tensor, an ndarray or None "
        "is expected)"
    )


def _indent(text: str) -> str:
    return text.replace("\n", "\n  ")
