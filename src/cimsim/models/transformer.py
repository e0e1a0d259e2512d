"""Transformers as shapes: the BERT-base encoder and decoder-only LLMs given by their hyper-parameters.

One layer: a norm, the fused Q/K/V projection (one d_model -> d_model + 2 kv_dim matrix: the three share their
input), the attention products Q K^T and A V (activation x activation, on the vector unit; grouped by key/value
head, so grouped-query attention reads each cached head once for its query heads), softmax, the output
projection, a residual add, a norm, the MLP (gated: gate and up projections fused into one d_model -> 2 d_ff
matrix, SiLU, their product, the down projection; else d_model -> d_ff, GELU, d_ff -> d_model), a residual add. A
mixture of experts has E such MLPs and a router (d_model -> E, softmax, top k); each expert multiplies its mean
share k / E of the tokens (``MatrixOp.routed_fraction``: busy for at least one vector of an item it takes, all
its weights held).
Attention counts every query against every key it can see in one score matrix of queries x keys: a prefill of
S tokens computes all S x S scores (the causal mask is applied to them, as standard attention kernels do; a
kernel skipping masked blocks does about half).

A decoder's item: ``prefill`` = a prompt of seq_len tokens (every matrix sees seq_len vectors, the LM head
included); ``decode`` = one new token attending to a KV cache of ``context`` tokens (its own included). Each
layer's :class:`~cimsim.models.ops.CacheOp` writes the new tokens' keys and values and reads the cached ones
once per item.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..argcheck import check_bool, check_instance, check_int
from .ops import CacheOp, MatrixOp, Model, Op, VectorOp

__all__ = ["Decoder", "DECODERS", "bert_base"]


@dataclass(frozen=True)
class _Layers:
    """The per-layer shapes shared by the encoder and the decoders."""

    layers: int
    d_model: int
    heads: int
    d_ff: int
    kv_heads: int
    gated_mlp: bool
    bias: bool
    norm: str
    """layernorm (2 d_model parameters) or rmsnorm (d_model)"""
    rotary: bool
    experts: int = 1
    """MLPs of a mixture of experts (1: one dense MLP)"""
    experts_per_token: int = 1
    """experts each token is routed to (top k)"""
    stated_head_dim: int | None = None
    """each head's width where the model states it (Gemma: 256 at d_model 3072, 16 heads); None: d_model / heads"""

    @property
    def head_dim(self) -> int:
        return self.stated_head_dim or self.d_model // self.heads

    @property
    def q_dim(self) -> int:
        """the query heads' width together (the attention output's, which the out projection maps to d_model)"""
        return self.heads * self.head_dim

    @property
    def kv_dim(self) -> int:
        return self.kv_heads * self.head_dim

    def _norm(self, name: str, tokens: int) -> VectorOp:
        return VectorOp(name, self.norm, tokens * self.d_model, (2 if self.norm == "layernorm" else 1) * self.d_model)

    def _linear(self, ops: list[Op], name: str, n_in: int, n_out: int, tokens: int, skip: int,
                share: float = 1.0) -> None:
        ops.append(MatrixOp(name, n_in, n_out, tokens, skip_elements_per_item=skip, routed_fraction=share))
        if self.bias:
            ops.append(VectorOp(f"{name}.bias", "add", ops[-1].routed_elements(n_out), parameters=n_out))

    def _mlp(self, ops: list[Op], p: str, tokens: int, stream: int, share: float = 1.0) -> None:
        """one MLP over ``tokens`` tokens (an expert: over its ``share`` of them)"""
        d, t = self.d_model, tokens
        width = max(1, round(t * share * self.d_ff))  # the MLP's hidden values per item (an expert's: its share)
        if self.gated_mlp:
            self._linear(ops, f"{p}.gate_up", d, 2 * self.d_ff, t, stream, share)
            ops += [VectorOp(f"{p}.silu", "silu", width), VectorOp(f"{p}.gate", "mul", width)]
        else:
            self._linear(ops, f"{p}.fc", d, self.d_ff, t, stream, share)
            ops.append(VectorOp(f"{p}.gelu", "gelu", width))
        self._linear(ops, f"{p}.down", self.d_ff, d, t, stream, share)

    def _experts(self, ops: list[Op], p: str, tokens: int, stream: int) -> None:
        """a mixture of experts: the router's scores (softmax, top k), each expert over its share k / E of the
        tokens (every expert's weights held), the k outputs of each token weighted and summed"""
        e, k, t = self.experts, self.experts_per_token, tokens
        self._linear(ops, f"{p}.router", self.d_model, e, t, stream)
        ops += [VectorOp(f"{p}.router_softmax", "softmax", t * e),
                VectorOp(f"{p}.router_top_k", "max", t * e * (math.ceil(math.log2(k)) + 1))]
        for j in range(e):
            self._mlp(ops, f"{p}.expert{j}", t, stream, k / e)
        ops += [VectorOp(f"{p}.expert_weights", "mul", t * k * self.d_model),
                VectorOp(f"{p}.expert_sum", "add", t * k * self.d_model)]

    def layer_ops(self, i: int, tokens: int, keys: int, cache: bool, post_norm: bool) -> list[Op]:
        """one layer over ``tokens`` new tokens, each attending to ``keys`` keys"""
        d, t, p = self.d_model, tokens, f"layer{i}"
        stream = t * d  # the residual stream, alive across the whole layer
        group = self.heads // self.kv_heads
        ops: list[Op] = [] if post_norm else [self._norm(f"{p}.norm1", t)]
        self._linear(ops, f"{p}.qkv", d, self.q_dim + 2 * self.kv_dim, t, stream)
        if self.rotary:
            ops.append(VectorOp(f"{p}.rotary", "rotary", t * (self.q_dim + self.kv_dim)))
        if cache:
            ops.append(CacheOp(f"{p}.kv_cache", 2 * t * self.kv_dim, 2 * keys * self.kv_dim, 2 * keys * self.kv_dim))
        ops += [
            MatrixOp(f"{p}.scores", self.head_dim, keys, t * group, "activation", self.kv_heads,
                     skip_elements_per_item=stream),
            VectorOp(f"{p}.softmax", "softmax", t * self.heads * keys),
            MatrixOp(f"{p}.context", keys, self.head_dim, t * group, "activation", self.kv_heads,
                     skip_elements_per_item=stream),
        ]
        self._linear(ops, f"{p}.out", self.q_dim, d, t, stream)
        ops.append(VectorOp(f"{p}.residual1", "add", stream))
        ops.append(self._norm(f"{p}.norm{1 if post_norm else 2}", t))
        if self.experts > 1:
            self._experts(ops, p, t, stream)
        else:
            self._mlp(ops, p, t, stream)
        ops.append(VectorOp(f"{p}.residual2", "add", stream))
        if post_norm:
            ops.append(self._norm(f"{p}.norm2", t))
        return ops


