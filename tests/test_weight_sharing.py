"""Weight sharing: one matrix layer object at several places of a network is one programmed matrix, read at each."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cimsim.config import load_config, with_overrides
from cimsim.evaluation import evaluate
from cimsim.inference import simulate_network
from cimsim.models.from_network import model_from_network
from cimsim.network import Dense, Network, ReLU, load_network, save_network

ROOT = Path(__file__).resolve().parents[1]
RNG = np.random.default_rng(41)


def shared_network() -> tuple[Network, Dense]:
    """dense A, relu, dense A again (the same object), relu, a head: A is one 12 x 12 matrix read twice"""
    shared = Dense(RNG.standard_normal((12, 12)) * 0.3, RNG.standard_normal(12) * 0.1)
    head = Dense(RNG.standard_normal((10, 12)) * 0.3)
    return Network((shared, ReLU(), shared, ReLU(), head), (12,)), shared


def config(**overrides):
    """noisy reads and programming, a calibrated ADC, chunks of 40 over 150 samples"""
    return with_overrides(load_config(ROOT / "configs" / "digits-mlp.toml"),
                          {"device.preset": "pcm", "adc.range": "calibrated", "workload.vectors": 150,
                           "simulation.batch_size": 40, **overrides})


def test_a_shared_matrix_is_one_matrix_read_at_each_place():
    net, shared = shared_network()
    assert net.matrix_layers() == [shared, net.layers[4]]
    shapes = net.matrix_shapes()
    assert [(s.index, s.rows_per_sample, s.rows_per_use) for s in shapes] == [(0, 2, (1, 1)), (1, 1, (1,))]
    x = RNG.standard_normal((5, 12))
    hidden = np.maximum(np.maximum(x @ shared.weight.T + shared.bias, 0) @ shared.weight.T + shared.bias, 0)
    np.testing.assert_allclose(net.forward(x), hidden @ net.layers[4].weight.T, rtol=1e-12)
    calls = []
    net.forward(x, lambda index, layer, rows: calls.append(index) or rows @ layer.matrix.T)
    assert calls == [0, 0, 1]  # matmul is called at each place, with the matrix's one index


def test_shapes_only_model_prices_one_array_with_the_vectors_of_every_place():
    net, _ = shared_network()
    static = [op for op in model_from_network(net).ops if getattr(op, "weights", None) == "static"]
    assert [(op.in_features, op.out_features, op.vectors_per_item) for op in static] == [(12, 12, 2), (12, 10, 1)]


def test_saved_and_loaded_networks_keep_the_sharing(tmp_path):
    net, _ = shared_network()
    save_network(net, tmp_path / "shared.npz")
    back = load_network(tmp_path / "shared.npz")
    assert back.layers[0] is back.layers[2] and len(back.matrix_layers()) == 2
    x = RNG.standard_normal((3, 12))
    np.testing.assert_array_equal(back.forward(x), net.forward(x))
    saved = dict(np.load(tmp_path / "shared.npz"))
    assert "layer0.weight" in saved and "layer2.weight" not in saved


def test_a_shared_matrix_on_crossbars_is_programmed_once_and_read_at_each_place():
    """The same device draws at each place (programming keyed by the matrix), independent read noise; events
    summed over the places, the programming counted once; a split of the samples gives the same numbers"""
    net, _ = shared_network()
    x = RNG.standard_normal((150, 12))
    cfg = config()
    whole = evaluate(cfg, net, x, None, 0, 0)
    unshared = Network((Dense(net.layers[0].weight.copy(), net.layers[0].bias), ReLU(), net.layers[2], ReLU(),
                        net.layers[4]), (12,))
    apart = evaluate(cfg, unshared, x, None, 0, 0)
    reads = sum(chunk.layer_counts[0].mvms for chunk in whole.chunks)
    assert reads == 2 * 150 and len(whole.plans) == 2
    assert whole.programming_counts[0] == apart.programming_counts[0]  # one matrix's writes, not two
    late = evaluate(cfg, net, x[80:], None, 80, 0, x[:cfg.adc.calibration_vectors])  # the calibration samples
    assert late.chunks == whole.chunks[2:]


def test_the_places_of_a_shared_matrix_hold_one_programming_and_draw_their_own_read_noise():
    from cimsim.evaluation import _programmed

    net, shared = shared_network()
    cfg = config(**{"device.read_noise_sigma": 0.05})
    shape = net.matrix_shapes()[0]
    first, second = _programmed(cfg, shared, shape, trial=0)
    np.testing.assert_array_equal(first.conductances_us, second.conductances_us)  # the same device draws
    other_trial = _programmed(cfg, shared, shape, trial=1)[0]
    assert not np.array_equal(first.conductances_us, other_trial.conductances_us)  # which are random
    x = RNG.standard_normal((20, 12))
    for xbar in (first, second):
        xbar.calibrate(x)
    assert not np.array_equal(first.mvm(x), second.mvm(x))  # independent read noise


def test_two_workers_equal_one_process_with_a_shared_matrix():
    net, _ = shared_network()
    x = RNG.standard_normal((150, 12))
    one = simulate_network(config(), network=net, inputs=x)
    two = simulate_network(config(), network=net, inputs=x, workers=2)
    assert one.layers[0].counts == two.layers[0].counts and one.analog_accuracy == two.analog_accuracy
    assert one.vs_float == two.vs_float
    assert one.layers[0].vs_digital.error_sq > 0  # the noise is there


@pytest.mark.parametrize("bad", [{"shares": 5}, {"shares": 1}, {"shares": "0"}])
def test_a_bad_share_in_a_saved_network_is_refused(tmp_path, bad):
    import json
    net, _ = shared_network()
    save_network(net, tmp_path / "shared.npz")
    arrays = dict(np.load(tmp_path / "shared.npz"))
    architecture = json.loads(str(arrays["architecture"]))
    architecture[2].update(bad)
    arrays["architecture"] = np.array(json.dumps(architecture))
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(ValueError, match=r"layer 2 shares .*, which is not an earlier matrix layer of its kind"):
        load_network(tmp_path / "bad.npz")


@pytest.mark.parametrize("pipeline, balance", [("none", "none"), ("none", "replicate"), ("layer", "replicate")])
def test_a_shared_matrixs_places_take_as_long_as_copies_of_it(pipeline, balance):
    """one 32 x 32 matrix read at 8 places in a chain had taken an item 263 ns, 103 ns and 76.5 ns in these modes
    (one fill and one set of transfers for all places, copies bought that shorten none) where 8 copies of it take
    371 ns; now the same, but for the copies' farther tiles (the shared matrix sits on one tile, 1 hop away: the
    copies' 14 hops more each way, 28 ns at the 1 GHz digital clock)"""
    import cimsim
    from cimsim.cost.noc import mean_hops

    w, x = RNG.standard_normal((32, 32)) / 6, RNG.uniform(0, 1, (20, 32))
    shared = Dense(w)
    nets = Network((shared, ReLU()) * 8, (32,)), Network(sum(((Dense(w.copy()), ReLU()) for _ in range(8)), ()),
                                                         (32,))
    cfg = {"preset": "ideal", "workload": {"kind": "network", "vectors": 20}, "adc": {"range": "max"},
           "chip": {"pipeline": pipeline, "balance": balance}}
    chain, copies = (cimsim.simulate(cfg, network=net, inputs=x).cost for net in nets)
    farther = 2 * (sum(mean_hops([1] * 8)) - 8 * mean_hops([1])[0])  # ns, there and back at 1 GHz
    assert copies.item_latency_ns - farther <= chain.item_latency_ns <= copies.item_latency_ns
    if pipeline == "none":
        assert [s.copies for s in chain.stages] == [1]  # no place has a second vector for a copy to take



