"""Run a PyTorch program under glassgrad by rewriting only its import lines, and compare outputs.

The programs in `programs/` are plain PyTorch. `rewrite_imports` maps every import of `torch`
to glassgrad's packages and touches nothing else:

    import torch                                 ->  import autodiff as torch
    import torch.nn as nn / from torch import nn ->  import nn
    import torch.nn.functional as F              ->  import nn.functional as F
    from torch import optim                      ->  from nn import optim
    from torch.optim.lr_scheduler import StepLR  ->  from nn.optim.lr_scheduler import StepLR
    from torch.utils.data import DataLoader      ->  from nn.data import DataLoader
    from torch.autograd import Function          ->  from autodiff.autograd import Function
    from torch.func import grad                  ->  from autodiff.func import grad

`compare_outputs` then holds the two printouts line by line: the same lines, the same words, and
numbers equal within a tolerance. A number printed rounded (PyTorch prints tensors with four
decimals) is compared within its printed precision as well.
"""

from __future__ import annotations

import ast
import math
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PROGRAMS = Path(__file__).resolve().parent / "programs"

# Longest prefix first: where each torch module lives in glassgrad.
MODULE_MAP = (
    ("torch.utils.data", "nn.data"),
    ("torch.nn", "nn"),
    ("torch.optim", "nn.optim"),
    ("torch.autograd", "autodiff.autograd"),
    ("torch.func", "autodiff.func"),
    ("torch", "autodiff"),
)


def glassgrad_module(torch_module: str) -> str:
    for prefix, target in MODULE_MAP:
        if torch_module == prefix or torch_module.startswith(prefix + "."):
            return target + torch_module[len(prefix) :]
    raise ValueError(f"not a torch module: {torch_module}")


def _is_torch(module: str | None) -> bool:
    return module is not None and (module == "torch" or module.startswith("torch."))


def _bind(module: str, name: str, style: str = "from") -> str:
    """An import statement that binds `name` to `module`: `import a.b as name`, or in the
    "from" style `from a import b as name`."""
    parent, _, last = module.rpartition(".")
    if not parent or style == "import":
        return f"import {module}" + ("" if name == module else f" as {name}")
    return f"from {parent} import {last}" + ("" if name == last else f" as {name}")


def _rewrite(node: ast.Import | ast.ImportFrom) -> list[str]:
    lines = []
    if isinstance(node, ast.Import):
        for alias in node.names:
            if not _is_torch(alias.name):
                lines.append(_bind(alias.name, alias.asname or alias.name, "import"))
                continue
            if alias.asname is None and "." in alias.name:
                raise ValueError(f"`import {alias.name}` binds `torch`: give it an alias")
            lines.append(_bind(glassgrad_module(alias.name), alias.asname or alias.name, "import"))
        return lines
    target = glassgrad_module(node.module)
    plain = []  # names that are attributes of the target module
    for alias in node.names:
        submodule = glassgrad_module(f"{node.module}.{alias.name}")
        if node.module == "torch" and not submodule.startswith("autodiff."):
            # `from torch import nn`: nn is a package of its own, not part of autodiff
            lines.append(_bind(submodule, alias.asname or alias.name))
        else:
            plain.append(alias.name + (f" as {alias.asname}" if alias.asname else ""))
    if plain:
        lines.insert(0, f"from {target} import {', '.join(plain)}")
    return lines


def rewrite_imports(source: str) -> str:
    """`source` with each top-level import of torch replaced by glassgrad's; nothing else."""
    tree = ast.parse(source)
    lines = source.splitlines()
    for node in reversed(tree.body):  # from the end, so earlier line numbers stay valid
        imports_torch = (
            isinstance(node, ast.Import) and any(_is_torch(a.name) for a in node.names)
        ) or (isinstance(node, ast.ImportFrom) and _is_torch(node.module))
        if imports_torch:
            lines[node.lineno - 1 : node.end_lineno] = _rewrite(node)
    rewritten = "\n".join(lines) + "\n"
    if re.search(r"^\s*(import|from)\s+torch\b", rewritten, re.MULTILINE):
        raise ValueError("an import of torch is not at the top level; the rewrite cannot reach it")
    return rewritten


@dataclass
class Run:
    stdout: str
    stderr: str
    returncode: int


