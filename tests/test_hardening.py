"""Hardening findings, one test each: bad input ends in a clear error naming the file and field, never a
traceback, a hang or a silent wrong answer; a config that validates also runs."""

from __future__ import annotations

import dataclasses
import json
import math
import os
import re
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import cimsim
from cimsim.cli import main
from cimsim.comparison import gains, price_from_shapes
from cimsim.config import load_config, with_overrides
from cimsim.config.conditional import CONDITIONAL_FIELDS
from cimsim.config.rules import Float
from cimsim.config.schema import SECTIONS
from cimsim.errors import ConfigError
from cimsim.network import Network, ReLU, save_network
from cimsim.numerics import Crossbar

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "configs" / "default.toml"
MLP = ROOT / "configs" / "digits-mlp.toml"


def cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def write(tmp_path, text: str, name: str = "c.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def default_with(old: str, new: str) -> str:
    text = DEFAULT.read_text()
    assert old in text
    return text.replace(old, new, 1)


def mlp_with(old: str, new: str) -> str:
    text = MLP.read_text().replace("../src", str(ROOT / "src"))
    assert old in text
    return text.replace(old, new, 1)


def assert_clean(result, code: int, *fragments: str) -> None:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in result.output, result.output


# ---- values ------------------------------------------------------------------------------------------------
def test_huge_integer_in_a_float_field(tmp_path):
    path = write(tmp_path, default_with("g_max_us = 10.0", "g_max_us = 1" + "0" * 400))
    assert_clean(cli("validate", path), 2, "'device.g_max_us' must be a finite number in [1e-06, 1000000.0]; got an "
                                           "integer of about 401 digits")
    with pytest.raises(ConfigError, match="device.g_max_us"):
        with_overrides(load_config(DEFAULT), {"device.g_max_us": 10**400})
    with pytest.raises(ConfigError, match="simulation.seed"):
        with_overrides(load_config(DEFAULT), {"simulation.seed": 10**5000})  # beyond str()'s digit limit


@pytest.mark.parametrize("field", ["tile_buffer_kib", "global_buffer_kib"])
def test_a_buffer_below_a_byte_is_refused_by_validation(tmp_path, field):
    """a buffer of 1e-300 KiB validated, and the run then failed on 0 bytes without naming the field (a probe of every
    float field at 5e-324 and 1e-300, 2026-12-01)"""
    path = write(tmp_path, f'preset = "ideal"\n[workload]\nin_features = 64\nout_features = 32\nvectors = 16\n'
                           f'[chip]\n{field} = 1e-300\n')
    assert_clean(cli("validate", path), 2,
                 f"'chip.{field}' must be a finite number in [1.0, 1000000000.0]; got 1e-300")


@pytest.mark.parametrize("field", ["technology.clock_ghz", "baseline.clock_ghz"])
def test_a_clock_below_a_kilohertz_is_refused_by_validation(tmp_path, field):
    """technology.clock_ghz = 5e-324 ran and reported an infinite latency and leakage energy and a 'nan %' share (the
    same probe)"""
    section, name = field.split(".")
    path = write(tmp_path, f'preset = "ideal"\n[{section}]\n{name} = 5e-324\n')
    assert_clean(cli("validate", path), 2, f"'{field}' must be a finite number in [1e-06, 10.0]; got 5e-324")


@pytest.mark.parametrize("field, value, limit", [
    ("device.g_max_us", 1e300, "[1e-06, 1000000.0]"), ("device.read_pulse_ns", 1.7e308, "[0.001, 1000000000.0]"),
    ("baseline.sram_kib", 1.7e308, "[1.0, 1000000000.0]"), ("chip.tile_buffer_kib", 1.7e308, "[1.0, 1000000000.0]"),
    ("chip.global_buffer_kib", 1.7e308, "[1.0, 1000000000.0]")])
def test_quantities_past_any_hardware_are_refused_by_validation(tmp_path, field, value, limit):
    """The same probe at 1e300 and 1.7e308: cells of 1e300 uS and pulses of 1.7e308 ns ran and reported infinite
    energies; buffers of 1.7e308 KiB failed inside the run (an OverflowError as an internal error, or a capacity of
    inf bytes without the field's name)."""
    section, name = field.split(".")
    path = write(tmp_path, f'preset = "ideal"\n[{section}]\n{name} = {value!r}\n')
    assert_clean(cli("validate", path), 2, f"'{field}' must be a finite number in {limit}; got {value!r}")


COMPANIONS = {"adc.full_scale_fraction": {"adc.range": "fixed"}, "dac.input_max": {"dac.input_range": "fixed"},
              "array.cell_capacitance_ff": {"array.family": "charge"},
              "baseline.board_power_w": {"baseline.energy_model": "board_power"},
              "device.program_verify_tolerance": {"device.program_sigma": 0.1},
              "device.g_max_us": {"device.g_min_us": 0.0}, "adc.enob": {"adc.bits": 16},
              "device.drift_time_s": {"device.drift_t0_s": 1e-9}, "device.drift_nu": {"device.drift_time_s": 1e6},
              "device.drift_nu_sigma": {"device.drift_time_s": 1e6}}
"""the settings under which a field is read (a conditional field's condition: set alone, it had been refused as
stated where ignored and never priced), or that its extremes need (g_max above g_min, enob within the bits, the
reads after t0)"""
REFUSED_ENDS = {("device.g_min_us", "high"), ("baseline.dram_gb", "low")}
"""ends no companion makes valid, refused by a rule between fields naming the field: g_min at g_max's top, a DRAM
that holds no layer's weights (a drift t0 after the reads is idle without drift, and priced)"""


def _float_extremes():
    """every float field of the schema at both ends of its range (the largest finite float where it has no end)"""
    for section, cls in SECTIONS.items():
        for f in dataclasses.fields(cls):
            rule = f.metadata.get("rule")
            if isinstance(rule, Float):
                low = -1.7e308 if rule.low is None else (
                    math.nextafter(rule.low, math.inf) if rule.low_open else rule.low)
                high = 1.7e308 if rule.high is None else (
                    math.nextafter(rule.high, -math.inf) if rule.high_open else rule.high)
                yield pytest.param(f"{section}.{f.name}", low, "low", id=f"{section}.{f.name}=low")
                yield pytest.param(f"{section}.{f.name}", high, "high", id=f"{section}.{f.name}=high")


def _figures(obj, path=""):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _figures(v, f"{path}.{k}")
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            yield from _figures(v, f"{path}[{i}]")
    elif isinstance(obj, float):
        yield path, obj


@pytest.mark.parametrize("field, value, end", list(_float_extremes()))
def test_every_float_field_at_an_end_of_its_range_prices_finitely_or_is_refused_by_name(field, value, end):
    """A value the schema takes prices to finite figures (the CIM design, the baseline and the gains, from shapes;
    only an SNR may be infinite), with the settings that make the field read (``COMPANIONS``); only the ends of
    ``REFUSED_ENDS`` are refused, naming the field: the probe of 2026-12-01 found buffers, clocks, bandwidths,
    conductances, pulses and die areas whose extremes validated and then divided by zero or overflowed, that of
    2026-12-03 a board power of 1.7e308 W (infinite baseline energy) the field set alone had never reached"""
    base = with_overrides(load_config(DEFAULT), {"workload.vectors": 16})
    if (field, end) in REFUSED_ENDS:
        with pytest.raises(ConfigError, match=re.escape(f"'{field}'")):
            price_from_shapes(with_overrides(base, {**COMPANIONS.get(field, {}), field: value}))
        return
    config = with_overrides(base, {**COMPANIONS.get(field, {}), field: value})
    applies = CONDITIONAL_FIELDS.get(field, (lambda c: True,))[0]
    assert applies(config), f"{field} is not read under {COMPANIONS.get(field)}: add its condition to COMPANIONS"
    cim, baseline = price_from_shapes(config)
    figures = [*_figures(cim.as_dict()), *_figures(baseline.as_dict()), *_figures(gains(cim, baseline))]
    assert not [(p, v) for p, v in figures if not math.isfinite(v) and "snr" not in p.lower()]


def test_a_subnormal_top_conductance_is_refused(tmp_path):
    """fuzz seed 20261209, case 4968: g_max_us = 5e-324 passed validation, and its level step (g_max / 3) came out 0,
    so programming divided by zero"""
    path = write(tmp_path, 'preset = "ideal"\n[workload]\nin_features = 64\nout_features = 32\nvectors = 16\n'
                           '[device]\ng_max_us = 5e-324\n')
    assert_clean(cli("run", path), 2, "'device.g_max_us' must be a finite number in [1e-06, 1000000.0]; got 5e-324")


def test_numpy_scalars_are_accepted_as_numbers():
    cfg = with_overrides(load_config(DEFAULT), {"adc.bits": np.int64(6), "device.g_max_us": np.float32(20.0)})
    assert cfg.adc.bits == 6 and type(cfg.adc.bits) is int and cfg.device.g_max_us == 20.0
    with pytest.raises(ConfigError, match="adc.bits"):
        with_overrides(load_config(DEFAULT), {"adc.bits": np.bool_(True)})


def test_deeply_nested_toml(tmp_path):
    path = write(tmp_path, "x = " + "[" * 1000 + "]" * 1000 + "\n" + DEFAULT.read_text())
    assert_clean(cli("validate", path), 2, "nested too deeply")


def test_an_integer_past_pythons_digit_limit_is_refused_as_invalid_toml(tmp_path):
    """tomllib raises a bare ValueError (saying to raise sys.set_int_max_str_digits) for an integer past 4300 digits:
    a config, a sweep spec and a --set value name it as too long, exit 2"""
    huge = "1" + "0" * 5000
    path = write(tmp_path, default_with("[adc]", f"[adc]\noffset_lsb = {huge}"))
    assert_clean(cli("validate", path), 2, "invalid TOML: an integer of more than 4300 digits")
    with pytest.raises(ConfigError, match="more than 4300 digits"):
        load_config(path)
    spec = tmp_path / "spec.toml"
    spec.write_text(f'base = "{DEFAULT}"\nkind = "analytic"\nmode = "grid"\n[axes]\n"adc.bits" = [4, {huge}]\n')
    assert_clean(cli("sweep", spec, "-o", tmp_path / "s.csv"), 2, "more than 4300 digits")
    assert_clean(cli("validate", DEFAULT, "--set", f"adc.offset_lsb={huge}"), 2, "more than 4300 digits")
    assert cli("validate", DEFAULT, "--set", f"name={huge}").exit_code == 0  # a text field takes the words given
    assert_clean(cli("validate", DEFAULT, "--set", f"preset={huge}"), 2, "cannot be given as an override")


@pytest.mark.parametrize("typed, suggested", [("[adc]\nBITS = 8", "'adc.bits'"), ("[WORKLOAD]", "'workload'")])
def test_wrong_case_key_is_suggested(tmp_path, typed, suggested):
    old = "[adc]" if typed.startswith("[adc]") else "[workload]"
    path = write(tmp_path, default_with(old, typed if old == "[adc]" else typed))
    assert_clean(cli("validate", path), 2, f"did you mean {suggested}? (keys are lower case)")


def test_many_unknown_keys_are_fast_and_counted(tmp_path):
    keys = "\n".join(f"k{i} = 1" for i in range(200_000))
    path = write(tmp_path, default_with("[adc]", "[adc]\n" + keys))
    start = time.perf_counter()
    result = cli("validate", path)
    assert time.perf_counter() - start < 10
    assert_clean(result, 2, "... and 199980 more problems")
    assert result.output.count("\n") < 30


# ---- files ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("args", [("run", DEFAULT, "-o"), ("estimate", DEFAULT, "-o"), ("compare", DEFAULT, "-o"),
                                  ("macros", "-o"), ("macros", "--csv"), ("price-model", "resnet18", "-o")])
