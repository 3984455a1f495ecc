"""nn.train.checkpoint: round trips that continue training identically, atomic writes, and
clear errors for mismatched, corrupt or foreign files."""

from __future__ import annotations

import hashlib
import os
import zipfile

import numpy as np
import pytest

import autodiff
import nn
from autodiff import Tensor
from nn import optim
from nn.train import (
    CheckpointError,
    EarlyStopping,
    History,
    load_checkpoint,
    read_checkpoint,
    save_checkpoint,
)

RNG = np.random.default_rng(0)
X = RNG.normal(size=(32, 4)).astype(np.float32)
T = RNG.integers(0, 3, 32)


def make(seed: int = 0, hidden: int = 8):
    nn.init.manual_seed(seed)
    model = nn.Sequential(nn.Linear(4, hidden), nn.ReLU(), nn.Linear(hidden, 3))
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    scheduler = optim.StepLR(optimizer, step_size=2, gamma=0.5)
    return model, optimizer, scheduler


def train_steps(model, optimizer, scheduler, steps: int, offset: int = 0) -> None:
    criterion = nn.CrossEntropyLoss()
    for i in range(offset, offset + steps):
        batch = slice(8 * (i % 4), 8 * (i % 4) + 8)
        optimizer.zero_grad()
        criterion(model(Tensor(X[batch])), T[batch]).backward()
        optimizer.step()
        scheduler.step()


def params(model) -> dict[str, np.ndarray]:
    return model.state_dict()


# ------------------------------------------------------------------------ round trip
def test_round_trip_continues_training_identically(tmp_path):
    model, optimizer, scheduler = make(seed=0)
    train_steps(model, optimizer, scheduler, 3)
    history = History({"loss": [2.0, 1.5, 1.2], "train_loss": [1.6], "val_acc": [0.5]})
    stopper = EarlyStopping(patience=2)
    stopper.step(0.9, model)
    path = save_checkpoint(
        tmp_path / "run.npz",
        model,
        optimizer,
        history=history,
        early_stopping=stopper,
        scheduler=scheduler,
        epoch=3,
        note="three steps",
        config={"lr": 0.01, "sizes": np.array([4, 8, 3])},
    )
    assert path == tmp_path / "run.npz"

    clone, clone_opt, clone_sched = make(seed=1)  # different weights, fresh state
    clone_stopper = EarlyStopping(patience=7)
    ckpt = load_checkpoint(path, clone, clone_opt, clone_stopper, clone_sched)
    for name, value in params(model).items():
        np.testing.assert_array_equal(params(clone)[name], value)
    assert ckpt.history == history
    assert ckpt.extra["epoch"] == 3 and ckpt.extra["note"] == "three steps"
    assert ckpt.extra["config"]["lr"] == 0.01
    np.testing.assert_array_equal(ckpt.extra["config"]["sizes"], [4, 8, 3])
    assert clone_stopper.state_dict().keys() == stopper.state_dict().keys()
    assert clone_stopper.patience == 2 and clone_stopper.best == pytest.approx(0.9)
    assert clone_sched.last_epoch == scheduler.last_epoch
    assert clone_opt.param_groups[0]["lr"] == optimizer.param_groups[0]["lr"]

    # Both go on for three more steps: bit-for-bit the same (Adam's moments and step count,
    # and the scheduler's position, came back too).
    train_steps(model, optimizer, scheduler, 3, offset=3)
    train_steps(clone, clone_opt, clone_sched, 3, offset=3)
    for name, value in params(model).items():
        np.testing.assert_array_equal(params(clone)[name], value)


def test_the_file_is_a_plain_npz_with_documented_keys(tmp_path):
    model, optimizer, _ = make()
    train_steps(model, optimizer, optim.StepLR(optimizer, 1), 1)
    save_checkpoint(tmp_path / "c.npz", model, optimizer, history=History({"loss": [1.0]}))
    with np.load(tmp_path / "c.npz", allow_pickle=False) as archive:
        keys = set(archive.files)
        assert str(archive["__format__"]) == "glassgrad-checkpoint 2"
        assert list(archive["__sections__"]) == ["model", "optimizer", "history"]
        manifest = dict(archive["__manifest__"])
        assert archive["optimizer/state/0/step"].shape == ()
    assert {"model/0.weight", "model/2.bias", "optimizer/state/0/exp_avg"} <= keys
    assert {"optimizer/param_groups/0/lr", "optimizer/param_groups/0/betas", "history/loss"} <= keys
    # The manifest holds the SHA-256 of every other member's bytes, as stored in the zip.
    assert set(manifest) == keys - {"__manifest__"}
    with zipfile.ZipFile(tmp_path / "c.npz") as archive:
        for key, digest in manifest.items():
            assert hashlib.sha256(archive.read(key + ".npy")).hexdigest() == digest


def test_sections_not_saved_are_none_and_empty_state_survives(tmp_path):
    model, optimizer, _ = make()  # the optimizer has no per-parameter state yet
    save_checkpoint(tmp_path / "c.npz", model, optimizer)
    ckpt = read_checkpoint(tmp_path / "c.npz")
    assert ckpt.history is None and ckpt.early_stopping is None and ckpt.extra == {}
    assert ckpt.optimizer["state"] == {}
    fresh_model, fresh_opt, _ = make(seed=3)
    load_checkpoint(tmp_path / "c.npz", fresh_model, fresh_opt)
    assert fresh_opt.state == {}


