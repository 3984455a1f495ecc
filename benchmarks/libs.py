"""The engines: one adapter per library, one method per kind of workload.

Each method builds what it needs from the shared numpy data and returns a step: a function
doing one unit of the workload, the way that library is normally used (gradient reset
included), and returning its result natively (converting inside the timed loop would be
timed too):

    net(data)      W1/W2/W3/W7/W8: one training step (forward, softmax cross-entropy, backward,
                   SGD or Adam update, gradient reset); returns the loss computed before the
                   update
    scalar(data)   W4: forward + backward of micrograd's MLP, op by op on scalars; the loss
    small(x)       W5: forward + backward of ((x*x + x)*x).sum(); (value, gradient)
    chain(n)       W6: y = x, n times y = y + x, backward; (value, gradient)
    hvp(data, v)   W9: the Hessian-vector product of the loss with respect to every parameter
    infer(data)    W10: the forward pass under the library's no-grad mode; the logits
    epoch(data)    W11: (train, evaluate): train(epoch) runs one epoch of examples/mnist_cnn.py's
                   loop and returns (first loss, mean loss, accuracy); evaluate() returns the
                   test (loss, accuracy)

`value(v)` and `array(g)` turn the native results into a float and an ndarray for the checks;
`arrays(gs)` turns a list of parameter-shaped results into arrays in PyTorch's layouts.
A library is imported only in the child process that runs it (`load`); every import is of a
library that is installed, since the runner skips those that are not.
"""

from __future__ import annotations

import contextlib
import math
import os
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .child import EPOCH_PROCESSES_VAR, GLIBC_DEFAULTS_VAR
from .workloads import (
    ADAM_LR,
    EPOCH_LR,
    EPOCH_T_MAX,
    LR,
    EpochData,
    NetData,
    ScalarData,
    Spec,
)

Step = Callable[[], Any]


class Unavailable(Exception):
    """The library cannot be imported; the message is what its cells show."""


class Engine:
    name = ""
    module = ""  # the importable module whose presence means "installed"
    dist = ""  # the distribution whose version is reported

    def load(self, threads: int) -> None:
        raise NotImplementedError

    def net(self, data: NetData) -> Step:
        raise NotImplementedError

    def scalar(self, data: ScalarData) -> Step:
        raise NotImplementedError

    def small(self, x: np.ndarray) -> Step:
        raise NotImplementedError

    def chain(self, n: int) -> Step:
        raise NotImplementedError

    def hvp(self, data: NetData, vectors: list[np.ndarray]) -> Step:
        raise NotImplementedError

    def infer(self, data: NetData) -> Step:
        raise NotImplementedError

    def epoch(self, data: EpochData) -> tuple[Callable[[int], Any], Callable[[], Any]]:
        raise NotImplementedError

    def value(self, v: Any) -> float:
        return float(v.item())

    def array(self, g: Any) -> np.ndarray:
        return np.asarray(g, dtype=np.float64)

    def arrays(self, gs: Sequence[Any]) -> list[np.ndarray]:
        return [self.array(g) for g in gs]


def _import(name: str) -> Any:
    try:
        return __import__(name, fromlist=["_"])
    except ImportError as exc:
        raise Unavailable("not installed") from exc
    except Exception as exc:  # a broken install must not take the harness down
        raise Unavailable(f"import fails ({type(exc).__name__}: {exc})") from exc


def scalar_mlp_loss(
    layers: Sequence[Sequence[tuple[Sequence[Any], Any]]],
    xs: Sequence[Sequence[float]],
    ys: Sequence[float],
    tanh: Callable[[Any], Any],
) -> Any:
    """W4's forward, the same Python for every engine: micrograd's `nn.MLP`, op by op.

    Each neuron is micrograd's `sum((wi*xi for wi, xi in zip(self.w, x)), self.b)` followed by
    tanh (every layer, as in micrograd's lecture); the loss is the sum of (out - y)^2. The
    inputs and targets are Python floats, as in micrograd's demos.
    """
    total = None
    for x, y in zip(xs, ys):
        h = x
        for layer in layers:
            h = [tanh(sum((wi * hi for wi, hi in zip(w, h)), b)) for w, b in layer]
        d = h[0] - y
        term = d * d
        total = term if total is None else total + term
    return total


