"""Values of state dicts read back from files: numpy gives numbers back as 0-d arrays.

One rule for every `load_state_dict` in nn (optimizers, schedulers, callbacks) and for a
checkpoint's `extra`: a 0-d array (or numpy scalar) becomes the Python number, bool or string it
holds, dicts are converted entry by entry, and everything else is kept as it is.

Python numbers matter in state: a numpy float64 scalar times a float32 array is float64, so a
learning rate read back as a 0-d array would silently widen a float32 model's update.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["to_python"]


def to_python(value: Any) -> Any:
    """0-d arrays and numpy scalars as Python values, Mappings as dicts of converted values,
    anything else unchanged."""
    if isinstance(value, Mapping):
        return {key: to_python(item) for key, item in value.items()}
    if isinstance(value, np.generic) or (isinstance(value, np.ndarray) and value.ndim == 0):
        return value.item()
    return value

