"""``torch.linalg`` calls torch's ONNX exporter (TorchScript, opset 17) refuses, as the products they compute
(:func:`._torch_export.export` puts them in place while it exports)."""

from __future__ import annotations

import math

__all__ = ["linalg_calls"]


def linalg_calls(torch) -> dict:
    """``torch.linalg`` function name -> its exportable equivalent"""
    return {"solve_triangular": _solve_triangular(torch)}


def _solve_triangular(torch):
    """``solve_triangular(A, B, upper=..., left=True, unitriangular=False)``: X with A X = B (``left``) or X A = B,
    reading only A's triangle (the gated delta rule's chunked form in Qwen3-Next, Qwen3.5, OLMo-hybrid: a lower
    unitriangular system per chunk). Rows of A and B divided by A's diagonal (unless ``unitriangular``), A = I + N
    with N strictly triangular, so nilpotent: A^-1 = sum_j (-N)^j = (I - N)(I + N^2)(I + N^4) ... (ceil(log2 n)
    factors, each a product), applied to B; exact but for rounding, which grows with N's size as in any
    substitution."""
    original = torch.linalg.solve_triangular

    def solve_triangular(a, b, *, upper, left=True, unitriangular=False, out=None):
        if out is not None:
            return original(a, b, upper=upper, left=left, unitriangular=unitriangular, out=out)
        strict = torch.triu(a, 1) if upper else torch.tril(a, -1)
        if not unitriangular:  # A = D (I + D^-1 N) (left) or (I + N D^-1) D: N's and B's rows (columns) scaled
            diagonal = torch.diagonal(a, dim1=-2, dim2=-1).unsqueeze(-1 if left else -2)
            strict, b = strict / diagonal, b / diagonal
        power = -strict
        x = b + (power @ b if left else b @ power)
        for _ in range(math.ceil(math.log2(max(a.shape[-1], 2))) - 1):
            power = power @ power
            x = x + (power @ x if left else x @ power)
        return x

    return solve_triangular