def test_an_output_no_file_can_be_written_to_is_refused_before_any_work(tmp_path, monkeypatch, args):
    """-o under a regular file (or in /proc, /sys) had failed after the whole run; now a usage error, exit 2,
    before the config is even read"""
    import cimsim.trials

    monkeypatch.setattr(cimsim.trials, "run_trials", lambda *a, **k: pytest.fail("ran before refusing -o"))
    blocker = write(tmp_path, "a file, not a folder", "blocker.txt")
    result = cli(*args, blocker / "out.json")
    assert_clean(result, 2, f"{blocker / 'out.json'}: cannot write there")


def test_file_names_longer_than_the_file_system_allows(tmp_path):
    assert_clean(cli("validate", tmp_path / ("b" * 300 + ".toml")), 2, "cannot read the config file")
    path = write(tmp_path, default_with('weights = "normal"', f'weights = "file"\nweights_file = "{"a" * 300}.npy"'))
    assert_clean(cli("validate", path), 2, "'workload.weights_file'")


@pytest.mark.parametrize("command, what", [("estimate", "config file"), ("macros", "macro file"),
                                           ("sweep", "sweep spec")])
def test_a_toml_file_beyond_its_size_limit_is_refused_unread(tmp_path, monkeypatch, command, what):
    """/dev/zero (or a device, a huge file) given as a TOML file had been read for ever: cimsim reads at most
    MAX_TOML_BYTES (64 MiB; lowered here to 64 bytes) and names the file"""
    import cimsim.config.toml_file

    monkeypatch.setattr(cimsim.config.toml_file, "MAX_TOML_BYTES", 64)
    path = write(tmp_path, "# a comment\n" * 20)
    extra = ("-o", tmp_path / "r.csv") if command == "sweep" else ()
    assert_clean(cli(command, path, *extra), 2, f"{path}: the {what} holds more than 64 bytes")


