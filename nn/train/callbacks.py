"""Callbacks: code the Trainer calls at fixed points of training (Keras's hook names).

    class PrintLR(Callback):
        def on_epoch_end(self, trainer, epoch, logs):
            print(epoch, trainer.optimizer.param_groups[0]["lr"])

    Trainer(..., callbacks=[PrintLR(), EarlyStopping(patience=3)])

The order of calls in `fit()`:

    on_train_begin(trainer)
    for each epoch:   on_epoch_begin(trainer, epoch)
                      for each batch: on_batch_end(trainer, batch, logs)   # logs: {"loss": ...}
                      on_epoch_end(trainer, epoch, logs)   # logs: {"train_loss", "val_acc", ...}
    on_train_end(trainer)

`epoch` and `batch` count from 0. Callbacks are called in the order given. Setting
`trainer.stop_training = True` (in any hook) ends `fit()` after the current epoch. The epoch logs
are the values the History records for that epoch; a callback may read but should not change them.

**State.** A callback that remembers something across epochs (a best value, a counter) returns
it from `state_dict()` and takes it back in `load_state_dict()`: the Trainer saves every
callback's state in its checkpoints and restores it on `load_checkpoint`, so a resumed run
goes on exactly as the uninterrupted one would. Stateless callbacks keep the defaults ({}).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ..module import Module
from ..state import to_python
from .monitor import Monitor, Monitored

Logs = Mapping[str, float]


class TrainerLike(Protocol):
    """What callbacks use of the Trainer (a protocol, so this module need not import
    trainer.py, which imports it)."""

    model: Module
    epoch: int
    stop_training: bool

    def save_checkpoint(self, path: str | Path, **extra: Any) -> Path: ...


class Callback:
    """Base class: override the hooks you need; each does nothing by default."""

    def on_train_begin(self, trainer: TrainerLike) -> None:
        pass

    def on_epoch_begin(self, trainer: TrainerLike, epoch: int) -> None:
        pass

    def on_batch_end(self, trainer: TrainerLike, batch: int, logs: Logs) -> None:
        pass

    def on_epoch_end(self, trainer: TrainerLike, epoch: int, logs: Logs) -> None:
        pass

    def on_train_end(self, trainer: TrainerLike) -> None:
        pass

    def state_dict(self) -> dict[str, Any]:
        """What this callback must remember across a resume (numbers, strings, arrays and
        dicts of them); {} for a stateless callback."""
        return {}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore a `state_dict()` (also one read back from a checkpoint, with 0-d arrays for
        numbers). A stateless callback accepts only {}."""
        if state_dict:
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: this callback keeps no state, got "
                f"keys {sorted(state_dict)}"
            )


class LambdaCallback(Callback):
    """A callback from plain functions, e.g. `LambdaCallback(on_epoch_end=lambda tr, e, logs:
    print(e, logs["val_acc"]))`; each takes the same arguments as the hook of its name."""

    def __init__(
        self,
        on_train_begin: Callable[..., Any] | None = None,
        on_epoch_begin: Callable[..., Any] | None = None,
        on_batch_end: Callable[..., Any] | None = None,
        on_epoch_end: Callable[..., Any] | None = None,
        on_train_end: Callable[..., Any] | None = None,
    ) -> None:
        hooks = {
            "on_train_begin": on_train_begin,
            "on_epoch_begin": on_epoch_begin,
            "on_batch_end": on_batch_end,
            "on_epoch_end": on_epoch_end,
            "on_train_end": on_train_end,
        }
        for name, fn in hooks.items():
            if fn is not None:
                setattr(self, name, fn)  # an instance attribute shadows the no-op method


class ModelCheckpoint(Monitored, Callback):
    """Save the trainer's checkpoint (`Trainer.save_checkpoint`) to `path` at the end of every
    epoch, or with `save_best_only` only when `monitor` improved on the best so far (`mode`
    "min" or "max", the rule of `Monitor`). `path` may contain "{epoch}" (1-based), e.g.
    "ckpt/epoch{epoch:03d}.npz".

    State (`state_dict()`, saved in the trainer's checkpoints): `best` and `saved`, every path
    written so far. So a resumed run does not overwrite the best file with a worse epoch.
    """

    def __init__(
        self,
        path: str,
        monitor: str = "val_loss",
        mode: str = "min",
        save_best_only: bool = False,
    ) -> None:
        self.rule = Monitor("ModelCheckpoint", monitor, mode)
        self.path = str(path)
        self.save_best_only = bool(save_best_only)
        self.best = self.rule.worst
        self.saved: list[str] = []  # every path written, in order

    def on_epoch_end(self, trainer: TrainerLike, epoch: int, logs: Logs) -> None:
        previous_best = self.best
        if self.save_best_only:
            value = self.rule.read(logs)
            if not self.rule.better(value, self.best):
                return
            self.best = value
        path = self.path.format(epoch=epoch + 1)
        self.saved.append(path)  # before saving: the checkpoint holds this callback's state
        try:
            trainer.save_checkpoint(path)
        except BaseException:
            self.saved.pop()
            self.best = previous_best
            raise

    def state_dict(self) -> dict[str, Any]:
        return {
            "monitor": self.monitor,
            "mode": self.mode,
            "best": self.best,
            "saved": np.array(self.saved, dtype=str),
        }

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore `best` and `saved`; the state must be of the same monitor and mode."""
        where = "ModelCheckpoint.load_state_dict"
        keys = {"monitor", "mode", "best", "saved"}
        if set(state_dict) != keys:
            raise ValueError(f"{where}: expected keys {sorted(keys)}, got {sorted(state_dict)}")
        state = to_python(state_dict)
        if (state["monitor"], state["mode"]) != (self.monitor, self.mode):
            raise ValueError(
                f"{where}: the state is of monitor {state['monitor']!r} ({state['mode']}), "
                f"this callback monitors {self.monitor!r} ({self.mode})"
            )
        best = state["best"]
        if isinstance(best, bool) or not isinstance(best, int | float):
            raise ValueError(f"{where}: best must be a number, got {best!r}")
        saved = np.asarray(state["saved"])
        if saved.ndim != 1 or (saved.size and saved.dtype.kind != "U"):
            raise ValueError(f"{where}: saved must be a list of paths, got {saved!r}")
        self.best = float(best)
        self.saved = [str(p) for p in saved]
