"""Modules for tests/nn/test_parallel.py, importable by name: DataParallel's worker processes
unpickle them (a class defined in a test function cannot cross)."""

from __future__ import annotations

import os

import numpy as np

import autodiff
import nn


def small_cnn() -> nn.Sequential:
    """W3's LeNet-like shape in miniature, float64: conv, relu, pool, flatten, linear."""
    autodiff.manual_seed(3)
    nn.init.manual_seed(3)
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(4 * 4 * 4, 5),
    ).double()


class TwoHeads(nn.Module):
    """Takes a keyword argument and a non-Tensor one; returns a tuple and a dict."""

    def __init__(self) -> None:
        super().__init__()
        nn.init.manual_seed(5)
        self.body = nn.Linear(3, 4).double()
        self.head = nn.Linear(4, 2).double()

    def forward(self, x, *, shift=None, scale=1.0):
        h = self.body(x).tanh() * scale
        if shift is not None:
            h = h + shift
        return self.head(h), {"hidden": h, "label": "two-heads"}


class FailsOnLarge(nn.Module):
    """Raises ValueError when an input holds a value above 100."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(2, 2).double()

    def forward(self, x):
        if float(x.data.max()) > 100:
            raise ValueError("an input above 100")
        return self.fc(x)


class Normed(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        nn.init.manual_seed(7)
        self.fc = nn.Linear(3, 4).double()
        self.bn = nn.BatchNorm1d(4).double()

    def forward(self, x):
        return self.bn(self.fc(x))


class Dropper(nn.Module):
    """Dropout with a generator of its own (copied into each worker with the module)."""

    def __init__(self) -> None:
        super().__init__()
        self.drop = nn.Dropout(0.5, generator=np.random.default_rng(0))

    def forward(self, x):
        return self.drop(x)


class BreaksInWorker(nn.Module):
    """Cannot be rebuilt in another process: its unpickling raises there."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(2, 2).double()
        self.home = os.getpid()

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        if os.getpid() != self.home:
            raise RuntimeError("unpickled in another process")

    def forward(self, x):
        return self.fc(x)
