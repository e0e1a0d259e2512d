"""The way out that :func:`~cimsim.network.torch_import.from_torch` names where torch's ONNX export of a model fails
(:func:`export_hint`), or where the import of a routed mixture of experts does (:func:`routing_hint`)."""

from __future__ import annotations

import os
import re
import sysconfig
import traceback

from ._torch_lookups import renormed_lookups

__all__ = ["DYNAMO_HINT", "GRAD_CONSTANT", "export_hint", "raised_at", "routing_hint", "wrapper_hint"]

DYNAMO_HINT = (" (torch's other exporter may translate it: torch.onnx.export(model, (x[:1],), path, dynamo=True, "
               "opset_version=23), which needs onnxscript; then load_network(path))")
"""the way out an export failure names by default: the dynamo exporter writes operators the TorchScript one refuses
(trunc, diff, ...), and load_network imports its opset-23 graphs (docs/networks.md); with one sample, x[:1] (an
export at a batch of several may move its batch axis, which the import refuses)"""

GRAD_CONSTANT = "Cannot insert a Tensor that requires grad as a constant"
"""torch's message for a tensor the forward pass reads that is neither an input nor the model's parameter or
buffer, and that requires grad (a module's weights where the module is not registered in the model)"""

ROUTING_OPS = ("histc", "bincount", "nonzero", "index_add", "one_hot")
"""operators through which a routed mixture of experts counts or gathers each expert's tokens: an export failing on
one of them in a model with a routing module gets :func:`routing_hint`"""


def export_hint(torch, model, x, message: str) -> str:
    """The way out for an export of ``model`` on ``x`` that failed with ``message``: a routed mixture of experts, a
    dynamically quantised model, a fake-quantised or reference-quantised one (a converted one is refused before its
    export: :mod:`._torch_accept`), one optimised for inference, a tensor read as a constant, an operator the
    dynamo exporter does not make importable either (:data:`NOT_DYNAMO`), a model that does not return one tensor
    (a wrapper), each saying so; else :data:`DYNAMO_HINT`"""
    return (routing_hint(model, message) or _quantised_hint(model) or _unconverted_hint(model)
            or _mkldnn_hint(message) or _constant_hint(message)
            or _operator_hint(message) or wrapper_hint(torch, model, x) or DYNAMO_HINT)


def raised_at(torch, model, exc: BaseException) -> str:
    """Where in the model's own code the export's tracer raised ``exc``: ', raised in '<module path>' (<class>) at
    <file> line <n>: <source line>' for the innermost frame outside torch, cimsim and Python's standard library, and
    the innermost module of ``model`` whose forward was running (either alone where the other is not: a module of
    torch's own, code of no file); '' where neither is (torch raised in its export passes, after the trace).
    torch's message alone ('unordered_map::at' from a custom autograd Function in Reformer's encoder: a networks
    probe) names neither."""
    frames = list(zip(traceback.walk_tb(exc.__traceback__), traceback.extract_tb(exc.__traceback__)))[::-1]
    line = next((summary for _, summary in frames if _models_code(torch, summary.filename)), None)
    paths = {id(m): path for path, m in model.named_modules()}
    module = next((f.f_locals["self"] for (f, _), _ in frames if id(f.f_locals.get("self")) in paths), None)
    if line is None and module is None:
        return ""
    where = ("" if module is None else f" in '{paths[id(module)]}' ({type(module).__name__})" if paths[id(module)]
             else f" in the model's forward ({type(module).__name__})")
    if line is None:  # code of no file (exec'd): the module alone
        return f", raised{where}"
    source = " ".join((line.line or "").split())
    source = f": {source}" if len(source) <= 80 else f": {source[:80]} ..."
    return f", raised{where} at {os.path.basename(line.filename)} line {line.lineno}{source * (source != ': ')}"


def _models_code(torch, filename: str) -> bool:
    """whether ``filename`` is a model's code: not torch's, cimsim's or Python's standard library (an installed
    package, a script)"""
    paths = sysconfig.get_paths()
    torch_, cimsim_, stdlib, *packages = (os.path.join(os.path.abspath(folder), "") for folder in (
        os.path.dirname(torch.__file__), os.path.dirname(os.path.dirname(__file__)), paths["stdlib"],
        paths["purelib"], paths["platlib"]))
    path = os.path.abspath(filename)
    package = path.startswith(tuple(packages))  # a package installed under the standard library's folder
    return not (path.startswith((torch_, cimsim_)) or (path.startswith(stdlib) and not package)
                or filename.startswith("<"))


