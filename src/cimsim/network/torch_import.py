"""PyTorch models -> :class:`~cimsim.network.Network` in one call (needs the torch extra and onnx).

The model is exported by torch's own ONNX exporter (the TorchScript tracer: ``dynamo=False``, which needs no further
package; :mod:`._torch_export`), in eval mode, on one example sample, with batch-norm and constant subgraphs folded,
to a temporary file, and read by :func:`~cimsim.network.onnx_import.network_from_onnx`: the same network as exporting
to a file and loading that, but for distinct tensors of equal values, which torch's exporter merges into one and
from_torch keeps apart (:mod:`._torch_distinct`).
"""

from __future__ import annotations

import contextlib
import numbers
import os
import re
import warnings
from collections.abc import Mapping

import numpy as np

from ..numerics.checks import as_array, real_numbers
from ._torch_accept import copied, importable
from ._torch_check import check_network, placement
from ._torch_training import trains_otherwise
from ._torch_experts import mark_routed
from ._torch_export import DYNAMO_HINT, GRAD_CONSTANT, export, routing_hint, short_message
from ._torch_hints import wrapper_hint
from ._torch_lookups import renormed_lookups
from ._torch_state import evaluated, training_modules
from .model import Network
from .onnx_import import ONE_OUTPUT, network_from_onnx

__all__ = ["from_torch"]

OPSET = 17
"""ONNX opset of the export: the first with LayerNormalization as one operator"""
MISFIT = re.compile(r"needs \(.*\) and \(.*\)|do(es)? not broadcast|cannot reshape|expects \(channels, .*\) per "
                    r"sample; got \(\d+, \d+\)|cannot select an axis to squeeze out|are outside \[-?\d+, -?\d+\]")
"""how the import says that a node's inputs do not fit each other as torch's TorchScript exporter wrote them (its
dynamo exporter's graphs import): CANINE's MatMul of (4, 16, 8) and (8, 16, 4); a 2-d pooling of a (batch, H, W)
tensor (SuperPoint's keypoint NMS: torch pools one map per sample); a Squeeze of an axis not of size 1 (indexing
by a 2-d constant boolean mask); a Gather past its axis (Mamba on transformers 5.25; onnxruntime refuses it too)"""


def from_torch(model, example_input) -> Network:
    """The network of a ``torch.nn.Module``, traced on ``example_input`` (a tensor or array (batch, ...)).

    The per-sample input shape is the example's; the batch size is free. An integer example is token ids (a
    language model's ``input_ids``): the network takes them as floats of integer value and looks them up
    (:class:`~cimsim.network.tables.Embedding`). The network is checked against the model's forward pass on a
    batch of two different samples (the example's first and the next that differs, else the first negated and
    halved) and refused where they differ: a model whose first axis is not the batch (a sequence-first RNN or
    attention) or that mixes its samples cannot be one network per sample. Where the tracer warns about Python
    control flow on tensors in the model's own code, it is checked on more probe inputs (a trace holds one path
    only), and the warning passed on as a UserWarning where they pass. A model whose output does not depend on its
    input is refused.
    """
    try:
        import onnx
        import torch
    except ImportError:
        raise ImportError("from_torch needs torch and onnx: pip install torch '.[onnx]'") from None
    model = importable(_unwrapped(model, torch), torch)  # a module to export, before anything runs it
    if training := training_modules(model, torch):
        warnings.warn(f"torch model {type(model).__name__}: imported in eval mode, as torch exports it, but "
                      f"{len(training)} of its modules {'is' if len(training) == 1 else 'are'} in training mode, "
                      "where they compute otherwise (batch statistics, random drops, a power iteration): "
                      f"{', '.join(training[:5])}{' ...' * (len(training) > 5)}; call model.eval() first to compare "
                      "the network with the model as it runs", UserWarning, stacklevel=2)
    x, ids = _example(model, example_input, torch)
    name = type(model).__name__
    exported, routing, tracer = _export(model, x, ids, name, torch, onnx)
    try:
        net = mark_routed(network_from_onnx(exported, f"torch model {name}"), routing)
    except ValueError as err:  # a routed mixture of experts says so; a graph whose shapes do not fit may be torch's
        misfit = f" (torch's TorchScript export may be inconsistent){DYNAMO_HINT}" if MISFIT.search(str(err)) else ""
        if ONE_OUTPUT in str(err):  # the model's outputs named (a tuple of two, the pick to wrap it with)
            with evaluated(model, torch):
                misfit = wrapper_hint(torch, model, x[:1])
        raise ValueError(f"{err}{routing_hint(model, str(err)) or misfit}") from None
    example = x.detach().cpu()
    example = (example.long() if ids else example.double()).numpy()
    check_network(net, model, example, tracer, name, torch)
    if trains_otherwise(model, example, torch):  # (the modules named above in eval mode, so not counted again)
        warnings.warn(f"torch model {name}: imported in eval mode, as torch exports it, but it is in training mode "
                      f"and its own code computes otherwise there{' too' * bool(training)} (its output on the example "
                      "differs from eval mode's: a self.training branch, F.dropout(training=self.training), an "
                      "attention dropout given as an argument); call model.eval() first to compare the network with "
                      "the model as it runs", UserWarning, stacklevel=2)
    return net


