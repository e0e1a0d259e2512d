"""Bad input, fifth round: a board power past any processor (1.7e308 W priced an infinite baseline energy, 5e-324 W
an infinite TOPS/W), and an estimate of a wide dense layer that generated whole 4096-vector input blocks to sample
one vector of each (in_features 131072: 4.3 GB and 30 s; the schema's largest, 1048576: "Unable to allocate 32.0
GiB")."""

from __future__ import annotations

import math
import tracemalloc

import numpy as np
import pytest
from click.testing import CliRunner

import cimsim
import cimsim.workload as workload
from cimsim.cli import main
from cimsim.config import Config, with_overrides
from cimsim.config.modes import InputSource
from cimsim.workload import INPUT_BLOCK, input_blocks, spread_inputs, spread_picks
from report_values import report_numbers

SMALL = {"workload.in_features": 16, "workload.out_features": 4, "workload.vectors": 3}


@pytest.mark.parametrize("watts", ["1.7e308", "5e-324", "2e6", "1e-7"])
def test_a_board_power_past_any_processor_is_refused_by_validation(tmp_path, watts):
    path = tmp_path / "c.toml"
    path.write_text('[workload]\nin_features = 16\nout_features = 4\nvectors = 3\n'
                    f'[baseline]\nenergy_model = "board_power"\nboard_power_w = {watts}\n')
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert "'baseline.board_power_w' must be a finite number in [1e-06, 1000000.0] (or left out)" in result.output


@pytest.mark.parametrize("watts", [1e-6, 1e6])
def test_a_board_power_at_either_bound_prices_finite_figures(watts):
    """the gains and TOPS/W of an estimate at a microwatt and a megawatt of board power are finite (the report's
    infinities are strings: read back, the probe found 'inf' energy gains there)"""
    settings = {**SMALL, "baseline.energy_model": "board_power", "baseline.board_power_w": watts}
    report = cimsim.estimate({}, settings).to_dict()
    assert all(math.isfinite(x) for x in report_numbers({k: report[k] for k in ("cim", "baseline", "gain")}))
    assert 0 < report["gain"]["energy"] < math.inf and 0 < report["baseline"]["tops_per_w"] < math.inf


def _recording_generator(monkeypatch) -> list[tuple[int, int]]:
    """the shapes workload._generate is asked for from now on, in order"""
    shapes, generate = [], workload._generate
    monkeypatch.setattr(workload, "_generate", lambda kind, rng, shape, unsigned: (
        shapes.append(shape), generate(kind, rng, shape, unsigned))[1])
    return shapes


def test_an_estimate_of_a_wide_layer_generates_only_the_input_rows_it_samples(monkeypatch):
    """2048 inputs per vector: the estimate samples 128 generated vectors (262144 values, SAMPLE_VALUES_MAX), the
    first of 4097; it had generated the whole first block (4096 x 2048) to take its first row"""
    shapes = _recording_generator(monkeypatch)
    cimsim.estimate({}, {"workload.in_features": 2048, "workload.out_features": 16, "workload.vectors": 4097})
    assert shapes == [(128, 2048)]


def test_a_sample_of_a_wide_layers_inputs_holds_a_row_per_vector_not_a_block():
    """one vector of 4096 with 16384 inputs each: 128 KiB, where the whole block it came from was 512 MiB (the
    schema's widest layer, 1048576 inputs, needed 32 GiB)"""
    config = with_overrides(Config(), {"workload.in_features": 16384, "workload.vectors": INPUT_BLOCK})
    tracemalloc.start()
    try:
        x = spread_inputs(config, 1)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert x.shape == (1, 16384) and peak < 8 * x.nbytes


@pytest.mark.parametrize("source", [s.value for s in InputSource if s != InputSource.FILE] + ["file"])
@pytest.mark.parametrize("design", [{}, {"dac.signed_inputs": "unsigned", "workload.input_zero_fraction": 0.4},
                                    {"workload.input_zero_fraction": 0.9, "simulation.seed": 4242}])
def test_the_first_rows_of_a_block_are_the_whole_blocks_first_rows(tmp_path, source, design):
    """the generators (and a file) fill a block row by row, so the rows a sample needs, generated alone, hold the
    values of the whole stream, for every input distribution a dense workload has: the estimate's figures stay"""
    settings = {"workload.in_features": 37, "workload.vectors": 2 * INPUT_BLOCK + 5, "workload.inputs": source,
                **design}
    if source == "file":
        np.save(tmp_path / "x.npy", np.random.default_rng(1).uniform(0, 1, (2 * INPUT_BLOCK + 5, 37)))
        settings["workload.inputs_file"] = str(tmp_path / "x.npy")
        settings.pop("workload.input_zero_fraction", None)  # a file's own zeros are its values
    config = with_overrides(Config(), settings)
    whole = list(input_blocks(config))
    parts = list(input_blocks(config, {0, 1, 2}, {0: 1, 1: 4000, 2: 99}))
    assert [p.shape for p in parts] == [(1, 37), (4000, 37), (5, 37)]
    assert all(np.array_equal(p, w[:len(p)]) for p, w in zip(parts, whole))
    stream = np.concatenate(whole)
    for count in (1, 2, 3, 16, 1000, 5000):
        picks = spread_picks(len(stream), count) if source == "file" else np.arange(count)
        assert np.array_equal(spread_inputs(config, count), stream[picks])


def test_a_network_file_of_another_kind_is_refused_with_the_way_to_load_it(tmp_path):
    """an ONNX model named .npz is said to look like one; a torch checkpoint (.pt) is pointed to from_torch and
    torch.onnx.export (both had been refused without a word on what the file might be)"""
    from cimsim.network import load_network

    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])])
    (tmp_path / "m.npz").write_bytes(helper.make_model(graph).SerializeToString())
    with pytest.raises(ValueError, match=r"is not a numpy file \(it starts with .*; an ONNX model\? give it the "
                                         r"\.onnx suffix\)"):
        load_network(tmp_path / "m.npz")
    assert onnx.load(str(tmp_path / "m.npz")).graph.node[0].op_type == "Relu"  # it is one
    (tmp_path / "m.pt").write_bytes(b"PK\x03\x04")
    with pytest.raises(ValueError, match=r"unknown network format '\.pt'; expected \.npz or \.onnx; a torch model: "
                                         r"import it with cimsim\.network\.from_torch\(model, example\)"):
        load_network(tmp_path / "m.pt")
