"""The engine's own exception types.

Every message names the op (or the API call) and the shapes/dtypes involved, so a user never has
to decode a bare numpy traceback.
"""


class ShapeError(ValueError):
    """Shapes that cannot work together: `matmul: (3, 4) @ (5, 2): inner dimensions differ`."""


class GraphFreedError(RuntimeError):
    """Backward through a graph whose saved values were freed by an earlier backward."""


class InplaceModificationError(RuntimeError):
    """A value saved for backward was modified in place after it was saved."""
