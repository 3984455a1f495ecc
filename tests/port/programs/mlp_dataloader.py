"""A multi-layer perceptron: a Module subclass, DataLoader, a train/eval loop, state_dict save/load.

Three Gaussian blobs in the plane, classified by a 2-32-32-3 MLP (float32) trained with SGD and
momentum. Data and initial weights are drawn with numpy, so every engine starts from the same
point; the loaders do not shuffle (the engines' random streams differ).
"""

import os
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import optim
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
rng = np.random.default_rng(0)

centres = np.array([[0.0, 2.0], [-1.8, -1.0], [1.8, -1.0]])
labels = np.repeat(np.arange(3), 200)
points = centres[labels] + rng.standard_normal((600, 2)) * 0.9
order = rng.permutation(600)
points, labels = points[order].astype(np.float32), labels[order]

train_ds = TensorDataset(torch.from_numpy(points[:480]), torch.from_numpy(labels[:480]))
test_ds = TensorDataset(torch.from_numpy(points[480:]), torch.from_numpy(labels[480:]))
train_loader = DataLoader(train_ds, batch_size=32, shuffle=False)
test_loader = DataLoader(test_ds, batch_size=50)
print("batches:", len(train_loader), len(test_loader), "samples:", len(train_ds))


class MLP(nn.Module):
    def __init__(self, hidden=32):
        super().__init__()
        self.fc1 = nn.Linear(2, hidden)
        self.fc2 = nn.Linear(hidden, hidden)
        self.fc3 = nn.Linear(hidden, 3)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        x = torch.tanh(self.fc2(x))
        return self.fc3(x)


def init_weights(model, seed):
    weights = np.random.default_rng(seed)
    with torch.no_grad():
        for param in model.parameters():
            param.copy_(torch.from_numpy(weights.uniform(-0.5, 0.5, size=tuple(param.shape))))


def evaluate(model, loader):
    model.eval()
    correct = 0
    total = 0
    loss_sum = 0.0
    with torch.no_grad():
        for inputs, targets in loader:
            outputs = model(inputs)
            loss_sum += F.cross_entropy(outputs, targets, reduction="sum").item()
            _, predicted = torch.max(outputs, 1)
            total += targets.size(0)
            correct += (predicted == targets).sum().item()
    return loss_sum / total, correct / total


model = MLP()
init_weights(model, 1)
print(model)
print("parameters:", sum(p.numel() for p in model.parameters() if p.requires_grad))

criterion = nn.CrossEntropyLoss()
optimizer = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)

for epoch in range(6):
    model.train()
    running_loss = 0.0
    for inputs, targets in train_loader:
        optimizer.zero_grad()
        outputs = model(inputs)
        loss = criterion(outputs, targets)
        loss.backward()
        optimizer.step()
        running_loss += loss.item() * inputs.size(0)
    test_loss, accuracy = evaluate(model, test_loader)
    print(
        f"epoch {epoch}: train loss {running_loss / len(train_ds):.5f} "
        f"test loss {test_loss:.5f} accuracy {accuracy:.4f}"
    )

# Per-class accuracy with argmax and a boolean mask.
model.eval()
with torch.no_grad():
    inputs, targets = test_ds[:]
    predicted = model(inputs).argmax(dim=1)
    for k in range(3):
        mask = targets == k
        print(f"class {k}: {(predicted[mask] == k).float().mean().item():.4f} of {int(mask.sum())}")

# Save and load the weights.
path = os.path.join(tempfile.mkdtemp(), "mlp.pt")
torch.save(model.state_dict(), path)
restored = MLP()
result = restored.load_state_dict(torch.load(path))
print("missing, unexpected:", result.missing_keys, result.unexpected_keys)
print("keys:", list(restored.state_dict().keys()))
restored.eval()
with torch.no_grad():
    batch = torch.from_numpy(points[:4])
    print("restored logits:", restored(batch).numpy().round(4).tolist())
    print("same as trained:", torch.equal(restored(batch), model(batch)))

# A whole checkpoint dict, with an epoch number and the optimizer state.
checkpoint = {"epoch": 6, "model": model.state_dict(), "optimizer": optimizer.state_dict()}
torch.save(checkpoint, path)
loaded = torch.load(path)
print("checkpoint epoch:", loaded["epoch"], "lr:", loaded["optimizer"]["param_groups"][0]["lr"])
os.remove(path)
