"""Tests for the data pipeline: datasets, DataLoader, train_test_split and batch transforms.

The real-MNIST test uses /work/shared/data/mnist (``<repo>/../shared/data/mnist``) and is
skipped when it is absent; a tiny fake MNIST written with write_idx covers the same code path
everywhere.
"""

from __future__ import annotations

import inspect
import math
from collections import namedtuple
from pathlib import Path

import numpy as np
import pytest

from autodiff import Tensor
from nn.data import (
    MNIST,
    MNIST_FILES,
    ArrayDataset,
    Compose,
    DataLoader,
    Dataset,
    Flatten,
    Normalize,
    OneHot,
    RandomRotation,
    RandomShift,
    TensorDataset,
    is_array_backed,
    rotate,
    shift,
    train_test_split,
    write_idx,
)

REAL_MNIST = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "mnist"


def sample_ids(loader: DataLoader) -> list[np.ndarray]:
    """One epoch of a loader over ArrayDataset(np.arange(n)): the sample ids of each batch."""
    return [ids for (ids,) in loader]


class CountingArrayDataset(ArrayDataset):
    """Records every index __getitem__ receives (and says it takes index arrays)."""

    batched_getitem = True

    def __init__(self, *arrays, **kwargs):
        super().__init__(*arrays, **kwargs)
        self.calls: list = []

    def __getitem__(self, index):
        self.calls.append(index)
        return super().__getitem__(index)