def test_dev_zero_as_a_config_is_refused():
    if not Path("/dev/zero").exists():  # a Linux / macOS device; CI runs on Linux
        assert os.environ.get("CI") != "true", "CI runs where /dev/zero exists"
        pytest.skip("no /dev/zero on this system")
    assert_clean(cli("validate", "/dev/zero"), 2, "/dev/zero: the config file holds more than 64 MiB")


@pytest.mark.parametrize("make, fragment", [
    (lambda d: np.savez(d / "w.npz", w=np.ones((256, 256))) or "w.npz", "is a zip archive (.npz); expected a .npy"),
    (lambda d: (d / "e.npy").write_bytes(b"") and "e.npy" or "e.npy", "is empty; expected a .npy array"),
    (lambda d: np.save(d / "s.npy", np.ones((3, 3))) or "s.npy", "must have shape (256 x 256)"),
    (lambda d: np.save(d / "n.npy", np.full((256, 256), np.nan)) or "n.npy", "NaN or infinite"),
    (lambda d: np.save(d / "h.npy", np.full((256, 256), 1e308)) or "h.npy", "overflow float64"),
    (lambda d: np.save(d / "t.npy", np.full((256, 256), 5e-324)) or "t.npy", "underflow float64"),
    (lambda d: "/etc/passwd", "is not a numpy file (it starts with"),
])
def test_validate_loads_the_weights_file_as_a_run_would(tmp_path, make, fragment):
    name = make(tmp_path)
    path = write(tmp_path, default_with('weights = "normal"', f'weights = "file"\nweights_file = "{name}"'))
    assert_clean(cli("validate", path), 2, "'workload.weights_file'", fragment)
    assert_clean(cli("run", path), 2, "'workload.weights_file'", fragment)


@pytest.mark.parametrize("make, field, fragment", [
    (lambda d: np.save(d / "d.npy", np.ones((5, 64))) or ("dataset_file", "d.npy"), "workload.dataset_file",
     "is a .npy array; expected an .npz archive"),
    (lambda d: (d / "e.npz").write_bytes(b"") and None or ("dataset_file", "e.npz"), "workload.dataset_file",
     "is empty"),
    (lambda d: save_network(Network((ReLU(),), (64,)), d / "r.npz") or ("network_file", "r.npz"),
     "workload.network_file", "has no matrix layer"),
])
def test_validate_loads_the_network_and_dataset(tmp_path, make, field, fragment):
    key, name = make(tmp_path)
    text = (mlp_with('dataset = "digits"', f'dataset = "file"\ndataset_file = "{name}"') if key == "dataset_file"
            else mlp_with(f"{ROOT / 'src'}/cimsim/data/digits_mlp.npz", str(tmp_path / name)))
    path = write(tmp_path, text)
    assert_clean(cli("validate", path), 2, f"'{field}'", fragment)


