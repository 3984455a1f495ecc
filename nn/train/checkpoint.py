"""Checkpoints: a model, its optimizer, scheduler, history and callbacks' state in one .npz.

    save_checkpoint("run.npz", model, optimizer, history=history, epoch=7)
    ckpt = load_checkpoint("run.npz", model, optimizer)     # fills model and optimizer in place
    ckpt.history, ckpt.extra["epoch"]

The file is a plain `.npz` that `np.load(path, allow_pickle=False)` reads: nothing is pickled,
so loading a checkpoint cannot run code. Nested state is flattened into "/"-separated keys:

    __format__                          "glassgrad-checkpoint 2"
    __sections__                        the sections present, e.g. ["model", "optimizer"]
    __manifest__                        (K, 2): every other member's key and SHA-256 (hex)
    model/<parameter name>              e.g. model/fc1.weight (Module.state_dict())
    optimizer/state/<index>/<name>      e.g. optimizer/state/0/exp_avg
    optimizer/param_groups/<index>/<key>
    scheduler/<key>                     e.g. scheduler/last_epoch
    history/<key>                       1-d float64, e.g. history/val_acc
    early_stopping/<key>                e.g. early_stopping/counter, early_stopping/best_state/...
    callbacks/<index>/type              the class name of the index-th Trainer callback
    callbacks/<index>/state/<key>       its state_dict(), e.g. callbacks/1/state/best
    extra/<key>                         whatever was passed as **extra (numbers, strings, arrays)

Numbers are stored as 0-d arrays, tuples and lists of numbers as 1-d arrays, strings as unicode
arrays. Objects numpy could only pickle (None, arbitrary classes) raise a TypeError naming the key.

The archive is autodiff/archive.py's (the format of `autodiff.save` too).

**Writing is atomic** (`autodiff.atomic.atomic_write`): the archive goes to a temporary file next
to the target, is flushed to disk, and then replaces the target in one `os.replace`. An error or a
KeyboardInterrupt mid-write removes the temporary file and leaves the previous checkpoint intact;
a save that was killed outright leaves its temporary file, which the next save to the same path
removes.

**Reading is verified**: each member's bytes are hashed as they are read and compared with the
SHA-256 the manifest recorded at save time; the set of members must be exactly the manifest's;
member headers claiming more bytes than the file holds, encrypted or compressed members, object
arrays and any zip or .npy damage are refused before anything is allocated for them. Every such
problem raises CheckpointError naming the file and the member. (Files of format 1, written
before digests, are read without this verification.)

**Loading is all-or-nothing**: if the optimizer's state does not fit after the model's did, the
model is put back as it was; the same for every object given.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from autodiff import Tensor
from autodiff.archive import MANIFEST, ArchiveError, read_archive, write_archive

from ..module import Module
from ..state import to_python
from .history import History

FORMAT = "glassgrad-checkpoint 2"
FORMAT_1 = "glassgrad-checkpoint 1"  # before digests: read, unverified
SEP = "/"
SECTIONS = ("model", "optimizer", "scheduler", "history", "early_stopping", "callbacks", "extra")
# What a load_state_dict raises for state that does not fit the object (or is malformed).
_MISFIT = (RuntimeError, ValueError, KeyError, TypeError, IndexError, AttributeError)

StrPath = str | os.PathLike


class Stateful(Protocol):
    """What a checkpoint saves and restores: an optimizer, scheduler or callback."""

    def state_dict(self) -> dict[str, Any]: ...

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> Any: ...


class CheckpointError(ArchiveError):
    """The file is not a readable checkpoint, or it does not fit what it is loaded into."""


@dataclass
class Checkpoint:
    """What a checkpoint file holds, as read back (arrays; numbers in `extra` as Python
    numbers). Sections not saved are None (`extra` is then {}). `callbacks` is a list of
    {"type": class name, "state": state dict}, one per callback, in order."""

    path: Path
    model: dict[str, np.ndarray] | None = None
    optimizer: dict[str, Any] | None = None
    scheduler: dict[str, Any] | None = None
    history: History | None = None
    early_stopping: dict[str, Any] | None = None
    callbacks: list[dict[str, Any]] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


# ------------------------------------------------------------------------------ saving
def save_checkpoint(
    path: StrPath,
    model: Module | None,
    optimizer: Stateful | None = None,
    history: Mapping[str, Any] | None = None,
    early_stopping: Stateful | None = None,
    scheduler: Stateful | None = None,
    callbacks: Sequence[Stateful] | None = None,
    **extra: Any,
) -> Path:
    """Write the given objects' state to `path` (exactly that name; ".npz" is not appended),
    atomically. `callbacks`: each one's `state_dict()` under its index and class name (what the
    Trainer saves). `extra` values are numbers, strings, arrays or (nested) dicts of them, e.g.
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
    if callbacks is not None:
        sections["callbacks"] = {
            str(i): {"type": type(c).__name__, "state": c.state_dict()}
            for i, c in enumerate(callbacks)
        }
    if extra:
        sections["extra"] = extra

    arrays: dict[str, np.ndarray] = {
        "__format__": np.array(FORMAT),
        "__sections__": np.array(list(sections), dtype=str),
    }
    for name, state in sections.items():
        _flatten(name, state, arrays)
    write_archive(path, arrays)
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