def _scalar_params(data: ScalarData, make: Callable[[float], Any]):
    """W4's parameters as one scalar object each: (layers for scalar_mlp_loss, flat list)."""
    layers, flat = [], []
    for w, b in data.layers:
        layer = []
        for row, bias in zip(w, b):
            neuron = ([make(float(v)) for v in row], make(float(bias)))
            flat += [*neuron[0], neuron[1]]
            layer.append(neuron)
        layers.append(layer)
    return layers, flat


def _floats(data: ScalarData) -> tuple[list[list[float]], list[float]]:
    return data.xs.tolist(), data.ys.tolist()


# W4-W6 as one Python function each, shared by every engine with tensor objects (glassgrad,
# torch, DeZero, MyGrad), so they all run the same code. `reset(t)` clears a gradient the
# engine's own way; None for MyGrad, which clears it when the tensor enters a new graph.
Reset = Callable[[Any], None] | None


def clear_grad(t: Any) -> None:
    """glassgrad's and torch's reset."""
    t.grad = None


def _scalar_step(data: ScalarData, make: Callable[[float], Any], tanh: Any, reset: Reset) -> Step:
    layers, params = _scalar_params(data, make)
    xs, ys = _floats(data)

    def step() -> Any:
        if reset is not None:
            for p in params:
                reset(p)
        loss = scalar_mlp_loss(layers, xs, ys, tanh)
        loss.backward()
        return loss

    return step


def _small_step(xt: Any, reset: Reset) -> Step:
    def step() -> Any:
        if reset is not None:
            reset(xt)
        y = ((xt * xt + xt) * xt).sum()
        y.backward()
        return y, xt.grad

    return step


def _chain_run(x: Any, n: int, reset: Reset) -> Step:
    def run() -> Any:
        if reset is not None:
            reset(x)
        y = x
        for _ in range(n):
            y = y + x
        y.backward()
        return y, x.grad

    return run


def _dot(grads: Sequence[Any], vectors: Sequence[Any]) -> Any:
    """sum over parameters of (g * v).sum(): W9's scalar, the same ops for every engine."""
    total = (grads[0] * vectors[0]).sum()
    for g, v in zip(grads[1:], vectors[1:]):
        total = total + (g * v).sum()
    return total


def _layout(weights: Sequence[np.ndarray]) -> list[np.ndarray]:
    """DeZero's and MyGrad's layouts: linear weights (in, out), i.e. PyTorch's transposed.
    Copies: their parameters share memory with the arrays, and the updates are in place."""
    return [w.T.copy() if w.ndim == 2 else w.copy() for w in weights]


def _numpy_adam(params: Sequence[Any], grad: Callable[[Any], np.ndarray], lr: float) -> Step:
    """PyTorch's Adam (defaults betas (0.9, 0.999), eps 1e-8) on `p.data` arrays in place, for
    MyGrad, which has no optimizers; `grad(p)` gives p's gradient array."""
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    state = [(np.zeros_like(p.data), np.zeros_like(p.data)) for p in params]
    t = 0

    def update() -> None:
        nonlocal t
        t += 1
        step_size, root = lr / (1 - beta1**t), math.sqrt(1 - beta2**t)
        for p, (m, v) in zip(params, state):
            g = grad(p)
            m += (1 - beta1) * (g - m)
            v *= beta2
            v += (1 - beta2) * g * g
            p.data -= step_size * m / (np.sqrt(v) / root + eps)

    return update


