"""ONNX Attention (opset 23; torch's dynamo exporter writes ``scaled_dot_product_attention`` as it) as the layers it
is: query and key heads (a 3-d input split into heads; key and value heads repeated for grouped-query attention,
``np.repeat`` order), Q Kᵀ (an ActivationMatMul), the scale, the soft cap (c tanh(s / c)), the bias (causal:
-inf above the diagonal, the ONNX reference's top-left alignment; a constant mask: True kept, False -inf, or a
float added), Softmax over the keys (a fully masked row gives 0, as the reference's guard does), the product with V,
and the heads merged back for a 3-d output.

Refused, naming the node: a KV cache (past_key / past_value, or the present_* outputs read), padding lengths
(nonpad_kv_seqlen), a sliding window, the qk_matmul_output read, a mask computed from the activations, and a
constant query, key or value (a learned pooling query: from_torch imports such a model).
"""

from __future__ import annotations

import math

import numpy as np

from .movement import Concat, Reshape, Transpose
from .ops import ActivationMatMul, Affine, Softmax, Unary

__all__ = ["ATTENTION_HANDLERS"]


def _refused(g, attrs: dict, names: list[str], outs: list[str]) -> str | None:
    """why this Attention node cannot be imported, or None"""
    if any(n for n in names[4:]):
        return "a KV cache (past_key / past_value) or padding lengths (nonpad_kv_seqlen) are not supported"
    if any(o and g.consumers.get(o, 0) for o in outs[1:]):
        return "its present_key / present_value (a KV cache) or qk_matmul_output are read; only Y is supported"
    if any(attrs.get(k, -1) >= 0 for k in ("left_window_size", "right_window_size")):
        return "a sliding window is not supported"
    if not all(g.is_data(n) for n in names[:3]):
        return ("query, key and value must be activations: a constant one (a learned pooling query, as timm's "
                "global_pool='map' head) is refused; import the model with from_torch, which takes it")
    if g.full_ndim(names[0]) not in (3, 4) or len({g.full_ndim(n) for n in names[:3]}) != 1:
        return ("query, key and value must all be 3-d (batch, sequence, hidden) or all 4-d (batch, heads, sequence, "
                "size)")
    return None


