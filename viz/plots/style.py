"""Curves a reader can tell apart: colour, dash and marker all differ from one curve to the next.

The colours are Okabe and Ito's palette, chosen to stay distinct with the common colour-vision
deficiencies; the dashes and markers keep curves apart in greyscale and where one runs on top
of another (a dashed line over a solid one still shows both).

    for i, (name, values) in enumerate(curves.items()):
        ax.plot(epochs, values, **viz.series_style(i), label=name)
    viz.integer_ticks(ax)        # epochs 1, 2, 3: no 1.5
    viz.legend_outside(ax)       # the legend beside the axes, never over the data
"""

from __future__ import annotations

from typing import Any

from matplotlib.ticker import MaxNLocator

# Okabe & Ito (2008), "Color Universal Design": blue, vermillion, bluish green, reddish purple,
# orange, sky blue, black. Their yellow is left out: it vanishes on white.
OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
DASHES: tuple[Any, ...] = (
    "-",
    "--",
    "-.",
    ":",
    (0, (5, 1, 1, 1, 1, 1)),
    (0, (8, 2)),
    (0, (1, 1)),
)
MARKERS = ("o", "s", "^", "D", "v", "P", "X")


def series_style(i: int) -> dict[str, Any]:
    """Matplotlib line keywords for the i-th curve of a plot: `color`, `linestyle` and `marker`,
    all three different from the other six of the first seven curves."""
    n = len(OKABE_ITO)
    # The dashes and markers turn one step further for each lap of the colours: curve 7 is not
    # curve 0 again.
    lap = i // n
    return {
        "color": OKABE_ITO[i % n],
        "linestyle": DASHES[(i + lap) % len(DASHES)],
        "marker": MARKERS[(i + 2 * lap) % len(MARKERS)],
    }


def legend_outside(ax: Any, **kwargs: Any) -> Any:
    """The axes' legend to the right of them, top-aligned (keyword arguments go to legend)."""
    return ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, **kwargs)


def integer_ticks(ax: Any, axis: str = "x") -> None:
    """Only whole numbers as ticks on `axis` ("x" or "y"): epochs and steps are counts."""
    getattr(ax, f"{axis}axis").set_major_locator(MaxNLocator(integer=True))