def routing_hint(model, message: str) -> str:
    """Why a mixture-of-experts model fails (a module whose class name says it routes to experts, and an export
    failing on one of :data:`ROUTING_OPS`, any case, or an import failing on a node of that module), else ''"""
    modules = [(path, m) for path, m in model.named_modules()
               if re.search(r"moe|experts|router", type(m).__name__, re.IGNORECASE)]
    scopes = [f"/{path.replace('.', '/')}/" for path, _ in modules]  # in its ONNX node names, once the dots torch
    said = message.lower().replace(".", "/")  # keeps there ('/block.1/') are parts too; operators in any case
    if not modules or not any(op.lower() in said for op in (*ROUTING_OPS, *scopes)):
        return ""
    routed = f"{type(modules[0][1]).__name__} at '{modules[0][0]}'"
    return (f" (the model routes each token to some of its experts, {routed}: a choice of weights made from the "
            "activations, which one static network of layers cannot hold; cimsim imports the experts of Hugging "
            "Face transformers' experts interface densely, not this module)")


def _quantised_hint(model) -> str:
    """the way out for a model of torch's dynamic quantisation (``torch.ao.quantization.quantize_dynamic``: its
    activations' scales computed from each input at run time), which neither of torch's exporters translates; else
    ''"""
    dynamic = next((m for m in model.modules() if ".quantized.dynamic" in type(m).__module__), None)
    if dynamic is None:
        return ""
    return (f" (the model is dynamically quantised, {type(dynamic).__module__}.{type(dynamic).__name__}, which "
            "neither of torch's ONNX exporters translates, the dynamo one included: give the float model, or "
            "quantise it statically: export the float model and quantise the file with onnxruntime's "
            "quantize_static (QDQ format), then load_network(path) (docs/networks.md))")


UNCONVERTED = ("torch.ao.quantization.fake_quantize", "torch.ao.quantization.observer",
               "torch.ao.nn.quantized.reference")
"""modules of a model prepared for quantisation and not converted (quantisation-aware training's fake quantisers,
calibration's observers: ``prepare``, ``prepare_qat``, ``prepare_fx``) or converted to torch's reference form
(``convert_to_reference_fx``), which neither of torch's exporters translates"""


def _unconverted_hint(model) -> str:
    """the way out for a model holding a module of :data:`UNCONVERTED` (the first named), else ''"""
    found = next(((path, m) for path, m in model.named_modules() if type(m).__module__.startswith(UNCONVERTED)),
                 None)
    if found is None:
        return ""
    path, module = found
    where = f" at '{path}'" if path else ""
    return (f" (the model holds {type(module).__module__}.{type(module).__name__}{where}, a module of a model "
            "prepared for quantisation (fake quantisers, observers) or converted to torch's reference form, which "
            "neither of torch's ONNX exporters translates, the dynamo one included: import the float model (before "
            "prepare) and give the precision in cimsim's config (mapping.weight_bits, dac.input_bits); a converted "
            "model is refused too, its quantised kernels rounding otherwise than their export (docs/networks.md))")


NOT_DYNAMO = {
    r"aten::cum(max|min)\b": " (torch's dynamo exporter does not translate it either, as ONNX has no running maximum "
                            "or minimum: write it with operations ONNX has, e.g. a loop along the axis taking "
                            "torch.maximum of each position and the result before it)",
    r"aten::fft_\w+": " (torch's dynamo exporter writes it as ONNX's DFT, which cimsim does not import: write the "
                      "transform of a fixed length as products with its cosine and sine matrices (its real and "
                      "imaginary parts), which import as layers)",
    r"len\(shifts\)=\d+ != len\(dims\)=0": " (torch.roll without dims rolls the tensor flattened, its batch axis "
                                          "included, so it mixes the samples: give dims, e.g. torch.roll(x.flatten(1)"
                                          ", shifts, dims=1).view_as(x), which rolls each sample's values flattened)",
    r"aten::(randperm|rand\w*|normal|bernoulli|multinomial)\b": " (it draws random values, so each forward pass "
                                                                 "computes another function and no fixed network "
                                                                 "holds the model: leave it out of the model imported)",
    r"embedding_bag with padding_idx": " (torch's dynamo exporter writes it as a loop, which cimsim's import "
                                       "refuses too. A 'sum' bag imports as one with padding_idx=None whose padding "
                                       "row of the table is zero, as padding_idx keeps it; a 'mean' or 'max' bag "
                                       "with padding has no import: it averages or maxes over the ids that are not "
                                       "padding, a count no fixed network holds)",
}
"""torch's failure (a pattern of its message) -> the way out, for operators on which the dynamo route of
:data:`DYNAMO_HINT` fails too (torch 2.14): its exporter refuses ``cummax`` and ``cummin``, writes the ``torch.fft``
functions as ONNX's DFT, which cimsim's import refuses, and exports a ``roll`` without dims (a bare
AssertionError of the TorchScript exporter) at a batch of one, a graph that differs from torch at any other batch;
a random operator (randperm) would be refused by the import, as those that export are; an ``embedding_bag`` with a
``padding_idx`` it exports as a Loop, which the import refuses"""


