"""Grid sampling of the maps a batch-1 export stacks in its batch axis (multi-head deformable attention: torch merges
batch and heads; RAFT's correlation pyramid), and a Gather at positions computed from the activations (CLIP's text
pooler, x[arange(b), ids.argmax(-1)]): both imported, within float32 rounding of torch and of onnx's reference
evaluator; the refusals that remain name the shapes they got, or a way forward. Needs torch and onnx (CI installs
them; elsewhere the tests skip, saying why)."""

from __future__ import annotations

import numpy as np
import pytest

from extras import torch_or_skip

torch = torch_or_skip()
from onnx import TensorProto, helper, numpy_helper  # noqa: E402
from onnx.reference import ReferenceEvaluator  # noqa: E402
from torch import nn  # noqa: E402

from cimsim.network import GridSample  # noqa: E402
from cimsim.network.onnx_import import network_from_onnx  # noqa: E402
from cimsim.network.torch_import import from_torch  # noqa: E402

RNG = np.random.default_rng(61)


def _close_to_torch(model: nn.Module, x: np.ndarray):
    """from_torch(model, x), its forward pass checked against torch's (within float32 rounding)"""
    net = from_torch(model, x)
    with torch.no_grad():
        want = model(torch.tensor(x, dtype=torch.float32)).double().numpy()
    got = net.forward(x)
    assert got.shape == want.shape
    assert np.abs(got - want).max() <= 1e-5 * np.abs(want).max()
    return net


class DeformableHeads(nn.Module):
    """Deformable attention's sampling (Hugging Face's multi_scale_deformable_attention, one level): each head's
    value map (batch x heads, head_dim, h, w) read at offsets computed from the queries, weighted and summed"""

    def __init__(self, heads: int, d: int = 8, points: int = 2):
        super().__init__()
        self.heads, self.points = heads, points
        self.value, self.offsets = nn.Linear(d, d), nn.Linear(d, heads * points * 2)
        self.weights, self.out = nn.Linear(d, heads * points), nn.Linear(d, d)

    def forward(self, x):  # x: (batch, d, h, w)
        b, d, h, w = x.shape
        tokens = x.flatten(2).transpose(1, 2)  # (b, h w, d)
        value = self.value(tokens).transpose(1, 2).reshape(b * self.heads, d // self.heads, h, w)
        grid = torch.tanh(self.offsets(tokens)).view(b, h * w, self.heads, self.points, 2)
        grid = grid.transpose(1, 2).flatten(0, 1)  # (b heads, h w, points, 2)
        sampled = nn.functional.grid_sample(value, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
        weights = self.weights(tokens).view(b, h * w, self.heads, self.points).softmax(-1)
        weights = weights.transpose(1, 2).reshape(b * self.heads, 1, h * w, self.points)
        mixed = (sampled * weights).sum(-1).view(b, d, h * w)
        return self.out(mixed.transpose(1, 2))


@pytest.mark.parametrize("heads", [1, 2, 4])
def test_deformable_attention_with_several_heads_imports(heads):
    """with 1 head the maps are one per sample; with more, the export stacks them (was refused: 'a constant or
    another rank')"""
    torch.manual_seed(61)
    net = _close_to_torch(DeformableHeads(heads).eval(), RNG.standard_normal((2, 8, 3, 4)))
    assert "gridsample" in [layer.kind for layer in net.layers]


class StackedWarp(nn.Module):
    """two 2-channel maps per sample moved into the batch axis, each read at a grid computed from itself"""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 3, padding=1)

    def forward(self, x):
        b = x.shape[0]
        y = self.conv(x).reshape(b * 2, 2, 6, 5)
        grid = torch.tanh(y[:, :2].permute(0, 2, 3, 1))
        return nn.functional.grid_sample(y, grid, padding_mode="border", align_corners=True).reshape(b, 4, 6, 5)


def test_maps_stacked_in_the_batch_axis_are_each_sampled_at_their_grid():
    torch.manual_seed(62)
    _close_to_torch(StackedWarp().eval(), RNG.standard_normal((3, 4, 6, 5)))


def test_the_layer_reads_a_stack_of_maps_as_each_map_alone():
    """(n, C, H, W) maps at (n, Ho, Wo, 2) grids per sample: map k at grid k, as n samples of one map each"""
    layer = GridSample("bilinear", "reflection", False)
    x, grid = RNG.standard_normal((2, 3, 4, 5, 6)), RNG.uniform(-1.3, 1.3, (2, 3, 7, 2, 2))
    assert layer.output_shape(x.shape[1:], grid.shape[1:]) == (3, 4, 7, 2)
    assert layer.work(x.shape[1:], grid.shape[1:]) == 4 * 3 * 4 * 7 * 2
    alone = layer(x.reshape(6, 4, 5, 6), grid.reshape(6, 7, 2, 2)).reshape(2, 3, 4, 7, 2)
    np.testing.assert_array_equal(layer(x, grid), alone)
    with pytest.raises(ValueError, match=r"with n grids\) at a \(height, width, 2\) grid per sample; got "
                                         r"\(3, 4, 5, 6\) and \(2, 7, 2, 2\)"):
        layer.output_shape((3, 4, 5, 6), (2, 7, 2, 2))


def _stacked_model(grid: np.ndarray | None, rank: int = 4, constant_map: bool = False):
    """x (1, 4, 5, 6) -> two maps (2, 2, 5, 6) -> GridSample (opset 20) at ``grid`` (a constant; None: the first two channels
    of each map, moved last) -> (1, 4, Ho, Wo)"""
    shape, ho, wo = [2, 2, 5, 6] + [1] * (rank - 4), *(grid.shape[1:3] if grid is not None else (5, 6))
    nodes = [helper.make_node("Reshape", ["x", "stack"], ["maps"]),
             helper.make_node("Transpose", ["maps"], ["g"], perm=[0, 2, 3, 1] + [4] * (rank - 4)),
             helper.make_node("GridSample", ["m" if constant_map else "maps", "g" if grid is None else "c"], ["s"],
                              mode="linear", padding_mode="zeros", align_corners=0),
             helper.make_node("Reshape", ["s", "back"], ["y"])]
    inits = [numpy_helper.from_array(np.array(shape, np.int64), "stack"),
             numpy_helper.from_array(np.array([1, 4, ho, wo], np.int64), "back"),
             numpy_helper.from_array(RNG.standard_normal((2, 2, 5, 6)).astype(np.float32), "m")]
    if grid is not None:
        inits.append(numpy_helper.from_array(grid.astype(np.float32), "c"))
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 5, 6])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)])


