"""The engine's own exception types.

Every message names the op (or the API call) and the shapes/dtypes involved, so a user never has
to decode a bare numpy traceback.
"""


class ShapeError(ValueError, RuntimeError):
    """Shapes that cannot work together: `matmul: (3, 4) @ (5, 2): inner dimensions differ`.
    A ValueError, and a RuntimeError too, which is what PyTorch raises for shapes: a PyTorch
    program's `except RuntimeError` catches it."""


class GraphFreedError(RuntimeError):
    """Backward through a graph whose saved values were freed by an earlier backward."""


class InplaceModificationError(RuntimeError):
    """A value saved for backward was modified in place after it was saved."""


class DtypeError(TypeError, RuntimeError):
    """A dtype the operation cannot take (`requires_grad` on an integer tensor). A TypeError,
    and a RuntimeError too, which is what PyTorch raises: `except RuntimeError` catches it."""


class AnomalyError(FloatingPointError, RuntimeError):
    """`detect_anomaly()` found a NaN (or, with check_inf, an infinity) in a gradient. A
    FloatingPointError, and a RuntimeError, which is what PyTorch raises."""