def test_network_input_shape_must_be_integers(tmp_path):
    arrays = {"format": np.array("cimsim-network-2"), "architecture": np.array(json.dumps([{"kind": "dense"}])),
              "input_shape": np.array([64.5]), "layer0.weight": np.ones((10, 64))}
    np.savez(tmp_path / "n.npz", **arrays)
    path = write(tmp_path, mlp_with(f"{ROOT / 'src'}/cimsim/data/digits_mlp.npz", str(tmp_path / "n.npz")))
    assert_clean(cli("validate", path), 2, "'input_shape' must hold integers; got [64.5]")


# ---- sizes ---------------------------------------------------------------------------------------------------
def test_a_huge_layer_is_refused_before_allocating(tmp_path):
    text = default_with("in_features = 256", "in_features = 1048576").replace("out_features = 256",
                                                                             "out_features = 1048576")
    assert_clean(cli("validate", write(tmp_path, text)), 2, "'chip.tiles': the workload needs 1398102 tiles")
    roomy = text + "\n[chip]\ntiles = 1048576\narrays_per_tile = 1024\n"
    assert_clean(cli("validate", write(tmp_path, roomy, "r.toml")), 2, "'workload.in_features': the simulation "
                                                                        "would need about")


def test_memory_limit_names_the_setting_that_is_the_fix(tmp_path):
    """The layers take 0.014 GiB, a dense call of 4096 vectors 0.10 to 0.16 GiB whatever the batch: a 0.08 GiB
    limit asks for fewer vectors (it had asked for a smaller batch, which changes nothing: a batch of 1 needs 0.117
    GiB), a 0.01 GiB limit for smaller layers; 1000 vectors need 0.052 GiB in all."""
    path = write(tmp_path, default_with("batch_size = 2048", "batch_size = 2048\nmemory_limit_gib = 0.08"))
    assert_clean(cli("validate", path, "--set", "workload.vectors=4096"), 2, "'workload.vectors'",
                 "more than simulation.memory_limit_gib (0.08 GiB)", "run fewer vectors")
    assert_clean(cli("validate", path, "--set", "workload.vectors=4096", "--set", "simulation.batch_size=1"), 2,
                 "'workload.vectors'")
    assert_clean(cli("validate", path, "--set", "simulation.memory_limit_gib=0.01"), 2, "'workload.in_features'")
    assert_clean(cli("validate", path, "--set", "simulation.batch_size=256"), 0, "valid")


def test_a_crossbar_checks_the_vectors_it_is_given_not_its_largest_batch():
    """simulation.batch_size is the most vectors read at once: a huge one with few vectors runs (`cimsim validate`
    had passed it and the constructor refused it, found by fuzz_configs --seed 20261203); a read that would hold
    too many vectors at once is refused naming the call's inputs (fewer in one call), before allocating"""
    limits = {"simulation.batch_size": 2**24 - 1, "simulation.memory_limit_gib": 0.25}
    cfg = with_overrides(load_config(DEFAULT), limits)
    xbar = Crossbar(cfg, 64, 32)
    xbar.program(np.ones((32, 64)))
    xbar.calibrate(np.ones((16, 64)))
    assert xbar.mvm(np.ones((16, 64))).shape == (16, 32)
    with pytest.raises(ConfigError, match="'inputs': the simulation would need.*pass fewer vectors to one call"):
        xbar.mvm(np.broadcast_to(np.ones(64), (2**18, 64)))  # a view: nothing allocated before the check


# ---- API edges -----------------------------------------------------------------------------------------------
def test_crossbar_api_edges():
    cfg = load_config(DEFAULT)
    with pytest.raises(TypeError, match="a cimsim Config is needed"):
        Crossbar(None)
    with pytest.raises(ConfigError, match="'in_features and out_features': the simulation would need"):
        Crossbar(cfg, 2**40, 32)
    xbar = Crossbar(cfg, 16, 4)
    xbar.program(np.ones((4, 16)))
    with pytest.raises(ValueError, match=r"percentile must be a finite number > 0 and <= 100; got 200"):
        xbar.calibrate(np.ones((3, 16)), percentile=200)
    with pytest.raises(ValueError, match="masked array"):
        xbar.calibrate(np.ma.masked_array(np.ones((3, 16)), mask=True))



def test_crossbar_calls_take_one_vector_and_name_unreadable_inputs():
    """mvm, digital_reference and calibrate all take one vector as a batch of one; a ragged list is named as the
    inputs, and the replicated layer refuses a masked array as one crossbar does (it had dropped the mask)."""
    cfg = with_overrides(load_config(DEFAULT), {"adc.range": "max"})
    w, x = np.random.default_rng(0).uniform(-1, 1, (4, 16)), np.random.default_rng(1).uniform(-1, 1, (3, 16))
    xbar = Crossbar(cfg, 16, 4)
    xbar.program(w)
    assert np.array_equal(xbar.digital_reference(x[1]), xbar.digital_reference(x)[1])
    calibrated = Crossbar(load_config(DEFAULT), 16, 4)  # calibrate applies to adc.range = "calibrated" only
    calibrated.program(w)
    assert xbar.mvm(x[1]).shape == (4,) and calibrated.calibrate(x[1]) is not None
    for call in (xbar.mvm, xbar.digital_reference, calibrated.calibrate):
        with pytest.raises(ValueError, match="inputs must be a rectangular array of real numbers"):
            call([[1.0] * 16, [1.0]])
    copies = cimsim.numerics.build_crossbar(with_overrides(cfg, {"mapping.replication": 2}), 16, 4)
    copies.program(w)
    with pytest.raises(ValueError, match="masked array"):
        copies.mvm(np.ma.masked_array(x, mask=x > 0))
    assert np.array_equal(copies.mvm(x[0]), copies.mvm(x[:1])[0])

