"""Device presets (src/cimsim/config/devices/*.toml): they load, their values are the file's, every number
in them is sourced (a comment with a [tag] on its line or just above), and the derived numbers follow from
the published models they cite (docs/devices.md)."""

from __future__ import annotations

import math
import re
import tomllib
import warnings
from pathlib import Path

import pytest

from cimsim.config import config_from_dict, list_section_presets, section_preset, with_overrides
from cimsim.config.modes import Mode
from cimsim.errors import ConfigError

DEVICES = Path(__file__).resolve().parents[1] / "src" / "cimsim" / "config" / "devices"
SOURCED = ("rram", "pcm", "sram")
# ideal.toml is the reference device with no published parameters; its numbers are explained by its header

_ASSIGN = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$")
_NUMBER = re.compile(r"^[+-]?(\d[\d_]*(\.\d[\d_]*)?([eE][+-]?\d+)?|inf|nan)\b")
_TAG = re.compile(r"\[[A-Za-z0-9][^\]]*\]")


def _table(name: str) -> dict:
    with (DEVICES / f"{name}.toml").open("rb") as file:
        return tomllib.load(file)


def _unsourced_numbers(text: str) -> list[str]:
    """Lines assigning a number without a [tagged] comment on the line or in the comment block just above."""
    lines = text.splitlines()
    bad = []
    for i, line in enumerate(lines):
        match = _ASSIGN.match(line)
        if not match or not _NUMBER.match(match.group(2).strip()):
            continue
        comment = line.partition("#")[2]
        above = []
        j = i - 1
        while j >= 0 and lines[j].lstrip().startswith("#"):
            above.append(lines[j])
            j -= 1
        if not (_TAG.search(comment) or any(_TAG.search(a) for a in above)):
            bad.append(f"line {i + 1}: {line.strip()}")
    return bad


def test_every_device_file_is_listed_with_a_description():
    presets = list_section_presets("device")
    files = sorted(p.stem for p in DEVICES.glob("*.toml"))
    assert sorted(presets) == files
    for name in SOURCED:
        assert name in presets
    for name, description in presets.items():
        assert description.strip(), name
        assert "\n" not in description, name


@pytest.mark.parametrize("name", SOURCED)
def test_preset_loads_with_the_file_values(name):
    table = _table(name)
    config = config_from_dict({"device": {"preset": name}}, "t.toml")
    assert config.device.preset == name
    assert set(table) - {"description"}, name
    for key, value in table.items():
        if key == "description":
            continue
        got = getattr(config.device, key)
        same_type = type(got) is type(value) or (isinstance(got, Mode) and isinstance(value, str))  # a mode's name
        assert got == value and same_type or (isinstance(value, int) and got == float(value)), key
    assert section_preset("device", name)["preset"] == name


@pytest.mark.parametrize("name", sorted(p.stem for p in DEVICES.glob("*.toml")))
def test_every_number_is_sourced(name):
    bad = _unsourced_numbers((DEVICES / f"{name}.toml").read_text(encoding="utf-8"))
    assert not bad, f"{name}.toml numbers without a [source] comment: {bad}"


def test_the_sourcing_check_catches_a_bare_number():
    assert _unsourced_numbers("a = 1.0\n") == ["line 1: a = 1.0"]
    assert _unsourced_numbers("a = 1.0   # no tag\n") == ["line 1: a = 1.0   # no tag"]
    assert _unsourced_numbers("# [X] a source\n# more\na = 1.0\n") == []
    assert _unsourced_numbers("a = 1.0  # [cimsim] why\nb = \"text\"\n") == []
    assert _unsourced_numbers("# [X]\n\na = 2\n") == ["line 3: a = 2"]


