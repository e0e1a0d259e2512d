"""A loaded config whose table preset is changed in code (dataclasses.replace) holds the old preset's values in its
other fields: every route applies the new preset as the override of the preset does. It had run the old preset's
values on one route (simulate, estimate of the Config alone), mixed them with the new one's on another (a seed or
a setting given beside it), and reported the new preset's name over the old one's values."""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

import pytest

import cimsim
from cimsim.config import load_config, with_overrides

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "configs" / "default.toml"


@pytest.fixture(scope="module")
def loaded():
    return load_config(DEFAULT, {"workload.vectors": 24})


def test_every_route_applies_a_device_preset_changed_in_code(loaded):
    replaced = dataclasses.replace(loaded, device=dataclasses.replace(loaded.device, preset="pcm"))
    set_so = with_overrides(loaded, {"device.preset": "pcm"})
    assert set_so.device.name == "pcm" and loaded.device.name != "pcm"
    want = cimsim.simulate(set_so).vs_float.relative_error
    assert cimsim.simulate(replaced).vs_float.relative_error == want
    assert cimsim.simulate(replaced, seed=loaded.simulation.seed).vs_float.relative_error == want
    energy = cimsim.estimate(set_so).cim.total_energy_pj
    assert cimsim.estimate(replaced).cim.total_energy_pj == energy
    assert cimsim.estimate(replaced, {"adc.bits": loaded.adc.bits}).cim.total_energy_pj == energy
    assert cimsim.as_config(replaced).device == set_so.device


def test_fields_changed_in_code_beside_the_preset_stay_over_its_values(loaded):
    replaced = dataclasses.replace(loaded, device=dataclasses.replace(loaded.device, preset="pcm",
                                                                      read_noise_sigma=0.05))
    device = cimsim.as_config(replaced).device
    assert (device.name, device.read_noise_sigma) == ("pcm", 0.05)
    baseline = dataclasses.replace(loaded, baseline=dataclasses.replace(loaded.baseline, preset="h100"))
    assert cimsim.as_config(baseline).baseline == with_overrides(loaded, {"baseline.preset": "h100"}).baseline


def test_a_table_built_in_code_naming_a_preset_takes_its_values_under_the_fields_it_sets():
    """Config(baseline=BaselineConfig(preset="h100")) had kept the default baseline under the H100's name"""
    from cimsim.config import Config
    from cimsim.config.schema import BaselineConfig, DeviceConfig

    built = Config(baseline=BaselineConfig(preset="h100"))
    preset = with_overrides(Config(), {"baseline.preset": "h100"})
    assert cimsim.as_config(built).baseline == preset.baseline != Config().baseline
    assert cimsim.estimate(built).baseline.total_energy_pj == cimsim.estimate(preset).baseline.total_energy_pj
    device = cimsim.as_config(Config(device=DeviceConfig(preset="pcm", read_noise_sigma=0.05))).device
    assert device == with_overrides(Config(), {"device.preset": "pcm", "device.read_noise_sigma": 0.05}).device


def test_a_table_changed_in_code_states_its_defaults_and_a_warning_names_those_its_preset_sets(tmp_path):
    """a table changed in code in a loaded config states every value it changes, defaults too (a replace copies every
    old value, so a table built afresh is not told apart from a replaced one; two guesses at telling them apart each
    broke the other case): DeviceConfig(preset="pcm") put into a config loaded from preset = "isaac" runs at the
    default g_max (10, PCM's 25), with a warning naming it and the way to the preset's values, a setting"""
    from cimsim.config.schema import DeviceConfig

    path = tmp_path / "i.toml"
    path.write_text('preset = "isaac"\n')
    isaac = load_config(str(path))
    with pytest.warns(UserWarning, match=r"states every value it changes, its defaults too: .*device.g_max_us = 10.0 "
                                         r"\(its default; preset 'pcm' has 25.0\).*give the preset as a setting"):
        fresh = cimsim.estimate(dataclasses.replace(isaac, device=DeviceConfig(preset="pcm")))
    assert fresh.config.device.g_max_us == 10.0
    assert cimsim.estimate(isaac, {"device.preset": "pcm"}).config.device.g_max_us == 25.0


