"""torch's ONNX export as :func:`~cimsim.network.torch_import.from_torch` runs it: in a temporary file (a model
past protobuf's 2 GiB limit keeps its weights as external data beside it), with the calls torch's exporter refuses
rewritten as exportable equivalents, and its errors cut to their message.
"""

from __future__ import annotations

import contextlib
import inspect
import math
import os
import re
import tempfile

from ._torch_distinct import distinct_values, plain_values
from ._torch_experts import dense_experts
from ._torch_hints import DYNAMO_HINT, GRAD_CONSTANT, export_hint, raised_at, routing_hint
from ._torch_linalg import linalg_calls
from ._torch_parametrize import materialised
from ._torch_rewrites import _registered, functional_calls, onnx_symbolics, tensor_calls

__all__ = ["DYNAMO_HINT", "GRAD_CONSTANT", "export", "routing_hint", "short_message"]

MAX_UNFOLD_WINDOWS = 256
"""most windows of a ``Tensor.unfold`` that the export writes as slices (beyond: torch's own export of it)"""

MESSAGE_CHARS = 600
"""longest part of torch's own error message kept in the error from_torch raises (torch appends its whole IR graph)"""


def export(torch, onnx, model, x, opset: int, name: str, distinct: bool = True):
    """(The ONNX model of ``model`` traced on ``x`` (TorchScript tracer, eval mode as the caller set it), loaded
    with its weights; its experts modules computed densely -> the experts per token, :mod:`._torch_experts`; its
    distinct tensors of equal values kept apart, :mod:`._torch_distinct`: where any are, exported again without
    the moves (``distinct`` False: one plain export), for torch's values; its parametrized weights exported as the
    tensors they are, :mod:`._torch_parametrize`); a ValueError naming ``name`` and torch's message where the export
    fails."""
    model = materialised(torch, model)  # a copy, where any module is parametrized
    with tempfile.TemporaryDirectory(prefix="cimsim-export-") as folder:  # one per export: a model past 2 GiB
        path = os.path.join(folder, "model.onnx")  # writes its weights beside it
        try:
            with (_exportable(torch), onnx_symbolics(torch), _no_graph_dump(torch),
                  distinct_values(torch, model) if distinct else contextlib.nullcontext(False) as moved,
                  dense_experts(torch, model) as routing):
                torch.onnx.export(_one_input(torch, model, x), (x.clone(),), path, dynamo=False,  # a model may write
                                  opset_version=opset, do_constant_folding=True, input_names=["input"],  # into x
                                  output_names=["output"])
        except Exception as exc:  # torch raises many types for an unexportable model
            hint = export_hint(torch, model, x, str(exc))
            where = raised_at(torch, model, exc)  # the model's module and line, where torch raised in its code
            raise ValueError(f"torch model {name}: the ONNX export (traced on a batch of one sample) failed: "
                             f"{type(exc).__name__}: {short_message(str(exc))}{where}{hint}") from None
        exported = onnx.load(path)  # with the external data of a model past 2 GiB
    if not distinct:
        return exported, routing
    plain = export(torch, onnx, model, x, opset, name, distinct=False)[0] if moved else exported
    return plain_values(onnx, exported, plain), routing


def _one_input(torch, model, x):
    """``model``, or where its ``forward`` takes parameters beyond the input with defaults other than None (a
    ``temperature=2.0``, ``k: int = 2``), a module calling ``model(x)`` alone: torch's TorchScript exporter passes
    each default as an argument, and makes a number a graph input; called with the input alone, the model uses its
    defaults, which the trace holds as constants. A scripted module is exported as it is; an eager one holding a
    scripted submodule is traced on ``x`` first (torch's exporter refuses to trace into one: "not part of the active
    trace"; a networks probe), the export's rewrites active meanwhile."""
    if isinstance(model, torch.jit.ScriptModule):
        return model
    if any(isinstance(m, torch.jit.ScriptModule) for m in model.modules()):
        return torch.jit.trace(model, (x.clone(),), check_trace=False)
    try:
        parameters = list(inspect.signature(model.forward).parameters.values())[1:]
    except (TypeError, ValueError):  # a forward of no signature: as torch's exporter takes it
        return model
    if not any(p.default is not p.empty and p.default is not None for p in parameters):
        return model

    class OneInput(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, x):
            return self.model(x)

    return OneInput()


