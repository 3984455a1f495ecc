"""autodiff.save / autodiff.load: PyTorch's torch.save/torch.load without pickle."""

from __future__ import annotations

import io
import os
import zipfile

import numpy as np
import pytest
from fork_support import in_forked_child

import autodiff as ad
from autodiff import Tensor, atomic
from autodiff.archive import ArchiveError, read_archive, write_archive


def test_tensor_round_trip_keeps_dtype_values_and_requires_grad(tmp_path):
    x = ad.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    y = ad.tensor([1, 2, 3])
    ad.save(x, tmp_path / "x.pt")
    ad.save(y, tmp_path / "y.pt")
    lx, ly = ad.load(tmp_path / "x.pt"), ad.load(tmp_path / "y.pt")
    assert isinstance(lx, Tensor) and lx.requires_grad and lx.is_leaf
    assert lx.dtype == np.float64 and lx.tolist() == x.tolist()
    assert ly.dtype == np.int64 and not ly.requires_grad
    zero_d = ad.tensor(2.5, dtype=ad.float64)
    ad.save(zero_d, tmp_path / "z.pt")
    assert ad.load(tmp_path / "z.pt").shape == () and ad.load(tmp_path / "z.pt").item() == 2.5


def test_nested_structures_keep_their_types(tmp_path):
    obj = {
        "epoch": 7,
        "lr": 0.05,
        "name": "run",
        "flag": True,
        "none": None,
        "nan": float("nan"),
        "inf": float("-inf"),
        "big": 2**70,
        "array": np.arange(4, dtype=np.int16),
        "scalar": np.float32(1.5),
        "list": [1, 2.0, "three", [ad.ones(2)]],
        "tuple": (1, (2, 3)),
        3: "int key",
        (1, "a"): "tuple key",
        "empty": {},
        "empty_array": np.zeros((0, 3)),
    }
    path = tmp_path / "obj.pt"
    ad.save(obj, path)
    loaded = ad.load(path)
    assert list(loaded) == list(obj)
    assert loaded["epoch"] == 7 and type(loaded["epoch"]) is int
    assert loaded["lr"] == 0.05 and type(loaded["lr"]) is float
    assert loaded["name"] == "run" and loaded["flag"] is True and loaded["none"] is None
    assert np.isnan(loaded["nan"]) and loaded["inf"] == float("-inf") and loaded["big"] == 2**70
    assert type(loaded["array"]) is np.ndarray and loaded["array"].dtype == np.int16
    assert type(loaded["scalar"]) is np.float32 and loaded["scalar"] == 1.5
    assert loaded["list"][:3] == [1, 2.0, "three"] and isinstance(loaded["list"][3][0], Tensor)
    assert loaded["tuple"] == (1, (2, 3)) and type(loaded["tuple"][1]) is tuple
    assert loaded[3] == "int key" and loaded[(1, "a")] == "tuple key"
    assert loaded["empty"] == {} and loaded["empty_array"].shape == (0, 3)


def test_shared_objects_load_as_one_object(tmp_path):
    t = ad.ones(3)
    ad.save({"a": t, "b": t, "pair": [t, t]}, tmp_path / "s.pt")
    loaded = ad.load(tmp_path / "s.pt")
    assert loaded["a"] is loaded["b"] is loaded["pair"][0] is loaded["pair"][1]


def test_state_dict_round_trip_through_a_file_object():
    import nn

    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    buffer = io.BytesIO()
    ad.save(model.state_dict(), buffer)
    buffer.seek(0)
    other = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    other.load_state_dict(ad.load(buffer, map_location="cpu", weights_only=True))
    for (k, a), (_, b) in zip(model.state_dict().items(), other.state_dict().items()):
        np.testing.assert_array_equal(a, b, err_msg=k)