class SquaresDataset:
    """A generic (not array-backed) dataset: sample i is (an (2, 3) array of i, label i % 3)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.calls = 0

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int):
        self.calls += 1
        if not 0 <= i < self.n:
            raise IndexError(i)
        return np.full((2, 3), i, dtype=np.float32), i % 3


# ----------------------------------------------------------------------------- ArrayDataset


def test_array_dataset_indexing_returns_tuples():
    x = np.arange(20, dtype=np.float32).reshape(10, 2)
    t = np.arange(10) % 3
    ds = ArrayDataset(x, t)
    assert len(ds) == 10 and isinstance(ds, Dataset) and is_array_backed(ds)
    xi, ti = ds[3]
    np.testing.assert_array_equal(xi, [6, 7])
    assert ti == 0
    xb, tb = ds[np.array([9, 0, 9])]
    np.testing.assert_array_equal(xb, x[[9, 0, 9]])
    np.testing.assert_array_equal(tb, t[[9, 0, 9]])
    np.testing.assert_array_equal(ds[-1][0], x[-1])
    assert ds.arrays[0] is x  # stored without copying
    (only,) = ArrayDataset(x)[2]
    np.testing.assert_array_equal(only, x[2])
    with pytest.raises(IndexError, match="out of range"):
        ds[10]


def test_array_dataset_shape_mismatch_names_the_shapes():
    with pytest.raises(ValueError, match=r"\(10, 2\), \(9,\)"):
        ArrayDataset(np.zeros((10, 2)), np.zeros(9))
    with pytest.raises(ValueError, match="at least one"):
        ArrayDataset()
    with pytest.raises(ValueError, match="first"):
        ArrayDataset(np.float32(1.0))


def test_array_dataset_transform_sees_batches_and_only_x():
    seen = []

    def double(batch):
        seen.append(batch.shape)
        return batch * 2

    ds = ArrayDataset(np.ones((6, 4), np.float32), np.arange(6), transform=double)
    x, t = ds[1]
    assert x.shape == (4,) and np.all(x == 2) and t == 1
    xb, tb = ds[np.arange(3)]
    assert xb.shape == (3, 4) and np.all(xb == 2)
    np.testing.assert_array_equal(tb, [0, 1, 2])
    assert seen == [(1, 4), (3, 4)]  # a single sample is passed as a batch of one
    assert np.all(ds.arrays[0] == 1)  # the stored array is untouched


# ----------------------------------------------------------------------------- DataLoader


@pytest.mark.parametrize("n, batch_size", [(10, 3), (12, 4), (5, 10), (1, 1), (7, 1)])
@pytest.mark.parametrize("shuffle", [False, True])
def test_every_sample_exactly_once_per_epoch(n, batch_size, shuffle):
    loader = DataLoader(ArrayDataset(np.arange(n)), batch_size=batch_size, shuffle=shuffle, seed=0)
    assert len(loader) == math.ceil(n / batch_size)
    for _ in range(3):
        batches = sample_ids(loader)
        assert len(batches) == len(loader)
        assert [len(b) for b in batches[:-1]] == [batch_size] * (len(batches) - 1)
        assert 1 <= len(batches[-1]) <= batch_size
        ids = np.concatenate(batches)
        np.testing.assert_array_equal(np.sort(ids), np.arange(n))
        if not shuffle:
            np.testing.assert_array_equal(ids, np.arange(n))


@pytest.mark.parametrize("shuffle", [False, True])
def test_drop_last(shuffle):
    n, batch_size = 23, 5
    loader = DataLoader(
        ArrayDataset(np.arange(n)), batch_size=batch_size, shuffle=shuffle, drop_last=True, seed=3
    )
    assert len(loader) == 4
    batches = sample_ids(loader)
    assert [len(b) for b in batches] == [5, 5, 5, 5]
    ids = np.concatenate(batches)
    assert len(np.unique(ids)) == 20  # no sample twice, 3 dropped
    if not shuffle:
        np.testing.assert_array_equal(ids, np.arange(20))
    # drop_last with fewer samples than a batch: no batches at all.
    assert list(DataLoader(ArrayDataset(np.arange(3)), batch_size=4, drop_last=True)) == []


def test_shuffle_is_reproducible_and_changes_every_epoch():
    def make(seed):
        return DataLoader(ArrayDataset(np.arange(50)), batch_size=8, shuffle=True, seed=seed)

    a, b = make(7), make(7)
    epochs_a = [np.concatenate(sample_ids(a)) for _ in range(3)]
    epochs_b = [np.concatenate(sample_ids(b)) for _ in range(3)]
    for ea, eb in zip(epochs_a, epochs_b):
        np.testing.assert_array_equal(ea, eb)  # same seed, same batches, epoch by epoch
    assert not np.array_equal(epochs_a[0], epochs_a[1])
    assert not np.array_equal(epochs_a[1], epochs_a[2])
    assert not np.array_equal(epochs_a[0], np.concatenate(sample_ids(make(8))))
    assert a.epoch == 3
    a.set_epoch(1)  # replay epoch 1
    np.testing.assert_array_equal(np.concatenate(sample_ids(a)), epochs_a[1])
    np.testing.assert_array_equal(a.order(0), epochs_a[0])


def test_unseeded_loader_is_still_self_consistent():
    loader = DataLoader(ArrayDataset(np.arange(40)), batch_size=40, shuffle=True)
    first = sample_ids(loader)[0]
    loader.set_epoch(0)
    np.testing.assert_array_equal(sample_ids(loader)[0], first)


def test_manual_seed_makes_an_unseeded_shuffle_reproducible():
    # PyTorch's `torch.manual_seed(0)` fixes its loaders' shuffles; an unseeded loader here drew
    # its seed from the OS, so a seeded program shuffled differently run after run.
    import subprocess
    import sys

    import autodiff

    def orders():
        autodiff.manual_seed(0)
        loader = DataLoader(ArrayDataset(np.arange(40)), batch_size=40, shuffle=True)
        return [sample_ids(loader)[0] for _ in range(2)]

    first, second = orders(), orders()
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(*first)  # epochs still differ
    # and in another process (the seed is not drawn from anything the process inherits)
    code = (
        "import autodiff, numpy as np; from nn.data import ArrayDataset, DataLoader;"
        "autodiff.manual_seed(0);"
        "loader = DataLoader(ArrayDataset(np.arange(40)), batch_size=40, shuffle=True);"
        "print(next(iter(loader))[0].tolist())"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=True,
        env={**__import__("os").environ, "PYTHONPATH": str(root)},
    )  # fmt: skip
    assert eval(out.stdout) == first[0].tolist()


def test_vectorised_path_calls_getitem_once_per_batch():
    x = np.arange(30, dtype=np.float32).reshape(10, 3)
    t = np.arange(10)
    ds = CountingArrayDataset(x, t)
    loader = DataLoader(ds, batch_size=4, shuffle=True, seed=0)
    batches = list(loader)
    assert len(ds.calls) == len(loader) == 3
    assert all(isinstance(i, np.ndarray) and i.dtype.kind == "i" for i in ds.calls)
    for (xb, tb), idx in zip(batches, ds.calls):
        np.testing.assert_array_equal(xb, x[idx])
        np.testing.assert_array_equal(tb, t[idx])


class PerSampleGetitem(TensorDataset):
    """A PyTorch-style subclass: __getitem__ written for one int index (as torch calls it)."""

    def __getitem__(self, i):
        assert isinstance(i, int), f"called with {type(i).__name__}"
        x, t = super().__getitem__(i)
        return x * 10, t


def test_a_subclass_overriding_getitem_is_called_per_sample():
    x, t = np.arange(10.0).reshape(5, 2), np.arange(5)
    ds = PerSampleGetitem(x, t)
    assert not is_array_backed(ds) and is_array_backed(TensorDataset(x, t))
    assert not is_array_backed(type("Sub", (ArrayDataset,), {"__getitem__": lambda s, i: i})(x))
    batches = list(DataLoader(ds, batch_size=2))
    assert len(batches) == 3
    np.testing.assert_array_equal(batches[0][0].data, x[:2] * 10)
    np.testing.assert_array_equal(batches[2][1].data, t[4:])


def test_a_subclass_overriding_getitem_batches_like_torch():
    torch = pytest.importorskip("torch")

    class TorchPerSample(torch.utils.data.TensorDataset):
        def __getitem__(self, i):
            assert isinstance(i, int)
            x, t = super().__getitem__(i)
            return x * 10, t

    x, t = np.arange(10.0).reshape(5, 2), np.arange(5)
    ours = list(DataLoader(PerSampleGetitem(x, t), batch_size=2))
    theirs = list(
        torch.utils.data.DataLoader(TorchPerSample(torch.tensor(x), torch.tensor(t)), batch_size=2)
    )
    for (xo, to), (xt, tt) in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(xo.data, xt.numpy())
        np.testing.assert_array_equal(to.data, tt.numpy())
        assert xo.dtype == xt.numpy().dtype and to.dtype == tt.numpy().dtype


def test_loader_arguments_after_shuffle_are_keyword_only():
    ds = ArrayDataset(np.arange(5.0))
    # PyTorch reads DataLoader(ds, 2, False, [0, 1]) as sampler=[0, 1]: refused, not drop_last.
    with pytest.raises(TypeError, match="positional"):
        DataLoader(ds, 2, False, [0, 1])
    loader = DataLoader(ds, 2, True, drop_last=True, seed=0)
    assert loader.shuffle and loader.drop_last and len(loader) == 2


def test_loader_positional_parameters_are_a_prefix_of_torchs():
    torch = pytest.importorskip("torch")

    def positional(f):
        kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        return [p.name for p in inspect.signature(f).parameters.values() if p.kind in kinds]

    ours = positional(DataLoader.__init__)
    assert ours == positional(torch.utils.data.DataLoader.__init__)[: len(ours)]
    assert ours == ["self", "dataset", "batch_size", "shuffle"]


def test_pytorchs_other_options_run_at_values_that_leave_the_batches_alone():
    # PyTorch programs pass num_workers=0, pin_memory=... explicitly: they ran into an
    # "unexpected keyword" TypeError; other values stay refused, naming the option.
    ds = ArrayDataset(np.arange(5.0))
    neutral = dict(
        num_workers=0, pin_memory=True, timeout=0, worker_init_fn=None, persistent_workers=False,
        prefetch_factor=None, multiprocessing_context=None, pin_memory_device="", in_order=True,
        collate_fn=None, sampler=None, batch_sampler=None, generator=None,
    )  # fmt: skip
    plain = [b[0].tolist() for b in DataLoader(ds, batch_size=2)]
    assert [b[0].tolist() for b in DataLoader(ds, batch_size=2, **neutral)] == plain
    refused = [
        ("num_workers", 2),
        ("num_workers", False),  # not 0
        ("collate_fn", list),
        ("sampler", np.arange(5)),
        ("batch_sampler", [[0, 1]]),
        ("generator", object()),
        ("persistent_workers", True),
        ("timeout", 5),
    ]
    for name, value in refused:
        with pytest.raises(TypeError, match=f"DataLoader: {name}=.* is not supported"):
            DataLoader(ds, **{name: value})
    with pytest.raises(TypeError, match="unexpected keyword argument 'workers'"):
        DataLoader(ds, workers=0)


def test_the_accepted_options_are_pytorchs_with_its_defaults():
    torch = pytest.importorskip("torch")
    from nn.data.loader import _TORCH_OPTIONS

    theirs = inspect.signature(torch.utils.data.DataLoader.__init__).parameters
    for name, allowed in _TORCH_OPTIONS.items():
        assert theirs[name].default in allowed, name
        # torch runs them too, with the same batches
        values = {name: allowed[-1]}
        torch.utils.data.DataLoader(torch.arange(4), **values)


class Squares(Dataset):
    """A dataset written as PyTorch's: a subclass of Dataset calling super().__init__()."""

    def __init__(self, n):
        super().__init__()
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return np.full(2, i, dtype=np.float32), i


