"""The optional dependencies of nn.export, imported when a function first needs them.

`import nn` (and `import nn.export`) never imports onnx or torch: a missing one is an error only
where it is used, and the error names the extra that installs it.
"""

from __future__ import annotations

import importlib
from types import ModuleType

# The pip extra of glassgrad that installs each optional package.
EXTRAS = {"onnx": "onnx", "onnxruntime": "onnx", "torch": "torch"}


class MissingDependencyError(ImportError):
    """An optional dependency of nn.export is not installed."""


def require(package: str, feature: str) -> ModuleType:
    """`import package`, or raise naming `feature` and the pip command that installs it."""
    try:
        return importlib.import_module(package)
    except ImportError as error:
        extra = EXTRAS[package.split(".")[0]]
        raise MissingDependencyError(
            f"{feature} needs the optional package {package!r}, which is not installed: "
            f"pip install 'glassgrad[{extra}]'"
        ) from error