def _heads(g, x: str, heads: int | None, lead: tuple[int, ...], out: str, name: str) -> str:
    """tensor ``x`` as (lead..., heads, sequence, size): a 3-d (sequence, heads x size) one split into heads"""
    shape = g.shape[x]
    if len(shape) - len(lead) == 3:
        return x
    seq, hidden = shape[-2:]
    if not heads or hidden % heads:
        raise ValueError(f"a 3-d Attention input needs q_num_heads and kv_num_heads dividing its hidden size "
                         f"({hidden}); got {heads}")
    p = len(lead)
    g.append(Reshape(lead + (seq, heads, hidden // heads)), [x], f"{out}#split", name)
    g.append(Transpose(tuple(range(p)) + (p + 1, p, p + 2)), [f"{out}#split"], out, name)
    return out


def _repeated(g, x: str, group: int, lead: tuple[int, ...], out: str, name: str) -> str:
    """key or value heads each repeated ``group`` times in place (grouped-query attention)"""
    if group == 1:
        return x
    heads, seq, size = g.shape[x][-3:]
    g.append(Reshape(lead + (heads, 1, seq, size)), [x], f"{out}#1", name)
    g.append(Concat(len(lead) + 1), [f"{out}#1"] * group, f"{out}#copies", name)
    g.append(Reshape(lead + (heads * group, seq, size)), [f"{out}#copies"], out, name)
    return out


def _bias(g, attrs: dict, mask: str | None, scores: str) -> np.ndarray | None:
    """the constant added to the scores (per-sample, broadcast against them), or None"""
    s, l = g.shape[scores][-2:]
    bias = None
    if mask:
        if mask not in g.consts:
            raise ValueError("an attn_mask computed from the activations is not supported (a constant one is)")
        m = np.asarray(g.consts[mask])
        if m.shape[-1] != l:
            raise ValueError(f"an attn_mask of {m.shape[-1]} keys for {l} keys is not supported")
        bias = g.sample_constant(np.where(m, 0.0, -np.inf) if m.dtype == np.bool_ else m.astype(np.float64),
                                 scores)
    if attrs.get("is_causal", 0):
        causal = np.where(np.arange(l)[None, :] <= np.arange(s)[:, None], 0.0, -np.inf)
        bias = causal if bias is None else bias + causal
    return bias


def _attention(g, op, attrs, names, outs, name):
    why = _refused(g, attrs, names, outs)
    if why:
        raise ValueError(why)
    out = outs[0]
    lead = (1,) if g.batch_as_axis else ()  # a graph exported with batch 1 keeps it as a per-sample axis
    q = _heads(g, names[0], attrs.get("q_num_heads"), lead, f"{out}#q", name)
    k = _heads(g, names[1], attrs.get("kv_num_heads"), lead, f"{out}#k", name)
    v = _heads(g, names[2], attrs.get("kv_num_heads"), lead, f"{out}#v", name)
    q_heads, kv_heads, size = g.shape[q][-3], g.shape[k][-3], g.shape[q][-1]
    if q_heads % kv_heads or g.shape[v][-3] != kv_heads:
        raise ValueError(f"{q_heads} query heads need key and value heads that divide them; got "
                         f"{kv_heads} and {g.shape[v][-3]}")
    k = _repeated(g, k, q_heads // kv_heads, lead, f"{out}#kr", name)
    v = _repeated(g, v, q_heads // kv_heads, lead, f"{out}#vr", name)
    p = len(lead)
    g.append(Transpose(tuple(range(p)) + (p, p + 2, p + 1)), [k], f"{out}#kt", name)
    g.append(ActivationMatMul(), [q, f"{out}#kt"], f"{out}#qk", name)
    scale = attrs.get("scale", 1.0 / math.sqrt(size))
    g.append(Affine(np.array([scale])), [f"{out}#qk"], f"{out}#scores", name)
    scores, cap = f"{out}#scores", attrs.get("softcap", 0.0)
    if cap > 0:
        g.append(Affine(np.array([1.0 / cap])), [scores], f"{out}#capped", name)
        g.append(Unary("tanh"), [f"{out}#capped"], f"{out}#tanh", name)
        g.append(Affine(np.array([cap])), [f"{out}#tanh"], f"{out}#soft", name)
        scores = f"{out}#soft"
    mask = names[3] if len(names) > 3 and names[3] else None
    bias = _bias(g, attrs, mask, scores)
    if bias is not None:
        g.append(Affine(None, bias), [scores], f"{out}#biased", name)
        scores = f"{out}#biased"
    g.append(Softmax(len(g.shape[scores]) - 1), [scores], f"{out}#weights", name)
    weights = f"{out}#weights"
    if mask:  # a row with every key masked: 0 / 0, which the ONNX reference makes 0
        g.append(Unary("nan_to_zero"), [weights], f"{out}#guarded", name)
        weights = f"{out}#guarded"
    heads_out = out if g.full_ndim(names[0]) == 4 else f"{out}#heads"
    g.append(ActivationMatMul(), [weights, v], heads_out, name)
    if heads_out != out:  # back to (sequence, heads x size)
        h, s, d = g.shape[heads_out][-3:]
        g.append(Transpose(tuple(range(p)) + (p + 1, p, p + 2)), [heads_out], f"{out}#merged", name)
        g.append(Reshape(lead + (s, h * d)), [f"{out}#merged"], out, name)


ATTENTION_HANDLERS = {"Attention": _attention}
"""ONNX operator -> handler (the signature of :mod:`._onnx_ops`)"""