# ----------------------------------------------------------------------------- loading
def read_checkpoint(path: StrPath) -> Checkpoint:
    """Read a checkpoint without loading it into anything.

    Raises FileNotFoundError if there is no such file, and CheckpointError naming the file (and
    the member, where one is at fault) if it is truncated, corrupt, altered since it was saved,
    holds pickled data, or is not a glassgrad checkpoint.
    """
    path = Path(path)
    arrays = read_archive(path, FORMAT, "checkpoint", CheckpointError, (FORMAT_1,))
    arrays.pop(MANIFEST, None)
    arrays.pop("__format__", None)
    sections = [str(s) for s in arrays.pop("__sections__", np.array([], dtype=str)).ravel()]
    tree = _unflatten(arrays, path)
    unknown = sorted(set(tree) - set(sections))
    if unknown or any(s not in SECTIONS for s in sections):
        raise CheckpointError(f"{path}: unexpected sections {unknown or sections}")

    ckpt = Checkpoint(path)
    try:
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
        if "callbacks" in sections:
            entries = tree.get("callbacks", {})
            ckpt.callbacks = [
                {"type": str(to_python(entries[i]["type"])), "state": entries[i].get("state", {})}
                for i in sorted(entries, key=int)
            ]
        if "extra" in sections:
            ckpt.extra = to_python(tree.get("extra", {}))
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise CheckpointError(f"{path}: malformed checkpoint structure: {err!r}") from err
    return ckpt


def load_checkpoint(
    path: StrPath | Checkpoint,
    model: Module | None,
    optimizer: Stateful | None = None,
    early_stopping: Stateful | None = None,
    scheduler: Stateful | None = None,
    strict: bool = True,
    callbacks: Sequence[Stateful] | None = None,
) -> Checkpoint:
    """Load a checkpoint's state into the objects given (in place) and return what it holds
    (`.history`, `.extra`, ...). `path` may also be a Checkpoint `read_checkpoint` returned.

    `strict` is the model's: every key must match. Each of `callbacks` gets the saved state
    of the callback of its class and position among that class; one with state but none saved
    is an error (states saved for callbacks not given are skipped). A section asked for but
    not saved, a key or shape mismatch (the message names the key and both shapes), or an
    unreadable file raises
    CheckpointError; then nothing given has changed.
    """
    ckpt = path if isinstance(path, Checkpoint) else read_checkpoint(path)
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
    if callbacks is not None:
        targets += _callback_targets(ckpt, callbacks)

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
            except _MISFIT as err:
                raise CheckpointError(
                    f"{ckpt.path}: the {name} does not fit the checkpoint: {err}"
                ) from err
    except CheckpointError:
        for restore in reversed(undo):  # put back everything loaded so far
            restore()
        raise
    return ckpt


def _callback_targets(
    ckpt: Checkpoint, callbacks: Sequence[Stateful]
) -> list[tuple[str, Any, Any, Callable[[Any], Any]]]:
    """Pair each callback with the saved state of the same class and occurrence (the k-th
    EarlyStopping gets the k-th EarlyStopping's state). Saved states without a callback are
    skipped (a callback dropped on resume); a callback with state but nothing saved for it
    is an error, since it would start from scratch silently."""
    saved: dict[tuple[str, int], Any] = {}
    for entry in ckpt.callbacks or ():
        kind = entry["type"]
        saved[(kind, sum(k == kind for k, _ in saved))] = entry["state"]
    targets: list[tuple[str, Any, Any, Callable[[Any], Any]]] = []
    seen: list[str] = []
    for callback in callbacks:
        kind = type(callback).__name__
        key = (kind, seen.count(kind))
        seen.append(kind)
        label = f"callback {kind}" + (f" #{key[1] + 1}" if key[1] else "")
        if key in saved:
            targets.append((label, callback, saved[key], callback.load_state_dict))
        elif callback.state_dict():
            raise CheckpointError(
                f"{ckpt.path}: the checkpoint holds no state for {label} (it holds "
                f"{[entry['type'] for entry in ckpt.callbacks or ()]}); to start a new "
                "callback afresh, add it after loading"
            )
    return targets


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
