"""GridSample against a per-point loop written from torch's grid_sample definition, its constant-grid matrix, the
ONNX operator and the torch import (spatial transformers, fixed warps)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from cimsim.network import Conv2d, Flatten, GridSample, Network, load_network, save_network

RNG = np.random.default_rng(60)
COMBOS = list(itertools.product(["bilinear", "nearest"], ["zeros", "border", "reflection"], [False, True]))


def _source(g: float, size: int, padding: str, align: bool) -> float:
    """torch's grid_sampler_compute_source_index for one value"""
    p = (g + 1) / 2 * (size - 1) if align else ((g + 1) * size - 1) / 2
    if padding == "reflection":
        low, span = (0.0, size - 1.0) if align else (-0.5, float(size))
        if span <= 0:
            return 0.0
        d = abs(p - low)
        flips, extra = math.floor(d / span), math.fmod(d, span)
        p = extra + low if flips % 2 == 0 else span - extra + low
    if padding != "zeros":
        p = min(max(p, 0.0), size - 1.0)
    return p


def grid_sample_loop(x, grid, mode, padding, align):
    n, c, h, w = x.shape
    out = np.zeros((n, c) + grid.shape[1:3])

    def pixel(b, row, col):
        return x[b, :, row, col] if 0 <= row < h and 0 <= col < w else np.zeros(c)

    for b, i, j in itertools.product(range(n), range(grid.shape[1]), range(grid.shape[2])):
        gx, gy = grid[b, i, j]
        if not (math.isfinite(gx) and math.isfinite(gy)):
            continue
        px, py = _source(gx, w, padding, align), _source(gy, h, padding, align)
        if mode == "nearest":
            out[b, :, i, j] = pixel(b, int(np.rint(py)), int(np.rint(px)))
            continue
        x0, y0 = math.floor(px), math.floor(py)
        fx, fy = px - x0, py - y0
        out[b, :, i, j] = ((1 - fy) * (1 - fx) * pixel(b, y0, x0) + (1 - fy) * fx * pixel(b, y0, x0 + 1)
                           + fy * (1 - fx) * pixel(b, y0 + 1, x0) + fy * fx * pixel(b, y0 + 1, x0 + 1))
    return out


@pytest.mark.parametrize("mode, padding, align", COMBOS)
def test_grid_sample_equals_the_loop_and_its_matrix(mode, padding, align):
    """points inside, on the corners, outside (-1.6..1.6) and not finite (they read zero); the constant-grid matrix
    gives the same values for one sample"""
    x, grid = RNG.standard_normal((2, 3, 5, 7)), RNG.uniform(-1.6, 1.6, (2, 4, 6, 2))
    grid[0, 0, 0], grid[1, 1, 1], grid[1, 2, 2] = (1.0, -1.0), (0.0, 0.0), (np.nan, 0.3)
    layer = GridSample(mode, padding, align)
    y = layer(x, grid)
    np.testing.assert_allclose(y, grid_sample_loop(x, grid, mode, padding, align), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose((x[0].reshape(3, -1) @ layer.matrix(grid[0], 5, 7).T).reshape(3, 4, 6), y[0],
                               rtol=1e-12, atol=1e-12)
    assert layer.work((3, 5, 7), (4, 6, 2)) == (4 if mode == "bilinear" else 1) * 3 * 4 * 6


def test_grid_sample_matches_torch():
    torch = pytest.importorskip("torch")
    x, grid = RNG.standard_normal((2, 3, 5, 7)), RNG.uniform(-1.6, 1.6, (2, 4, 6, 2))
    for mode, padding, align in COMBOS:
        want = torch.nn.functional.grid_sample(torch.tensor(x), torch.tensor(grid), mode=mode, padding_mode=padding,
                                               align_corners=align).numpy()
        np.testing.assert_allclose(GridSample(mode, padding, align)(x, grid), want, rtol=1e-12, atol=1e-12)


def test_grid_sample_checks_its_arguments():
    with pytest.raises(ValueError, match="GridSample mode must be one of bilinear, nearest; got 'bicubic'"):
        GridSample("bicubic")
    with pytest.raises(ValueError, match="GridSample padding_mode must be one of zeros, border, reflection"):
        GridSample(padding_mode="wrap")
    with pytest.raises(ValueError, match=r"a \(height, width, 2\) grid per sample; got \(3, 5, 7\) and \(4, 6, 3\)"):
        GridSample().output_shape((3, 5, 7), (4, 6, 3))


def test_a_network_with_grid_sampling_saves_and_loads(tmp_path):
    """the grid computed from the input (a convolution to 2 channels, moved last), then a convolution"""
    from cimsim.network import Transpose

    net = Network((Conv2d(RNG.standard_normal((2, 3, 1, 1)) * 0.3), Transpose((1, 2, 0)), GridSample(),
                   Conv2d(RNG.standard_normal((2, 3, 3, 3))), Flatten()), (3, 5, 7),
                  inputs=((0,), (1,), (0, 2), (3,), (4,)))
    x = RNG.standard_normal((2, 3, 5, 7))
    assert net.shapes()[3] == (3, 5, 7)
    save_network(net, tmp_path / "stn.npz")
    np.testing.assert_array_equal(load_network(tmp_path / "stn.npz").forward(x), net.forward(x))


@pytest.mark.parametrize("mode, opset", [("bilinear", 17), ("linear", 20), ("nearest", 17)])
def test_onnx_grid_sample(mode, opset):
    """GridSample of a computed grid (a layer) and of a constant one (the linear map it is), within float32 of onnx's
    reference evaluator"""
    pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper
    from onnx.reference import ReferenceEvaluator

    from cimsim.network.onnx_import import network_from_onnx

    grid = RNG.uniform(-1.2, 1.2, (1, 4, 6, 2)).astype(np.float32)

    def model(constant: bool, mode: str, opset: int):
        nodes = [helper.make_node("Transpose", ["x"], ["xt"], perm=[0, 2, 3, 1]),
                 helper.make_node("Slice", ["xt", "starts", "ends", "axes"], ["g"]),  # 2 channels as the grid
                 helper.make_node("GridSample", ["x", "c" if constant else "g"], ["y"], mode=mode,
                                  padding_mode="border", align_corners=1)]
        inits = [numpy_helper.from_array(np.array(a, np.int64), n) for n, a in
                 (("starts", [0, 0, 0, 0]), ("ends", [1, 4, 6, 2]), ("axes", [0, 1, 2, 3]))]
        inits.append(numpy_helper.from_array(grid, "c"))
        graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 5, 7])],
                                  [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
        return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])

    for constant in (False, True):
        net = network_from_onnx(model(constant, mode, opset))
        x = RNG.uniform(-1, 1, (1, 3, 5, 7))
        reference = model(constant, {"bilinear": "linear"}.get(mode, mode), 20)  # the evaluator knows opset 20's
        want = ReferenceEvaluator(reference).run(None, {"x": x.astype(np.float32)})[0]
        np.testing.assert_allclose(net.forward(x), want, rtol=1e-5, atol=1e-6)
        assert ("interpolate" if constant else "gridsample") in [layer.kind for layer in net.layers]
