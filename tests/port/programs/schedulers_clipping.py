"""Learning-rate schedules, gradient clipping and initialisation, on a float64 regression.

Each scheduler (StepLR, ExponentialLR, CosineAnnealingLR, MultiStepLR, LambdaLR) drives an SGD
optimizer for a dozen epochs; every epoch prints the lr the optimizer used (param_groups),
get_last_lr(), and the loss. OneCycleLR is stepped per batch, cycling the momentum too, and
ReduceLROnPlateau is stepped with a validation loss. A scheduler's state_dict is saved
mid-run and loaded into a fresh scheduler, which must continue the same schedule. Gradients
are clipped with clip_grad_norm_ (its return value, the norm before clipping, is printed) and
clip_grad_value_. nn.init functions are checked by the shapes and statistics of what they
draw, and by the deterministic ones (constant_, zeros_, ones_, eye_-like copies, gains).
"""

import math

import numpy as np
import torch
from torch import nn, optim
from torch.optim import lr_scheduler

torch.manual_seed(0)
rng = np.random.default_rng(2)
X = torch.from_numpy(rng.normal(size=(64, 5)))
Y = torch.from_numpy(rng.normal(size=(64, 1))) + X[:, :1] * 2.0


def make_model():
    model = nn.Linear(5, 1).double()
    weights = np.random.default_rng(4)
    with torch.no_grad():
        model.weight.copy_(torch.from_numpy(weights.normal(0, 0.3, size=(1, 5))))
        model.bias.fill_(0.1)
    return model


def run(name, make_scheduler, epochs=12, lr=0.1, **opt_kwargs):
    model = make_model()
    optimizer = optim.SGD(model.parameters(), lr=lr, **opt_kwargs)
    scheduler = make_scheduler(optimizer)
    print(name, "initial lr:", optimizer.param_groups[0]["lr"], scheduler.get_last_lr())
    for epoch in range(epochs):
        optimizer.zero_grad()
        loss = ((model(X) - Y) ** 2).mean()
        loss.backward()
        optimizer.step()
        used = optimizer.param_groups[0]["lr"]
        scheduler.step()
        print(
            f"{name} epoch {epoch}: used lr {used:.8f}",
            f"next {scheduler.get_last_lr()[0]:.8f} loss {loss.item():.8f}",
        )
    print(name, "last_epoch:", scheduler.last_epoch, "base_lrs:", scheduler.base_lrs)
    return model, optimizer, scheduler


run("StepLR", lambda o: lr_scheduler.StepLR(o, step_size=3, gamma=0.5))
run("ExponentialLR", lambda o: lr_scheduler.ExponentialLR(o, gamma=0.8))
run(
    "CosineAnnealingLR",
    lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=5, eta_min=0.01),
    momentum=0.9,
)
run("Cosine to zero", lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=12))

run("MultiStepLR", lambda o: lr_scheduler.MultiStepLR(o, milestones=[2, 5, 5, 9], gamma=0.5))
run("LambdaLR warmup", lambda o: lr_scheduler.LambdaLR(o, lambda epoch: min(1.0, (epoch + 1) / 4)))
run("LambdaLR decay", lambda o: lr_scheduler.LambdaLR(o, lambda epoch: 0.95**epoch), momentum=0.5)

# OneCycleLR, stepped after every batch, cycling the momentum too.
model = make_model()
optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)
one_cycle = lr_scheduler.OneCycleLR(optimizer, max_lr=0.2, epochs=3, steps_per_epoch=4)
print("one cycle groups:", sorted(k for k in optimizer.param_groups[0] if "lr" in k or "mom" in k))
for epoch in range(3):
    for batch in range(4):
        rows = slice(batch * 16, batch * 16 + 16)
        optimizer.zero_grad()
        loss = ((model(X[rows]) - Y[rows]) ** 2).mean()
        loss.backward()
        optimizer.step()
        one_cycle.step()
        momentum = optimizer.param_groups[0]["momentum"]
        print(
            f"one cycle {epoch}.{batch}: loss {loss.item():.8f}",
            f"lr {one_cycle.get_last_lr()[0]:.8f} momentum {momentum:.6f}",
        )
print("one cycle state keys:", list(one_cycle.state_dict().keys()))

