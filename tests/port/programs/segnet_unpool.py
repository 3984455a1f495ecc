"""A SegNet-style autoencoder: max pooling with return_indices=True down, MaxUnpool2d back up.

8x8 images of blobs, float64, trained with SGD (momentum) on the reconstruction's mean squared
error. The encoder's pools keep where each maximum was; the decoder's unpools put values back
there (zeros elsewhere), and convolutions fill in. Also the functional forms, a 1-d pool and
unpool, output_size=, and ties. The weights are copied from numpy-drawn values, so every engine
starts from the same point.
"""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.optim import SGD

rng = np.random.default_rng(1)


def blobs(n):
    ys, xs = np.mgrid[0:8, 0:8]
    centres = rng.uniform(1.5, 6.5, size=(n, 2))
    widths = rng.uniform(0.8, 2.0, size=n)
    images = np.exp(
        -((ys - centres[:, 0, None, None]) ** 2 + (xs - centres[:, 1, None, None]) ** 2)
        / (2 * widths[:, None, None] ** 2)
    )
    return torch.from_numpy(images[:, None])


class SegNetish(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc1 = nn.Conv2d(1, 4, 3, padding=1)
        self.pool1 = nn.MaxPool2d(2, return_indices=True)  # 8 -> 4
        self.enc2 = nn.Conv2d(4, 6, 3, padding=1)
        self.pool2 = nn.MaxPool2d(2, 2, return_indices=True)  # 4 -> 2
        self.unpool2 = nn.MaxUnpool2d(2)  # 2 -> 4
        self.dec2 = nn.Conv2d(6, 4, 3, padding=1)
        self.unpool1 = nn.MaxUnpool2d(2, 2)  # 4 -> 8
        self.dec1 = nn.Conv2d(4, 1, 3, padding=1)

    def forward(self, x):
        h, i1 = self.pool1(F.relu(self.enc1(x)))
        z, i2 = self.pool2(F.relu(self.enc2(h)))
        h = F.relu(self.dec2(self.unpool2(z, i2, output_size=h.shape)))
        return self.dec1(self.unpool1(h, i1))


net = SegNetish().double()
weights = np.random.default_rng(5)
with torch.no_grad():
    for param in net.parameters():
        fan_in = param[0].numel() if param.dim() > 1 else 4
        values = weights.normal(0.0, 1.0 / np.sqrt(fan_in), size=tuple(param.shape))
        param.copy_(torch.from_numpy(values))

print(net)
images = blobs(32)
optimizer = SGD(net.parameters(), lr=0.05, momentum=0.9)
for epoch in range(6):
    total = 0.0
    for start in range(0, 32, 8):
        x = images[start : start + 8]
        optimizer.zero_grad()
        loss = F.mse_loss(net(x), x)
        loss.backward()
        optimizer.step()
        total += loss.item()
    print(f"epoch {epoch}: loss {total / 4:.6f}")
print("enc1 weight grad norm:", round(net.enc1.weight.grad.norm().item(), 6))

# The indices: flat in each (H, W) plane of the unpadded input, the first maximum on ties
x = torch.tensor([[[[1.0, 3.0, 3.0, 0.0], [3.0, 2.0, 0.0, 5.0], [1.0, 1.0, 4.0, 4.0]]]])
values, indices = F.max_pool2d(x, 2, 1, 1, return_indices=True)
print(values.tolist())
print(indices.tolist(), indices.dtype == torch.int64, indices.requires_grad)
back = F.max_unpool2d(values[:, :, :2, :2], indices[:, :, :2, :2], 2, output_size=(3, 4))
print(back.tolist())

# 1-d, and a gradient through the unpooling
s = torch.tensor([[0.5, 2.0, -1.0, 4.0, 4.0, 3.0, 1.0]], requires_grad=True)
v, i = nn.MaxPool1d(2, return_indices=True)(s)
u = nn.MaxUnpool1d(2)(v * 2, i, output_size=[7])
(u * torch.arange(7.0)).sum().backward()
print(i.tolist(), u.tolist(), s.grad.tolist())
v, i = F.adaptive_max_pool2d(x, (2, 3), return_indices=True)
print(v.tolist(), i.tolist())
