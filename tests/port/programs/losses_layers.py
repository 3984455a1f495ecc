"""Losses and normalisation layers, in training and in evaluation mode (float64).

Every loss of a small classifier and regressor with reduction 'none', 'sum' and 'mean', class
weights, ignore_index, label smoothing and probability targets; NLLLoss after log_softmax;
SmoothL1Loss, HuberLoss and KLDivLoss (a distillation-style loss against soft targets);
BCEWithLogitsLoss with pos_weight against BCELoss after sigmoid. BatchNorm1d/2d running
statistics with the default momentum and with momentum=None (a cumulative average), in train
and eval mode; Dropout in eval mode; LayerNorm; Embedding with padding_idx trained a few steps.
Inputs and weights are drawn with numpy, so both engines compute on the same numbers.
"""

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn, optim

torch.manual_seed(0)
rng = np.random.default_rng(8)


def t(array, requires_grad=False):
    return torch.tensor(np.asarray(array, dtype=np.float64), requires_grad=requires_grad)


logits = t(rng.normal(size=(6, 4)), requires_grad=True)
target = torch.tensor([0, 3, 1, 1, 2, 3])
class_weight = t([1.0, 2.0, 0.5, 1.5])

# --- cross entropy and NLL
for reduction in ("none", "sum", "mean"):
    loss = F.cross_entropy(logits, target, reduction=reduction)
    print(
        "cross_entropy",
        reduction,
        loss.detach().numpy().round(8).tolist(),
        loss.grad_fn is not None,
    )
    weighted = nn.CrossEntropyLoss(weight=class_weight, reduction=reduction)(logits, target)
    print("weighted cross_entropy", reduction, weighted.detach().numpy().round(8).tolist())
print("label smoothing:", F.cross_entropy(logits, target, label_smoothing=0.1).item())
print(
    "weighted label smoothing:",
    F.cross_entropy(logits, target, weight=class_weight, label_smoothing=0.2).item(),
)
ignored = torch.tensor([0, -100, 1, 1, -100, 3])
print(
    "ignore_index:",
    F.cross_entropy(logits, ignored).item(),
    F.cross_entropy(logits, ignored, reduction="none").tolist(),
)
print(
    "ignore_index 1:", F.cross_entropy(logits, target, ignore_index=1, weight=class_weight).item()
)
probs = F.softmax(t(rng.normal(size=(6, 4))), dim=1)
print(
    "probability targets:",
    F.cross_entropy(logits, probs).item(),
    F.cross_entropy(logits, probs, reduction="sum").item(),
)
log_probs = F.log_softmax(logits, dim=1)
nll = nn.NLLLoss()
print("nll(log_softmax):", nll(log_probs, target).item())
print(
    "nll weighted sum:", nn.NLLLoss(weight=class_weight, reduction="sum")(log_probs, target).item()
)
print(
    "log_softmax rows sum to one:",
    torch.allclose(log_probs.exp().sum(1), torch.ones(6, dtype=torch.float64)),
)
loss = F.cross_entropy(logits, target, weight=class_weight)
loss.backward()
print("cross_entropy grad:", logits.grad.numpy().round(6).tolist())
logits.grad = None
F.nll_loss(F.log_softmax(logits, 1), target, weight=class_weight).backward()
print("nll grad:", logits.grad.numpy().round(6).tolist())

# K-dimensional cross entropy: (N, C, d) logits with (N, d) targets
seq_logits = t(rng.normal(size=(2, 4, 3)))
seq_target = torch.tensor([[0, 1, 3], [2, 2, 0]])
print(
    "cross_entropy (N, C, d):",
    F.cross_entropy(seq_logits, seq_target).item(),
    F.cross_entropy(seq_logits, seq_target, reduction="none").shape,
)

# --- binary losses
scores = t(rng.normal(size=(5, 3)), requires_grad=True)
labels = t(rng.integers(0, 2, size=(5, 3)))
pos_weight = t([1.0, 3.0, 0.5])
for reduction in ("none", "sum", "mean"):
    print(
        "bce_with_logits",
        reduction,
        nn.BCEWithLogitsLoss(reduction=reduction)(scores, labels)
        .detach()
        .numpy()
        .round(8)
        .tolist(),
    )
