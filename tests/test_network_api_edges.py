"""The network API at its edges: layer and Network arguments of the wrong type or value refused at construction with
a ValueError naming the layer and the argument, saved networks of numpy-scalar parameters, save_network's extras,
load_dataset's input_shape, and outputs that never alias the caller's input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from cimsim.config import load_config
from cimsim.network import (
    Affine, ArgMax, AvgPool2d, Clip, Conv2d, Dense, Elementwise, Flatten, GridSample, JoinConstant, LayerNorm, Max,
    Mean, Network, Pad, PutAlong, ReLU, Reshape, Select, Slice, Softmax, TopK, Unary, load_dataset, load_network,
    save_network,
)

CONFIGS = Path(__file__).resolve().parents[1] / "configs"


@pytest.mark.parametrize("make, match", [
    (lambda: TopK(1, largest="False"), "TopK largest must be True or False; got 'False'"),
    (lambda: TopK(1, indices=1), "TopK indices must be True or False; got 1"),
    (lambda: GridSample(align_corners="False"), "GridSample align_corners must be True or False"),
    (lambda: Mean((0,), keepdims="no"), "Mean keepdims must be True or False; got 'no'"),
    (lambda: Max((0,), keepdims=0), "Max keepdims must be True or False; got 0"),
    (lambda: ArgMax(0, keepdims="yes"), "ArgMax keepdims must be True or False"),
    (lambda: ArgMax(0, minimum="False"), "ArgMax minimum must be True or False"),
    (lambda: ArgMax(0, last=None), "ArgMax last must be True or False"),
    (lambda: AvgPool2d(2, count_include_pad="True"), "AvgPool2d count_include_pad must be True or False"),
    (lambda: JoinConstant(0, np.ones(2), before="after"), "JoinConstant before must be True or False"),
])
def test_bool_arguments_are_true_or_false(make, match):
    """a string "False" had been taken as True (TopK then returned the largest), "no" failed in numpy at forward"""
    with pytest.raises(ValueError, match=match):
        make()


def test_bools_keep_their_meaning():
    x = np.array([[3.0, 1.0, 2.0]])
    assert Network((TopK(1, largest=np.False_),), (3,)).forward(x).tolist() == [[1.0]]
    assert Network((Mean((0,), keepdims=False),), (3,)).forward(x).shape == (1,)
    assert type(GridSample(align_corners=np.True_).align_corners) is bool


@pytest.mark.parametrize("make, match", [
    (lambda: Conv2d(np.ones((2, 1, 3, 3)), padding=1.5), r"Conv2d padding must be an int >= 0, two of them.*got 1.5"),
    (lambda: Conv2d(np.ones((2, 1, 3, 3)), padding=(1, 2, 3)), "Conv2d padding must be an int >= 0"),
    (lambda: LayerNorm(epsilon="1e-5"), "LayerNorm epsilon must be a finite number > 0; got '1e-5'"),
    (lambda: LayerNorm(epsilon=float("inf")), "LayerNorm epsilon must be a finite number > 0; got inf"),
    (lambda: LayerNorm(axis=1.0), r"LayerNorm axis must be an int \(a per-sample axis, negative: from the end\); "
                                  "got 1.0"),
    (lambda: Unary(["relu"]), r"Unary function must be a string; got \['relu'\]"),
    (lambda: Elementwise(None), "Elementwise op must be a string; got None"),
    (lambda: Affine("a"), "Affine scale must hold real numbers"),
    (lambda: Affine(shift=[[1.0], [1.0, 2.0]]), "Affine shift must be a rectangular array"),
    (lambda: Select(a="x"), "Select a must hold real numbers"),
    (lambda: Dense([[1.0], [1.0, 2.0]]), "Dense weight must be a rectangular array"),
    (lambda: Slice(0, 0, 2, 1.5), "Slice step must be an int; got 1.5"),
    (lambda: Slice(0, "0", 2), "Slice start must be an int; got '0'"),
    (lambda: Pad((1, 1), value="0"), "Pad value must be a finite number; got '0'"),
    (lambda: Clip(True, None), "Clip low must be a number"),
    (lambda: Network((ReLU(),), 6), "input_shape must be a tuple of positive ints; got 6"),
    (lambda: Network(ReLU(), (3,)), "layers must be a tuple of at least one layer; got ReLU()"),
    (lambda: Network((ReLU(),), (3,), 5), "inputs must hold a tuple of value numbers per layer; got 5"),
    (lambda: Network((ReLU(),), (3,), ((True,),)), r"layer 0 \(relu\) must read values in 0..0"),
])
def test_constructors_name_a_bad_argument(make, match):
    """each had failed with a raw Python error naming no argument ("'float' object is not iterable", "unhashable
    type: 'list'"), failed only once the Network was built (Slice), or was accepted (Pad value "0" as 0.0, an
    infinite epsilon making every output 0)"""
    with pytest.raises(ValueError, match=match):
        make()


@pytest.mark.parametrize("layers, match", [
    ((ReLU(), Elementwise("add")), r"layer 1 \(elementwise\) takes 2 input\(s\); got 1"),
    ((PutAlong(),), r"layer 0 \(put_along, 'layer0'\): PutAlong takes \(data, indices, updates\); got 1 inputs"),
])
def test_a_chain_with_a_layer_of_several_inputs_names_it(layers, match):
    """a chain had handed a two-input layer one shape: "output_shape() missing 1 required positional argument" """
    with pytest.raises(ValueError, match=match):
        Network(layers, (3,))


def test_numpy_scalar_parameters_are_saved_as_plain_numbers(tmp_path):
    """Clip(np.float32(-1)) and Softmax(np.int64(-1)) had failed to save: "Object of type float32 is not JSON
    serializable" """
    clip, softmax = Clip(np.float32(-1.0), np.float64(1.0)), Softmax(np.int64(-1))
    assert type(clip.low) is float and type(softmax.axis) is int
    net = Network((clip, softmax, Slice(np.int64(0), np.int32(1), None)), (3,))
    save_network(net, tmp_path / "n.npz")
    x = np.array([[-2.0, 0.5, 3.0]])
    np.testing.assert_array_equal(load_network(tmp_path / "n.npz").forward(x), net.forward(x))
    with np.load(tmp_path / "n.npz") as data:
        assert json.loads(str(data["architecture"]))[0]["low"] == -1.0