class Glassgrad(Engine):
    name, module, dist = "glassgrad", "autodiff", "glassgrad"

    def load(self, threads: int) -> None:
        self.autodiff = _import("autodiff")
        self.nn = _import("nn")
        # As torch.set_num_threads(threads) in Torch.load: glassgrad's kernels on `threads`
        # threads (BLAS then runs one thread per caller; autodiff/threads.py says why).
        self.autodiff.set_num_threads(threads)
        self.threads = threads
        # W11's cores: `threads` processes of one thread each (nn.DataParallel), or with
        # EPOCH_PROCESSES_VAR=1 one process of `threads` threads
        self.epoch_processes = int(os.environ.get(EPOCH_PROCESSES_VAR, threads))
        if not os.environ.get(GLIBC_DEFAULTS_VAR):  # as glassgrad's Trainer does by default
            self.autodiff.memory.keep_freed_memory()

    def model(self, spec: Spec, weights: list[np.ndarray]) -> Any:
        """An nn.Sequential of the spec's layers, loaded with the weights."""
        layers: list = []
        for layer in spec:
            layers.append(_glassgrad_layer(self.nn, layer, weights, layers))
        return self.nn.Sequential(*layers)

    def net(self, data: NetData) -> Step:
        autodiff, nn = self.autodiff, self.nn
        model = self.model(data.spec, data.weights)
        criterion = nn.CrossEntropyLoss()
        x, t = autodiff.Tensor(data.x), data.t
        params = list(model.parameters())
        if data.optimizer == "adam":
            optimizer = nn.optim.Adam(params, lr=ADAM_LR)

            def adam_step() -> Any:
                optimizer.zero_grad()
                loss = criterion(model(x), t)
                loss.backward()
                optimizer.step()
                return loss

            return adam_step

        def step() -> Any:
            loss = criterion(model(x), t)
            loss.backward()
            with autodiff.no_grad():
                for p in params:
                    p.sub_(p.grad, alpha=LR)
                    p.grad = None
            return loss

        return step

    def hvp(self, data: NetData, vectors: list[np.ndarray]) -> Step:
        autodiff = self.autodiff
        model = self.model(data.spec, data.weights)
        criterion = self.nn.CrossEntropyLoss()
        x, t = autodiff.Tensor(data.x), data.t
        params = list(model.parameters())
        vs = [autodiff.Tensor(v) for v in vectors]

        def step() -> Any:
            loss = criterion(model(x), t)
            grads = autodiff.gradients(loss, params, create_graph=True)
            return autodiff.gradients(_dot(grads, vs), params)

        return step

    def infer(self, data: NetData) -> Step:
        autodiff = self.autodiff
        model = self.model(data.spec, data.weights)
        x = autodiff.Tensor(data.x)

        def step() -> Any:
            with autodiff.no_grad():
                return model(x)

        return step

    def epoch(self, data: EpochData) -> tuple[Callable[[int], Any], Callable[[], Any]]:
        autodiff, nn = self.autodiff, self.nn
        net = self.model(data.spec, data.weights)
        criterion = nn.CrossEntropyLoss()
        optimizer = nn.optim.Adam(net.parameters(), lr=EPOCH_LR)
        scheduler = nn.optim.CosineAnnealingLR(optimizer, T_max=EPOCH_T_MAX)
        model = net
        if self.epoch_processes > 1:  # examples/mnist_cnn.py --processes N
            autodiff.set_num_threads(1)
            start = time.perf_counter()
            model = nn.DataParallel(net, processes=self.epoch_processes)
            self.epoch_facts = {
                "processes": self.epoch_processes,
                "startup_seconds": round(time.perf_counter() - start, 3),
            }
            self.worker_pids = model.worker_pids

        def train(epoch: int) -> Any:
            model.train()
            first, total, correct = None, 0.0, 0
            for idx in data.batches(epoch):
                x, t = autodiff.Tensor(data.x_train[idx]), data.t_train[idx]
                optimizer.zero_grad()
                out = model(x)
                loss = criterion(out, t)
                loss.backward()
                optimizer.step()
                value = loss.item()
                first = value if first is None else first
                total += value * len(idx)
                correct += int((out.data.argmax(axis=1) == t).sum())
            scheduler.step()
            return first, total / len(data.t_train), correct / len(data.t_train)

        def evaluate() -> Any:
            model.eval()
            total, correct = 0.0, 0
            with autodiff.no_grad():
                for s in data.test_batches():
                    t = data.t_test[s]
                    out = model(autodiff.Tensor(data.x_test[s]))
                    total += criterion(out, t).item() * len(t)
                    correct += int((out.data.argmax(axis=1) == t).sum())
            return total / len(data.t_test), correct / len(data.t_test)

        return train, evaluate

    def scalar(self, data: ScalarData) -> Step:
        tensor = self.autodiff.Tensor
        return _scalar_step(
            data,
            lambda v: tensor(np.array(v, dtype=np.float64), requires_grad=True),
            tensor.tanh,
            clear_grad,
        )

    def small(self, x: np.ndarray) -> Step:
        return _small_step(self.autodiff.Tensor(x, requires_grad=True), clear_grad)

    def chain(self, n: int) -> Step:
        return _chain_run(self.autodiff.Tensor(np.array(1.0), requires_grad=True), n, clear_grad)

    def array(self, g: Any) -> np.ndarray:
        return np.asarray(g.data, dtype=np.float64)


