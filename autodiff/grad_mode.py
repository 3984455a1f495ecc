"""Switching gradient recording on and off: `no_grad`, `enable_grad`, `set_grad_enabled`.

Each works as a context manager and as a decorator, like PyTorch's. The flag is process-global
(not per thread): the engine reads it on every op, and a plain attribute is the cheapest read.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _GradModeFlag:
    """The recording flag. An instance, not class, attribute: the engine reads it on every op,
    and a slot is the cheapest read (setting a class attribute also resets the class's
    attribute caches)."""

    __slots__ = ("enabled",)

    def __init__(self) -> None:
        self.enabled = True


_GradMode = _GradModeFlag()


def is_grad_enabled() -> bool:
    """True when new ops record a compute node for backward."""
    return _GradMode.enabled


class set_grad_enabled:
    """Set gradient recording on or off; as a call, a context manager or a decorator.

    `set_grad_enabled(False)` switches recording off at once (like PyTorch); used with `with`,
    the previous mode comes back on exit.
    """

    def __init__(self, mode: bool) -> None:
        self.prev = _GradMode.enabled
        self.mode = bool(mode)
        _GradMode.enabled = self.mode

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        _GradMode.enabled = self.prev

    def __call__(self, fn: F) -> F:
        # Used as a decorator the constructor already flipped the mode: restore it first.
        _GradMode.enabled = self.prev
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with _Mode(mode):
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class _Mode:
    """Context manager that sets the mode on entry and restores it on exit."""

    mode = True

    def __init__(self, mode: bool | None = None) -> None:
        if mode is not None:
            self.mode = mode

    def __enter__(self) -> None:
        self.prev = _GradMode.enabled
        _GradMode.enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        _GradMode.enabled = self.prev

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
