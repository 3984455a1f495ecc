"""nn.train.Trainer, History, callbacks and EarlyStopping on a tiny synthetic problem: three
Gaussian blobs in 2-D, a small MLP with dropout, batches of 16."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest

import autodiff
import nn
import viz
from autodiff import Tensor
from nn import optim
from nn.data import ArrayDataset, DataLoader
from nn.train import (
    Callback,
    CheckpointError,
    EarlyStopping,
    History,
    LambdaCallback,
    ModelCheckpoint,
    Trainer,
    read_checkpoint,
)
from nn.train.progress import summary_line

CENTRES = np.array([[0.0, 2.0], [2.0, -1.0], [-2.0, -1.0]])


def blobs(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    points = CENTRES[labels] + rng.normal(scale=0.8, size=(n, 2))
    return points.astype(np.float32), labels


X_TRAIN, T_TRAIN = blobs(64, seed=0)
X_VAL, T_VAL = blobs(40, seed=1)


def model_with_dropout(seed: int = 0) -> nn.Sequential:
    nn.init.manual_seed(seed)
    return nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 3))


def make_trainer(
    epochs: int = 3, seed: int | None = 0, model_seed: int = 0, lr: float = 0.1, **kwargs
) -> Trainer:
    model = kwargs.pop("model", None) or model_with_dropout(model_seed)
    optimizer = kwargs.pop("optimizer", None) or optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    train = DataLoader(ArrayDataset(X_TRAIN, T_TRAIN), batch_size=16, shuffle=True, seed=0)
    val = kwargs.pop("val_loader", DataLoader(ArrayDataset(X_VAL, T_VAL), batch_size=16))
    kwargs.setdefault("progress", False)
    return Trainer(
        model, nn.CrossEntropyLoss(), optimizer, train, val, epochs=epochs, seed=seed, **kwargs
    )


# --------------------------------------------------------------------------- history
def test_history_has_one_loss_per_iteration_and_one_value_per_epoch():
    trainer = make_trainer(epochs=3)
    history = trainer.fit()
    assert history is trainer.history and trainer.epoch == 3
    assert list(history) == ["loss", "train_loss", "train_acc", "val_loss", "val_acc", "lr"]
    assert len(history["loss"]) == 3 * 4  # 64 samples in batches of 16
    assert all(len(history[k]) == 3 for k in history if k != "loss")
    assert history.epochs == 3 and history.iterations == 12
    # Equal batches: the epoch's train loss is the mean of its four batch losses.
    per_epoch = np.array(history["loss"]).reshape(3, 4).mean(axis=1)
    np.testing.assert_allclose(history["train_loss"], per_epoch, rtol=1e-12)
    assert all(0 <= a <= 1 for a in history["train_acc"] + history["val_acc"])
    assert history["lr"] == [0.1, 0.1, 0.1]
    assert history["val_acc"][-1] > 0.8  # the blobs are easy
    # The last epoch's validation values are those of the final weights.
    final = trainer.evaluate(trainer.val_loader)
    assert final == {"loss": history["val_loss"][-1], "acc": history["val_acc"][-1]}


def test_history_is_what_plot_history_draws_and_round_trips_through_arrays():
    history = make_trainer(epochs=2).fit()
    fig = viz.plot_history(history)
    loss_ax, acc_ax = fig.axes
    labels = [line.get_label() for line in loss_ax.lines]
    assert labels == ["loss per iteration", "train loss", "validation loss"]
    assert [line.get_label() for line in acc_ax.lines] == ["train accuracy", "validation accuracy"]

    arrays = history.to_arrays()
    assert all(a.dtype == np.float64 and a.ndim == 1 for a in arrays.values())
    again = History.from_arrays(arrays)
    assert again == history and dict(again) == dict(history)
    assert "epochs=2" in repr(history)


def test_history_refuses_misaligned_epochs():
    history = History()
    history.log_epoch({"train_loss": 1.0, "val_loss": 2.0})
    with pytest.raises(ValueError, match="earlier epochs logged"):
        history.log_epoch({"train_loss": 0.5})
    with pytest.raises(ValueError, match="per-iteration"):
        History().log_epoch({"loss": 1.0})


def test_scheduler_is_stepped_once_per_epoch_and_the_lr_logged():
    model = model_with_dropout()
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    scheduler = optim.StepLR(optimizer, step_size=1, gamma=0.5)
    history = make_trainer(epochs=3, model=model, optimizer=optimizer, scheduler=scheduler).fit()
    np.testing.assert_allclose(history["lr"], [0.1, 0.05, 0.025])
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.0125)


def test_reduce_lr_on_plateau_is_stepped_with_the_validation_loss():
    model = model_with_dropout()
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    # patience 0 and a threshold no loss beats: every epoch after the first is "bad"
    scheduler = optim.ReduceLROnPlateau(optimizer, patience=0, factor=0.5, threshold=0.99)
    history = make_trainer(epochs=3, model=model, optimizer=optimizer, scheduler=scheduler).fit()
    assert scheduler.best == history["val_loss"][0] and scheduler.last_epoch == 3
    np.testing.assert_allclose(history["lr"], [0.1, 0.1, 0.05])
    # without validation, the training loss
    model = model_with_dropout()
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    scheduler = optim.ReduceLROnPlateau(optimizer)
    history = make_trainer(
        epochs=2, model=model, optimizer=optimizer, scheduler=scheduler, val_loader=None
    ).fit()
    assert scheduler.best == min(history["train_loss"])


def test_regression_metrics_and_no_validation():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(48, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5]], dtype=np.float32)).astype(np.float32)
    nn.init.manual_seed(0)
    model = nn.Linear(3, 1)
    trainer = Trainer(
        model,
        nn.MSELoss(),
        optim.SGD(model.parameters(), lr=0.1),
        DataLoader(ArrayDataset(x, y), batch_size=16),
        epochs=20,
        metrics=("mae", "rmse"),
        progress=False,
    )
    history = trainer.fit()
    assert set(history) == {"loss", "train_loss", "train_mae", "train_rmse", "lr"}
    # With MSE and equal batches, the epoch's RMSE is the root of its mean batch loss. The loss
    # is a float32 mean of 16 float32 squares (relative error below ~18 eps32 = 2.1e-6, halved
    # by the root); the metric sums the same errors in float64.
    np.testing.assert_allclose(history["train_rmse"], np.sqrt(history["train_loss"]), rtol=1e-5)
    result = trainer.evaluate(DataLoader(ArrayDataset(x, y), batch_size=7))
    # The reference: float64 statistics of predict()'s float32 outputs. evaluate() ran the model
    # on batches of 7, predict() on one batch of 48, and BLAS may round a float32 output
    # differently for each batch shape (by a few units in the last place of the output,
    # bounded by the size of the terms summed, |x| @ |w| + |b|): a bound in absolute terms,
    # since the errors themselves are ~1e-3.
    errors = trainer.predict(x).astype(np.float64) - y.astype(np.float64)
    terms = np.abs(x) @ np.abs(model.weight.data.T) + np.abs(model.bias.data)
    # A Python float: pytest 9.2's approx refuses a numpy float32 tolerance (TypeError)
    rounding = 8 * float(np.finfo(np.float32).eps) * float(terms.max())
    assert result["rmse"] == pytest.approx(np.sqrt(np.mean(errors**2)), rel=0, abs=rounding)
    assert result["mae"] == pytest.approx(np.mean(np.abs(errors)), rel=0, abs=rounding)
    assert result["rmse"] < 0.1


# -------------------------------------------------------------------- reproducibility
def test_two_fits_with_the_same_seeds_give_identical_histories():
    first = make_trainer(epochs=3, seed=7).fit()
    second = make_trainer(epochs=3, seed=7).fit()
    assert first == second  # exact: every float of every list
    other_dropout = make_trainer(epochs=3, seed=8).fit()
    assert other_dropout["loss"] != first["loss"]


def test_a_run_resumed_from_a_checkpoint_continues_exactly(tmp_path):
    def trainer(model_seed: int, *callbacks: Callback) -> Trainer:
        model = model_with_dropout(model_seed)
        optimizer = optim.Adam(model.parameters(), lr=0.02)
        return make_trainer(
            epochs=4,
            model=model,
            optimizer=optimizer,
            scheduler=optim.StepLR(optimizer, step_size=2, gamma=0.5),
            callbacks=[EarlyStopping(patience=10), *callbacks],
        )

    # The uninterrupted run saves a checkpoint after every epoch ...
    straight = trainer(0, ModelCheckpoint(str(tmp_path / "epoch{epoch}.npz")))
    straight.fit()
    # ... and a new run with other weights and fresh state picks up after epoch 2.
    resumed = trainer(99)
    resumed.load_checkpoint(tmp_path / "epoch2.npz")
    assert resumed.epoch == 2 and resumed.history.epochs == 2
    assert resumed.early_stopping.epoch == 2
    resumed.fit()
    assert resumed.history == straight.history
    assert resumed.early_stopping.state_dict().keys() == straight.early_stopping.state_dict().keys()
    assert resumed.early_stopping.best == straight.early_stopping.best
    for name, value in straight.model.state_dict().items():
        np.testing.assert_array_equal(resumed.model.state_dict()[name], value)


class CountingCallback(Callback):
    """A user's stateful callback: counts the batches it has seen."""

    def __init__(self) -> None:
        self.batches = 0

    def on_batch_end(self, trainer, batch, logs) -> None:
        self.batches += 1

    def state_dict(self):
        return {"batches": self.batches}

    def load_state_dict(self, state_dict) -> None:
        self.batches = int(state_dict["batches"])


