"""MLP: a multi-layer perceptron, Linear layers with an activation between each pair."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..containers import Sequential
from ..layers import Identity, LeakyReLU, Linear, ReLU, Sigmoid, Tanh
from ..module import Module

ACTIVATIONS: dict[str, Callable[[], Module]] = {
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "identity": Identity,
}


class MLP(Sequential):
    """`MLP([784, 256, 10])` = Sequential(Linear(784, 256), ReLU(), Linear(256, 10)).

    sizes: the input size, the hidden sizes, the output size. activation: a name in
    ACTIVATIONS or a callable that makes a Module; none follows the last layer (it gives
    scores, for a loss such as CrossEntropyLoss).
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activation: str | Callable[[], Module] = "relu",
        dtype: Any = None,
    ) -> None:
        if len(sizes) < 2:
            raise ValueError(f"MLP: sizes needs an input and an output size, got {list(sizes)}")
        if isinstance(activation, str):
            if activation not in ACTIVATIONS:
                raise ValueError(
                    f"MLP: unknown activation {activation!r}; choose from {sorted(ACTIVATIONS)}"
                )
            activation = ACTIVATIONS[activation]
        layers: list[Module] = []
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(Linear(n_in, n_out, dtype=dtype))
            if i < len(sizes) - 2:
                layers.append(activation())
        super().__init__(*layers)
        self.sizes = list(sizes)
