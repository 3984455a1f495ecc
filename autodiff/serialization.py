"""`save` and `load`: PyTorch's `torch.save`/`torch.load` for tensors, arrays and state dicts,
without pickle.

    autodiff.save(model.state_dict(), "model.pt")
    model.load_state_dict(autodiff.load("model.pt"))
    autodiff.save({"epoch": 7, "model": model.state_dict(), "optimizer": opt.state_dict()}, path)

What can be saved: Tensors, numpy arrays and scalars, Python numbers, strings, bools and None,
and lists, tuples and dicts of them, nested to any depth (dict keys: strings, numbers, bools,
None or tuples of them). `load` gives back the same structure with the same types; a Tensor
comes back with its dtype and `requires_grad` (a Tensor subclass, e.g. `nn.Parameter`, comes
back as a plain Tensor), and an object saved twice in one structure comes back as one object.
Anything else — a Module, a function, an arbitrary class — raises a TypeError naming where it
is in the structure: save its `state_dict()` instead. PyTorch would pickle it; glassgrad never
unpickles, so loading a file cannot run code.

The file is an archive of autodiff/archive.py (an `.npz`, whatever its name, written atomically
and verified when read): the arrays, and a JSON description of the structure.
"""

from __future__ import annotations

import json
import os
from typing import IO, Any

import numpy as np

from .archive import ArchiveError, read_archive, write_archive
from .device import check_device
from .tensor import Tensor

FORMAT = "glassgrad-save 1"
_SCALARS = (bool, int, float, str, type(None))


class _Writer:
    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}
        self.memo: dict[int, tuple[Any, dict]] = {}  # id -> (object, its node)

    def array(self, value: np.ndarray) -> str:
        key = f"a{len(self.arrays)}"
        self.arrays[key] = value
        return key

    def node(self, obj: Any, where: str) -> Any:
        if isinstance(obj, _SCALARS):
            return {"py": obj}
        seen = self.memo.get(id(obj))
        if seen is not None:  # stored already: refer to it, so it loads as one object again
            node = seen[1]
            if "id" not in node:
                raise TypeError(f"save: {where} contains itself; cyclic structures cannot be saved")
            return {"ref": node["id"]}
        node: dict[str, Any] = {}
        number = len(self.memo)
        self.memo[id(obj)] = (obj, node)  # keeps obj alive, so its id stays unique
        node.update(self._new_node(obj, where))
        node["id"] = number  # set last: a node without one is still being written (a cycle)
        return node

    def _new_node(self, obj: Any, where: str) -> Any:
        if isinstance(obj, Tensor):
            return {
                "tensor": self.array(_storable(obj.data, where)),
                "requires_grad": obj.requires_grad,
            }
        if isinstance(obj, np.ndarray):
            return {"ndarray": self.array(_storable(obj, where))}
        if isinstance(obj, np.generic):
            return {"scalar": self.array(_storable(np.asarray(obj), where))}
        if isinstance(obj, list | tuple):
            kind = "list" if isinstance(obj, list) else "tuple"
            return {kind: [self.node(v, f"{where}[{i}]") for i, v in enumerate(obj)]}
        if isinstance(obj, dict):
            items = []
            for k, v in obj.items():
                if not _is_key(k):
                    raise TypeError(
                        f"save: {where} has a key of type {type(k).__name__}; keys must be "
                        "strings, numbers, bools, None or tuples of them"
                    )
                items.append([self.node(k, where), self.node(v, f"{where}[{k!r}]")])
            return {"dict": items}
        hint = " (save its state_dict() instead)" if hasattr(obj, "state_dict") else ""
        raise TypeError(
            f"save: cannot store {where} ({type(obj).__name__}) without pickling{hint}; "
            "glassgrad saves Tensors, arrays, numbers, strings, None and lists, tuples and "
            "dicts of them"
        )


def _is_key(k: Any) -> bool:
    if isinstance(k, tuple):
        return all(_is_key(part) for part in k)
    return isinstance(k, _SCALARS)


def _storable(array: np.ndarray, where: str) -> np.ndarray:
    if array.dtype.kind not in "biuf":
        raise TypeError(f"save: {where} has dtype {array.dtype}, which cannot be stored")
    return array


def save(obj: Any, f: str | os.PathLike | IO[bytes]) -> None:
    """Write `obj` to `f`, a path (atomically) or a binary file object, without pickling."""
    writer = _Writer()
    tree = writer.node(obj, "obj")
    arrays = {
        "__format__": np.array(FORMAT),
        "__tree__": np.array(json.dumps(tree)),
        **writer.arrays,
    }
    write_archive(f, arrays)


def load(
    f: str | os.PathLike | IO[bytes],
    map_location: Any = None,
    weights_only: bool | None = None,
    **kwargs: Any,
) -> Any:
    """Read what `save` wrote. `map_location` may be None, "cpu" or a cpu device (anything else
    raises: glassgrad runs on the CPU); `weights_only` is accepted for PyTorch's sake — nothing
    is ever unpickled, so every load is as safe as PyTorch's weights_only=True.

    Raises FileNotFoundError, or ArchiveError naming the file (and the member) when it is not a
    readable save file: truncated, corrupt, altered since it was written (every member's SHA-256
    is checked), pickled, or another kind of file.
    """
    if kwargs:
        raise TypeError(f"load: unexpected keyword argument(s) {sorted(kwargs)}")
    check_device(map_location, "load: map_location")
    name = f if isinstance(f, str | os.PathLike) else getattr(f, "name", "<file>")
    arrays = read_archive(f, FORMAT, "save file")
    arrays.pop("__format__")
    try:
        tree = json.loads(str(arrays.pop("__tree__")))
        return _Reader(arrays).node(tree)
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise ArchiveError(f"{name}: the structure of the save file is damaged: {err!r}") from err


class _Reader:
    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        self.arrays = arrays
        self.objects: dict[int, Any] = {}  # node id -> the object made from it

    def node(self, node: Any) -> Any:
        if "py" in node:
            return node["py"]
        if "ref" in node:
            return self.objects[node["ref"]]
        obj = self._new_object(node)
        self.objects[node["id"]] = obj
        return obj

    def _new_object(self, node: dict[str, Any]) -> Any:
        if "tensor" in node:
            return Tensor(self.arrays[node["tensor"]], requires_grad=node["requires_grad"])
        if "ndarray" in node:
            return self.arrays[node["ndarray"]]
        if "scalar" in node:
            return self.arrays[node["scalar"]][()]
        if "list" in node:
            return [self.node(v) for v in node["list"]]
        if "tuple" in node:
            return tuple(self.node(v) for v in node["tuple"])
        if "dict" in node:
            return {self.node(k): self.node(v) for k, v in node["dict"]}
        raise ValueError(f"unknown node {sorted(node)}")