def test_a_dataset_subclass_written_pytorchs_way():
    ds = Squares(5)
    assert isinstance(ds, Dataset) and len(ds) == 5
    x, t = next(iter(DataLoader(ds, batch_size=3)))
    assert x.shape == (3, 2) and t.tolist() == [0, 1, 2]


def test_a_dataset_subclass_without_len_or_getitem_raises_pytorchs_errors():
    # The protocol's stubs were inherited: len() said "'NoneType' object cannot be
    # interpreted as an integer", and a missing __getitem__ gave None samples.
    class NoLen(Dataset):
        def __getitem__(self, i):
            return i

    class NoGetitem(Dataset):
        def __len__(self):
            return 3

    with pytest.raises(TypeError, match="object of type 'NoLen' has no len()"):
        len(DataLoader(NoLen(), batch_size=2))
    with pytest.raises(NotImplementedError, match="should implement __getitem__"):
        next(iter(DataLoader(NoGetitem(), batch_size=2)))
    torch = pytest.importorskip("torch")

    class TorchNoLen(torch.utils.data.Dataset):
        def __getitem__(self, i):
            return i

    class TorchNoGetitem(torch.utils.data.Dataset):
        def __len__(self):
            return 3

    with pytest.raises(TypeError, match="has no len()"):
        len(torch.utils.data.DataLoader(TorchNoLen(), batch_size=2))
    with pytest.raises(NotImplementedError, match="should implement __getitem__"):
        next(iter(torch.utils.data.DataLoader(TorchNoGetitem(), batch_size=2)))


def test_fallback_path_for_generic_datasets():
    ds = SquaresDataset(7)
    assert not is_array_backed(ds)
    loader = DataLoader(ds, batch_size=3)
    batches = list(loader)
    assert ds.calls == 7  # one call per sample
    assert [x.shape for x, _ in batches] == [(3, 2, 3), (3, 2, 3), (1, 2, 3)]
    x0, t0 = batches[0]
    assert x0.dtype == np.float32 and t0.dtype == np.int64
    np.testing.assert_array_equal(x0[:, 0, 0], [0, 1, 2])
    np.testing.assert_array_equal(t0, [0, 1, 2])
    # Samples that are not tuples give plain (B, ...) batches; a list is a dataset too.
    plain = list(DataLoader([np.array([i, -i]) for i in range(5)], batch_size=2))
    np.testing.assert_array_equal(plain[1], [[2, -2], [3, -3]])


