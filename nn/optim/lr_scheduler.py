"""Learning-rate schedulers: `StepLR`, `MultiStepLR`, `ExponentialLR`, `CosineAnnealingLR`,
`LambdaLR`, `OneCycleLR` and `ReduceLROnPlateau`.

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
import types
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from ..state import to_python
from ..validate import check_bool, check_int, check_real
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
    # Attributes a subclass saves in a form of its own (LambdaLR's functions), not as they are.
    _saved_apart: tuple[str, ...] = ()
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
        known.update(self._hyperparameters, self._saved_apart)
        return {k: v for k, v in vars(self).items() if k not in known}

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


class MultiStepLR(LRScheduler):
    """Multiply the lr by `gamma` at each epoch in `milestones` (PyTorch's
    torch.optim.lr_scheduler.MultiStepLR); a milestone listed n times multiplies by gamma**n. A
    fresh schedule gives lr = base_lr * gamma**(number of milestones <= epoch).

    `milestones` is kept as a `collections.Counter` {epoch: count}, as PyTorch keeps it (and
    saves it in the state dict).
    """

    _hyperparameters = ("gamma",)
    _initial_step_keeps_lr = False  # PyTorch's: a milestone at epoch 0 applies at once

    def __init__(
        self,
        optimizer: Optimizer,
        milestones: Iterable[int],
        gamma: float = 0.1,
        last_epoch: int = -1,
    ) -> None:
        self.milestones = _milestones("MultiStepLR", milestones)
        self.gamma = float(gamma)
        super().__init__(optimizer, last_epoch)

    def _next_lr(self, lr: float, i: int) -> float:
        count = self.milestones.get(self.last_epoch, 0)
        return lr * self.gamma**count if count else lr

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """As the base's; "milestones" may be a Counter, a dict {epoch: count} (keys as strings
        too, as a checkpoint gives them back) or a list of epochs."""
        where = "MultiStepLR.load_state_dict"
        if "milestones" not in state_dict:
            raise ValueError(f"{where}: the state has no 'milestones'")
        milestones = state_dict["milestones"]
        if isinstance(milestones, Mapping):
            try:
                counts = {int(k): to_python(v) for k, v in milestones.items()}
            except ValueError:
                raise ValueError(
                    f"{where}: milestones must be epochs, got {milestones!r}"
                ) from None
            epochs = [k for k, n in counts.items() for _ in range(check_int(where, "count", n, 1))]
        else:
            epochs = milestones
        milestones = _milestones(where, epochs)
        super().load_state_dict({**state_dict, "milestones": milestones})
        self.milestones = milestones


def _milestones(where: str, epochs: Any) -> Counter:
    if isinstance(epochs, np.ndarray):
        epochs = epochs.tolist()
    if isinstance(epochs, str | bytes) or not isinstance(epochs, Iterable):
        raise TypeError(f"{where}: milestones must be a list of epochs, got {epochs!r}")
    return Counter(check_int(where, "a milestone", to_python(e)) for e in epochs)


class LambdaLR(LRScheduler):
    """lr = base_lr * lr_lambda(epoch) (PyTorch's torch.optim.lr_scheduler.LambdaLR): one
    function for every group, or a list with one per group. Not recursive: an lr set by hand
    is overwritten at the next step.

    The functions are not saved: `state_dict()["lr_lambdas"]` has None for a plain function or
    lambda and a copy of the attributes (`__dict__`) of a callable object, which
    `load_state_dict` restores into the scheduler's own objects, as in PyTorch.
    """

    _initial_step_keeps_lr = False
    _saved_apart = ("lr_lambdas",)

    def __init__(
        self,
        optimizer: Optimizer,
        lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
        last_epoch: int = -1,
    ) -> None:
        n = len(optimizer.param_groups) if isinstance(optimizer, Optimizer) else 0
        lambdas = list(lr_lambda) if isinstance(lr_lambda, list | tuple) else [lr_lambda] * n
        if len(lambdas) != n and isinstance(optimizer, Optimizer):
            raise ValueError(f"LambdaLR: expected {n} lr_lambdas, but got {len(lambdas)}")
        for f in lambdas:
            if not callable(f):
                raise TypeError(f"LambdaLR: lr_lambda must be callable, got {f!r}")
        self.lr_lambdas: list[Callable[[int], float]] = lambdas
        super().__init__(optimizer, last_epoch)

    def _next_lr(self, lr: float, i: int) -> float:
        base = self._base_lr(i)
        return base * self.lr_lambdas[i](self.last_epoch)

    def state_dict(self) -> dict[str, Any]:
        """The base's, then "lr_lambdas": None per plain function, a copy of the attributes of
        a callable object."""
        state = super().state_dict()
        state["lr_lambdas"] = [
            None if isinstance(f, types.FunctionType) else dict(vars(f)) for f in self.lr_lambdas
        ]
        return state

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        where = "LambdaLR.load_state_dict"
        if "lr_lambdas" not in state_dict:
            raise ValueError(f"{where}: the state has no 'lr_lambdas'")
        saved = list(state_dict["lr_lambdas"])
        if len(saved) != len(self.lr_lambdas):
            raise ValueError(
                f"{where}: the state has {len(saved)} lr_lambdas, the scheduler "
                f"{len(self.lr_lambdas)}"
            )
        if any(s is not None and not isinstance(s, Mapping) for s in saved):
            raise ValueError(f"{where}: each saved lr_lambda must be None or a dict of attributes")
        super().load_state_dict({k: v for k, v in state_dict.items() if k != "lr_lambdas"})
        for f, attributes in zip(self.lr_lambdas, saved):
            if attributes is not None:
                vars(f).update(attributes)


class ReduceLROnPlateau(LRScheduler):
    """Multiply the lr by `factor` once a metric has stopped improving for more than `patience`
    epochs (PyTorch's torch.optim.lr_scheduler.ReduceLROnPlateau). Call `step(metric)` once
    per epoch with the validation loss (mode="min") or accuracy (mode="max").

    Improving means beating the best value so far by `threshold`: relatively (best * (1 -
    threshold) in "min" mode, "rel") or absolutely (best - threshold, "abs"). After a
    reduction, `cooldown` epochs pass before bad epochs are counted again. An lr never goes
    below `min_lr` (one per group, or one for all), and a reduction smaller than `eps` is
    skipped. Unlike the other schedulers it keeps no base_lrs and records no "initial_lr".
    """

    def __init__(
        self,
        optimizer: Optimizer,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: float | Sequence[float] = 0,
        eps: float = 1e-8,
    ) -> None:
        where = "ReduceLROnPlateau"
        if check_real(where, "factor", factor) >= 1.0:
            raise ValueError(f"{where}: factor should be < 1.0, got {factor!r}")
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{where}: {type(optimizer).__name__} isn't an Optimizer")
        # The attributes in PyTorch's order: its state dict lists them so.
        self.factor = factor
        self.optimizer = optimizer
        n = len(optimizer.param_groups)
        if isinstance(min_lr, list | tuple):
            if len(min_lr) != n:
                raise ValueError(f"{where}: expected {n} min_lrs, got {len(min_lr)}")
            self.default_min_lr: float | None = None
            for m in min_lr:
                check_real(where, "min_lr", m, minimum=0)
            self.min_lrs = list(min_lr)
        else:
            check_real(where, "min_lr", min_lr, minimum=0)
            self.default_min_lr = min_lr
            self.min_lrs = [min_lr] * n
        self.patience = check_int(where, "patience", patience, 0)
        self.cooldown = check_int(where, "cooldown", cooldown, 0)
        self.eps = check_real(where, "eps", eps, minimum=0)
        self.last_epoch = 0
        self._last_lr = [group["lr"] for group in optimizer.param_groups]
        self._init_is_better(mode, threshold, threshold_mode, where)
        self._reset()

    def _init_is_better(self, mode: str, threshold: float, threshold_mode: str, where: str) -> None:
        if mode not in ("min", "max"):
            raise ValueError(f"{where}: mode must be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(
                f"{where}: threshold_mode must be 'rel' or 'abs', got {threshold_mode!r}"
            )
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.mode = mode
        check_real(where, "threshold", threshold)
        self.threshold = threshold
        self.threshold_mode = threshold_mode

    def _reset(self) -> None:
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    @property
    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def _is_better(self, a: float, best: float) -> bool:
        if self.mode == "min":
            bar = (
                best * (1.0 - self.threshold)
                if self.threshold_mode == "rel"
                else best - self.threshold
            )
            return a < bar
        bar = (
            best * (1.0 + self.threshold) if self.threshold_mode == "rel" else best + self.threshold
        )
        return a > bar

    def step(self, metrics: Any) -> None:  # type: ignore[override]
        """Record this epoch's metric (a number or a 0-d Tensor) and reduce the lrs if it has
        not improved for more than `patience` epochs."""
        current = float(metrics)
        self.last_epoch += 1
        if self._is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs in the cooldown do not count
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _reduce_lr(self) -> None:
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(
                    f"ReduceLROnPlateau: the optimizer has {len(groups)} parameter groups, "
                    f"{len(self.min_lrs)} when the scheduler was made (a group was added?): set "
                    "`min_lrs` to one lr per group"
                )
            self.min_lrs = [self.default_min_lr] * len(groups)
        for group, min_lr in zip(groups, self.min_lrs):
            old_lr = float(group["lr"])
            new_lr = max(old_lr * self.factor, min_lr)
            if old_lr - new_lr > self.eps:
                group["lr"] = new_lr

    def get_lr(self) -> list[float]:
        raise NotImplementedError(
            "ReduceLROnPlateau: the lrs come from step(metric); see get_last_lr()"
        )

    def state_dict(self) -> dict[str, Any]:
        """Every attribute but the optimizer, in PyTorch's order and under its names."""
        return {
            k: list(v) if isinstance(v, list) else v
            for k, v in vars(self).items()
            if k != "optimizer"
        }

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore a `state_dict()`; wrong keys raise a ValueError."""
        where = "ReduceLROnPlateau.load_state_dict"
        expected = set(self.state_dict())
        if set(state_dict) != expected:
            raise ValueError(f"{where}: expected keys {sorted(expected)}, got {sorted(state_dict)}")
        values = {k: to_python(v) for k, v in state_dict.items()}
        for key in ("min_lrs", "_last_lr"):
            values[key] = [float(v) for v in np.asarray(values[key], dtype=np.float64).ravel()]
        for key in ("patience", "cooldown", "cooldown_counter", "num_bad_epochs", "last_epoch"):
            values[key] = check_int(where, key, values[key], 0)
        for key, value in values.items():
            setattr(self, key, value)
        self._init_is_better(self.mode, self.threshold, self.threshold_mode, where)


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith & Topin, 2018; PyTorch's torch.optim.lr_scheduler.OneCycleLR):
    the lr rises from max_lr / div_factor to `max_lr` over the first `pct_start` of
    `total_steps` (or epochs * steps_per_epoch) and then anneals to initial_lr /
    final_div_factor, along a cosine ("cos") or a line ("linear"); the momentum (SGD's
    "momentum", Adam's beta1) moves the opposite way between `max_momentum` and
    `base_momentum` when `cycle_momentum`. `three_phase` returns to the initial lr first and
    then anneals. Step it after every batch, not every epoch; stepping past total_steps raises.

    As PyTorch's, it writes "initial_lr", "max_lr", "min_lr" (and "max_momentum",
    "base_momentum") into each parameter group, and its state dict holds the phases.
    """

    _initial_step_keeps_lr = False

    def __init__(
        self,
        optimizer: Optimizer,
        max_lr: float | Sequence[float],
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: str = "cos",
        cycle_momentum: bool = True,
        base_momentum: float | Sequence[float] = 0.85,
        max_momentum: float | Sequence[float] = 0.95,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
        last_epoch: int = -1,
    ) -> None:
        where = "OneCycleLR"
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{where}: {type(optimizer).__name__} isn't an Optimizer")
        if total_steps is not None:
            steps = check_int(where, "total_steps", total_steps, 1)
        elif epochs is not None and steps_per_epoch is not None:
            steps = check_int(where, "epochs", epochs, 1)
            steps *= check_int(where, "steps_per_epoch", steps_per_epoch, 1)
        else:
            raise ValueError(f"{where}: define either total_steps or (epochs and steps_per_epoch)")
        check_real(where, "pct_start", pct_start, minimum=0, maximum=1)
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(
                f"{where}: anneal_strategy must be 'cos' or 'linear', got {anneal_strategy!r}"
            )
        # The attributes in PyTorch's order (its state dict lists them so).
        self.total_steps = steps
        up = float(pct_start * steps) - 1
        if three_phase:
            phases = [
                (up, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (
                    float(2 * pct_start * steps) - 2,
                    "max_lr",
                    "initial_lr",
                    "base_momentum",
                    "max_momentum",
                ),
                (steps - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum"),
            ]
        else:
            phases = [
                (up, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (steps - 1, "max_lr", "min_lr", "base_momentum", "max_momentum"),
            ]
        keys = ("end_step", "start_lr", "end_lr", "start_momentum", "end_momentum")
        self._schedule_phases = [dict(zip(keys, phase)) for phase in phases]
        self._anneal_func_type = anneal_strategy
        groups = optimizer.param_groups
        max_lrs = _per_group(where, "max_lr", max_lr, len(groups))
        if last_epoch == -1:
            for group, top in zip(groups, max_lrs):
                group["initial_lr"] = top / div_factor
                group["max_lr"] = top
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = check_bool(where, "cycle_momentum", cycle_momentum)
        if self.cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError(
                    f"{where}: {type(optimizer).__name__} has no momentum or beta1 to cycle; "
                    "pass cycle_momentum=False"
                )
            self.use_beta1 = "betas" in optimizer.defaults
            highs = _per_group(where, "max_momentum", max_momentum, len(groups))
            lows = _per_group(where, "base_momentum", base_momentum, len(groups))
            if last_epoch == -1:
                for group, high, low in zip(groups, highs, lows):
                    if self.use_beta1:
                        group["betas"] = (high, *group["betas"][1:])
                    else:
                        group["momentum"] = high
                    group["max_momentum"] = high
                    group["base_momentum"] = low
        super().__init__(optimizer, last_epoch)

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self._anneal_func_type == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self) -> list[float]:
        """Every group's lr at step `last_epoch` (and, with cycle_momentum, its momentum or
        beta1 set on the way, as PyTorch's get_lr does)."""
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(
                f"OneCycleLR: tried to step {step} times; the specified number of total steps "
                f"is {self.total_steps}"
            )
        lrs = []
        phases = self._schedule_phases
        for group in self.optimizer.param_groups:
            start = 0.0
            for i, phase in enumerate(phases):
                end = phase["end_step"]
                if step <= end or i == len(phases) - 1:
                    pct = (step - start) / (end - start)
                    lr = self._anneal(group[phase["start_lr"]], group[phase["end_lr"]], pct)
                    momentum = self._anneal(
                        group.get(phase["start_momentum"], 0.0),
                        group.get(phase["end_momentum"], 0.0),
                        pct,
                    )
                    break
                start = end
            lrs.append(lr)
            if self.cycle_momentum:
                if self.use_beta1:
                    group["betas"] = (momentum, *group["betas"][1:])
                else:
                    group["momentum"] = momentum
        return lrs

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """As the base's; the phases may come back from a checkpoint as a dict of dicts of
        arrays, and are put back in their list form."""
        phases = state_dict.get("_schedule_phases")
        if isinstance(phases, Mapping):  # {"0": {...}, "1": {...}} from an .npz
            phases = [phases[k] for k in sorted(phases, key=int)]
        if isinstance(phases, list):
            phases = [{k: to_python(v) for k, v in dict(p).items()} for p in phases]
            for p in phases:
                for key in ("start_lr", "end_lr", "start_momentum", "end_momentum"):
                    p[key] = str(p[key])
                p["end_step"] = float(p["end_step"])
        super().load_state_dict({**state_dict, "_schedule_phases": phases})


def _per_group(where: str, name: str, value: Any, n: int) -> list[float]:
    """`value` for each of n groups: a list or tuple with one per group, or one for all."""
    if isinstance(value, list | tuple):
        if len(value) != n:
            raise ValueError(f"{where}: expected {n} values for {name}, got {len(value)}")
        return [check_real(where, name, v) for v in value]
    return [check_real(where, name, value)] * n