def _export(model, x, ids: bool, name: str, torch, onnx, retried: bool = False) -> tuple:
    """(the ONNX model of ``model`` traced on the example's first sample, its routing, the tracer's warnings about
    the model's own code), or a ValueError: torch's where the export fails (saying the example was taken as token
    ids where a float model fails on integers, or that the example does not fit where the model itself raises on
    it), or one saying that the model's output does not depend on its input"""
    _refuse_sequence_first(model, x, name, torch)
    try:
        with evaluated(model, torch), warnings.catch_warnings(record=True) as caught:  # no torch.no_grad: it
            warnings.simplefilter("always")  # would select fused kernels (the transformer fast path) of no ONNX form
            exported, routing = export(torch, onnx, *_exportable_precision(model, x[:1].clone(), torch), OPSET,
                                       name)  # a copy: a model may write into its input
    except ValueError as err:
        if GRAD_CONSTANT in str(err) and not retried:  # a tensor cached in eval mode, with grad (HF LeViT's biases):
            with evaluated(model, torch):  # dropped where its module drops it on train(), each module's mode
                model.train()  # given back, and cached again without grad by a forward pass under no_grad
            _forward_error(model, x[:1], torch)  # where it raises, so does the export, and says so
            return _export(model, x, ids, name, torch, onnx, retried=True)
        if ids and _takes_floats(model, x, torch):
            raise ValueError(f"an integer example_input is taken as token ids (for a model of real-valued inputs "
                             f"give a float example, e.g. images.float()); {err}") from None
        failure = _forward_error(*_exportable_precision(model, x[:1], torch), torch)
        if failure is None:
            raise
        raise ValueError(f"torch model {name}: the example does not fit the model (example_input of shape "
                         f"{tuple(x.shape)}, {x.dtype}): the model's own forward pass (eval mode, no_grad) on its "
                         f"first sample raises {type(failure).__name__}: {short_message(str(failure))}") from None
    if not any(i.name == "input" for i in exported.graph.input):  # torch's exporter drops an input nothing reads
        raise ValueError(f"torch model {name}: its output does not depend on its input (the traced forward pass "
                         "reads no input value: it returns a constant, or computes from the input's shape only), so "
                         "it is no network of its input")
    # torch's own modules check shapes in Python, and cimsim's rewrites read the example's sizes: they export right
    own = (os.path.dirname(torch.__file__), os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return exported, routing, [w for w in caught if issubclass(w.category, torch.jit.TracerWarning)
                               and not w.filename.startswith(own)]


def _takes_floats(model, x, torch) -> bool:
    """whether the model, which failed to export on the integer example, raises on its first sample but runs on it
    as floats: a model of real-valued inputs given integers (uint8 images), whatever torch's message says"""
    dtype, _ = placement(model, torch)
    return _forward_error(model, x[:1], torch) is not None and _forward_error(model, x[:1].to(dtype), torch) is None


def _forward_error(model, sample, torch) -> Exception | None:
    """what the model's own forward pass (eval mode, no_grad, its tables not renormalised in place:
    :func:`renormed_lookups`) raises on a copy of ``sample`` (a model may write into its input), else None"""
    return _forward(model, sample, torch)[1]


def _forward(model, sample, torch) -> tuple:
    """(the output, None) of the model's own forward pass on a copy of ``sample`` (:func:`_forward_error`), or
    (None, what it raised)"""
    with evaluated(model, torch), renormed_lookups(torch), torch.no_grad():
        try:
            return model(sample.clone()), None
        except Exception as exc:  # the model's own code may raise anything on an input it rejects
            return None, exc


def _empty_output(model, x, torch) -> tuple | None:
    """the shape of an empty tensor among the outputs of the model's forward pass on ``x``, else None"""
    output = _forward(model, x, torch)[0]
    outputs = (output.values() if isinstance(output, Mapping) else output if isinstance(output, (tuple, list))
               else [output])
    return next((tuple(t.shape) for t in outputs if isinstance(t, torch.Tensor) and t.numel() == 0), None)


def _refuse_sequence_first(model, x, name: str, torch) -> None:
    """A ValueError where the model returns an empty tensor on one sample, the export's, but not on the example (a
    sequence-first attention or transformer, nn.MultiheadAttention(...)(x[4:], x[:4], x[:4]), splits its sequence
    where the batch is meant: torch's exporter then divides by zero and kills the process, SIGFPE: a networks probe;
    a model empty on any batch is left to the import, which names the node that empties it)"""
    empty = _empty_output(model, x[:1], torch)
    if empty is not None and len(x) > 1 and _empty_output(model, x, torch) is None:
        raise ValueError(f"torch model {name}: its output on one sample (the example's first, which the export "
                         f"traces) is empty, of shape {empty}, but not on the example's {len(x)}: the model takes its "
                         "first axis for something other than the batch (a sequence-first nn.MultiheadAttention, "
                         "nn.Transformer or RNN, batch_first=False, splitting its sequence there; or a slice of "
                         "the batch, x[1:]), which one network per sample cannot hold; give a batch-first model "
                         "(batch_first=True, inputs (batch, sequence, features)) that computes each sample alone")


def _unwrapped(model, torch):
    """the module that computes: the model that ``torch.compile`` (its ``_orig_mod``) or data-parallel training
    (``nn.DataParallel``, ``DistributedDataParallel``: its ``module``) wraps, which torch's exporter refuses"""
    parallel = (torch.nn.DataParallel, torch.nn.parallel.DistributedDataParallel)
    while True:
        if isinstance(model, parallel):
            model = model.module
        elif type(model).__name__ == "OptimizedModule" and isinstance(getattr(model, "_orig_mod", None),
                                                                      torch.nn.Module):
            model = model._orig_mod
        else:
            return model


def _exportable_precision(model, x, torch) -> tuple:
    """(model, example) as the exporter takes them: a model holding bfloat16 tensors, which torch's TorchScript
    exporter cannot write ("ScalarType ComplexDouble is an unexpected tensor scalar type"), as a copy whose
    bfloat16 parameters and buffers are float32 (exactly their values), with a float32 example"""
    if not any(t.dtype == torch.bfloat16 for t in (*model.parameters(), *model.buffers())):
        return model, x
    copy = copied(model, torch)
    for t in (t for t in (*copy.parameters(), *copy.buffers()) if t.dtype == torch.bfloat16):
        t.data = t.data.float()
    return copy, x.float() if x.is_floating_point() else x


def _as_tensor(example_input, torch):
    """a tensor of the numbers ``example_input`` (an array or nested lists) holds, or a TypeError / ValueError that
    says what was given instead"""
    if isinstance(example_input, Mapping):  # Hugging Face's keyword inputs
        raise TypeError("example_input must be one tensor (batch, ...); got a dict: wrap a model that takes keyword "
                        "inputs, e.g. forward(self, ids): return self.m(input_ids=ids).logits")
    array = as_array("example_input", example_input)  # a masked array refused, as by every entry point
    if array.dtype.hasobject and array.size and all(isinstance(v, numbers.Integral) and not isinstance(
            v, (bool, np.bool_)) for v in array.flat):  # token ids
        try:
            array = array.astype(np.int64)
        except OverflowError:
            raise ValueError("example_input holds integers past int64: token ids are int64") from None
    if array.dtype.kind == "f" and array.dtype.itemsize > 8:  # a long double: as a float64, or named
        array = real_numbers("example_input", array).astype(np.float64)
    if array.dtype.hasobject:  # Python numbers, as the simulations take them; other objects named below
        with contextlib.suppress(ValueError):
            array = real_numbers("example_input", array).astype(np.float64)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"example_input must be a tensor or array of numbers (batch, ...); got "
                        f"{type(example_input).__name__} of dtype {array.dtype}")
    native = array.astype(array.dtype.newbyteorder("="), copy=False)  # torch takes no big-endian array
    if not native.flags.writeable:  # (torch warns of a read-only one, a memmap's, at cimsim's line: a probe)
        native = native.copy()
    return torch.as_tensor(np.ascontiguousarray(native) if native.ndim else native)  # a flipped view too


