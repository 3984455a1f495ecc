"""Checkpoints: a model, its optimizer, scheduler, history and early-stopping state in one .npz.

    save_checkpoint("run.npz", model, optimizer, history=history, epoch=7)
    ckpt = load_checkpoint("run.npz", model, optimizer)     # fills model and optimizer in place
    ckpt.history, ckpt.extra["epoch"]

The file is a plain `.npz` that `np.load(path, allow_pickle=False)` reads: nothing is pickled,
so loading a checkpoint cannot run code. Nested state is flattened into "/"-separated keys:

    __format__                          "glassgrad-checkpoint 1"
    __sections__                        the sections present, e.g. ["model", "optimizer"]
    model/<parameter name>              e.g. model/fc1.weight (Module.state_dict())
    optimizer/state/<index>/<name>      e.g. optimizer/state/0/exp_avg
    optimizer/param_groups/<index>/<key>
    scheduler/<key>                     e.g. scheduler/last_epoch
    history/<key>                       1-d float64, e.g. history/val_acc
    early_stopping/<key>                e.g. early_stopping/counter, early_stopping/best_state/...
    extra/<key>                         whatever was passed as **extra (numbers, strings, arrays)

Numbers are stored as 0-d arrays, tuples and lists of numbers as 1-d arrays, strings as unicode
arrays. Objects numpy could only pickle (None, arbitrary classes) raise a TypeError naming the key.

Writing is atomic: the archive goes to a temporary file in the same directory, is flushed to
disk, and then `os.replace`s the target in one step, so a crash or error mid-write leaves the
previous checkpoint intact. Loading checks before it keeps anything: if the optimizer's state does
not fit after the model's did, the model is put back as it was.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from autodiff import Tensor

from ..module import Module
from ..optim import LRScheduler, Optimizer
from .early_stopping import EarlyStopping
from .history import History

FORMAT = "glassgrad-checkpoint 1"
SEP = "/"
SECTIONS = ("model", "optimizer", "scheduler", "history", "early_stopping", "extra")

StrPath = str | os.PathLike


class CheckpointError(ValueError):
    """The file is not a readable checkpoint, or it does not fit what it is loaded into."""


@dataclass
class Checkpoint:
    """What a checkpoint file holds, as read back (arrays; numbers in `extra` as Python
    numbers). Sections not saved are None (`extra` is then {})."""

    path: Path
    model: dict[str, np.ndarray] | None = None
    optimizer: dict[str, Any] | None = None
    scheduler: dict[str, Any] | None = None
    history: History | None = None
    early_stopping: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


# ------------------------------------------------------------------------------ saving
def save_checkpoint(
    path: StrPath,
    model: Module | None,
    optimizer: Optimizer | None = None,
    history: Mapping[str, Any] | None = None,
    early_stopping: EarlyStopping | None = None,
    scheduler: LRScheduler | None = None,
    **extra: Any,
) -> Path:
    """Write the given objects' state to `path` (exactly that name; ".npz" is not appended),
    atomically. `extra` values are numbers, strings, arrays or (nested) dicts of them, e.g.
    `epoch=7`. Returns the path."""
    path = Path(path)
    sections: dict[str, Any] = {}
    if model is not None:
        sections["model"] = model.state_dict()
    if optimizer is not None:
        sections["optimizer"] = optimizer.state_dict()
    if scheduler is not None:
        sections["scheduler"] = scheduler.state_dict()
    if history is not None:
        history = history if isinstance(history, History) else History(history)
        sections["history"] = history.to_arrays()
    if early_stopping is not None:
        sections["early_stopping"] = early_stopping.state_dict()
    if extra:
        sections["extra"] = extra

    arrays: dict[str, np.ndarray] = {
        "__format__": np.array(FORMAT),
        "__sections__": np.array(list(sections), dtype=str),
    }
    for name, state in sections.items():
        _flatten(name, state, arrays)
    _atomic_savez(path, arrays)
    return path


def _flatten(key: str, value: Any, out: dict[str, np.ndarray]) -> None:
    """Store `value` under `key`: a Mapping (or a list of Mappings, like param_groups) becomes
    one key per entry, anything else one array."""
    if isinstance(value, Mapping) or (
        isinstance(value, list | tuple) and value and all(isinstance(v, Mapping) for v in value)
    ):
        items = value.items() if isinstance(value, Mapping) else enumerate(value)
        for name, item in items:
            name = str(name)
            if not name or SEP in name:
                raise ValueError(f"checkpoint: name {name!r} under {key!r} is empty or has {SEP!r}")
            _flatten(f"{key}{SEP}{name}", item, out)
        return
    array = np.asarray(value.data if isinstance(value, Tensor) else value)
    if array.dtype.kind not in "biufcUS":  # "O" (objects) would need pickling
        raise TypeError(
            f"checkpoint: cannot store {key!r} ({type(value).__name__}) without pickling; use "
            "numbers, strings, arrays or dicts of them"
        )
    out[key] = array


def _atomic_savez(path: Path, arrays: Mapping[str, np.ndarray]) -> None:
    # The temporary file lives next to the target: os.replace is atomic only within one
    # file system, and a crash leaves at worst a stray ".<name>.*.tmp", never a torn checkpoint.
    directory = path.parent
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, allow_pickle=False, **arrays)
            f.flush()
            os.fsync(f.fileno())  # the bytes are on disk before the name points at them
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual permissions
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# ----------------------------------------------------------------------------- loading
def read_checkpoint(path: StrPath) -> Checkpoint:
    """Read a checkpoint without loading it into anything.

    Raises FileNotFoundError if there is no such file, and CheckpointError naming the file if it
    is truncated, corrupt, holds pickled data, or is not a glassgrad checkpoint.
    """
    path = Path(path)
    arrays = _read_npz(path)
    tag = arrays.pop("__format__", None)
    if tag is None or tag.shape != () or str(tag) != FORMAT:
        found = "no '__format__' entry" if tag is None else f"format {tag!r}"
        raise CheckpointError(f"{path}: not a glassgrad checkpoint ({found}; expected {FORMAT!r})")
    sections = [str(s) for s in arrays.pop("__sections__", np.array([], dtype=str))]
    tree = _unflatten(arrays, path)
    unknown = sorted(set(tree) - set(sections))
    if unknown or any(s not in SECTIONS for s in sections):
        raise CheckpointError(f"{path}: unexpected sections {unknown or sections}")

    ckpt = Checkpoint(path)
    if "model" in sections:
        ckpt.model = dict(tree.get("model", {}))
    if "optimizer" in sections:
        opt = tree.get("optimizer", {})
        groups = opt.get("param_groups", {})
        ckpt.optimizer = {
            "state": dict(opt.get("state", {})),
            "param_groups": [groups[i] for i in sorted(groups, key=int)],
        }
    if "scheduler" in sections:
        ckpt.scheduler = dict(tree.get("scheduler", {}))
    if "history" in sections:
        ckpt.history = History.from_arrays(tree.get("history", {}))
    if "early_stopping" in sections:
        ckpt.early_stopping = dict(tree.get("early_stopping", {}))
    if "extra" in sections:
        ckpt.extra = _plain(tree.get("extra", {}))
    return ckpt


def load_checkpoint(
    path: StrPath,
    model: Module | None,
    optimizer: Optimizer | None = None,
    early_stopping: EarlyStopping | None = None,
    scheduler: LRScheduler | None = None,
    strict: bool = True,
) -> Checkpoint:
    """Load a checkpoint's state into the objects given (in place) and return what it holds
    (`.history`, `.extra`, ...).

    `strict` is the model's: every key must match. A section asked for but not saved, a key or
    shape mismatch (the message names the key and both shapes), or an unreadable file raises
    CheckpointError; then nothing given has changed.
    """
    ckpt = read_checkpoint(path)
    targets: list[tuple[str, Any, Any, Callable[[Any], Any]]] = []
    if model is not None:
        targets.append(("model", model, ckpt.model, lambda s: model.load_state_dict(s, strict)))
    for name, obj, state in (
        ("optimizer", optimizer, ckpt.optimizer),
        ("scheduler", scheduler, ckpt.scheduler),
        ("early_stopping", early_stopping, ckpt.early_stopping),
    ):
        if obj is not None:
            targets.append((name, obj, state, obj.load_state_dict))

    missing = [name for name, _, state, _ in targets if state is None]
    if missing:
        raise CheckpointError(
            f"{ckpt.path}: the checkpoint has no {' or '.join(missing)} state (it holds "
            f"{[s for s in SECTIONS if getattr(ckpt, s)] or 'nothing'})"
        )
    undo: list[Callable[[], Any]] = []
    try:
        for name, obj, state, load in targets:
            before = obj.state_dict()
            undo.append(lambda obj=obj, before=before: obj.load_state_dict(before))
            try:
                load(state)
            except (RuntimeError, ValueError, KeyError, TypeError) as err:
                raise CheckpointError(
                    f"{ckpt.path}: the {name} does not fit the checkpoint: {err}"
                ) from err
    except CheckpointError:
        for restore in reversed(undo):  # put back everything loaded so far
            restore()
        raise
    return ckpt


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    try:
        archive = np.load(path, allow_pickle=False)
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise ValueError("it holds a single array (.npy), not an .npz archive")
        with archive:
            # Read every array now, inside the try: a truncated member fails here, not later.
            return {key: archive[key] for key in archive.files}
    except FileNotFoundError:
        raise
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zlib.error) as err:
        raise CheckpointError(
            f"{path}: cannot read the checkpoint (truncated, corrupt or not an .npz?): {err}"
        ) from err


def _unflatten(arrays: Mapping[str, np.ndarray], path: Path) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for key, array in arrays.items():
        *parents, leaf = key.split(SEP)
        node = tree
        for part in parents:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise CheckpointError(f"{path}: key {key!r} clashes with an array above it")
        if leaf in node:
            raise CheckpointError(f"{path}: key {key!r} is both an array and a group")
        node[leaf] = array
    return tree


def _plain(value: Any) -> Any:
    """0-d arrays as Python numbers / strings, nested dicts kept, other arrays as they are."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value.item()
    return value
