"""Argument checks for constructors (layers, optimizers, callbacks) and for state loaded back
from files: each raises a TypeError (wrong kind of value) or a ValueError (out of range) whose
message names where, the argument and the value, as PyTorch's own checks do.

    check_int("Linear", "out_features", out_features, minimum=0)
    check_real("SGD", "lr", lr, minimum=0)
    check_real("Adam", "betas[0]", beta1, minimum=0, below=1)
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Any

import numpy as np

__all__ = ["check_bool", "check_int", "check_pair", "check_real"]


def check_int(where: str, name: str, value: Any, minimum: int | None = None) -> int:
    """`value` as an int; TypeError unless it is one (bools and floats such as 2.5 or 3.0
    are refused), ValueError if it is below `minimum`."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | np.integer):
        raise TypeError(f"{where}: {name} must be an int, got {type(value).__name__} {value!r}")
    if minimum is not None and value < minimum:
        bound = "non-negative" if minimum == 0 else f">= {minimum}"
        raise ValueError(f"{where}: {name} must be {bound}, got {value!r}")
    return int(value)


def check_real(
    where: str,
    name: str,
    value: Any,
    minimum: float | None = None,
    below: float | None = None,
    maximum: float | None = None,
) -> float:
    """`value` as a float; TypeError unless it is a real number (not a bool), ValueError if it
    is NaN or outside [minimum, below) / [minimum, maximum]."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, Real | np.integer | np.floating):
        raise TypeError(
            f"{where}: {name} must be a real number, got {type(value).__name__} {value!r}"
        )
    number = float(value)
    in_range = (
        (minimum is None or number >= minimum)
        and (below is None or number < below)
        and (maximum is None or number <= maximum)
    )
    if math.isnan(number) or not in_range:
        wanted = _describe_range(minimum, below, maximum)
        raise ValueError(f"{where}: invalid {name} {value!r}; it must be {wanted}")
    return number


def _describe_range(minimum: float | None, below: float | None, maximum: float | None) -> str:
    if minimum is not None and below is not None:
        return f"in [{minimum:g}, {below:g})"
    if minimum is not None and maximum is not None:
        return f"in [{minimum:g}, {maximum:g}]"
    if minimum is not None:
        return f">= {minimum:g}"
    return f"< {below:g}" if below is not None else f"<= {maximum:g}"


def check_bool(where: str, name: str, value: Any) -> bool:
    """`value` as a bool; TypeError unless it is a bool (or numpy bool)."""
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{where}: {name} must be a bool, got {type(value).__name__} {value!r}")
    return bool(value)


def check_default(where: str, name: str, value: Any, default: Any) -> None:
    """Raise NotImplementedError naming `where` unless `value` is PyTorch's `default` (for a pair
    argument, also `(default, default)`): for PyTorch arguments glassgrad supports only at their
    default, so a call with another value fails at its line instead of computing something else."""
    values = value if isinstance(value, tuple | list) and len(value) == 2 else (value,)
    if all(isinstance(v, Real | str | None) and v == default for v in values):
        return
    raise NotImplementedError(
        f"{where}: {name}={value!r} is not supported (only PyTorch's default {name}={default!r})"
    )


def check_pair(where: str, name: str, value: Any, minimum: int) -> tuple[int, int]:
    """An int or a pair of ints, each >= minimum, as a pair: `3` -> (3, 3), `(2, 1)` -> (2, 1).
    TypeError for other kinds (floats, strings, a tuple of the wrong length), ValueError for a
    value below `minimum`."""
    if isinstance(value, tuple | list):
        if len(value) != 2:
            raise TypeError(
                f"{where}: {name} must be an int or a pair of ints (height, width), got "
                f"{value!r} with {len(value)} entries"
            )
        first, second = value
    else:
        first = second = value
    return (
        check_int(where, name, first, minimum=minimum),
        check_int(where, name, second, minimum=minimum),
    )
