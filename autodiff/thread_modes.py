"""Each thread's modes: grad mode and the name-scope path, per thread as in PyTorch.

A thread evaluating under `no_grad()` must not switch recording off for another thread that is
training, and ops created in one thread must not land in another thread's name scope. So both
live in `thread_modes`, a `threading.local`: a new thread sees grad enabled and no scope, as a
new thread in PyTorch starts with grad enabled whatever its parent set.

Every recorded op needs its thread's modes (Function.apply), and reading a `threading.local`
costs several times a plain attribute. So the engine first asks `changed_threads`, the set of
threads whose modes differ from the defaults: while it is empty — no thread is inside
`no_grad()` or a name scope — every thread records with no scope, and nothing per thread is
read. A thread adds itself when it leaves the defaults and removes itself when it is back
(`settle`); only the thread itself does either, and set updates are atomic, so a thread that
has switched a mode always finds itself in the set. (A thread that ends with a mode switched
stays in the set: the others then read their own modes, still correctly.)

Measured with callgrind on CPython 3.11, per read: a slot of a global object 77 instructions,
`ContextVar.get()` 205, a `threading.local` attribute 520-620, a dict keyed by
`threading.get_ident()` 740. A ContextVar was tried first and dropped: setting one gives the
thread a context, after which numpy's own ContextVar lookup (on every ufunc call) misses its
cache — +2.4 % instructions on W4 and +2.5 % on W5 (benchmarks/README.md).

Anomaly mode is not here: PyTorch's is process-wide (a new thread sees what another set), and
so is ours (anomaly.py).
"""

from __future__ import annotations

import threading

_get_ident = threading.get_ident


class ThreadModes(threading.local):
    """The modes of the calling thread (each thread sees its own attributes)."""

    def __init__(self) -> None:  # run once in each thread, on its first access
        self.grad_enabled = True
        self.scope: tuple[str, ...] = ()
        # Grad modes to restore, one per `with no_grad()` / `enable_grad()` being run: kept
        # per thread, not on the context manager, so one instance used by several threads at
        # once restores each thread's own mode.
        self.saved: list[bool] = []
        # Is `inference_mode()` on? Recording is off then even under `enable_grad()`.
        self.inference = False
        self.saved_inference: list[tuple[bool, bool]] = []


thread_modes = ThreadModes()
#: Idents of the threads whose modes are not the defaults (grad on, no scope).
changed_threads: set[int] = set()


def settle() -> None:
    """After the calling thread changed a mode: keep its membership of `changed_threads`."""
    if thread_modes.grad_enabled and not thread_modes.scope:
        changed_threads.discard(_get_ident())
    else:
        changed_threads.add(_get_ident())


def grad_enabled() -> bool:
    """Does the calling thread record ops?"""
    return not changed_threads or thread_modes.grad_enabled


def scope_path() -> tuple[str, ...]:
    """The calling thread's name-scope path."""
    return thread_modes.scope if changed_threads else ()
