"""glassgrad.nn: modules, layers, losses, initialisation and models on top of autodiff.

    import nn
    import nn.functional as F

    model = nn.Sequential(nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 10))
    loss = nn.CrossEntropyLoss()(model(x), labels)
    loss.backward()

Subpackages: `nn.functional` (the operations as functions, PyTorch's `F`), `nn.init`
(initialisation), `nn.models` (TinyNet, CS231n's TwoLayerNet/FullyConnectedNet, MLP),
`nn.optim` (optimizers, schedulers), `nn.train` (Trainer, early stopping, checkpoints,
metrics), `nn.data` (MNIST loading, batching, transforms), `nn.utils` (PyTorch's
`torch.nn.utils`: gradient clipping, parameter vectors) and `nn.export` (ONNX and PyTorch,
out and in; its optional dependencies are imported only when used).
"""

from . import export, functional, init, models, optim, parallel, train, utils
from . import functional as F
from .containers import ModuleList, Sequential
from .layers import (
    CELU,
    ELU,
    GELU,
    GLU,
    SELU,
    AvgPool2d,
    BatchNorm1d,
    BatchNorm2d,
    Conv2d,
    Dropout,
    Embedding,
    Flatten,
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    Identity,
    LayerNorm,
    LeakyReLU,
    Linear,
    LogSigmoid,
    LogSoftmax,
    MaxPool2d,
    Mish,
    PReLU,
    ReLU,
    ReLU6,
    Sigmoid,
    SiLU,
    Softmax,
    Softmin,
    Softplus,
    Softsign,
    Step,
    Tanh,
    Tanhshrink,
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
from .parallel import DataParallel

__all__ = [
    "AvgPool2d",
    "BCELoss",
    "BCEWithLogitsLoss",
    "BatchNorm1d",
    "BatchNorm2d",
    "CELU",
    "Conv2d",
    "CrossEntropyLoss",
    "DataParallel",
    "Dropout",
    "ELU",
    "Embedding",
    "F",
    "Flatten",
    "GELU",
    "GLU",
    "Hardsigmoid",
    "Hardswish",
    "Hardtanh",
    "Identity",
    "L1Loss",
    "LayerNorm",
    "LeakyReLU",
    "Linear",
    "LogSigmoid",
    "LogSoftmax",
    "MSELoss",
    "MaxPool2d",
    "Mish",
    "Module",
    "ModuleList",
    "MultiMarginLoss",
    "NLLLoss",
    "PReLU",
    "Parameter",
    "ReLU",
    "ReLU6",
    "SELU",
    "Sequential",
    "SiLU",
    "Sigmoid",
    "Softmax",
    "Softmin",
    "Softplus",
    "Softsign",
    "Step",
    "Tanh",
    "Tanhshrink",
    "export",
    "functional",
    "init",
    "models",
    "optim",
    "parallel",
    "train",
    "utils",
]
