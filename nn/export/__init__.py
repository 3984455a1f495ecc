"""nn.export: the way out of glassgrad and the way in — ONNX files and PyTorch modules.

    import nn.export as ex
    ex.to_onnx(model, x, "model.onnx")      # serve with onnxruntime (extra: glassgrad[onnx])
    net = ex.from_onnx("model.onnx")        # an ONNX model as a Module: run, differentiate, draw
    torch_model = ex.to_torch(model)         # continue in PyTorch (extra: glassgrad[torch])
    model = ex.from_torch(torch_model)
    ex.state_dict_to_torch(model.state_dict()), ex.state_dict_from_torch(torch_sd)

onnx, onnxruntime and torch are optional: the function that needs one imports it, and a missing
one raises MissingDependencyError naming the extra to install. See docs/export.md.
"""

from ._deps import MissingDependencyError
from .errors import ExportError, UnsupportedOpError
from .onnx_in import OnnxModel, from_onnx
from .onnx_out import to_onnx
from .state_dict import state_dict_from_torch, state_dict_to_torch
from .torch_bridge import from_torch, to_torch

__all__ = [
    "ExportError",
    "MissingDependencyError",
    "OnnxModel",
    "UnsupportedOpError",
    "from_onnx",
    "from_torch",
    "state_dict_from_torch",
    "state_dict_to_torch",
    "to_onnx",
    "to_torch",
]
