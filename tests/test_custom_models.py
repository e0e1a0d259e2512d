"""A model described by hand from shapes (cimsim.models ops): its fields checked and stored as Python values,
its table cells escaped, ops told apart where pricing tells them by name."""

from __future__ import annotations

import json

import numpy as np
import pytest

from cimsim.config import load_preset
from cimsim.models import MatrixOp, Model, VectorOp, price_model
from cimsim.models.result import price_table

CONFIG = load_preset("rram-default")


def _model(**fields) -> Model:
    ops = (MatrixOp("fc1", np.int64(256), np.int64(128), np.int64(1)), VectorOp("relu", "relu", 128),
           MatrixOp("fc2", 128, 10, 1))
    return Model(**{"name": "mlp", "ops": ops, "item": "image", "input_elements_per_item": np.int64(256),
                    "output_elements_per_item": 10, **fields})


def test_numpy_sizes_are_stored_as_python_ints_and_the_price_writes_as_json():
    # np.int64 sizes had stayed numpy: json.dumps(price.as_dict()) raised TypeError
    model = _model()
    assert type(model.ops[0].in_features) is int and type(model.input_elements_per_item) is int
    assert type(model.parameters) is int
    json.dumps(price_model(CONFIG, model).as_dict(), allow_nan=False)


@pytest.mark.parametrize(("fields", "message"), [
    ({"phase": "Decode"}, "phase must be 'prefill', 'decode' or ''"),
    ({"phase": 5}, "phase must be"),
    ({"item": ""}, "item must name what one item is"),
    ({"dram_parameters": -65536}, "dram_parameters must be an int >= 0"),
    ({"dram_parameters": 0.5}, "dram_parameters must be an int >= 0"),
])
def test_a_models_own_fields_are_checked(fields, message):
    # a phase typo had priced a decode as a pipelined model (37 % faster); negative DRAM parameters had zeroed the count
    with pytest.raises((ValueError, TypeError), match=message):
        _model(**fields)


def test_an_activation_product_named_like_a_trained_matrix_is_refused_on_arrays():
    # the trained matrix 'attn' had been priced as a rewritten operand: no weights programmed, written every item
    ops = (MatrixOp("qkv", 64, 192, 8), MatrixOp("attn", 16, 8, 8, "activation", 4),
           MatrixOp("ctx", 8, 16, 8, "activation", 4), MatrixOp("attn", 64, 64, 8))
    model = Model("blk", "sequence", ops, 512, 512, tokens_per_item=8)
    with pytest.raises(ValueError, match="'attn' also names a trained matrix"):
        price_model(CONFIG, model, activation_products="arrays")
    assert price_model(CONFIG, model).cim.total_energy_pj > 0  # on the vector unit the names do not matter


def test_a_models_name_and_item_are_escaped_in_the_price_table():
    # 'mlp|v2' had given 12 cells under an 11-column header
    table = price_table([price_model(CONFIG, _model(name="mlp|v2", item="im|age"))])
    assert {line.replace("\\|", "").count("|") for line in table.splitlines() if line.startswith("|")} == {12}


def test_a_small_models_summary_gives_its_whole_parameter_count():
    # a 34 k-parameter model had been summarised as "0.03 M parameters", a 4 810 one as "0.00 M"
    model = _model()
    assert model.summary().startswith(f"mlp: {model.parameters:,} parameters ({model.crossbar_parameters:,} on ")


def test_a_context_beyond_a_billion_tokens_is_refused_naming_it():
    """2**49 tokens had failed as 'accumulator_bits (bits) must be an int >= 1 and <= 64; got 65', 2**48 as an
    out_features bound, 10**400 as a bare OverflowError (an LLM probe, 2026-12-08); 2**30 prices"""
    from cimsim.models import Decoder

    small = {"layers": 1, "d_model": 64, "heads": 4, "d_ff": 128, "vocab": 100}
    for context in (2**31, 2**49, 10**400):
        with pytest.raises(ValueError, match="max_context must be an int >= 1 and <= 1073741824"):
            Decoder("big", **small, max_context=context)
    decoder = Decoder("big", **small, max_context=2**30)
    assert decoder.decode(2**30).phase == "decode"
    with pytest.raises(ValueError, match="context must be an int >= 1 and <= 1073741824"):
        decoder.decode(2**31)
    for name in ("head_dim", "kv_heads"):  # (head_dim 10**400 had been a bare OverflowError: a review)
        with pytest.raises(ValueError, match=f"{name} must be an int >= 1 and <= 1073741824"):
            Decoder("big", **small, max_context=64, **{name: 10**400})
    # layers and experts are built one by one: 10**6 layers had not finished in a minute (an LLM probe)
    for sizes in ({"layers": 10**6}, {"experts": 10**6}, {"layers": 2**10, "experts": 2**9}):
        with pytest.raises(ValueError, match=r"big: layers x experts = \d+ x \d+ exceeds 262144"):
            Decoder("big", **{**small, **sizes}, max_context=64)
    assert Decoder("big", **{**small, "layers": 126}, max_context=64, experts=256).experts == 256
    for field, value in (("name", None), ("source", 5)):  # (None had failed later, as the Model's name)
        with pytest.raises(TypeError, match=f"{field} must be a str"):
            Decoder(**{"name": "big", **small, "max_context": 64, field: value})
