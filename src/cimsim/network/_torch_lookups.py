"""torch.nn.functional's ``embedding`` and ``embedding_bag`` as exportable equivalents that renormalise the rows
they look up (``max_norm``) without writing into the model's tables."""

from __future__ import annotations

import contextlib

__all__ = ["embedding_call", "embedding_bag_call", "renormed_lookups"]


def embedding_call(torch):
    """``embedding`` with a ``max_norm`` (``nn.Embedding(max_norm=...)``): each looked-up row scaled by
    max_norm / (norm + 1e-7) where its ``norm_type`` norm exceeds max_norm, which is what torch computes by
    renormalising those rows of the table in place (``embedding_renorm_``) before the lookup; the exporter drops that
    in-place step, and the table here is left as it is"""
    original = torch.nn.functional.embedding

    def embedding(x, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False, sparse=False):
        rows = original(x, weight, padding_idx, None, norm_type, scale_grad_by_freq, sparse)
        if max_norm is None:
            return rows
        norm = torch.linalg.vector_norm(rows, norm_type, dim=-1, keepdim=True)
        return rows * torch.where(norm > max_norm, max_norm / (norm + 1e-7), torch.ones_like(norm))

    return embedding


@contextlib.contextmanager
def renormed_lookups(torch):
    """``embedding`` and ``embedding_bag`` as :func:`embedding_call` and :func:`embedding_bag_call` compute them,
    meanwhile: the same values as torch's, without renormalising the model's tables in place (from_torch's checks
    run the model so)"""
    functional = torch.nn.functional
    originals = functional.embedding, functional.embedding_bag
    functional.embedding, functional.embedding_bag = embedding_call(torch), embedding_bag_call(torch)
    try:
        yield
    finally:
        functional.embedding, functional.embedding_bag = originals


def embedding_bag_call(torch):
    """``embedding_bag`` of bags of one size (2-d ids, no offsets): the rows' embeddings (renormalised with a
    ``max_norm``: :func:`embedding_call`), reduced over each bag; any other, torch's own"""
    functional = torch.nn.functional
    original_bag, embedding = functional.embedding_bag, embedding_call(torch)  # made once, from torch's own

    def embedding_bag(x, weight, offsets=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False, mode="mean",
                      sparse=False, per_sample_weights=None, include_last_offset=False, padding_idx=None):
        if x.dim() != 2 or offsets is not None or padding_idx is not None:
            return original_bag(x, weight, offsets, max_norm, norm_type, scale_grad_by_freq, mode, sparse,
                                per_sample_weights, include_last_offset, padding_idx)
        rows = embedding(x, weight, max_norm=max_norm, norm_type=norm_type)
        if per_sample_weights is not None:
            rows = rows * per_sample_weights.unsqueeze(-1)
        return {"sum": rows.sum, "mean": rows.mean, "max": rows.amax}[mode](1)

    return embedding_bag
