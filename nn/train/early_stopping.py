"""EarlyStopping: stop training when a monitored value has stopped improving, and go back to the
weights of the best epoch.

The lessons' class, as a callback:

    best = inf; counter = 0
    after each epoch:
        if value < best - min_delta:   best = value; counter = 0; remember the weights
        else:                          counter += 1
        if counter >= patience:        stop (and restore the remembered weights)

("max" mode flips the comparison: value > best + min_delta.) An epoch that improves by
`min_delta` or less counts as no improvement. A NaN value never improves.

Use it as a Trainer callback, `Trainer(..., callbacks=[EarlyStopping(patience=3)])`, which reads
`logs[monitor]` after each epoch, stops `fit()` and restores the best weights when training ends
(whether it stopped early or ran all its epochs); or call it yourself:

    stopper = EarlyStopping(patience=3)
    for epoch in range(100):
        train_one_epoch(); val_loss = evaluate()
        if stopper.step(val_loss, model):   # True: stop (the best weights are back in model)
            break
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from ..module import Module
from .callbacks import Callback, Logs

if TYPE_CHECKING:
    from .trainer import Trainer


class EarlyStopping(Callback):
    """Stop after `patience` epochs in a row without an improvement of more than `min_delta`.

    monitor: the epoch-log key to watch ("val_loss", "val_acc", "train_loss", ...).
    mode: "min" (lower is better) or "max".
    restore_best: keep a copy of the model's state_dict at the best epoch and load it back at
        the end (when stopping, and at the end of `fit()`).

    State (all in `state_dict()`): `best` (the best value, +-inf before the first epoch),
    `best_epoch` (0-based, -1 before), `counter` (epochs since the best), `stopped_epoch` (the
    epoch at which it asked to stop, -1 if it has not), `epoch` (epochs seen) and `best_state`
    (the best weights, {} without restore_best).
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        mode: str = "min",
        patience: int = 3,
        min_delta: float = 0.0,
        restore_best: bool = True,
    ) -> None:
        if mode not in ("min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'min' or 'max', got {mode!r}")
        if patience < 1:
            raise ValueError(f"EarlyStopping: patience must be at least 1, got {patience!r}")
        if not min_delta >= 0:
            raise ValueError(f"EarlyStopping: min_delta must be >= 0, got {min_delta!r}")
        self.monitor = monitor
        self.mode = mode
        self.patience = int(patience)
        self.min_delta = float(min_delta)
        self.restore_best = bool(restore_best)
        self.reset()

    def reset(self) -> None:
        """Forget everything seen (the hyperparameters stay)."""
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch = -1
        self.counter = 0
        self.stopped_epoch = -1
        self.epoch = 0
        self.best_state: dict[str, np.ndarray] = {}

    # ------------------------------------------------------------------------ the rule
    def improved(self, value: float) -> bool:
        """Whether `value` beats the best so far by more than min_delta."""
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def step(self, value: float, model: Module | None = None) -> bool:
        """Record one epoch's value; return True when training should stop.

        With `model` and restore_best, the weights of an improving epoch are copied, and when
        it says stop they are loaded back into `model`.
        """
        stop = self._update(value, model)
        if stop and model is not None:
            self.restore(model)
        return stop

    def _update(self, value: float, model: Module | None) -> bool:
        value = float(value)
        if self.improved(value):
            self.best, self.best_epoch, self.counter = value, self.epoch, 0
            if self.restore_best and model is not None:
                self.best_state = model.state_dict()  # copies: later steps don't touch them
        else:
            self.counter += 1
        self.epoch += 1
        if self.counter >= self.patience:
            self.stopped_epoch = self.epoch - 1
            return True
        return False

    @property
    def should_stop(self) -> bool:
        return self.counter >= self.patience

    def restore(self, model: Module) -> bool:
        """Load the best weights into `model` (with restore_best and a best epoch seen);
        returns whether it did."""
        if not (self.restore_best and self.best_state):
            return False
        model.load_state_dict(self.best_state)
        return True

    # ---------------------------------------------------------------------- as a callback
    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: Logs) -> None:
        if self.monitor not in logs:
            raise KeyError(
                f"EarlyStopping monitors {self.monitor!r}, but the epoch logs have only "
                f"{sorted(logs)} (no validation loader gives no 'val_*' keys)"
            )
        # The best weights go back once, at on_train_end (also when all epochs ran).
        if self._update(logs[self.monitor], trainer.model):
            trainer.stop_training = True

    def on_train_end(self, trainer: Trainer) -> None:
        self.restore(trainer.model)

    # ----------------------------------------------------------------------- state dicts
    def state_dict(self) -> dict[str, Any]:
        """Hyperparameters and progress as plain values; `best_state` is a dict of arrays."""
        return {
            "monitor": self.monitor,
            "mode": self.mode,
            "patience": self.patience,
            "min_delta": self.min_delta,
            "restore_best": self.restore_best,
            "best": self.best,
            "best_epoch": self.best_epoch,
            "counter": self.counter,
            "stopped_epoch": self.stopped_epoch,
            "epoch": self.epoch,
            "best_state": {k: v.copy() for k, v in self.best_state.items()},
        }

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore a `state_dict()`, also one read back from an .npz (0-d arrays for numbers,
        and no "best_state" entry when it was empty). Hyperparameters are restored too, like a
        scheduler's."""
        expected = set(self.state_dict()) - {"best_state"}
        missing = sorted(expected - set(state_dict))
        unexpected = sorted(set(state_dict) - expected - {"best_state"})
        if missing or unexpected:
            raise ValueError(
                f"EarlyStopping.load_state_dict: missing keys {missing}, unexpected keys "
                f"{unexpected}"
            )

        def plain(key: str) -> Any:
            value = state_dict[key]
            return value.item() if isinstance(value, np.ndarray | np.generic) else value

        mode = str(plain("mode"))
        if mode not in ("min", "max"):
            raise ValueError(f"EarlyStopping.load_state_dict: mode {mode!r} is not min or max")
        self.monitor, self.mode = str(plain("monitor")), mode
        self.patience, self.min_delta = int(plain("patience")), float(plain("min_delta"))
        self.restore_best = bool(plain("restore_best"))
        self.best, self.best_epoch = float(plain("best")), int(plain("best_epoch"))
        self.counter, self.stopped_epoch = int(plain("counter")), int(plain("stopped_epoch"))
        self.epoch = int(plain("epoch"))
        best_state = state_dict.get("best_state") or {}
        self.best_state = {str(k): np.array(v) for k, v in best_state.items()}

    def __repr__(self) -> str:
        return (
            f"EarlyStopping(monitor={self.monitor!r}, mode={self.mode!r}, "
            f"patience={self.patience}, min_delta={self.min_delta}, "
            f"restore_best={self.restore_best}, best={self.best:.6g}, counter={self.counter})"
        )