@pytest.mark.parametrize("name", SOURCED)
def test_a_field_beside_the_preset_overrides_it(name):
    config = config_from_dict({"device": {"preset": name, "read_noise_sigma": 0.123, "g_max_us": 77.0}}, "t.toml")
    assert config.device.read_noise_sigma == 0.123 and config.device.g_max_us == 77.0
    table = _table(name)
    assert config.device.bits_per_cell == table["bits_per_cell"]
    assert config.device.g_min_us == table["g_min_us"]
    again = with_overrides(config_from_dict({"device": {"preset": name}}, "t.toml"), {"device.program_sigma": 0.2})
    assert again.device.program_sigma == 0.2 and again.device.preset == name


def test_an_invalid_override_beside_a_preset_is_reported():
    with pytest.raises(ConfigError) as info:
        config_from_dict({"device": {"preset": "pcm", "g_min_us": 30.0}}, "t.toml")
    assert "device.g_min_us" in info.value.fields


def _poly(coeffs, x):
    return sum(c * x ** i for i, c in enumerate(coeffs))


def test_pcm_numbers_follow_from_the_aihwkit_pcm_model():
    pcm = _table("pcm")
    g_max = 25.0  # PCMLikeNoiseModel reference g_max
    assert pcm["g_max_us"] == g_max and pcm["g_min_us"] == 0.0
    # programming noise polynomial at mid-range, as a fraction of the range
    assert pcm["program_sigma"] == pytest.approx(_poly([0.26348, 1.9650, -1.1731], 0.5) / g_max, abs=5e-5)
    # drift exponent mean and std at mid-range (lower clips)
    g = 0.5
    assert pcm["drift_nu"] == max(min(-0.0155 * math.log(g) + 0.0244, 0.1), 0.049)
    assert pcm["drift_nu_sigma"] == max(min(-0.0125 * math.log(g) - 0.0059, 0.045), 0.008)
    # 1/f read noise at mid-range after drift to drift_time_s, t_read = read pulse
    t, t0, t_read = pcm["drift_time_s"], pcm["drift_t0_s"], pcm["read_pulse_ns"] * 1e-9
    q_s = min(0.0088 / g ** 0.65, 0.2)
    sigma = g * (t / t0) ** -pcm["drift_nu"] * q_s * math.sqrt(math.log((t + t_read) / (2 * t_read)))
    assert pcm["read_noise_sigma"] == pytest.approx(sigma, abs=5e-5)
    assert (pcm["drift_t0_s"], pcm["drift_time_s"], pcm["drift_compensation"]) == (20.0, 3600.0, "global")


def test_rram_numbers_follow_from_the_aihwkit_wan2022_model():
    rram = _table("rram")
    g_max = 40.0  # ReRamWan2022NoiseModel reference g_max
    one_second = [0.348, 16.030, -43.853, 45.393, -16.815]
    assert rram["g_max_us"] == g_max and rram["g_min_us"] == 0.0
    assert rram["program_sigma"] == pytest.approx(_poly(one_second, 0.5) / g_max, abs=5e-5)
    assert rram["drift_nu"] == 0.0 and rram["drift_time_s"] >= rram["drift_t0_s"]
    assert rram["stuck_at_gmin_rate"] + rram["stuck_at_gmax_rate"] == pytest.approx(1 - 0.998)  # 99.8 % yield
    one_day = [0.701, 22.086, -50.773, 47.095, -16.458]  # the 1-day value the file's header quotes
    assert "0.0977" in (DEVICES / "rram.toml").read_text(encoding="utf-8")
    assert _poly(one_day, 0.5) / g_max == pytest.approx(0.0977, abs=5e-5)


def test_sram_is_a_binary_exact_cell():
    sram = config_from_dict({"device": {"preset": "sram"}}, "t.toml").device
    assert (sram.bits_per_cell, sram.g_min_us) == (1, 0.0)
    assert sram.program_sigma == sram.read_noise_sigma == sram.drift_nu == 0.0
    assert sram.stuck_at_gmin_rate == sram.stuck_at_gmax_rate == 0.0