def test_a_resumed_run_keeps_every_callbacks_state(tmp_path):
    """ModelCheckpoint(save_best_only) watching the lr in "max" mode while StepLR halves it
    every epoch: the best is epoch 1. A run resumed after epoch 2 must keep that best (before
    callbacks' state was saved, `best` was -inf again and epoch 3 overwrote the best file)."""
    best_path = tmp_path / "best.npz"

    def trainer(epochs: int) -> Trainer:
        model = model_with_dropout(0)
        optimizer = optim.SGD(model.parameters(), lr=0.1)
        return make_trainer(
            epochs=epochs,
            model=model,
            optimizer=optimizer,
            scheduler=optim.StepLR(optimizer, step_size=1, gamma=0.5),
            callbacks=[
                ModelCheckpoint(str(best_path), monitor="lr", mode="max", save_best_only=True),
                LambdaCallback(on_epoch_end=lambda *args: None),  # stateless: nothing saved
                CountingCallback(),
                ModelCheckpoint(str(tmp_path / "epoch{epoch}.npz")),
            ],
        )

    first = trainer(epochs=2)
    first.fit()
    assert first.callbacks[0].best == 0.1 and first.callbacks[0].saved == [str(best_path)]
    best_bytes, best_mtime = best_path.read_bytes(), best_path.stat().st_mtime_ns

    resumed = trainer(epochs=4)
    resumed.load_checkpoint(tmp_path / "epoch2.npz")
    best, _, counter, every = resumed.callbacks
    assert best.best == 0.1 and best.saved == [str(best_path)]
    assert counter.batches == 8  # 2 epochs of 4 batches
    assert every.saved == [str(tmp_path / "epoch1.npz"), str(tmp_path / "epoch2.npz")]
    resumed.fit()
    assert best_path.read_bytes() == best_bytes and best_path.stat().st_mtime_ns == best_mtime
    assert best.best == 0.1 and counter.batches == 16 and len(every.saved) == 4

    # Every callback's state is in the checkpoint, under its index and class name.
    ckpt = read_checkpoint(tmp_path / "epoch4.npz")
    assert [entry["type"] for entry in ckpt.callbacks] == [
        "ModelCheckpoint",
        "LambdaCallback",
        "CountingCallback",
        "ModelCheckpoint",
    ]
    assert float(ckpt.callbacks[0]["state"]["best"]) == 0.1
    assert int(ckpt.callbacks[2]["state"]["batches"]) == 16