# ReduceLROnPlateau, stepped with a validation loss that stalls.
model = make_model()
optimizer = optim.SGD(model.parameters(), lr=0.2, momentum=0.9)
plateau = lr_scheduler.ReduceLROnPlateau(optimizer, mode="min", factor=0.5, patience=1)
X_val, Y_val = X[:16] * 1.5, Y[:16] - 0.3
for epoch in range(14):
    optimizer.zero_grad()
    loss = ((model(X[16:]) - Y[16:]) ** 2).mean()
    loss.backward()
    optimizer.step()
    with torch.no_grad():
        val_loss = ((model(X_val) - Y_val) ** 2).mean()
    plateau.step(val_loss)
    print(
        f"plateau epoch {epoch}: val {val_loss.item():.8f} best {plateau.best:.8f}",
        f"bad epochs {plateau.num_bad_epochs} lr {plateau.get_last_lr()[0]:.8f}",
    )
print("plateau state keys:", list(plateau.state_dict().keys()))
plateau_max = lr_scheduler.ReduceLROnPlateau(
    optimizer, mode="max", factor=0.1, patience=0, cooldown=1, threshold=0.01, threshold_mode="abs"
)
for accuracy in [0.5, 0.6, 0.605, 0.61, 0.7, 0.7, 0.69]:
    plateau_max.step(accuracy)
    print(
        "max mode:",
        plateau_max.num_bad_epochs,
        plateau_max.cooldown_counter,
        plateau_max.get_last_lr(),
    )

# Two groups with their own lrs, scheduled together.
model = make_model()
optimizer = optim.SGD([{"params": [model.weight]}, {"params": [model.bias], "lr": 0.02}], lr=0.1)
scheduler = lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.1)
for epoch in range(5):
    optimizer.step()
    scheduler.step()
    print("two groups epoch", epoch, [round(lr, 10) for lr in scheduler.get_last_lr()])
print("initial_lr in groups:", [g["initial_lr"] for g in optimizer.param_groups])

# Save a schedule halfway and resume it in a fresh scheduler.
model, optimizer, scheduler = run(
    "Cosine half", lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=10), epochs=4
)
state = scheduler.state_dict()
print("scheduler state keys:", sorted(state.keys()))
print(
    "saved last_epoch:",
    state["last_epoch"],
    "T_max:",
    state["T_max"],
    "last lr:",
    state["_last_lr"],
    "steps:",
    state["_step_count"],
)
opt_state = optimizer.state_dict()
fresh_optimizer = optim.SGD(model.parameters(), lr=0.1)
fresh_optimizer.load_state_dict(opt_state)
fresh = lr_scheduler.CosineAnnealingLR(fresh_optimizer, T_max=10)
fresh.load_state_dict(state)
print("resumed lr:", fresh_optimizer.param_groups[0]["lr"], fresh.get_last_lr(), fresh.last_epoch)
for epoch in range(4, 8):
    fresh_optimizer.step()
    fresh.step()
    print("resumed epoch", epoch, f"{fresh.get_last_lr()[0]:.10f}")
for epoch in range(4, 8):
    optimizer.step()
    scheduler.step()
    print("continued epoch", epoch, f"{scheduler.get_last_lr()[0]:.10f}")

# Chained: two schedulers on one optimizer multiply their factors.
model = make_model()
optimizer = optim.SGD(model.parameters(), lr=1.0)
first = lr_scheduler.ExponentialLR(optimizer, gamma=0.9)
second = lr_scheduler.StepLR(optimizer, step_size=3, gamma=0.1)
for epoch in range(7):
    optimizer.step()
    first.step()
    second.step()
    print(
        "chained epoch",
        epoch,
        f"{optimizer.param_groups[0]['lr']:.10f}",
        f"{second.get_last_lr()[0]:.10f}",
    )

# Gradient clipping.
model = make_model()
optimizer = optim.SGD(model.parameters(), lr=0.05)
for step in range(6):
    optimizer.zero_grad()
    loss = ((model(X) * 10 - Y) ** 2).mean()
    loss.backward()
    norm_before = torch.cat([p.grad.flatten() for p in model.parameters()]).norm().item()
    total = nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    norm_after = torch.cat([p.grad.flatten() for p in model.parameters()]).norm().item()
    optimizer.step()
    print(
        f"clip step {step}: loss {loss.item():.8f} returned {total.item():.8f}",
        f"before {norm_before:.8f} after {norm_after:.8f}",
    )
    print(
        "returned is a 0-d tensor:",
        isinstance(total, torch.Tensor),
        total.dim(),
        total.dtype == torch.float64,
    )

