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

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..module import Module
from ..state import to_python
from ..validate import check_bool, check_int
from .callbacks import Callback, Logs, TrainerLike
from .monitor import Monitor, Monitored


class EarlyStopping(Monitored, Callback):
    """Stop after `patience` epochs in a row without an improvement of more than `min_delta`.

    monitor: the epoch-log key to watch ("val_loss", "val_acc", "train_loss", ...).
    mode: "min" (lower is better) or "max" (the rule of `Monitor`).
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
        self.rule = Monitor("EarlyStopping", monitor, mode, min_delta)
        self.patience = check_int("EarlyStopping", "patience", patience, minimum=1)
        self.restore_best = bool(restore_best)
        self.reset()

    def reset(self) -> None:
        """Forget everything seen (the hyperparameters stay)."""
        self.best = self.rule.worst
        self.best_epoch = -1
        self.counter = 0
        self.stopped_epoch = -1
        self.epoch = 0
        self.best_state: dict[str, np.ndarray] = {}

    # ------------------------------------------------------------------------ the rule
    def improved(self, value: float) -> bool:
        """Whether `value` beats the best so far by more than min_delta."""
        return self.rule.better(value, self.best)

    @property
    def should_stop(self) -> bool:
        """Whether `patience` epochs in a row have passed without an improvement."""
        return self.counter >= self.patience

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
        if self.should_stop:
            self.stopped_epoch = self.epoch - 1
        return self.should_stop

    def restore(self, model: Module) -> bool:
        """Load the best weights into `model` (with restore_best and a best epoch seen);
        returns whether it did."""
        if not (self.restore_best and self.best_state):
            return False
        model.load_state_dict(self.best_state)
        return True

    # ---------------------------------------------------------------------- as a callback
    def on_epoch_end(self, trainer: TrainerLike, epoch: int, logs: Logs) -> None:
        # The best weights go back once, at on_train_end (also when all epochs ran).
        if self._update(self.rule.read(logs), trainer.model):
            trainer.stop_training = True

    def on_train_end(self, trainer: TrainerLike) -> None:
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
        scheduler's. Everything is checked before anything changes."""
        where = "EarlyStopping.load_state_dict"
        expected = set(self.state_dict()) - {"best_state"}
        missing = sorted(expected - set(state_dict))
        unexpected = sorted(set(state_dict) - expected - {"best_state"})
        if missing or unexpected:
            raise ValueError(f"{where}: missing keys {missing}, unexpected keys {unexpected}")
        state = to_python({k: v for k, v in state_dict.items() if k != "best_state"})
        rule = Monitor(where, state["monitor"], state["mode"], state["min_delta"])
        counts = {
            name: check_int(where, name, state[name], minimum=minimum)
            for name, minimum in (
                ("patience", 1), ("best_epoch", -1), ("counter", 0), ("stopped_epoch", -1),
                ("epoch", 0),
            )
        }
        best = state["best"]
        if isinstance(best, bool) or not isinstance(best, int | float):
            raise TypeError(f"{where}: best must be a number, got {best!r}")
        best_state = state_dict.get("best_state") or {}
        if not isinstance(best_state, Mapping):
            raise TypeError(f"{where}: best_state must be a dict of arrays")
        weights = {str(k): np.array(v) for k, v in best_state.items()}
        if any(w.dtype.kind not in "biuf" for w in weights.values()):
            raise TypeError(f"{where}: best_state must hold numeric arrays")
        restore_best = check_bool(where, "restore_best", state["restore_best"])

        self.rule, self.restore_best = rule, restore_best
        self.patience, self.counter, self.epoch = (
            counts["patience"], counts["counter"], counts["epoch"]
        )
        self.best_epoch, self.stopped_epoch = counts["best_epoch"], counts["stopped_epoch"]
        self.best = float(best)
        self.best_state = weights

    def __repr__(self) -> str:
        return (
            f"EarlyStopping(monitor={self.monitor!r}, mode={self.mode!r}, "
            f"patience={self.patience}, min_delta={self.min_delta}, "
            f"restore_best={self.restore_best}, best={self.best:.6g}, counter={self.counter})"
        )
