"""Optimizer: the base of every update rule — parameter groups, per-parameter state, `zero_grad`,
`step`, and state dicts made of numbers and Tensors (numpy arrays inside).

A subclass writes only the rule for one parameter (`_update`), names the state it keeps
(`state_names`) and checks its hyperparameters (`check_group`); walking the groups, skipping
parameters without a gradient, casting the gradient to the parameter's dtype, checking state
dicts and switching recording off are done here, once.

An optimizer can also be written PyTorch's way, overriding `step()` itself (Tensor ops on
`p.grad`, state in `self.state[p]`): the base then checks no hyperparameters and keeps and
restores whatever state that step puts in `self.state`, as PyTorch's base class does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

import autodiff
from autodiff import Tensor

from ..state import to_python
from ..validate import check_real

ParamGroup = dict[str, Any]
Params = Iterable[Tensor] | Iterable[Mapping[str, Any]]


class Optimizer:
    """Base class of the optimizers: `param_groups`, per-parameter `state`, `step()`.

    `params` is an iterable of Tensors (one group) or of dicts `{"params": [...], "lr": ...}`
    (one group each; keys a group leaves out take the values in `defaults`), as in PyTorch.
    `state[p]` is the dict of numpy arrays (shaped like p, in p's dtype) and numbers that the
    rule keeps for parameter `p` (keyed by the tensor itself); it is filled at p's first update
    and is {} before (a defaultdict, as PyTorch's).

    A subclass implements `check_group(group, where)`, `state_names(group)` and
    `_update(param, grad, state, group)`. Every group's hyperparameters are checked when it is
    added and when a state dict is loaded: a TypeError or ValueError names the bad one. (Or,
    PyTorch's way, it overrides `step()`; see the module docstring.)

    PyTorch's options that change the result but are not implemented here (`maximize`,
    `differentiable`, and `decoupled_weight_decay` where it differs from the class's rule) are
    refused with a ValueError wherever a group can carry them: when a group is added or loaded,
    and at `step()` for one set later in `param_groups`. PyTorch's implementation-only options
    (`foreach`, `fused`, `capturable`) and a user's own keys are kept and ignored, as in PyTorch.
    """

    # PyTorch's result-changing group options and the value glassgrad implements for each; a
    # group that sets one to anything else is refused rather than silently run without it.
    # (A subclass adds its own, e.g. Adam's decoupled_weight_decay.)
    fixed_options: tuple[tuple[str, bool], ...] = (("maximize", False), ("differentiable", False))

    def __init__(self, params: Params, defaults: Mapping[str, Any]) -> None:
        self.defaults: dict[str, Any] = dict(defaults)
        self.param_groups: list[ParamGroup] = []
        # A defaultdict, as PyTorch's: `optimizer.state[p]` is {} before p's first update.
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        if isinstance(params, Tensor):
            raise TypeError(
                f"{type(self).__name__}: params should be an iterable of Tensors or of dicts, "
                "but got a single Tensor; wrap it in a list"
            )
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        if not isinstance(groups[0], Mapping):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # ------------------------------------------------------------------- what subclasses write
    def check_group(self, group: Mapping[str, Any], where: str) -> None:
        """Raise a TypeError/ValueError (message starting with `where`) naming the first
        hyperparameter of `group` that is of the wrong kind or out of range. The base checks
        nothing, as PyTorch's: an optimizer written PyTorch's way checks its own."""

    def state_names(self, group: Mapping[str, Any]) -> tuple[str, ...] | None:
        """The names of the state kept for each parameter of `group` (they depend on its
        hyperparameters, e.g. "max_exp_avg_sq" only with amsgrad). None, the base's: whatever
        an optimizer written PyTorch's way keeps, saved and loaded as it is."""
        return None

    def _update(
        self, param: Tensor, grad: np.ndarray, state: dict[str, Any], group: ParamGroup
    ) -> None:
        """Update `param` in place (recording is already off) from `grad`, an array of param's
        shape and dtype that must not be modified. `state` is {} at the first update."""
        raise NotImplementedError(
            f"{type(self).__name__}: a subclass of Optimizer overrides step() (PyTorch's way) "
            "or implements _update(param, grad, state, group)"
        )

    # ----------------------------------------------------------------------------- groups
    def add_param_group(self, param_group: Mapping[str, Any]) -> None:
        """Add a group of parameters, with its own hyperparameters (the rest from `defaults`).

        The parameters may be `(name, tensor)` pairs (`model.named_parameters()`), as in
        PyTorch: the names are kept as the group's "param_names" (and in its state dict).
        """
        where = type(self).__name__
        if not isinstance(param_group, Mapping):
            raise TypeError(
                f"{where}: a parameter group must be a dict, got {type(param_group).__name__}"
            )
        if "params" not in param_group:
            raise ValueError(f"{where}: a parameter group needs a 'params' entry")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            # A set's order changes between runs, and state dicts number parameters by order.
            raise TypeError(f"{where}: parameters must be in an ordered collection, not a set")
        else:
            params = list(params)
        names = _param_names(params, where)
        if names is not None:
            params = [p for _, p in params]
            param_group = {**param_group, "param_names": names}
        if any(("param_names" in g) != (names is not None) for g in self.param_groups):
            raise ValueError(
                f"{where}: all parameter groups should be with names (named_parameters()) or "
                f"without; cannot add a group {'with' if names else 'without'} names"
            )
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"{where} can only optimize Tensors, got {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(
                    f"{where} can't optimize a non-leaf tensor (one made by an op): its value "
                    "is recomputed from its inputs; optimize the leaves it comes from"
                )
        known = {id(p) for group in self.param_groups for p in group["params"]}
        ids = [id(p) for p in params]
        if len(set(ids)) != len(ids) or known.intersection(ids):
            # It would be updated twice per step.
            raise ValueError(f"{where}: some parameters appear more than once in the groups")

        group = {**self.defaults, **param_group, "params": params}
        self._check_fixed_options(group, "add_param_group", len(self.param_groups))
        self.check_group(group, where)
        self.param_groups.append(group)

    def _check_fixed_options(
        self, group: Mapping[str, Any], method: str, index: int, of: str = ""
    ) -> None:
        """Raise a ValueError if `group` (parameter group `index`) sets one of PyTorch's
        result-changing options to a value glassgrad does not implement (`fixed_options`).
        Cheap when nothing is wrong (it runs for every group at every step): the message is
        only built for an error. An optimizer with its own step() decides what its options
        mean: nothing is refused for it."""
        if type(self).step is not Optimizer.step:
            return
        for name, implemented in self.fixed_options:
            if name in group and bool(group[name]) != implemented:
                cls = type(self).__name__
                raise ValueError(
                    f"{cls}.{method}: parameter group {index}{of} sets {name}={group[name]!r}, "
                    f"a PyTorch option {cls} does not implement (only {name}={implemented}); "
                    "it is refused rather than silently ignored"
                )

    # --------------------------------------------------------------------------- updating
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients: set every `.grad` to None (the default, like PyTorch), or to
        zeros with `set_to_none=False`."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                elif p.grad.grad_fn is not None:
                    # A recorded gradient (create_graph=True): zeroing it in place would
                    # corrupt its graph, so it gets fresh zeros instead.
                    p.grad = autodiff.zeros_like(p.grad)
                else:
                    p.grad.zero_()

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient (a `.grad` of None is skipped).

        `closure`, if given, re-evaluates the model and returns the loss; it runs first, with
        recording on, and its result is returned (PyTorch's protocol).
        """
        loss = None
        if closure is not None:
            with autodiff.enable_grad():
                loss = closure()
        with autodiff.no_grad():
            for i, group in enumerate(self.param_groups):
                # Also here, as `param_groups[i]["maximize"] = True` bypasses add_param_group;
                # a few dict lookups per group, nothing per parameter.
                self._check_fixed_options(group, "step", i)
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    # Computing in the parameter's dtype keeps a float32 model float32.
                    grad = np.asarray(p.grad.data, dtype=p.dtype)
                    state = self.state.get(p)
                    if state is None:
                        # Entered only if the rule keeps something, as PyTorch's (plain SGD
                        # keeps nothing: its `optimizer.state` stays empty)
                        state = {}
                        self._update(p, grad, state, group)
                        if state:
                            self.state[p] = state
                    else:
                        self._update(p, grad, state, group)
        return loss

    # ------------------------------------------------------------------------ state dicts
    def state_dict(self) -> dict[str, Any]:
        """A copy of the optimizer's state, made of numbers and Tensors, as PyTorch's.

        `{"state": {index: {name: array or number}}, "param_groups": [{hyperparameter: value,
        "params": [index, ...]}, ...]}`. Parameters are numbered in order across the groups, as in
        PyTorch; parameters without state (never updated) have no entry. The per-parameter state
        is Tensors (copies; the step count a 0-d float32 Tensor, as PyTorch's). Nothing needs
        pickling, so it can be flattened into an .npz.
        """
        index: dict[Tensor, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: _hyperparameter(v) for k, v in group.items() if k != "params"}
            if "param_names" in group:  # a list of strings, as PyTorch's
                packed["param_names"] = list(group["param_names"])
            packed["params"] = [index.setdefault(p, len(index)) for p in group["params"]]
            groups.append(packed)
        own = self._own_state()
        state = {
            index[p]: {name: _exported(name, value, own) for name, value in s.items()}
            for p, s in self.state.items()
            if s and p in index
        }
        return {"state": dict(sorted(state.items())), "param_groups": groups}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore a `state_dict()` (also one read back from an .npz: 0-d arrays become numbers,
        1-d ones tuples). Checks everything before changing anything: the number of groups and
        of parameters per group, the hyperparameters, and each parameter's state names and
        shapes; a mismatch raises a ValueError saying which."""
        where = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, Mapping) or set(state_dict) != {"state", "param_groups"}:
            got = sorted(state_dict) if isinstance(state_dict, Mapping) else type(state_dict)
            raise ValueError(f"{where}: expected keys ['param_groups', 'state'], got {got}")
        saved_groups = list(state_dict["param_groups"])
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{where}: the state has {len(saved_groups)} parameter groups, the optimizer "
                f"has {len(self.param_groups)}"
            )

        if not isinstance(state_dict["state"], Mapping) or not all(
            isinstance(saved, Mapping) for saved in saved_groups
        ):
            raise ValueError(f"{where}: 'state' and every parameter group must be dicts")
        groups = []
        for i, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            n_saved = len(saved.get("params", ()))
            if n_saved != len(group["params"]):
                raise ValueError(
                    f"{where}: parameter group {i} of the state has {n_saved} parameters, the "
                    f"optimizer's has {len(group['params'])}"
                )
            missing = [k for k in self.defaults if k not in saved]
            if missing:
                raise ValueError(
                    f"{where}: parameter group {i} of the state lacks the hyperparameters "
                    f"{missing} (was it saved from another optimizer?)"
                )
            loaded = {k: _hyperparameter(v) for k, v in saved.items() if k != "params"}
            # The saved names win; a state saved without names keeps the group's (PyTorch's).
            if "param_names" in loaded:
                loaded["param_names"] = [str(name) for name in loaded["param_names"]]
            elif "param_names" in group:
                loaded["param_names"] = group["param_names"]
            self._check_fixed_options(loaded, "load_state_dict", i, " of the state")
            try:
                self.check_group(loaded, f"{where}: parameter group {i} of the state")
            except TypeError as err:  # a value of the wrong kind in loaded data is a bad value
                raise ValueError(str(err)) from err
            groups.append({**loaded, "params": group["params"]})

        owners = [(p, group) for group in groups for p in group["params"]]
        state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        for key, saved in state_dict["state"].items():
            i = _index(key, len(owners), where)
            p, group = owners[i]
            state[p] = self._load_param_state(p, i, saved, group, where)

        self.param_groups = groups
        self.state = state

    def _own_state(self) -> bool:
        """Whether the state is kept the PyTorch way, by a step() of the subclass's own (the
        state is its business: Tensors, numbers, ...), rather than by `_update` (numpy arrays
        and a step count)."""
        return type(self).state_names is Optimizer.state_names

    def _load_param_state(
        self, p: Tensor, i: int, saved: Mapping[str, Any], group: ParamGroup, where: str
    ) -> dict[str, Any]:
        names = self.state_names(group)
        if not isinstance(saved, Mapping):
            raise ValueError(f"{where}: the state of parameter {i} is not a dict: {saved!r}")
        if not saved:  # not updated yet (PyTorch saves {} for a state looked at before a step)
            return {}
        if names is None:
            # PyTorch's rule: floating-point Tensors take the parameter's dtype (here copies,
            # so that the loaded state does not share memory with the dict); the rest as is.
            return {name: _loaded_own(name, value, p) for name, value in saved.items()}
        if set(saved) != set(names):
            raise ValueError(
                f"{where}: the state of parameter {i} has {sorted(saved)}, but "
                f"{type(self).__name__} with these hyperparameters keeps {sorted(names)}"
            )
        state: dict[str, Any] = {}
        for name in names:
            value = np.asarray(saved[name])
            if name == "step":  # the one number; the rest are arrays shaped like the parameter
                # a count: an int, or PyTorch's float tensor holding a whole number
                whole = value.ndim == 0 and (
                    value.dtype.kind in "iu"
                    or (value.dtype.kind == "f" and np.isfinite(value) and value == np.floor(value))
                )
                if not whole or value < 0:
                    raise ValueError(
                        f"{where}: 'step' of parameter {i} should be a step count (an int >= 0), "
                        f"got {value!r}"
                    )
                state[name] = int(value)
            elif value.dtype.kind not in "biuf":
                raise ValueError(
                    f"{where}: {name!r} of parameter {i} should hold numbers, got dtype "
                    f"{value.dtype}"
                )
            elif value.shape != p.shape:
                raise ValueError(
                    f"{where}: {name!r} of parameter {i} has shape {value.shape}, but the "
                    f"parameter has shape {p.shape}"
                )
            else:
                state[name] = value.astype(p.dtype, copy=True)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Unpickling and deepcopy; here so that a PyTorch-style subclass's own __setstate__
        # (filling in defaults of old pickles) can call super().__setstate__(state).
        self.__dict__.update(state)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join([*lines, ")"])


def check_nonnegative(where: str, **values: Any) -> None:
    """Raise a TypeError/ValueError naming the first hyperparameter that is not a real number
    >= 0 (NaN included)."""
    for name, value in values.items():
        check_real(where, name, value, minimum=0)


def _param_names(params: list[Any], where: str) -> list[str] | None:
    """The names of `(name, tensor)` pairs (from named_parameters()), or None if `params` are
    plain tensors; a mix raises a ValueError, as in PyTorch."""
    named = [isinstance(p, tuple) for p in params]
    if not any(named):
        return None
    if not all(named) or any(len(p) != 2 for p in params):
        raise ValueError(
            f"{where}: all parameters should be (name, tensor) pairs from named_parameters() "
            "or all tensors; some names are missing"
        )
    return [name for name, _ in params]


def _index(key: Any, n: int, where: str) -> int:
    """A state key as a parameter index (an .npz gives keys back as strings)."""
    try:
        i = int(key)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: state key {key!r} is not a parameter index") from None
    if not 0 <= i < n:
        raise ValueError(
            f"{where}: the state has an entry for parameter {i}, but the optimizer has {n} "
            f"parameters (0..{n - 1})"
        )
    return i


def _hyperparameter(value: Any) -> Any:
    """A hyperparameter as a Python number (or tuple of numbers, e.g. betas): what a state
    dict read back from a file holds as 0-d or 1-d arrays.

    numpy scalars would be harmful here: a float64 scalar times a float32 array is float64.
    """
    if isinstance(value, np.ndarray) and value.ndim == 1 or isinstance(value, list | tuple):
        return tuple(to_python(v) for v in value)
    return to_python(value)


def _exported(name: str, value: Any, own: bool = False) -> Any:
    """A state value as PyTorch's state dicts hold it: arrays as Tensors (copies), and the step
    count as a 0-d float32 Tensor (PyTorch's `torch.tensor(48.)`). The state of an optimizer
    with its own step() (`own`) is its own business: Tensors are copied, the rest kept."""
    if own:
        return autodiff.tensor(value) if isinstance(value, Tensor) else value
    if name == "step":
        return Tensor(np.array(value, dtype=np.float32))
    return Tensor(value.copy()) if isinstance(value, np.ndarray) else value


def _loaded_own(name: str, value: Any, p: Tensor) -> Any:
    """A saved state value of an optimizer with its own step(), as PyTorch loads it: a Tensor
    as a copy, floating-point ones (but "step") in the parameter's dtype; the rest as is. From
    an .npz (a checkpoint), where the Tensors were saved as arrays: arrays become Tensors again
    and 0-d ones numbers."""
    if isinstance(value, np.ndarray | np.generic):
        if np.ndim(value) == 0:
            return to_python(value)
        value = Tensor(value)
    if isinstance(value, Tensor):
        cast = name != "step" and value.dtype.kind == "f"
        return autodiff.tensor(value, dtype=p.dtype if cast else value.dtype)
    return value