def test_resuming_with_a_stateful_callback_the_checkpoint_lacks_is_an_error(tmp_path):
    plain = make_trainer(epochs=1)
    plain.fit()
    plain.save_checkpoint(tmp_path / "plain.npz")
    resumed = make_trainer(epochs=2, callbacks=[ModelCheckpoint(str(tmp_path / "b.npz"))])
    weights = resumed.model.state_dict()
    with pytest.raises(CheckpointError, match="no state for callback ModelCheckpoint"):
        resumed.load_checkpoint(tmp_path / "plain.npz")
    for name, value in weights.items():  # nothing changed
        np.testing.assert_array_equal(resumed.model.state_dict()[name], value)
    assert resumed.epoch == 0
    # Dropping a callback on resume is fine: its saved state is skipped.
    with_stopper = make_trainer(epochs=1, callbacks=[EarlyStopping(patience=5)])
    with_stopper.fit()
    with_stopper.save_checkpoint(tmp_path / "stopper.npz")
    make_trainer(epochs=2).load_checkpoint(tmp_path / "stopper.npz")


def test_model_checkpoint_state_must_match_its_monitor(tmp_path):
    saved = ModelCheckpoint("a.npz", monitor="val_loss", save_best_only=True)
    saved.best = 0.25
    other = ModelCheckpoint("a.npz", monitor="val_acc", mode="max", save_best_only=True)
    with pytest.raises(ValueError, match="monitor 'val_loss' .min., this callback monitors"):
        other.load_state_dict(saved.state_dict())
    same = ModelCheckpoint("b.npz", monitor="val_loss", save_best_only=True)
    same.load_state_dict(saved.state_dict())
    assert same.best == 0.25 and same.saved == []
    with pytest.raises(ValueError, match="keeps no state"):
        LambdaCallback().load_state_dict({"x": 1})


