"""A Config built in code (directly or with dataclasses.replace, which validate nothing) gets the loader's checks at
every public entry point, not only at cimsim.simulate / compare / estimate: each field's rule first, then the rules
between fields, the memory floor among them; a valid one gives the figures of the same config loaded."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from cimsim.comparison import compare, price, price_from_shapes
from cimsim.config.load import config_from_dict, with_overrides
from cimsim.config.schema import AdcConfig, BaselineConfig, Config, WorkloadConfig
from cimsim.cost.baseline import baseline_breakdown
from cimsim.errors import ConfigError
from cimsim.inference import simulate_network
from cimsim.models import get_model, price_model
from cimsim.run import simulate

DATA = {"workload": {"in_features": 64, "out_features": 32, "vectors": 16}, "adc": {"bits": 6},
        "baseline": {"sram_kib": 64.0}}


def good() -> Config:
    """:data:`DATA` built in code"""
    return Config(workload=WorkloadConfig(**DATA["workload"]), adc=AdcConfig(bits=6),
                  baseline=BaselineConfig(sram_kib=64.0))


def built(**settings) -> Config:
    """:func:`good` with ``settings`` ("table__field" -> value) set by dataclasses.replace"""
    config = good()
    for key, value in settings.items():
        table, field = key.split("__")
        config = replace(config, **{table: replace(getattr(config, table), **{field: value})})
    return config


BAD = [  # (settings, the field named): what a code-built config had run with, or failed deep in the code on
    ({"baseline__energy_model": "board_power", "baseline__board_power_w": -1.0}, "baseline.board_power_w"),  # gain < 0
    ({"technology__clock_ghz": 1e-12}, "technology.clock_ghz"),  # 2.7e14 pJ
    ({"array__family": "digital", "device__read_noise_sigma": 0.05}, "array.family"),  # simulated noisy, priced exact
    ({"dac__mode": "bit_serial", "dac__bits_per_read": 3}, "dac.bits_per_read"),  # silently ignored
    ({"array__rows_per_read": 512}, "array.rows_per_read"),  # more rows per read than the array's 256
    ({"dac__input_bits": 1}, "dac.input_bits"),  # two_phase 1-bit inputs: ZeroDivisionError
    ({"baseline__macs_per_cycle": 0}, "baseline.macs_per_cycle"),  # ZeroDivisionError
    ({"adc__cols_per_adc": 0}, "adc.cols_per_adc"),  # ZeroDivisionError
    ({"workload__vectors": 0}, "workload.vectors"),  # StopIteration
    ({"dac__input_bits": 40}, "dac.input_bits"),  # a 4 TiB MemoryError; then blamed on array.rows_per_read
    ({"dac__mode": "bit_serial", "dac__signed_inputs": "twos_complement", "mapping__signed_encoding": "twos_complement",
      "device__bits_per_cell": 1, "device__g_min_us": 0.0}, "mapping.subtraction"),  # a broadcast error
    ({"baseline__sram_kib": 1e-9, "baseline__onchip_memory": "edram"}, "baseline.sram_kib"),  # 3e-10 pJ/bit
]

ENTRY_POINTS = {
    "price_from_shapes": price_from_shapes,
    "compare": compare,
    "price": lambda config: price(config, simulate(good()), include_weight_load=False),
    "run.simulate": simulate,
    "simulate_network": simulate_network,  # refused before it looks for a network
    "price_model": lambda config: price_model(config, get_model("gpt2-small", phase="decode", seq_len=16)),
}


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize("settings, field", BAD, ids=[field for _, field in BAD])
def test_each_public_entry_point_refuses_a_bad_code_built_config_naming_the_field(entry, settings, field):
    with pytest.raises(ConfigError) as err:
        ENTRY_POINTS[entry](built(**settings))
    assert field in err.value.fields and "a Config given in memory" in str(err.value)


@pytest.mark.parametrize("settings, field", [s for s in BAD if s[1].startswith(("baseline.", "technology."))],
                         ids=lambda s: s if isinstance(s, str) else "")
def test_baseline_breakdown_refuses_a_bad_baseline_or_technology(settings, field):
    with pytest.raises(ConfigError) as err:
        baseline_breakdown(built(**settings), 4, include_weight_load=False)
    assert err.value.fields == [field]


@pytest.mark.parametrize("baseline, ok", [
    ({"sram_kib": 1e-9, "onchip_memory": "edram"}, False), ({"sram_kib": 0.02}, False), ({"sram_kib": 0.5}, False),
    ({"sram_kib": 1.0}, True), ({"sram_kib": 1.0, "onchip_memory": "edram"}, True),
])
def test_the_one_bank_memory_floor_holds_for_code_built_configs(baseline, ok):
    config = built(**{f"baseline__{k}": v for k, v in baseline.items()})
    loaded = None
    try:
        loaded = config_from_dict({**DATA, "baseline": baseline})
    except ConfigError:
        pass
    assert (loaded is not None) == ok  # the loader's verdict
    for call in (lambda: price_from_shapes(config), lambda: compare(config),
                 lambda: baseline_breakdown(config, 16, include_weight_load=False)):
        if ok:
            call()
        else:
            with pytest.raises(ConfigError) as err:
                call()
            assert err.value.fields[0].startswith("baseline.")


def test_a_valid_code_built_config_gives_the_loaded_configs_figures():
    loaded, code = config_from_dict(DATA), good()
    numpy_scalars = built(adc__bits=np.int64(6), baseline__sram_kib=np.float32(64.0))  # stored as Python numbers
    figures = []
    for config in (loaded, code, numpy_scalars):
        cim, base = price_from_shapes(config)
        comp = compare(config)
        model = price_model(config, get_model("gpt2-small", phase="decode", seq_len=16), chips=4)
        figures.append((cim.total_energy_pj, base.total_energy_pj, comp.gain["energy"],
                        comp.run.metrics()["relative_error"], model.cim.total_energy_pj, model.baseline.total_energy_pj,
                        baseline_breakdown(config, 16, include_weight_load=False).total_energy_pj))
    assert figures[0] == figures[1] == figures[2]
    assert type(compare(numpy_scalars).run.config.adc.bits) is int


def test_derived_per_product_configs_are_not_refused():
    # baseline.batch counts a model's items; each product's config counts its vectors there (1024 images x 12544
    # positions of resnet50's first convolution: past the field's range of 2**20)
    config = config_from_dict({"baseline": {"batch": 1024}})
    priced = price_model(config, get_model("resnet50"), items=4)
    assert priced.baseline.total_energy_pj > 0


def test_each_config_is_validated_once():
    from cimsim.numerics.checks import validated_config

    config = good()
    stored = validated_config(config)
    assert validated_config(config) is stored and validated_config(stored) is stored


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_a_field_stated_where_it_does_not_apply_is_refused_as_the_loader_refuses_it(entry):
    # adc.bits on a digital array (an adder tree, no ADC) had been ignored when built in code; a loaded config whose
    # file states adc.bits, changed to a digital array in code, passes as the same change given as an override does
    # (a file's field may outlive an override that makes it idle: sweeps cross such settings)
    with pytest.raises(ConfigError) as err:
        ENTRY_POINTS[entry](built(array__family="digital"))
    assert err.value.fields == ["adc.bits"]
    loaded = config_from_dict(DATA)
    changed = replace(loaded, array=replace(loaded.array, family="digital"))
    assert changed == with_overrides(loaded, {"array.family": "digital"})
    from cimsim.numerics.checks import validated_config

    assert validated_config(changed) == changed  # each entry point's check (some need more than a config to run)
    with pytest.raises(ConfigError) as err:  # a field changed in code is stated there
        ENTRY_POINTS[entry](replace(changed, adc=replace(changed.adc, bits=5)))
    assert err.value.fields == ["adc.bits"]


def test_a_presets_value_states_nothing_on_a_config_changed_in_code():
    # a100's board power is its preset's: a copy priced by its components, changed in code, is the loader's
    # {"preset": "a100", "energy_model": "components"}, not a board power stated where it does not apply
    a100 = config_from_dict({**DATA, "baseline": {"preset": "a100"}})
    code = replace(a100, baseline=replace(a100.baseline, energy_model="components"))
    loaded = config_from_dict({**DATA, "baseline": {"preset": "a100", "energy_model": "components"}})
    assert code.baseline.board_power_w == loaded.baseline.board_power_w > 0
    assert price_from_shapes(code)[1].total_energy_pj == price_from_shapes(loaded)[1].total_energy_pj


def test_a_crossbar_of_numpy_scalars_in_code_uses_the_checked_values():
    """Crossbar checked a code-built config's fields yet planned with the raw ones: an np.uint8 of 8 input bits had
    overflowed deep inside (2**8 in uint8)"""
    from cimsim.numerics import Crossbar

    base = replace(Config(), workload=replace(Config().workload, in_features=32, out_features=16))
    xbar = Crossbar(replace(base, dac=replace(base.dac, input_bits=np.uint8(8))), 32, 16)
    assert type(xbar.config.dac.input_bits) is int and xbar.plan.input_bits == 8


def test_a_field_changed_in_memory_is_named_as_such_with_settings_too():
    """(with settings, a Config whose adc.bits was set to 0 in code had been refused as if its file said so)"""
    import cimsim

    cfg = cimsim.as_config(str(Path(__file__).parents[1] / "configs" / "default.toml"))
    bad = replace(cfg, adc=replace(cfg.adc, bits=0))
    for settings in (None, {"dac.input_bits": 8}):
        with pytest.raises(ConfigError, match=r"default\.toml \(a Config given in memory\): 'adc\.bits' must be"):
            cimsim.estimate(bad, settings)
    assert cimsim.as_config(bad, {"adc.bits": 6}).adc.bits == 6  # settings that mend it are taken
    with pytest.raises(ConfigError, match=r"default\.toml: 'dac\.input_bits'") as err:
        cimsim.as_config(cfg, {"dac.input_bits": 99})  # the file's own config: no such note
    assert "in memory" not in str(err.value)


def test_empty_settings_check_a_config_as_no_settings_do():
    """(estimate(cfg, {}) had priced a field set in code that settings leave idle, which estimate(cfg) refuses)"""
    import cimsim

    cfg = cimsim.as_config(str(Path(__file__).parents[1] / "configs" / "default.toml"))
    idle = replace(cfg, dac=replace(cfg.dac, input_max=2.0))  # per_vector inputs: a fixed maximum is idle
    for settings in (None, {}):
        with pytest.raises(ConfigError, match=r"'dac\.input_max' applies only when"):
            cimsim.estimate(idle, settings)


def test_a_crossbar_refuses_a_device_against_its_own_rules_when_built():
    """(Crossbar(config) with g_min above g_max had been built, and refused only when it programmed, as "<device>")"""
    from cimsim.numerics import Crossbar

    bad = replace(good(), device=replace(good().device, g_min_us=5.0, g_max_us=1.0))
    with pytest.raises(ConfigError, match=r"\(a Config given in memory\): 'device\.g_min_us' \(5\.0\) must be below"):
        Crossbar(bad)


def test_a_device_preset_changed_in_code_is_applied_before_its_rules_are_judged():
    """the sram preset set in code over a 2-bit table: applied (one bit a cell), not refused for the old table's
    bits_per_cell (the Crossbar's new check of a device's own rules had judged the stale fields first)"""
    import cimsim
    from cimsim.config.schema import DeviceConfig

    assert cimsim.as_config(Config(device=DeviceConfig(preset="sram"))).device.bits_per_cell == 1
    cfg = cimsim.as_config(str(Path(__file__).parents[1] / "configs" / "default.toml"))
    assert cimsim.estimate(replace(cfg, device=replace(cfg.device, preset="sram"))).config.device.bits_per_cell == 1