def _glassgrad_layer(nn: Any, layer: tuple, weights: list[np.ndarray], built: list) -> Any:
    """The nn module for one layer of the spec, loaded with its weights."""
    kind = layer[0]
    index = 2 * sum(isinstance(m, nn.Conv2d | nn.Linear) for m in built)
    if kind in ("conv", "linear"):
        w, b = weights[index], weights[index + 1]
        if kind == "conv":
            module = nn.Conv2d(w.shape[1], w.shape[0], w.shape[2:], padding=layer[1])
        else:
            module = nn.Linear(w.shape[1], w.shape[0])
        module.load_state_dict({"weight": w, "bias": b})
        return module
    if kind == "relu":
        return nn.ReLU()
    if kind == "pool":
        return nn.MaxPool2d(layer[1])
    return nn.Flatten()


class Torch(Engine):
    name, module, dist = "torch", "torch", "torch"

    def load(self, threads: int) -> None:
        torch = _import("torch")
        torch.set_num_threads(threads)
        with contextlib.suppress(RuntimeError):  # raises once parallel work has started
            torch.set_num_interop_threads(threads)
        self.torch = torch

    def functional(self, data: NetData) -> tuple[Callable[[Any], Any], list]:
        """The spec's forward with torch's functional API, and its parameters."""
        F = self.torch.nn.functional
        params = [self.torch.tensor(w, requires_grad=True) for w in data.weights]

        def forward(h: Any) -> Any:
            it = iter(params)
            for layer in data.spec:
                kind = layer[0]
                if kind == "conv":
                    h = F.conv2d(h, next(it), next(it), padding=layer[1])
                elif kind == "linear":
                    h = F.linear(h, next(it), next(it))
                elif kind == "relu":
                    h = F.relu(h)
                elif kind == "pool":
                    h = F.max_pool2d(h, layer[1])
                else:
                    h = h.reshape(h.shape[0], -1)
            return h

        return forward, params

    def net(self, data: NetData) -> Step:
        torch = self.torch
        F = torch.nn.functional
        forward, params = self.functional(data)
        x, t = torch.from_numpy(data.x), torch.from_numpy(data.t)
        if data.optimizer == "adam":
            optimizer = torch.optim.Adam(params, lr=ADAM_LR)

            def adam_step() -> Any:
                optimizer.zero_grad()
                loss = F.cross_entropy(forward(x), t)
                loss.backward()
                optimizer.step()
                return loss

            return adam_step

        def step() -> Any:
            loss = F.cross_entropy(forward(x), t)
            loss.backward()
            with torch.no_grad():
                for p in params:
                    p -= LR * p.grad
                    p.grad = None
            return loss

        return step

    def hvp(self, data: NetData, vectors: list[np.ndarray]) -> Step:
        torch = self.torch
        forward, params = self.functional(data)
        x, t = torch.from_numpy(data.x), torch.from_numpy(data.t)
        vs = [torch.from_numpy(v) for v in vectors]
        grad, cross_entropy = torch.autograd.grad, torch.nn.functional.cross_entropy

        def step() -> Any:
            loss = cross_entropy(forward(x), t)
            grads = grad(loss, params, create_graph=True)
            return grad(_dot(grads, vs), params)

        return step

    def infer(self, data: NetData) -> Step:
        torch = self.torch
        forward, _ = self.functional(data)
        x = torch.from_numpy(data.x)

        def step() -> Any:
            with torch.no_grad():
                return forward(x)

        return step

    def epoch(self, data: EpochData) -> tuple[Callable[[int], Any], Callable[[], Any]]:
        """The example's program as a PyTorch user writes it: torch.nn modules, torch.optim."""
        torch = self.torch
        model = _torch_model(torch, data.spec, data.weights)
        criterion = torch.nn.CrossEntropyLoss()
        optimizer = torch.optim.Adam(model.parameters(), lr=EPOCH_LR)
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=EPOCH_T_MAX)

        def train(epoch: int) -> Any:
            model.train()
            first, total, correct = None, 0.0, 0
            for idx in data.batches(epoch):
                x = torch.from_numpy(data.x_train[idx])
                t = torch.from_numpy(data.t_train[idx])
                optimizer.zero_grad()
                out = model(x)
                loss = criterion(out, t)
                loss.backward()
                optimizer.step()
                value = loss.item()
                first = value if first is None else first
                total += value * len(idx)
                correct += int((out.argmax(dim=1) == t).sum())
            scheduler.step()
            return first, total / len(data.t_train), correct / len(data.t_train)

        def evaluate() -> Any:
            model.eval()
            total, correct = 0.0, 0
            with torch.no_grad():
                for s in data.test_batches():
                    t = torch.from_numpy(data.t_test[s])
                    out = model(torch.from_numpy(data.x_test[s]))
                    total += criterion(out, t).item() * len(t)
                    correct += int((out.argmax(dim=1) == t).sum())
            return total / len(data.t_test), correct / len(data.t_test)

        return train, evaluate

    def scalar(self, data: ScalarData) -> Step:
        torch = self.torch
        return _scalar_step(
            data,
            lambda v: torch.tensor(v, dtype=torch.float64, requires_grad=True),
            torch.tanh,
            clear_grad,
        )

    def small(self, x: np.ndarray) -> Step:
        # from_numpy shares the array, as glassgrad's Tensor does
        return _small_step(self.torch.from_numpy(x).requires_grad_(True), clear_grad)

    def chain(self, n: int) -> Step:
        torch = self.torch
        return _chain_run(torch.tensor(1.0, dtype=torch.float64, requires_grad=True), n, clear_grad)

    def array(self, g: Any) -> np.ndarray:
        return g.detach().numpy().astype(np.float64)