MAX_SIZE = 1 << 30
"""the largest context, sequence and layer size a model takes (1 G tokens: 100x the longest trained contexts): above
it a context had failed as an internal field's bound ('accumulator_bits ... got 65' at 2**49 tokens, a bare
OverflowError at 10**400; an LLM probe)"""


MAX_BUILT = 1 << 18
"""the most layers x experts a Decoder builds (each layer and expert is a few ops built one by one: 10**5 layers
took 20 s, 10**6 did not finish; an LLM probe): 2000x Llama-3.1-405B's 126 layers, 17x DeepSeek-V3's 58 layers of 256
routed experts (DeepSeek-AI, "DeepSeek-V3 Technical Report", arXiv 2412.19437, 2024), 8x Switch-C's 15 of 2048 (Fedus
et al., JMLR 23, 2022)"""


def _check_tokens(name: str, value: int, limit: int | None = None, learned: bool = True) -> None:
    check_int(name, value, 1, MAX_SIZE)
    if limit is not None and value > limit:
        raise ValueError(f"{name} {value} exceeds the model's {limit} "
                         + ("learned positions" if learned else "tokens of trained context (rotary positions)"))


# BERT-base: J. Devlin, M.-W. Chang, K. Lee, K. Toutanova, "BERT: Pre-training of Deep Bidirectional Transformers for
# Language Understanding", NAACL 2019, Sec. 3: L = 12, H = 768, A = 12, feed-forward 4H = 3072, 110 M parameters;
# WordPiece vocabulary 30,522, 512 positions, 2 segment types (the released bert-base-uncased config).
_BERT = _Layers(layers=12, d_model=768, heads=12, d_ff=3072, kv_heads=12, gated_mlp=False, bias=True,
                norm="layernorm", rotary=False)