def _operator_hint(message: str) -> str:
    """the way out of :data:`NOT_DYNAMO` for the first of its patterns ``message`` holds, else ''"""
    return next((hint for pattern, hint in NOT_DYNAMO.items() if re.search(pattern, message)), "")


def _mkldnn_hint(message: str) -> str:
    """the way out for a model of MKL-DNN tensors (``torch.jit.optimize_for_inference``), else ''"""
    if "mkldnn" not in message:
        return ""
    return (" (the model computes on MKL-DNN tensors, as torch.jit.optimize_for_inference makes it, which torch's "
            "ONNX exporter does not translate: give the model before that, e.g. torch.jit.freeze(torch.jit.script("
            "model.eval())))")


def _constant_hint(message: str) -> str:
    """what a tensor that requires grad, read as a constant, usually is; else ''"""
    if GRAD_CONSTANT not in message:
        return ""
    return (" (a tensor the forward pass reads is not the model's: a module kept in a plain list, dict or global "
            "variable, or created in forward, is not registered; or a tensor cached in eval mode that train() does not "
            "clear; keep it as an attribute, nn.ModuleList or nn.ModuleDict of the model, or detach the tensor)")


def _nested(torch, items: list, depth: int = 2) -> list[str]:
    """the paths to the tensors held one or two levels inside ``items`` (a torchvision detector's list of a dict of
    boxes, scores and labels: '[0]['scores']'; the top level's own had been offered, self.m(x) unchanged: a probe)"""
    found = []
    for key, value in items:
        inner = (list(value.items()) if isinstance(value, dict) else list(enumerate(value))
                 if isinstance(value, (tuple, list)) else [])
        found += [f"[{key!r}][{k!r}]" for k, v in inner if isinstance(v, torch.Tensor)]
        found += [f"[{key!r}]{path}" for path in _nested(torch, inner, depth - 1)] if depth > 1 else []
    return found


def wrapper_hint(torch, model, x) -> str:
    """The wrapper recipe (docs/networks.md, Hugging Face models) for a model whose forward pass on ``x`` (eval mode
    as the caller set it, no_grad) returns other than one tensor (a Hugging Face output object, a cache), or of a
    Hugging Face transformers class that does not return a plain tensor (their keyword arguments and outputs trip
    torch's tracer); where the forward pass returns None, that it does; else '' (the dynamo exporter's hint)"""
    raised = False
    try:
        with renormed_lookups(torch), torch.no_grad():  # its embedding tables left as they are
            output = model(x.clone())  # a copy: a model may write into its input
    except Exception:  # the model's own code may raise anything: its output is unknown
        output, raised = None, True
    items = (list(output.items()) if isinstance(output, dict) else list(enumerate(output))
             if isinstance(output, (tuple, list)) else [])
    tensors = [(key, value) for key, value in items if isinstance(value, torch.Tensor)]
    given = [str(key) for key, value in items if value is not None]
    hf = type(model).__module__.startswith("transformers.")
    if isinstance(output, torch.Tensor):
        return ""
    if not raised and not isinstance(output, (torch.Tensor, dict, tuple, list)):  # None, a number
        return (f" (the model's forward returns {'None' if output is None else 'a ' + type(output).__name__}, not a "
                "tensor: from_torch imports a model that returns one tensor computed from its input)")
    if output is None or (len(tensors) == 1 and len(given) == 1):
        if not hf:
            return ""
        reason = f"is a Hugging Face transformers model ({type(model).__name__})"
    else:
        held = (f" holding {', '.join(given)}" if isinstance(output, dict) and given
                else f" of {len(items)} items" if items else "")
        reason = f"returns a {type(output).__name__}{held}"
    picks = [f".{key}" if isinstance(key, str) and getattr(output, key, None) is value else f"[{key!r}]"
             for key, value in tensors] or _nested(torch, items)  # a Hugging Face output's fields by name
    pick = " or ".join(picks[:2]) or (".last_hidden_state or .logits" if hf else "")
    return (f" (the model {reason}: from_torch imports a model of one input tensor that returns one tensor; wrap it, "
            f"e.g. a torch.nn.Module holding it as self.m whose forward(self, x) returns self.m(x){pick}, and give "
            "that module to from_torch (docs/networks.md, Hugging Face models))")
