"""nn.export imports onnx and torch only where they are used; a missing one is an error that
names the extra to install. (These tests need neither installed.)"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import nn
import nn.export
from nn.export import MissingDependencyError


def test_importing_nn_export_imports_neither_onnx_nor_torch():
    code = (
        "import sys, nn, nn.export; "
        "print(*(sys.modules.get(name) is not None for name in ('onnx', 'torch')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


@pytest.mark.parametrize(
    ("missing", "call", "extra"),
    [
        ("onnx", lambda: nn.export.to_onnx(lambda x: x * 2, np.ones(2), None), "onnx"),
        ("onnx", lambda: nn.export.from_onnx("model.onnx"), "onnx"),
        ("torch", lambda: nn.export.to_torch(nn.ReLU()), "torch"),
        ("torch", lambda: nn.export.from_torch(object()), "torch"),
        ("torch", lambda: nn.export.state_dict_to_torch({}), "torch"),
    ],
)
def test_a_missing_extra_is_named(monkeypatch, missing, call, extra):
    monkeypatch.setitem(sys.modules, missing, None)  # makes `import missing` fail
    with pytest.raises(MissingDependencyError, match=rf"pip install 'glassgrad\[{extra}\]'"):
        call()
