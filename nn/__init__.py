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
    GELU,
    AvgPool2d,
    BatchNorm1d,
    BatchNorm2d,
    Conv2d,
    CosineSimilarity,
    Dropout,
    Embedding,
    Flatten,
    Identity,
    LayerNorm,
    LeakyReLU,
    Linear,
    LogSoftmax,
    MaxPool2d,
    PairwiseDistance,
    ReLU,
    Sigmoid,
    SiLU,
    Softmax,
    Step,
    Tanh,
    Upsample,
    UpsamplingBilinear2d,
    UpsamplingNearest2d,
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
    "Conv2d",
    "CosineSimilarity",
    "CrossEntropyLoss",
    "DataParallel",
    "Dropout",
    "Embedding",
    "F",
    "Flatten",
    "GELU",
    "Identity",
    "L1Loss",
    "LayerNorm",
    "LeakyReLU",
    "Linear",
    "LogSoftmax",
    "MSELoss",
    "MaxPool2d",
    "Module",
    "ModuleList",
    "MultiMarginLoss",
    "NLLLoss",
    "PairwiseDistance",
    "Parameter",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "SiLU",
    "Softmax",
    "Step",
    "Tanh",
    "Upsample",
    "UpsamplingBilinear2d",
    "UpsamplingNearest2d",
    "export",
    "functional",
    "init",
    "models",
    "optim",
    "parallel",
    "train",
    "utils",
]
