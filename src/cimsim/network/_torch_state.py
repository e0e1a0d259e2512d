"""The state of a PyTorch model that :func:`~cimsim.network.torch_import.from_torch` gives back after each forward
pass it runs (the export's trace, the checks): each module's mode and each buffer's values.

Buffers are copied before and written back after (a counter or a running statistic that ``forward`` updates,
BatchNorm's in training mode): they are small beside the weights. Parameters are not copied (a copy of a large
model's weights would double its memory); a ``forward`` that writes into its own parameters is left so."""

from __future__ import annotations

import contextlib

__all__ = ["evaluated"]


@contextlib.contextmanager
def evaluated(model, torch):
    """the model in eval mode; afterwards each of its modules given back its own mode (``model.train(mode)`` would
    set every submodule to the top module's; a module without one, a frozen TorchScript module's, is left as it is)
    and each buffer its object and values (a buffer ``forward`` reassigns or updates in place)"""
    modes = [(module, module.training) for module in model.modules() if hasattr(module, "training")]
    buffers = [(module, name, buffer, buffer.detach().clone()) for module in model.modules()
               for name, buffer in module.named_buffers(recurse=False)]
    model.eval()
    try:
        yield model
    finally:
        for module, training in modes:
            module.training = training
        with torch.no_grad():
            for module, name, buffer, values in buffers:
                if getattr(module, name, None) is not buffer:
                    setattr(module, name, buffer)
                buffer.copy_(values)