def test_optimizer_checkpoint_dict(tmp_path):
    import nn
    from nn import optim

    model = nn.Linear(3, 2)
    opt = optim.Adam(model.parameters(), lr=0.01)
    model(ad.ones(1, 3)).sum().backward()
    opt.step()
    checkpoint = {"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 1}
    ad.save(checkpoint, tmp_path / "c")
    loaded = ad.load(tmp_path / "c")
    fresh = optim.Adam(nn.Linear(3, 2).parameters(), lr=0.5)
    fresh.load_state_dict(loaded["optimizer"])
    assert fresh.param_groups[0]["lr"] == 0.01 and loaded["epoch"] == 1


def test_what_cannot_be_saved_raises_naming_where(tmp_path):
    import nn

    with pytest.raises(TypeError, match=r"obj\['model'\] \(Linear\).*state_dict"):
        ad.save({"model": nn.Linear(2, 2)}, tmp_path / "m.pt")
    with pytest.raises(TypeError, match=r"obj\[1\] \(function\)"):
        ad.save([1, lambda: 0], tmp_path / "f.pt")
    cyclic: list = [1]
    cyclic.append(cyclic)
    with pytest.raises(TypeError, match="contains itself"):
        ad.save(cyclic, tmp_path / "c.pt")
    with pytest.raises(TypeError, match="key of type frozenset"):
        ad.save({frozenset(): 1}, tmp_path / "k.pt")
    with pytest.raises(TypeError, match="dtype complex128"):
        ad.save(np.ones(2, dtype=complex), tmp_path / "x.pt")
    assert not list(tmp_path.iterdir())  # nothing written, not even a temporary file


def test_saving_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "w.pt"
    ad.save({"v": 1}, path)

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np.lib.format, "write_array", fail)
    with pytest.raises(OSError, match="disk full"):
        ad.save({"v": 2}, path)
    monkeypatch.undo()
    assert ad.load(path) == {"v": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["w.pt"]


def test_bad_files_raise_archive_errors_naming_the_file(tmp_path):
    good = tmp_path / "good.pt"
    ad.save({"w": np.arange(100.0)}, good)
    data = good.read_bytes()
    (tmp_path / "truncated.pt").write_bytes(data[: len(data) // 2])
    with pytest.raises(ArchiveError, match="truncated.pt"):
        ad.load(tmp_path / "truncated.pt")
    (tmp_path / "garbage.pt").write_bytes(b"not an archive")
    with pytest.raises(ArchiveError, match="garbage.pt"):
        ad.load(tmp_path / "garbage.pt")
    np.savez(tmp_path / "plain.npz", w=np.ones(2))
    with pytest.raises(ArchiveError, match="plain.npz: not a glassgrad save file"):
        ad.load(tmp_path / "plain.npz")
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, __format__=np.array("glassgrad-save 1"), x=np.array([{"a": 1}]))
    with pytest.raises(ArchiveError, match="pickled.npz"):
        ad.load(pickled)
    damaged = tmp_path / "damaged.pt"
    arrays = {"__format__": np.array("glassgrad-save 1"), "__tree__": np.array('{"tensor": 1}')}
    write_archive(damaged, arrays)
    with pytest.raises(ArchiveError, match="damaged.pt: the structure"):
        ad.load(damaged)
    with pytest.raises(FileNotFoundError):
        ad.load(tmp_path / "missing.pt")
    with pytest.raises(RuntimeError, match="CPU only"):
        ad.load(good, map_location="cuda:0")
    with pytest.raises(TypeError, match="unexpected keyword"):
        ad.load(good, pickle_module=None)


def test_archives_are_plain_npz_without_pickle_and_verified(tmp_path):
    write_archive(tmp_path / "a.npz", {"__format__": np.array("f"), "x": np.arange(3)})
    assert read_archive(tmp_path / "a.npz", "f")["x"].tolist() == [0, 1, 2]
    with pytest.raises(ArchiveError, match="not a glassgrad archive.*expected 'g'"):
        read_archive(tmp_path / "a.npz", "g")
    ad.save({"x": ad.ones(2)}, tmp_path / "b.pt")
    with zipfile.ZipFile(tmp_path / "b.pt") as z:
        names = ["__format__.npy", "__manifest__.npy", "__tree__.npy", "a0.npy"]
        assert sorted(z.namelist()) == names
    # A changed byte inside an array is caught by its digest, naming the member.
    data = bytearray((tmp_path / "b.pt").read_bytes())
    at = data.index(np.ones(2, np.float32).tobytes())
    data[at + 3] ^= 0x10
    (tmp_path / "c.pt").write_bytes(bytes(data))
    with pytest.raises(ArchiveError, match="c.pt: member 'a0'"):
        ad.load(tmp_path / "c.pt")
    with np.load(tmp_path / "b.pt", allow_pickle=False) as f:
        assert f["a0"].tolist() == [1.0, 1.0]


def test_compared_with_torch_save_semantics(tmp_path):
    torch = pytest.importorskip("torch", reason="torch is not installed: nothing to compare with")
    obj = {"epoch": 3, "w": np.arange(3.0), "t": (1, 2)}
    torch.save({"epoch": 3, "w": torch.arange(3.0), "t": (1, 2)}, tmp_path / "t.pt")
    theirs = torch.load(tmp_path / "t.pt")
    ad.save({"epoch": 3, "w": ad.arange(3.0), "t": (1, 2)}, tmp_path / "g.pt")
    ours = ad.load(tmp_path / "g.pt")
    assert list(ours) == list(theirs) == list(obj)
    assert ours["epoch"] == theirs["epoch"] and ours["t"] == theirs["t"]
    assert ours["w"].tolist() == theirs["w"].tolist()
    assert ours["w"].dtype == theirs["w"].numpy().dtype


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork (POSIX)")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # fork() of a threaded process
def test_a_child_forked_while_another_thread_holds_the_writers_lock_can_still_write(tmp_path):
    target = tmp_path / "from_the_child.bin"

    def child() -> bool:
        with atomic.atomic_write(target) as f:
            f.write(b"written in the child")
        return target.read_bytes() == b"written in the child"

    assert in_forked_child(child, held=atomic._lock) == 0
    assert target.read_bytes() == b"written in the child"