def _example(model, example_input, torch):
    """(the example as a tensor in the model's precision on its device, or as int64 token ids; whether it is
    token ids), or a TypeError / ValueError for an example that is not a batch of finite floats or integers, or that
    holds no values (a sparse, nested or quantised tensor, one on the meta device), or for a model that holds none"""
    if any(t.is_meta for t in (*model.parameters(), *model.buffers())):  # torch then fails on the data it lacks
        raise ValueError("the model's weights must be loaded: they are on the meta device, shapes without values "
                         "(e.g. built under Hugging Face's init_empty_weights or torch.device('meta')); load them "
                         "(load_state_dict(..., assign=True), from_pretrained) before from_torch")
    if isinstance(example_input, (tuple, list)) and len(example_input) == 1 and isinstance(example_input[0],
                                                                                        torch.Tensor):
        example_input = example_input[0]  # torch.onnx.export's args, (x,): the one input, not a batch of one
    elif isinstance(example_input, (tuple, list)) and any(isinstance(v, torch.Tensor) for v in example_input):
        raise ValueError(f"example_input holds {len(example_input)} values with tensors among them, as a model of "
                         "several inputs takes: from_torch imports a model of one input tensor; wrap the model so "
                         "that it takes one (the other inputs held in the wrapper)")
    x = example_input if isinstance(example_input, torch.Tensor) else _as_tensor(example_input, torch)
    if x.is_meta or x.is_nested or x.is_quantized or x.layout != torch.strided:  # torch fails on them deep inside
        held = ("a tensor on the meta device (a shape without values)" if x.is_meta else
                "a nested tensor: give samples of one shape, stacked" if x.is_nested else
                f"a quantised tensor ({x.dtype}): give x.dequantize()" if x.is_quantized else
                f"a {x.layout} tensor: give x.to_dense()")
        raise ValueError(f"example_input must be a dense tensor of values (batch, ...); got {held}")
    dtype, device = placement(model, torch)
    ids = not x.is_floating_point() and not x.is_complex() and x.dtype != torch.bool
    finite = x.numel() == 0 or bool(torch.isfinite(x).all())  # before the cast to the model's precision
    if x.is_floating_point():
        x = x.to(device=device, dtype=dtype)  # a float64 array for a float32 model: traced in the model's precision
    elif ids:
        x = x.to(device=device, dtype=torch.long)  # token ids: the network takes them as floats of integer value
    if x.ndim < 2 or not (x.is_floating_point() or ids):
        raise ValueError(f"example_input must be a float tensor, or integer token ids, (batch, ...); got shape "
                         f"{tuple(x.shape)}, dtype {x.dtype}")
    if x.numel() == 0 or not torch.isfinite(x).all():
        raise ValueError(f"example_input must hold at least one sample of finite values; got shape {tuple(x.shape)}"
                         + ("" if x.numel() == 0 else ", with NaN or infinite values" if not finite else
                            f", with values beyond {dtype}'s range (the model's precision): scale them down"))
    return x, ids
