"""Trainer: the training loop written once — CS231n's Solver, generalised.

    trainer = Trainer(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1),
                      train_loader, val_loader, epochs=10, seed=0)
    history = trainer.fit()                  # per-iteration loss, per-epoch train/val loss, acc
    viz.plot_history(history, "curves.png")
    trainer.evaluate(test_loader)            # {"loss": 0.07, "acc": 0.978}
    trainer.predict(x_test)                  # (N, 10) scores as an ndarray

One epoch of `fit()`:

    model.train(); train_loader.set_epoch(epoch)     # the shuffle depends on (loader seed, epoch)
    for x, t in train_loader:
        optimizer.zero_grad(); loss = loss_fn(model(x), t); loss.backward()
        clip_grad_norm_(model.parameters(), clip_grad_norm)            # if given
        optimizer.step()
    evaluate(val_loader)                             # eval mode, no graph recorded
    scheduler.step()                                 # once per epoch, as in PyTorch

**Logged values.** `train_loss` and the train metrics are means over the epoch's batches,
weighted by batch size, measured during training (the weights change along the epoch and dropout
is active), as Keras reports them: no second pass over the training data. The validation values
are computed after the epoch, in eval mode. The loss function should average over the batch
(reduction "mean", the default).

**Reproducibility.** The model's initial weights are the caller's (seed them with
`nn.init.manual_seed` before building it). Shuffling is the loaders': the trainer numbers the
epochs for them (`set_epoch`), so the order depends only on the loader's seed and the epoch.
With `seed`, each epoch also reseeds autodiff's global generator from (seed, epoch), which is
where dropout masks come from. So two fits with equally seeded models, loaders and trainers give
identical histories, and a fit resumed from a checkpoint continues exactly as the uninterrupted
one would. (Random transforms own their generators: give them seeds too.)
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

import autodiff
from autodiff import Tensor

from ..module import Module
from ..optim import LRScheduler, Optimizer, ReduceLROnPlateau, clip_grad_norm_
from .callbacks import Callback
from .checkpoint import (
    Checkpoint,
    CheckpointError,
    load_checkpoint,
    read_checkpoint,
    save_checkpoint,
)
from .early_stopping import EarlyStopping
from .history import History
from .metrics import Accuracy, Metric, make_metric
from .progress import Progress

Loader = Iterable[Any]  # a DataLoader, or any iterable of (x, t) batches


class Trainer:
    """Fit `model` with `optimizer` on `train_loader`, validating on `val_loader` each epoch.

    Args:
        model: the Module; its output and the batch targets go to `loss_fn`.
        loss_fn: `loss_fn(output, target) -> 0-d Tensor`, e.g. `nn.CrossEntropyLoss()`.
        optimizer: an `nn.optim` optimizer over the model's parameters.
        train_loader / val_loader: iterables of `(x, t)` batches (arrays or Tensors), e.g.
            `nn.data.DataLoader`s; `val_loader=None` skips validation.
        epochs: the total number of epochs `fit()` trains to (a resumed trainer continues).
        scheduler: an lr scheduler, stepped once after each epoch; a `ReduceLROnPlateau` is
            stepped with the epoch's "val_loss" (its "train_loss" without a `val_loader`).
        metrics: names ("accuracy", "mae", "rmse") or `Metric` objects; logged as
            `train_<name>` and `val_<name>`, e.g. "train_acc".
        callbacks: `Callback`s (e.g. `EarlyStopping`), called in order.
        progress: show a live bar on a terminal and print a line per epoch; False: silent.
        seed: reseed autodiff's generator (dropout) from (seed, epoch) at every epoch.
        clip_grad_norm: clip the gradients' joint 2-norm to this before each step.
        keep_freed_memory: when `fit()` starts, call `autodiff.memory.keep_freed_memory()`, so
            each step reuses the memory the last one freed instead of page-faulting in fresh
            memory (glibc; a process-wide setting that stays). False leaves the allocator alone.

    Attributes: `history` (a `History`), `epoch` (epochs completed), `stop_training` (a
    callback sets it to end `fit()` after the current epoch), `epoch_seconds` (wall time per
    epoch of the latest fits; not in the history, which holds only reproducible values).
    """

    def __init__(
        self,
        model: Module,
        loss_fn: Callable[[Tensor, Any], Tensor],
        optimizer: Optimizer,
        train_loader: Loader,
        val_loader: Loader | None = None,
        epochs: int = 10,
        scheduler: LRScheduler | None = None,
        metrics: Sequence[str | Metric] | None = ("accuracy",),
        callbacks: Sequence[Callback] = (),
        progress: bool = True,
        seed: int | None = None,
        clip_grad_norm: float | None = None,
        keep_freed_memory: bool = True,
    ) -> None:
        if epochs < 0:
            raise ValueError(f"Trainer: epochs must be >= 0, got {epochs!r}")
        self.model = model
        self.loss_fn = loss_fn
        self.optimizer = optimizer
        self.train_loader = train_loader
        self.val_loader = val_loader
        self.epochs = int(epochs)
        self.scheduler = scheduler
        self.metrics = [make_metric(m) for m in (metrics or ())]
        names = [m.name for m in self.metrics]
        if len(set(names)) != len(names) or "loss" in names:
            raise ValueError(f"Trainer: metric names must be distinct and not 'loss', got {names}")
        self.callbacks = list(callbacks)
        self.progress = bool(progress)
        self.seed = seed
        self.clip_grad_norm = clip_grad_norm
        self.keep_freed_memory = bool(keep_freed_memory)
        self.history = History()
        self.epoch = 0
        self.stop_training = False
        self.epoch_seconds: list[float] = []

    # ------------------------------------------------------------------------- training
    def fit(self) -> History:
        """Train from epoch `self.epoch` up to `self.epochs` (or until a callback stops it);
        returns the history, which also stays in `self.history`."""
        self.stop_training = False
        self.epoch_seconds = []
        if self.keep_freed_memory:
            autodiff.memory.keep_freed_memory()
        progress = Progress(self.progress, self.epochs)
        self._call("on_train_begin")
        try:
            while self.epoch < self.epochs and not self.stop_training:
                self._fit_epoch(self.epoch, progress)
        finally:
            progress.close()  # an interrupted epoch must not leave a half-drawn bar
        if self.progress and self.stop_training and self.epoch < self.epochs:
            print(f"stopped early after epoch {self.epoch} of {self.epochs}")
        self._call("on_train_end")
        return self.history

    def _fit_epoch(self, epoch: int, progress: Progress) -> None:
        start = time.perf_counter()
        if self.seed is not None:
            autodiff.manual_seed(epoch_seed(self.seed, epoch))
        self._call("on_epoch_begin", epoch)
        lr = float(self.optimizer.param_groups[0]["lr"])  # before the scheduler changes it
        logs = {f"train_{k}": v for k, v in self._train_epoch(epoch, progress).items()}
        if self.val_loader is not None:
            logs.update({f"val_{k}": v for k, v in self.evaluate(self.val_loader).items()})
        logs["lr"] = lr
        if isinstance(self.scheduler, ReduceLROnPlateau):
            self.scheduler.step(logs["val_loss" if "val_loss" in logs else "train_loss"])
        elif self.scheduler is not None:
            self.scheduler.step()
        self.history.log_epoch(logs)
        self.epoch += 1
        seconds = time.perf_counter() - start
        self.epoch_seconds.append(seconds)
        progress.end_epoch(epoch, logs, seconds)
        self._call("on_epoch_end", epoch, logs)

    def _train_epoch(self, epoch: int, progress: Progress) -> dict[str, float]:
        self.model.train()
        if hasattr(self.train_loader, "set_epoch"):
            self.train_loader.set_epoch(epoch)
        for metric in self.metrics:
            metric.reset()
        accuracy = next((m for m in self.metrics if isinstance(m, Accuracy)), None)
        total, count = 0.0, 0
        progress.start_epoch(epoch, _length(self.train_loader))
        for index, batch in enumerate(self.train_loader):
            x, t = _inputs_targets(batch)
            self.optimizer.zero_grad()
            output = self.model(_tensor(x))
            loss = self.loss_fn(output, t)
            loss.backward()
            if self.clip_grad_norm is not None:
                clip_grad_norm_(self.model.parameters(), self.clip_grad_norm)
            self.optimizer.step()

            value = loss.item()
            if not math.isfinite(value):
                raise FloatingPointError(
                    f"Trainer: the loss is {value} at epoch {epoch + 1}, batch {index + 1}; the "
                    "training diverged (try a smaller learning rate, or clip_grad_norm)"
                )
            n = _batch_size(x)
            total, count = total + value * n, count + n
            for metric in self.metrics:
                metric.update(output, t)
            self.history.log_iteration(value)
            progress.update(total / count, accuracy.compute() if accuracy else None)
            self._call("on_batch_end", index, {"loss": value})
        if count == 0:
            raise ValueError("Trainer: the training loader gave no batches")
        return {"loss": total / count, **{m.name: m.compute() for m in self.metrics}}

    # ----------------------------------------------------------------------- evaluation
    def evaluate(self, loader: Loader) -> dict[str, float]:
        """The mean loss and the metrics over `loader`, e.g. {"loss": 0.07, "acc": 0.978}.

        Runs in eval mode under `autodiff.no_grad()`; every module's mode is restored after.
        """
        for metric in self.metrics:
            metric.reset()
        total, count = 0.0, 0
        with self._inference():
            for batch in loader:
                x, t = _inputs_targets(batch)
                output = self.model(_tensor(x))
                n = _batch_size(x)
                total, count = total + self.loss_fn(output, t).item() * n, count + n
                for metric in self.metrics:
                    metric.update(output, t)
        if count == 0:
            raise ValueError("Trainer.evaluate: the loader gave no batches")
        return {"loss": total / count, **{m.name: m.compute() for m in self.metrics}}

    def predict(self, data: Any, batch_size: int = 256) -> np.ndarray:
        """The model's outputs for `data`, concatenated into one ndarray (N, ...).

        `data` is an array or Tensor of inputs (fed in slices of `batch_size`), or a loader
        (the first field of each batch is the input). Eval mode, no graph, modes restored.
        """
        if isinstance(data, Tensor | np.ndarray):
            array = data.data if isinstance(data, Tensor) else data
            batches: Iterable[Any] = (
                array[i : i + batch_size] for i in range(0, len(array), batch_size)
            )
        else:
            batches = (_inputs_targets(b, need_targets=False)[0] for b in data)
        with self._inference():
            outputs = [np.asarray(self.model(_tensor(x)).data) for x in batches]
        if not outputs:
            raise ValueError("Trainer.predict: no inputs")
        return np.concatenate(outputs)

    @contextlib.contextmanager
    def _inference(self) -> Iterator[None]:
        # Each module's own mode comes back, not one mode for all: a user may have frozen
        # some submodule in eval mode on purpose.
        modes = [(module, module.training) for module in self.model.modules()]
        self.model.eval()
        try:
            with autodiff.no_grad():
                yield
        finally:
            for module, mode in modes:
                module.training = mode

    # ---------------------------------------------------------------------- checkpoints
    @property
    def early_stopping(self) -> EarlyStopping | None:
        """The first EarlyStopping among the callbacks."""
        return next((c for c in self.callbacks if isinstance(c, EarlyStopping)), None)

    def save_checkpoint(self, path: str | Path, **extra: Any) -> Path:
        """Save the model, optimizer, scheduler, history, every callback's state and the epoch
        count (see nn.train.checkpoint), so `load_checkpoint` can resume the run exactly."""
        return save_checkpoint(
            path,
            self.model,
            self.optimizer,
            history=self.history,
            scheduler=self.scheduler,
            callbacks=self.callbacks,
            epoch=self.epoch,
            **extra,
        )

    def load_checkpoint(self, path: str | Path, strict: bool = True) -> Checkpoint:
        """Load a `save_checkpoint` file into this trainer's objects (the callbacks must be of
        the same classes, in the same order, as when it was saved); `fit()` then continues
        from the saved epoch up to `self.epochs`. Nothing changes if it raises."""
        ckpt = read_checkpoint(path)
        history = ckpt.history if ckpt.history is not None else History()
        epoch = ckpt.extra.get("epoch", history.epochs)
        if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
            raise CheckpointError(f"{ckpt.path}: 'extra/epoch' is {epoch!r}, not an epoch count")
        legacy = ckpt.callbacks is None and ckpt.early_stopping is not None  # format 1 files
        ckpt = load_checkpoint(
            ckpt,
            self.model,
            self.optimizer,
            early_stopping=self.early_stopping if legacy else None,
            scheduler=self.scheduler,
            strict=strict,
            callbacks=None if legacy else self.callbacks,
        )
        self.history, self.epoch = history, epoch
        return ckpt

    # --------------------------------------------------------------------------- helpers
    def _call(self, hook: str, *args: Any) -> None:
        for callback in self.callbacks:
            getattr(callback, hook)(self, *args)

    def __repr__(self) -> str:
        return (
            f"Trainer(model={type(self.model).__name__}, optimizer={type(self.optimizer).__name__}"
            f", epoch={self.epoch}/{self.epochs}, metrics={[m.name for m in self.metrics]})"
        )


def epoch_seed(seed: int, epoch: int) -> int:
    """The seed of epoch `epoch`'s dropout masks: mixed from both, so nearby seeds and epochs
    give unrelated streams."""
    return int(np.random.SeedSequence([int(seed), int(epoch)]).generate_state(1)[0])


def _inputs_targets(batch: Any, need_targets: bool = True) -> tuple[Any, Any]:
    if isinstance(batch, tuple | list):
        if len(batch) >= 2:
            return batch[0], batch[1]
        if len(batch) == 1 and not need_targets:
            return batch[0], None
    elif not need_targets:
        return batch, None
    what = type(batch).__name__
    if isinstance(batch, tuple | list):
        what += f" of length {len(batch)}"
    raise ValueError(f"Trainer: each batch must be an (inputs, targets) pair, got a {what}")


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(np.asarray(x))


def _batch_size(x: Any) -> int:
    return int(x.shape[0]) if getattr(x, "ndim", 0) else 1


def _length(loader: Any) -> int | None:
    try:
        return len(loader)
    except TypeError:
        return None
