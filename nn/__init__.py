"""glassgrad.nn: modules, layers, losses, initialisation and models on top of autodiff.

    import nn
    import nn.functional as F

    model = nn.Sequential(nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 10))
    loss = nn.CrossEntropyLoss()(model(x), labels)
    loss.backward()

Subpackages: `nn.functional` (the operations as functions, PyTorch's `F`), `nn.init`
(initialisation), `nn.models` (TinyNet, CS231n's TwoLayerNet/FullyConnectedNet, MLP),
`nn.optim` (optimizers, schedulers), `nn.train` (Trainer, early stopping, checkpoints,
metrics), `nn.data` (MNIST loading, batching, transforms) and `nn.export` (ONNX and PyTorch,
out and in; its optional dependencies are imported only when used).
"""

from . import export, functional, init, models, optim, train
from . import functional as F
from .containers import ModuleList, Sequential
from .layers import (
    AvgPool2d,
    BatchNorm1d,
    BatchNorm2d,
    Conv2d,
    Dropout,
    Flatten,
    Identity,
    LeakyReLU,
    Linear,
    LogSoftmax,
    MaxPool2d,
    ReLU,
    Sigmoid,
    Softmax,
    Step,
    Tanh,
)
from .losses import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    L1Loss,
    MSELoss,
    MultiMarginLoss,
    NLLLoss,
)
from .module import Module, Parameter

__all__ = [
    "AvgPool2d",
    "BCELoss",
    "BCEWithLogitsLoss",
    "BatchNorm1d",
    "BatchNorm2d",
    "Conv2d",
    "CrossEntropyLoss",
    "Dropout",
    "F",
    "Flatten",
    "Identity",
    "L1Loss",
    "LeakyReLU",
    "Linear",
    "LogSoftmax",
    "MSELoss",
    "MaxPool2d",
    "Module",
    "ModuleList",
    "MultiMarginLoss",
    "NLLLoss",
    "Parameter",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Softmax",
    "Step",
    "Tanh",
    "export",
    "functional",
    "init",
    "models",
    "optim",
    "train",
]
