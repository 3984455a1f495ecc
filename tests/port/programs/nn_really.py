"""The "What is torch.nn really?" progression, on synthetic 8x8 images (float32).

Four classes of noisy 8x8 "digits" (a fixed random prototype per class plus noise), drawn
with numpy. The model is refactored step by step as in the tutorial: hand-written weights,
log_softmax and a manual SGD step; then F.cross_entropy; an nn.Module with nn.Parameter; one
with nn.Linear; optim.SGD; TensorDataset and DataLoader; a fit()/loss_batch() pair with a
validation set; a Lambda module wrapping view; an nn.Sequential CNN ending in
AdaptiveAvgPool2d. Every weight is copied from numpy-drawn values so that both engines start
from the same point.
"""

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
rng = np.random.default_rng(3)

prototypes = rng.uniform(0.0, 1.0, size=(4, 64))
y_all = rng.integers(0, 4, size=640)
x_all = prototypes[y_all] + rng.normal(0.0, 0.35, size=(640, 64))
x_all = x_all.astype(np.float32)
x_train, y_train, x_valid, y_valid = map(
    torch.tensor, (x_all[:512], y_all[:512], x_all[512:], y_all[512:])
)
n, c = x_train.shape
print("train:", tuple(x_train.shape), "valid:", tuple(x_valid.shape), "classes:", y_train.max())
print("labels dtype int64:", y_train.dtype == torch.int64)


def numpy_weights(shape, seed, scale):
    return torch.from_numpy(
        np.random.default_rng(seed).normal(0, scale, size=shape).astype(np.float32)
    )


# --- from scratch: weights as tensors, log_softmax by hand, a manual SGD step
weights = numpy_weights((64, 4), 1, 1 / math.sqrt(64))
weights.requires_grad_()
bias = torch.zeros(4, requires_grad=True)


def log_softmax(x):
    return x - x.exp().sum(-1).log().unsqueeze(-1)


def model(xb):
    return log_softmax(xb @ weights + bias)


def nll(input, target):
    return -input[range(target.shape[0]), target].mean()


def accuracy(out, yb):
    preds = torch.argmax(out, dim=1)
    return (preds == yb).float().mean()


bs = 64
xb = x_train[0:bs]
preds = model(xb)
print("preds[0]:", preds[0])
print("preds shape:", preds.shape)
loss_func = nll
yb = y_train[0:bs]
print("initial loss:", loss_func(preds, yb).item(), "accuracy:", accuracy(preds, yb).item())

