"""A network .npz whose 'input_shape' is not a 1-d list of positive integers, or whose layer object has a parameter
its kind lacks: refused naming the file and the entry (numpy's and Python's own errors had named neither)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from cimsim.network import load_network

MLP = Path(__file__).resolve().parents[1] / "src" / "cimsim" / "data" / "digits_mlp.npz"


def _saved(tmp_path: Path, **changes) -> Path:
    """the shipped MLP with ``changes`` to its entries, as a new file"""
    path = tmp_path / "net.npz"
    np.savez(path, **dict(np.load(MLP), **changes))
    return path


@pytest.mark.parametrize("shape, shown", [
    (np.array([[64]]), "[[64]]"),  # 2-d: "only 0-dimensional arrays can be converted to Python scalars"
    (np.array([[8, 8]]), "[[8, 8]]"),
    (np.zeros((0,), dtype=np.int64), "[]"),
    (np.array([0]), "[0]"),
    (np.array([-64]), "[-64]"),
])
def test_input_shape_must_be_a_list_of_positive_integers(tmp_path, shape, shown):
    path = _saved(tmp_path, input_shape=shape)
    with pytest.raises(ValueError) as info:
        load_network(path)
    assert str(info.value) == (f"{path}: 'input_shape' must be a 1-d list of positive integers, the per-sample input "
                               f"shape (e.g. [64] or [1, 8, 8]); got {shown}")


@pytest.mark.parametrize("shape, expected", [(np.array([64]), (64,)), (np.array(64), (64,))])
def test_a_good_input_shape_still_loads(tmp_path, shape, expected):
    """a lone int too (one axis), as before"""
    assert load_network(_saved(tmp_path, input_shape=shape)).input_shape == expected


def _with_layer(tmp_path: Path, k: int, **params) -> Path:
    architecture = json.loads(str(np.load(MLP)["architecture"]))
    architecture[k].update(params)
    return _saved(tmp_path, architecture=np.array(json.dumps(architecture)))


def test_an_unknown_parameter_is_named_with_the_known_ones(tmp_path):
    architecture = json.loads(str(np.load(MLP)["architecture"]))
    assert [p["kind"] for p in architecture] == ["dense", "relu", "dense"]
    path = _with_layer(tmp_path, 1, inplace=True)  # had been "ReLU.__init__() got an unexpected keyword argument"
    with pytest.raises(ValueError) as info:
        load_network(path)
    assert str(info.value) == f"{path}: layer 1 (relu): unknown parameter 'inplace'; known: none"
    path = _with_layer(tmp_path, 2, activation="relu")
    with pytest.raises(ValueError) as info:
        load_network(path)
    assert str(info.value) == (f"{path}: layer 2 (dense): unknown parameter 'activation'; known: weight, bias, "
                               "routed_fraction")


def test_a_same_as_field_the_kind_lacks_is_an_unknown_parameter(tmp_path):
    """'same_as' names fields too: one the kind lacks is refused the same way"""
    path = _with_layer(tmp_path, 2, same_as={"scale": [0, "bias"]})
    with pytest.raises(ValueError, match=r"layer 2 \(dense\): unknown parameter 'scale'; known: weight, bias, "):
        load_network(path)
