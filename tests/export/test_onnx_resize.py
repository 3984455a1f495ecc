"""F.interpolate / nn.Upsample to ONNX Resize and back: PyTorch's source coordinates
(nearest: asymmetric with floor; bilinear: half_pixel or align_corners), sizes or scales as
given, any batch size; float64 exported node by node (onnxruntime has no float64 Resize);
Resize imported as F.interpolate, differentiable; unsupported Resize attributes raise."""

from __future__ import annotations

import numpy as np
import pytest
from export_support import need, run_onnxruntime

import autodiff as ad
import nn
import nn.functional as F

onnx = need("onnx", "onnx")
from nn.export import UnsupportedOpError, from_onnx, to_onnx  # noqa: E402

SIZES = [
    {"scale_factor": 2},
    {"size": (3, 5)},
    {"size": (7, 4)},
    {"size": (1, 1)},
    {"scale_factor": (1.5, 0.7)},
    {"scale_factor": (1.2, 3)},
]
MODES = [("nearest", None), ("bilinear", False), ("bilinear", True)]


@pytest.mark.parametrize("mode, align_corners", MODES)
@pytest.mark.parametrize("kwargs", SIZES, ids=str)
def test_interpolate_exports_as_resize_and_comes_back(mode, align_corners, kwargs):
    def f(t):
        return F.interpolate(t, mode=mode, align_corners=align_corners, **kwargs)

    x = np.random.default_rng(0).standard_normal((2, 3, 4, 5)).astype(np.float32)
    model = to_onnx(f, (x,), None)
    assert "Resize" in [n.op_type for n in model.graph.node]
    expected = f(ad.tensor(x)).data
    for batch in (x, np.concatenate([x, x[:1]])):  # any batch size
        (theirs,) = run_onnxruntime(model, batch)
        np.testing.assert_allclose(theirs, f(ad.tensor(batch)).data, atol=1e-5)
    back = from_onnx(model)
    np.testing.assert_allclose(back(ad.tensor(x)).data, expected, atol=1e-6)
    leaf = ad.tensor(x, requires_grad=True)
    back(leaf).sum().backward()
    reference = ad.tensor(x, requires_grad=True)
    f(reference).sum().backward()
    np.testing.assert_allclose(leaf.grad.data, reference.grad.data, atol=1e-5)


def test_upsample_module_and_float64():
    model = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.Upsample(scale_factor=2))
    x = np.random.default_rng(1).standard_normal((1, 1, 3, 4)).astype(np.float32)
    exported = to_onnx(model, (x,), None)
    assert [n.op_type for n in exported.graph.node] == ["Conv", "Constant", "Resize"]
    (theirs,) = run_onnxruntime(exported, x)
    np.testing.assert_allclose(theirs, model(ad.tensor(x)).data, atol=1e-5)
    # float64: no Resize (onnxruntime has none for float64), the composition node by node
    x64 = x.astype(np.float64)
    exported = to_onnx(lambda t: F.interpolate(t, size=(5, 7), mode="bilinear"), (x64,), None)
    assert "Resize" not in [n.op_type for n in exported.graph.node]
    (theirs,) = run_onnxruntime(exported, x64)
    expected = F.interpolate(ad.tensor(x64), size=(5, 7), mode="bilinear").data
    np.testing.assert_allclose(theirs, expected, rtol=1e-12)


def _resize_model(**attributes) -> object:
    helper = onnx.helper
    scales = helper.make_tensor("scales", onnx.TensorProto.FLOAT, [4], [1, 1, 2, 2])
    node = helper.make_node("Resize", ["x", "", "scales"], ["y"], **attributes)
    graph = helper.make_graph(
        [node],
        "g",
        [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1, 1, 2, 2])],
        [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1, 1, 4, 4])],
        [scales],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])


def test_import_of_resize_attributes():
    x = ad.tensor(np.arange(4, dtype=np.float32).reshape(1, 1, 2, 2))
    nearest = _resize_model(
        mode="nearest", coordinate_transformation_mode="asymmetric", nearest_mode="floor"
    )
    np.testing.assert_array_equal(from_onnx(nearest)(x).data, F.interpolate(x, scale_factor=2).data)
    (theirs,) = run_onnxruntime(nearest, x.data)
    np.testing.assert_array_equal(theirs, F.interpolate(x, scale_factor=2).data)
    linear = _resize_model(mode="linear", coordinate_transformation_mode="align_corners")
    expected = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=True).data
    np.testing.assert_allclose(from_onnx(linear)(x).data, expected, atol=1e-6)
    for attributes in ({"mode": "cubic"}, {"mode": "nearest"}):  # default nearest_mode rounds
        with pytest.raises(UnsupportedOpError, match="no F.interpolate counterpart"):
            from_onnx(_resize_model(**attributes))(x)
