"""Anomaly detection: find the op whose backward produced the first NaN.

Inside `detect_anomaly()` every new compute node remembers where in user code it was created,
and backward checks each gradient it produces; the first NaN stops backward with an error
naming the op and that source location. As PyTorch's, infinities pass unless asked for
(`check_inf=True`, glassgrad's own switch), and `check_nan=False` keeps the creation sites only.

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

    __slots__ = ("check_inf", "check_nan", "enabled")

    def __init__(self) -> None:
        self.enabled = False
        self.check_nan = True  # read only when enabled
        self.check_inf = False


_AnomalyState = _AnomalyFlag()


def is_anomaly_enabled() -> bool:
    return _AnomalyState.enabled


@contextmanager
def detect_anomaly(check_nan: bool = True, *, check_inf: bool = False) -> Iterator[None]:
    """Record creation sites of ops and stop backward at the first NaN gradient (also at the
    first infinite one with `check_inf=True`; PyTorch has no such switch and lets them pass)."""
    state = _AnomalyState
    prev = state.enabled, state.check_nan, state.check_inf
    set_anomaly(True, check_nan, check_inf)
    try:
        yield
    finally:
        set_anomaly(*prev)


def set_anomaly(enabled: bool, check_nan: bool = True, check_inf: bool = False) -> None:
    """Switch anomaly detection on or off, process-wide."""
    state = _AnomalyState
    state.enabled, state.check_nan, state.check_inf = bool(enabled), check_nan, check_inf


def user_stack() -> list[traceback.FrameSummary]:
    """The current call stack without the engine's own frames (innermost last)."""
    return [f for f in traceback.extract_stack() if not f.filename.startswith(_PACKAGE_DIR)]


def format_site(stack: list[traceback.FrameSummary] | None) -> str:
    if not stack:
        return "  (creation site unknown: the op was created outside detect_anomaly())"
    return "".join(traceback.format_list(stack[-3:])).rstrip()