print("pos_weight:", nn.BCEWithLogitsLoss(pos_weight=pos_weight)(scores, labels).item())
print(
    "element weight:",
    F.binary_cross_entropy_with_logits(scores, labels, weight=t([[2.0, 1.0, 0.0]])).item(),
)
print("bce(sigmoid):", nn.BCELoss()(torch.sigmoid(scores), labels).item())
print(
    "bce weighted sum:",
    F.binary_cross_entropy(
        torch.sigmoid(scores), labels, weight=t([0.5, 1.0, 2.0]), reduction="sum"
    ).item(),
)
print("soft labels:", F.binary_cross_entropy_with_logits(scores, t(np.full((5, 3), 0.3))).item())
loss = nn.BCEWithLogitsLoss(pos_weight=pos_weight)(scores, labels)
loss.backward()
print("bce grad:", scores.grad.numpy().round(6).tolist())

# --- regression losses
pred = t(rng.normal(size=(4, 2)), requires_grad=True)
goal = t(rng.normal(size=(4, 2)))
for reduction in ("none", "sum", "mean"):
    print(
        "mse",
        reduction,
        nn.MSELoss(reduction=reduction)(pred, goal).detach().numpy().round(8).tolist(),
    )
    print(
        "l1",
        reduction,
        nn.L1Loss(reduction=reduction)(pred, goal).detach().numpy().round(8).tolist(),
    )
for beta in (1.0, 0.5, 0.0):
    smooth = nn.SmoothL1Loss(beta=beta)(pred * 2, goal)
    print("smooth_l1 beta", beta, round(smooth.item(), 10))
for delta in (1.0, 0.3):
    huber = F.huber_loss(pred * 2, goal, reduction="none", delta=delta)
    print("huber delta", delta, huber.detach().numpy().round(8).tolist())
kl = nn.KLDivLoss(reduction="batchmean")
teacher = F.softmax(t(rng.normal(size=(6, 4))) / 2.0, dim=1)
student = F.log_softmax(logits, dim=1)
print(
    "kl batchmean:",
    kl(student, teacher).item(),
    "sum:",
    F.kl_div(student, teacher, reduction="sum").item(),
)
print(
    "kl log_target:",
    F.kl_div(student, teacher.log(), reduction="batchmean", log_target=True).item(),
)
print(
    "kl none row sums:",
    F.kl_div(student, teacher, reduction="none").sum(1).detach().numpy().round(8).tolist(),
)
logits.grad = None
kl(F.log_softmax(logits, dim=1), teacher).backward()
print("kl grad:", logits.grad.numpy().round(6).tolist())
(F.mse_loss(pred, goal) + F.l1_loss(pred, goal, reduction="sum")).backward()
print("regression grad:", pred.grad.numpy().round(6).tolist())
print(
    "multi margin:",
    nn.MultiMarginLoss()(logits, target).item(),
    F.multi_margin_loss(logits, target, p=2, margin=0.5).item(),
)


# --- BatchNorm running statistics
def stats(bn):
    return (
        bn.running_mean.numpy().round(6).tolist(),
        bn.running_var.numpy().round(6).tolist(),
        bn.num_batches_tracked.item(),
    )


batches = [t(rng.normal(loc=2.0, scale=3.0, size=(8, 3))) for _ in range(4)]
bn = nn.BatchNorm1d(3).double()
cumulative = nn.BatchNorm1d(3, momentum=None).double()
slow = nn.BatchNorm1d(3, momentum=0.01, eps=1e-3).double()
for i, batch in enumerate(batches):
    out = bn(batch)
    cumulative(batch)
    slow(batch)
    print(f"bn batch {i}: out mean {out.mean(0).abs().max().item():.2e} stats {stats(bn)}")
    print(f"cumulative batch {i}: {stats(cumulative)}")
