"""nn.train: the training loop and what goes with it — Trainer, History, callbacks, early
stopping, checkpoints, metrics.

    from nn.train import EarlyStopping, Trainer

    trainer = Trainer(model, nn.CrossEntropyLoss(), optimizer, train_loader, val_loader,
                      epochs=10, callbacks=[EarlyStopping(patience=3)], seed=0)
    history = trainer.fit()          # what viz.plot_history draws
    trainer.evaluate(test_loader)    # {"loss": ..., "acc": ...}

Built on autodiff's public API and nn (never viz). See docs/training.md.
"""

from .callbacks import Callback, LambdaCallback, ModelCheckpoint
from .checkpoint import (
    Checkpoint,
    CheckpointError,
    load_checkpoint,
    read_checkpoint,
    save_checkpoint,
)
from .early_stopping import EarlyStopping
from .history import History
from .metrics import (
    Accuracy,
    ConfusionMatrix,
    MeanAbsoluteError,
    Metric,
    RootMeanSquaredError,
    accuracy,
    confusion_matrix,
    mae,
    rmse,
    rmse_lesson_platform,
)
from .trainer import Trainer

__all__ = [
    "Accuracy",
    "Callback",
    "Checkpoint",
    "CheckpointError",
    "ConfusionMatrix",
    "EarlyStopping",
    "History",
    "LambdaCallback",
    "MeanAbsoluteError",
    "Metric",
    "ModelCheckpoint",
    "RootMeanSquaredError",
    "Trainer",
    "accuracy",
    "confusion_matrix",
    "load_checkpoint",
    "mae",
    "read_checkpoint",
    "rmse",
    "rmse_lesson_platform",
    "save_checkpoint",
]