@pytest.mark.parametrize("grid, kind", [
    (None, "gridsample"),
    (np.repeat(RNG.uniform(-1.2, 1.2, (1, 3, 4, 2)), 2, axis=0), "interpolate"),  # one warp for both maps
    (RNG.uniform(-1.2, 1.2, (2, 3, 4, 2)), "gridsample")])  # a warp per map: read as a Constant layer
def test_onnx_grid_sample_of_stacked_maps(grid, kind):
    model = _stacked_model(grid)
    net = network_from_onnx(model)
    x = RNG.uniform(-1, 1, (1, 4, 5, 6))
    want = ReferenceEvaluator(model).run(None, {"x": x.astype(np.float32)})[0]
    np.testing.assert_allclose(net.forward(x), want, rtol=1e-5, atol=1e-6)
    assert kind in [layer.kind for layer in net.layers]


def test_grid_sample_refusals_state_the_shapes():
    with pytest.raises(ValueError, match=r"a \(batch, channels, height, width\) map at a \(batch, height, width, 2\) "
                                         r"grid .*got shapes \[2, 2, 5, 6, 1\] and \[2, 5, 6, 2, 1\]"):
        network_from_onnx(_stacked_model(None, rank=5))
    with pytest.raises(ValueError, match=r"input 0 is a constant of shape \[2, 2, 5, 6\]"):
        network_from_onnx(_stacked_model(None, constant_map=True))


