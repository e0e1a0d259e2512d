"""What :func:`~cimsim.network.torch_import.from_torch` checks of a model before anything runs it
(:func:`importable`), and the copy it exports a bfloat16 model as (:func:`copied`): a model holding what cannot be
deep-copied (a lock, a file handle) is copied module by module instead."""

from __future__ import annotations

import contextlib
import copy

__all__ = ["copied", "importable"]

EAGER = ("pass the eager model the program was exported from (the nn.Module given to torch.export.export), "
         "which from_torch exports itself")
"""the way out for a torch.export program, which torch's TorchScript ONNX exporter cannot trace"""


def _converted(model) -> str:
    """the first of ``model``'s modules converted to torch.ao's quantised kinds (eager, fx, fused, or a TorchScript
    module of one), as "'path' (its class)", else '' (dynamic and reference quantisation have their own hints)"""
    kinds = []
    for path, module in model.named_modules():
        kind = f"{type(module).__module__}.{type(module).__name__}"
        with contextlib.suppress(Exception):  # a TorchScript module: its original class
            kind = module._c._type().qualified_name()
        kind = kind.removeprefix("__torch__.")
        if (kind.startswith("torch.ao.nn.") and ".quantized." in kind and not kind.endswith(_FLOAT_HELPERS)
                and "PackedParams" not in kind):  # (the weights of a static or a dynamic module alike)
            kinds.append((path, kind))  # torch's own quantised classes only (a user's package path is no sign)
    return next((f"'{path or 'the model'}' ({kind})" for path, kind in kinds
                 if not any(part in kind for part in _OWN_HINTS)), "")


_FLOAT_HELPERS = (".FloatFunctional", ".FXFloatFunctional")
"""float modules torch.ao keeps among its quantised ones (the adds of a float model prepared for quantisation)"""
_OWN_HINTS = (".dynamic.", ".reference.")
"""quantisation whose failed export has a hint of its own (dynamic, fused or not; reference): a model holding only
those is left to it, one with converted static modules beside them is refused"""


def importable(model, torch):
    """``model`` where it is a ``torch.nn.Module`` that from_torch can export, else a TypeError (no module) or a
    ValueError saying what to give instead: for a ``torch.export`` program or its module (``ep.module()``, which
    refuses eval mode) the eager model; for a model with uninitialised lazy modules (``nn.LazyLinear`` never
    run), running it once first. Nothing of the model runs here, so the model is left as it is."""
    if isinstance(model, getattr(torch.export, "ExportedProgram", ())):
        raise ValueError(f"from_torch needs a torch.nn.Module; got a torch.export ExportedProgram: {EAGER}")
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"from_torch needs a torch.nn.Module; got {type(model).__name__}")
    if any(cls.__module__.startswith("torch.export") for cls in type(model).__mro__):
        raise ValueError(f"torch model {type(model).__name__} is the module of a torch.export program "
                         f"(ExportedProgram.module()), which cannot be put in eval mode nor traced again: {EAGER}")
    converted = _converted(model)
    if converted:
        raise ValueError(f"torch model {type(model).__name__} holds torch.ao's quantised modules ({converted}), whose "
                         "kernels round some outputs a step otherwise than their ONNX export (1-2 % of the largest "
                         "output, on which samples is not known): no network can stand for them. Import the float "
                         "model (before convert) and give the precision in cimsim's config (mapping.weight_bits, "
                         "dac.input_bits), which quantises as the chip does, or quantise the exported float model "
                         "with onnxruntime's quantize_static (QDQ) and load_network(path)")
    lazy = [f"{name or 'the model'} ({type(module).__name__})" for name, module in model.named_modules()
            if callable(getattr(module, "has_uninitialized_params", None)) and module.has_uninitialized_params()]
    if lazy:
        raise ValueError(f"torch model {type(model).__name__}: its lazy modules ({', '.join(lazy[:3])}"
                         f"{', ...' if len(lazy) > 3 else ''}) have no weights yet: run the model once on an "
                         "example (model(x)), which gives them their shapes and weights, then import it")
    return model


def copied(model, torch):
    """a copy of ``model`` whose parameters and buffers the caller may replace: a deep copy, else (the model holds
    an object that cannot be copied) one whose modules are shallow copies, each with its own parameters (sharing
    the model's values), buffers (copies) and submodules (copies likewise; a module held twice copied once),
    other attributes shared with the model's; a ValueError where neither can be made"""
    try:
        return copy.deepcopy(model)
    except Exception as exc:  # a module holding what cannot be copied (a lock, a handle)
        try:
            return _module_copy(model, torch, {})
        except Exception:  # the model's own copy hooks may raise anything
            raise ValueError(f"torch model {type(model).__name__}: its bfloat16 weights are exported as float32 on a "
                             f"copy of the model, and the model cannot be copied ({type(exc).__name__}: {exc}); "
                             "give a model that copy.deepcopy copies, or model.float()") from None


def _module_copy(module, torch, memo: dict):
    """``module`` copied (:func:`copied`), each module and tensor once (``memo``: id -> copy), so that tied weights
    stay tied"""
    if id(module) in memo:
        return memo[id(module)]
    try:
        twin = memo[id(module)] = copy.copy(module)
    except Exception:  # a module refusing a shallow copy (a parametrized one's getstate): copied whole
        memo[id(module)] = copy.deepcopy(module)
        return memo[id(module)]

    def tensor(t, buffer: bool):
        if t is None:
            return None
        if id(t) not in memo:
            memo[id(t)] = t.detach().clone() if buffer else torch.nn.Parameter(t.detach(), t.requires_grad)
        return memo[id(t)]

    twin._parameters = {name: tensor(t, False) for name, t in module._parameters.items()}
    twin._buffers = {name: tensor(t, True) for name, t in module._buffers.items()}
    twin._modules = {name: None if child is None else _module_copy(child, torch, memo)
                     for name, child in module._modules.items()}
    return twin