def test_overflow_is_an_error_never_a_null():
    from cimsim.inference import simulate_network

    with pytest.raises(ValueError, match="overflow float64"):
        simulate_network(load_config(MLP), inputs=np.full((3, 64), 1.7e308))
    huge = simulate_network(load_config(MLP), inputs=np.full((3, 64), 1e200))  # finite: its statistics hold
    assert 0 < huge.vs_float.relative_error < 0.1


@pytest.mark.parametrize("bad, message", [
    (np.ma.masked_array(np.ones((3, 64)), mask=np.eye(3, 64) > 0), "inputs is a masked array"),
    (np.ones((3, 63)), r"inputs must have shape \(batch, 64\)"),
    (np.full((3, 64), np.nan), "inputs holds NaN"),
])
def test_simulate_network_names_its_own_argument(bad, message):
    """A bad ``inputs`` is named as the caller wrote it, not as the network's internal input."""
    from cimsim.inference import simulate_network

    with pytest.raises(ValueError, match=f"^{message}"):
        simulate_network(load_config(MLP), inputs=bad)


def test_the_error_statistics_hold_at_any_finite_scale():
    """Outputs near 1e-300 had squares of 0: a relative error of 0 / 0, reported as 0 (a wrong answer)."""
    from cimsim.accuracy import ErrorStats

    rng = np.random.default_rng(3)
    ref = rng.standard_normal(500)
    y = ref + 0.01 * rng.standard_normal(500)
    exact = np.linalg.norm(y - ref) / np.linalg.norm(ref)
    for scale in (1e-320, 1e-300, 1e-160, 1.0, 1e160, 1e300):
        stats = ErrorStats().add(y[:200] * scale, ref[:200] * scale) + ErrorStats().add(y[200:] * scale,
                                                                                         ref[200:] * scale)
        assert stats.relative_error == pytest.approx(exact, rel=1e-3 if scale == 1e-320 else 1e-12), scale
        assert stats.outputs == 500 and stats.max_abs_error == pytest.approx(np.abs(y - ref).max() * scale)
    mixed = ErrorStats().add(y, ref) + ErrorStats().add(y * 1e-300, ref * 1e-300)  # the tiny half is negligible
    assert mixed.relative_error == pytest.approx(exact, rel=1e-12)
    with pytest.raises(ValueError, match="overflow float64"):
        ErrorStats().add(np.array([1e308]), np.array([-1e308]))
    sim = cimsim.simulate(DEFAULT, weights=rng.standard_normal((8, 32)), inputs=1e-300 * rng.standard_normal((4, 32)))
    assert 0 < sim.vs_float.relative_error < 0.1


def test_public_building_blocks_name_a_bad_argument():
    """each had failed with a numba TypingError, a KeyError or an OverflowError"""
    from cimsim.config import list_section_presets, section_preset
    from cimsim.cost.periphery import dac_area_um2
    from cimsim.numerics import quantize_inputs, quantize_weights
    from cimsim.sweep import available_metrics

    with pytest.raises(ValueError, match=r"inputs must be a 2-d array of real numbers; got shape \(3,\)"):
        quantize_inputs(np.ones(3), 8, None)
    with pytest.raises(ValueError, match="weights bits must be an int >= 1 and <= 16; got 0"):
        quantize_weights(np.ones((2, 3)), 0, False)
    for call in (lambda: section_preset("adc", "x"), lambda: list_section_presets(None),
                 lambda: section_preset(["device"], "rram"), lambda: list_section_presets(["device"])):
        with pytest.raises(ValueError, match="tables with presets: device, baseline"):
            call()
    with pytest.raises(ValueError, match="kind must be analytic or functional"):
        available_metrics("functional", "graph")
    with pytest.raises(ValueError, match="DAC resolution must be an int >= 1 and <= 64"):
        dac_area_um2(10**30, load_config(DEFAULT).technology)


def test_data_in_memory_are_named_not_a_config_field():
    rng = np.random.default_rng(4)
    w, x = rng.standard_normal((8, 32)), rng.standard_normal((4, 32))
    for weights, inputs, shape in ((np.zeros((8, 0)), np.zeros((4, 0)), "(8, 0)"), (np.zeros((0, 32)), x, "(0, 32)")):
        with pytest.raises(ValueError, match=rf"weights must be a 2-d array .*got shape {re.escape(shape)}"):
            cimsim.simulate(DEFAULT, weights=weights, inputs=inputs)
    with pytest.raises(ValueError, match=r"inputs must be a rectangular array of real numbers; numpy could not read "
                                         r"it \(setting an array"):
        cimsim.simulate(DEFAULT, weights=w, inputs=[[1.0, 2.0], [3.0]])
    with pytest.raises(ValueError, match="^weights and inputs: values this large could overflow float64"):
        cimsim.compare(DEFAULT, weights=w, inputs=x * 1e300)
    # products far from float64's end are simulated (the error statistics scale them): max |w| |x| n near 1e299
    huge = cimsim.simulate(DEFAULT, weights=w, inputs=x * 1e297)
    assert huge.vs_float.relative_error == pytest.approx(cimsim.simulate(DEFAULT, weights=w, inputs=x)
                                                         .vs_float.relative_error, rel=1e-9)


