"""Small defects the API probes found: a docstring example that failed on the shipped default, messages that
named a missing function, read as a running total or showed two unlabelled sizes, plot legends listing components
that are 0 in every bar, and float32 settings stored widened (0.05 as 0.05000000074505806)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "configs" / "default.toml"


def test_the_crossbar_docstring_example_runs_on_the_shipped_default():
    """default.toml has adc.range = "calibrated": the example had ended in CallOrderError (calibrate before mvm)"""
    from cimsim.config import load_config
    from cimsim.numerics import Crossbar

    config = load_config(DEFAULT)
    rng = np.random.default_rng(0)
    W = rng.uniform(-1, 1, (config.workload.out_features, config.workload.in_features))
    X = rng.uniform(-1, 1, (4, config.workload.in_features))
    steps = [line.strip()[4:] for line in Crossbar.__doc__.splitlines() if line.strip().startswith(">>> ")]
    assert len(steps) >= 3
    namespace = {"Crossbar": Crossbar, "config": config, "W": W, "X": X}
    for step in steps:
        exec(step, namespace)
    Y, exact = namespace["Y"], X @ W.T
    assert Y.shape == (4, config.workload.out_features)
    assert np.linalg.norm(Y - exact) < 0.05 * np.linalg.norm(exact)  # ideal devices, 8-bit calibrated ADCs
    assert namespace["xbar"].counts.adc_conversions > 0


def test_the_progress_message_says_what_the_callback_is_called_with():
    """the items just finished (a network's batch, a dense run's block), not a running total"""
    import cimsim
    from cimsim.argcheck import check_execution

    with pytest.raises(TypeError, match=r"progress must be a callable \(called with the number of items just "
                                        r"finished\) or None; got int 5"):
        check_execution(5, None, None)
    seen: list[int] = []
    cimsim.simulate(DEFAULT, {"workload.vectors": 40}, trials=2, progress=seen.append)
    assert seen == [40, 40]  # each trial's vectors: a running total would have read [40, 80]


def _legend_labels(bars):
    from cimsim.plots import _stacked, figure_class

    ax = figure_class()().add_subplot()
    _stacked(ax, bars, "energy (pJ)")
    legend = ax.get_legend()
    return None if legend is None else [t.get_text() for t in legend.get_texts()]


def test_breakdown_legends_leave_out_components_zero_in_every_bar():
    bars = [("cim", {"adc": 3.0, "programming": 0.0, "dram_weights": 0.0}),
            ("baseline", {"mac_units": 2.0, "programming": 0.0, "adc": 0.0})]
    assert _legend_labels(bars) == ["adc", "mac_units"]  # adc is 0 in one bar only: kept


def test_a_breakdown_of_zeros_has_no_legend_and_no_warning(recwarn):
    assert _legend_labels([("cim", {"adc": 0.0}), ("baseline", {"mac_units": 0.0})]) is None
    assert not [w for w in recwarn if "legend" in str(w.message)]


@pytest.mark.parametrize("value, stored", [(np.float32(0.05), 0.05), (np.array(0.05, dtype=np.float32), 0.05),
                                           (np.float16(0.1), 0.1), (np.float32(1e-8), 1e-8),
                                           (np.float64(0.05000000074505806), 0.05000000074505806)])
def test_narrow_numpy_floats_are_stored_by_their_shortest_repr(value, stored):
    """as --set device.program_sigma=0.05 stores them: reports, config hashes and sweep ids had differed"""
    from cimsim.config import config_to_dict, load_config, with_overrides
    from cimsim.config.load import python_scalar

    assert python_scalar(value) == stored and type(python_scalar(value)) is float
    base = with_overrides(load_config(DEFAULT), {"device.preset": "rram"})
    from_script = with_overrides(base, {"device.program_sigma": value})
    assert from_script.device.program_sigma == stored
    assert config_to_dict(from_script) == config_to_dict(with_overrides(base, {"device.program_sigma": stored}))


def test_a_model_of_the_wrong_type_is_told_the_api_that_exists():
    import cimsim.models as models
    from cimsim.config import load_preset

    with pytest.raises(TypeError, match=r"get_model\(name\), or Decoder\(\.\.\.\)\.prefill\(seq_len\) / "
                                        r"\.decode\(context\)\); got str 'gpt2-small'"):
        models.price_model(load_preset("rram-default"), "gpt2-small")
    assert not hasattr(models, "decoder") and callable(models.Decoder.prefill) and callable(models.Decoder.decode)


def test_the_dram_refusal_labels_the_total_of_weights_and_kv_caches():
    from cimsim.config.load import config_from_dict
    from cimsim.errors import ConfigError
    from cimsim.models import get_model, price_model

    config = config_from_dict({"preset": "rram-default", "baseline": {"preset": "a100"}}, "a100.toml")
    model = get_model("llama-7b", phase="decode", seq_len=2048)
    with pytest.raises(ConfigError) as err:
        price_model(config, model, chips=66, sequences=256)
    text = str(err.value)
    assert re.search(r"at 8 bits \(6\.738 GB\) and the KV caches of 256 sequence\(s\) \(137\.4 GB\), 144\.2 GB in "
                     r"all, do not fit in 'baseline\.dram_gb' \(85\.8993 GB: the value baseline preset 'a100' sets\)",
                     text), text
    assert text.count("GB)") == 2 and text.count(" GB") == 4  # weights, caches, the total once (labelled), the DRAM
    small = config_from_dict({"preset": "rram-default", "baseline": {"preset": "a100", "dram_gb": 0.01}}, "a.toml")
    with pytest.raises(ConfigError, match=r"model 'resnet18': its 11,\d{3},\d{3} parameters at 8 bits \(0\.01\d+ GB\) "
                                          r"do not fit in 'baseline\.dram_gb' \(0\.01 GB\)$"):  # no KV cache: one size
        price_model(small, get_model("resnet18"))
