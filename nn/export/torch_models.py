"""PyTorch twins of glassgrad's own layers and models that torch.nn does not have.

`to_torch` builds these; `from_torch` recognises them. Each has the same parameter and buffer
names as its glassgrad original (so state dicts load with strict=True) and the same forward.
This file imports torch: it is imported only by torch_bridge, when torch is needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as TF


class Step(torch.nn.Module):
    """1 where x > 0, else 0 — with a zero gradient, like glassgrad's Step (the output requires
    grad when x does, so a loss built on it backpropagates zeros rather than failing)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * 0 + (x > 0).to(x.dtype)


class MLP(torch.nn.Sequential):
    """glassgrad's MLP: Linear layers with an activation between each pair."""

    def __init__(self, sizes: Sequence[int], *layers: torch.nn.Module) -> None:
        super().__init__(*layers)
        self.sizes = list(sizes)


class TinyNet(torch.nn.Module):
    """The lessons' TinyNet: conv-relu-pool twice, flatten, fc; `criterion` cross-entropy."""

    def __init__(self, dtype: Any = None) -> None:
        super().__init__()
        self.conv1 = torch.nn.Conv2d(3, 6, 3, stride=1, padding=1, dtype=dtype)
        self.relu1 = torch.nn.ReLU()
        self.pool1 = torch.nn.MaxPool2d(2, stride=2)
        self.conv2 = torch.nn.Conv2d(6, 12, 3, stride=1, padding=1, dtype=dtype)
        self.relu2 = torch.nn.ReLU()
        self.pool2 = torch.nn.MaxPool2d(2, stride=2)
        self.flatten = torch.nn.Flatten()
        self.fc = torch.nn.Linear(48, 10, dtype=dtype)
        self.criterion = torch.nn.CrossEntropyLoss()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool1(self.relu1(self.conv1(x)))
        x = self.pool2(self.relu2(self.conv2(x)))
        return self.fc(self.flatten(x))


class TwoLayerNet(torch.nn.Module):
    """CS231n's TwoLayerNet: scores = relu(x @ W1 + b1) @ W2 + b2, W (in, out) layout."""

    def __init__(self, shapes: dict[str, tuple[int, ...]], reg: float, dtype: Any) -> None:
        super().__init__()
        self.reg = reg
        for name in ("W1", "b1", "W2", "b2"):
            self.register_parameter(
                name, torch.nn.Parameter(torch.zeros(shapes[name], dtype=dtype))
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        hidden = torch.relu(x.reshape(x.shape[0], -1) @ self.W1 + self.b1)
        return hidden @ self.W2 + self.b2


class FullyConnectedNet(torch.nn.Module):
    """CS231n's FullyConnectedNet: {affine - [batchnorm] - relu - [dropout]} x (L - 1) - affine.

    With a `seed`, dropout draws its masks from numpy's default_rng(seed) afresh every pass,
    exactly as glassgrad's (CS231n's gradient-check convention), so both engines agree in
    training mode too; without one, torch's own dropout.
    """

    def __init__(
        self,
        shapes: dict[str, tuple[int, ...]],
        buffers: Sequence[str],
        *,
        num_layers: int,
        keep_ratio: float,
        normalization: str | None,
        reg: float,
        seed: int | None,
        dtype: Any,
    ) -> None:
        super().__init__()
        self.num_layers = num_layers
        self.keep_ratio = keep_ratio
        self.use_dropout = keep_ratio not in (0, 1)
        self.normalization = normalization
        self.reg = reg
        self.seed = seed
        for name, shape in shapes.items():
            value = torch.zeros(shape, dtype=dtype)
            if name in buffers:
                self.register_buffer(name, value)
            else:
                self.register_parameter(name, torch.nn.Parameter(value))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        masks = None if self.seed is None else np.random.default_rng(self.seed)
        p = 1 - self.keep_ratio
        h = x.reshape(x.shape[0], -1)
        for i in range(1, self.num_layers + 1):
            h = h @ getattr(self, f"W{i}") + getattr(self, f"b{i}")
            if i == self.num_layers:
                break
            if self.normalization == "batchnorm":
                h = TF.batch_norm(
                    h,
                    getattr(self, f"running_mean{i}"),
                    getattr(self, f"running_var{i}"),
                    getattr(self, f"gamma{i}"),
                    getattr(self, f"beta{i}"),
                    training=self.training,
                )
            h = torch.relu(h)
            if self.use_dropout and self.training:
                if masks is None:
                    h = TF.dropout(h, p, training=True)
                else:  # glassgrad's F.dropout with a generator, draw for draw
                    draws = masks.random(tuple(h.shape)).astype(_numpy_dtype(h.dtype))
                    mask = (draws >= p).astype(draws.dtype)
                    mask *= 1 / (1 - p)
                    h = h * torch.from_numpy(mask)
        return h


def _numpy_dtype(dtype: torch.dtype) -> np.dtype:
    return np.dtype(np.float64 if dtype == torch.float64 else np.float32)
