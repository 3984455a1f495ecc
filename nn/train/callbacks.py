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
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # only for annotations: the trainer imports this module
    from .trainer import Trainer

Logs = Mapping[str, float]


class Callback:
    """Base class: override the hooks you need; each does nothing by default."""

    def on_train_begin(self, trainer: Trainer) -> None:
        pass

    def on_epoch_begin(self, trainer: Trainer, epoch: int) -> None:
        pass

    def on_batch_end(self, trainer: Trainer, batch: int, logs: Logs) -> None:
        pass

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: Logs) -> None:
        pass

    def on_train_end(self, trainer: Trainer) -> None:
        pass


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


class ModelCheckpoint(Callback):
    """Save the trainer's checkpoint (`Trainer.save_checkpoint`) to `path` at the end of every
    epoch, or with `save_best_only` only when `monitor` improved on the best so far (`mode`
    "min" or "max"). `path` may contain "{epoch}" (1-based), e.g. "ckpt/epoch{epoch:03d}.npz".
    """

    def __init__(
        self,
        path: str,
        monitor: str = "val_loss",
        mode: str = "min",
        save_best_only: bool = False,
    ) -> None:
        if mode not in ("min", "max"):
            raise ValueError(f"ModelCheckpoint: mode must be 'min' or 'max', got {mode!r}")
        self.path = str(path)
        self.monitor = monitor
        self.mode = mode
        self.save_best_only = save_best_only
        self.best = float("inf") if mode == "min" else -float("inf")
        self.saved: list[str] = []  # every path written, in order

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: Logs) -> None:
        if self.save_best_only:
            if self.monitor not in logs:
                raise KeyError(
                    f"ModelCheckpoint monitors {self.monitor!r}, but the epoch logs have only "
                    f"{sorted(logs)}"
                )
            value = logs[self.monitor]
            better = value < self.best if self.mode == "min" else value > self.best
            if not better:
                return
            self.best = value
        path = self.path.format(epoch=epoch + 1)
        trainer.save_checkpoint(path)
        self.saved.append(path)
