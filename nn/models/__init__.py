"""nn.models: ready-made networks — the lessons' TinyNet, CS231n's TwoLayerNet and
FullyConnectedNet, and a generic MLP."""

from .cs231n import FullyConnectedNet, TwoLayerNet
from .mlp import MLP
from .tinynet import TinyNet, train_one_iter

__all__ = ["MLP", "FullyConnectedNet", "TinyNet", "TwoLayerNet", "train_one_iter"]