@pytest.mark.parametrize("w_scale, x_scale, tiny_row", [(1e-160, 1e-160, None), (1.0, 1e-310, None),
                                                         (1e-310, 1.0, None), (1.0, 1.0, 1e-320)])
def test_data_so_small_that_float64_loses_them_is_refused(w_scale, x_scale, tiny_row):
    """peak products below 1e-300, 8 decades above float64's smallest normal number: the products of the smaller
    values would be subnormal, a few bits each, and the float reference with them: an error of 0 / 0 or a wrong
    one, refused instead, the floor said to be a margin (it had called 1e-300 itself subnormal: an api probe); one
    tiny vector among normal ones is enough (each has its own scale)"""
    rng = np.random.default_rng(5)
    w, x = rng.standard_normal((8, 32)) * w_scale, rng.standard_normal((4, 32)) * x_scale
    if tiny_row is not None:
        x[2] *= tiny_row
    message = (r"^weights and inputs: values this small underflow float64 \(an output's peak.*below 1e-300, the "
               r"margin kept above float64's smallest normal number, 2\.2e-308: the products of values 1e-8 of these "
               r"peaks would be subnormal")
    with pytest.raises(ValueError, match=message):
        cimsim.simulate(DEFAULT, weights=w, inputs=x)


def test_small_data_within_float64_keeps_its_relative_error():
    rng = np.random.default_rng(5)
    w, x = rng.standard_normal((8, 32)), rng.standard_normal((4, 32))
    x[1] = 0.0  # an all-zero vector has no scale to lose
    reference = cimsim.simulate(DEFAULT, weights=w, inputs=x).vs_float.relative_error
    for w_scale, x_scale in ((1e-100, 1e-100), (1e-140, 1e-140), (1e-310, 1e20)):  # tiny weights, normal products
        result = cimsim.simulate(DEFAULT, weights=w * w_scale, inputs=x * x_scale)
        assert result.vs_float.relative_error == pytest.approx(reference)


# ---- the CLI's last line -------------------------------------------------------------------------------------
def test_an_internal_error_is_one_line_unless_debug(monkeypatch):
    import cimsim.preflight

    def broken(config):
        raise KeyError("boom")

    monkeypatch.setattr(cimsim.preflight, "preflight", broken)
    assert_clean(cli("validate", DEFAULT), 1, "internal error, KeyError", "--debug")
    debug = CliRunner().invoke(main, ["--debug", "validate", str(DEFAULT)])
    assert debug.exit_code == 1 and "KeyError: 'boom'" in debug.output and "Traceback" in debug.output


def test_a_one_bit_adc_of_a_signed_sum_is_a_sign_comparator(tmp_path):
    """It gave NaN outputs (a zero code range), was then refused, and is now a sign comparator (test_sign_adc.py)."""
    assert_clean(cli("validate", MLP, "--set", "adc.bits=1"), 0, "valid")
    assert_clean(cli("validate", MLP, "--set", "adc.bits=1", "--set", 'mapping.subtraction="digital"'), 0, "valid")
    with pytest.raises(ConfigError, match="dac.input_max"):
        with_overrides(load_config(DEFAULT), {"dac.input_range": "fixed", "dac.input_max": 5e-324})


def test_compare_refuses_an_output_that_is_not_a_directory_before_it_runs(monkeypatch):
    """-o naming a device or other non-directory is said at once (it had failed with 'File exists' after the run)"""
    import cimsim.api  # noqa: F401  (imported first: its own name for compare stays the real one after the test)
    import cimsim.comparison

    monkeypatch.setattr(cimsim.comparison, "compare", lambda *a, **k: pytest.fail("the run started"))
    assert_clean(cli("compare", DEFAULT, "-o", os.devnull), 2, f"-o {os.devnull} exists and is not a directory")


def test_nan_made_inside_a_network_is_named_at_the_layer_it_reaches_without_a_warning():
    """sqrt of a negative activation is NaN, as in torch and ONNX (and without numpy's RuntimeWarning); the
    simulation had reported it as 'inputs holds NaN', blaming the finite network inputs."""
    import warnings

    from cimsim.network import Dense, Elementwise, Unary

    rng = np.random.default_rng(0)
    net = Network((Unary("sqrt"), Dense(rng.normal(size=(4, 8)))), input_shape=(8,))
    x = rng.normal(size=(5, 8))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(net.forward(x)).any()  # the float network: NaN, as torch gives
        assert np.isinf(Elementwise("div")(x, np.zeros_like(x))).all()  # x / 0: inf, as torch gives
        with pytest.raises(ValueError, match=r"layer 1 \(layer1\): its input holds NaN or infinite values, made by "
                                             r"the layers before it from finite network inputs"):
            cimsim.simulate("configs/digits-mlp.toml", network=net, inputs=x)
        last = Network((Dense(rng.normal(size=(4, 8))), Unary("log")), input_shape=(8,))  # log of a negative output
        with pytest.raises(ValueError, match=r"the network's float outputs hold NaN or infinite values for finite "
                                             r"inputs: layers after its last matrix product make them"):
            cimsim.simulate("configs/digits-mlp.toml", network=last, inputs=x)


