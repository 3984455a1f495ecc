"""glassgrad.nn: modules, layers, losses, optimizers, data and training on top of autodiff."""
