"""Grouped and depthwise-separable convolutions (MobileNet's block), trained with Adam.

8x8 images of horizontal or vertical strokes with noise, float32. The network is a stem
convolution, a depthwise 3x3 convolution (groups == channels), a pointwise 1x1 convolution and
a grouped 3x3 convolution (groups=2), then global average pooling and a linear layer. The
weights are copied from numpy-drawn values, so every engine starts from the same point.
"""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.optim import Adam

rng = np.random.default_rng(0)


def strokes(n):
    images = np.zeros((n, 1, 8, 8), dtype=np.float32)
    kinds = rng.integers(0, 2, size=n)
    where = rng.integers(1, 7, size=n)
    for i, (kind, k) in enumerate(zip(kinds, where)):
        if kind == 0:
            images[i, 0, k, 1:7] = 1.0
        else:
            images[i, 0, 1:7, k] = 1.0
    images += rng.normal(0.0, 0.3, size=images.shape).astype(np.float32)
    return torch.from_numpy(images), torch.from_numpy(kinds)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(1, 4, 3, padding=1)
        self.depthwise = nn.Conv2d(4, 4, 3, padding=1, groups=4)
        self.pointwise = nn.Conv2d(4, 8, 1)
        self.grouped = nn.Conv2d(8, 8, 3, stride=2, padding=1, groups=2, bias=False)
        self.fc = nn.Linear(8, 2)

    def forward(self, x):
        x = F.relu(self.stem(x))
        x = F.relu(self.pointwise(F.relu(self.depthwise(x))))
        x = F.relu(self.grouped(x))  # (N, 8, 4, 4)
        return self.fc(x.mean(dim=(2, 3)))


net = Net()
weights = np.random.default_rng(7)
with torch.no_grad():
    for param in net.parameters():
        fan_in = param[0].numel() if param.dim() > 1 else 4
        values = weights.normal(0.0, 1.0 / np.sqrt(fan_in), size=tuple(param.shape))
        param.copy_(torch.from_numpy(values.astype(np.float32)))

print(net)
print({name: tuple(value.shape) for name, value in net.state_dict().items()})

train_x, train_y = strokes(128)
optimizer = Adam(net.parameters(), lr=0.02)
criterion = nn.CrossEntropyLoss()
for epoch in range(6):
    total = 0.0
    for start in range(0, 128, 32):
        x, y = train_x[start : start + 32], train_y[start : start + 32]
        optimizer.zero_grad()
        loss = criterion(net(x), y)
        loss.backward()
        optimizer.step()
        total += loss.item()
    with torch.no_grad():
        accuracy = (net(train_x).argmax(1) == train_y).float().mean().item()
    print(f"epoch {epoch}: loss {total / 4:.4f} accuracy {accuracy:.3f}")

print("depthwise weight grad norm:", round(net.depthwise.weight.grad.norm().item(), 4))
print("grouped weight grad norm:", round(net.grouped.weight.grad.norm().item(), 4))

# The functional form, groups in PyTorch's positional place (after dilation).
x = torch.arange(32.0).reshape(1, 2, 4, 4)
w = torch.ones(4, 1, 3, 3)
print(F.conv2d(x, w, torch.arange(4.0), 1, 1, 1, 2)[0, :, 1].tolist())
