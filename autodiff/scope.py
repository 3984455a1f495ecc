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

from .thread_modes import _get_ident, changed_threads, scope_path, settle, thread_modes


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
            raise _bad_name(name)
        self.name = name

    def __enter__(self) -> tuple[str, ...]:
        self.prev = prev = thread_modes.scope
        thread_modes.scope = path = prev + (Scope(self.name, next(_calls)),)
        settle()
        return path

    def __exit__(self, *exc: object) -> None:
        thread_modes.scope = self.prev
        settle()


_new_str = str.__new__  # Scope(name, call) without a Python-level __new__ call


def enter_scope(name: str) -> tuple[str, ...]:
    """Enter `name_scope(name)` without a context-manager object; returns what `leave_scope`
    needs. For `nn.Module.__call__`, which runs it for every layer it calls: at batch 1 that
    bookkeeping was a visible part of a forward pass (benchmarks/README.md, W10). The same
    path, entry number and membership of `changed_threads` as `name_scope.__enter__` with its
    `settle()`, which tests/autodiff/test_fast_paths.py compares it with. Always pair it:

        prev = enter_scope(name)
        try:
            ...
        finally:
            leave_scope(prev)
    """
    if type(name) is not str and not isinstance(name, str) or not name:
        raise _bad_name(name)
    modes = thread_modes
    prev = modes.scope
    scope = _new_str(Scope, name)
    scope.call = next(_calls)
    modes.scope = prev + (scope,)
    changed_threads.add(_get_ident())  # settle(): a thread inside a scope is changed
    return prev


def leave_scope(prev: tuple[str, ...]) -> None:
    """Leave the scope `enter_scope` entered (`prev` is what it returned)."""
    modes = thread_modes
    modes.scope = prev
    if prev or not modes.grad_enabled:  # settle(), as name_scope.__exit__ runs it
        changed_threads.add(_get_ident())
    else:
        changed_threads.discard(_get_ident())


def _bad_name(name: object) -> ValueError:
    return ValueError(f"name_scope: the name must be a non-empty string, got {name!r}")
