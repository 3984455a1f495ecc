"""A 1-d convolutional autoencoder on short signals: strided Conv1d down, ConvTranspose1d up.

Sums of two sines, 16 samples each, float32, trained with Adam on the reconstruction's mean
squared error. The decoder upsamples with transposed 1-d convolutions (stride 2, padding 1,
output_padding 1; a grouped, dilated one), and `output_size=` picks the last layer's length.
The weights are copied from numpy-drawn values, so every engine starts from the same point.
"""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.optim import Adam

rng = np.random.default_rng(0)


def signals(n):
    t = np.linspace(0.0, 1.0, 16)
    freqs = rng.uniform(1.0, 3.0, size=(n, 2))
    phases = rng.uniform(0.0, np.pi, size=(n, 2))
    waves = np.sin(2 * np.pi * freqs[:, :, None] * t + phases[:, :, None]).sum(axis=1) / 2
    return torch.from_numpy(waves[:, None].astype(np.float32))


class Decoder1d(nn.Module):
    def __init__(self):
        super().__init__()
        self.down1 = nn.Conv1d(1, 4, 3, stride=2, padding=1)  # 16 -> 8
        self.down2 = nn.Conv1d(4, 8, 3, stride=2, padding=1)  # 8 -> 4
        self.up1 = nn.ConvTranspose1d(8, 4, 3, stride=2, padding=1, output_padding=1)  # 4 -> 8
        self.mix = nn.ConvTranspose1d(4, 4, 3, padding=2, groups=2, bias=False, dilation=2)
        self.up2 = nn.ConvTranspose1d(4, 1, 3, stride=2, padding=1)  # 8 -> 15 or 16

    def forward(self, x):
        z = F.relu(self.down2(F.relu(self.down1(x))))
        h = F.relu(self.mix(F.relu(self.up1(z))))
        return self.up2(h, output_size=x.shape)


net = Decoder1d()
weights = np.random.default_rng(7)
with torch.no_grad():
    for param in net.parameters():
        fan_in = param[0].numel() if param.dim() > 1 else 4
        values = weights.normal(0.0, 1.0 / np.sqrt(fan_in), size=tuple(param.shape))
        param.copy_(torch.from_numpy(values.astype(np.float32)))

print(net)
print({name: tuple(value.shape) for name, value in net.state_dict().items()})

x = signals(48)
print("without output_size:", tuple(net.up2(torch.zeros(1, 4, 8)).shape))
print("one signal:", tuple(net(x[0]).shape))
optimizer = Adam(net.parameters(), lr=0.01)
for epoch in range(8):
    total = 0.0
    for start in range(0, 48, 16):
        batch = x[start : start + 16]
        optimizer.zero_grad()
        loss = F.mse_loss(net(batch), batch)
        loss.backward()
        optimizer.step()
        total += loss.item()
    print(f"epoch {epoch}: loss {total / 3:.5f}")

print("up1 weight grad norm:", round(net.up1.weight.grad.norm().item(), 4))
print("mix weight grad norm:", round(net.mix.weight.grad.norm().item(), 4))

# The functional form, PyTorch's positional order: stride, padding, output_padding, groups,
# dilation.
s = torch.arange(6.0).reshape(1, 2, 3)
w = torch.ones(2, 1, 2)
y = F.conv_transpose1d(s, w, torch.tensor([0.5, -0.5]), 2, 0, 1, 2, 1)
print(tuple(y.shape), y[0, 1].tolist())