lr = 0.5
epochs = 2
for epoch in range(epochs):
    for i in range((n - 1) // bs + 1):
        start_i = i * bs
        end_i = start_i + bs
        xb = x_train[start_i:end_i]
        yb = y_train[start_i:end_i]
        pred = model(xb)
        loss = loss_func(pred, yb)
        loss.backward()
        with torch.no_grad():
            weights -= weights.grad * lr
            bias -= bias.grad * lr
            weights.grad.zero_()
            bias.grad.zero_()
    print(f"scratch epoch {epoch}: loss {loss.item():.6f} accuracy {accuracy(pred, yb).item():.4f}")
print(
    "scratch weight norm:", weights.norm().item(), "bias:", bias.detach().numpy().round(4).tolist()
)

# --- F.cross_entropy replaces log_softmax + nll
loss_func = F.cross_entropy


def model(xb):
    return xb @ weights + bias


print("cross_entropy loss:", loss_func(model(xb), yb).item())
print(
    "same as nll(log_softmax):",
    abs(loss_func(model(xb), yb).item() - nll(F.log_softmax(model(xb), dim=1), yb).item()) < 1e-6,
)


# --- nn.Module with nn.Parameter
class Mnist_Logistic(nn.Module):
    def __init__(self):
        super().__init__()
        self.weights = nn.Parameter(numpy_weights((64, 4), 1, 1 / math.sqrt(64)))
        self.bias = nn.Parameter(torch.zeros(4))

    def forward(self, xb):
        return xb @ self.weights + self.bias


model = Mnist_Logistic()
print("parameter names:", [name for name, _ in model.named_parameters()])
print("initial loss:", loss_func(model(xb), yb).item())


def fit_manual():
    for epoch in range(epochs):
        for i in range((n - 1) // bs + 1):
            start_i = i * bs
            end_i = start_i + bs
            xb = x_train[start_i:end_i]
            yb = y_train[start_i:end_i]
            loss = loss_func(model(xb), yb)
            loss.backward()
            with torch.no_grad():
                for p in model.parameters():
                    p -= p.grad * lr
                model.zero_grad()
        print(f"module epoch {epoch}: loss {loss.item():.6f}")


fit_manual()
print("grads after zero_grad:", [p.grad for p in model.parameters()])


# --- nn.Linear
class Mnist_Logistic(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(64, 4)
        with torch.no_grad():
            self.lin.weight.copy_(numpy_weights((64, 4), 1, 1 / math.sqrt(64)).t())
            self.lin.bias.zero_()

    def forward(self, xb):
        return self.lin(xb)


model = Mnist_Logistic()
print(model)
print("loss with Linear:", loss_func(model(xb), yb).item())
fit_manual()


# --- optim.SGD with momentum
def get_model():
    model = Mnist_Logistic()
    return model, optim.SGD(model.parameters(), lr=lr, momentum=0.5)


model, opt = get_model()
print("group lr, momentum:", opt.param_groups[0]["lr"], opt.param_groups[0]["momentum"])
for epoch in range(epochs):
    for i in range((n - 1) // bs + 1):
        xb = x_train[i * bs : i * bs + bs]
        yb = y_train[i * bs : i * bs + bs]
        loss = loss_func(model(xb), yb)
        loss.backward()
        opt.step()
        opt.zero_grad()
    print(f"optim epoch {epoch}: loss {loss.item():.6f}")
buffers = [opt.state[p]["momentum_buffer"] for p in model.parameters()]
print("momentum buffer shapes:", [tuple(b.shape) for b in buffers])

# --- TensorDataset and DataLoader
train_ds = TensorDataset(x_train, y_train)
valid_ds = TensorDataset(x_valid, y_valid)
xb, yb = train_ds[0:3]
print("dataset slice:", tuple(xb.shape), yb.tolist(), "len:", len(train_ds))
xb, yb = train_ds[5]
print("dataset item:", tuple(xb.shape), yb.item())


def get_data(train_ds, valid_ds, bs):
    return (
        DataLoader(train_ds, batch_size=bs, shuffle=False),
        DataLoader(valid_ds, batch_size=bs * 2),
    )


def loss_batch(model, loss_func, xb, yb, opt=None):
    loss = loss_func(model(xb), yb)
    if opt is not None:
        loss.backward()
        opt.step()
        opt.zero_grad()
    return loss.item(), len(xb)


def fit(epochs, model, loss_func, opt, train_dl, valid_dl, tag=""):
    for epoch in range(epochs):
        model.train()
        for xb, yb in train_dl:
            loss_batch(model, loss_func, xb, yb, opt)
        model.eval()
        with torch.no_grad():
            losses, nums = zip(*[loss_batch(model, loss_func, xb, yb) for xb, yb in valid_dl])
        val_loss = np.sum(np.multiply(losses, nums)) / np.sum(nums)
        print(
            tag + "fit epoch", epoch, "valid loss", round(float(val_loss), 6), "batches", len(nums)
        )


train_dl, valid_dl = get_data(train_ds, valid_ds, bs)
print("loader lengths:", len(train_dl), len(valid_dl))
model, opt = get_model()
fit(epochs, model, loss_func, opt, train_dl, valid_dl)
print("linear weight norm:", model.lin.weight.norm().item())


# --- a CNN from nn.Sequential and a Lambda module
class Lambda(nn.Module):
    def __init__(self, func):
        super().__init__()
        self.func = func

    def forward(self, x):
        return self.func(x)


def preprocess(x):
    return x.view(-1, 1, 8, 8)


def make_cnn():
    model = nn.Sequential(
        Lambda(preprocess),
        nn.Conv2d(1, 16, kernel_size=3, stride=1, padding=1),
        nn.ReLU(),
        nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1),
        nn.ReLU(),
        nn.Conv2d(16, 4, kernel_size=3, stride=2, padding=1),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        Lambda(lambda x: x.view(x.size(0), -1)),
    )
    wrng = np.random.default_rng(11)
    with torch.no_grad():
        for p in model.parameters():
            fan_in = p[0].numel() if p.dim() > 1 else 16
            values = wrng.uniform(-1, 1, size=tuple(p.shape)) * math.sqrt(6 / fan_in)
            p.copy_(torch.from_numpy(values.astype(np.float32)))
    return model


model = make_cnn()
print(model)
print("cnn parameters:", [(name, tuple(p.shape)) for name, p in model.named_parameters()])
print("cnn output:", model(x_train[:2]))
opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
fit(3, model, loss_func, opt, train_dl, valid_dl, "cnn ")
model.eval()
with torch.no_grad():
    out = model(x_valid)
print("cnn valid accuracy:", accuracy(out, y_valid).item())
print("training flags:", [m.training for m in model])
model.train()
print("training flags:", [m.training for m in model])

# --- a shuffling loader: the order depends on the engine's random stream
torch.manual_seed(1)
shuffled = DataLoader(train_ds, batch_size=bs, shuffle=True)
seen = []
for _, yb in shuffled:
    seen.extend(yb.tolist())
print(
    "shuffled epoch: batches",
    len(shuffled),
    "labels seen",
    len(seen),
    "label counts",
    np.bincount(seen).tolist(),
)
model = make_cnn()
opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
fit(1, model, loss_func, opt, shuffled, valid_dl, "stochastic ")