def test_only_a_shared_last_matrixs_last_place_leaves_the_chip_at_accumulator_width():
    """the network's last matrix read at 8 places had sent all 8 places' outputs over the mesh at accumulator width
    (21 bits), though the first 7 feed the next place at the input width (8 bits): 1.6x the mesh energy of the
    right bits, on both paths (network and shapes-only); the mesh's bit-hops now match those of 8 copies of it"""
    import cimsim
    from cimsim.cost.noc import mean_hops
    from cimsim.models import price_model

    w, x = RNG.standard_normal((32, 32)) / 6, RNG.uniform(0, 1, (20, 32))
    shared = Dense(w)
    nets = Network((shared, ReLU()) * 7 + (shared,), (32,)), Network(
        sum(((Dense(w.copy()), ReLU()) for _ in range(7)), ()) + (Dense(w.copy()),), (32,))
    outs = [32 * 8] * 7 + [32 * 21]  # bits out of each place (copy) per item; 32 x 8 bits into each
    bit_hops = sum((32 * 8 + out) * h for out, h in zip(outs, mean_hops([1] * 8))), sum(32 * 8 + out for out in outs)
    cfg = {"preset": "ideal", "workload": {"kind": "network", "vectors": 20}, "adc": {"range": "max"}}
    config = with_overrides(load_config(ROOT / "configs" / "default.toml"), {"device.preset": "ideal"})
    for price in (lambda net: cimsim.simulate(cfg, network=net, inputs=x).cost,
                  lambda net: price_model(config, model_from_network(net), items=20).cim):
        chain, copies = (price(net) for net in nets)  # the shared matrix on one tile, 1 hop away
        assert chain.energy_pj["noc"] / copies.energy_pj["noc"] == pytest.approx(bit_hops[1] / bit_hops[0], rel=1e-9)


def test_a_shared_matrixs_adc_range_spans_every_places_calibration():
    """each place calibrates its own ADC (place 1 on place 0's outputs: full scale 1184 vs 1213), but the layer had
    reported place 0's alone; the report's range now covers every place, as its clipped fraction sums them"""
    from cimsim.config.load import config_from_dict
    from cimsim.evaluation import _programmed
    from cimsim.report_json import _adc, clipped_fraction

    rng = np.random.default_rng(0)
    shared = Dense(rng.normal(0, 1, (16, 16)))
    net = Network((shared, ReLU(), shared, Dense(rng.normal(size=(4, 16)))), (16,))
    x = rng.normal(size=(40, 16))
    cfg = config_from_dict({"preset": "rram-default", "workload": {"kind": "network"},
                            "adc": {"range": "calibrated", "calibration_vectors": 40}})
    layer = simulate_network(cfg, network=net, inputs=x).layers[0]
    places = _programmed(cfg, net.matrix_layers()[0], net.matrix_shapes()[0], 0)
    scales = [places[0].calibrate(x).full_scale, places[1].calibrate(np.maximum(places[0].mvm(x), 0)).full_scale]
    assert scales[0].min() != scales[1].min()
    reported = _adc(layer.adc, clipped_fraction(layer), layer.plan)["adc_full_scale"]
    assert reported == {"min": min(s.min() for s in scales), "max": max(s.max() for s in scales)}
