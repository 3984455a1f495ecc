"""Anomaly detection: find the op whose backward produced the first NaN or Inf.

Inside `detect_anomaly()` every new compute node remembers where in user code it was created,
and backward checks each gradient it produces; the first non-finite one stops backward with an
error naming the op and that source location.

The switch is process-wide, as PyTorch's is (a thread started after `set_detect_anomaly(True)`
sees it on); grad mode and name scopes are per thread (thread_modes.py).
"""

from __future__ import annotations

import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_PACKAGE_DIR = str(Path(__file__).resolve().parent)


class _AnomalyFlag:
    """Whether anomaly detection is on (an instance with a slot: the engine reads it per op)."""

    __slots__ = ("enabled",)

    def __init__(self) -> None:
        self.enabled = False


_AnomalyState = _AnomalyFlag()


def is_anomaly_enabled() -> bool:
    return _AnomalyState.enabled


@contextmanager
def detect_anomaly(enabled: bool = True) -> Iterator[None]:
    """Record creation sites of ops and stop backward at the first NaN/Inf gradient."""
    prev = _AnomalyState.enabled
    _AnomalyState.enabled = enabled
    try:
        yield
    finally:
        _AnomalyState.enabled = prev


def user_stack() -> list[traceback.FrameSummary]:
    """The current call stack without the engine's own frames (innermost last)."""
    return [f for f in traceback.extract_stack() if not f.filename.startswith(_PACKAGE_DIR)]


def format_site(stack: list[traceback.FrameSummary] | None) -> str:
    if not stack:
        return "  (creation site unknown: the op was created outside detect_anomaly())"
    return "".join(traceback.format_list(stack[-3:])).rstrip()
