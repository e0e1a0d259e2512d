"""Mixture-of-experts layers written densely for torch's ONNX export (:func:`dense_experts`).

A routed experts module computes, for each token, only the k experts its router picked, looping over the experts
that some token picked and gathering those tokens: a trace holds the loop of the example's tokens, and the
gathered weights are no static matrices. Written densely, every expert multiplies every token and its output is
weighted by the token's routing weight for that expert, 0 where the router did not pick it: the same output
(sums of the same k terms plus exact zeros, up to the order of float additions), in static matrix products.
The imported network marks each expert's matrices with the fraction k / E of the tokens a routed chip sends them
(``Dense.routed_fraction``, :func:`mark_routed`), which its cost counts.

The rewrite applies to the experts interface of Hugging Face transformers 5 (``use_experts_implementation``:
Mixtral, Qwen2-MoE, Qwen3-MoE, OLMoE, GPT-OSS, Granite-MoE and others), recognised by its attributes: weights of
all experts stacked in ``gate_up_proj`` (or ``up_proj`` without a gate) and ``down_proj`` (experts first, stored
(out, in), or (in, out) where ``is_transposed``), optional per-expert biases, ``_apply_gate`` (the gated
activation) or ``act_fn``, and ``forward(hidden_states, top_k_index, top_k_weights)``.
"""

from __future__ import annotations

import contextlib
import hashlib
import types
from dataclasses import replace

import numpy as np

from .layers import Dense
from .model import Network

__all__ = ["dense_experts", "routed_experts", "mark_routed"]

_INTERFACE = ("num_experts", "down_proj", "has_gate", "has_bias", "is_transposed")
"""attributes every module of the transformers experts interface has"""


def routed_experts(model) -> list:
    """every experts module of ``model`` that :func:`dense_experts` rewrites"""
    return [m for m in model.modules()
            if all(hasattr(m, a) for a in _INTERFACE) and hasattr(type(m), "_apply_gate")
            and hasattr(m, "gate_up_proj" if m.has_gate else "up_proj")]


@contextlib.contextmanager
def dense_experts(torch, model):
    """While the block runs, every experts module of ``model`` (:func:`routed_experts`) computes densely; yields a
    dict the forward passes fill: experts module -> k, the experts each token is routed to (for
    :func:`mark_routed`)."""
    modules, routing = [(m, vars(m).get("forward")) for m in routed_experts(model)], {}
    for m, _ in modules:
        m.forward = types.MethodType(_dense_forward(torch, routing), m)  # the instance's own, over its class's
    try:
        yield routing
    finally:
        for m, own in modules:  # a forward the instance had of its own back, else its class's again
            if own is None:
                del m.forward
            else:
                m.forward = own


def mark_routed(network: Network, routing: dict) -> Network:
    """``network`` with the routed fraction k / E set on each Dense layer whose matrix is an expert's (found by its
    values: an expert's matrix, or its transpose where the weights are stored (in, out))"""
    fractions = {}
    for m, k in routing.items():
        stacked = [m.gate_up_proj if m.has_gate else m.up_proj, m.down_proj]
        for e in range(m.num_experts):
            for w in stacked:
                matrix = w[e].detach().double().cpu().numpy()
                fractions[_key(matrix.T if m.is_transposed else matrix)] = k / m.num_experts
    if not fractions:
        return network
    marked = {id(layer): replace(layer, routed_fraction=fractions[_key(layer.weight)])
              for layer in network.layers if isinstance(layer, Dense) and _key(layer.weight) in fractions}
    return replace(network, layers=tuple(marked.get(id(layer), layer) for layer in network.layers))


def _key(matrix: np.ndarray) -> tuple:
    """a matrix's shape and a digest of its values, as a dictionary key"""
    return matrix.shape, hashlib.blake2b(np.ascontiguousarray(matrix, dtype=np.float64).tobytes()).digest()


def _dense_forward(torch, routing: dict):
    linear = torch.nn.functional.linear

    def project(x, weight, bias, transposed: bool):
        y = x @ weight if transposed else linear(x, weight)
        return y if bias is None else y + bias

    def forward(self, hidden_states, top_k_index, top_k_weights):
        """the experts' output for tokens (tokens, hidden): sum over experts e of expert e's output times the
        token's routing weight for e (the weights of the top-k positions that hold e; 0 where none does)"""
        routing[self] = int(top_k_index.shape[-1])
        out = torch.zeros_like(hidden_states)
        up, up_bias = ("gate_up_proj", "gate_up_proj_bias") if self.has_gate else ("up_proj", "up_proj_bias")
        for e in range(self.num_experts):
            routed = (top_k_weights * (top_k_index == e).to(top_k_weights.dtype)).sum(dim=-1, keepdim=True)
            h = project(hidden_states, getattr(self, up)[e], getattr(self, up_bias)[e] if self.has_bias else None,
                        self.is_transposed)
            h = self._apply_gate(h) if self.has_gate else self.act_fn(h)
            h = project(h, self.down_proj[e], self.down_proj_bias[e] if self.has_bias else None, self.is_transposed)
            if getattr(self, "has_post_expert_norm", False):
                h = self.post_expert_norm(h)
            out = out + h * routed.to(h.dtype)
        return out.to(hidden_states.dtype)

    return forward