def run_program(path: Path, engine: str, workdir: Path) -> Run:
    """Run `path` as is ("torch") or with its imports rewritten ("glassgrad"), in a subprocess
    whose imports resolve to this checkout."""
    source = path.read_text()
    if engine == "glassgrad":
        source = rewrite_imports(source)
    elif engine != "torch":
        raise ValueError(engine)
    script = workdir / f"{path.stem}_{engine}.py"
    script.write_text(source)
    env = {**os.environ, "PYTHONPATH": str(REPO), "OPENBLAS_NUM_THREADS": "1"}
    env["PYTHONWARNINGS"] = "ignore"  # PyTorch's UserWarnings are not part of the output
    proc = subprocess.run(
        [sys.executable, str(script)],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return Run(proc.stdout, proc.stderr, proc.returncode)


# ------------------------------------------------------------------------------ comparing
NUMBER = re.compile(
    r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w])|\b(?:nan|inf)\b"
)
# What the two printouts may spell differently without a number changing.
NORMALISE = (
    (re.compile(r",\s*dtype=[\w.]+"), ""),
    (re.compile(r",\s*grad_fn=<\w+>"), ""),
    (re.compile(r",\s*requires_grad=True"), ""),
    (re.compile(r"torch\.Size\(\[([^\]]*)\]\)"), r"(\1)"),
    (re.compile(r"\((\d+)\)"), r"(\1,)"),  # torch.Size([3]) -> (3) -> (3,), like a tuple
    (re.compile(r"\s+"), " "),
)
STOCHASTIC = "stochastic"


def _resolution(token: str) -> float:
    """Half a unit in the last printed place of a rounded float, else 0 (exact ints)."""
    mantissa, _, exponent = token.lower().partition("e")
    if "." not in mantissa:
        return 0.0 if not exponent else 0.5 * 10.0 ** int(exponent)
    decimals = len(mantissa.split(".")[1])
    if decimals == 0:  # "1." : PyTorch and numpy print integral floats like this
        return 0.0
    return 0.5 * 10.0 ** (int(exponent or 0) - decimals)


def _words(line: str) -> str:
    for pattern, replacement in NORMALISE:
        line = pattern.sub(replacement, line)
    return NUMBER.sub("#", line).strip()


def compare_outputs(expected: str, actual: str, tol: float) -> list[str]:
    """Mismatches between PyTorch's printout (`expected`) and glassgrad's, as messages.

    Numbers agree when |a - e| <= tol * (1 + |e|) + the printed resolution of the rounder of
    the two. Lines with the word "stochastic" depend on random draws that differ between
    engines: there only the words and the count of numbers must agree, and every number be
    finite.
    """
    problems = []
    exp_lines, act_lines = expected.splitlines(), actual.splitlines()
    if len(exp_lines) != len(act_lines):
        problems.append(f"{len(exp_lines)} lines from torch, {len(act_lines)} from glassgrad")
    for n, (e_line, a_line) in enumerate(zip(exp_lines, act_lines), 1):
        where = f"line {n}:\n  torch:     {e_line}\n  glassgrad: {a_line}"
        if _words(e_line) != _words(a_line):
            problems.append(f"{where}\n  (the words differ)")
            continue
        e_nums, a_nums = NUMBER.findall(e_line), NUMBER.findall(a_line)
        if len(e_nums) != len(a_nums):
            problems.append(f"{where}\n  ({len(e_nums)} vs {len(a_nums)} numbers)")
            continue
        stochastic = STOCHASTIC in e_line
        for e_tok, a_tok in zip(e_nums, a_nums):
            e, a = float(e_tok), float(a_tok)
            if stochastic:
                if not math.isfinite(a):
                    problems.append(f"{where}\n  ({a_tok} is not finite)")
                continue
            if a == e or (math.isnan(e) and math.isnan(a)):  # (inf == inf: no tolerance needed)
                continue
            allowed = tol * (1 + abs(e)) + max(_resolution(e_tok), _resolution(a_tok))
            if not abs(a - e) <= allowed:
                diff = f"|diff| {abs(a - e):.3g} > {allowed:.3g}"
                problems.append(f"{where}\n  ({a_tok} vs {e_tok}: {diff})")
                break
    return problems