def test_nan_the_analog_error_makes_after_the_products_names_the_pass_sample_and_trial():
    """sqrt of a float output of 0 that analog (or quantisation) error pushes below 0: the error statistics had
    refused 'y or ref holds NaN', naming nothing; exp pushed past float64 had blamed the weights' scale"""
    from cimsim.network import Dense, Unary

    rng = np.random.default_rng(0)
    x, w = rng.uniform(0, 1, (40, 8)), rng.normal(size=(4, 8))
    net = Network((Dense(w, -(x @ w.T).min(0)), Unary("sqrt")), input_shape=(8,))  # float outputs >= 0
    noisy = {"device.read_noise_sigma": 0.05}
    with pytest.raises(ValueError, match=r"the network's digital \(quantised\) outputs hold NaN or infinite values "
                                         r"\(sample \d+\) where its float outputs are finite: .*quantisation error"):
        cimsim.simulate("configs/digits-mlp.toml", noisy, network=net, inputs=x, trials=2)
    big = Network((Dense(w * 690 / (x @ w.T).max()), Unary("exp")), input_shape=(8,))
    with pytest.raises(ValueError, match=r"the network's analog outputs hold NaN or infinite values \(sample \d+, "
                                         r"trial 0\) where its float outputs are finite: .*the analog error"):
        cimsim.simulate("configs/digits-mlp.toml", noisy, network=big, inputs=x, trials=2)


@pytest.mark.parametrize("device, field", [
    ({"program_sigma": math.nan}, "device.program_sigma"),                    # had given NaN deviations
    ({"program_sigma": -0.5}, "device.program_sigma"),
    ({"stuck_at_gmin_rate": 2.0}, "device.stuck_at_gmin_rate"),
    ({"drift_nu": 0.1, "drift_time_s": -5.0}, "device.drift_time_s"),
    ({"drift_nu": 0.1, "drift_t0_s": 0.0}, "device.drift_t0_s"),              # had raised ZeroDivisionError
    ({"drift_nu": 0.1, "drift_time_s": 1.0}, "device.drift_time_s"),          # before t0 = 20 s: cells grew
    ({"stuck_at_gmin_rate": 0.6, "stuck_at_gmax_rate": 0.6}, "device.stuck_at_gmax_rate"),
])
def test_program_cells_refuses_a_device_the_loader_refuses(device, field):
    """the public program_cells takes a DeviceConfig built in Python: its fields pass the loader's rules, named"""
    from cimsim.config.schema import DeviceConfig
    from cimsim.numerics.devices import program_cells

    targets, rng = np.array([0.0, 1.0, 2.0, 3.0]), np.random.default_rng(0)
    with pytest.raises(ConfigError) as err:
        program_cells(targets, 0.0, 3, dataclasses.replace(DeviceConfig(), **device), rng)
    assert err.value.fields == [field]
    with pytest.raises(ConfigError) as err:  # the loader names the same field
        with_overrides(load_config("configs/default.toml"), {f"device.{k}": v for k, v in device.items()})
    assert field in err.value.fields


# ---- memory estimate -------------------------------------------------------------------------------------------
def _plan(overrides: dict, in_features: int, out_features: int):
    from cimsim.mapping import plan_layer

    return plan_layer(with_overrides(load_config(DEFAULT), overrides), in_features, out_features)


def test_the_memory_estimate_counts_the_cells_that_hold_the_layer(tmp_path):
    """The estimate had counted every cell of every array: 65536 inputs x 10 outputs on 64 arrays of 1024 x 1024
    (5.2 M cells of their 67 M hold the layer) were estimated at 4.0 GB, measured 0.1 GB, and refused under 2 GiB.
    The cells are counted as the layout holds them: a layer's estimate does not depend on its arrays' size, and
    grows with its inputs as its cells do."""
    from cimsim.footprint import estimate_bytes

    sizes = {n: estimate_bytes([_plan({"array.rows": n, "array.cols": n, "array.rows_per_read": n}, 4096, 10)], 1)[0]
             for n in (64, 256, 1024, 4096)}
    assert len(set(sizes.values())) == 1, sizes
    assert estimate_bytes([_plan({}, 8192, 10)], 1)[0] == 2 * estimate_bytes([_plan({}, 4096, 10)], 1)[0]
    args = ["validate", DEFAULT, "--set", "workload.in_features=65536", "--set", "workload.out_features=10",
            "--set", "array.rows=1024", "--set", "array.cols=1024", "--set", "array.rows_per_read=1024",
            "--set", "workload.vectors=2", "--set", "simulation.batch_size=2"]
    assert_clean(cli(*args, "--set", "simulation.memory_limit_gib=2"), 0, "valid")
    assert_clean(cli(*args, "--set", "simulation.memory_limit_gib=0.05"), 2, "'workload.in_features'")


