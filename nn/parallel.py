"""nn.DataParallel: a module's batch split over worker processes, as PyTorch's nn.DataParallel
splits it over GPUs.

numpy runs each call on one core, and a second thread gains little on a small network: every
call takes the GIL, and at W3's op sizes the two threads mostly wait for it (benchmarks/README.md,
"Threads, not cores"). Processes share no GIL. So a replica of the module runs in each worker
process, on its chunk of the batch, beside the caller's chunk:

    model = nn.DataParallel(net, processes=2)  # net's parameters move into shared memory
    out = model(x)            # x split along dim 0: chunk 0 runs here, the others in the workers
    loss = criterion(out, t)  # `out` is net(x)'s value, up to the order of float sums
    loss.backward()           # each worker backpropagates its chunk; the gradients are summed
                              # into net's parameters' .grad (PyTorch reduces its replicas' so)
    optimizer.step()          # in place, in shared memory: the workers see the new weights

The parameters (and buffers) live in one shared-memory block that every process maps, so a step
sends only the inputs, the outputs and their gradients, and the parameters' gradients. In the
graph the workers' part is two nodes: `to_workers`, made before the caller runs its chunk, and
`from_workers`, which receives the workers' outputs after it. Backward reaches `from_workers`
first (newest first), which sends the workers their outputs' gradients and returns at once; the
caller then backpropagates its own chunk while the workers do theirs, and `to_workers`, the
oldest, collects their parameters' gradients last.

As in PyTorch, buffers are copied to the replicas at each forward and the replicas' changes to
them are dropped (BatchNorm's running statistics are the caller's chunk's), BatchNorm normalises
each chunk with its own statistics, and the workers draw their own random numbers (dropout's
masks differ from a single-process run's). Not supported, with an error at the line: double
backward (create_graph) through the workers, Tensor inputs that are numpy arrays, and modules that
cannot be pickled.
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import os
import pickle
import threading
import time
import traceback
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing import get_context, shared_memory
from typing import Any

import numpy as np

import autodiff
from autodiff import Tensor

from .module import Module

_ALIGN = 64  # bytes: each array of the shared block starts on its own cache line


class DataParallel(Module):
    """Runs `module` on chunks of the batch in `processes` processes (this one and
    processes - 1 workers); the outputs are gathered along `dim`, the gradients summed.

    `module(x)` with x (N, ...) gives what module(x) gives, (N, ...): chunks of ceil(N / processes)
    along `dim` (fewer chunks when N is smaller). Tensors among the inputs are split, other
    values are passed to every replica. The outputs may be a Tensor or tuples, lists and dicts of
    them. `processes` defaults to the CPUs this process may use. Run each process's numpy work on
    one thread (`autodiff.set_num_threads(1)` here; the workers do so themselves).

    The workers start in the constructor (under a second: each imports numpy and glassgrad)
    and stop with `close()`, at the end of a `with` block, or when the object is collected.
    """

    def __init__(
        self,
        module: Module,
        device_ids: Sequence[int] | None = None,
        output_device: int | None = None,
        dim: int = 0,
        *,
        processes: int | None = None,
    ) -> None:
        super().__init__()
        if device_ids is not None or output_device is not None:
            raise ValueError(
                "DataParallel: glassgrad runs the replicas in processes on this machine's CPUs, "
                "not on devices; pass processes=N instead of device_ids/output_device"
            )
        if not isinstance(module, Module):
            raise TypeError(f"DataParallel: expected an nn.Module, got {type(module).__name__}")
        if processes is None:
            usable = getattr(os, "sched_getaffinity", None)
            processes = len(usable(0)) if usable else os.cpu_count() or 1
        if not isinstance(processes, int) or processes < 1:
            raise ValueError(f"DataParallel: processes must be an int >= 1, got {processes!r}")
        self.module = module
        self.dim = dim
        self.processes = processes
        self._workers = _Workers(module, processes - 1) if processes > 1 else None

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        if self._workers is None:
            return self.module(*inputs, **kwargs)
        chunks = _scatter(inputs, kwargs, self.processes, self.dim)
        if len(chunks) == 1:
            return self.module(*chunks[0][0], **chunks[0][1])
        return self._workers.run(self.module, chunks, self.dim)

    @property
    def worker_pids(self) -> list[int]:
        """The worker processes' ids (to watch their CPU time, say); [] with one process."""
        return [] if self._workers is None else [p.pid for p in self._workers.processes]

    def close(self) -> None:
        """Stop the workers and give the module's parameters private arrays again."""
        if self._workers is not None:
            self._workers.close()
            self._workers = None
            self.processes = 1

    def __enter__(self) -> DataParallel:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def extra_repr(self) -> str:
        return f"processes={self.processes}, dim={self.dim}"

    def __reduce_ex__(self, protocol: Any) -> Any:
        raise TypeError(
            "DataParallel cannot be copied or pickled (it owns worker processes); copy or save "
            "its .module, or its state_dict()"
        )


