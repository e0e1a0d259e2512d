"""simulate(): streaming, reproducibility and the data it reads."""

from __future__ import annotations

import numpy as np

from cimsim.config import load_preset, with_overrides
from cimsim.run import simulate
from cimsim.workload import INPUT_BLOCK, input_blocks, load_weights


def small(**overrides):
    base = {"workload.in_features": 48, "workload.out_features": 10, "workload.vectors": 120,
            "adc.bits": 6, "array.rows_per_read": 16}
    return with_overrides(load_preset("rram-default"), {**base, **overrides})


def test_results_do_not_depend_on_chunk_size():
    a = simulate(small(**{"simulation.batch_size": 7}))
    b = simulate(small(**{"simulation.batch_size": 4096}))
    assert a.vs_float == b.vs_float and a.vs_digital == b.vs_digital
    assert a.counts == b.counts and (a.adc.lsb == b.adc.lsb).all()


def test_same_seed_same_numbers_other_seed_other_numbers():
    a, b = simulate(small()), simulate(small())
    c = simulate(small(**{"simulation.seed": 1}))
    assert a.vs_float == b.vs_float and a.counts == b.counts
    assert a.vs_float != c.vs_float


def test_input_stream_is_blockwise_and_seeded():
    cfg = small(**{"workload.vectors": INPUT_BLOCK + 5})
    blocks = list(input_blocks(cfg))
    assert [len(b) for b in blocks] == [INPUT_BLOCK, 5]
    again = np.concatenate(list(input_blocks(cfg)))
    np.testing.assert_array_equal(np.concatenate(blocks), again)
    assert np.abs(again).max() <= 1.0
    w = load_weights(cfg)
    assert w.shape == (10, 48) and np.abs(w).max() <= 1.0


def test_accuracy_stats_are_consistent():
    r = simulate(small())
    assert r.digital_vs_float.relative_error < r.vs_float.relative_error  # the analog path adds error
    assert r.vs_float.outputs == 120 * 10
    assert 0 <= r.clipped_fraction <= 1
    assert r.counts.mvms == 120 and r.programming_counts.cell_writes > 0


def test_calibrated_range_comes_from_the_first_vectors():
    cfg = small(**{"adc.range": "calibrated", "adc.percentile": 100.0, "adc.calibration_vectors": 120})
    r = simulate(cfg)
    assert r.adc_clipped == 0
    assert (r.adc.full_scale < simulate(small(**{"adc.range": "max"})).adc.full_scale).all()


def test_unsigned_inputs_are_generated_non_negative_and_files_checked(tmp_path):
    import pytest

    from cimsim.errors import ConfigError

    for kind in ("uniform", "normal"):
        cfg = small(**{"dac.signed_inputs": "unsigned", "workload.inputs": kind})
        x = np.concatenate(list(input_blocks(cfg)))
        assert x.min() >= 0.0 and x.max() > 0.5
        if kind == "normal":  # the magnitudes of the signed draws
            signed = np.concatenate(list(input_blocks(small(**{"workload.inputs": kind}))))
            np.testing.assert_array_equal(np.abs(signed), x)
    r = simulate(small(**{"dac.signed_inputs": "unsigned", "dac.input_bits": 4}))
    assert r.vs_digital.relative_error < 0.5
    path = tmp_path / "x.npy"
    np.save(path, np.full((120, 48), -0.5))
    cfg = small(**{"dac.signed_inputs": "unsigned", "workload.inputs": "file", "workload.inputs_file": str(path)})
    with pytest.raises(ConfigError, match="negative values.*unsigned"):
        list(input_blocks(cfg))


def test_an_estimate_that_does_not_fit_the_chip_is_refused_before_anything_is_counted(monkeypatch):
    """the documented largest layer (2**20 x 2**20) on the default chip: refused naming chip.tiles before its
    inputs are sampled or its counts made (which had taken most of a minute to then refuse it); a network too"""
    import pytest

    import cimsim
    from cimsim import comparison
    from cimsim.errors import ConfigError

    def must_not_run(*args, **kwargs):
        raise AssertionError("sampled or counted a workload that does not fit the chip")

    for name in ("analytic_counts", "measured_data", "input_samples"):
        monkeypatch.setattr(comparison, name, must_not_run)
    huge = {"workload.in_features": 1 << 20, "workload.out_features": 1 << 20}
    with pytest.raises(ConfigError, match=r"'chip.tiles': the workload needs 1398102 tiles .* the chip has 168"):
        cimsim.estimate("configs/default.toml", huge)
    with pytest.raises(ConfigError, match=r"'chip.tiles': the workload needs 2 tiles .* the chip has 1"):
        cimsim.estimate("configs/digits-mlp.toml", {"chip.tiles": 1})
