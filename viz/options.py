"""DrawOptions: what a picture was asked to show, checked once where the user passed it.

draw_graph, animate_backward and explore all take these options; each check raises a
ValueError or TypeError that names the option and the value it got.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from autodiff import Tensor

from .health import DEFAULT_THRESHOLDS
from .trace import GradSource

STYLES = ("circuit", "nodes")
RANKDIRS = ("LR", "RL", "TB", "BT")


@dataclass(frozen=True)
class DrawOptions:
    """Everything the DOT builder needs to know besides the picture itself."""

    style: str = "circuit"
    values: bool = True
    shapes: bool = True
    grad_of: GradSource | None = None  # where gradients come from; None: draw none
    health: tuple[float, float] | None = None  # (vanishing, exploding) thresholds, or off
    digits: int = 3
    rankdir: str = "LR"  # always a graphviz direction here: `auto_rankdir` resolved None

    @property
    def circuit(self) -> bool:
        return self.style == "circuit"

    @property
    def across(self) -> bool:
        """Do wires run across the page (LR/RL)? Then a value sits above its wire and its
        gradient below; in TB/BT the value is left of the wire and the gradient right."""
        return self.rankdir in ("LR", "RL")


def check_style(style: str) -> str:
    if style not in STYLES:
        raise ValueError(f"style must be one of {STYLES}, got {style!r}")
    return style


def check_rankdir(rankdir: str | None) -> str | None:
    if rankdir is not None and rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be None (automatic) or one of {RANKDIRS}, got {rankdir!r}")
    return rankdir


def check_max_nodes(max_nodes: int | None) -> int | None:
    if max_nodes is not None and (
        not isinstance(max_nodes, int) or isinstance(max_nodes, bool) or max_nodes < 1
    ):
        raise ValueError(f"max_nodes must be a positive int or None, got {max_nodes!r}")
    return max_nodes


def auto_rankdir(tensors: Sequence[Tensor]) -> str:
    """The direction that reads best: a circuit of numbers left to right (CS231n's pictures),
    a network of arrays top to bottom (layer after layer, like its code)."""
    return "LR" if all(t.numel() == 1 for t in tensors) else "TB"


def health_thresholds(grad_health: bool | tuple[float, float] | None) -> tuple[float, float] | None:
    """`grad_health` as thresholds: None (off), the defaults (True), or checked custom ones."""
    if grad_health is False or grad_health is None:
        return None
    if grad_health is True:
        return DEFAULT_THRESHOLDS
    try:
        lo, hi = grad_health
    except (TypeError, ValueError):
        raise TypeError(
            f"grad_health must be True, False or (vanishing, exploding), got {grad_health!r}"
        ) from None
    if not 0 < lo < hi:
        raise ValueError(
            f"grad_health thresholds must satisfy 0 < vanishing < exploding, got {grad_health}"
        )
    return (float(lo), float(hi))


def as_roots(root: Tensor | Sequence[Tensor], who: str = "draw_graph") -> list[Tensor]:
    """A Tensor, or a list such as `[loss, x.grad]` (None entries skipped), as a list."""
    if isinstance(root, Tensor):
        return [root]
    if isinstance(root, str) or not isinstance(root, Sequence):
        raise TypeError(f"{who}: expected a Tensor or a list of Tensors, got {type(root).__name__}")
    roots = [r for r in root if r is not None]
    bad = [type(r).__name__ for r in roots if not isinstance(r, Tensor)]
    if bad or not roots:
        raise TypeError(f"{who}: expected a Tensor or a list of Tensors, got {bad or root}")
    return roots