# ----------------------------------------------------------------- evaluate / predict
def test_evaluate_matches_a_hand_computation_and_records_nothing():
    trainer = make_trainer(epochs=1)
    trainer.fit()
    model = trainer.model
    for p in model.parameters():
        p.grad = None
    result = trainer.evaluate(trainer.val_loader)
    assert all(p.grad is None for p in model.parameters())
    model.eval()
    scores = model(Tensor(X_VAL)).data
    model.train()
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_p[np.arange(len(T_VAL)), T_VAL].mean()
    assert result["loss"] == pytest.approx(loss, rel=1e-5)
    assert result["acc"] == pytest.approx(np.mean(scores.argmax(axis=1) == T_VAL))


def test_evaluate_and_predict_restore_each_modules_mode():
    trainer = make_trainer()
    model = trainer.model
    model.train()
    model[2].eval()  # a submodule deliberately left in eval mode
    seen = []
    original = model.forward

    def spy(x):
        seen.append((model.training, model[2].training, autodiff.is_grad_enabled()))
        return original(x)

    model.forward = spy
    trainer.evaluate(trainer.val_loader)
    trainer.predict(X_VAL)
    assert seen and all(s == (False, False, False) for s in seen)
    assert model.training is True and model[0].training is True and model[2].training is False
    model.eval()
    trainer.evaluate(trainer.val_loader)
    assert model.training is False


def test_predict_arrays_tensors_and_loaders_agree():
    trainer = make_trainer(epochs=1)
    trainer.fit()
    from_array = trainer.predict(X_VAL, batch_size=7)  # uneven slices
    assert from_array.shape == (40, 3) and isinstance(from_array, np.ndarray)
    np.testing.assert_array_equal(trainer.predict(Tensor(X_VAL)), from_array)
    np.testing.assert_array_equal(trainer.predict(trainer.val_loader), from_array)
    inputs_only = DataLoader(ArrayDataset(X_VAL), batch_size=16)
    np.testing.assert_array_equal(trainer.predict(inputs_only), from_array)
    # Dropout is off: predicting twice gives the same numbers.
    np.testing.assert_array_equal(trainer.predict(X_VAL), from_array)


# ------------------------------------------------------------------------ callbacks
class Recorder(Callback):
    def __init__(self) -> None:
        self.events: list[tuple] = []

    def on_train_begin(self, trainer):
        self.events.append(("train_begin",))

    def on_epoch_begin(self, trainer, epoch):
        self.events.append(("epoch_begin", epoch))

    def on_batch_end(self, trainer, batch, logs):
        self.events.append(("batch_end", batch, round(logs["loss"], 12)))

    def on_epoch_end(self, trainer, epoch, logs):
        self.events.append(("epoch_end", epoch, tuple(logs)))

    def on_train_end(self, trainer):
        self.events.append(("train_end",))


def test_callbacks_are_called_in_order():
    recorder = Recorder()
    trainer = make_trainer(epochs=2, callbacks=[recorder])
    trainer.fit()
    keys = ("train_loss", "train_acc", "val_loss", "val_acc", "lr")
    expected = [("train_begin",)]
    losses = iter(trainer.history["loss"])
    for epoch in range(2):
        expected.append(("epoch_begin", epoch))
        expected += [("batch_end", b, round(next(losses), 12)) for b in range(4)]
        expected.append(("epoch_end", epoch, keys))
    expected.append(("train_end",))
    assert recorder.events == expected


