"""Embedding: a lookup table of learned vectors, one row per index (word ids, categories)."""

from __future__ import annotations

from typing import Any

import numpy as np

import autodiff
from autodiff import Tensor

from .. import functional as F
from .. import init
from ..module import Module, Parameter


class Embedding(Module):
    """indices of shape S -> S + (embedding_dim,): rows of `weight` (num_embeddings,
    embedding_dim), initialised from N(0, 1) like PyTorch's.

    `padding_idx`: that row starts at zero and gets no gradient. `max_norm`: looked-up rows are
    scaled down to that norm in place, as PyTorch's (see F.embedding). `_weight` gives the initial
    table; `Embedding.from_pretrained(table, freeze=True)` makes a (frozen) layer from one.
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
        _weight: Any = None,
        _freeze: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        autodiff.device(device or "cpu")  # raises for anything but the CPU
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(
                    f"Embedding: padding_idx must be within [{-num_embeddings}, "
                    f"{num_embeddings}), got {padding_idx}"
                )
            padding_idx = padding_idx % num_embeddings
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.padding_idx = padding_idx
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.sparse = sparse
        dtype = autodiff.get_default_dtype() if dtype is None else dtype
        if _weight is None:
            self.weight = Parameter(np.empty((num_embeddings, embedding_dim), dtype=dtype))
            self.reset_parameters()
        else:
            table = np.asarray(_weight.data if isinstance(_weight, Tensor) else _weight)
            if table.shape != (num_embeddings, embedding_dim):
                raise ValueError(
                    f"Embedding: _weight must have shape {(num_embeddings, embedding_dim)}, got "
                    f"{table.shape}"
                )
            self.weight = Parameter(table, requires_grad=not _freeze)

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with autodiff.no_grad():
                self.weight[self.padding_idx] = 0

    def forward(self, indices: Any) -> Tensor:
        return F.embedding(
            indices,
            self.weight,
            self.padding_idx,
            self.max_norm,
            self.norm_type,
            self.scale_grad_by_freq,
            self.sparse,
        )

    @classmethod
    def from_pretrained(
        cls, embeddings: Any, freeze: bool = True, padding_idx: int | None = None, **kwargs: Any
    ) -> Embedding:
        """A layer whose table is a copy of `embeddings` (2-d); `freeze` stops its training."""
        table = np.asarray(embeddings.data if isinstance(embeddings, Tensor) else embeddings)
        if table.ndim != 2:
            raise ValueError(f"Embedding.from_pretrained: expected a 2-d table, got {table.shape}")
        return cls(*table.shape, padding_idx=padding_idx, _weight=table, _freeze=freeze, **kwargs)

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            text += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            text += f", norm_type={self.norm_type}"
        return text