def test_a_table_whose_preset_is_removed_in_code_takes_the_values_given(tmp_path):
    """a table naming no preset over a loaded PCM device is exactly the table given (the fields it held at PCM's
    values had fallen to the defaults: DeviceConfig(g_max_us=25.0, g_min_us=0.0) ran at 10 and 0.588)"""
    from cimsim.config.schema import DeviceConfig

    path = tmp_path / "p.toml"
    path.write_text('[device]\npreset = "pcm"\n')
    pcm = load_config(str(path))
    for table in (DeviceConfig(), DeviceConfig(g_max_us=25.0, g_min_us=0.0)):
        assert cimsim.estimate(dataclasses.replace(pcm, device=table)).config.device == table


def test_a_replaced_table_keeps_every_value_changed_in_it(tmp_path):
    """a field changed back to its default beside a preset change had been dropped by a guess at 'built afresh'
    (RRAM's read noise 0.01 kept where 0 was asked; over an A100 file, an H100 baseline at batch 1 where 16 was)"""
    from cimsim.api import as_config

    path = tmp_path / "p.toml"
    path.write_text('[device]\npreset = "pcm"\nread_noise_sigma = 0.02\n')
    pcm = load_config(str(path))
    replaced = dataclasses.replace(pcm, device=dataclasses.replace(pcm.device, preset="rram", read_noise_sigma=0.0))
    settings = {"device.preset": "rram", "device.read_noise_sigma": 0.0}
    with pytest.warns(UserWarning, match="device.read_noise_sigma = 0.0"):
        assert as_config(replaced).device == as_config(pcm, settings).device
    a100 = tmp_path / "a.toml"
    a100.write_text('[baseline]\npreset = "a100"\n')
    loaded = load_config(str(a100))
    h100 = dataclasses.replace(loaded, baseline=dataclasses.replace(loaded.baseline, preset="h100", batch=16))
    with pytest.warns(UserWarning, match=r"baseline.batch = 16.*\{'baseline.preset': \.\.\.\}"):  # its own table
        assert as_config(h100).baseline == as_config(loaded, {"baseline.preset": "h100", "baseline.batch": 16}).baseline


@pytest.mark.parametrize("change", [{"dram": "lpddr4"}, {"macs_per_cycle": 1000},
                                    {"dram": "lpddr4", "dram_bandwidth_gbps": 100.0}])
def test_a_field_changed_in_code_drops_a_presets_stale_derived_values_on_every_route(tmp_path, change):
    """an A100 baseline switched to LPDDR4 in code had kept the HBM bandwidth without settings (the baseline energy
    120x off) and dropped it with them; 1000 MACs a cycle had been refused without settings (the A100's wide MACs
    kept) and priced with them"""
    path = tmp_path / "a.toml"
    path.write_text('[baseline]\npreset = "a100"\n')
    loaded = load_config(str(path))
    changed = dataclasses.replace(loaded, baseline=dataclasses.replace(loaded.baseline, **change))
    alone, settings = cimsim.estimate(changed), cimsim.estimate(changed, {"workload.vectors": loaded.workload.vectors})
    assert alone.config.baseline == settings.config.baseline
    assert alone.baseline.total_energy_pj == settings.baseline.total_energy_pj


@pytest.mark.parametrize("file, change", [
    ('[baseline]\npreset = "a100"\ndram_bandwidth_gbps = 500.0\n', {"dram": "lpddr4"}),
    ('[baseline]\ndram = "hbm2"\ndram_bandwidth_gbps = 500.0\n', {"dram": "lpddr4"}),
    ('[baseline]\nmacs_per_cycle = 1024\nwide_macs_per_cycle = 256\n', {"macs_per_cycle": 2048})])
def test_a_derived_value_the_file_states_stays_on_every_route(tmp_path, file, change):
    """a first version dropped a bandwidth the file states when dram was changed in code, on the route without
    settings only (the baseline energy 29x apart)"""
    path = tmp_path / "b.toml"
    path.write_text(file)
    loaded = load_config(str(path))
    changed = dataclasses.replace(loaded, baseline=dataclasses.replace(loaded.baseline, **change))
    alone, settings = cimsim.estimate(changed), cimsim.estimate(changed, {"workload.vectors": loaded.workload.vectors})
    assert alone.config.baseline == settings.config.baseline == cimsim.config.with_overrides(changed, {}).baseline


