"""state_dict_to_torch / state_dict_from_torch for hand-built models: BatchNorm's running
statistics and num_batches_tracked, strict loading both ways, copies not views."""

from __future__ import annotations

import numpy as np
from export_support import need

import autodiff
import nn
from autodiff import Tensor

torch = need("torch", "torch")

from nn.export import state_dict_from_torch, state_dict_to_torch  # noqa: E402


def glassgrad_net() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(2, 3, 3, padding=1),
        nn.BatchNorm2d(3),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(3 * 4 * 4, 5),
        nn.BatchNorm1d(5, affine=False),
    )


def torch_net():
    tnn = torch.nn
    return tnn.Sequential(
        tnn.Conv2d(2, 3, 3, padding=1),
        tnn.BatchNorm2d(3),
        tnn.ReLU(),
        tnn.Flatten(),
        tnn.Linear(3 * 4 * 4, 5),
        tnn.BatchNorm1d(5, affine=False),
    )


X = np.random.default_rng(0).standard_normal((6, 2, 4, 4)).astype(np.float32)


def test_a_glassgrad_state_dict_loads_strictly_into_torch():
    ours = glassgrad_net()
    with autodiff.no_grad():
        ours(Tensor(X * 2 + 1))  # training mode: running statistics move
    sd = state_dict_to_torch(ours.state_dict())
    assert [k for k in sd if k.endswith("num_batches_tracked")] == [
        "1.num_batches_tracked",
        "5.num_batches_tracked",
    ]
    assert list(sd).index("1.num_batches_tracked") == list(sd).index("1.running_var") + 1
    assert sd["1.num_batches_tracked"].dtype == torch.int64
    theirs = torch_net()
    theirs.load_state_dict(sd, strict=True)
    ours.eval()
    theirs.eval()
    with torch.no_grad():
        expected = theirs(torch.from_numpy(X)).numpy()
    np.testing.assert_allclose(ours(Tensor(X)).data, expected, rtol=1e-5, atol=1e-5)
    # Copies: changing the torch tensors leaves the glassgrad model alone.
    sd["0.weight"].zero_()
    assert np.any(ours[0].weight.data != 0)
    assert sd["1.num_batches_tracked"] == 1  # the batch norms counted the batch
    # A state dict without the counters (older glassgrad) gets them.
    old = {k: v for k, v in ours.state_dict().items() if not k.endswith("num_batches_tracked")}
    assert state_dict_to_torch(old, num_batches_tracked=7)["1.num_batches_tracked"] == 7


def test_a_torch_state_dict_loads_strictly_into_glassgrad():
    theirs = torch_net()
    theirs.train()
    with torch.no_grad():
        theirs(torch.from_numpy(X * 3 - 1))
    sd = state_dict_from_torch(theirs.state_dict())
    assert [k for k in sd if k.endswith("num_batches_tracked")] == [
        "1.num_batches_tracked",
        "5.num_batches_tracked",
    ]
    assert all(
        isinstance(v, np.ndarray) and v.dtype == (np.int64 if k.endswith("tracked") else np.float32)
        for k, v in sd.items()
    )
    ours = glassgrad_net()
    ours.load_state_dict(sd, strict=True)
    np.testing.assert_array_equal(ours[1].running_var.data, theirs[1].running_var.numpy())
    assert ours[1].num_batches_tracked.item() == theirs[1].num_batches_tracked.item() == 1
    ours.eval()
    theirs.eval()
    with torch.no_grad():
        expected = theirs(torch.from_numpy(X)).numpy()
    np.testing.assert_allclose(ours(Tensor(X)).data, expected, rtol=1e-5, atol=1e-5)
    sd["0.weight"][...] = 0
    assert torch.any(theirs[0].weight != 0)


def test_plain_keys_pass_through_and_counters_need_both_statistics():
    sd = {"running_mean": np.zeros(2), "running_var": np.ones(2), "w.running_mean": np.zeros(1)}
    out = state_dict_to_torch(sd)
    assert list(out) == ["running_mean", "running_var", "num_batches_tracked", "w.running_mean"]
    assert out["running_var"].dtype == torch.float64
    assert state_dict_from_torch(
        {"num_batches_tracked": torch.tensor(3), "a": torch.ones(2)}
    ).keys() == {"num_batches_tracked", "a"}
