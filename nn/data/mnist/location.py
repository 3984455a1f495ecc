"""Where the MNIST files are looked for: the ``root`` argument, ``$GLASSGRAD_DATA``, the
per-user cache, then an optional ``fallback`` (see :func:`find_mnist`)."""

from __future__ import annotations

import os
from pathlib import Path

from ..idx import StrPath
from .files import MNIST_FILES, missing_files

ENV_VAR = "GLASSGRAD_DATA"


def default_cache_dir() -> Path:
    """The per-user MNIST cache: ``$XDG_CACHE_HOME/glassgrad/mnist`` or
    ``~/.cache/glassgrad/mnist`` (a relative or empty ``XDG_CACHE_HOME`` is ignored, as
    the XDG spec requires)."""
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "glassgrad" / "mnist"


def _search_path(root: StrPath | None, fallback: StrPath | None) -> list[tuple[str, Path]]:
    """(origin, directory) pairs in look-up order, without duplicates."""
    found: list[tuple[str, Path]] = []
    if root is not None:
        base = Path(root).expanduser()
        found += [("root argument", base), ("root argument", base / "mnist")]
    env = os.environ.get(ENV_VAR, "")
    if env:
        base = Path(env).expanduser()
        found += [(f"${ENV_VAR}", base), (f"${ENV_VAR}", base / "mnist")]
    found.append(("user cache", default_cache_dir()))
    if fallback is not None:
        base = Path(fallback).expanduser()
        found += [("fallback", base), ("fallback", base / "mnist")]
    seen: set[Path] = set()
    unique = []
    for origin, directory in found:
        key = directory.absolute()
        if key not in seen:
            seen.add(key)
            unique.append((origin, directory))
    return unique


def find_mnist(root: StrPath | None = None, *, fallback: StrPath | None = None) -> Path:
    """Return the first directory that holds all four MNIST files.

    Look-up order: ``root`` (then ``root/mnist``), ``$GLASSGRAD_DATA`` (then
    ``$GLASSGRAD_DATA/mnist``), :func:`default_cache_dir`, then ``fallback`` (then
    ``fallback/mnist``): a place of last resort, such as a project's shared data folder.  A
    directory counts only if it has all four files (each ``.gz`` or uncompressed); their
    content is not checked here (see :func:`verify_mnist`).

    Returns:
        The directory, as an absolute path.

    Raises:
        FileNotFoundError: no candidate holds all four files.  The message lists every
            directory searched, what each one lacks, and how to fix it.
    """
    searched = []
    for origin, directory in _search_path(root, fallback):
        if directory.is_dir():
            lacking = missing_files(directory, MNIST_FILES)
            if not lacking:
                return directory.resolve()
            status = "missing " + ", ".join(lacking)
        else:
            status = "no such directory"
        searched.append(f"  - {directory} ({origin}): {status}")
    names = ", ".join(MNIST_FILES)
    raise FileNotFoundError(
        "MNIST data not found. Directories searched, in order:\n"
        + "\n".join(searched)
        + f"\nNeeded files (each may also be uncompressed, without .gz): {names}.\n"
        "To fix this, do one of:\n"
        "  - pass root=DIR (command-line scripts: --data DIR) for a directory with the files;\n"
        f"  - set {ENV_VAR}=DIR (the files in DIR or DIR/mnist);\n"
        "  - call load_mnist(download=True) / MNIST(download=True) or download_mnist() to\n"
        f"    fetch them into {default_cache_dir()}."
    )