_BERT_VOCAB, _BERT_POSITIONS, _BERT_TYPES = 30522, 512, 2


def bert_base(seq_len: int = 128) -> Model:
    """BERT-base over one sequence of ``seq_len`` tokens (post-norm encoder, pooler on the first token)."""
    _check_tokens("seq_len", seq_len, _BERT_POSITIONS)
    d, s = _BERT.d_model, seq_len
    ops: list[Op] = [VectorOp("embeddings.sum", "add", 2 * s * d), _BERT._norm("embeddings.norm", s)]
    for i in range(_BERT.layers):
        ops += _BERT.layer_ops(i, s, s, cache=False, post_norm=True)
    ops += [MatrixOp("pooler", d, d, 1), VectorOp("pooler.bias", "add", d, parameters=d),
            VectorOp("pooler.tanh", "tanh", d)]
    return Model("bert-base", "sequence", tuple(ops), s * d, s * d + d, tokens_per_item=s,
                 dram_parameters=(_BERT_VOCAB + _BERT_POSITIONS + _BERT_TYPES) * d,
                 source="Devlin et al., NAACL 2019 (L=12, H=768, A=12, 110 M parameters)")


@dataclass(frozen=True)
class Decoder:
    """A decoder-only LLM by its hyper-parameters; :meth:`prefill` and :meth:`decode` give its two phases."""

    name: str
    layers: int
    d_model: int
    heads: int
    d_ff: int
    vocab: int
    max_context: int
    """longest context it was trained for, tokens"""
    kv_heads: int | None = None
    """key/value heads (grouped-query attention); None: one per query head"""
    gated_mlp: bool = False
    """three MLP matrices (SwiGLU) instead of two (GELU)"""
    bias: bool = True
    norm: str = "layernorm"
    learned_positions: bool = True
    """a learned position table in DRAM (GPT-2); False: rotary embeddings on Q and K (LLaMA)"""
    tied_embeddings: bool = True
    """the LM head is the token embedding table (counted once)"""
    experts: int = 1
    """MLPs per layer of a mixture of experts, each of d_ff hidden units (1: one dense MLP)"""
    experts_per_token: int = 1
    """experts each token is routed to (top k); each expert is priced at its mean share k / experts of the tokens"""
    head_dim: int | None = None
    """each attention head's width where it is not d_model / heads (Gemma-7B: 256 at d_model 3072, 16 heads)"""
    source: str = ""

    def __post_init__(self) -> None:
        check_instance("name", self.name, str, "a str")  # (None had failed later, as the Model's name: an LLM probe)
        check_instance("source", self.source, str, "a str")
        for name in ("layers", "d_model", "heads", "d_ff", "vocab", "max_context", "experts", "experts_per_token"):
            _check_tokens(name, getattr(self, name))
        if self.layers * self.experts > MAX_BUILT:
            raise ValueError(f"{self.name}: layers x experts = {self.layers} x {self.experts} exceeds {MAX_BUILT} "
                             "(cimsim builds each layer's and expert's ops one by one; the largest published models "
                             "have 126 layers, or 2048 experts a layer)")
        for name in ("gated_mlp", "bias", "learned_positions", "tied_embeddings"):
            check_bool(name, getattr(self, name))
        for name in ("kv_heads", "head_dim"):
            if getattr(self, name) is not None:
                _check_tokens(name, getattr(self, name))  # (head_dim 10**400 had been a bare OverflowError: a review)
        if self.experts_per_token > self.experts:
            raise ValueError(f"{self.name}: experts_per_token {self.experts_per_token} exceeds experts "
                             f"{self.experts}")
        kv = self.heads if self.kv_heads is None else self.kv_heads
        if (self.head_dim is None and self.d_model % self.heads) or self.heads % kv:
            raise ValueError(f"{self.name}: heads must divide d_model (or head_dim be given) and kv_heads must divide "
                             f"heads; got d_model {self.d_model}, heads {self.heads}, kv_heads {kv}")
        if self.norm not in ("layernorm", "rmsnorm"):
            raise ValueError(f"{self.name}: norm must be layernorm or rmsnorm; got {self.norm!r}")

    @property
    def _shape(self) -> _Layers:
        return _Layers(self.layers, self.d_model, self.heads, self.d_ff,
                       self.heads if self.kv_heads is None else self.kv_heads, self.gated_mlp, self.bias, self.norm,
                       rotary=not self.learned_positions, experts=self.experts,
                       experts_per_token=self.experts_per_token, stated_head_dim=self.head_dim)

    def _model(self, phase: str, tokens: int, keys: int) -> Model:
        shape, d = self._shape, self.d_model
        ops: list[Op] = [VectorOp("embeddings.positions", "add", tokens * d)] if self.learned_positions else []
        for i in range(self.layers):
            ops += shape.layer_ops(i, tokens, keys, cache=True, post_norm=False)
        ops += [shape._norm("final_norm", tokens), MatrixOp("lm_head", d, self.vocab, tokens)]
        table = 0 if self.tied_embeddings else self.vocab * d
        positions = self.max_context * d if self.learned_positions else 0
        item = "sequence" if phase == "prefill" else "token"
        return Model(self.name, item, tuple(ops), tokens * d, tokens * self.vocab, tokens_per_item=tokens,
                     dram_parameters=table + positions, source=self.source, phase=phase)

    def prefill(self, seq_len: int) -> Model:
        """one prompt of ``seq_len`` tokens at once"""
        _check_tokens("seq_len", seq_len, self.max_context, self.learned_positions)
        return self._model("prefill", seq_len, seq_len)

    def decode(self, context: int, *, name: str = "context") -> Model:
        """one generated token attending to a KV cache of ``context`` tokens, its own included (at position context - 1:
        at most the model's positions; ``name``: the argument's, in errors: get_model's seq_len)"""
        _check_tokens(name, context, self.max_context, self.learned_positions)
        return self._model("decode", 1, context)

    @property
    def parameters(self) -> int:
        return self.decode(1).parameters