def test_a_callback_can_stop_training_and_lambda_callbacks_work():
    calls = []
    stop_after_two = LambdaCallback(
        on_epoch_end=lambda trainer, epoch, logs: setattr(trainer, "stop_training", epoch == 1),
        on_train_end=lambda trainer: calls.append(trainer.epoch),
    )
    trainer = make_trainer(epochs=10, callbacks=[stop_after_two])
    history = trainer.fit()
    assert history.epochs == 2 and calls == [2]


def test_model_checkpoint_every_epoch_and_best_only(tmp_path):
    every = ModelCheckpoint(str(tmp_path / "e{epoch:02d}.npz"))
    best = ModelCheckpoint(
        str(tmp_path / "best.npz"), monitor="val_acc", mode="max", save_best_only=True
    )
    trainer = make_trainer(epochs=3, callbacks=[every, best])
    trainer.fit()
    assert every.saved == [str(tmp_path / f"e{i:02d}.npz") for i in (1, 2, 3)]
    assert read_checkpoint(tmp_path / "e02.npz").extra["epoch"] == 2
    assert 1 <= len(best.saved) <= 3
    saved = read_checkpoint(tmp_path / "best.npz")
    assert saved.history["val_acc"][-1] == max(trainer.history["val_acc"])


# ------------------------------------------------------------------- early stopping
def test_early_stopping_counts_epochs_without_improvement_beyond_min_delta():
    stopper = EarlyStopping(patience=3, min_delta=0.1)
    decisions = [stopper.step(v) for v in (1.0, 0.95, 0.85, 0.8, 0.75, 0.76)]
    # 0.95 is not 0.1 better than 1.0; 0.85 is; 0.8, 0.75 and 0.76 are within 0.1 of 0.85.
    assert decisions == [False, False, False, False, False, True]
    assert stopper.best == 0.85 and stopper.best_epoch == 2 and stopper.stopped_epoch == 5
    assert stopper.counter == 3 and stopper.should_stop


def test_early_stopping_max_mode_and_nan():
    stopper = EarlyStopping(monitor="val_acc", mode="max", patience=2)
    assert [stopper.step(v) for v in (0.5, 0.6, float("nan"), 0.6)] == [False, False, False, True]
    assert stopper.best == 0.6 and stopper.best_epoch == 1
    stopper.reset()
    assert stopper.best == -math.inf and stopper.counter == 0 and stopper.epoch == 0


def test_early_stopping_in_the_trainer_stops_and_restores_the_best_weights():
    snapshots = []
    keep = LambdaCallback(
        on_epoch_end=lambda trainer, epoch, logs: snapshots.append(trainer.model.state_dict())
    )
    # A learning rate this high makes the validation loss jump around: it gets worse soon.
    stopper = EarlyStopping(patience=2)
    trainer = make_trainer(epochs=30, lr=2.0, callbacks=[keep, stopper])
    history = trainer.fit()
    val = history["val_loss"]
    best = int(np.argmin(val))
    assert stopper.best_epoch == best and stopper.best == val[best]
    assert history.epochs == best + 1 + 2 < 30  # stopped two epochs after the best
    assert stopper.stopped_epoch == history.epochs - 1
    for name, value in snapshots[best].items():
        np.testing.assert_array_equal(trainer.model.state_dict()[name], value)


def test_early_stopping_without_restore_keeps_the_last_weights():
    snapshots = []
    keep = LambdaCallback(
        on_epoch_end=lambda trainer, epoch, logs: snapshots.append(trainer.model.state_dict())
    )
    stopper = EarlyStopping(patience=2, restore_best=False)
    trainer = make_trainer(epochs=30, lr=2.0, callbacks=[keep, stopper])
    trainer.fit()
    assert stopper.best_state == {}
    for name, value in snapshots[-1].items():
        np.testing.assert_array_equal(trainer.model.state_dict()[name], value)


def test_early_stopping_restores_the_best_also_when_all_epochs_ran():
    stopper = EarlyStopping(patience=100)
    trainer = make_trainer(epochs=6, lr=2.0, callbacks=[stopper])
    trainer.fit()
    assert trainer.evaluate(trainer.val_loader)["loss"] == pytest.approx(stopper.best)


def test_early_stopping_used_by_hand_restores_on_stop():
    model = model_with_dropout(0)
    stopper = EarlyStopping(patience=1)
    assert not stopper.step(1.0, model)
    best = model.state_dict()
    with autodiff.no_grad():
        model[0].weight.mul_(2.0)
    assert stopper.step(1.5, model)
    np.testing.assert_array_equal(model[0].weight.data, best["0.weight"])