@contextlib.contextmanager
def _no_graph_dump(torch):
    """torch's TorchScript exporter writes its whole IR graph to standard output where it fails (its ONNX log is on
    whatever ``verbose`` says: torch tests the log's getter, a function, for truth); its log dropped meanwhile"""
    log = getattr(torch._C, "_jit_onnx_log", None)
    if log is None:
        yield
        return
    torch._C._jit_onnx_log = lambda *parts: None
    try:
        yield
    finally:
        torch._C._jit_onnx_log = log


def short_message(text: str) -> str:
    """torch's message without the IR graph, cause or tensor values it appends"""
    for marker in ("Torch IR graph at exception", "[Caused by"):
        text = text.split(marker)[0]
    text = re.sub(r"(the gradient\sTensor):\s.*", r"\1", text, flags=re.DOTALL)  # the tensor's values
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
      definition of the windows), one spatial axis at a time (exact: the windows are products of intervals);
    - ``fold`` (``nn.Fold``, col2im: VOLO's outlook attention), which the exporter cannot translate: the sum of each
      kernel tap's blocks, spread by the stride and padded to their place (:func:`_fold`);
    - ``Tensor.unfold`` (sliding windows along one axis; HaloNet's blocks), which the exporter refuses where it
      cannot see the input's size: up to ``MAX_UNFOLD_WINDOWS`` windows as slices, stacked;
    - functions of ``torch.nn.functional`` it does not translate at opset 17, or translates inexactly (``softplus``
      with its threshold): the plain operations they compute (:func:`._torch_rewrites.functional_calls`);
    - ``nn.LSTM`` with projections (``proj_size``), which it refuses: the cell's steps written out
      (:func:`_projected_lstm`), each weight read at every step (one shared matrix on import);
    - torch functions, tensor methods and ``torch.linalg`` functions it refuses (``diff``, ``erfc``, ``median``
      along an axis, ``solve_triangular``, ...) or exports wrongly (``repeat_interleave``): the operations they
      compute (:func:`_call_rewrites`), and the ATen ops of the elementwise ones (:func:`_aten_symbolics`: every
      spelling). The hyperbolic functions are registered as ONNX's operators in ``export``.

    Code that torch scripts while tracing calls torch's own (:func:`_scripted_as_originals`).
    """
    functional = torch.nn.functional
    rewrites = {(functional, "scaled_dot_product_attention"): _grouped_attention(torch)}
    rewrites |= {(functional, fn_name): _adaptive(torch, getattr(functional, fn_name), dims, reduce)
                 for fn_name, (dims, reduce) in _ADAPTIVE.items()}
    rewrites[functional, "fold"] = _fold(torch, functional.fold)
    rewrites |= {(functional, fn_name): rewrite for fn_name, rewrite in functional_calls(torch).items()}
    rewrites |= _call_rewrites(torch)
    rewrites[torch.Tensor, "unfold"] = _windows(torch, torch.Tensor.unfold)
    rewrites[torch.nn.LSTM, "forward"] = _projected_lstm(torch, torch.nn.LSTM.forward)
    originals = {call: getattr(*call) for call in rewrites}
    for (owner, name), rewrite in rewrites.items():
        setattr(owner, name, rewrite)
    aten = {op: symbolic for op, symbolic in _aten_symbolics(torch).items() if not _registered(op)}  # not the user's
    for op, symbolic in aten.items():
        torch.onnx.register_custom_op_symbolic(op, symbolic, 9)
    scripted = _scripted_as_originals(torch, {rewrites[call]: originals[call] for call in rewrites
                                              if not isinstance(call[0], type)})  # functions, not methods
    try:
        yield
    finally:
        for op in aten:
            torch.onnx.unregister_custom_op_symbolic(op, 9)
        for rewrite in scripted:
            torch._jit_internal.boolean_dispatched.pop(rewrite, None)
        for (owner, name), original in originals.items():
            setattr(owner, name, original)


def _grouped_attention(torch):
    """``scaled_dot_product_attention`` with ``enable_gqa`` as its key and value heads repeated for their query
    heads, and an ``is_causal`` given as a 0-d tensor as its bool (:func:`_exportable`)"""
    attention = torch.nn.functional.scaled_dot_product_attention

    def grouped_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, *args,
                          enable_gqa=False, **kwargs):
        if enable_gqa and key.shape[-3] != query.shape[-3]:
            group = query.shape[-3] // key.shape[-3]
            key, value = key.repeat_interleave(group, dim=-3), value.repeat_interleave(group, dim=-3)
        if isinstance(is_causal, torch.Tensor):  # torch 2.14's multi-head attention passes a traced bool
            is_causal = bool(is_causal)
        return attention(query, key, value, attn_mask, dropout_p, is_causal, *args, **kwargs)

    return grouped_attention


def _scripted_as_originals(torch, originals: dict) -> list:
    """Each rewrite of ``originals`` (rewrite -> the call it stands for) compiled by TorchScript as that call: code
    torch scripts while tracing (``@torch.jit.script_if_tracing``: VitDet's relative positions) calls torch's own,
    as TorchScript cannot compile a rewrite (untyped Python). Entered in TorchScript's table of functions compiled
    as one of two by a constant flag (``boolean_dispatched``: both the original, the flag one no call gives); the
    rewrites entered (none where this torch lacks the table)"""
    table = getattr(getattr(torch, "_jit_internal", None), "boolean_dispatched", None)
    if table is None:
        return []
    for rewrite, original in originals.items():
        table[rewrite] = {"if_true": original, "if_false": original, "index": 1 << 20, "default": False,
                          "arg_name": "_never_given"}
    return list(originals)


def _call_rewrites(torch) -> dict:
    """(owner, name) -> the rewrite of that call: torch's functions and tensor methods, and torch.linalg's"""
    rewrites = {(owner, name): rewrite for name, rewrite in tensor_calls(torch).items()
                for owner in (torch, torch.Tensor) if hasattr(owner, name)}
    rewrites.update({(torch.linalg, name): rewrite for name, rewrite in linalg_calls(torch).items()})
    return rewrites


def _aten_symbolics(torch) -> dict:
    """ATen op -> its ONNX translation, for the elementwise calls :func:`_call_rewrites` rewrites: the same
    operations, for the spellings that miss those rewrites (``torch.special.exp2``, ``from torch import erfc``)"""
    def c(g, like, value):  # a constant of the element type of ``like``
        dtype = torch.onnx.JitScalarType.from_value(like, torch.onnx.JitScalarType.FLOAT).dtype()
        return g.op("Constant", value_t=torch.tensor(value, dtype=dtype))
    def trunc(g, x):
        return g.op("Mul", g.op("Sign", x), g.op("Floor", g.op("Abs", x)))
    def at_zero(g, x, value, other):  # value where x is 0, else other
        return g.op("Where", g.op("Equal", x, c(g, x, 0.0)), value, other)
    def sinc(g, x):  # sin(pi x) / (pi x), 1 at 0
        scaled = g.op("Mul", at_zero(g, x, c(g, x, 1.0), x), c(g, x, math.pi))
        return at_zero(g, x, c(g, x, 1.0), g.op("Div", g.op("Sin", scaled), scaled))

    symbolics = {"exp2": lambda g, x: g.op("Exp", g.op("Mul", x, c(g, x, math.log(2.0)))), "trunc": trunc,
                 "erfc": lambda g, x: g.op("Sub", c(g, x, 1.0), g.op("Erf", x)), "sinc": sinc,
                 "expm1": lambda g, x: g.op("Sub", g.op("Exp", x), c(g, x, 1.0)), "positive": lambda g, x: x,
                 "frac": lambda g, x: g.op("Sub", x, trunc(g, x)), "sgn": lambda g, x: g.op("Sign", x),
                 "deg2rad": lambda g, x: g.op("Mul", x, c(g, x, math.pi / 180)),
                 "rad2deg": lambda g, x: g.op("Mul", x, c(g, x, 180 / math.pi)),
                 "xlogy": lambda g, x, y: at_zero(g, x, c(g, y, 0.0), g.op("Mul", x, g.op("Log", y))),
                 "heaviside": lambda g, x, v: g.op("Where", g.op("Greater", x, c(g, x, 0.0)), c(g, x, 1.0),
                                                   at_zero(g, x, v, c(g, x, 0.0)))}
    return {f"aten::{name}": symbolic for name, symbolic in symbolics.items()}


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


def _fold(torch, original):
    """``original`` (torch.nn.functional.fold) of a batch (N, C x kh x kw, blocks) as pads and adds: tap (i, j) of
    every block lands at (i dilation + block row x stride, ...) of the padded image, which is cropped at the end"""
    pad = torch.nn.functional.pad

    def fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
        pair = [(v, v) if isinstance(v, int) else tuple(v) for v in (output_size, kernel_size, dilation, padding,
                                                                      stride)]
        (h, w), (kh, kw), (dh, dw), (ph, pw), (sh, sw) = pair
        oh, ow = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1, (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1
        if x.dim() != 3 or x.shape[1] % (kh * kw) or x.shape[2] != oh * ow:
            return original(x, output_size, kernel_size, dilation, padding, stride)  # its own error
        blocks, out = x.reshape(x.shape[0], -1, kh, kw, oh, ow), 0
        for i in range(kh):
            for j in range(kw):
                tap = _spread(torch, _spread(torch, blocks[:, :, i, j], sh, 2), sw, 3)
                top, left = i * dh, j * dw
                out = out + pad(tap, (left, w + 2 * pw - left - tap.shape[-1], top, h + 2 * ph - top - tap.shape[-2]))
        return out[:, :, ph:ph + h, pw:pw + w]

    return fold


def _spread(torch, x, step: int, axis: int):
    """``x`` with ``step`` - 1 zeros after each value along ``axis`` but the last (a stride's spacing)"""
    if step == 1:
        return x
    spread = torch.stack([x] + [torch.zeros_like(x)] * (step - 1), dim=axis + 1).flatten(axis, axis + 1)
    return spread.narrow(axis, 0, spread.shape[axis] - step + 1)


def _windows(torch, original):
    """``original`` (Tensor.unfold) as the slices it takes, stacked: (..., L, ...) -> (..., n, ..., size)"""

    def unfold(x, dimension: int, size: int, step: int):
        axis = dimension % max(x.dim(), 1)
        count = (int(x.shape[axis]) - size) // step + 1 if x.dim() else 0
        if not 0 < count <= MAX_UNFOLD_WINDOWS:
            return original(x, dimension, size, step)
        windows = torch.stack([x.narrow(axis, k * step, size) for k in range(count)], dim=axis)
        return windows.movedim(axis + 1, -1)

    return unfold


def _projected_lstm(torch, original):
    """``nn.LSTM.forward``, with projections (``proj_size`` > 0, batched input) as its steps: per layer and direction,
    gates = x_t W_ih^T + h W_hh^T + b_ih + b_hh (i, f, g, o; W_ih over the whole sequence at once),
    c = s(f) c + s(i) tanh(g), h = (s(o) tanh(c)) W_hr^T (PyTorch's documentation of nn.LSTM); the first step of a
    zero initial state reads no h and no c."""

    def forward(self, x, hx=None):
        if self.proj_size == 0 or x.dim() != 3:
            return original(self, x, hx)
        seq = x.transpose(0, 1) if self.batch_first else x
        dirs, last_h, last_c = 2 if self.bidirectional else 1, [], []
        for layer in range(self.num_layers):
            outputs = []
            for d in range(dirs):
                sfx, k = f"_l{layer}{'_reverse' if d else ''}", layer * dirs + d
                w_ih, w_hh, w_hr = (getattr(self, f"weight_{n}{sfx}") for n in ("ih", "hh", "hr"))
                bias = getattr(self, f"bias_ih{sfx}") + getattr(self, f"bias_hh{sfx}") if self.bias else 0.0
                inputs = seq @ w_ih.T + bias  # W_ih over the whole sequence at once
                h, c = (None, None) if hx is None else (hx[0][k], hx[1][k])
                steps, ys = range(seq.shape[0] - 1, -1, -1) if d else range(seq.shape[0]), [None] * seq.shape[0]
                for t in steps:
                    gates = inputs[t] + (0.0 if h is None else h @ w_hh.T)
                    i, f, g, o = gates.chunk(4, dim=-1)
                    c = torch.sigmoid(i) * torch.tanh(g) + (0.0 if c is None else torch.sigmoid(f) * c)
                    h = ys[t] = (torch.sigmoid(o) * torch.tanh(c)) @ w_hr.T
                outputs.append(torch.stack(ys))
                last_h.append(h)
                last_c.append(c)
            seq = torch.cat(outputs, dim=-1)
        return (seq.transpose(0, 1) if self.batch_first else seq), (torch.stack(last_h), torch.stack(last_c))

    return forward