DECODERS: dict[str, Decoder] = {
    # GPT-2 small: A. Radford et al., "Language Models are Unsupervised Multitask Learners", OpenAI 2019, Table 2
    # (12 layers, d_model 768, context 1024, vocabulary 50,257; its "117M" was later recounted as 124 M, the
    # released checkpoint's 124,439,808); 12 heads, d_ff = 4 d_model, biases, LayerNorm, learned positions, the LM
    # head tied to the token embeddings.
    "gpt2-small": Decoder("gpt2-small", layers=12, d_model=768, heads=12, d_ff=3072, vocab=50257, max_context=1024,
                          source="Radford et al., OpenAI 2019 (12 layers, d_model 768, 124 M parameters)"),
    # LLaMA-7B: H. Touvron et al., "LLaMA: Open and Efficient Foundation Language Models", arXiv:2302.13971, 2023,
    # Table 2 (6.7 B parameters, dimension 4096, 32 heads, 32 layers) and Sec. 2.2 (SwiGLU with 2/3 4d hidden
    # units: 11,008 in the released code, RMSNorm, rotary embeddings, context 2048); vocabulary 32,000 (BPE,
    # Sec. 2.1 and the released tokenizer); no biases; untied head.
    "llama-7b": Decoder("llama-7b", layers=32, d_model=4096, heads=32, d_ff=11008, vocab=32000, max_context=2048,
                        gated_mlp=True, bias=False, norm="rmsnorm", learned_positions=False, tied_embeddings=False,
                        source="Touvron et al., arXiv:2302.13971 2023, Table 2 (6.7 B parameters)"),
    # Mixtral 8x7B: A. Q. Jiang et al., "Mixtral of Experts", arXiv:2401.04088, 2024, Table 1 (dim 4096, 32
    # layers, head_dim 128, hidden_dim 14,336, 32 heads, 8 kv heads, context 32,768, vocabulary 32,000, 8 experts,
    # top 2) and Sec. 2 (47 B parameters, 13 B active per token); SwiGLU experts, RMSNorm, rotary, no biases,
    # untied head (the released configuration).
    "mixtral-8x7b": Decoder("mixtral-8x7b", layers=32, d_model=4096, heads=32, d_ff=14336, vocab=32000,
                            max_context=32768, kv_heads=8, gated_mlp=True, bias=False, norm="rmsnorm",
                            learned_positions=False, tied_embeddings=False, experts=8, experts_per_token=2,
                            source="Jiang et al., arXiv:2401.04088 2024, Table 1 (47 B parameters, 13 B active)"),
}
"""named decoder presets, each with its source"""