print("slow:", stats(slow))
stacked = torch.cat(batches)
print(
    "cumulative mean vs batch means:",
    np.allclose(
        cumulative.running_mean.numpy(), np.mean([b.mean(0).numpy() for b in batches], axis=0)
    ),
)
bn.eval()
probe = t(rng.normal(size=(3, 3)))
print("bn eval:", bn(probe).detach().numpy().round(6).tolist())
bn.train()
print("bn train:", bn(probe).detach().numpy().round(6).tolist())
print("after a train call:", stats(bn))
print("bn state_dict:", list(bn.state_dict().keys()))
no_track = nn.BatchNorm1d(3, track_running_stats=False).double()
no_track.eval()
print(
    "no running stats, eval uses batch stats:", no_track(probe).detach().numpy().round(6).tolist()
)
print("no running stats buffers:", no_track.running_mean, list(no_track.state_dict().keys()))

images = t(rng.normal(loc=-1.0, size=(4, 2, 3, 3)))
bn2 = nn.BatchNorm2d(2, affine=False).double()
out = bn2(images)
print(
    "bn2d out mean/var per channel:",
    out.mean((0, 2, 3)).abs().max().item() < 1e-12,
    out.var((0, 2, 3), unbiased=False).detach().numpy().round(6).tolist(),
)
print("bn2d stats:", stats(bn2), "parameters:", len(list(bn2.parameters())))
bn2 = nn.BatchNorm2d(2).double()
with torch.no_grad():
    bn2.weight.copy_(t([2.0, 0.5]))
    bn2.bias.copy_(t([0.1, -0.1]))
optimizer = optim.SGD(bn2.parameters(), lr=0.1)
for step in range(3):
    optimizer.zero_grad()
    loss = (bn2(images) ** 3).mean()
    loss.backward()
    optimizer.step()
    print(
        f"bn2d step {step}: loss {loss.item():.8f}",
        f"weight {bn2.weight.tolist()} bias {bn2.bias.tolist()}",
    )
print("bn2d after training:", stats(bn2))

# --- Dropout and LayerNorm
drop = nn.Dropout(p=0.5)
drop.eval()
x = t(rng.normal(size=(2, 5)))
print(
    "dropout eval identity:",
    torch.equal(drop(x), x),
    "functional:",
    torch.equal(F.dropout(x, 0.5, training=False), x),
)
ln = nn.LayerNorm(5).double()
print("layernorm params:", [(n, tuple(p.shape)) for n, p in ln.named_parameters()], ln.eps)
out = ln(x)
print(
    "layernorm rows:",
    out.mean(-1).abs().max().item() < 1e-12,
    out.var(-1, unbiased=False).detach().numpy().round(6).tolist(),
)
ln2 = nn.LayerNorm([2, 5], elementwise_affine=False).double()
print("layernorm 2-d:", ln2(x).detach().numpy().round(6).tolist(), len(list(ln2.parameters())))
print(
    "F.layer_norm:",
    F.layer_norm(x, (5,), weight=t(np.arange(5.0)), bias=t(np.ones(5)))
    .detach()
    .numpy()
    .round(6)
    .tolist(),
)

# --- Embedding with padding_idx, trained
emb = nn.Embedding(6, 3, padding_idx=0).double()
with torch.no_grad():
    emb.weight.copy_(t(rng.normal(size=(6, 3))))
    emb.weight[0].zero_()
head = nn.Linear(3, 1).double()
with torch.no_grad():
    head.weight.copy_(t([[0.5, -0.3, 0.2]]))
    head.bias.zero_()
tokens = torch.tensor([[1, 2, 0, 0], [3, 4, 5, 0]])
y = t([[1.0], [-1.0]])
optimizer = optim.Adam(list(emb.parameters()) + list(head.parameters()), lr=0.05)
for step in range(4):
    optimizer.zero_grad()
    mask = (tokens != 0).unsqueeze(-1).double()
    pooled = (emb(tokens) * mask).sum(1) / mask.sum(1)
    loss = F.mse_loss(head(pooled), y)
    loss.backward()
    print(
        f"embedding step {step}: loss {loss.item():.8f}",
        f"padding grad {emb.weight.grad[0].abs().sum().item()}",
    )
    optimizer.step()
print("padding row stays zero:", emb.weight[0].tolist())
print("embedding weight rows:", emb.weight.detach().numpy().round(6).tolist())
print("lookup shape:", emb(tokens).shape, F.embedding(tokens, emb.weight).shape)
