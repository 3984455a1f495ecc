"""Learning-rate schedulers: `StepLR`, `ExponentialLR`, `CosineAnnealingLR`.

Each scales every parameter group's current lr once per `step()`, by PyTorch's recursive rules
(its `get_lr`): StepLR multiplies it by gamma every `step_size` epochs, ExponentialLR every
epoch, CosineAnnealingLR moves it along the cosine from its value at the last epoch. Call
`scheduler.step()` once per epoch, after `optimizer.step()`:

    scheduler = StepLR(optimizer, step_size=30, gamma=0.1)
    for epoch in range(100):
        train_one_epoch(...)          # optimizer.step() inside
        scheduler.step()

Being recursive, as PyTorch's, they compose: two schedulers on one optimizer multiply their
factors, an lr set by hand in a group carries on from there, and a group added to the optimizer
after the scheduler was made is scheduled too. For a fresh schedule the lrs are PyTorch's closed
forms, lr = f(base_lr, epoch), up to rounding.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..state import to_python
from ..validate import check_int, check_real
from .optimizer import Optimizer


class LRScheduler:
    """Base: `base_lrs`, `last_epoch`, `step()`, `get_last_lr()`, state dicts.

    On construction each group's lr is recorded as "initial_lr" in the group (as PyTorch does; a
    scheduler resumed with `last_epoch` >= 0 reads it from there) and `base_lrs`, then a first
    `step()` advances to epoch `last_epoch + 1` (epoch 0 for a fresh scheduler) without changing
    the lrs (StepLR excepted, as in PyTorch: resumed at an epoch that is a multiple of
    step_size, it applies that epoch's gamma). Subclasses write `_next_lr(lr, i)`: group i's lr
    for the new `last_epoch`, from its current `lr`.
    """

    _hyperparameters: tuple[str, ...] = ()
    # ExponentialLR and CosineAnnealingLR leave the lrs alone at the construction's step;
    # PyTorch's StepLR does not (it tests last_epoch == 0 instead).
    _initial_step_keeps_lr = True

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
        self._step_count = 0  # PyTorch's count of step() calls, the construction's included
        self._initial = True
        try:
            self.step()
        finally:
            self._initial = False

    def _next_lr(self, lr: float, i: int) -> float:
        raise NotImplementedError

    def get_lr(self) -> list[float]:
        """Every group's lr for the current `last_epoch`, from the groups' current lrs."""
        groups = self.optimizer.param_groups
        if self._initial and self._initial_step_keeps_lr:
            return [group["lr"] for group in groups]
        return [self._next_lr(group["lr"], i) for i, group in enumerate(groups)]

    def step(self) -> None:
        """Advance one epoch and set every group's lr."""
        self.last_epoch += 1
        self._step_count += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        """The lrs the last `step()` set, one per parameter group."""
        return list(self._last_lr)

    def _base_lr(self, i: int) -> float:
        """Group i's "initial_lr", for the rules that need it; a group added to the optimizer
        after the scheduler was made has none (PyTorch fails there too)."""
        if i >= len(self.base_lrs):
            raise ValueError(
                f"{type(self).__name__}: parameter group {i} was added after the scheduler was "
                f"made, so it has no base lr (the scheduler knows {len(self.base_lrs)} groups)"
            )
        return self.base_lrs[i]

    # PyTorch's state dict keys besides the hyperparameters and a subclass's own attributes, in
    # its order; "_is_initial" and "_get_lr_called_within_step" are its flags, always False
    # between calls (kept so that the keys are PyTorch's).
    _state_keys = (
        "base_lrs",
        "last_epoch",
        "_step_count",
        "_is_initial",
        "_get_lr_called_within_step",
        "_last_lr",
    )

    def _own_attributes(self) -> dict[str, Any]:
        """The attributes a subclass of one's own added (a scheduler written by subclassing
        LRScheduler, e.g. a warmup's length): PyTorch saves every attribute but the optimizer, so
        these are saved and restored too, as they are."""
        known = {"optimizer", "base_lrs", "last_epoch", "_last_lr", "_initial", "_step_count"}
        return {
            k: v for k, v in vars(self).items() if k not in known and k not in self._hyperparameters
        }

    def state_dict(self) -> dict[str, Any]:
        """The scheduler's state as plain numbers and lists, under PyTorch's keys and in its
        order: the hyperparameters, "base_lrs", "last_epoch", "_step_count", "_is_initial",
        "_get_lr_called_within_step", "_last_lr", with the attributes a subclass added first.
        (The optimizer's lrs, from which the next step goes on, are in the optimizer's own
        state dict.)"""
        return {
            **self._own_attributes(),
            **{name: getattr(self, name) for name in self._hyperparameters},
            "base_lrs": list(self.base_lrs),
            "last_epoch": self.last_epoch,
            "_step_count": self._step_count,
            "_is_initial": False,
            "_get_lr_called_within_step": False,
            "_last_lr": list(self._last_lr),
        }

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore a `state_dict()` (also one read back from an .npz, with arrays for the lists),
        with the attributes a subclass added; wrong keys or lists that do not fit the
        optimizer's groups raise a ValueError. A state dict saved by an older glassgrad (its
        lrs under "last_lr", without "_step_count" and PyTorch's two flags) loads too."""
        where = f"{type(self).__name__}.load_state_dict"
        state_dict = dict(state_dict)
        if "last_lr" in state_dict and "_last_lr" not in state_dict:  # an older glassgrad's
            state_dict["_last_lr"] = state_dict.pop("last_lr")
        state_dict.setdefault("_step_count", None)  # then last_epoch + 1, PyTorch's count
        state_dict.setdefault("_is_initial", False)
        state_dict.setdefault("_get_lr_called_within_step", False)
        own = self._own_attributes()
        expected = {*own, *self._hyperparameters, *self._state_keys}
        if set(state_dict) != expected:
            raise ValueError(f"{where}: expected keys {sorted(expected)}, got {sorted(state_dict)}")
        n = len(self.optimizer.param_groups)
        lists = {}
        for key in ("base_lrs", "_last_lr"):
            values = np.asarray(state_dict[key])
            if values.ndim != 1 or values.dtype.kind not in "iuf":
                raise ValueError(f"{where}: {key!r} must be a list of numbers, got {values!r}")
            # _last_lr has an lr per group; base_lrs one per group the scheduler was made with
            # (groups added later have none)
            if len(values) > n or (key == "_last_lr" and len(values) != n):
                raise ValueError(
                    f"{where}: {key!r} has {len(values)} entries, the optimizer has {n} groups"
                )
            lists[key] = [float(v) for v in values]
        hyperparameters = {name: to_python(state_dict[name]) for name in self._hyperparameters}
        for name, value in hyperparameters.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{where}: {name} must be a number, got {value!r}")
        for flag in ("_is_initial", "_get_lr_called_within_step"):
            if to_python(state_dict[flag]) is not False:
                raise ValueError(
                    f"{where}: {flag} must be False (it is True only inside a step), got "
                    f"{state_dict[flag]!r}"
                )
        last_epoch = check_int(where, "last_epoch", to_python(state_dict["last_epoch"]), -1)
        step_count = to_python(state_dict["_step_count"])
        step_count = last_epoch + 1 if step_count is None else step_count
        step_count = check_int(where, "_step_count", step_count, 0)
        for name, value in hyperparameters.items():
            setattr(self, name, value)
        for name in own:
            setattr(self, name, to_python(state_dict[name]))
        self.last_epoch = last_epoch
        self._step_count = step_count
        self.base_lrs, self._last_lr = lists["base_lrs"], lists["_last_lr"]


class StepLR(LRScheduler):
    """Multiply the lr by `gamma` every `step_size` epochs (PyTorch's
    torch.optim.lr_scheduler.StepLR). A fresh schedule gives lr = base_lr * gamma**(epoch //
    step_size)."""

    _hyperparameters = ("step_size", "gamma")
    _initial_step_keeps_lr = False

    def __init__(
        self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        # An int: PyTorch takes a float too, but then its recursive and closed forms disagree
        self.step_size = check_int("StepLR", "step_size", step_size, 1)
        self.gamma = float(gamma)
        super().__init__(optimizer, last_epoch)

    def _next_lr(self, lr: float, i: int) -> float:
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return lr
        return lr * self.gamma


class ExponentialLR(LRScheduler):
    """Multiply the lr by `gamma` every epoch (PyTorch's torch.optim.lr_scheduler.ExponentialLR).
    A fresh schedule gives lr = base_lr * gamma**epoch."""

    _hyperparameters = ("gamma",)

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = float(gamma)
        super().__init__(optimizer, last_epoch)

    def _next_lr(self, lr: float, i: int) -> float:
        return lr * self.gamma


class CosineAnnealingLR(LRScheduler):
    """Anneal the lr from base_lr to `eta_min` along half a cosine over `T_max` epochs (SGDR,
    Loshchilov & Hutter 2017, without restarts; PyTorch's torch.optim.lr_scheduler
    .CosineAnnealingLR). A fresh schedule gives

        lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2

    Each step moves the group's current lr by the ratio of two consecutive points of that
    cosine, as PyTorch does, so an lr changed by hand or by another scheduler carries on. Past
    T_max the cosine continues, so the lr rises again (period 2 * T_max).
    """

    _hyperparameters = ("T_max", "eta_min")

    def __init__(
        self, optimizer: Optimizer, T_max: float, eta_min: float = 0.0, last_epoch: int = -1
    ) -> None:
        if check_real("CosineAnnealingLR", "T_max", T_max, minimum=0) == 0:
            raise ValueError("CosineAnnealingLR: T_max must be > 0, got 0")
        self.T_max = T_max  # an int stays an int (PyTorch takes a float too: the period)
        self.eta_min = float(eta_min)
        super().__init__(optimizer, last_epoch)

    def _next_lr(self, lr: float, i: int) -> float:
        epoch, period, eta_min = self.last_epoch, self.T_max, self.eta_min
        if (epoch - 1 - period) % (2 * period) == 0:  # at the bottom: the cosine turns up
            return lr + (self._base_lr(i) - eta_min) * (1 - math.cos(math.pi / period)) / 2
        ratio = (1 + math.cos(math.pi * epoch / period)) / (
            1 + math.cos(math.pi * (epoch - 1) / period)
        )
        return ratio * (lr - eta_min) + eta_min