# ---------------------------------------------------------------------- atomic write
@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt()])
def test_a_failure_mid_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch, error):
    model, optimizer, _ = make()
    path = tmp_path / "run.npz"
    save_checkpoint(path, model, optimizer, epoch=1)
    before = path.read_bytes()
    write_array = np.lib.format.write_array
    calls = []

    def failing_write_array(fp, array, *args, **kwargs):
        calls.append(1)
        if len(calls) == 3:  # some members are out already: half an archive on disk
            assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
            raise error
        return write_array(fp, array, *args, **kwargs)

    monkeypatch.setattr(np.lib.format, "write_array", failing_write_array)
    with pytest.raises(type(error)):
        save_checkpoint(path, model, optimizer, epoch=2)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["run.npz"]  # no temporary file left behind
    monkeypatch.undo()
    assert read_checkpoint(path).extra["epoch"] == 1


def test_unstorable_values_fail_before_writing(tmp_path):
    model, _, _ = make()
    path = tmp_path / "run.npz"
    with pytest.raises(TypeError, match="'extra/note'.*without pickling"):
        save_checkpoint(path, model, note=None)
    with pytest.raises(ValueError, match="'a/b'"):
        save_checkpoint(path, model, config={"a/b": 1})
    assert not path.exists() and os.listdir(tmp_path) == []


def test_written_file_has_ordinary_permissions(tmp_path):
    model, _, _ = make()
    save_checkpoint(tmp_path / "c.npz", model)
    mask = os.umask(0)
    os.umask(mask)
    assert (tmp_path / "c.npz").stat().st_mode & 0o777 == 0o666 & ~mask


# ---------------------------------------------------------------------------- errors
def test_shape_mismatch_names_the_key_and_both_shapes(tmp_path):
    model, _, _ = make(hidden=8)
    save_checkpoint(tmp_path / "c.npz", model)
    other, _, _ = make(hidden=5)
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(tmp_path / "c.npz", other)
    message = str(info.value)
    assert "c.npz" in message and "0.weight" in message
    assert "(5, 4)" in message and "(8, 4)" in message


def test_key_mismatch_and_strict(tmp_path):
    model, _, _ = make()
    save_checkpoint(tmp_path / "c.npz", model)
    bigger = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3), nn.Linear(3, 3))
    with pytest.raises(CheckpointError, match="missing keys: 3.weight, 3.bias"):
        load_checkpoint(tmp_path / "c.npz", bigger)
    load_checkpoint(tmp_path / "c.npz", bigger, strict=False)
    np.testing.assert_array_equal(bigger[0].weight.data, model[0].weight.data)


def test_a_failing_optimizer_load_puts_the_model_back(tmp_path):
    model, optimizer, scheduler = make(seed=0)
    train_steps(model, optimizer, scheduler, 2)
    save_checkpoint(tmp_path / "c.npz", model, optimizer)
    target, _, _ = make(seed=5)
    before = params(target)
    wrong = optim.SGD(target.parameters(), lr=0.1, momentum=0.9)  # other state names
    with pytest.raises(CheckpointError, match="optimizer does not fit"):
        load_checkpoint(tmp_path / "c.npz", target, wrong)
    for name, value in before.items():
        np.testing.assert_array_equal(params(target)[name], value)


def test_asking_for_a_section_that_was_not_saved(tmp_path):
    model, optimizer, _ = make()
    save_checkpoint(tmp_path / "c.npz", model)
    with pytest.raises(CheckpointError, match="no optimizer or early_stopping state"):
        load_checkpoint(tmp_path / "c.npz", model, optimizer, EarlyStopping())


def test_truncated_and_corrupt_files_name_the_file(tmp_path):
    model, optimizer, _ = make()
    good = tmp_path / "good.npz"
    save_checkpoint(good, model, optimizer)
    data = good.read_bytes()

    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="truncated.npz: cannot read"):
        load_checkpoint(truncated, model)

    flipped = bytearray(data)
    flipped[len(data) // 3] ^= 0xFF  # inside some array's bytes: the CRC catches it
    corrupt = tmp_path / "corrupt.npz"
    corrupt.write_bytes(bytes(flipped))
    with pytest.raises(CheckpointError, match="corrupt.npz"):
        read_checkpoint(corrupt)

    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"this is not an archive at all")
    with pytest.raises(CheckpointError, match="garbage.npz"):
        read_checkpoint(garbage)

    with pytest.raises(FileNotFoundError):
        read_checkpoint(tmp_path / "missing.npz")


def test_foreign_and_pickled_files_are_refused(tmp_path):
    plain = tmp_path / "plain.npz"
    np.savez(plain, weights=np.ones(3))
    with pytest.raises(CheckpointError, match="plain.npz: not a glassgrad checkpoint"):
        read_checkpoint(plain)

    single = tmp_path / "single.npy"
    np.save(single, np.ones(3))
    with pytest.raises(CheckpointError, match="single.npy"):
        read_checkpoint(single)

    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, __format__=np.array("glassgrad-checkpoint 1"), x=np.array([{"a": 1}]))
    with pytest.raises(CheckpointError, match="pickled.npz"):
        read_checkpoint(pickled)


def test_early_stopping_best_weights_round_trip(tmp_path):
    model, _, _ = make(seed=0)
    stopper = EarlyStopping(patience=3)
    stopper.step(0.5, model)
    stopper.step(0.7, model)
    save_checkpoint(tmp_path / "c.npz", model, early_stopping=stopper)
    restored = EarlyStopping()
    load_checkpoint(tmp_path / "c.npz", None, early_stopping=restored)
    assert restored.counter == 1 and restored.best_epoch == 0 and restored.epoch == 2
    other, _, _ = make(seed=9)
    assert restored.restore(other)
    with autodiff.no_grad():
        for name, value in params(model).items():
            np.testing.assert_array_equal(params(other)[name], value)