def test_the_pcm_drift_clips_hold_from_the_levels_stated():
    """sigma_nu = -0.0125 ln g_T - 0.0059 reaches its clip 0.008 at g_T = exp(-1.112) = 0.329 (the file and
    docs/devices.md had said 0.42); mu_nu reaches 0.049 at exp(-1.587) = 0.205"""
    sigma_from = math.exp(-(0.008 + 0.0059) / 0.0125)
    mean_from = math.exp(-(0.049 - 0.0244) / 0.0155)
    assert round(sigma_from, 2) == 0.33 and round(mean_from, 1) == 0.2
    text = (DEVICES / "pcm.toml").read_text()
    assert "0.008 for g_T >= 0.33" in text and "0.049 for g_T >= 0.2" in text and "0.42" not in text
    doc = (DEVICES.parents[3] / "docs" / "devices.md").read_text()
    assert "exact for g_T ≥ 0.33" in doc and "0.42" not in doc


@pytest.mark.parametrize("data, field, preset", [
    ({"preset": "isaac", "array": {"family": "current"}}, "array.cell_access", "isaac"),
    ({"device": {"preset": "pcm"}, "array": {"family": "charge"}}, "device.drift_nu", "pcm"),
])
def test_a_refused_value_a_preset_set_says_it_is_the_presets(data, field, preset):
    """a value the file does not state, set by a preset, had been refused as if the user had written it"""
    with pytest.raises(ConfigError) as err:
        config_from_dict(data, "c.toml")
    messages = dict(err.value.errors)
    assert messages[field].endswith(f"(a value preset '{preset}' sets: state another in the file or the settings to "
                                    "change it)")
    stated = {**data, field.split(".")[0]: {**data.get(field.split(".")[0], {}), field.split(".")[1]: "crosspoint"
                                            if field == "array.cell_access" else 0.01}}
    with pytest.raises(ConfigError) as err:  # stated by the user: no such note
        config_from_dict(stated, "c.toml")
    assert "the value of preset" not in dict(err.value.errors)[field]


def test_a_loaded_config_changed_in_code_says_a_refused_value_is_its_presets_whatever_the_route(tmp_path):
    """estimate() of a Config from a preset file, changed in code, had said so with settings and not without"""
    import dataclasses

    import cimsim
    from cimsim.config import load_config

    path = tmp_path / "i.toml"
    path.write_text('preset = "isaac"\n')
    loaded = load_config(str(path))
    changed = dataclasses.replace(loaded, array=dataclasses.replace(loaded.array, family="current"))
    for settings in (None, {"workload.vectors": 10}):
        with pytest.raises(ConfigError) as err:
            cimsim.estimate(changed, settings)
        assert "(a value preset 'isaac' sets:" in dict(err.value.errors)["array.cell_access"], settings


def test_a_table_restating_the_whole_design_presets_own_preset_warns_of_each_value_it_drops():
    """``[device] preset = "sram"`` under ``preset = "sram-cicc2021"`` starts the table afresh from "sram", as every
    table naming a preset does: the design's 44.44 ns read pulse falls to sram's 1 ns (its ADCs then sized for a
    44x faster rate), which a warning now says; a value the table states beside it is kept and not named"""
    design = config_from_dict({"preset": "sram-cicc2021"})
    with pytest.warns(UserWarning, match=r"device\.read_pulse_ns = 44\.44 \(now 1\.0\)") as caught:
        restated = config_from_dict({"preset": "sram-cicc2021", "device": {"preset": "sram", "program_sigma": 0.01}})
    assert restated.device.read_pulse_ns == 1.0 != design.device.read_pulse_ns
    said = str(caught[0].message)
    assert "program_sigma" not in said
    assert "as settings (a sweep's [set]: device.read_pulse_ns = 44.44), or leave its preset line out" in said
    with warnings.catch_warnings():  # the whole-design preset alone, or another section preset: no warning
        warnings.simplefilter("error")
        config_from_dict({"preset": "sram-cicc2021", "device": {"program_sigma": 0.01}})
        config_from_dict({"preset": "sram-cim", "device": {"preset": "sram"}})  # it sets nothing beside it
        config_from_dict({"preset": "neurram", "device": {"preset": "pcm", "bits_per_cell": 3}})  # another device