@pytest.mark.parametrize("name", ["net.npz/", "."])
def test_save_network_refuses_a_path_that_names_a_folder(tmp_path, monkeypatch, name):
    """'net.npz/' had been written as the file net.npz (pathlib drops the separator; the CLI's -o refuses it)"""
    import re

    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match=f"network path '{re.escape(name)}' names a folder; give the path of a file"):
        save_network(Network((Dense(np.eye(2)),), (2,)), name)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("extras, match", [
    ([1, 2], "extras must be a dict of name -> array or None; got list"),
    ({"file": np.ones(2)}, "extras names must be non-empty strings other than 'file'"),
    ({"allow_pickle": np.ones(2)}, "extras names must be non-empty strings"),
    ({1: np.ones(2)}, "extras names must be non-empty strings.*got 1"),
    ({"input_shape": np.ones(2)}, "extras array 'input_shape' would overwrite"),
    ({"a": [object()]}, r"extras\['a'\] must be an array of numbers or strings"),
])
def test_save_network_names_bad_extras(tmp_path, extras, match):
    net = Network((Dense(np.ones((2, 3))),), (3,))
    with pytest.raises(ValueError, match=match):
        save_network(net, tmp_path / "m.npz", extras)
    save_network(net, tmp_path / "m.npz", {"float_accuracy": np.array(0.5)})


@pytest.mark.parametrize("shape", [64, (64.0,), (-8, -8), "64", None, (), (True,)])
def test_load_dataset_checks_input_shape(shape):
    cfg = load_config(CONFIGS / "digits-mlp.toml")
    with pytest.raises(ValueError, match="input_shape must be a tuple of positive ints"):
        load_dataset(cfg, shape)
    x, _ = load_dataset(cfg, [np.int64(8), 8])
    assert x.shape[1:] == (8, 8)


@pytest.mark.parametrize("layer", [Reshape((2, 3)), Flatten(), Slice(0, 0, 2), Affine(), Reshape((6,))])
def test_outputs_do_not_alias_the_input(layer):
    """a network of data movement alone had returned a view of the caller's input: writing the output changed it"""
    x = np.arange(12.0).reshape(2, 6)
    net = Network((layer,), (6,))
    y = net.forward(x)
    y[...] = -1.0
    np.testing.assert_array_equal(x, np.arange(12.0).reshape(2, 6))


@pytest.mark.parametrize("first", [Softmax(), LayerNorm(64)])
def test_outputs_do_not_hang_on_the_inputs_memory_layout(first):
    """a Fortran-order input had been kept in its order, so a float digital layer summed in another order (a Softmax
    -> Dense network's outputs differed in the last bits from the same values in C order)"""
    x = np.random.default_rng(0).standard_normal((300, 64)) * 3
    net = Network((first, Dense(np.random.default_rng(1).standard_normal((10, 64)))), (64,))
    np.testing.assert_array_equal(net.forward(np.asfortranarray(x)), net.forward(np.ascontiguousarray(x)))
    assert net._checked_input(np.asfortranarray(x)).flags.c_contiguous


def test_a_networks_repr_is_a_summary_not_its_weights():
    """print(network) had written every weight array (186 KB for ResNet-18)"""
    import numpy as np

    from cimsim.network import Dense, Network, ReLU

    net = Network((Dense(np.ones((400, 300))), ReLU(), Dense(np.ones((2, 400)))), (300,))
    text = repr(net)
    assert text == "Network(3 layers: 2 dense, 1 relu; input (300,) per sample; 2 matrices, 120800 weights)"
    assert str(net) == text
