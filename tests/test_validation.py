"""Published designs: the presets reproduce their papers' figures within each case's stated tolerance."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from cimsim.config import list_presets, load_preset, with_overrides
from cimsim.cost import leakage
from cimsim.cost.baseline import onchip_memory
from cimsim.cost.cim import MACRO_COMPONENTS
from cimsim.mapping import plan_layer
from cimsim.validation import (PAPER_GAINS, PUBLISHED, isaac_vs_dadiannao, macro_comparison, macro_configs,
                               macro_data, markdown_table, model_value, validate)
from cimsim.validation.compare import _breakdown
from cimsim.validation.published import ANCHOR_TOLERANCE, PREDICTION_TOLERANCE

ROOT = Path(__file__).resolve().parents[1]
PRESET_DIR = ROOT / "src" / "cimsim" / "config" / "presets"
DESIGNS = ("isaac", "rram-isaac-like", "puma", "neurram", "sram-cicc2021")
RESULTS = {r.case.key: r for r in validate()}


@pytest.mark.parametrize("key", [c.key for c in PUBLISHED if c.expected == "pass"])
def test_case_within_its_tolerance(key):
    r = RESULTS[key]
    assert abs(r.error) <= r.case.tolerance, (key, r.model, r.case.value)


@pytest.mark.parametrize("key", [c.key for c in PUBLISHED if c.expected == "gap"])
def test_known_gap_is_still_outside_its_tolerance(key):
    # a gap that closes must move to "pass" and out of docs/validation.md's list of gaps
    r = RESULTS[key]
    assert abs(r.error) > r.case.tolerance, (key, r.model, r.case.value)


def test_every_case_is_sourced_and_justified():
    keys = [c.key for c in PUBLISHED]
    assert len(keys) == len(set(keys))
    for c in PUBLISHED:
        assert c.preset in list_presets(), c.key
        assert c.value > 0 and 0 < c.tolerance <= 0.5, c.key
        if c.key != "neurram.rram_cells":  # a structure count, not a cost
            assert c.tolerance == (ANCHOR_TOLERANCE if c.anchored else PREDICTION_TOLERANCE), c.key
        assert not (c.anchored and c.expected == "gap"), c.key  # an anchor that misses is a bug
        assert c.expected in ("pass", "gap") and len(c.why) > 20, c.key
        assert re.search(r"Table|Sec\.|abstract|Fig\.|validation", c.source), c.key


def test_every_design_preset_has_cases_and_tagged_lines():
    presets = {c.preset for c in PUBLISHED}
    assert {"isaac", "puma", "neurram", "sram-cicc2021"} <= presets
    for name in DESIGNS:
        for line in (PRESET_DIR / f"{name}.toml").read_text().splitlines():
            setting = line.split("#")[0].strip()
            if "=" in setting and not setting.startswith(("name", "description")):
                assert re.search(r"# \[[A-Za-z0-9 -]+\]", line), (name, line)  # a source tag on every value line


def test_isaac_presets_agree_on_hardware_and_crossbar_power():
    isaac, like = load_preset("isaac"), load_preset("rram-isaac-like")
    for section in ("array", "device", "mapping", "dac", "adc", "technology"):
        assert getattr(isaac, section) == getattr(like, section), section
    assert (isaac.chip.arrays_per_tile, isaac.chip.tiles, isaac.chip.tile_buffer_kib) == (96, 168, 64.0)
    plan = plan_layer(isaac)
    assert plan.n_arrays == 8 and plan.adcs_per_array == 1 and plan.reads_per_vector == 16


def test_crossbar_power_follows_the_read_pulse():
    # the reconciled pulse brings the arrays to ISAAC's 2.4 mW at its 100 ns cycle (the anchor's check); cimsim's
    # ADC-bound cycle is 106.7 ns, so the power at the model's cycle is 100 / 106.7 of it; a 100 ns pulse would draw
    # ~583x that
    assert model_value("isaac.crossbar_power_per_ima") == pytest.approx(2.4, rel=0.01)
    b = _breakdown("isaac")
    assert b.energy_pj["array"] / b.compute_ns == pytest.approx(2.4 * 100 / (128 * 0.8333), rel=0.01)
    assert load_preset("isaac").device.read_pulse_ns * 550 < 100.0


def test_figures_the_model_is_fitted_to_are_anchors():
    # the read pulse is fitted to ISAAC's crossbar power, the per-action energies of the sample-and-holds and
    # shift-adds are Table I's powers over 100 ns, and NeuRRAM's cell count is the preset's own fields: bookkeeping,
    # which had counted as passing predictions (-6.2 % / -6.3 %, +4.9 %)
    for key in ("isaac.crossbar_power_per_ima", "isaac.sample_hold_power_per_ima", "isaac.shift_add_power_per_ima",
                "neurram.rram_cells", "isaac.shift_add_area_per_ima", "sram-cicc2021.throughput"):
        r = RESULTS[key]
        assert r.case.anchored and r.passed, key
    for key in ("isaac.sample_hold_power_per_ima", "isaac.shift_add_power_per_ima"):
        assert abs(RESULTS[key].error) < 1e-3, key  # an identity at ISAAC's own read
    for line in (PRESET_DIR / "puma.toml").read_text().splitlines():  # PUMA states no read pulse of its own
        if line.startswith("read_pulse_ns"):
            assert "[derived from ISAAC T1]" in line and "not a PUMA figure" in line


def test_preset_summary_states_predictions_and_anchors_apart():
    from cimsim.validation.compare import summary_line

    results = validate()
    own = [r for r in results if not r.case.anchored]
    anchors = [r for r in results if r.case.anchored]
    line = summary_line(results)
    assert line.startswith(f"{sum(abs(r.error) <= PREDICTION_TOLERANCE for r in own)} of {len(own)} predictions "
                           f"within ±15 %; {len(anchors)} anchors")
    assert line in (ROOT / "docs" / "validation.md").read_text()
    assert "(anchor)" in markdown_table([RESULTS["isaac.dac_area_per_ima"]])


def test_puma_mvmu_energy_counts_the_macro_alone():
    # every other macro figure counts MACRO_COMPONENTS; PUMA's per-MVMU energy had counted tile and global buffers,
    # NoC and leakage too (50.1 nJ, +13.9 %, a pass)
    b = _breakdown("puma")
    macro_nj = sum(b.energy_pj.get(k, 0.0) for k in MACRO_COMPONENTS) / b.macs * 128 * 128 * 1e-3
    assert model_value("puma.mvmu_energy") == pytest.approx(macro_nj) == pytest.approx(26.38, rel=0.01)
    assert RESULTS["puma.mvmu_energy"].case.expected == "gap"


def _doc_section(title: str) -> str:
    text = (ROOT / "docs" / "validation.md").read_text()
    start = text.index(title)
    stop = text.find("\n## ", start)
    return text[start:stop if stop > 0 else len(text)]


_BULLETS = {"ISAAC": "isaac", "PUMA": "puma", "CICC 2021": "sram-cicc2021"}


def test_hand_written_preset_figures_agree_with_the_table():
    # every "<quantity> (+NN %)" a preset's bullet in "Where the model misses" quotes is within 1 point of that
    # preset's case of the quantity (the text had said buffer -43 %, power efficiency +68 % and PUMA -18 %, CICC
    # +39 %, where the table said -29.7, +66.0, -21.8 and +18.4 %)
    section = _doc_section("## Where the model misses")
    quoted = 0
    for bullet in section.split("\n- "):
        preset = next((p for name, p in _BULLETS.items() if bullet.startswith(f"**{name}**")), None)
        if preset is None:
            continue
        for words, figure in re.findall(r"([\w*]+) \(([+-]\d+(?:\.\d+)?) %\)", bullet):
            cases = [r for r in RESULTS.values() if r.case.preset == preset]
            named = [r for r in cases if words.lower().strip("*") in r.case.quantity] or cases
            assert any(abs(100 * r.error - float(figure)) <= 1.0 for r in named), (preset, words, figure)
            quoted += 1
    assert quoted >= 10


def test_stated_rationales_match_the_model():
    # the DAC's why had said the drivers are left out (periphery prices them); leakage had said the ADC's ISAAC
    # figure is a total power (the ADC is the survey's); the anchor list had omitted the shift-add area; the
    # DaDianNao weight read was quoted at 28 nm where the comparison runs at the isaac preset's 32 nm
    assert "driver_chain_energy_pj" in RESULTS["isaac.dac_power_per_ima"].case.why
    assert "leaves out" not in RESULTS["isaac.dac_power_per_ima"].case.why
    assert "ADCs: no separate term; the survey's energy per conversion" in leakage.__doc__
    anchors = _doc_section("## Anchors")
    assert "shift-add, buffer and bus areas" in anchors and "NeuRRAM" in anchors
    config = with_overrides(load_preset("isaac"), {"baseline.preset": "dadiannao"})
    pj = onchip_memory(config).read_pj_per_bit * 16
    assert f"{pj:.2f} pJ per 16-bit weight at the isaac preset's {config.technology.node_nm:g} nm" in _doc_section(
        "## ISAAC versus DaDianNao")


def test_unknown_case_is_an_error():
    with pytest.raises(ValueError, match="no model for published figure"):
        model_value("isaac.nope")


def test_isaac_vs_dadiannao_gains():
    gains = isaac_vs_dadiannao()
    # density: a known gap, ISAAC still denser but well below the paper's 7.5x: the survey-regression ADC is 4.7x
    # ISAAC's converter (one of the smallest in the survey, docs/adc.md), cimsim's 4 F^2 crosspoint cells are 2.7x
    # ISAAC's crossbars, and the banked-eDRAM baseline is smaller than the SRAM it replaced (docs/validation.md)
    assert 1.0 < gains.density < PAPER_GAINS["density"] / 2
    # throughput: ISAAC wins, within a factor of 2 of the paper's 14.8x (one layer vs a benchmark average)
    assert PAPER_GAINS["throughput"] / 2 < gains.throughput < PAPER_GAINS["throughput"] * 2
    # energy: ISAAC wins, below the paper's 5.5x (3.0-3.5x): the baseline now reads each weight from one of
    # DaDianNao's 64 eDRAM banks (7.09 pJ per 16-bit weight at the isaac preset's 32 nm) instead of one 36 MB SRAM
    # array (68 pJ), which had put the gain at 34-39x (docs/cost_baseline.md, docs/validation.md)
    assert PAPER_GAINS["energy"] / 2 < gains.energy < PAPER_GAINS["energy"]


def test_markdown_table_and_benchmark_script():
    table = markdown_table(validate(PUBLISHED[:2]))
    assert table.count("\n") == 3 and "| isaac | adc power per ima |" in table
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "validate_published.py")], capture_output=True,
                          text=True, timeout=60, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("\n| ") >= len(PUBLISHED) + 4 and "ISAAC / DaDianNao" in proc.stdout


def test_neurram_runs_its_inputs_and_neurons_as_cimloop_states():
    """CiMLoop's wan_nature_2022 model: a 4-bit signed input (3 magnitude bits, at most MAX_INPUT_BITS_BEFORE_TWO_PHASE)
    is one phase of 2**3 - 1 pulses on a signed DAC, the neuron converts in one step per output bit, 1.8 V, Vread 0.5 V;
    the preset had run it bit-serial in two phases through a ramp (2**8 counts) at 1.2 V and 0.2 V"""
    config = load_preset("neurram")
    assert (config.dac.mode, config.dac.signed_inputs, config.dac.encoding) == ("parallel", "bipolar", "pulse_count")
    assert (config.adc.type, config.adc.bits) == ("sar", 8)
    assert (config.technology.vdd_v, config.device.read_voltage_v) == (1.8, 0.5)
    plan = plan_layer(config)
    assert plan.reads_per_vector == 1 and plan.max_plane_code == 2 ** (config.dac.input_bits - 1) - 1


def test_isaac_like_states_isaacs_chip():
    # the ISAAC-like preset had left [chip] to the schema's defaults: an SRAM tile buffer where ISAAC's is eDRAM
    assert load_preset("rram-isaac-like").chip == load_preset("isaac").chip
    assert load_preset("rram-isaac-like").chip.buffer_memory == "edram"


def test_headline_densities_are_checked():
    # CICC 2021's title (12.1 TOP/s/mm2 over ZigZag-IMC's 1.9425 mm2) and PUMA's abstract (577 GOPS/s/mm2) had no case
    cicc, puma = RESULTS["sram-cicc2021.compute_density"], RESULTS["puma.area_efficiency"]
    assert cicc.case.value == 12.1 and not cicc.case.anchored and cicc.model == pytest.approx(26.86, rel=0.02)
    assert puma.case.value == 577.0 and not puma.case.anchored and puma.model == pytest.approx(258.7, rel=0.02)


def _jia_with(tmp_path, area_line: str, name: str = "chips.toml") -> str:
    """the shipped jia-isscc2021 entry (N_core 16, a UIUC density) in a file of its own, its uiuc_area_of line
    replaced by ``area_line``"""
    from test_macro_files import macro_file, shipped_entry
    entry = shipped_entry("jia-isscc2021")
    assert 'uiuc_area_of = "core"\n' in entry
    return macro_file(tmp_path, entry.replace('uiuc_area_of = "core"\n', area_line), name)


def test_a_uiuc_density_of_several_cores_is_compared_only_with_its_area_extent(tmp_path):
    """UIUC's TOPS is one core's whatever N_core; its TOPS/mm2 divides it by an area of unstated extent (Tu et al.'s
    is the whole design's, Jia et al.'s one core's): the absolute density of a design of N_core > 1 is compared only
    where the entry states uiuc_area_of, x N_core for 'design'; its trends between points are kept"""
    def density(file):
        cases = [c for c in macro_comparison.macro_cases(file) if c.quantity == "tops_per_mm2"]
        return cases[0] if cases else None
    assert density(_jia_with(tmp_path, 'uiuc_area_of = "core"\n', "core.toml")).published == 44.94
    design = density(_jia_with(tmp_path, 'uiuc_area_of = "design"\n', "design.toml"))
    assert design.published == pytest.approx(44.94 * 16) and "published x N_core 16" in design.why
    unstated = _jia_with(tmp_path, "", "unstated.toml")
    assert density(unstated) is None
    assert [e.reason for e in macro_comparison.excluded_points(unstated) if e.what == "tops_per_mm2"][0].startswith(
        "absolute value left out: the UIUC density of a design of 16 cores")
    shipped = [c for c in macro_comparison.macro_cases() if c.quantity == "tops_per_mm2"]
    xue = [c for c in shipped if c.macro == "xue-isscc2021-rram"]
    assert {c.kind for c in xue} == {"trend"} and len(xue) == 2  # the area cancels in a ratio
    assert [c.published for c in shipped if c.macro == "tu-isscc2022"] == [pytest.approx(5.74 / 64 * 16)]


@pytest.mark.parametrize("area_line, message", [
    ('uiuc_area_of = "chip"\n', "'uiuc_area_of' must be one of core, design; got 'chip'"),
    ('uiuc_area_of = "Core"\n', "did you mean 'core'"),
    ('uiuc_area_of = "core"\nnotes = "one core"\n', "here N_core is not stated"),
])
def test_a_bad_uiuc_area_extent_is_refused_naming_the_field(tmp_path, area_line, message):
    file = _jia_with(tmp_path, area_line)
    if "notes" in area_line:  # the entry's own notes (N_core 16) dropped for one without a core count
        text = Path(file).read_text()
        Path(file).write_text(re.sub(r'\nnotes = "UIUC database fields[^\n]*', "", text))
    with pytest.raises(ValueError, match=re.escape(message)):
        macro_data.load_macros(file)


def test_su_transpose_point_is_priced_as_its_transpose_array():
    """UIUC's row 2 of Su et al. (ISSCC 2020) is the transpose mode: 128 rows x 512 columns, 2 columns per ADC,
    256 ADCs (N_1b = 2 x 16 x 256 x 2 x 1 = 16384 per 5.25 ns = 3.12 1b-TOPS); priced with the forward mode's
    512 x 128 array and 128 ADCs its throughput had been half the published (0.774 vs 1.56 TOPS)"""
    label = "UIUC row 2: 0.85 V, B_x 2, B_w 1, ADC 5, R_C 16, alpha 4"
    config, _ = macro_configs.point_config("su-isscc2020", 1)
    assert (config.array.rows, config.array.cols) == (128, 512)
    tops = [c for c in macro_comparison.macro_cases() if c.key == f"su-isscc2020 / {label} / tops"][0]
    assert tops.published == 1.56 and tops.model == pytest.approx(1.56, rel=0.01)
