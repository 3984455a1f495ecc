"""A small CNN: Conv2d, BatchNorm2d, MaxPool2d, Dropout and Linear, trained with Adam and StepLR.

8x8 images of three kinds of strokes (horizontal, vertical, diagonal) with noise, float32. The
weights and the linear layer's bias are copied from numpy-drawn values, so every engine starts
from the same point (the convolutions, followed by BatchNorm, have no bias).

Dropout draws random masks, and no two engines draw the same ones: the run that trains with
dropout active prints lines marked "stochastic" (compared for shape and sanity only), the others
train the same network with p=0 (the Dropout layer is still called) and must agree to float32
precision. The properties of dropout itself (kept fraction, 1/(1-p) scaling, identity in eval
mode) are printed rounded.
"""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.optim import Adam
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
rng = np.random.default_rng(0)


def strokes(n):
    images = np.zeros((n, 1, 8, 8), dtype=np.float32)
    kinds = rng.integers(0, 3, size=n)
    where = rng.integers(1, 7, size=n)
    for i, (kind, k) in enumerate(zip(kinds, where)):
        if kind == 0:
            images[i, 0, k, 1:7] = 1.0
        elif kind == 1:
            images[i, 0, 1:7, k] = 1.0
        else:
            images[i, 0, np.arange(8), np.arange(8)] = 1.0
    images += rng.normal(0.0, 0.3, size=images.shape).astype(np.float32)
    return images, kinds


train_x, train_y = strokes(256)
test_x, test_y = strokes(96)
train_loader = DataLoader(
    TensorDataset(torch.from_numpy(train_x), torch.from_numpy(train_y)), batch_size=32
)
test_loader = DataLoader(
    TensorDataset(torch.from_numpy(test_x), torch.from_numpy(test_y)), batch_size=48
)


class Net(nn.Module):
    def __init__(self, p_drop):
        super().__init__()
        # No bias before a BatchNorm (it subtracts the batch mean): such a bias's gradient is
        # zero up to rounding, and Adam, which divides by the gradient's size, would turn each
        # engine's rounding noise into real steps of lr that differ between engines.
        self.conv1 = nn.Conv2d(1, 6, kernel_size=3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(6)
        self.conv2 = nn.Conv2d(6, 8, kernel_size=3, bias=False)
        self.bn2 = nn.BatchNorm2d(8)
        self.pool = nn.MaxPool2d(2)
        self.dropout = nn.Dropout(p_drop)
        self.fc = nn.Linear(8, 3)

    def forward(self, x):
        x = self.pool(F.relu(self.bn1(self.conv1(x))))  # (N, 6, 4, 4)
        x = self.pool(F.relu(self.bn2(self.conv2(x))))  # (N, 8, 1, 1)
        x = torch.flatten(x, 1)
        x = self.dropout(x)
        return self.fc(x)


def make_net(p_drop):
    net = Net(p_drop)
    weights = np.random.default_rng(7)
    with torch.no_grad():
        for name, param in net.named_parameters():
            if name.endswith("weight") and param.dim() > 1:
                fan_in = param[0].numel()
                values = weights.normal(0.0, 1.0 / np.sqrt(fan_in), size=tuple(param.shape))
                param.copy_(torch.from_numpy(values.astype(np.float32)))
            elif name == "fc.bias":  # (BatchNorm's weight and bias start at 1 and 0 anyway)
                values = weights.uniform(-0.1, 0.1, size=tuple(param.shape))
                param.copy_(torch.from_numpy(values.astype(np.float32)))
    return net


def evaluate(net):
    net.eval()
    correct, loss = 0, 0.0
    with torch.no_grad():
        for x, y in test_loader:
            out = net(x)
            loss += F.cross_entropy(out, y, reduction="sum").item()
            correct += (out.argmax(1) == y).sum().item()
    return loss / len(test_y), correct / len(test_y)


def train(net, epochs, tag):
    optimizer = Adam(net.parameters(), lr=0.01)
    scheduler = StepLR(optimizer, step_size=2, gamma=0.5)
    criterion = nn.CrossEntropyLoss()
    for epoch in range(epochs):
        net.train()
        total = 0.0
        for x, y in train_loader:
            optimizer.zero_grad()
            loss = criterion(net(x), y)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(y)
        scheduler.step()
        test_loss, accuracy = evaluate(net)
        print(
            f"{tag}epoch {epoch}: train {total / len(train_y):.4f} test {test_loss:.4f} "
            f"accuracy {accuracy:.3f} next lr {scheduler.get_last_lr()[0]:.5f}"
        )
    return optimizer


net = make_net(0.0)
print(net)
print("eval logits before training:", evaluate(net))
optimizer = train(net, 6, "")
print("bn1 running mean:", net.bn1.running_mean.numpy().round(4).tolist())
print("bn2 running var:", net.bn2.running_var.numpy().round(4).tolist())
print("batches tracked:", net.bn1.num_batches_tracked.item())
state = optimizer.state_dict()["state"][0]
print("adam step:", float(state["step"]), "exp_avg norm:", round(state["exp_avg"].norm().item(), 5))

# Dropout's own behaviour, printed rounded: about p of the elements are dropped, the rest are
# scaled by 1/(1-p), and eval mode is the identity.
drop = nn.Dropout(p=0.3)
ones = torch.ones(200, 200)
kept = drop(ones)
print("dropout kept fraction:", round((kept != 0).float().mean().item(), 1))
print("dropout kept value:", kept.max().item(), "dropped value:", kept.min().item())
drop.eval()
print("dropout eval is identity:", torch.equal(drop(ones), ones))

# Training with dropout active: the masks differ between engines, so these lines are compared
# for their shape only.
stochastic = make_net(0.25)
train(stochastic, 2, "stochastic ")