def _torch_model(torch: Any, spec: Spec, weights: list[np.ndarray]) -> Any:
    """A torch.nn.Sequential of the spec's layers, loaded with the weights."""
    nn, it, layers = torch.nn, iter(weights), []
    for layer in spec:
        kind = layer[0]
        if kind in ("conv", "linear"):
            w, b = next(it), next(it)
            if kind == "conv":
                module = nn.Conv2d(w.shape[1], w.shape[0], w.shape[2:], padding=layer[1])
            else:
                module = nn.Linear(w.shape[1], w.shape[0])
            with torch.no_grad():
                module.weight.copy_(torch.from_numpy(w))
                module.bias.copy_(torch.from_numpy(b))
            layers.append(module)
        elif kind == "relu":
            layers.append(nn.ReLU())
        elif kind == "pool":
            layers.append(nn.MaxPool2d(layer[1]))
        else:
            layers.append(nn.Flatten())
    return nn.Sequential(*layers)


class Dezero(Engine):
    name, module, dist = "dezero", "dezero", "dezero"

    def load(self, threads: int) -> None:
        # dezero 0.0.13 evaluates `np.int` (removed in numpy 2) at import time: provide the
        # alias for the import only, then take it away again so nothing else sees it.
        added = "int" not in np.__dict__
        if added:
            np.int = int
        try:
            self.dezero = _import("dezero")
            self.F = _import("dezero.functions")
        finally:
            if added:
                del np.int

    def functional(self, data: NetData) -> tuple[Callable[[Any], Any], list]:
        """The spec's forward with DeZero's functions, and its parameters. DeZero's linear is
        x @ W + b with W (in, out): the same weights, transposed."""
        dezero, F = self.dezero, self.F
        params = [dezero.Parameter(w) for w in _layout(data.weights)]

        def forward(h: Any) -> Any:
            it = iter(params)
            for layer in data.spec:
                kind = layer[0]
                if kind == "conv":
                    h = F.conv2d(h, next(it), next(it), stride=1, pad=layer[1])
                elif kind == "linear":
                    h = F.linear(h, next(it), next(it))
                elif kind == "relu":
                    h = F.relu(h)
                elif kind == "pool":
                    h = F.pooling(h, layer[1], layer[1])
                else:
                    h = F.reshape(h, (h.shape[0], -1))
            return h

        return forward, params

    def net(self, data: NetData) -> Step:
        F = self.F
        forward, params = self.functional(data)
        x, t = data.x, data.t
        if data.optimizer == "adam":
            holder = _Params(params)
            optimizer = self.dezero.optimizers.Adam(alpha=ADAM_LR).setup(holder)

            def adam_step() -> Any:
                holder.cleargrads()
                loss = F.softmax_cross_entropy(forward(x), t)
                loss.backward()
                optimizer.update()
                return loss

            return adam_step

        def step() -> Any:
            loss = F.softmax_cross_entropy(forward(x), t)
            loss.backward()
            for p in params:
                p.data -= LR * p.grad.data
                p.cleargrad()
            return loss

        return step

    def hvp(self, data: NetData, vectors: list[np.ndarray]) -> Step:
        F = self.F
        forward, params = self.functional(data)
        x, t = data.x, data.t
        vs = [self.dezero.Variable(v) for v in _layout(vectors)]

        def step() -> Any:
            for p in params:
                p.cleargrad()
            loss = F.softmax_cross_entropy(forward(x), t)
            loss.backward(create_graph=True)
            dot = _dot([p.grad for p in params], vs)
            for p in params:
                p.cleargrad()
            dot.backward()
            return [p.grad for p in params]

        return step

    def infer(self, data: NetData) -> Step:
        forward, _ = self.functional(data)

        def step() -> Any:
            with self.dezero.no_grad():
                return forward(data.x)

        return step

    def arrays(self, gs: Sequence[Any]) -> list[np.ndarray]:
        return [g.T if g.ndim == 2 else g for g in map(self.array, gs)]

    def scalar(self, data: ScalarData) -> Step:
        variable = self.dezero.Variable
        cleargrad = variable.cleargrad
        return _scalar_step(data, lambda v: variable(np.array(v)), self.F.tanh, cleargrad)

    def small(self, x: np.ndarray) -> Step:
        return _small_step(self.dezero.Variable(x), self.dezero.Variable.cleargrad)

    def chain(self, n: int) -> Step:
        variable = self.dezero.Variable
        return _chain_run(variable(np.array(1.0)), n, variable.cleargrad)

    def value(self, v: Any) -> float:
        return float(v.data)

    def array(self, g: Any) -> np.ndarray:
        return np.asarray(g.data, dtype=np.float64)


