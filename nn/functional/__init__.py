"""nn.functional: the operations behind the layers and losses, as functions (PyTorch's `F`).

    import nn.functional as F
    y = F.relu(F.linear(x, w, b))
    loss = F.cross_entropy(y, labels)

Fused ops (one compute node each, with a hand-written backward): `linear`, `conv2d` (`conv1d`
runs on it), `conv_transpose2d` (`conv_transpose1d` runs on it), `max_pool2d`, `avg_pool2d`,
`cross_entropy`, `binary_cross_entropy(_with_logits)`, `batch_norm` (training), `dropout`,
`step`.
The rest compose autodiff's ops.
"""

from .activation import (
    celu,
    celu_,
    elu,
    elu_,
    gelu,
    glu,
    hardsigmoid,
    hardswish,
    hardtanh,
    hardtanh_,
    leaky_relu,
    leaky_relu_,
    log_softmax,
    logsigmoid,
    mish,
    prelu,
    relu,
    relu6,
    relu_,
    rrelu,
    rrelu_,
    selu,
    selu_,
    sigmoid,
    silu,
    softmax,
    softmin,
    softplus,
    softsign,
    step,
    tanh,
    tanhshrink,
    threshold,
    threshold_,
)
from .conv import conv2d
from .conv1d import conv1d, conv_transpose1d
from .conv_transpose import conv_transpose2d
from .distance import cosine_similarity, normalize, pairwise_distance
from .dropout import dropout
from .embedding import embedding
from .encoding import one_hot
from .linear import linear
from .loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    huber_loss,
    kl_div,
    l1_loss,
    mse_loss,
    multi_margin_loss,
    nll_loss,
    smooth_l1_loss,
)
from .normalization import batch_norm, group_norm, instance_norm, layer_norm
from .padding import pad
from .pool import adaptive_avg_pool2d, adaptive_max_pool2d, avg_pool2d, max_pool2d
from .pool1d import avg_pool1d, max_pool1d
from .unpool import max_unpool1d, max_unpool2d
from .upsampling import interpolate

__all__ = [
    "adaptive_avg_pool2d",
    "adaptive_max_pool2d",
    "avg_pool1d",
    "avg_pool2d",
    "batch_norm",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "celu",
    "celu_",
    "conv1d",
    "conv2d",
    "conv_transpose1d",
    "conv_transpose2d",
    "cosine_similarity",
    "cross_entropy",
    "dropout",
    "elu",
    "elu_",
    "embedding",
    "gelu",
    "glu",
    "group_norm",
    "hardsigmoid",
    "hardswish",
    "hardtanh",
    "hardtanh_",
    "huber_loss",
    "instance_norm",
    "interpolate",
    "kl_div",
    "l1_loss",
    "layer_norm",
    "leaky_relu",
    "leaky_relu_",
    "linear",
    "log_softmax",
    "logsigmoid",
    "max_pool1d",
    "max_pool2d",
    "max_unpool1d",
    "max_unpool2d",
    "mish",
    "mse_loss",
    "multi_margin_loss",
    "nll_loss",
    "normalize",
    "one_hot",
    "pad",
    "pairwise_distance",
    "prelu",
    "relu",
    "relu_",
    "rrelu",
    "rrelu_",
    "relu6",
    "selu",
    "selu_",
    "sigmoid",
    "silu",
    "smooth_l1_loss",
    "softmax",
    "softmin",
    "softplus",
    "softsign",
    "step",
    "tanh",
    "tanhshrink",
    "threshold",
    "threshold_",
]
