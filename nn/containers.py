"""Containers: `Sequential` (a pipeline of modules) and `ModuleList` (a list of modules).

Children are registered under their positions, "0", "1", ..., so parameters are named
"0.weight", "2.bias" and each child's compute nodes carry the scope ("Sequential", "0").
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, overload

from .module import Module


class ModuleList(Module):
    """A list of modules whose parameters are registered (a plain list would hide them)."""

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        for module in modules or ():
            self.append(module)

    def _index(self, index: int) -> int:
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"index {index} is out of range for {type(self).__name__} of {n}")
        return index % n

    @overload
    def __getitem__(self, index: int) -> Module: ...
    @overload
    def __getitem__(self, index: slice) -> ModuleList: ...

    def __getitem__(self, index: int | slice) -> Module | ModuleList:
        if isinstance(index, slice):
            return type(self)(list(self._modules.values())[index])
        return self._modules[str(self._index(index))]

    def __setitem__(self, index: int, module: Module) -> None:
        self.add_module(list(self._modules)[self._index(index)], module)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> ModuleList:
        self.add_module(str(len(self)), module)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Put `module` before position `index` (-len <= index <= len, as list.insert), the
        children from there on numbered again, as PyTorch's."""
        n = len(self)
        if isinstance(index, bool) or not isinstance(index, int) or not -n <= index <= n:
            raise IndexError(f"index {index!r} is out of range for {type(self).__name__} of {n}")
        index = index + n if index < 0 else index
        names = list(self._modules)
        if names[index:] != [str(i) for i in range(index, n)]:
            # PyTorch moves "i - 1" to "i" and fails on such names (KeyError) too
            raise KeyError(
                f"{type(self).__name__}.insert: the children from position {index} on have "
                f"names {names[index:]}, not positions; only positions can be numbered again"
            )
        moved = [self._modules.pop(name) for name in names[index:]]
        for i, child in enumerate([module, *moved], start=index):
            self.add_module(str(i), child)

    def __delitem__(self, index: int | slice) -> None:
        """Remove the module(s) at `index`; the rest are numbered 0, 1, ... again, as in
        PyTorch (a Sequential's named children too)."""
        modules = list(self._modules.values())
        if isinstance(index, slice):
            del modules[index]
        else:
            del modules[self._index(index)]
        self._renumber(modules)

    def pop(self, index: int | slice) -> Module | ModuleList:
        """Remove and return the module(s) at `index`."""
        found = self[index]
        del self[index]
        return found

    def _renumber(self, modules: list[Module]) -> None:
        for name in list(self._modules):
            del self._modules[name]
        for i, module in enumerate(modules):
            self.add_module(str(i), module)

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        for module in modules:
            self.append(module)
        return self

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            "ModuleList has no forward(); iterate over it, or use Sequential for a pipeline"
        )


class Sequential(ModuleList):
    """Modules applied one after another: `Sequential(Linear(4, 8), ReLU(), Linear(8, 2))(x)`.

    Like PyTorch's, it also takes one dict of named modules: `Sequential({"fc": ..., "act": ...})`.
    """

    def __init__(self, *modules: Module | dict[str, Module]) -> None:
        Module.__init__(self)
        if len(modules) == 1 and isinstance(modules[0], dict):
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            for module in modules:
                self.append(module)

    def __getitem__(self, index: int | slice) -> Module | Sequential:  # type: ignore[override]
        if isinstance(index, slice):
            # Keeping the children's names, as PyTorch does: seq[1:]'s parameters are still
            # "2.weight", ... so its state_dict matches the original's keys.
            return type(self)(dict(list(self._modules.items())[index]))
        return list(self._modules.values())[self._index(index)]

    def forward(self, x: Any) -> Any:
        for module in self._modules.values():
            x = module(x)
        return x