def test_the_values_a_preset_changed_in_code_replaces_are_named(loaded):
    """replace(device, preset="pcm", read_noise_sigma=0.0) over a noiseless table had run at PCM's read noise (7.5x
    the error) unsaid: a value written again at its old value is not told from one kept, so each value that runs
    otherwise than the table held is named, with the setting that keeps it; a setting of the preset warns nothing"""
    noiseless = dataclasses.replace(loaded.device, preset="pcm", read_noise_sigma=0.0)
    replaced = dataclasses.replace(loaded, device=noiseless)
    with pytest.warns(UserWarning, match=r"device.preset = 'pcm' set in code runs its own values for the fields left "
                                         r"as loaded .*device.g_max_us 10.0 -> 25.0.*device.read_noise_sigma 0.0 -> "
                                         r"0.0255.*\{'device.preset': 'pcm', 'device.g_min_us': 0.58") as said:
        assert cimsim.estimate(replaced).config.device.read_noise_sigma == 0.0255
    assert len([w for w in said if "set in code runs" in str(w.message)]) == 1
    assert said[0].filename == __file__  # at the caller's line
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cimsim.estimate(loaded, {"device.preset": "pcm"})


def test_the_warning_names_only_what_runs_otherwise(tmp_path):
    """a file's own fields beside its table's preset stay under a preset changed in code (they had been named as
    replaced), a setting given beside the replace is not named, and a value the new preset leaves to its default
    is (ideal's read noise: 0.0255 restated over pcm ran at 0.0 unsaid)"""
    path = tmp_path / "stated.toml"
    path.write_text(DEFAULT.read_text().replace("[device]", "[device]\npreset = \"rram\"\nread_noise_sigma = 0.0", 1))
    stated = load_config(path)
    with pytest.warns(UserWarning, match="set in code runs its own values") as said:
        done = cimsim.as_config(dataclasses.replace(stated, device=dataclasses.replace(stated.device, preset="pcm")))
    assert done.device.g_max_us == stated.device.g_max_us and done.device.read_noise_sigma == 0.0
    text = str(said[0].message)
    assert "g_max_us" not in text and "read_noise_sigma" not in text and "program_sigma 0.0506 -> 0.0381" in text
    pcm = load_config(DEFAULT, {"device.preset": "pcm"})
    with pytest.warns(UserWarning, match=r"device.read_noise_sigma 0.0255 -> 0.0"):
        cimsim.as_config(dataclasses.replace(pcm, device=dataclasses.replace(pcm.device, preset="ideal")))
    kept = dataclasses.replace(loaded_default := load_config(DEFAULT), device=dataclasses.replace(
        loaded_default.device, preset="pcm"))
    with pytest.warns(UserWarning) as said:
        cimsim.as_config(kept, {"device.g_max_us": 10.0})
    assert "g_max_us" not in " ".join(str(w.message) for w in said)


def test_a_preset_given_as_a_setting_over_one_changed_in_code_warns_nothing(loaded):
    """with_overrides(pcm changed in code, {"device.preset": "sram"}) had been said as 'sram' set in code; and a
    derived value a setting drops (an A100's HBM bandwidth under baseline.dram = lpddr4) as the preset's doing"""
    pcm = dataclasses.replace(loaded, device=dataclasses.replace(loaded.device, preset="pcm"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert with_overrides(pcm, {"device.preset": "sram"}).device.preset == "sram"
    a100 = load_config(DEFAULT, {"baseline.preset": "a100"})
    h100 = dataclasses.replace(a100, baseline=dataclasses.replace(a100.baseline, preset="h100"))
    with pytest.warns(UserWarning, match="baseline.preset = 'h100' set in code") as said:
        with_overrides(h100, {"baseline.dram": "lpddr4"})
    assert "dram_bandwidth_gbps" not in str(said[0].message) and "dram_gb" not in str(said[0].message)


def test_each_table_changed_in_code_gets_its_own_warning(loaded):
    """device and baseline presets both changed in code: each table's values under its own preset's name (one
    warning had named them all under the first)"""
    both = dataclasses.replace(loaded, device=dataclasses.replace(loaded.device, preset="pcm"),
                               baseline=dataclasses.replace(loaded.baseline, preset="h100"))
    with pytest.warns(UserWarning, match="set in code runs its own values") as said:
        cimsim.as_config(both)
    texts = [str(w.message) for w in said if "set in code runs" in str(w.message)]
    assert len(texts) == 2 and "device.preset = 'pcm'" in texts[0] and "baseline." not in texts[0]
    assert "baseline.preset = 'h100'" in texts[1] and "device." not in texts[1].partition(" -> ")[0]
