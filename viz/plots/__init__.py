"""Plots for lessons and training runs (matplotlib, headless: each returns a Figure)."""

from .functions import plot_functions
from .gradient_flow import plot_gradient_flow
from .history import plot_history
from .images import plot_filters, show_images
from .optimizers import plot_optimizer_paths
from .style import OKABE_ITO, integer_ticks, legend_outside, series_style
from .taylor import plot_taylor

__all__ = [
    "OKABE_ITO",
    "integer_ticks",
    "legend_outside",
    "series_style",
    "plot_filters",
    "plot_functions",
    "plot_gradient_flow",
    "plot_history",
    "plot_optimizer_paths",
    "plot_taylor",
    "show_images",
]