Pair = namedtuple("Pair", ["x", "label"])

# Per-sample datasets (plain lists) of every structure default_collate handles.
COLLATE_CASES = {
    "nested tuple": [(np.array([1.0]), (1, 10.0)), (np.array([2.0]), (2, 20.0))],
    "list samples": [[np.float32([1, 2]), 3], [np.float32([4, 5]), 6]],
    "dict samples": [{"x": np.array([1.0]), "y": 1}, {"x": np.array([2.0]), "y": 2}],
    "dict in tuple": [(np.array([1.0]), {"ok": True}), (np.array([2.0]), {"ok": False})],
    "namedtuple": [Pair(np.arange(2), 0.5), Pair(np.arange(2) + 2, 1.5)],
    "strings": [(np.array([1.0]), "cat"), (np.array([2.0]), "dog")],
    "numpy scalars": [(np.float32(1), np.int32(2)), (np.float32(3), np.int32(4))],
    "deep": [((1, (2.0, [True])),), ((3, (4.0, [False])),)],
}


def test_per_sample_fields_are_collated_recursively():
    (x, (lab, val)), *_ = DataLoader(COLLATE_CASES["nested tuple"], batch_size=2)
    assert isinstance(x, Tensor) and x.shape == (2, 1)
    # One batch per field, Python ints int64 and floats float64 (not a (2, 2) float array).
    assert isinstance(lab, Tensor) and lab.dtype == np.int64 and lab.tolist() == [1, 2]
    assert val.dtype == np.float64 and val.tolist() == [10.0, 20.0]
    xs, ys = next(iter(DataLoader(COLLATE_CASES["list samples"], batch_size=2, as_tensor=False)))
    assert type(ys) is np.ndarray and ys.dtype == np.int64 and xs.dtype == np.float32
    batch = next(iter(DataLoader(COLLATE_CASES["dict samples"], batch_size=2)))
    assert (
        list(batch) == ["x", "y"] and batch["x"].shape == (2, 1) and batch["y"].tolist() == [1, 2]
    )
    pair = next(iter(DataLoader(COLLATE_CASES["namedtuple"], batch_size=2)))
    assert type(pair) is Pair and pair.x.shape == (2, 2) and pair.label.dtype == np.float64
    _, names = next(iter(DataLoader(COLLATE_CASES["strings"], batch_size=2)))
    assert names == ("cat", "dog")
    ((ints, (floats, [bools])),) = next(iter(DataLoader(COLLATE_CASES["deep"], batch_size=2)))
    assert (ints.dtype, floats.dtype, bools.dtype) == (np.int64, np.float64, np.bool_)
    # Containers keep their type: tuple -> tuple, list -> list.
    assert type(next(iter(DataLoader(COLLATE_CASES["list samples"], batch_size=2)))) is list
    assert type(next(iter(DataLoader(COLLATE_CASES["nested tuple"], batch_size=2)))) is tuple


def test_per_sample_collation_errors_name_the_field():
    def first_batch(samples, **kwargs):
        return next(iter(DataLoader(samples, batch_size=len(samples), **kwargs)))

    with pytest.raises(RuntimeError, match=r"equal size.*sample\[1\] has lengths \[2, 1\]"):
        first_batch([(0, (1, 2)), (0, (3,))])
    with pytest.raises(RuntimeError, match=r"sample\[0\]\['x'\] has different shapes.*\(2,\)"):
        first_batch([({"x": np.zeros(2)},), ({"x": np.zeros(3)},)])
    with pytest.raises(RuntimeError, match="different keys"):
        first_batch([{"x": 1}, {"y": 1}])
    with pytest.raises(TypeError, match=r"sample\[1\] mixes float, int"):
        first_batch([(0, 1), (0, 2.5)])  # PyTorch: float32 here, float64 if 2.5 came first
    with pytest.raises(TypeError, match=r"sample\[1\] is a NoneType"):
        first_batch([(0, None), (0, None)])
    with pytest.raises(TypeError, match="dtype <U"):
        first_batch([np.array(["a"]), np.array(["b"])])
    with pytest.raises(TypeError, match="transform needs an array.*tuple"):
        first_batch(COLLATE_CASES["nested tuple"], target_transform=OneHot(3))


def test_per_sample_collation_matches_torch_default_collate():
    torch = pytest.importorskip("torch")

    def check(ours, theirs, where):
        if isinstance(theirs, torch.Tensor):
            assert isinstance(ours, Tensor), where
            assert ours.dtype == theirs.numpy().dtype and ours.shape == tuple(theirs.shape), where
            np.testing.assert_array_equal(ours.data, theirs.numpy(), err_msg=where)
        elif isinstance(theirs, dict):
            assert type(ours) is dict and list(ours) == list(theirs), where
            for k in theirs:
                check(ours[k], theirs[k], f"{where}[{k!r}]")
        elif isinstance(theirs, list | tuple):
            # The one difference: PyTorch turns a tuple sample's fields into a list.
            assert type(ours) is type(theirs) or (type(ours), type(theirs)) == (tuple, list), where
            assert len(ours) == len(theirs), where
            for k, (o, t) in enumerate(zip(ours, theirs)):
                check(o, t, f"{where}[{k}]")
        else:
            assert ours == theirs and type(ours) is type(theirs), where

    for name, samples in COLLATE_CASES.items():
        for batch_size in (1, 2):
            ours = list(DataLoader(samples, batch_size=batch_size))
            theirs = list(torch.utils.data.DataLoader(samples, batch_size=batch_size))
            assert len(ours) == len(theirs)
            check(ours, theirs, f"{name}, batch_size={batch_size}")
    # Where glassgrad raises, so does PyTorch (with the same error type).
    for samples in ([(0, (1, 2)), (0, (3,))], [np.zeros(2), np.zeros(3)]):
        with pytest.raises(RuntimeError):
            next(iter(torch.utils.data.DataLoader(samples, batch_size=2)))
        with pytest.raises(RuntimeError):
            next(iter(DataLoader(samples, batch_size=2)))


