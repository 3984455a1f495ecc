"""Name scopes: a generic way to tag the compute nodes created inside a region.

`with name_scope("conv1"):` makes every op created inside record the scope path
`("conv1",)`; nested scopes give `("model", "conv1")`. `nn` modules enter a scope named after
their attribute when called, and `viz` draws each scope as a cluster — neither knows the other.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class _ScopeState:
    path: tuple[str, ...] = ()


def current_scope() -> tuple[str, ...]:
    """The scope path new compute nodes are tagged with (outermost first)."""
    return _ScopeState.path


@contextmanager
def name_scope(name: str) -> Iterator[tuple[str, ...]]:
    """Tag every op created inside with `name`, nested under the enclosing scopes."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"name_scope: the name must be a non-empty string, got {name!r}")
    prev = _ScopeState.path
    _ScopeState.path = prev + (name,)
    try:
        yield _ScopeState.path
    finally:
        _ScopeState.path = prev
