"""A tiny convolutional autoencoder: strided convolutions down, ConvTranspose2d back up.

8x8 images of blobs, float32, trained with Adam on the reconstruction's mean squared error. The
decoder upsamples with transposed convolutions (stride 2, padding 1, output_padding 1; and a
grouped one), and `output_size=` picks the last layer's size. The weights are copied from
numpy-drawn values, so every engine starts from the same point.
"""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.optim import Adam

rng = np.random.default_rng(0)


def blobs(n):
    ys, xs = np.mgrid[0:8, 0:8]
    centres = rng.uniform(1.5, 6.5, size=(n, 2))
    widths = rng.uniform(0.8, 2.0, size=n)
    images = np.exp(
        -((ys - centres[:, 0, None, None]) ** 2 + (xs - centres[:, 1, None, None]) ** 2)
        / (2 * widths[:, None, None] ** 2)
    )
    return torch.from_numpy(images[:, None].astype(np.float32))


class AutoEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.down1 = nn.Conv2d(1, 4, 3, stride=2, padding=1)  # 8 -> 4
        self.down2 = nn.Conv2d(4, 8, 3, stride=2, padding=1)  # 4 -> 2
        self.up1 = nn.ConvTranspose2d(8, 4, 3, stride=2, padding=1, output_padding=1)  # 2 -> 4
        self.mix = nn.ConvTranspose2d(4, 4, 3, padding=1, groups=2, bias=False)  # 4 -> 4
        self.up2 = nn.ConvTranspose2d(4, 1, 3, stride=2, padding=1)  # 4 -> 7 or 8

    def forward(self, x):
        z = F.relu(self.down2(F.relu(self.down1(x))))
        h = F.relu(self.mix(F.relu(self.up1(z))))
        return self.up2(h, output_size=x.shape)


net = AutoEncoder()
weights = np.random.default_rng(7)
with torch.no_grad():
    for param in net.parameters():
        fan_in = param[0].numel() if param.dim() > 1 else 4
        values = weights.normal(0.0, 1.0 / np.sqrt(fan_in), size=tuple(param.shape))
        param.copy_(torch.from_numpy(values.astype(np.float32)))

print(net)
print({name: tuple(value.shape) for name, value in net.state_dict().items()})

images = blobs(64)
print("without output_size:", tuple(net.up2(torch.zeros(1, 4, 4, 4)).shape))
optimizer = Adam(net.parameters(), lr=0.01)
for epoch in range(8):
    total = 0.0
    for start in range(0, 64, 16):
        x = images[start : start + 16]
        optimizer.zero_grad()
        loss = F.mse_loss(net(x), x)
        loss.backward()
        optimizer.step()
        total += loss.item()
    print(f"epoch {epoch}: loss {total / 4:.5f}")

print("up1 weight grad norm:", round(net.up1.weight.grad.norm().item(), 4))
print("mix weight grad norm:", round(net.mix.weight.grad.norm().item(), 4))

# The functional form, PyTorch's positional order: stride, padding, output_padding, groups,
# dilation.
x = torch.arange(8.0).reshape(1, 2, 2, 2)
w = torch.ones(2, 1, 2, 2)
y = F.conv_transpose2d(x, w, torch.tensor([0.5, -0.5]), 2, 0, 1, 2, 1)
print(tuple(y.shape), y[0, 1].tolist())