def test_transforms_apply_to_inputs_only_and_tensors_or_arrays():
    x = np.ones((6, 2, 2), np.float32)
    t = np.arange(6) % 3
    loader = DataLoader(
        ArrayDataset(x, t),
        batch_size=4,
        transform=Compose([lambda b: b * 3, Flatten()]),
        target_transform=OneHot(3),
    )
    xb, tb = next(iter(loader))
    assert xb.shape == (4, 4) and np.all(xb == 3)
    np.testing.assert_array_equal(tb, np.eye(3, dtype=np.float32)[t[:4]])
    assert np.all(x == 1)
    # Tensors by default, as PyTorch's loader gives; the arrays themselves with as_tensor=False.
    assert isinstance(xb, Tensor) and isinstance(tb, Tensor)
    xt, tt = next(iter(DataLoader(ArrayDataset(x, t), batch_size=4)))
    assert isinstance(xt, Tensor) and isinstance(tt, Tensor)
    assert xt.shape == (4, 2, 2) and xt.dtype == np.float32 and tt.dtype == t.dtype
    assert not xt.requires_grad and tt.shape == (4,)
    xa, ta = next(iter(DataLoader(ArrayDataset(x, t), batch_size=4, as_tensor=False)))
    assert type(xa) is np.ndarray and type(ta) is np.ndarray
    np.testing.assert_array_equal(xa, xt.data)


def test_batches_are_writeable_copies():
    x = np.zeros((4, 2), np.float32)
    (xb,) = next(iter(DataLoader(ArrayDataset(x), batch_size=4, as_tensor=False)))
    xb += 1
    (xt,) = next(iter(DataLoader(ArrayDataset(x), batch_size=4)))
    xt.add_(1)
    assert np.all(xb == 1) and np.all(xt.data == 1) and np.all(x == 0)


def _loader_gradients(lib, data, mode):
    """Sum of (x_b ** 2).sum() over a loader's batches, backpropagated: the gradients reach
    x (and w) through the dataset and the batching. `mode`: the data as a TensorDataset
    (vectorised batches), as a list of per-sample tuples computed from x (collated), or x
    itself."""
    x = lib.tensor(np.arange(10.0).reshape(5, 2), requires_grad=True)
    w = lib.tensor([1.0, -2.0], requires_grad=True)
    if mode == "TensorDataset":
        dataset = data.TensorDataset(x, lib.tensor(np.arange(5)))
    elif mode == "samples":
        dataset = [(x[i] * w, i) for i in range(5)]
    else:
        dataset = x
    for batch in data.DataLoader(dataset, batch_size=2):
        xb = batch[0] if isinstance(batch, tuple | list) else batch
        (xb * xb).sum().backward()
    return np.asarray(x.grad.tolist()), None if w.grad is None else np.asarray(w.grad.tolist())


@pytest.mark.parametrize("mode", ["TensorDataset", "samples", "tensor"])
def test_samples_of_tensors_that_require_grad_stay_in_the_graph(mode):
    # Before: the dataset and the collation went through numpy, so a backward never reached x.
    import autodiff
    from nn import data

    x_grad, w_grad = _loader_gradients(autodiff, data, mode)
    x = np.arange(10.0).reshape(5, 2)
    if mode == "samples":  # d/dx sum((x * w)**2) = 2 x w**2
        np.testing.assert_allclose(x_grad, 2 * x * np.array([1.0, 4.0]))
        np.testing.assert_allclose(w_grad, 2 * (x * x).sum(0) * np.array([1.0, -2.0]))
    else:
        np.testing.assert_allclose(x_grad, 2 * x)
        assert w_grad is None


@pytest.mark.parametrize("mode", ["TensorDataset", "samples", "tensor"])
def test_samples_of_tensors_that_require_grad_match_torch(mode):
    torch = pytest.importorskip("torch")
    import autodiff
    from nn import data

    ours = _loader_gradients(autodiff, data, mode)
    theirs = _loader_gradients(torch, torch.utils.data, mode)
    for a, b in zip(ours, theirs, strict=True):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b)