class _Params:
    """What DeZero's optimizers update: an object with `params()`."""

    def __init__(self, params: list) -> None:
        self._params = params

    def params(self) -> Any:
        return iter(self._params)

    def cleargrads(self) -> None:
        for p in self._params:
            p.cleargrad()


class MyGrad(Engine):
    """MyGrad clears a tensor's gradient by itself when the tensor enters a new graph, so its
    steps reset nothing by hand."""

    name, module, dist = "mygrad", "mygrad", "mygrad"

    def load(self, threads: int) -> None:
        self.mg = _import("mygrad")
        self.nnet = _import("mygrad.nnet")

    def functional(self, data: NetData) -> tuple[Callable[[Any], Any], list]:
        """The spec's forward with MyGrad's functions (x @ W + b, W (in, out)), its parameters."""
        mg = self.mg
        from mygrad.nnet.activations import relu
        from mygrad.nnet.layers import conv_nd, max_pool

        params = [mg.tensor(w) for w in _layout(data.weights)]

        def forward(h: Any) -> Any:
            it = iter(params)
            for layer in data.spec:
                kind = layer[0]
                if kind == "conv":
                    w, b = next(it), next(it)
                    h = conv_nd(h, w, stride=1, padding=layer[1]) + b.reshape(1, -1, 1, 1)
                elif kind == "linear":
                    h = mg.matmul(h, next(it)) + next(it)
                elif kind == "relu":
                    h = relu(h)
                elif kind == "pool":
                    k = layer[1]
                    h = max_pool(h, (k, k), k)
                else:
                    h = h.reshape(h.shape[0], -1)
            return h

        return forward, params

    def net(self, data: NetData) -> Step:
        from mygrad.nnet.losses import softmax_crossentropy

        forward, params = self.functional(data)
        x, t = data.x, data.t
        if data.optimizer == "adam":
            update = _numpy_adam(params, lambda p: p.grad, ADAM_LR)

            def adam_step() -> Any:
                loss = softmax_crossentropy(forward(x), t)
                loss.backward()
                update()
                return loss

            return adam_step

        def step() -> Any:
            loss = softmax_crossentropy(forward(x), t)
            loss.backward()
            for p in params:
                p.data -= LR * p.grad
            return loss

        return step

    def infer(self, data: NetData) -> Step:
        forward, _ = self.functional(data)
        no_autodiff = self.mg.no_autodiff

        def step() -> Any:
            with no_autodiff:
                return forward(data.x)

        return step

    def scalar(self, data: ScalarData) -> Step:
        return _scalar_step(data, self.mg.tensor, self.mg.tanh, None)

    def small(self, x: np.ndarray) -> Step:
        return _small_step(self.mg.Tensor(x, copy=False), None)

    def chain(self, n: int) -> Step:
        return _chain_run(self.mg.tensor(1.0), n, None)


