"""Name scopes: a generic way to tag the compute nodes created inside a region.

`with name_scope("conv1"):` makes every op created inside record the scope path
`("conv1",)`; nested scopes give `("model", "conv1")`. `nn` modules enter a scope named after
their attribute when called, and `viz` draws each scope as a cluster — neither knows the other.

Each entry into a scope is a distinct `Scope` (a str): `scope.call` numbers the entries, so two
back-to-back calls of the same module can be told apart, while `node.scope == ("conv1",)` still
compares as plain strings.

The path is per thread (thread_modes.py): a model called in two threads at once tags each
thread's ops with that thread's own scopes.
"""

from __future__ import annotations

import itertools

from .thread_modes import scope_path, settle, thread_modes


class Scope(str):
    """A scope name; `call` is unique per entry into the scope."""

    call: int

    def __new__(cls, name: str, call: int) -> Scope:
        scope = super().__new__(cls, name)
        scope.call = call
        return scope


# Numbers the entries into scopes, across threads (next() on a count is atomic under the GIL).
_calls = itertools.count()


def current_scope() -> tuple[str, ...]:
    """The scope path new compute nodes (of this thread) are tagged with (outermost first)."""
    return scope_path()


class name_scope:
    """Tag every op created inside with `name`, nested under the enclosing scopes."""

    __slots__ = ("name", "prev")

    def __init__(self, name: str) -> None:
        if not isinstance(name, str) or not name:
            raise ValueError(f"name_scope: the name must be a non-empty string, got {name!r}")
        self.name = name

    def __enter__(self) -> tuple[str, ...]:
        self.prev = prev = thread_modes.scope
        thread_modes.scope = path = prev + (Scope(self.name, next(_calls)),)
        settle()
        return path

    def __exit__(self, *exc: object) -> None:
        thread_modes.scope = self.prev
        settle()