def test_tensor_dataset_tensors_and_recorded_samples():
    import autodiff

    x = autodiff.tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    t = np.arange(3)
    ds = TensorDataset(x, t)
    assert ds.tensors[0] is x and isinstance(ds.tensors[1], Tensor)
    np.testing.assert_array_equal(ds.tensors[1].data, t)
    xi, ti = ds[-1]
    assert xi.requires_grad and xi.grad_fn is not None and not ti.requires_grad
    np.testing.assert_array_equal(xi.data, [4.0, 5.0])
    with pytest.raises(IndexError, match="out of range"):
        ds[3]
    with pytest.raises(TypeError, match="transform= .* would drop the gradient"):
        TensorDataset(x, t, transform=lambda b: b)
    # A numpy transform in the loader would drop it too: refused, naming it.
    with pytest.raises(TypeError, match="transform works on numpy arrays.*requires grad"):
        next(iter(DataLoader(ds, batch_size=2, transform=lambda b: b)))


def test_loader_argument_errors():
    ds = ArrayDataset(np.arange(4))
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(ds, batch_size=0)
    with pytest.raises(TypeError, match="batch_size"):
        DataLoader(ds, batch_size=2.0)
    with pytest.raises(TypeError, match=r"batch_size=None \(PyTorch's unbatched loading"):
        DataLoader(ds, batch_size=None)
    with pytest.raises(ValueError, match="epoch"):
        DataLoader(ds).set_epoch(-1)
    with pytest.raises(ValueError, match="target_transform"):
        next(iter(DataLoader(ds, target_transform=OneHot(4))))


def write_fake_mnist(directory: Path, n_train: int = 70, n_test: int = 10) -> None:
    rng = np.random.default_rng(0)
    images_train, labels_train, images_test, labels_test = MNIST_FILES
    directory.mkdir(parents=True, exist_ok=True)
    write_idx(directory / images_train, rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8))
    write_idx(directory / labels_train, rng.integers(0, 10, n_train, dtype=np.uint8))
    write_idx(directory / images_test, rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8))
    write_idx(directory / labels_test, rng.integers(0, 10, n_test, dtype=np.uint8))


def check_mnist_loader(ds: MNIST, batch_size: int = 64) -> None:
    assert is_array_backed(ds)
    loader = DataLoader(ds, batch_size=batch_size, shuffle=True, seed=0)
    assert loader.vectorised
    batches = iter(loader)
    for _ in range(min(3, len(loader) - 1)):
        x, t = next(batches)
        assert x.shape == (batch_size, 1, 28, 28) and x.dtype == np.float32
        assert t.shape == (batch_size,) and t.dtype == np.int64
        assert x.min() >= 0 and x.max() <= 1 and x.data.flags.writeable
    # Augmentation on MNIST-shaped batches keeps shape and dtype.
    aug = Compose([RandomRotation(20, seed=0), RandomShift(2, seed=0), Normalize(0.5, 0.5)])
    assert aug(x).shape == x.shape and aug(x).dtype == np.float32


def test_mnist_dataset_is_batched_vectorised(tmp_path):
    write_fake_mnist(tmp_path)
    check_mnist_loader(MNIST(tmp_path), batch_size=16)


def test_loader_over_real_mnist():
    if not REAL_MNIST.is_dir():
        pytest.skip(f"real MNIST files not available at {REAL_MNIST}")
    check_mnist_loader(MNIST(REAL_MNIST, train=False))


# ----------------------------------------------------------------------------- train_test_split


def test_split_sizes_and_order():
    a = np.arange(10)
    b = np.arange(10) * 10
    a_train, a_test, b_train, b_test = train_test_split(a, b, seed=0)
    assert (len(a_train), len(a_test)) == (7, 3)  # ceil(0.25 * 10) = 3 test samples
    np.testing.assert_array_equal(b_train, a_train * 10)  # same indices for every array
    np.testing.assert_array_equal(b_test, a_test * 10)
    np.testing.assert_array_equal(np.sort(np.concatenate([a_train, a_test])), a)
    assert [len(p) for p in train_test_split(a, test_size=4, seed=0)] == [6, 4]
    assert [len(p) for p in train_test_split(a, test_size=0.01, seed=0)] == [9, 1]
    x2 = np.zeros((10, 3, 2))
    assert train_test_split(x2, test_size=0.5)[1].shape == (5, 3, 2)


def test_split_without_shuffle_keeps_order():
    train, test = train_test_split(np.arange(8), test_size=0.25, shuffle=False)
    np.testing.assert_array_equal(train, np.arange(6))
    np.testing.assert_array_equal(test, [6, 7])


def test_split_is_reproducible():
    a = np.arange(100)
    first = train_test_split(a, seed=5)
    again = train_test_split(a, seed=5)
    other = train_test_split(a, seed=6)
    for p, q in zip(first, again):
        np.testing.assert_array_equal(p, q)
    assert not np.array_equal(first[1], other[1])


def test_split_stratify_keeps_class_proportions():
    y = np.repeat([0, 1, 2], [20, 30, 50])
    x = np.arange(100)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, stratify=y, seed=1)
    np.testing.assert_array_equal(np.bincount(y_test), [4, 6, 10])
    np.testing.assert_array_equal(np.bincount(y_train), [16, 24, 40])
    np.testing.assert_array_equal(y[x_test], y_test)  # rows stay aligned
    # Non-integral shares still total exactly n_test, each class within one of its share.
    y = np.repeat([0, 1, 2], [7, 11, 13])
    _, y_test = train_test_split(y, test_size=10, stratify=y, seed=0)
    assert len(y_test) == 10
    share = np.array([7, 11, 13]) * 10 / 31
    assert np.all(np.abs(np.bincount(y_test) - share) < 1)
    # Reproducible; one-hot rows stratify like their class labels.
    onehot = np.eye(3)[y]
    s1 = train_test_split(x[:31], test_size=10, stratify=y, seed=3)
    s2 = train_test_split(x[:31], test_size=10, stratify=onehot, seed=3)
    np.testing.assert_array_equal(s1[1], s2[1])


