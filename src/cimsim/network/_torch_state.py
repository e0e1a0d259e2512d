"""The state of a PyTorch model that :func:`~cimsim.network.torch_import.from_torch` gives back after each forward
pass it runs (the export's trace, the checks): each module's mode, each buffer's values and each plain number.

Buffers are copied before and written back after (a counter or a running statistic that ``forward`` updates,
BatchNorm's in training mode): they are small beside the weights. Parameters are not copied (a copy of a large
model's weights would double its memory); a ``forward`` that writes into its own parameters is left so."""

from __future__ import annotations

import contextlib

import numpy as np

__all__ = ["evaluated", "training_modules", "computes_otherwise"]

_TRAINING_KINDS = {"BatchNorm1d": "", "BatchNorm2d": "", "BatchNorm3d": "", "SyncBatchNorm": "",
                   "InstanceNorm1d": "", "InstanceNorm2d": "", "InstanceNorm3d": "", "Dropout": "p", "Dropout1d": "p",
                   "Dropout2d": "p", "Dropout3d": "p", "AlphaDropout": "p", "FeatureAlphaDropout": "p",
                   "DropPath": "drop_prob", "StochasticDepth": "p", "RReLU": "", "MultiheadAttention": "dropout",
                   "RNNBase": "dropout", "LSTM": "dropout", "GRU": "dropout", "RNN": "dropout", "_SpectralNorm": ""}
"""modules that compute otherwise in training mode (batch statistics, random drops: attention's and a stacked RNN's
too; a parametrized spectral norm's power iteration) -> the attribute of their drop probability ('' where none: a
norm with running statistics, RReLU, the spectral norm); by class name, so a TorchScript module (its
``original_name``), a subclass of torch's and timm's / torchvision's drop paths are told alike"""


def _positive(rate) -> bool:
    """whether a drop rate (a number, numpy's or a tensor's, one or several) is above 0 anywhere; False for what is
    none (a module, text)"""
    try:
        return bool(np.any(np.asarray(rate, dtype=np.float64) > 0)) and not isinstance(rate, str)
    except (TypeError, ValueError, RuntimeError):
        return False


_RNN_KINDS = ("RNNBase", "LSTM", "GRU", "RNN")
"""recurrent layers, whose dropout falls between stacked layers only"""


_SCALARS = (int, float, bool, str)
"""types of a module's plain attributes that :func:`evaluated` gives back (a cached tensor stays, one that was None
before too: a module may drop it on ``train()`` and cache it again, HF LeViT's attention biases)"""


@contextlib.contextmanager
def evaluated(model, torch):
    """the model in eval mode; afterwards each of its modules given back its own mode (``model.train(mode)`` would
    set every submodule to the top module's; a module without one, a frozen TorchScript module's, is left as it is),
    each buffer its object and values (a buffer ``forward`` reassigns or updates in place) and each plain number or
    text attribute its value"""
    modes = [(module, module.training) for module in model.modules() if hasattr(module, "training")]
    buffers = [(module, name, buffer, buffer.detach().clone()) for module in model.modules()
               for name, buffer in module.named_buffers(recurse=False)]
    scalars = [(module, name, value) for module in model.modules() for name, value in vars(module).items()
               if type(value) in _SCALARS and name != "training"]
    model.eval()
    try:
        yield model
    finally:
        for module, training in modes:
            module.training = training
        for module, name, value in scalars:  # a number forward updates beside a buffer (a rotary embedding's
            if vars(module).get(name, value) is not value:  # max_seq_len_cached: left at the example's length,
                setattr(module, name, value)  # Llama's dynamic RoPE skipped its rescaling after: a probe)
        with torch.no_grad():
            for module, name, buffer, values in buffers:
                if getattr(module, name, None) is not buffer:
                    setattr(module, name, buffer)
                buffer.copy_(values)


def training_modules(model, torch) -> list[str]:
    """The modules of ``model`` left in training mode that compute otherwise in eval mode, the mode cimsim imports
    (a norm with running statistics, which uses the batch's, a dropout or drop path of a probability above 0, RReLU,
    the hook of legacy ``spectral_norm``, which takes a power iteration per forward pass), each as "'name' (Class)"."""
    return [f"'{name or type(model).__name__}' ({getattr(module, 'original_name', type(module).__name__)})"
            for name, module in model.named_modules() if computes_otherwise(module)]


def computes_otherwise(module) -> bool:
    """whether ``module`` is left in training mode and is of a kind that computes otherwise there
    (:func:`training_modules`)"""
    from torch.nn.utils.spectral_norm import SpectralNorm

    if not getattr(module, "training", False):
        return False
    kind = getattr(module, "original_name", type(module).__name__)  # a TorchScript module's own class
    known = next((k for k in (kind, *(c.__name__ for c in type(module).__mro__)) if k in _TRAINING_KINDS), None)
    rate = getattr(module, _TRAINING_KINDS[known], 0) if known else 0  # a number (another library's may not be)
    differs = known is not None and (_positive(rate) if _TRAINING_KINDS[known]
                                     else getattr(module, "track_running_stats", True))
    differs = differs and not (known in _RNN_KINDS and getattr(module, "num_layers", 2) < 2)  # (torch ignores a
    hooks = getattr(module, "_forward_pre_hooks", {}).values()  # single layer's dropout)
    return differs or any(isinstance(h, SpectralNorm) for h in hooks)
