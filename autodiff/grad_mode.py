"""Switching gradient recording on and off: `no_grad`, `enable_grad`, `set_grad_enabled`,
`inference_mode`.

Each works as a context manager and as a decorator (`@no_grad()`, and `@no_grad`,
`@enable_grad`, `@inference_mode` without the call), like PyTorch's. The mode is per thread, as
in PyTorch (thread_modes.py): `no_grad()` in one thread leaves the others recording, and a new
thread starts with recording on.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from .thread_modes import grad_enabled, settle, thread_modes

F = TypeVar("F", bound=Callable[..., Any])


def is_grad_enabled() -> bool:
    """True when new ops (in this thread) record a compute node for backward."""
    return grad_enabled()


def _set(mode: bool) -> None:
    # Inside inference_mode() nothing records, whatever enable_grad() says (as in PyTorch).
    thread_modes.grad_enabled = mode and not thread_modes.inference
    settle()


def is_inference_mode_enabled() -> bool:
    """True inside `inference_mode()` (in this thread)."""
    return thread_modes.inference


class set_grad_enabled:
    """Set gradient recording on or off; as a call, a context manager or a decorator.

    `set_grad_enabled(False)` switches recording off at once (like PyTorch); used with `with`,
    the previous mode comes back on exit.
    """

    def __init__(self, mode: bool) -> None:
        self.prev = thread_modes.grad_enabled
        self.mode = bool(mode)
        _set(self.mode)

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        _set(self.prev)

    def __call__(self, fn: F) -> F:
        # Used as a decorator the constructor already flipped the mode: restore it first.
        _set(self.prev)
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with _Mode(mode):
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class _Mode:
    """Context manager that sets the mode on entry and restores it on exit (the mode to
    restore is kept per thread, so one instance can be entered by several threads at once)."""

    mode = True

    def __new__(cls, *args: Any) -> Any:
        # `@no_grad` without the call: PyTorch's subclasses take the function itself too.
        if cls is not _Mode and len(args) == 1 and callable(args[0]):
            manager = super().__new__(cls)
            manager.__init__()  # the default mode: `@no_grad` is `@no_grad()`
            return manager(args[0])
        return super().__new__(cls)

    def __init__(self, mode: bool | None = None) -> None:
        if mode is not None:
            self.mode = mode

    def __enter__(self) -> None:
        modes = thread_modes
        modes.saved.append(modes.grad_enabled)
        _set(self.mode)

    def __exit__(self, *exc: object) -> None:
        _set(thread_modes.saved.pop())

    def __call__(self, fn: F) -> F:
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with _Mode(mode):
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class no_grad(_Mode):
    """Ops inside record nothing: for inference and for parameter updates."""

    mode = False

    def __init__(self) -> None:
        pass


class enable_grad(_Mode):
    """Turn recording back on inside a `no_grad` region."""

    mode = True

    def __init__(self) -> None:
        pass


class inference_mode(_Mode):
    """`no_grad()` for inference: nothing inside records, not even under `enable_grad()`;
    `inference_mode(False)` switches recording back on inside it.

    PyTorch's tensors made inside are "inference tensors" that later refuse to be saved for
    backward; glassgrad's are ordinary tensors that do not require grad, as under `no_grad()`.
    """

    def __init__(self, mode: bool = True) -> None:
        self.inference = bool(mode)

    def __enter__(self) -> None:
        modes = thread_modes
        modes.saved_inference.append((modes.grad_enabled, modes.inference))
        modes.inference = self.inference
        _set(not self.inference)

    def __exit__(self, *exc: object) -> None:
        modes = thread_modes
        mode, modes.inference = modes.saved_inference.pop()
        modes.grad_enabled = mode
        settle()

    def __call__(self, fn: F) -> F:
        inference = self.inference

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with inference_mode(inference):
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]
