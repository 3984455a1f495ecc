"""State dicts across the bridge: glassgrad's (name -> ndarray) and PyTorch's (name -> tensor).

The layouts already agree (Linear's weight is (out, in) in both, Conv2d's (F, C, kh, kw)), and
BatchNorm keeps PyTorch's `num_batches_tracked` counter beside `running_mean`/`running_var` in
both, so the values are copied as they are. A state dict without the counters (saved before
glassgrad kept them) gets them on the way to PyTorch, whose `load_state_dict(strict=True)` needs
them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from autodiff import Tensor

from ._deps import require

COUNTER = "num_batches_tracked"


def state_dict_to_torch(
    state_dict: Mapping[str, Any], num_batches_tracked: int = 0
) -> dict[str, Any]:
    """glassgrad state dict -> PyTorch's: each value a torch tensor (a copy, same dtype). A batch
    norm without its counter (a `<prefix>running_mean` key with `<prefix>running_var` beside it
    but no `<prefix>num_batches_tracked`) gets one, int64 `num_batches_tracked`, right after the
    running variance, as in PyTorch's own state dicts."""
    torch = require("torch", "nn.export.state_dict_to_torch")
    out: dict[str, Any] = {}
    for key, value in state_dict.items():
        array = np.array(value.data if isinstance(value, Tensor) else value)  # a copy
        out[key] = torch.from_numpy(array)
        prefix = key[: -len("running_var")]
        if (
            key.endswith("running_var")
            and (prefix == "" or prefix.endswith("."))
            and prefix + "running_mean" in state_dict
            and prefix + COUNTER not in state_dict
        ):
            out[prefix + COUNTER] = torch.tensor(int(num_batches_tracked), dtype=torch.int64)
    return out


def state_dict_from_torch(state_dict: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """PyTorch state dict -> glassgrad's: each value an ndarray (a copy, same dtype), BatchNorm's
    `num_batches_tracked` counters included."""
    out: dict[str, np.ndarray] = {}
    for key, value in state_dict.items():
        if hasattr(value, "detach"):
            value = value.detach().cpu().numpy()
        out[key] = np.array(value)  # a copy: the two models must not share memory
    return out
