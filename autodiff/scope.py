"""Name scopes: a generic way to tag the compute nodes created inside a region.

`with name_scope("conv1"):` makes every op created inside record the scope path
`("conv1",)`; nested scopes give `("model", "conv1")`. `nn` modules enter a scope named after
their attribute when called, and `viz` draws each scope as a cluster — neither knows the other.

Each entry into a scope is a distinct `Scope` (a str): `scope.call` numbers the entries, so two
back-to-back calls of the same module can be told apart, while `node.scope == ("conv1",)` still
compares as plain strings.
"""

from __future__ import annotations

import itertools


class Scope(str):
    """A scope name; `call` is unique per entry into the scope."""

    call: int

    def __new__(cls, name: str, call: int) -> Scope:
        scope = super().__new__(cls, name)
        scope.call = call
        return scope


class _ScopePath:
    """The current scope path (an instance with slots: every new op reads it)."""

    __slots__ = ("path", "calls")

    def __init__(self) -> None:
        self.path: tuple[str, ...] = ()
        self.calls = itertools.count()


_ScopeState = _ScopePath()


def current_scope() -> tuple[str, ...]:
    """The scope path new compute nodes are tagged with (outermost first)."""
    return _ScopeState.path


class name_scope:
    """Tag every op created inside with `name`, nested under the enclosing scopes."""

    __slots__ = ("name", "prev")

    def __init__(self, name: str) -> None:
        if not isinstance(name, str) or not name:
            raise ValueError(f"name_scope: the name must be a non-empty string, got {name!r}")
        self.name = name

    def __enter__(self) -> tuple[str, ...]:
        self.prev = _ScopeState.path
        _ScopeState.path = self.prev + (Scope(self.name, next(_ScopeState.calls)),)
        return _ScopeState.path

    def __exit__(self, *exc: object) -> None:
        _ScopeState.path = self.prev