def test_split_errors():
    with pytest.raises(ValueError, match="inconsistent numbers of samples: 10, 9"):
        train_test_split(np.zeros(10), np.zeros(9))
    with pytest.raises(ValueError, match="stratify 8"):
        train_test_split(np.zeros(10), stratify=np.zeros(8))
    for bad in (0.0, 1.0, 1.5, -0.1, 0, 10, 11):
        with pytest.raises(ValueError, match="test_size"):
            train_test_split(np.zeros(10), test_size=bad)
    with pytest.raises(TypeError, match="test_size"):
        train_test_split(np.zeros(10), test_size="0.2")
    with pytest.raises(ValueError, match="shuffle=True"):
        train_test_split(np.zeros(10), stratify=np.arange(10) % 2, shuffle=False)
    with pytest.raises(ValueError, match="only 1 sample"):
        train_test_split(np.zeros(5), stratify=[0, 0, 1, 1, 2], test_size=3)
    with pytest.raises(ValueError, match="number of classes"):
        train_test_split(np.zeros(9), stratify=np.arange(9) % 3, test_size=2)
    with pytest.raises(ValueError, match="at least one array"):
        train_test_split()


# ----------------------------------------------------------------------------- transforms


def test_normalize_scalar_and_per_channel():
    x = np.arange(2 * 3 * 2 * 2, dtype=np.float32).reshape(2, 3, 2, 2)
    out = Normalize(0.5, 2.0)(x)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, (x - 0.5) / 2.0)
    mean, std = [1.0, 2.0, 3.0], [1.0, 0.5, 0.25]
    out = Normalize(mean, std)(x)
    assert out.dtype == np.float32
    for c in range(3):
        np.testing.assert_allclose(out[:, c], (x[:, c] - mean[c]) / std[c])
    assert Normalize(0.0, 1.0)(x.astype(np.float64)).dtype == np.float64
    assert Normalize(0.0, 255.0)(np.full((2, 4), 255, np.uint8)).dtype == np.float32
    with pytest.raises(ValueError, match=r"\(N, 3, \.\.\.\)"):
        Normalize(mean, std)(np.zeros((2, 4, 2, 2), np.float32))
    with pytest.raises(ValueError, match="positive"):
        Normalize(0.0, [1.0, 0.0])


def test_flatten_and_compose():
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    np.testing.assert_array_equal(Flatten()(x), x.reshape(2, 12))
    pipeline = Compose([Flatten(), Normalize(1.0, 2.0)])
    np.testing.assert_allclose(pipeline(x), (x.reshape(2, 12) - 1) / 2)


def test_one_hot():
    out = OneHot(4)(np.array([2, 0, 3]))
    np.testing.assert_array_equal(out, [[0, 0, 1, 0], [1, 0, 0, 0], [0, 0, 0, 1]])
    assert out.dtype == np.float32
    assert OneHot(3, dtype=np.int64)(np.array([1], np.uint8)).dtype == np.int64
    with pytest.raises(ValueError, match=r"0\.\.3"):
        OneHot(4)(np.array([4]))
    with pytest.raises(ValueError, match="integers"):
        OneHot(4)(np.array([1.0]))


def blobs(n: int = 4, size: int = 28, seed: int = 0) -> np.ndarray:
    """(n, size, size) float32 random images that vanish towards the border (like digits)."""
    rng = np.random.default_rng(seed)
    r = np.hypot(*np.meshgrid(np.arange(size) - (size - 1) / 2, np.arange(size) - (size - 1) / 2))
    return (rng.random((n, size, size)) * (r < size / 3)).astype(np.float32)


def reference_rotate(image: np.ndarray, degrees: float) -> np.ndarray:
    """One image, one pixel at a time: the textbook inverse-mapping bilinear rotation."""
    h, w = image.shape
    cy, cx = (h - 1) / 2, (w - 1) / 2
    th = math.radians(degrees)

    def pixel(r, c):
        return image[r, c] if 0 <= r < h and 0 <= c < w else 0.0

    out = np.zeros((h, w))
    for i in range(h):
        for j in range(w):
            # Counter-clockwise on screen (rows grow downwards): rotate the offset back.
            sy = cy + (i - cy) * math.cos(th) + (j - cx) * math.sin(th)
            sx = cx + (j - cx) * math.cos(th) - (i - cy) * math.sin(th)
            y0, x0 = math.floor(sy), math.floor(sx)
            fy, fx = sy - y0, sx - x0
            out[i, j] = (
                pixel(y0, x0) * (1 - fy) * (1 - fx)
                + pixel(y0, x0 + 1) * (1 - fy) * fx
                + pixel(y0 + 1, x0) * fy * (1 - fx)
                + pixel(y0 + 1, x0 + 1) * fy * fx
            )
    return out


