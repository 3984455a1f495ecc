"""Handles for registered hooks: `handle = t.register_hook(fn)`, later `handle.remove()`."""

from __future__ import annotations

from collections.abc import Callable


class RemovableHandle:
    """Returned by `register_hook`; `handle.remove()` unregisters the hook (once is enough)."""

    def __init__(self, hooks: list, hook: Callable) -> None:
        self._hooks = hooks
        self._hook = hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)
