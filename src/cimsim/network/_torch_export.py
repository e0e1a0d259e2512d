"""torch's ONNX export as :func:`~cimsim.network.torch_import.from_torch` runs it: in a temporary file (a model
past protobuf's 2 GiB limit keeps its weights as external data beside it), with the calls torch's exporter refuses
rewritten as exportable equivalents, and its errors cut to their message.
"""

from __future__ import annotations

import contextlib
import os
import tempfile

__all__ = ["export"]

MESSAGE_CHARS = 600
"""longest part of torch's own error message kept in the error from_torch raises (torch appends its whole IR graph)"""


def export(torch, onnx, model, x, opset: int, name: str):
    """The ONNX model of ``model`` traced on ``x`` (TorchScript tracer, eval mode as the caller set it), loaded with
    its weights; a ValueError naming ``name`` and torch's message where the export fails."""
    with tempfile.TemporaryDirectory(prefix="cimsim-export-") as folder:
        path = os.path.join(folder, "model.onnx")
        try:
            with _exportable(torch):
                torch.onnx.export(model, (x,), path, dynamo=False, opset_version=opset, do_constant_folding=True,
                                  input_names=["input"], output_names=["output"])
        except Exception as exc:  # torch raises many types for an unexportable model
            raise ValueError(f"torch model {name}: the ONNX export failed: {type(exc).__name__}: "
                             f"{_message(str(exc))}") from None
        return onnx.load(path)  # with the external data of a model past 2 GiB


def _message(text: str) -> str:
    """torch's message without the IR graph and cause it appends"""
    for marker in ("Torch IR graph at exception", "[Caused by"):
        text = text.split(marker)[0]
    text = " ".join(text.split())
    return text if len(text) <= MESSAGE_CHARS else text[:MESSAGE_CHARS] + " ..."


@contextlib.contextmanager
def _exportable(torch):
    """During an export, calls torch's exporter refuses become equivalents it takes:

    - ``scaled_dot_product_attention`` with ``enable_gqa`` (grouped-query attention, as Llama-style models call it):
      each key and value head is first repeated for its group of query heads, which is what ``enable_gqa`` means
      (PyTorch's documentation of the function); an ``is_causal`` given as a 0-d tensor (as torch 2.14's
      ``multi_head_attention_forward`` passes it while tracing, which the function itself refuses) as its bool;
    - adaptive average and max pooling to an output size that does not divide the input (VGG's 7 x 7 pool of a
      small image): each output position reduces its window [floor(i L / n), ceil((i + 1) L / n)) (PyTorch's
      definition of the windows), one spatial axis at a time (exact: the windows are products of intervals).
    """
    functional = torch.nn.functional
    originals = {name: getattr(functional, name) for name in _ADAPTIVE}
    attention = functional.scaled_dot_product_attention

    def grouped_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, *args,
                          enable_gqa=False, **kwargs):
        if enable_gqa and key.shape[-3] != query.shape[-3]:
            group = query.shape[-3] // key.shape[-3]
            key, value = key.repeat_interleave(group, dim=-3), value.repeat_interleave(group, dim=-3)
        if isinstance(is_causal, torch.Tensor):  # torch 2.14's multi-head attention passes a traced bool
            is_causal = bool(is_causal)
        return attention(query, key, value, attn_mask, dropout_p, is_causal, *args, **kwargs)

    functional.scaled_dot_product_attention = grouped_attention
    for fn_name, (dims, reduce) in _ADAPTIVE.items():
        setattr(functional, fn_name, _adaptive(torch, originals[fn_name], dims, reduce))
    try:
        yield
    finally:
        functional.scaled_dot_product_attention = attention
        for fn_name, original in originals.items():
            setattr(functional, fn_name, original)


_ADAPTIVE = {"adaptive_avg_pool1d": (1, "mean"), "adaptive_avg_pool2d": (2, "mean"), "adaptive_avg_pool3d": (3, "mean"),
             "adaptive_max_pool1d": (1, "amax"), "adaptive_max_pool2d": (2, "amax"), "adaptive_max_pool3d": (3, "amax")}
"""torch.nn.functional's adaptive pools: (spatial axes, reduction)"""


def _adaptive(torch, original, dims: int, reduce: str):
    """``original`` where its output size divides the input (the exporter takes that), else the window reductions"""

    def pool(x, output_size, return_indices=False):
        sizes = (output_size,) * dims if isinstance(output_size, int) else tuple(output_size)
        axes = range(x.dim() - dims, x.dim())
        wanted = [int(x.shape[a]) if n is None else int(n) for a, n in zip(axes, sizes)]
        if return_indices or len(wanted) != dims or all(int(x.shape[a]) % n == 0 for a, n in zip(axes, wanted)):
            # the max pools' indices, or a size the exporter takes
            return original(x, output_size, return_indices) if reduce == "amax" else original(x, output_size)
        for axis, n in zip(axes, wanted):
            length = int(x.shape[axis])
            windows = [(i * length // n, -(-(i + 1) * length // n)) for i in range(n)]
            x = torch.cat([getattr(x.narrow(axis, a, b - a), reduce)(dim=axis, keepdim=True) for a, b in windows],
                          dim=axis)
        return x

    return pool