def test_the_memory_estimate_of_a_chunk_grows_with_its_column_sums():
    """A chunk's estimate had grown with its inputs only: 4 inputs x 65536 outputs, 128 vectors, peaked at 0.65 GB
    against 0.13 GB estimated and ran past simulation.memory_limit_gib = 0.3. Per vector it now grows with the
    planes x converted columns and the outputs, a measured peak stays below it, and the limit refuses the run."""
    import tracemalloc

    from cimsim.footprint import GIB, check_memory, estimate_bytes

    wide = {"array.rows": 4, "array.cols": 4096, "array.rows_per_read": 4, "adc.range": "max"}
    chunks = [estimate_bytes([_plan(wide, 4, out)], 64)[1] for out in (4096, 8192)]
    assert chunks[1] > 1.9 * chunks[0]
    shape = {"workload.in_features": 4, "workload.out_features": 8192, "workload.vectors": 64,
             "simulation.batch_size": 64}
    cfg = with_overrides(load_config(DEFAULT), {**wide, **shape})
    tracemalloc.start()
    try:
        cimsim.simulate(cfg)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    with pytest.raises(ConfigError, match="'workload.vectors'"):  # the estimate is above the peak
        check_memory(with_overrides(cfg, {"simulation.memory_limit_gib": peak / GIB}), [_plan(wide, 4, 8192)],
                     "workload.out_features", chunk=64)
    limited = with_overrides(cfg, {"workload.out_features": 65536, "workload.vectors": 128,
                                   "simulation.batch_size": 128, "simulation.memory_limit_gib": 0.3})
    with pytest.raises(ConfigError, match="'workload.vectors': the simulation would need about"):
        cimsim.simulate(limited)  # 128 vectors' 65536 outputs: fewer vectors, not a smaller batch, fit


def test_the_memory_estimate_counts_an_exact_ir_drop_solve():
    """The exact IR-drop solve of one 256 x 256 array (sparse LU factors) reached 293 MB resident while the whole
    run was estimated at 0.03 GB; each array's solve is now counted (0.34 GB here), the approximate model's not."""
    args = ["validate", DEFAULT, "--set", "array.wire_resistance_ohm=1", "--set", "simulation.memory_limit_gib=0.25"]
    assert_clean(cli(*args), 2, "'workload.in_features': the simulation would need about")
    assert_clean(cli(*args, "--set", "array.ir_drop=approximate"), 0, "valid")


def test_a_networks_memory_refusal_names_its_batch_where_that_fits():
    """a network runs its samples a batch at a time: a smaller batch fits the digits CNN in 0.02 GiB, yet the
    refusal had named workload.vectors with a dense layer's advice and a calibration the estimate never counts"""
    result = cli("validate", ROOT / "configs" / "digits-cnn.toml", "--set", "simulation.memory_limit_gib=0.02")
    assert_clean(result, 2, "'simulation.batch_size'", "use a smaller simulation.batch_size")
    assert "calibrated at once" not in result.stderr + result.stdout
    assert_clean(cli("validate", ROOT / "configs" / "digits-cnn.toml", "--set", "simulation.memory_limit_gib=0.02",
                     "--set", "simulation.batch_size=1"), 0, "valid")


@pytest.mark.parametrize("scale, said", [(1e-200, "1e-200 x a vector's peak |input| 1e-200 = 1e-400, below 1e-300"),
                                         (1e300, "1e+300 x 3 inputs = 3e+600, beyond float64 itself")])
def test_a_magnitude_refusal_writes_the_product_float64_cannot_hold(scale, said):
    """the product had been computed in float64: "= 0, below 1e-300" and, above, a clause without its value"""
    with pytest.raises(ValueError) as refused:
        cimsim.estimate(DEFAULT, weights=np.ones((3, 3)) * scale, inputs=np.ones((2, 3)) * scale)
    assert said in str(refused.value)


def test_a_product_beyond_float64_rounds_to_the_next_power():
    from cimsim.preflight import _decade

    assert (_decade(1e-200, 9.99999e-201), _decade(2e-200, 3e-201), _decade(3.0, 4.0)) == ("1e-400", "6e-401", "12")


def test_a_memory_estimate_cleared_by_another_thread_meanwhile_is_still_returned(monkeypatch):
    """the cache of the per-read memory check is read once: another thread clearing it between the store and a read
    back had raised KeyError on a valid read"""
    from cimsim import footprint
    from cimsim.config import Config
    from cimsim.mapping import plan_layer

    class Cleared(dict):
        def __setitem__(self, key, value):
            super().__setitem__(key, value)
            self.clear()  # as another thread's clear would, right after

    monkeypatch.setattr(footprint, "_ESTIMATES", Cleared())
    plan = plan_layer(Config())
    assert footprint._estimate([plan], 10, 0, 0, 10, 0, False, False) == footprint.estimate_bytes([plan], 10)


def test_an_interrupted_save_of_a_network_leaves_the_file_that_was_there(tmp_path, monkeypatch):
    """save_network writes through a temporary file and a rename: a save that fails midway (a full disk, Ctrl-C)
    leaves the earlier network whole (np.savez_compressed into the path had left a truncated file)"""
    from cimsim.network import Dense, Network, load_network, save_network

    path = tmp_path / "net.npz"
    save_network(Network((Dense(np.ones((3, 4))),), (4,)), path)
    before = path.read_bytes()

    def broken(file, **arrays):
        file.write(b"PK\x03\x04 half a zip")
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez_compressed", broken)
    with pytest.raises(KeyboardInterrupt):
        save_network(Network((Dense(np.zeros((5, 4))),), (4,)), path)
    assert path.read_bytes() == before and load_network(path).output_shape == (3,)
    assert [p.name for p in tmp_path.iterdir()] == ["net.npz"]  # no temporary file left