optimizer.zero_grad()
((model(X) * 10 - Y) ** 2).mean().backward()
total_inf = nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.5, norm_type=float("inf"))
print(
    "max-norm returned:",
    round(total_inf.item(), 8),
    "max after:",
    round(max(p.grad.abs().max().item() for p in model.parameters()), 8),
)
optimizer.zero_grad()
((model(X) * 10 - Y) ** 2).mean().backward()
total_one = nn.utils.clip_grad_norm_(model.parameters(), max_norm=2.0, norm_type=1)
print(
    "1-norm returned:",
    round(total_one.item(), 8),
    "1-norm after:",
    round(sum(p.grad.abs().sum().item() for p in model.parameters()), 8),
)
optimizer.zero_grad()
((model(X) * 10 - Y) ** 2).mean().backward()
print("grad before value clip:", model.weight.grad.numpy().round(4).tolist())
nn.utils.clip_grad_value_(model.parameters(), clip_value=0.25)
print("grad after value clip:", model.weight.grad.tolist(), model.bias.grad.tolist())
small = nn.utils.clip_grad_norm_(model.parameters(), max_norm=100.0)
print("no clipping when below:", round(small.item(), 8), model.weight.grad.tolist())
single = nn.utils.clip_grad_norm_(model.weight, max_norm=0.1)
print("single tensor:", round(single.item(), 8), round(model.weight.grad.norm().item(), 8))

# nn.init: deterministic fills and gains, then statistics of the random ones.
w = torch.empty(3, 5, dtype=torch.float64)
nn.init.constant_(w, 0.3)
print("constant_:", w.sum().item())
nn.init.zeros_(w)
print("zeros_:", w.abs().sum().item())
nn.init.ones_(w)
print("ones_:", w.sum().item())
print(
    "gains:",
    nn.init.calculate_gain("relu"),
    nn.init.calculate_gain("tanh"),
    nn.init.calculate_gain("leaky_relu", 0.2),
    nn.init.calculate_gain("linear"),
    nn.init.calculate_gain("sigmoid"),
)
big = torch.empty(400, 300, dtype=torch.float64)
nn.init.uniform_(big, -0.5, 0.5)
print(
    "uniform_ range:",
    round(big.min().item(), 2),
    round(big.max().item(), 2),
    "mean",
    round(big.mean().item(), 2),
)
nn.init.normal_(big, mean=1.0, std=0.5)
print("normal_ mean, std:", round(big.mean().item(), 2), round(big.std().item(), 2))
nn.init.xavier_uniform_(big)
bound = math.sqrt(6 / (400 + 300))
print(
    "xavier_uniform_ within bound:",
    big.abs().max().item() <= bound,
    "std ratio",
    round(big.std().item() / (bound / math.sqrt(3)), 2),
)
nn.init.xavier_normal_(big, gain=2.0)
print("xavier_normal_ std ratio:", round(big.std().item() / (2.0 * math.sqrt(2 / 700)), 2))
nn.init.kaiming_uniform_(big, a=math.sqrt(5))
print(
    "kaiming_uniform_ a=sqrt(5) bound ratio:",
    round(big.abs().max().item() / (1 / math.sqrt(300)), 2),
)
nn.init.kaiming_normal_(big, mode="fan_out", nonlinearity="relu")
print("kaiming_normal_ fan_out std ratio:", round(big.std().item() / math.sqrt(2 / 400), 2))
conv = torch.empty(16, 8, 3, 3, dtype=torch.float64)
nn.init.kaiming_normal_(conv)
print("conv kaiming std ratio:", round(conv.std().item() / math.sqrt(2 / 72), 1))
linear = nn.Linear(300, 200)
bound = 1 / math.sqrt(300)
print(
    "default Linear init within bound:",
    linear.weight.abs().max().item() <= bound,
    linear.bias.abs().max().item() <= bound,
)
print(
    "default Linear init std ratio:", round(linear.weight.std().item() / (bound / math.sqrt(3)), 1)
)
