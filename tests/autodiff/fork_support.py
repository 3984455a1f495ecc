"""Running a check in a child process forked while another thread holds a lock: what
`multiprocessing` does (its default start method on Linux) in a program with threads."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable


def in_forked_child(
    child: Callable[[], bool], held: threading.Lock, timeout: float = 30.0
) -> int | None:
    """Fork while another thread holds `held`; the child runs `child()` and exits 0 if it
    returned True, 1 if not, 2 if it raised. The child's exit code, or None if it had not
    exited within `timeout` seconds (then it is killed)."""
    holding, forked = threading.Event(), threading.Event()

    def hold() -> None:
        with held:
            holding.set()
            forked.wait(timeout=10)

    holder = threading.Thread(target=hold)
    holder.start()
    holding.wait(timeout=10)
    pid = os.fork()
    if pid == 0:  # the child (without the holder thread): never return into pytest
        code = 2
        try:
            code = 0 if child() else 1
        finally:
            os._exit(code)
    forked.set()
    holder.join()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.01)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return None
