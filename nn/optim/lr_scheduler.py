"""Learning-rate schedulers: `StepLR`, `ExponentialLR`, `CosineAnnealingLR`.

Each sets every parameter group's lr from a closed form of the epoch count, PyTorch's
`_get_closed_form_lr`: lr = f(base_lr, last_epoch). Call `scheduler.step()` once per epoch,
after `optimizer.step()`:

    scheduler = StepLR(optimizer, step_size=30, gamma=0.1)
    for epoch in range(100):
        train_one_epoch(...)          # optimizer.step() inside
        scheduler.step()

Being closed forms, they do not compose: a change made to a group's lr by hand (or by a second
scheduler) is overwritten at the next step.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..state import to_python
from ..validate import check_int
from .optimizer import Optimizer


class LRScheduler:
    """Base: `base_lrs`, `last_epoch`, `step()`, `get_last_lr()`, state dicts.

    On construction each group's lr is recorded as "initial_lr" in the group (as PyTorch does; a
    scheduler resumed with `last_epoch` >= 0 reads it from there) and `base_lrs`, then a first
    `step()` sets the lrs for epoch `last_epoch + 1` (epoch 0 for a fresh scheduler: the base lrs).
    Subclasses write `_lr_at(base_lr, epoch)` and list their hyperparameters in `_hyperparameters`.
    """

    _hyperparameters: tuple[str, ...] = ()

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: {type(optimizer).__name__} isn't an Optimizer")
        self.optimizer = optimizer
        for i, group in enumerate(optimizer.param_groups):
            if last_epoch == -1:
                group.setdefault("initial_lr", group["lr"])
            elif "initial_lr" not in group:
                raise KeyError(
                    f"{type(self).__name__}: param_groups[{i}] has no 'initial_lr', which a "
                    f"scheduler resumed at last_epoch={last_epoch} needs"
                )
        self.base_lrs: list[float] = [float(g["initial_lr"]) for g in optimizer.param_groups]
        self.last_epoch = last_epoch
        self.step()

    def _lr_at(self, base_lr: float, epoch: int) -> float:
        raise NotImplementedError

    def get_lr(self) -> list[float]:
        """The lrs for the current `last_epoch`, by the closed form."""
        return [self._lr_at(base_lr, self.last_epoch) for base_lr in self.base_lrs]

    def step(self) -> None:
        """Advance one epoch and set every group's lr."""
        self.last_epoch += 1
        self._last_lr = self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, self._last_lr):
            group["lr"] = lr

    def get_last_lr(self) -> list[float]:
        """The lrs the last `step()` set, one per parameter group."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """The scheduler's state as plain numbers and lists (the optimizer's lrs are in the
        optimizer's own state dict)."""
        state = {name: getattr(self, name) for name in self._hyperparameters}
        return {
            **state,
            "last_epoch": self.last_epoch,
            "base_lrs": list(self.base_lrs),
            "last_lr": list(self._last_lr),
        }

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore a `state_dict()` (also one read back from an .npz, with arrays for the lists);
        wrong keys or a different number of groups raise a ValueError."""
        where = f"{type(self).__name__}.load_state_dict"
        expected = {*self._hyperparameters, "last_epoch", "base_lrs", "last_lr"}
        if set(state_dict) != expected:
            raise ValueError(f"{where}: expected keys {sorted(expected)}, got {sorted(state_dict)}")
        n = len(self.optimizer.param_groups)
        lists = {}
        for key in ("base_lrs", "last_lr"):
            values = np.asarray(state_dict[key])
            if values.ndim != 1 or values.dtype.kind not in "iuf":
                raise ValueError(f"{where}: {key!r} must be a list of numbers, got {values!r}")
            if len(values) != n:
                raise ValueError(
                    f"{where}: {key!r} has {len(values)} entries, the optimizer has {n} groups"
                )
            lists[key] = [float(v) for v in values]
        hyperparameters = {name: to_python(state_dict[name]) for name in self._hyperparameters}
        for name, value in hyperparameters.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{where}: {name} must be a number, got {value!r}")
        last_epoch = check_int(where, "last_epoch", to_python(state_dict["last_epoch"]), -1)
        for name, value in hyperparameters.items():
            setattr(self, name, value)
        self.last_epoch = last_epoch
        self.base_lrs, self._last_lr = lists["base_lrs"], lists["last_lr"]


class StepLR(LRScheduler):
    """Multiply the lr by `gamma` every `step_size` epochs: lr = base_lr * gamma**(epoch //
    step_size) (PyTorch's torch.optim.lr_scheduler.StepLR)."""

    _hyperparameters = ("step_size", "gamma")

    def __init__(
        self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        if step_size < 1:
            raise ValueError(f"StepLR: step_size must be a positive integer, got {step_size!r}")
        self.step_size = int(step_size)
        self.gamma = float(gamma)
        super().__init__(optimizer, last_epoch)

    def _lr_at(self, base_lr: float, epoch: int) -> float:
        return base_lr * self.gamma ** (epoch // self.step_size)


class ExponentialLR(LRScheduler):
    """Multiply the lr by `gamma` every epoch: lr = base_lr * gamma**epoch (PyTorch's
    torch.optim.lr_scheduler.ExponentialLR)."""

    _hyperparameters = ("gamma",)

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = float(gamma)
        super().__init__(optimizer, last_epoch)

    def _lr_at(self, base_lr: float, epoch: int) -> float:
        return base_lr * self.gamma**epoch


class CosineAnnealingLR(LRScheduler):
    """Anneal the lr from base_lr to `eta_min` along half a cosine over `T_max` epochs (SGDR,
    Loshchilov & Hutter 2017, without restarts; PyTorch's closed form):

        lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2

    Past T_max the cosine continues, so the lr rises again (period 2 * T_max).
    """

    _hyperparameters = ("T_max", "eta_min")

    def __init__(
        self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1
    ) -> None:
        if T_max < 1:
            raise ValueError(f"CosineAnnealingLR: T_max must be a positive integer, got {T_max!r}")
        self.T_max = int(T_max)
        self.eta_min = float(eta_min)
        super().__init__(optimizer, last_epoch)

    def _lr_at(self, base_lr: float, epoch: int) -> float:
        cosine = (1 + math.cos(math.pi * epoch / self.T_max)) / 2
        return self.eta_min + (base_lr - self.eta_min) * cosine
