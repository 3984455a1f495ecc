"""History: what a training run measured, in the format `viz.plot_history` draws.

    history["loss"]        # training loss of every iteration (mini-batch), in order
    history["train_loss"]  # one value per epoch: the mean of that epoch's batch losses
    history["val_loss"]    # one value per epoch, on the validation loader (if any)
    history["train_acc"]   # one value per epoch, a fraction in [0, 1] (metric "accuracy")
    history["val_acc"]
    history["lr"]          # the learning rate the epoch trained with (parameter group 0)

Other metrics add `train_<key>` / `val_<key>` (e.g. "train_mae"). A History is a read-only
Mapping of key -> list of floats, so `viz.plot_history(history)` and `dict(history)` work, and
`to_arrays()` / `from_arrays()` turn it into float64 arrays and back (for .npz checkpoints).
It holds only what is reproducible: no wall-clock times, so two seeded runs compare equal.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

# Where the per-iteration losses live; every other key holds one value per epoch.
ITERATION_KEY = "loss"


class History(Mapping[str, list[float]]):
    """Per-iteration losses and per-epoch logs of a training run (see the module docstring)."""

    def __init__(self, data: Mapping[str, Any] | None = None) -> None:
        self._data: dict[str, list[float]] = {ITERATION_KEY: []}
        for key, values in (data or {}).items():
            self._data[str(key)] = [float(v) for v in np.asarray(values, dtype=np.float64).ravel()]

    # ----------------------------------------------------------------------------- Mapping
    def __getitem__(self, key: str) -> list[float]:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    # ---------------------------------------------------------------------------- writing
    def log_iteration(self, loss: float) -> None:
        """Append one mini-batch's training loss."""
        self._data[ITERATION_KEY].append(float(loss))

    def log_epoch(self, logs: Mapping[str, float]) -> None:
        """Append one epoch's values; every per-epoch key must appear in every epoch, so the
        lists stay aligned (epoch i is index i of each)."""
        known = [k for k in self._data if k != ITERATION_KEY]
        if self.epochs and set(known) != set(logs):
            raise ValueError(
                f"History.log_epoch: epoch {self.epochs + 1} logs {sorted(logs)}, but earlier "
                f"epochs logged {sorted(known)}"
            )
        for key, value in logs.items():
            if key == ITERATION_KEY:
                raise ValueError(f"History.log_epoch: {ITERATION_KEY!r} is the per-iteration key")
            self._data.setdefault(key, []).append(float(value))

    # ---------------------------------------------------------------------------- reading
    @property
    def epochs(self) -> int:
        """The number of epochs logged."""
        return max((len(v) for k, v in self._data.items() if k != ITERATION_KEY), default=0)

    @property
    def iterations(self) -> int:
        return len(self._data[ITERATION_KEY])

    def last(self) -> dict[str, float]:
        """The last epoch's values, e.g. {"train_loss": 0.1, "val_acc": 0.97, ...}."""
        return {k: v[-1] for k, v in self._data.items() if k != ITERATION_KEY and v}

    def to_arrays(self) -> dict[str, np.ndarray]:
        """key -> 1-d float64 array (a copy), e.g. for `np.savez(path, **history.to_arrays())`."""
        return {k: np.asarray(v, dtype=np.float64) for k, v in self._data.items()}

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, Any]) -> History:
        """The inverse of `to_arrays` (any 1-d sequences of numbers will do)."""
        return cls(arrays)

    def __repr__(self) -> str:
        keys = ", ".join(k for k in self._data if k != ITERATION_KEY)
        return f"History(epochs={self.epochs}, iterations={self.iterations}, keys=[{keys}])"