def test_early_stopping_state_dict_and_errors():
    stopper = EarlyStopping("val_acc", "max", patience=4, min_delta=0.01)
    for v in (0.3, 0.5, 0.49):
        stopper.step(v)
    copy = EarlyStopping()
    copy.load_state_dict(stopper.state_dict())
    assert copy.state_dict() == stopper.state_dict()
    with pytest.raises(ValueError, match="missing keys"):
        copy.load_state_dict({"monitor": "val_loss"})
    with pytest.raises(ValueError, match="mode"):
        EarlyStopping(mode="lowest")
    with pytest.raises(ValueError, match="patience"):
        EarlyStopping(patience=0)
    with pytest.raises(KeyError, match="'val_loss'.*train_loss"):
        make_trainer(epochs=1, val_loader=None, callbacks=[EarlyStopping()]).fit()


# ---------------------------------------------------------------- progress and errors
def test_progress_off_prints_nothing(capsys):
    make_trainer(epochs=2, progress=False).fit()
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_progress_in_a_log_is_one_line_per_epoch_without_a_bar(capsys):
    make_trainer(epochs=3, progress=True).fit()
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert len(lines) == 3 and lines[0].startswith("epoch 1/3  train_loss ")
    assert "val_acc" in lines[0] and "%" in lines[0]
    assert "\r" not in captured.out + captured.err and captured.err == ""


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_on_a_terminal_draws_a_live_bar(capsys, monkeypatch):
    terminal = FakeTerminal()
    monkeypatch.setattr("sys.stderr", terminal)
    monkeypatch.setattr("nn.train.progress.MININTERVAL", 0)  # redraw at every batch
    make_trainer(epochs=2, progress=True).fit()
    drawn = terminal.getvalue()
    assert "epoch 1/2" in drawn and "loss=" in drawn and "acc=" in drawn
    assert len(capsys.readouterr().out.splitlines()) == 2  # the summaries stay on stdout


def test_summary_line_format():
    line = summary_line(2, 10, {"train_loss": 0.12345, "val_acc": 0.9712, "lr": 0.05}, 3.21)
    assert line == "epoch  3/10  train_loss 0.1235  val_acc 97.12%  lr 0.05  3.2 s"


def test_clip_grad_norm_limits_each_step():
    model = model_with_dropout()
    optimizer = optim.SGD(model.parameters(), lr=1.0)
    before = np.concatenate([p.data.ravel() for p in model.parameters()])
    train = DataLoader(ArrayDataset(X_TRAIN[:16], T_TRAIN[:16]), batch_size=16)
    trainer = Trainer(
        model,
        nn.CrossEntropyLoss(),
        optimizer,
        train,
        epochs=1,
        clip_grad_norm=1e-3,
        progress=False,
    )
    trainer.fit()
    after = np.concatenate([p.data.ravel() for p in model.parameters()])
    assert np.linalg.norm(after - before) == pytest.approx(1e-3, rel=1e-3)


def test_divergence_raises_a_clear_error():
    trainer = make_trainer(epochs=1)
    trainer.loss_fn = lambda output, target: output.sum() * 0.0 + float("nan")
    with pytest.raises(FloatingPointError, match="epoch 1, batch 1.*diverged"):
        trainer.fit()


def test_bad_batches_and_metric_names():
    model = model_with_dropout()
    opt = optim.SGD(model.parameters(), lr=0.1)
    loader = DataLoader(ArrayDataset(X_TRAIN), batch_size=16)  # inputs only
    with pytest.raises(ValueError, match="pair, got a tuple of length 1"):
        Trainer(model, nn.CrossEntropyLoss(), opt, loader, progress=False).fit()
    with pytest.raises(ValueError, match="distinct"):
        Trainer(model, nn.CrossEntropyLoss(), opt, loader, metrics=("accuracy", "acc"))
    with pytest.raises(ValueError, match="no batches"):
        make_trainer().evaluate([])


@pytest.mark.parametrize("keep", [True, False])
def test_fit_keeps_freed_memory_only_when_asked(monkeypatch, keep):
    calls = []
    monkeypatch.setattr(autodiff.memory, "keep_freed_memory", lambda: calls.append(1) or True)
    make_trainer(epochs=1, keep_freed_memory=keep).fit()
    assert calls == ([1] if keep else [])
