"""Monitor: which epoch-log value a callback watches, and when a new value is better.

EarlyStopping and ModelCheckpoint share it, so "better" means the same thing in both:

    mode "min":  value < best - min_delta        mode "max":  value > best + min_delta

A NaN value is never better (every comparison with NaN is false), and the best starts at +inf
("min") or -inf ("max"), so the first finite value always improves on it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from ..validate import check_real

MODES = ("min", "max")


class Monitor:
    """The rule for `key` in the epoch logs: `mode` "min" or "max", improvements must exceed
    `min_delta` (>= 0). `where` names the owner in error messages."""

    def __init__(self, where: str, key: str, mode: str = "min", min_delta: float = 0.0) -> None:
        if mode not in MODES:
            raise ValueError(f"{where}: mode must be 'min' or 'max', got {mode!r}")
        if not isinstance(key, str):
            raise TypeError(f"{where}: monitor must be a str (an epoch-log key), got {key!r}")
        self.where = where
        self.key = key
        self.mode = mode
        self.min_delta = check_real(where, "min_delta", min_delta, minimum=0)

    @property
    def worst(self) -> float:
        """The best value before any was seen: +inf for "min", -inf for "max"."""
        return math.inf if self.mode == "min" else -math.inf

    def better(self, value: float, best: float) -> bool:
        """Whether `value` beats `best` by more than min_delta."""
        if self.mode == "min":
            return value < best - self.min_delta
        return value > best + self.min_delta

    def read(self, logs: Mapping[str, float]) -> float:
        """The monitored value from an epoch's logs; a KeyError naming the keys there if absent."""
        if self.key not in logs:
            hint = " (no validation loader gives no 'val_*' keys)" if self.key[:4] == "val_" else ""
            raise KeyError(
                f"{self.where} monitors {self.key!r}, but the epoch logs have only "
                f"{sorted(logs)}{hint}"
            )
        return float(logs[self.key])


class Monitored:
    """For callbacks that watch a value through a `Monitor` in `self.rule`: its settings read
    as the callback's own attributes (`stopper.monitor`, `.mode`, `.min_delta`)."""

    rule: Monitor

    @property
    def monitor(self) -> str:
        return self.rule.key

    @property
    def mode(self) -> str:
        return self.rule.mode

    @property
    def min_delta(self) -> float:
        return self.rule.min_delta
