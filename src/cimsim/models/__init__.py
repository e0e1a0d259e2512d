"""Standard networks as shapes only, priced from shapes alone (no weights, no simulation).

``get_model("resnet50")`` builds a :class:`Model` (its matrix products, vector ops and KV cache per item);
:func:`price_model` prices it on a config's CIM chips next to the config's baseline::

    from cimsim.config import load_config
    from cimsim.models import get_model, price_model, price_table
    config = load_config("configs/default.toml")
    print(price_table([price_model(config, get_model("resnet50"))]))

Decoders have two phases: ``get_model("llama-7b", phase="decode", seq_len=2048)`` (one token against a KV cache of
2048 tokens) and ``phase="prefill"`` (a prompt of seq_len tokens). Details and sources: docs/models.md.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable

from .cnn import MAX_IMAGE_SIDE, mobilenetv2, resnet18, resnet50
from .ops import PHASES, CacheOp, MatrixOp, Model, VectorOp
from .pricing import (DEFAULT_VECTOR_LANES, KV_PLACES, LINK_BANDWIDTH_GBPS, LINK_ENERGY_PJ_PER_BIT, MAX_ITEMS,
                      MAX_SEQUENCES, DoesNotFitError, chips_needed, price_model)
from .result import ModelPrice, price_table
from .transformer import DECODERS, Decoder, bert_base

__all__ = [
    "MatrixOp", "VectorOp", "CacheOp", "Model", "Decoder", "DECODERS", "resnet18", "resnet50", "mobilenetv2",
    "bert_base", "MODEL_NAMES", "CNN_NAMES", "PHASES", "get_model", "unknown_model", "price_model", "chips_needed",
    "ModelPrice", "price_table", "DoesNotFitError", "DEFAULT_VECTOR_LANES", "KV_PLACES", "LINK_ENERGY_PJ_PER_BIT",
    "LINK_BANDWIDTH_GBPS", "MAX_ITEMS", "MAX_SEQUENCES", "MAX_IMAGE_SIDE",
]

_CNNS: dict[str, Callable[[int], Model]] = {"resnet18": resnet18, "resnet50": resnet50, "mobilenetv2": mobilenetv2}
MODEL_NAMES: tuple[str, ...] = (*_CNNS, "bert-base", *DECODERS)
"""names :func:`get_model` knows"""
CNN_NAMES: tuple[str, ...] = tuple(_CNNS)
"""the models that take an image (``image_side``)"""
DEFAULT_SEQ_LEN = {"bert-base": 128}
"""sequence length when none is given: BERT's 128 (its pre-training length for 90 % of steps); a decoder's
trained context (``Decoder.max_context``)"""


def unknown_model(name: str) -> str:
    """The message for a model name :func:`get_model` does not know: the known name it spells differently (case,
    hyphens, a missing size), if one, and the known names."""
    def bare(text) -> str:
        return str(text).lower().replace("-", "").replace("_", "")

    close = ([known for known in MODEL_NAMES if bare(known) == bare(name)]
             or [known for known in MODEL_NAMES if bare(known).startswith(bare(name)) and bare(name)]
             or difflib.get_close_matches(bare(name), MODEL_NAMES, n=1))
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown model {name!r}{hint}; known models: {', '.join(MODEL_NAMES)}"


def get_model(name: str, *, seq_len: int | None = None, phase: str | None = None,
              image_side: int | None = None) -> Model:
    """The model called ``name`` (:data:`MODEL_NAMES`). CNNs take ``image_side`` (default 224); BERT takes
    ``seq_len``; a decoder takes ``phase`` (prefill: a prompt of seq_len tokens; decode: one token with a KV cache
    of seq_len tokens; default decode) and ``seq_len`` (default: its trained context). An argument the model does
    not take is refused, not ignored; an image side above :data:`MAX_IMAGE_SIDE` too."""
    if not isinstance(name, str):  # (None had read "unknown model None", as if misspelt)
        raise TypeError(f"a model name must be a string, one of {', '.join(MODEL_NAMES)}; got {type(name).__name__}")
    if name not in MODEL_NAMES:
        raise ValueError(unknown_model(name))
    if image_side is not None and name not in _CNNS:
        raise ValueError(f"{name} takes a sequence, not an image side (image_side is for {', '.join(_CNNS)})")
    if name in DECODERS:
        if phase is not None and phase not in PHASES:
            raise ValueError(f"phase must be one of {', '.join(PHASES)}; got {phase!r}")
        decoder = DECODERS[name]
        tokens = decoder.max_context if seq_len is None else seq_len
        return decoder.prefill(tokens) if phase == "prefill" else decoder.decode(tokens, name="seq_len")
    if phase is not None:
        raise ValueError(f"{name} has no phases (prefill / decode are for decoders: {', '.join(DECODERS)})")
    if name in _CNNS:
        if seq_len is not None:
            raise ValueError(f"{name} takes an image, not a sequence length")
        return _CNNS[name](224 if image_side is None else image_side)  # the builder checks the side
    return bert_base(DEFAULT_SEQ_LEN[name] if seq_len is None else seq_len)