def test_rotate_by_90_is_rot90_in_every_layout():
    x = blobs(3, size=9)
    expected = np.rot90(x, axes=(1, 2))
    np.testing.assert_allclose(rotate(x, 90), expected, atol=1e-5)
    np.testing.assert_allclose(rotate(x[:, None], 90)[:, 0], expected, atol=1e-5)
    flat = rotate(x.reshape(3, 81), 90, image_shape=(9, 9))
    assert flat.shape == (3, 81)
    np.testing.assert_allclose(flat.reshape(3, 9, 9), expected, atol=1e-5)
    np.testing.assert_allclose(rotate(x, -90), np.rot90(x, k=-1, axes=(1, 2)), atol=1e-5)
    # Even sizes rotate about the centre between pixels, also exactly.
    y = blobs(2, size=8)
    np.testing.assert_allclose(
        RandomRotation((90, 90), seed=0)(y), np.rot90(y, axes=(1, 2)), atol=1e-5
    )


def test_rotate_matches_a_per_pixel_reference():
    x = blobs(3, size=7, seed=1)
    angles = np.array([30.0, -12.5, 137.0])
    out = rotate(x, angles)
    for img, angle, got in zip(x, angles, out):
        np.testing.assert_allclose(got, reference_rotate(img, angle), atol=1e-5)
    # Several channels turn together by the image's angle.
    two = np.stack([x, 2 * x], axis=1)
    np.testing.assert_allclose(rotate(two, angles)[:, 1], 2 * out, atol=1e-5)


def test_rotation_identity_mass_and_independence():
    x = blobs(16)
    np.testing.assert_array_equal(RandomRotation(0, seed=0)(x), x)
    np.testing.assert_array_equal(rotate(x, 0.0), x)
    out = RandomRotation(20, seed=0)(x)
    assert out.shape == x.shape
    np.testing.assert_allclose(out.sum(axis=(1, 2)), x.sum(axis=(1, 2)), rtol=0.03)
    # Each image gets its own angle: identical inputs come out different.
    same = np.repeat(x[:1], 4, axis=0)
    turned = RandomRotation(20, seed=1)(same)
    assert len({t.tobytes() for t in turned}) == 4
    # The angles lie in the range: every result matches rotating by one angle within it.
    rng = np.random.default_rng(1)
    angles = rng.uniform(-20, 20, 4)
    np.testing.assert_allclose(turned, rotate(same, angles), atol=1e-6)
    # Seeded transforms replay.
    np.testing.assert_array_equal(RandomRotation(20, seed=5)(x), RandomRotation(20, seed=5)(x))


def test_rotation_and_shift_keep_dtype():
    x = blobs(2, size=6)
    for dtype in (np.float32, np.float64, np.uint8):
        images = (x * 255).astype(dtype)
        assert RandomRotation(20, seed=0)(images).dtype == dtype
        assert RandomShift(2, seed=0)(images).dtype == dtype
        assert rotate(images, 33.0).dtype == dtype
    as_uint8 = (x * 255).astype(np.uint8)
    np.testing.assert_array_equal(rotate(as_uint8, 90), np.rot90(as_uint8, axes=(1, 2)))


def test_rotation_errors():
    with pytest.raises(ValueError, match="image_shape"):
        rotate(np.zeros((2, 784), np.float32), 10)
    with pytest.raises(ValueError, match="does not hold"):
        rotate(np.zeros((2, 785), np.float32), 10, image_shape=(28, 28))
    with pytest.raises(ValueError, match=">= 0"):
        RandomRotation(-5)
    with pytest.raises(ValueError, match="lo <= hi"):
        RandomRotation((10, -10))


def test_shift_moves_pixels_and_fills():
    x = np.arange(1, 10, dtype=np.float32).reshape(1, 3, 3)
    np.testing.assert_array_equal(shift(x, 1, 0)[0], [[0, 0, 0], [1, 2, 3], [4, 5, 6]])
    np.testing.assert_array_equal(shift(x, 0, -1)[0], [[2, 3, 0], [5, 6, 0], [8, 9, 0]])
    np.testing.assert_array_equal(
        shift(x, -1, 1, fill=-1)[0], [[-1, 4, 5], [-1, 7, 8], [-1, -1, -1]]
    )
    np.testing.assert_array_equal(shift(x, 5, 0)[0], np.zeros((3, 3)))
    two = np.concatenate([x, x])
    out = shift(two, np.array([1, -1]), np.array([0, 0]))
    np.testing.assert_array_equal(out[0], shift(x, 1, 0)[0])
    np.testing.assert_array_equal(out[1], shift(x, -1, 0)[0])
    flat = shift(x.reshape(1, 9), 1, 0, image_shape=(3, 3))
    np.testing.assert_array_equal(flat.reshape(3, 3), shift(x, 1, 0)[0])


def test_random_shift_draws_offsets_within_range():
    x = blobs(8, size=12)
    np.testing.assert_array_equal(RandomShift(0, seed=0)(x), x)
    out = RandomShift(2, seed=3)(x)
    rng = np.random.default_rng(3)  # the transform draws all dy, then all dx
    dy, dx = rng.integers(-2, 3, 8), rng.integers(-2, 3, 8)
    np.testing.assert_array_equal(out, shift(x, dy, dx))
    assert np.all(np.abs(dy) <= 2) and len(set(zip(dy, dx))) > 1
    four_d = RandomShift((1, 0), seed=3)(x[:, None])
    assert four_d.shape == (8, 1, 12, 12)
    with pytest.raises(ValueError, match="max_shift"):
        RandomShift(-1)