class HipsAutograd(Engine):
    """HIPS autograd is functional: `value_and_grad(f)(x)`, no gradient state to reset."""

    name, module, dist = "autograd", "autograd", "autograd"

    def load(self, threads: int) -> None:
        self.ag = _import("autograd")
        self.anp = _import("autograd.numpy")

    def scalar(self, data: ScalarData) -> Step:
        structure, flat = _scalar_params(data, lambda v: v)
        shape = [[len(w) for w, _ in layer] for layer in structure]
        xs, ys = _floats(data)
        tanh = self.anp.tanh

        def loss(params: list) -> Any:
            it = iter(params)  # rebuild the layers from the (boxed) flat list
            layers = [[([next(it) for _ in range(n)], next(it)) for n in layer] for layer in shape]
            return scalar_mlp_loss(layers, xs, ys, tanh)

        df = self.ag.value_and_grad(loss)
        return lambda: df(flat)

    def small(self, x: np.ndarray) -> Step:
        df = self.ag.value_and_grad(lambda v: ((v * v + v) * v).sum())
        return lambda: df(x)

    def chain(self, n: int) -> Step:
        def f(x: Any) -> Any:
            y = x
            for _ in range(n):
                y = y + x
            return y

        df = self.ag.value_and_grad(f)
        x0 = np.array(1.0)
        return lambda: df(x0)

    def value(self, v: Any) -> float:
        if isinstance(v, tuple):  # value_and_grad's (value, grads) for W4
            v = v[0]
        return float(v)