# ------------------------------------------------------------------ splitting and gathering
def _scatter(inputs: tuple, kwargs: dict, n: int, dim: int) -> list[tuple[tuple, dict[str, Any]]]:
    """The (args, kwargs) of each chunk: Tensors split along `dim` into chunks of ceil(N / n),
    everything else passed to every chunk."""
    leaves, spec = _flatten((inputs, kwargs))
    sizes = {t.shape[dim] for t in leaves if isinstance(t, Tensor)}
    for leaf in leaves:
        if isinstance(leaf, np.ndarray):
            raise TypeError(
                "DataParallel: got a numpy array among the inputs; pass a Tensor "
                "(autodiff.Tensor(array)): only Tensors are split over the processes"
            )
    if not sizes:
        raise TypeError("DataParallel: no Tensor among the inputs to split over the processes")
    if len(sizes) > 1:
        raise ValueError(
            f"DataParallel: the input Tensors have sizes {sorted(sizes)} along dim {dim}; "
            "they must agree to be split into the same chunks"
        )
    (size,) = sizes
    chunk = -(-size // n)
    pieces = [autodiff.split(t, chunk, dim) if isinstance(t, Tensor) else None for t in leaves]
    count = len(next(p for p in pieces if p is not None))
    return [
        _unflatten(spec, [leaf if p is None else p[i] for leaf, p in zip(leaves, pieces)])
        for i in range(count)
    ]


def _flatten(tree: Any) -> tuple[list[Any], Any]:
    """The leaves of nested tuples, lists and dicts, and a spec of the structure (picklable:
    it crosses to the workers) that `_unflatten` fills with new leaves."""
    if isinstance(tree, tuple | list):
        parts = [_flatten(item) for item in tree]
        spec = ("sequence", type(tree), [spec for _, spec in parts], [len(x) for x, _ in parts])
        return [leaf for leaves, _ in parts for leaf in leaves], spec
    if isinstance(tree, dict):
        values, spec = _flatten([tree[k] for k in tree])
        return values, ("dict", list(tree), spec)
    return [tree], None


def _unflatten(spec: Any, leaves: list[Any]) -> Any:
    if spec is None:
        return leaves[0]
    if spec[0] == "dict":
        _, keys, values = spec
        return dict(zip(keys, _unflatten(values, leaves)))
    _, kind, specs, counts = spec
    items, start = [], 0
    for item_spec, count in zip(specs, counts):
        items.append(_unflatten(item_spec, leaves[start : start + count]))
        start += count
    if kind in (tuple, list):
        return kind(items)
    return kind(*items)  # a namedtuple


def _gather(outputs: list[Any], dim: int) -> Any:
    """The chunks' outputs (the same structure each) as one: Tensors concatenated along `dim`,
    other values the first chunk's."""
    flat = [_flatten(out) for out in outputs]
    leaves0, spec = flat[0]
    gathered = []
    for i, leaf in enumerate(leaves0):
        if isinstance(leaf, Tensor):
            gathered.append(autodiff.cat([leaves[i] for leaves, _ in flat], dim=dim))
        else:
            gathered.append(leaf)
    return _unflatten(spec, gathered)


@dataclass
class _Posted:
    """A Tensor's array left in a worker's inbox (shared memory, so that sending it never
    waits for the worker to read): where it is, and whether it requires grad."""

    offset: int
    shape: tuple[int, ...]
    dtype: str
    requires_grad: bool


@dataclass
class _Sent:
    """A Tensor on its way between processes: its array and whether it requires grad."""

    array: np.ndarray
    requires_grad: bool


# ------------------------------------------------------------------ the caller's side
class _Step:
    """One forward through the workers: what the graph's two nodes share."""

    def __init__(self, workers: _Workers, number: int, count: int) -> None:
        self.workers, self.number, self.count = workers, number, count
        self.replies: list[tuple[list[Any], Any]] = []  # each worker's output leaves and spec
        self.outputs: list[list[np.ndarray]] = []  # each worker's float outputs, flat order

    def __repr__(self) -> str:  # shown by graph pictures among the node's constants
        return f"step {self.number} on {self.count} worker{'s' if self.count > 1 else ''}"


class _ToWorkers(autodiff.Function):
    """Made before the caller's chunk runs; its backward, which runs last, returns the workers'
    gradients of the parameters (summed) and of their inputs. Its output is empty: it only
    links the parameters to `from_workers`."""

    op = "to_workers"
    supports_create_graph = False

    @staticmethod
    def forward(ctx: Any, *arrays: Any, step: _Step, params: int) -> np.ndarray:
        return np.empty(0, dtype=np.result_type(*(a.dtype for a in arrays[:params]), np.float32))

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple:
        step: _Step = ctx.kwargs["step"]
        param_grads: list[Any] = [None] * ctx.kwargs["params"]
        input_grads: list[Any] = []
        for worker in range(step.count):
            got_params, got_inputs = step.workers.receive(worker, step.number, "backward")
            for i, g_param in enumerate(got_params):
                if g_param is not None:
                    current = param_grads[i]
                    param_grads[i] = g_param if current is None else current + g_param
            input_grads += got_inputs
        return (*param_grads, *input_grads)


class _FromWorkers(autodiff.Function):
    """The workers' float outputs, flattened into one array; its backward sends each worker
    its outputs' gradients and returns without waiting for them."""

    op = "from_workers"
    supports_create_graph = False

    @staticmethod
    def forward(ctx: Any, token: np.ndarray, *, step: _Step) -> np.ndarray:
        arrays = [a.reshape(-1) for outputs in step.outputs for a in outputs]
        return np.concatenate(arrays) if arrays else np.empty(0, dtype=token.dtype)

    @staticmethod
    def backward(ctx: Any, g: np.ndarray) -> np.ndarray:
        step: _Step = ctx.kwargs["step"]
        start = 0
        for worker, outputs in enumerate(step.outputs):
            grads = []
            for a in outputs:
                grads.append(g[start : start + a.size].reshape(a.shape))
                start += a.size
            step.workers.send(worker, ("backward", step.number, grads))
        return np.zeros(0, dtype=g.dtype)


def _is_float(leaf: Any) -> bool:
    return isinstance(leaf, _Sent) and leaf.array.dtype.kind == "f"


class _Workers:
    """The worker processes of one DataParallel, the shared block of its module's parameters
    and buffers, and the messages to and from them."""

    def __init__(self, module: Module, count: int) -> None:
        self.entries = _shared_entries(module)
        self.param_count = len(list(module.parameters()))
        layout, size = [], 0
        for t in self.entries:
            layout.append((size, t.data.shape, t.data.dtype.str))
            size += -(-t.data.nbytes // _ALIGN) * _ALIGN
        try:
            replica = pickle.dumps(module)
        except Exception as exc:
            raise TypeError(
                f"DataParallel: the module cannot be sent to the worker processes, pickling "
                f"it fails ({type(exc).__name__}: {exc}); hooks and attributes that are "
                "lambdas, locks or open files cannot cross processes"
            ) from None
        self.block = shared_memory.SharedMemory(create=True, size=max(size, 1))
        self.views = _views(self.block, layout)
        for t, view in zip(self.entries, self.views):
            view[...] = t.data
            t.data = view
        # The workers' seeds, from glassgrad's generator: manual_seed makes a run reproducible
        seeds = (autodiff.rand(count, dtype=autodiff.float64).data * 2**53).astype(np.int64)
        context = get_context("spawn")  # fork would copy this process's threads' locks
        self.connections, self.processes = [], []
        blas = os.environ.get("OPENBLAS_NUM_THREADS")
        os.environ["OPENBLAS_NUM_THREADS"] = "1"  # the workers' BLAS: one thread each
        try:
            for rank in range(1, count + 1):
                here, there = context.Pipe()
                process = context.Process(
                    target=_serve,
                    args=(there, replica, self.block.name, layout, int(seeds[rank - 1]), rank),
                    name=f"glassgrad-DataParallel-{rank}",
                    daemon=True,
                )
                process.start()
                there.close()
                self.connections.append(here)
                self.processes.append(process)
        finally:
            if blas is None:
                del os.environ["OPENBLAS_NUM_THREADS"]
            else:
                os.environ["OPENBLAS_NUM_THREADS"] = blas
        self.numbers = itertools.count(1)
        self.forward_lock = threading.Lock()
        self.inboxes: list[shared_memory.SharedMemory | None] = [None] * count
        self.send_locks = [threading.Lock() for _ in self.connections]
        self.receive_locks = [threading.Lock() for _ in self.connections]
        self.early: dict[tuple[int, int, str], Any] = {}  # replies that came before asked for
        # Steps whose graph is gone, so the workers may drop theirs (appended by finalizers,
        # which may run at any allocation: the next forward message carries them)
        self.freed: collections.deque[int] = collections.deque()
        self._finalizer = weakref.finalize(
            self, _stop, self.connections, self.processes, [self.block], self.inboxes
        )
        try:  # each worker has imported glassgrad and mapped the block: errors surface here
            for worker in range(count):
                self.receive(worker, 0, "ready")
        except BaseException:
            self.close()
            raise

    def run(self, module: Module, chunks: list[tuple[tuple, dict]], dim: int) -> Any:
        """module on each chunk, chunk 0 here and the others in the workers, gathered. One
        forward at a time: a worker's inbox is written again only once it has replied."""
        with self.forward_lock:
            return self._run(module, chunks, dim)

    def _run(self, module: Module, chunks: list[tuple[tuple, dict]], dim: int) -> Any:
        self._check_shared(module)
        number, count = next(self.numbers), len(chunks) - 1
        step = _Step(self, number, count)
        grad = autodiff.is_grad_enabled()
        flags = [t.requires_grad for t in self.entries]
        training = [m.training for m in module.modules()]
        freed = [self.freed.popleft() for _ in range(len(self.freed))]
        worker_inputs: list[Tensor] = []
        for worker, chunk in enumerate(chunks[1:]):
            leaves, spec = _flatten(chunk)
            inbox, sent = self._post(worker, leaves)
            if grad:
                worker_inputs += [x for x in leaves if isinstance(x, Tensor) and x.requires_grad]
            message = ("forward", number, inbox, sent, spec, grad, flags, training, freed)
            self.send(worker, message)
        params = self.entries[: self.param_count]
        token = _ToWorkers.apply(*params, *worker_inputs, step=step, params=len(params))
        local = module(*chunks[0][0], **chunks[0][1])
        for worker in range(count):
            leaves, spec = self.receive(worker, number, "forward")
            step.replies.append((leaves, spec))
            step.outputs.append([x.array for x in leaves if _is_float(x)])
        flat = _FromWorkers.apply(token, step=step)
        if flat.requires_grad:  # the workers keep their graphs until this one is gone
            weakref.finalize(flat.grad_fn, self.freed.append, number)
        outputs, start = [local], 0
        for leaves, spec in step.replies:
            rebuilt = []
            for leaf in leaves:
                if _is_float(leaf):
                    size = leaf.array.size
                    rebuilt.append(flat[start : start + size].reshape(leaf.array.shape))
                    start += size
                elif isinstance(leaf, _Sent):
                    rebuilt.append(Tensor(leaf.array))
                else:
                    rebuilt.append(leaf)
            outputs.append(_unflatten(spec, rebuilt))
        return _gather(outputs, dim)

    def _post(self, worker: int, leaves: list[Any]) -> tuple[str, list[Any]]:
        """The Tensors among `leaves` copied into the worker's inbox (a bigger one when they
        do not fit), as _Posted; the inbox's name and the leaves to send."""
        sizes = [-(-x.data.nbytes // _ALIGN) * _ALIGN for x in leaves if isinstance(x, Tensor)]
        inbox = self.inboxes[worker]
        if inbox is None or inbox.size < sum(sizes):
            if inbox is not None:  # the worker still maps it: the memory goes when it lets go
                inbox.close()
                inbox.unlink()
            size = max(sum(sizes), 2 * (0 if inbox is None else inbox.size), _ALIGN)
            inbox = self.inboxes[worker] = shared_memory.SharedMemory(create=True, size=size)
        sent, offset = [], 0
        for x in leaves:
            if isinstance(x, Tensor):
                array = x.data
                view = np.ndarray(array.shape, array.dtype, buffer=inbox.buf, offset=offset)
                np.copyto(view, array)
                del view  # no export left behind: the inbox can be closed when replaced
                sent.append(_Posted(offset, array.shape, array.dtype.str, x.requires_grad))
                offset += -(-array.nbytes // _ALIGN) * _ALIGN
            else:
                sent.append(x)
        return inbox.name, sent

    def send(self, worker: int, message: tuple) -> None:
        with self.send_locks[worker]:
            try:
                self.connections[worker].send(message)
            except (BrokenPipeError, ConnectionResetError, OSError):
                raise self._died(worker) from None

    def receive(self, worker: int, number: int, kind: str) -> Any:
        """The worker's reply to request `kind` of step `number` (replies to other requests
        that come first are kept for whoever asks for them)."""
        key = (worker, number, kind)
        with self.receive_locks[worker]:
            while key not in self.early:
                try:
                    _spin(self.connections[worker])
                    status, got_number, got_kind, payload = self.connections[worker].recv()
                except (EOFError, OSError):
                    raise self._died(worker) from None
                self.early[(worker, got_number, got_kind)] = (status, payload)
            status, payload = self.early.pop(key)
        if status == "error":
            raise _reraise(payload, worker + 1, kind)
        return payload

    def held(self) -> list[list[int]]:
        """The steps whose graphs each worker still keeps (for tests: they are dropped once the
        caller's graph of the step is gone, at the next forward)."""
        number = next(self.numbers)
        for worker in range(len(self.connections)):
            self.send(worker, ("held", number))
        return [self.receive(worker, number, "held") for worker in range(len(self.connections))]

    def _died(self, worker: int) -> RuntimeError:
        process = self.processes[worker]
        process.join(timeout=1)
        return RuntimeError(
            f"DataParallel: worker process {worker + 1} (pid {process.pid}) has exited "
            f"(exit code {process.exitcode}); build a new DataParallel"
        )

    def _check_shared(self, module: Module) -> None:
        """Every parameter and buffer still in the shared block: one given a new array of
        the same shape and dtype (a load_state_dict, `p.data = ...`) is copied into it."""
        entries = _shared_entries(module)
        if len(entries) != len(self.entries) or any(
            t is not known for t, known in zip(entries, self.entries)
        ):
            raise RuntimeError(
                "DataParallel: the module's parameters or buffers changed (added, removed or "
                "replaced) since the workers started; build a new DataParallel"
            )
        for t, view in zip(entries, self.views):
            if t.data is not view:
                if t.data.shape != view.shape or t.data.dtype != view.dtype:
                    raise RuntimeError(
                        f"DataParallel: a parameter or buffer changed from {view.shape} "
                        f"{view.dtype} to {t.data.shape} {t.data.dtype} since the workers "
                        "started; build a new DataParallel"
                    )
                view[...] = t.data
                t.data = view

    def close(self) -> None:
        for t, view in zip(self.entries, self.views):
            if t.data is view:
                t.data = view.copy()
        self.views = []
        self._finalizer()
        self._release()

    def _release(self) -> None:
        # BufferError: views still exported; the mapping goes with the last of them
        with contextlib.suppress(BufferError):
            self.block.close()
        with contextlib.suppress(FileNotFoundError):
            self.block.unlink()


def _shared_entries(module: Module) -> list[Tensor]:
    """The module's parameters, then its buffers: what the shared block holds."""
    params = list(module.parameters())
    buffers = [b for b in module.buffers() if isinstance(b, Tensor)]
    return params + buffers


def _views(block: shared_memory.SharedMemory, layout: list) -> list[np.ndarray]:
    return [
        np.ndarray(shape, dtype=np.dtype(dtype), buffer=block.buf, offset=offset)
        for offset, shape, dtype in layout
    ]


def _stop(connections: list, processes: list, *blocks: list) -> None:
    for connection in connections:
        with contextlib.suppress(OSError):
            connection.send(("close",))
        connection.close()
    for process in processes:
        process.join(timeout=5)
        if process.is_alive():
            process.terminate()
            process.join(timeout=5)
    for block in itertools.chain(*blocks):
        if block is not None:
            with contextlib.suppress(FileNotFoundError):
                block.unlink()


# How long a process waits for a message awake before it sleeps in recv: waking a sleeping
# process costs 60-200 us on our machines, twice a step (benchmarks/README.md, W11); the
# caller's steps of a small network come every few milliseconds. (OpenMP's threads spin too.)
SPIN_SECONDS = 0.005


def _spin(connection: Any) -> None:
    """Return when a message is waiting, or after SPIN_SECONDS."""
    if connection.poll():
        return
    deadline = time.perf_counter() + SPIN_SECONDS
    while time.perf_counter() < deadline:
        if connection.poll():
            return


def _reraise(payload: tuple, rank: int, kind: str) -> BaseException:
    """The worker's exception as the caller's: its type where it can be built from a message
    (as PyTorch's DataParallel re-raises a replica's), with the worker's traceback."""
    exc_type, text = payload
    message = f"Caught {exc_type.__name__} in DataParallel worker {rank} ({kind}).\n{text}"
    try:
        return exc_type(message)
    except Exception:
        return RuntimeError(message)


# ------------------------------------------------------------------ the worker's side
def _serve(
    connection: Any, replica: bytes, block_name: str, layout: list, seed: int, rank: int
) -> None:
    """A worker: the replica's parameters in the shared block, its buffers private copies;
    then forward and backward requests until the caller says close or goes away."""
    try:
        autodiff.set_num_threads(1)
        # A process of training steps: reuse warm pages rather than fault in fresh ones
        autodiff.memory.keep_freed_memory()
        autodiff.manual_seed(seed)
        module: Module = pickle.loads(replica)
        for m in module.modules():  # a generator of the caller's, copied: draw our own stream
            for name, value in vars(m).items():
                if isinstance(value, np.random.Generator):
                    setattr(m, name, np.random.default_rng([seed, rank]))
        block = shared_memory.SharedMemory(name=block_name)
        views = _views(block, layout)
        entries = _shared_entries(module)
        params = list(module.parameters())
        for t, view in zip(params, views):
            t.data = view
        buffers = list(zip(entries[len(params) :], views[len(params) :]))
        modules = list(module.modules())
    except Exception as exc:
        connection.send(("error", 0, "ready", _exception(exc)))
        return
    connection.send(("ok", 0, "ready", None))
    _loop(connection, module, params, buffers, modules)


def _loop(
    connection: Any,
    module: Module,
    params: list[Tensor],
    buffers: list[tuple[Tensor, np.ndarray]],
    modules: list[Module],
) -> None:
    """The worker's requests, until the caller says close or goes away."""
    inbox = None
    graphs: dict[int, tuple[list[Tensor], list[Tensor]]] = {}
    while True:
        try:
            _spin(connection)
            message = connection.recv()
        except (EOFError, OSError):
            return
        kind = message[0]
        if kind == "close":
            return
        number = message[1]
        try:
            if kind == "held":  # how many graphs this worker keeps (tests check they are freed)
                connection.send(("ok", number, kind, sorted(graphs)))
                continue
            if kind == "forward":
                inbox_name, sent, spec, grad, flags, training, freed = message[2:]
                if inbox is None or inbox.name != inbox_name.lstrip("/"):
                    if inbox is not None:
                        inbox.close()
                    inbox = shared_memory.SharedMemory(name=inbox_name)
                for gone in freed:
                    graphs.pop(gone, None)
                for t, flag in zip(params, flags):
                    t.requires_grad = flag
                for m, mode in zip(modules, training):
                    m.training = mode
                for t, view in buffers:
                    t.data = view.copy()
                leaves = [_received(x, inbox, grad) if isinstance(x, _Posted) else x for x in sent]
                args, kwargs = _unflatten(spec, leaves)
                with autodiff.set_grad_enabled(grad):
                    out = module(*args, **kwargs)
                out_leaves, out_spec = _flatten(out)
                if grad:
                    inputs = [x for x in leaves if isinstance(x, Tensor) and x.requires_grad]
                    graphs[number] = (inputs, [x for x in out_leaves if _is_float_tensor(x)])
                reply = (
                    [
                        _Sent(x.data, x.requires_grad) if isinstance(x, Tensor) else x
                        for x in out_leaves
                    ],
                    out_spec,
                )
            else:  # "backward"
                (grads,) = message[2:]
                inputs, outputs = graphs[number]
                pairs = [(o, g) for o, g in zip(outputs, grads) if o.requires_grad]
                wanted = [p for p in params if p.requires_grad] + inputs
                found: list[Any] = [None] * len(wanted)
                if pairs and wanted:
                    found = list(
                        autodiff.gradients(
                            [o for o, _ in pairs],
                            wanted,
                            [g for _, g in pairs],
                            retain_graph=True,
                            allow_unused=True,
                        )
                    )
                arrays = iter(None if g is None else g.data for g in found)
                param_grads = [next(arrays) if p.requires_grad else None for p in params]
                reply = (param_grads, list(arrays))
            connection.send(("ok", number, kind, reply))
        except Exception as exc:
            connection.send(("error", number, kind, _exception(exc)))


def _exception(exc: Exception) -> tuple[type, str]:
    """An exception as it crosses to the caller: its type (RuntimeError for one the caller
    could not unpickle) and the worker's traceback."""
    exc_type = type(exc)
    try:
        pickle.dumps(exc_type)
    except Exception:  # a class the caller could not import: its name is in the traceback
        exc_type = RuntimeError
    return exc_type, traceback.format_exc()


def _received(posted: _Posted, inbox: shared_memory.SharedMemory, grad: bool) -> Tensor:
    """A posted input as a Tensor of its own (a copy: the inbox serves the next forward)."""
    view = np.ndarray(posted.shape, np.dtype(posted.dtype), buffer=inbox.buf, offset=posted.offset)
    return Tensor(view.copy(), requires_grad=posted.requires_grad and grad)


def _is_float_tensor(x: Any) -> bool:
    return isinstance(x, Tensor) and x.data.dtype.kind == "f"


__all__ = ["DataParallel"]