class Pool(nn.Module):
    """the hidden state at a position computed from the input, per sample (CLIP's text pooler)"""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(8, 8)

    def forward(self, x):  # (batch, tokens, 8)
        h = self.lin(x)
        return h[torch.arange(h.shape[0]), x[..., 0].argmax(-1)]


def test_a_selection_at_computed_positions_imports():
    """was refused: 'Gather needs constant indices, or ids (an activation) indexing a constant table'"""
    torch.manual_seed(63)
    net = _close_to_torch(Pool().eval(), RNG.standard_normal((4, 6, 8)))
    assert "take_along" in [layer.kind for layer in net.layers]


def _computed_gather(batch: int, axis: int):
    """x (batch, 3, 6, 4) gathered along ``axis`` at its argmax along that axis (of x's shape less that axis), less
    6 (negative indices: counted from the end) where ``axis`` is 2"""
    nodes = [helper.make_node("ArgMax", ["x"], ["i"], axis=axis, keepdims=0),
             helper.make_node("Sub", ["i", "six"], ["j"]),
             helper.make_node("Gather", ["x", "j" if axis == 2 else "i"], ["y"], axis=axis)]
    inits = [numpy_helper.from_array(np.array(6, np.int64), "six")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, 3, 6, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


@pytest.mark.parametrize("axis", [1, 2, 3])
def test_onnx_gather_at_computed_indices(axis):
    """any axis (the data's axes before it, the indices', the data's after), negative indices too, as onnx's
    reference evaluator"""
    model = _computed_gather(1, axis)
    net = network_from_onnx(model)
    x = RNG.uniform(-1, 1, (1, 3, 6, 4))
    want = ReferenceEvaluator(model).run(None, {"x": x.astype(np.float32)})[0]
    assert net.output_shape == want.shape[1:]
    np.testing.assert_allclose(net.forward(x), want, rtol=1e-6, atol=0)


def test_a_gather_at_computed_indices_of_a_batch_names_a_way_forward():
    """at a fixed batch of 2 the indices' batch axis lands inside each sample's result"""
    with pytest.raises(ValueError, match="written with torch.gather, an ONNX GatherElements, is imported"):
        network_from_onnx(_computed_gather(2, 1))


@pytest.mark.parametrize("r, batch_dims", [(1, 0), (2, 0), (3, 0), (1, 1), (2, 1), (2, 2)])
def test_onnx_gather_nd_at_computed_indices(r, batch_dims):
    """GatherND of an activation at indices computed from it (torch's dynamo export of CLIP's pooler,
    x[arange(b), ids.argmax(-1)]) had been refused ("GatherND needs ... constant indices"); one TakeAlong per index
    component, against onnx's reference evaluator"""
    shape = [1, 3, 4, 5, 2]
    need = shape[:batch_dims] + [2, r]
    count = int(np.prod(need))
    nodes = [helper.make_node("Flatten", ["x"], ["f"], axis=0), helper.make_node("Slice", ["f", "s", "e", "a"], ["fs"]),
             helper.make_node("Reshape", ["fs", "shp"], ["v"]), helper.make_node("Abs", ["v"], ["av"]),
             helper.make_node("Mul", ["av", "big"], ["m"]), helper.make_node("Cast", ["m"], ["mi"], to=TensorProto.INT64),
             helper.make_node("Mod", ["mi", "mods"], ["i"]),
             helper.make_node("GatherND", ["x", "i"], ["y"], batch_dims=batch_dims)]
    inits = [numpy_helper.from_array(np.array(v, dtype), key) for key, v, dtype in (
        ("s", [0], np.int64), ("e", [count], np.int64), ("a", [1], np.int64), ("shp", need, np.int64),
        ("big", 100.0, np.float32), ("mods", shape[batch_dims:batch_dims + r], np.int64))]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    x = np.random.default_rng(r + 10 * batch_dims).uniform(-1, 1, shape)
    want = ReferenceEvaluator(model).run(None, {"x": x.astype(np.float32)})[0]
    got = network_from_onnx(model).forward(x)
    np.testing.assert_allclose(got.reshape(want.shape), want, rtol=1e-6, atol=1e-6)
