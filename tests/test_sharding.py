"""A network evaluation split over processes or a Dask cluster gives the same numbers as one process."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from cimsim.cli import main
from cimsim.config import load_config, with_overrides
from cimsim.evaluation import evaluate
from cimsim.inference import simulate_network
from cimsim.network import load_network

ROOT = Path(__file__).resolve().parents[1]
RESNET = ROOT / "configs" / "digits-resnet.toml"


def config(**overrides):
    """The shipped residual CNN, noisy reads, a calibrated ADC (so later ranges must calibrate as the first does),
    150 samples in chunks of 40 (four chunks, the last short)."""
    return with_overrides(load_config(RESNET), {"adc.range": "calibrated", "device.read_noise_sigma": 0.05,
                                                "workload.vectors": 150, "simulation.batch_size": 40, **overrides})


def same_adc(a, b) -> bool:
    return all(np.array_equal(getattr(a, f), getattr(b, f)) for f in a.__dataclass_fields__)


def same(a, b) -> bool:
    return (a.samples == b.samples and (a.float_accuracy, a.digital_accuracy, a.analog_accuracy) ==
            (b.float_accuracy, b.digital_accuracy, b.analog_accuracy) and a.vs_float == b.vs_float
            and a.digital_vs_float == b.digital_vs_float
            and all(x.counts == y.counts and x.vs_digital == y.vs_digital and x.adc_clipped == y.adc_clipped
                    and same_adc(x.adc, y.adc) for x, y in zip(a.layers, b.layers)))


def test_ranges_evaluated_apart_equal_one_range():
    """In process: the chunks of a later range, evaluated alone, equal those chunks of the whole run."""
    cfg = config()
    net = load_network(cfg.workload.network_file)
    x = np.random.default_rng(0).uniform(0, 1, (150, *net.input_shape))
    whole = evaluate(cfg, net, x, None, 0, 0)
    late = evaluate(cfg, net, x[80:], None, 80, 0, x[:cfg.adc.calibration_vectors])  # the calibration samples
    assert late.chunks == whole.chunks[2:]
    assert all(same_adc(a, b) for a, b in zip(late.adcs, whole.adcs))
    with pytest.raises(ValueError, match="needs the run's first samples"):
        evaluate(cfg, net, x[80:], None, 80, 0)


def test_two_local_workers_equal_one_process():
    cfg = config()
    one = simulate_network(cfg)
    two = simulate_network(cfg, workers=2)
    assert same(one, two)
    assert one.analog_accuracy < one.digital_accuracy + 0.05  # the noise is really there: it is not all zeros
    assert any(layer.vs_digital.error_sq > 0 for layer in one.layers)


def test_dask_cluster_equals_one_process():
    distributed = pytest.importorskip("distributed")
    cfg = config(**{"workload.vectors": 80})
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, protocol="tcp",
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        remote = simulate_network(cfg, workers=2, scheduler=cluster.scheduler_address)
    assert same(simulate_network(cfg), remote)


def test_replicated_layers_split_over_workers_equal_one_process_and_keep_the_energy_sums():
    """Copies take vectors by their number in the whole run, not call by call: a split run (four chunks, the last
    short, two ranges) equals one process (it had been refused). Each copy's per-input sums are added over chunks
    and ranges and weighed once: the energy sums (array G V**2 t, cell activity) had followed the chunks in their
    last digit; the counts are the same in one chunk, in four and split over two workers."""
    cfg = config(**{"mapping.replication": 3, "device.program_sigma": 0.05, "workload.vectors": 130})
    one, split, whole = [simulate_network(with_overrides(cfg, {"simulation.batch_size": size}), workers=workers)
                         for size, workers in ((40, None), (40, 2), (130, None))]
    assert same(one, split)
    for run in (split, whole):
        assert [layer.counts for layer in run.layers] == [layer.counts for layer in one.layers]
    assert not same(one, simulate_network(config(**{"device.program_sigma": 0.05, "workload.vectors": 130})))


def test_cell_noise_path_split_over_workers_equals_one_process():
    """read noise drawn cell by cell is keyed by vector, as the output-referred path's (it had drawn from
    one generator in turn, so a split run was refused and the chunking moved its numbers: an api probe)"""
    settings = {"adc.range": "calibrated", "device.read_noise_sigma": 0.05, "workload.vectors": 50,
                "simulation.batch_size": 20}
    output = with_overrides(load_config(ROOT / "configs" / "digits-mlp.toml"), settings)
    cfg = with_overrides(output, {"device.read_noise_path": "cell"})
    one, split = simulate_network(cfg), simulate_network(cfg, workers=2)
    assert same(one, split)
    whole = simulate_network(with_overrides(cfg, {"simulation.batch_size": 50}))
    assert [(x.adc_clipped, x.vs_digital) for x in whole.layers] == [(x.adc_clipped, x.vs_digital) for x in one.layers]
    assert not same(one, simulate_network(output))


def test_cli_splits_networks_only():
    runner = CliRunner()
    result = runner.invoke(main, ["run", str(ROOT / "configs" / "default.toml"), "--workers", "2"])
    assert result.exit_code == 2 and "--workers splits a network's samples; " in result.output
    assert "default.toml's workload is 'dense'" in result.output and "--scheduler" not in result.output
    # a network beside the dense layer: the refusal alone, no warning on --workers before it (a cli probe)
    result = runner.invoke(main, ["compare", str(ROOT / "configs" / "digits-mlp.toml"),
                                  str(ROOT / "configs" / "default.toml"), "--workers", "1"])
    assert result.exit_code == 2 and "warning" not in result.output, result.output
