"""PyTorch models -> :class:`~cimsim.network.Network` in one call (needs the torch extra and onnx).

The model is exported in memory by torch's own ONNX exporter (the TorchScript tracer: ``dynamo=False``, which needs
no further package), in eval mode, on one example sample, with batch-norm and constant subgraphs folded, and read by
:func:`~cimsim.network.onnx_import.network_from_onnx`: the same network as exporting to a file and loading that.
"""

from __future__ import annotations

import io
import os
import warnings

import numpy as np

from .model import Network
from .onnx_import import network_from_onnx

__all__ = ["from_torch"]

OPSET = 17
"""ONNX opset of the export: the first with LayerNormalization as one operator"""


def from_torch(model, example_input) -> Network:
    """The network of a ``torch.nn.Module``, traced on ``example_input`` (a tensor or array (batch, ...)).

    The per-sample input shape is the example's; the batch size is free. A model whose trace depends on its
    input values (Python control flow on tensors in the model's own code) is refused: a trace holds one path only.
    """
    try:
        import onnx
        import torch
    except ImportError:
        raise ImportError("from_torch needs torch and onnx: pip install torch '.[onnx]'") from None
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"from_torch needs a torch.nn.Module; got {type(model).__name__}")
    x = example_input if isinstance(example_input, torch.Tensor) else torch.as_tensor(np.asarray(example_input))
    dtype = next((p.dtype for p in model.parameters()), torch.float32)
    if x.is_floating_point():
        x = x.to(dtype)  # a float64 array for a float32 model: traced in the model's precision
    if x.ndim < 2 or not x.is_floating_point():
        raise ValueError(f"example_input must be a float tensor (batch, ...); got shape {tuple(x.shape)}, dtype "
                         f"{x.dtype}")
    name = type(model).__name__
    was_training = model.training
    model.eval()
    buffer = io.BytesIO()
    try:
        with warnings.catch_warnings(record=True) as caught:  # no torch.no_grad: it would select fused
            # kernels (e.g. the transformer fast path) that have no ONNX form
            warnings.simplefilter("always")
            torch.onnx.export(model, (x[:1],), buffer, dynamo=False, opset_version=OPSET, do_constant_folding=True,
                              input_names=["input"], output_names=["output"])
    except Exception as exc:  # torch raises many types for an unexportable model
        raise ValueError(f"torch model {name}: the ONNX export failed: {type(exc).__name__}: {exc}") from None
    finally:
        model.train(was_training)
    own = os.path.dirname(torch.__file__)  # torch's own modules check shapes in Python; they export correctly
    tracer = [w for w in caught if issubclass(w.category, torch.jit.TracerWarning) and not w.filename.startswith(own)]
    if tracer:
        raise ValueError(f"torch model {name}: its trace depends on the input values (dynamic control flow), so "
                         f"one trace cannot stand for the model: {tracer[0].message}")
    return network_from_onnx(onnx.load_from_string(buffer.getvalue()), f"torch model {name}")
