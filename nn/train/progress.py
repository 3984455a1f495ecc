"""Progress: what `Trainer.fit()` shows while it runs.

- On a terminal: a tqdm bar per epoch with the running loss and accuracy, replaced at the end
  of the epoch by one summary line.
- In a Jupyter notebook (an IPython kernel, whose stderr is no terminal): the same bar as one
  HTML output updated in place (`NotebookBar`), so it needs no widgets extension, then the
  summary line.
- Anywhere else (CI logs, files, pipes): only the summary lines. A bar redraws itself with
  carriage returns several times a second; in a log each redraw is a new chunk of text, so one
  epoch would leave hundreds of lines there.

The bar goes to stderr (tqdm's default), the summary lines to stdout, so `> log.txt` keeps the
results. `Trainer(progress=False)` shows nothing.
"""

from __future__ import annotations

import html
import sys
import time
from collections.abc import Mapping
from typing import Any, TextIO

from tqdm import tqdm

# Seconds between redraws of the bar: live enough to watch, few enough to cost nothing.
MININTERVAL = 0.25


class Progress:
    """A bar per epoch (terminal only) and a summary line per epoch (`enabled` only)."""

    def __init__(self, enabled: bool, epochs: int, bar_file: TextIO | None = None) -> None:
        self.enabled = enabled
        self.epochs = epochs
        self.bar_file = bar_file
        self.bar: Any = None

    def start_epoch(self, epoch: int, batches: int | None) -> None:
        if not self.enabled:
            return
        file = self.bar_file or sys.stderr
        if self.bar_file is None and in_notebook():
            self.bar = NotebookBar(batches, f"epoch {epoch + 1}/{self.epochs}")
            return
        self.bar = tqdm(
            total=batches,
            desc=f"epoch {epoch + 1}/{self.epochs}",
            file=file,
            leave=False,  # the summary line replaces it
            disable=not _is_terminal(file),
            dynamic_ncols=True,
            mininterval=MININTERVAL,
            unit="batch",
        )

    def update(self, loss: float, acc: float | None) -> None:
        """One batch done: `loss` and `acc` are the running means over the epoch so far."""
        if self.bar is None or self.bar.disable:
            return
        postfix = {"loss": f"{loss:.4f}"}
        if acc is not None:
            postfix["acc"] = f"{100 * acc:.2f}%"
        self.bar.set_postfix(postfix, refresh=False)  # redrawn at most every mininterval
        self.bar.update()

    def end_epoch(self, epoch: int, logs: Mapping[str, float], seconds: float) -> None:
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        tqdm.write(summary_line(epoch, self.epochs, logs, seconds), file=sys.stdout)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def summary_line(epoch: int, epochs: int, logs: Mapping[str, float], seconds: float) -> str:
    """e.g. "epoch  3/10  train_loss 0.1234  train_acc 96.52%  val_loss 0.1100  ...  4.1 s"."""
    width = len(str(epochs))
    parts = [f"epoch {epoch + 1:>{width}}/{epochs}"]
    for key, value in logs.items():
        if key.endswith("_acc"):
            parts.append(f"{key} {100 * value:.2f}%")
        elif key == "lr":
            parts.append(f"lr {value:.3g}")
        else:
            parts.append(f"{key} {value:.4f}")
    parts.append(f"{seconds:.1f} s")
    return "  ".join(parts)


class NotebookBar:
    """A progress bar in a Jupyter output: an HTML `<progress>` and text, redrawn in place
    through an IPython display handle at most every MININTERVAL seconds (and at the end)."""

    disable = False

    def __init__(self, total: int | None, desc: str) -> None:
        from IPython.display import display  # in a kernel IPython is already imported

        self.total, self.desc, self.n, self.postfix = total, desc, 0, ""
        self.start = self.drawn = time.perf_counter()
        self.handle = display(self._html(), display_id=True)

    def set_postfix(self, postfix: Mapping[str, str], refresh: bool = False) -> None:
        self.postfix = ", ".join(f"{k} {v}" for k, v in postfix.items())

    def update(self) -> None:
        self.n += 1
        now = time.perf_counter()
        if now - self.drawn >= MININTERVAL:
            self.drawn = now
            self.handle.update(self._html())

    def close(self) -> None:
        self.handle.update(self._html())

    def _html(self) -> Any:
        from IPython.display import HTML

        value = f' value="{self.n}" max="{self.total}"' if self.total else ""  # else: unknown
        count = f"{self.n}/{self.total}" if self.total else f"{self.n}"
        seconds = time.perf_counter() - self.start
        text = f"{self.desc}  {count} batches  {self.postfix}  {seconds:.1f} s"
        return HTML(
            f'<div class="glassgrad-progress"><progress{value} style="width:40%"></progress> '
            f"<code>{html.escape(text)}</code></div>"
        )


def in_notebook() -> bool:
    """Are we in a Jupyter kernel? (Looked up without importing IPython.)"""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


def _is_terminal(file: Any) -> bool:
    try:
        return bool(file.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed file
        return False