class Micrograd(Engine):
    """micrograd has scalar Values only, and no tanh: W4 adds one the way micrograd's own ops
    are written (see `_tanh`). W5 builds its graph from 10 Values, element by element."""

    name, module, dist = "micrograd", "micrograd", "micrograd"

    def load(self, threads: int) -> None:
        self.Value = _import("micrograd.engine").Value

    def scalar(self, data: ScalarData) -> Step:
        layers, params = _scalar_params(data, self.Value)
        xs, ys = _floats(data)
        tanh = _tanh(self.Value)

        def step() -> Any:
            for p in params:  # micrograd's Module.zero_grad
                p.grad = 0
            loss = scalar_mlp_loss(layers, xs, ys, tanh)
            loss.backward()
            return loss

        return step

    def small(self, x: np.ndarray) -> Step:
        xs = [self.Value(float(v)) for v in x]

        def step() -> Any:
            for v in xs:
                v.grad = 0.0
            terms = [(v * v + v) * v for v in xs]
            y = terms[0]
            for t in terms[1:]:
                y = y + t
            y.backward()
            return y, [v.grad for v in xs]

        return step

    def chain(self, n: int) -> Step:
        x = self.Value(1.0)

        def run() -> Any:
            x.grad = 0.0
            y = x
            for _ in range(n):
                y = y + x
            y.backward()  # a recursive topological sort: RecursionError on long chains
            return y, x.grad

        return run

    def value(self, v: Any) -> float:
        return float(v.data)


def _tanh(value_cls: type) -> Callable[[Any], Any]:
    """tanh for micrograd Values, written like micrograd's own `relu`."""

    def tanh(v: Any) -> Any:
        t = math.tanh(v.data)
        out = value_cls(t, (v,), "tanh")

        def _backward() -> None:
            v.grad += (1 - t * t) * out.grad

        out._backward = _backward
        return out

    return tanh


class Numpy(Engine):
    """The floor of W1, W5 and W6: the same forward values, plus a hand-written backward."""

    name, module, dist = "numpy", "numpy", "numpy"

    def load(self, threads: int) -> None:
        # The allocator setting glassgrad's child runs with (glibc's mallopt; numpy has no
        # allocator of its own): the floor must not pay page faults glassgrad does not.
        from autodiff.memory import keep_freed_memory

        keep_freed_memory()

    def net(self, data: NetData) -> Step:
        """W1's step as bare numpy calls (BLAS on the harness's threads): the products and
        passes any engine has to make, with no graph, no checks and no Tensor objects."""
        if any(layer[0] not in ("linear", "relu") for layer in data.spec):
            raise Unavailable("the floor is written for W1's MLP only")
        weights = [w.copy() for w in data.weights[0::2]]
        biases = [b.copy() for b in data.weights[1::2]]
        x, t = data.x, data.t
        rows = np.arange(len(t))

        def step() -> Any:
            hs, h = [], x
            for i, (w, b) in enumerate(zip(weights, biases)):
                hs.append(h)
                h = h @ w.T
                h += b
                if i < len(weights) - 1:
                    np.maximum(h, 0, out=h)
            shifted = h - h.max(axis=1, keepdims=True)
            exp = np.exp(shifted)
            total = exp.sum(axis=1, keepdims=True)
            loss = np.mean(np.log(total[:, 0]) - shifted[rows, t])
            g = exp / total  # softmax, then minus the one-hot labels, over the batch
            g[rows, t] -= 1
            g /= len(t)
            for i in range(len(weights) - 1, -1, -1):
                grad_w, grad_b = g.T @ hs[i], g.sum(axis=0)
                if i > 0:
                    g = g @ weights[i]
                    g *= hs[i] > 0
                weights[i] -= LR * grad_w
                biases[i] -= LR * grad_b
            return loss

        return step

    def small(self, x: np.ndarray) -> Step:
        def step() -> Any:
            y = ((x * x + x) * x).sum()
            return y, (3.0 * x + 2.0) * x  # d/dx sum(x^3 + x^2) = 3x^2 + 2x

        return step

    def chain(self, n: int) -> Step:
        x = np.array(1.0)

        def run() -> Any:
            y = x
            for _ in range(n):
                y = y + x
            g = np.array(1.0)  # dy/dy
            gx = g  # the identity edge from the start of the chain
            for _ in range(n):
                gx = gx + g  # one edge into x per addition
            return y, gx

        return run

    def value(self, v: Any) -> float:
        return float(v)


ENGINES: dict[str, type[Engine]] = {
    cls.name: cls for cls in (Glassgrad, Torch, Dezero, MyGrad, HipsAutograd, Micrograd, Numpy)
}
