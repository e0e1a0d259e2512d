"""A macro file's fields at the level they are read at, and which published figures count as energy."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from cimsim.cli import main
from cimsim.validation import macro_comparison, macro_configs, macro_record, macro_report

MACRO = """[[macro]]
key = "m"
title = "a macro"
source = "a paper"
read_via = "a table"
family = "rram"
rows = 256
{macro}
[[macro.point]]
label = "p"
tops_per_w = 10.0
{point}
"""


@pytest.mark.parametrize("macro, point, message", [
    ("", 'family = "pcm"', "macro 'm', point 1: 'family' belongs in the [[macro]] table, not in a [[macro.point]]"),
    ("", 'key = "other"', "macro 'm', point 1: 'key' belongs in the [[macro]] table"),
    ("", 'notes = "n"', "macro 'm', point 1: 'notes' belongs in the [[macro]] table"),
    ("tops_per_w = 3.0", "", "macro 'm': 'tops_per_w' belongs in each [[macro.point]], not in the [[macro]] table"),
    ('label = "x"', "", "macro 'm': 'label' belongs in each [[macro.point]]"),
    ("ops_per_mac = 1", "", "macro 'm': 'ops_per_mac' belongs in each [[macro.point]]"),
])
def test_a_field_at_the_wrong_level_is_refused_naming_its_level(tmp_path, macro, point, message):
    """fields read at one level only had been ignored silently at the other"""
    path = tmp_path / "m.toml"
    path.write_text(MACRO.format(macro=macro, point=point))
    result = CliRunner().invoke(main, ["macros", str(path)])
    assert result.exit_code == 2, result.output
    assert f"error: {path}: {message}" in result.output


@pytest.mark.parametrize("point, stated", [
    ("energy_fj_per_mac = 200.0", "'tops_per_w' and 'energy_fj_per_mac'"),
    ('energy_fj_per_mac = 200.0\ndoubtful_figure = "energy_fj_per_mac"\ndoubtful_reason = "x"', None),
    ('energy_pj = 13.1\nenergy_per = "one full-array MVM (65536 MACs)"\ndoubtful_figure = "energy_pj"\n'
     'doubtful_reason = "x"', None),
    ('energy_pj = 13.1\nenergy_per = "one full-array MVM (65536 MACs)"', "'tops_per_w' and 'energy_pj'")])
def test_one_efficiency_stated_twice_in_a_point_is_refused(tmp_path, point, stated):
    # 10 TOPS/W and 200 fJ per MAC (2 ops per MAC) had been two absolute cases, the second "an independent
    # prediction" whose model value is the first's exactly: every count and median weighed it twice
    path = tmp_path / "m.toml"
    path.write_text(MACRO.format(macro="", point=point))
    result = CliRunner().invoke(main, ["macros", str(path)])
    if stated is None:  # the other flagged doubtful: compared once (it had been refused as twice)
        assert _loaded(result) and "state one measurement twice" not in result.output, result.output
        # (nothing to compare: the template's point lacks the design fields, which the loader's refusals come before)
        return
    assert result.exit_code == 2 and f"macro 'm', point 1: {stated} state one measurement twice" in result.output


def test_uiuc_s_normalised_efficiency_is_the_same_measurement_as_an_energy_per_mac(tmp_path):
    # tops_per_w_1b_norm is compared as tops_per_w (divided by B_x x B_w): with energy_fj_per_mac it had made two
    path = tmp_path / "m.toml"
    path.write_text(MACRO.format(macro="", point="uiuc_b_x = 1\nuiuc_b_w = 1\ntops_per_w_1b_norm = 100.0\n"
                                                 "energy_fj_per_mac = 20.0").replace("tops_per_w = 10.0\n", ""))
    result = CliRunner().invoke(main, ["macros", str(path)])
    assert result.exit_code == 2 and "'tops_per_w_1b_norm' and 'energy_fj_per_mac' state one measurement" in \
        result.output


@pytest.mark.parametrize("point, refused", [
    ("tops = 1.0\narea_mm2 = 1.0\ntops_per_mm2 = 100.0", True),  # 1 TOPS on 1 mm2 said as 100 TOPS/mm2: a slip
    ("tops = 1.0\narea_mm2 = 1.0\ntops_per_mm2 = 1.0", True),  # agreeing, still one figure counted twice
    ("tops = 1.0\narea_mm2 = 1.0\ntops_per_mm2 = 100.0\ndoubtful_figure = 'tops_per_mm2'\ndoubtful_reason = 'x'",
     False),
    ("tops = 1.0\ntops_per_mm2 = 100.0", False)])
def test_a_density_stated_with_its_throughput_and_area_is_refused(tmp_path, point, refused):
    """tops_per_mm2 = tops / area_mm2: all three had been compared as three predictions, a contradiction unsaid
    (probe of 2026-12-06)"""
    path = tmp_path / "m.toml"
    path.write_text(MACRO.format(macro="", point=point))
    result = CliRunner().invoke(main, ["macros", str(path)])
    message = "macro 'm', point 1: 'tops', 'area_mm2' and 'tops_per_mm2' state two measurements three times"
    assert (result.exit_code == 2 and message in result.output) == refused, result.output


UIUC_POINT = "uiuc_b_x = 4\nuiuc_b_w = 4\ninput_bits = 4\nweight_bits = 4\narea_mm2 = 1.0\n"


@pytest.mark.parametrize("notes, point, stated", [
    ("", "tops_1b_norm = 16.0\ntops_per_mm2_1b_norm = 1600.0", "'tops_1b_norm', 'area_mm2' and 'tops_per_mm2_1b_norm'"),
    ("", "tops = 1.0\ntops_per_mm2_1b_norm = 1600.0", "'tops', 'area_mm2' and 'tops_per_mm2_1b_norm'"),
    ("", "tops_1b_norm = 16.0\ntops_per_mm2 = 100.0", "'tops_1b_norm', 'area_mm2' and 'tops_per_mm2'"),
    ('notes = "a chip of 4 cores"', "tops = 4.0\ntops_per_mm2 = 2.0", None)])
def test_the_density_check_reads_the_figures_the_comparison_compares(tmp_path, notes, point, stated):
    """UIUC's 1b-normalised stand-ins count as the raw figures (a review of 2026-12-06: the 1b forms had passed);
    a design of several cores compares its density alone (its throughput and area are the design's), so stating
    all three stays accepted, as before the check"""
    path = tmp_path / "m.toml"
    path.write_text(MACRO.format(macro=notes, point=UIUC_POINT + point).replace("tops_per_w = 10.0\n", ""))
    result = CliRunner().invoke(main, ["macros", str(path)])
    if stated is None:
        assert _loaded(result), result.output
    else:
        assert result.exit_code == 2 and f"{stated} state two measurements three times" in result.output


def test_a_stated_core_count_leaves_the_whole_designs_figures_out(tmp_path):
    """a whole chip's tops had been compared with one macro where its notes worded the core count otherwise ('a
    4-core chip' then): `cores` states it (ahead of the notes), and the macro level is its only place"""
    path = tmp_path / "m.toml"
    for macro, left_out in (("cores = 4", True), ('notes = "the chip of N_core 4 macros"\ncores = 1', False),
                            ("", False)):
        full = (f"{macro}\nnode_nm = 22\nvdd_v = 0.8\ncols = 64\ninput_bits = 1\nweight_bits = 1\nadc_bits = 4\n"
                "adcs = 16\ncycle_ns = 10.0")
        path.write_text(MACRO.format(macro=full, point="tops = 3.28"))
        result = CliRunner().invoke(main, ["macros", str(path)])
        assert _loaded(result), result.output
        assert ("tops of a design of 4 cores, banks or macros (its cores or notes)" in result.output) == left_out
    assert "'cores' belongs in the [[macro]] table" in _refusal(tmp_path, MACRO.format(macro="", point="cores = 4"))
    assert "'cores' must be a positive integer; got 0" in _refusal(tmp_path, MACRO.format(macro="cores = 0", point=""))


@pytest.mark.parametrize("area, refused", [(120000.0, True), (2396.0, True), (858.5, True), (800.0, False),
                                           (2e-4, False), (2e-7, True)])
def test_an_area_no_die_has_is_refused_as_a_unit_slip(tmp_path, area, refused):
    """a wafer's 70 686 mm2 had been the bound: Dong et al.'s 2396 um2 macro written as mm2 passed; 0.2 um2, no lower
    bound (chips probes)"""
    path = tmp_path / "m.toml"
    path.write_text(MACRO.format(macro="", point=f"area_mm2 = {area}"))
    result = CliRunner().invoke(main, ["macros", str(path)])
    reticle = (f"area_mm2 = {area:g} is below 1 um2, a few bit cells: an area in m2" if area < 1e-6 else
               f"area_mm2 = {area:g} is larger than a reticle (26 x 33 mm, 858 mm2), a die's limit: an area in um2")
    assert (result.exit_code == 2 and reticle in result.output) == refused, result.output


@pytest.mark.parametrize("macro, point", [("vdd_v = 0.9", "vdd_v = 0.8"), ("", 'source = "its own figure"')])
def test_fields_of_both_levels_stay_accepted_at_both(tmp_path, macro, point):
    path = tmp_path / "m.toml"
    path.write_text(MACRO.format(macro=macro, point=point))
    assert "belongs in" not in CliRunner().invoke(main, ["macros", str(path)]).output


def case(quantity: str, model: float, published: float) -> macro_comparison.MacroCase:
    return macro_comparison.MacroCase("k", "jia-jssc2020", "p", quantity, "", published, model, 0.15, "absolute", "",
                                      "")


def test_only_energy_figures_count_as_energy():
    """an area_mm2 figure had been counted in the 'silicon / model energy' column and the energy record"""
    assert {q for q in macro_comparison._QUANTITIES if macro_record.figure_kind(q) == "energy"} == {
        "tops_per_w", "energy_fj_per_mac", "energy_pj_per_mvm"}  # a converter's energy had counted: one component's
    assert macro_record.figure_kind("adc_energy_pj") == "converter"
    assert macro_record.figure_kind("area_mm2") == "area" and macro_record.figure_kind("new_quantity") == "other"
    synthetic = [case("tops_per_w", 200.0, 100.0), case("area_mm2", 1.0, 8.0)]
    entry = macro_record.records_by_family(synthetic)["families"]["sram-charge"]
    assert entry["energy"]["measured_over_model"] == [2.0, 2.0, 2.0]
    assert entry["area"]["measured_over_model"] == [8.0, 8.0, 8.0] and entry["area"]["cases"] == 1
    row = macro_report._group_rows(tuple(synthetic), {"sram-charge": "1"}, lambda c: "sram-charge", "family",
                                   "macros")[-1]
    assert "| 2x |" in row and "8" not in row.split("|")[6]


CHIP = """[[macro]]
key = "c"
title = "a chip"
source = "a paper"
read_via = "a table"
family = "sram-charge"
node_nm = 65
vdd_v = 0.7
rows = 128
cols = 128
adc_bits = 5
cols_per_adc = 2
{macro}
[[macro.point]]
label = "p"
{point}
"""


def _survey(tmp_path, macro: str, point: str):
    path = tmp_path / "c.toml"
    path.write_text(CHIP.format(macro=macro, point=point))
    return macro_comparison.survey(str(path))


def test_weight_levels_undo_a_1b_normalised_figure_as_weight_bits_do(tmp_path):
    """weight_levels = 3 is 2-bit weights: the 1b-normalised figure is divided by 5 x 2, as for weight_bits = 2 (it
    had been left out as 'no weight precision stated')"""
    point = "uiuc_b_x = 5\nuiuc_b_w = 2\nuiuc_alpha = 1\ntops_per_w_1b_norm = 2482.5"
    levels = _survey(tmp_path, "cycle_ns = 325\ninput_bits = 5\nweight_levels = 3", point)[0]
    bits = _survey(tmp_path, "cycle_ns = 325\ninput_bits = 5\nweight_bits = 2", point)[0]
    assert [f.value for f in levels[0].figures] == [f.value for f in bits[0].figures] == [2482.5 / 10]


@pytest.mark.parametrize("stated, priced", [
    ("Flash", "flash"), ("SAR", "sar"), ("single-slope", "ramp"), ("other: CCO-based", "vco"), ("other: TDC", "sar"),
    ("4b flash ADC", "flash"), ("Integrating ADC", "ramp"), ("dual-slope", "ramp"), ("single-slope (ramp)", "ramp"),
    ("flash-assisted SAR", "sar"), ("VCO ADC", "vco"), ("other: integrate + charge-decrement ADC", "sar"),
    ("counting ADC", "ramp"), ("integrate-and-fire neuron", "ramp"), ("no-ADC SAR", "sar"), ("N/A", "sar"),
    ("CCO-free current-integrating", "ramp"), ("VCO-free", "sar"), ("flash-less ramp", "ramp"),
    ("replaces the power-hungry flash of prior work", "sar"), ("ramp (instead of a flash)", "ramp"),
    ("current-integrating, without an oscillator", "ramp"), ("flash, not SAR", "flash"), ("non-SAR flash", "flash"),
    ("non-uniform flash", "flash"), ("flash replaced by a ramp", "ramp"), ("none (sense amps + 3b flash)", "flash"),
    ("ADC-free; 4b flash in the periphery", "flash"), ("none-linear flash", "flash"), ("not SAR but flash", "flash"),
    ("instead of SAR we use flash", "flash"), ("replacing SAR with flash", "flash"), ("SAR replaced by flash", "flash"),
    ("no ADC - flash", "flash"), ("does not use SAR but a ramp", "ramp"), ("We do not use flash; a ramp ADC", "ramp"),
    ("the SAR ADC is replaced by a flash", "flash"), ("no SAR or flash; a ramp ADC", "ramp"), ("ramp, not flash or SAR",
    "ramp"), ("unlike flash or SAR designs, a VCO ADC", "vco"), ("SAR was replaced with a flash", "flash"),
    ("no calibration with flash", "flash"), ("doesn't use a flash, ramp", "ramp"), ("flash; we replaced the SAR",
    "flash"), ("neither SAR nor flash; ramp", "ramp"), ("ramp replaced flash", "ramp"),
    ("a VCO replaced SAR ADCs", "vco"), ("No. of flash ADCs: 64", "flash"), ("not only SAR but also flash", "sar")])
def test_adc_types_are_read_in_any_case(tmp_path, stated, priced):
    """'Flash' had been priced as a SAR converter (only the lower-case names were read); so had "flash ADC",
    "Integrating ADC" and "dual-slope", papers' own wording (only the bare names had been read); a type the text rules
    out ('CCO-free', 'flash-less', 'replaces the ... flash') had been priced as that type (a chips probe)"""
    from cimsim.validation.macro_configs import point_config

    path = tmp_path / "c.toml"
    path.write_text(CHIP.format(macro=f'cycle_ns = 20\ninput_bits = 4\nweight_bits = 4\nadc_type = "{stated}"',
                                point="tops_per_w = 100.0"))
    assert point_config("c", 0, str(path))[0].adc.type == priced


def test_what_a_one_level_read_ignores_is_noted_not_dropped_unsaid(tmp_path):
    """a pulse encoding and analog accumulation on 1-bit inputs and one-slice weights change nothing and are priced
    as voltage reads converted one by one, as before, but now noted (they had been dropped unsaid: two chips
    probes); on several planes the accumulation is kept, with no such note"""
    stated = 'input_encoding = "pulse_count"\nanalog_accumulation = true\nweight_accumulation = true\nbits_per_cell = 4'
    path = tmp_path / "r.toml"

    def notes(inputs: str) -> str:
        path.write_text(CHIP.replace('"sram-charge"', '"rram"').format(
            macro=f"cycle_ns = 20\n{inputs}\nweight_bits = 4\n{stated}", point="tops_per_w = 1.0"))
        return " ".join(macro_comparison.survey(str(path))[0][0].notes)

    planes = "analog_accumulation = true: an input is one plane here, nothing to sum (priced without it)"
    slices = "weight_accumulation = true: a weight is one slice here, nothing to sum (priced without it)"
    encoding = "input encoding pulse_count on reads of one level: one pulse of the read voltage, as voltage"
    one_bit = notes("input_bits = 1")
    assert planes in one_bit and slices in one_bit and encoding in one_bit
    serial = notes("input_bits = 4\nbits_per_read = 1")  # 4 planes summed: kept
    assert planes not in serial and slices in serial and encoding in serial
    whole = notes("input_bits = 4")  # one read of 4 bits: several levels, a pulse encoding priced as stated
    assert planes in whole and "input encoding" not in whole


def test_a_point_without_a_clock_leaves_its_area_out_and_is_counted(tmp_path):
    """without a clock the converters are sized for an assumed rate: area is left out with the throughput; a point
    whose every figure is left out counts among the points left out (it had been counted nowhere)"""
    usable, excluded = _survey(tmp_path, "input_bits = 4\nweight_bits = 4", "area_mm2 = 0.1\ntops = 1.0")
    assert not usable
    reasons = {(e.what, e.reason) for e in excluded}
    assert ("area_mm2", "no clock or cycle time stated: converters sized for an assumed rate") in reasons
    assert ("tops", "no clock or cycle time stated: throughput not predictable") in reasons
    assert ("point", "every figure left out (each one's row says why)") in reasons


def test_adcs_that_contradict_the_columns_are_noted(tmp_path):
    """8 ADCs of 2 columns each for 128 columns: priced with one per cols_per_adc columns, and the case says so
    (it had been silent)"""
    usable, _ = _survey(tmp_path, "cycle_ns = 10\ninput_bits = 1\nweight_bits = 4\nadcs = 8", "tops_per_w = 164.0")
    assert "adcs x cols_per_adc = 8 x 2 for 128 columns: ADCs built one per cols_per_adc columns" in " ".join(
        usable[0].notes)


def test_more_adcs_than_columns_without_cols_per_adc_are_noted(tmp_path):
    """300 ADCs for 128 columns (UIUC's N_ADC may count a macro's cores) had been priced as one per column silently"""
    path = tmp_path / "c.toml"
    path.write_text(CHIP.replace("cols_per_adc = 2\n", "").format(
        macro="cycle_ns = 10\ninput_bits = 1\nweight_bits = 4\nadcs = 300", point="tops_per_w = 164.0"))
    usable, _ = macro_comparison.survey(str(path))
    assert "300 adcs for 128 columns: one ADC built per column" in " ".join(usable[0].notes)


def test_a_refused_configuration_names_the_entrys_field_too(tmp_path):
    """a 3 nm entry: the refusal quotes the config field and says which field of the entry set it"""
    path = tmp_path / "c.toml"
    path.write_text(CHIP.format(macro="cycle_ns = 10\ninput_bits = 4\nweight_bits = 4",
                                point="tops_per_w = 100.0").replace("node_nm = 65", "node_nm = 3"))
    (_, excluded) = macro_comparison.survey(str(path))
    assert "'technology.node_nm' (the entry's node_nm) must be a finite number in [7.0, 180.0]" in excluded[0].reason


def _loaded(result) -> bool:
    """whether `cimsim macros` read the file: compared its points, or found none it can compare (both exit 2 when
    refused, the latter since it is bad input too)"""
    return result.exit_code == 0 or (result.exit_code == 2 and "no point cimsim can compare" in result.output)


def _refusal(tmp_path, text: str) -> str:
    """the output of `cimsim macros` on ``text``, which must stop with exit code 2"""
    path = tmp_path / "c.toml"
    path.write_text(text)
    result = CliRunner().invoke(main, ["macros", str(path)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return result.output.replace(f"{path}: ", "FILE: ")


@pytest.mark.parametrize("macro, point, message", [
    ("input_bits = 4\nweight_bits = 4", 'tops_per_w = 1.0\ninput_encoding = "pulse-count"',
     "FILE: macro 'c', point 1 ('p'): 'input_encoding' must be one of voltage, pulse_width, pulse_count; got "
     "'pulse-count'; did you mean 'pulse_count'?"),
    ('digital_adders = "cell-chain"', "tops_per_w = 1.0",
     "FILE: macro 'c': 'digital_adders' must be one of tree, cell_chain; got 'cell-chain'; did you mean 'cell_chain'?"),
    ("", 'tops_per_w = 1.0\ndata = "fullscale"', "'data' must be one of uniform, full_scale; got 'fullscale'; did you "
                                                 "mean 'full_scale'?"),
])
def test_a_misspelt_choice_is_refused_with_the_values_allowed(tmp_path, macro, point, message):
    """a misspelt input_encoding or digital_adders had left the point out as a configuration cimsim refuses (exit 0
    with other points, 1 alone), not refused as the file's error"""
    assert message in _refusal(tmp_path, CHIP.format(macro=macro, point=point))


@pytest.mark.parametrize("family", ["sram_charge", "SRAM-charge"])
def test_a_misspelt_family_gets_the_nearest_family(tmp_path, family):
    text = CHIP.format(macro="", point="tops_per_w = 1.0").replace('"sram-charge"', f'"{family}"')
    assert "FILE: macro 'c': 'family' must be one of rram, pcm, mram, fefet, sram-charge, sram-current, digital; got " \
           f"'{family}'; did you mean 'sram-charge'?" in _refusal(tmp_path, text)


@pytest.mark.parametrize("family, stand_in", [("edram", "sram-charge is the nearest"), ("eDRAM ", "sram-charge"),
                                               ("edram", "lookup tables of digital logic (adder trees, LUTs): digital"),
                                               ("gain-cell edram", "sram-charge"),
                                               ("nor flash", "fefet is the nearest"),
                                               ("nor-flash", "fefet is the nearest"), ("eflash", "fefet"),
                                               ("DRAM", "sram-charge"), ("3T-DRAM", "sram-charge"),
                                               ("gain-cell", "sram-charge"), ("FeRAM", "(FeRAM / FeCAP, 1T1C): "
                                                                              "sram-charge is the nearest"),
                                               ("fecap", "sram-charge is the nearest"), ("1T1C", "sram-charge"),
                                               ("ferroelectric", "a ferroelectric transistor: fefet"),
                                               ("memristor", "cell: rram"), ("ReRAM", "cell: rram"),
                                               ("STT-MRAM", "mram"), ("phase-change", "pcm"),
                                               ("dcim", "digital CIM): digital"), ("2T1C eDRAM", "sram-charge"),
                                               ("C-2C ladder", "(C-2C ladders, charge sharing): sram-charge"),
                                               ("PCRAM", "pcm")])
def test_a_cell_without_a_family_is_told_its_nearest_stand_in(tmp_path, family, stand_in):
    """the probe of 2026-12-03: 'edram' got "did you mean 'rram'?" (two letters alike, nothing alike as a cell)"""
    text = CHIP.format(macro="", point="tops_per_w = 1.0").replace('"sram-charge"', f'"{family}"')
    refusal = _refusal(tmp_path, text)
    assert f"got '{family}': cimsim has no such family; " in refusal and stand_in in refusal
    assert "did you mean" not in refusal


@pytest.mark.parametrize("family", ["two-phase sram", "ladder-sram"])
def test_a_hint_matches_a_cell_word_not_a_piece_of_another(tmp_path, family):
    """'two-phase sram' had been told 'a phase-change cell: pcm' and 'C-2C ladder' digital (its 'adder'; a review)"""
    text = CHIP.format(macro="", point="tops_per_w = 1.0").replace('"sram-charge"', f'"{family}"')
    refusal = _refusal(tmp_path, text)
    assert "phase-change cell" not in refusal and "adder trees" not in refusal, refusal


def test_sram_alone_is_told_the_compute_domains(tmp_path):
    """'sram' had been told "did you mean 'rram'?" """
    text = CHIP.format(macro="", point="tops_per_w = 1.0").replace('"sram-charge"', '"sram"')
    assert "got 'sram': an SRAM macro names its compute domain: sram-charge, sram-current or digital" in _refusal(
        tmp_path, text)


@pytest.mark.parametrize("edits, message", [
    ([("rows = 128", "rows = 128\nrows_per_read = 512")], "macro 'c': it states rows_per_read = 512 above rows = 128"),
    ([("rows = 128", "rows = 128\ninput_bits = 4"), ('label = "p"', 'label = "p"\nbits_per_read = 16')],
     "macro 'c', point 1 ('p'): it states bits_per_read = 16 above input_bits = 4"),
    ([("rows = 128", 'rows = 128\ndigital_adders = "cell_chain"')],
     "macro 'c': a sram-charge macro converts its columns with ADCs; it states digital_adders (a digital macro's"),
    ([("adc_bits = 5", "adc_bits = 0.5")],
     "'adc_bits' must be a number >= 1 (the converter's bits), or 0 for a digital macro (no ADC); got 0.5"),
    ([('label = "p"', 'label = "p"\nops_per_mac = 1e9')], "macro 'c', point 1: 'ops_per_mac' must be 1 (a MAC "
                                                          "counted as one operation) or 2 (a multiply and an add)"),
])
def test_fields_that_contradict_each_other_or_physics_are_refused(tmp_path, edits, message):
    """more rows per read than rows had left the point out; more bits per read than input bits had been priced as
    all bits per read; a digital macro's adders on an analog one had left the point out; adc_bits 0.5 and
    ops_per_mac 1e9 had been priced"""
    text = CHIP.format(macro="", point="tops_per_w = 1.0")
    for old, new in edits:
        text = text.replace(old, new)
    assert message in _refusal(tmp_path, text)


@pytest.mark.parametrize("old, new, message", [('key = "c"', 'key = ""', "FILE: macro '': 'key' must be a non-empty "
                                                                        "string; got ''"),
                                               ('label = "p"', 'label = " "', "FILE: macro 'c', point 1: 'label' must "
                                                                              "be a non-empty string; got ' '")])
def test_an_empty_key_or_label_is_refused(tmp_path, old, new, message):
    """an empty key or label had been accepted (a case key ' / p / tops_per_w', a blank cell in the report)"""
    assert message in _refusal(tmp_path, CHIP.format(macro="", point="tops_per_w = 1.0").replace(old, new))


def test_a_pipe_in_a_macro_key_is_escaped_in_every_table(tmp_path):
    """a '|' in a key had split the report's table rows (labels, titles and sources were already escaped)"""
    path = tmp_path / "c.toml"
    path.write_text(CHIP.format(macro="cycle_ns = 10\ninput_bits = 4\nweight_bits = 4", point="tops_per_w = 100.0")
                    .replace('key = "c"', 'key = "c|d"'))
    report = macro_report.macro_tables_markdown(file=str(path))
    rows = [line for line in report.splitlines() if "c\\|d" in line]
    assert len(rows) == 4 and "| c|d" not in report  # absolute case, macro group, configuration, paper


@pytest.mark.parametrize("count", ["0 MACs", "00 MACs", "16,384 MACs", "16k MACs", "16384 macs at 4b"])
def test_an_energy_per_mvm_whose_mac_count_is_no_whole_number_is_refused(tmp_path, count):
    """'(0 MACs)' had divided by zero (an internal error, exit 1); '(16,384 MACs)' and '(16k MACs)' had been ignored,
    the MVM priced as the whole array without a note"""
    point = f'energy_pj = 50.0\nenergy_per = "one full-array MVM ({count})"'
    assert "FILE: macro 'c', point 1: 'energy_per' must give the MVM's MACs as '(N MACs)', N a whole number >= 1" \
        in _refusal(tmp_path, CHIP.format(macro="cycle_ns = 10\ninput_bits = 4\nweight_bits = 4", point=point))


def test_an_energy_per_without_its_energy_is_refused(tmp_path):
    """an energy_per whose point states no energy_pj had been accepted and ignored"""
    point = 'energy_per = "one ADC conversion"'
    assert "FILE: macro 'c', point 1: 'energy_per' says what an 'energy_pj' covers, and the table states no " \
        "energy_pj" in _refusal(tmp_path, CHIP.format(macro="cycle_ns = 10\ninput_bits = 4\nweight_bits = 4",
                                                     point=point))


def test_an_energy_without_energy_per_is_left_out_naming_the_missing_field(tmp_path):
    """the reason had read: energy per '': what it covers is not stated"""
    _, out = _survey(tmp_path, "cycle_ns = 10\ninput_bits = 4\nweight_bits = 4", "energy_pj = 50.0")
    reasons = [e.reason for e in out if e.what == "energy_pj"]
    assert reasons and reasons[0].startswith("no energy_per: what it covers is not stated"), reasons


def test_an_energy_per_mvm_of_a_whole_mac_count_is_priced_at_it(tmp_path):
    usable, _ = _survey(tmp_path, "cycle_ns = 10\ninput_bits = 4\nweight_bits = 4",
                        'energy_pj = 50.0\nenergy_per = "one full-array 128x32 MVM (4096 MACs), at maximum"')
    assert [f.macs for f in usable[0].figures] == [4096]  # 128 x 128 cells hold 128 x 32 4-bit weights


@pytest.mark.parametrize("old, new, message", [
    ('key = "c"', 'key = "c\\td"', "FILE: macro 'c\\td': 'key' must be a string without control characters"),
    ('label = "p"', 'label = "p\\nq"',
     "FILE: macro 'c', point 1: 'label' must be a string without control characters")])
def test_a_control_character_in_a_key_or_label_is_refused_naming_it(tmp_path, old, new, message):
    """a tab or newline had been accepted and refused later as the config's 'name' (exit 1, or the point left out)"""
    text = CHIP.format(macro="cycle_ns = 10\ninput_bits = 4\nweight_bits = 4", point="tops_per_w = 100.0")
    assert message in _refusal(tmp_path, text.replace(old, new))


DIGITAL = """[[macro]]
key = "d"
title = "a digital macro"
source = "a paper"
read_via = "a table"
family = "digital"
node_nm = 7
vdd_v = 0.7
rows = 64
cols = 256
input_bits = 4
weight_bits = 4
adcs = 64
clock_mhz = 1000
{macro}
[[macro.point]]
label = "p"
tops_per_w = 254.0
"""


@pytest.mark.parametrize("stated", ["None", "NONE", " none ", "No ADC", "ADC-less", "adc free", "without an ADC",
                                    "no converters", "none (near-memory digital MAC)",
                                    "no ADC: sense amplifiers + digital adder tree", "None - digital adders",
                                    "none [SA only]", "none / sense amp", "none + SA", "none (no SAR or flash needed)"])
def test_adc_type_none_is_read_in_any_case(tmp_path, stated):
    """an analog macro stating 'None' had been priced as SAR (with a note), a digital one refused; so had 'No ADC'
    and 'ADC-less' (a chips probe, 2026-12-08; 'N/A', a type not available, stays an unnamed type: a review), and
    'none' with a remark after it (a chips probe, 2026-12-07)"""
    message = f"FILE: macro 'c': a sram-charge macro converts its columns with ADCs; it states adc_type = " \
              f"{stated.strip()!r} (only a digital macro has none; columns read by 1-bit comparators "
    assert message in _refusal(tmp_path, CHIP.format(macro=f'adc_type = "{stated}"', point="tops_per_w = 1.0"))
    path = tmp_path / "d.toml"
    path.write_text(DIGITAL.format(macro=f'adc_type = "{stated}"'))
    assert macro_comparison.survey(str(path))[0]


@pytest.mark.parametrize("stated", ["N/A", "n/a", "-", "\u2014", "\u2212", "n-a", "n.a.", "N / A", "not applicable"])
def test_a_digital_macros_adc_type_not_applicable_is_no_converter(tmp_path, stated):
    """'N/A' had been refused as a digital macro's stated converter (it means not applicable: a review, 2026-12-08)"""
    path = tmp_path / "d.toml"
    path.write_text(DIGITAL.format(macro=f'adc_type = "{stated}"'))
    assert macro_comparison.survey(str(path))[0]


def test_a_cell_chain_macros_adcs_are_said_unread(tmp_path):
    """a cell chain sums in its cells: its stated adcs had cut the workload to that many outputs, then (with adder
    trees summing every output) been ignored silently (a review, 2026-12-08)"""
    from cimsim.validation.macro_configs import point_config

    path = tmp_path / "d.toml"
    path.write_text(DIGITAL.replace("adcs = 64\n", "adcs = 4\n").format(macro='digital_adders = "cell_chain"'))
    notes = point_config("d", 0, str(path))[1]
    assert "adcs = 4 not read: a cell chain sums in its cells, every output a read" in notes


@pytest.mark.parametrize("macro", ["cols_per_adc = 4", "cols_per_adc = 4\nadcs = 16"])
def test_a_digital_macros_columns_per_adc_are_refused_unless_they_restate_its_adder_trees(tmp_path, macro):
    """a digital macro's cols_per_adc had been ignored silently (it reads only adcs, its adder trees); 4 columns per
    tree of 64 trees for 256 columns says no more than adcs, and stays accepted"""
    text = DIGITAL.replace("adcs = 64\n", "").format(macro=macro)
    assert "FILE: macro 'd': a digital macro has no ADC and sums exactly; it states cols_per_adc = 4" in _refusal(
        tmp_path, text)
    path = tmp_path / "d.toml"
    path.write_text(DIGITAL.format(macro="cols_per_adc = 4"))
    assert macro_comparison.survey(str(path))[0]


@pytest.mark.parametrize("before", ["", CHIP.format(macro="", point="tops_per_w = 1.0") + "\n"])
def test_a_macro_without_points_is_refused_naming_it(tmp_path, before):
    """a [[macro]] with no [[macro.point]] had been dropped without a reason ('1 of 2 macros usable'; alone, exit 1
    'no point cimsim can compare')"""
    pointless = '[[macro]]\nkey = "e"\ntitle = "t"\nsource = "s"\nread_via = "r"\nfamily = "rram"\nrows = 64\n'
    assert "FILE: macro 'e' has no [[macro.point]]" in _refusal(tmp_path, before + pointless)


def test_points_that_differ_only_in_their_data_condition_form_a_trend(tmp_path):
    """a uniform-data point and a full-scale one of one configuration are priced apart, but had been taken for
    repeats: 'No trend: no two comparable points'"""
    chip = """[[macro]]
key = "charge-28"
title = "t"
source = "s"
read_via = "primary"
family = "sram-charge"
node_nm = 28
vdd_v = 0.9
rows = 256
cols = 64
adc_bits = 5
cols_per_adc = 1
cycle_ns = 20.0
[[macro.point]]
label = "uniform"
input_bits = 4
weight_bits = 4
tops_per_w = 150.0
[[macro.point]]
label = "full scale"
input_bits = 4
weight_bits = 4
data = "full_scale"
tops_per_w = 120.0
"""
    path = tmp_path / "c.toml"
    path.write_text(chip)
    trends = [c for c in macro_comparison.macro_cases(str(path)) if c.kind == "trend"]
    assert len(trends) == 1 and "(data uniform -> full_scale)" in trends[0].why


def test_more_adder_trees_than_outputs_are_noted(tmp_path):
    """probe of 2026-12-04: a digital macro stating 1000 adcs (its adder trees) for 32 outputs was priced one per output
    without a word, where an analog one gets a note"""
    text = (CHIP.replace('family = "sram-charge"', 'family = "digital"').replace("adc_bits = 5", "adc_bits = 0")
            .replace("cols_per_adc = 2", "adcs = 1000\ninput_bits = 4\nweight_bits = 4"))
    path = tmp_path / "d.toml"
    path.write_text(text.format(macro="", point="tops_per_w = 1.0"))
    config, notes = macro_configs.point_config("c", 0, str(path))
    assert "1000 adder trees for the 32 outputs its 128 columns hold: one per output priced" in notes
    assert config.array.adder_trees == 0  # one per output


def test_a_derived_figure_that_rounds_to_the_published_one_passes():
    """a UIUC throughput written as 0.01 TOPS had been a MISS at 0.0144 while its note said it rounds to 0.01"""
    def derived(model: float, published: float) -> macro_comparison.MacroCase:
        return macro_comparison.MacroCase("k", "m", "p", "tops", "TOPS", published, model, 0.15, "absolute", "", "",
                                          bookkeeping="derived")
    assert derived(0.0144, 0.01).passed and not derived(0.0156, 0.01).passed
    assert derived(0.0249, 0.02).passed and not derived(0.0251, 0.02).passed  # 1 digit: [0.015, 0.025)
    assert not case("tops", 0.0144, 0.01).passed  # a prediction keeps its tolerance


def test_columns_per_adc_cut_by_summed_weight_columns_are_noted(tmp_path):
    """an ADC of 2 columns with a 5-bit weight's columns summed before it had been priced as one of 1, unnoted"""
    path = tmp_path / "m.toml"
    path.write_text(MACRO.replace('family = "rram"', 'family = "sram-current"').format(
        macro="cols = 64\nrows_per_read = 16\nnode_nm = 65\nvdd_v = 1.0\ncycle_ns = 10\ninput_bits = 1\n"
              "weight_bits = 5\nadc_bits = 5\nadcs = 32\ncols_per_adc = 2\nweight_accumulation = true", point=""))
    result = CliRunner().invoke(main, ["macros", str(path)])
    assert result.exit_code == 0, result.output
    assert ("2 column(s) per ADC where one conversion reads 5 (a weight's 5 columns summed): one ADC per converted "
            "column priced, the others idle") in result.output


def test_the_configuration_line_says_how_many_outputs_the_workload_has(tmp_path):
    """where the stated ADCs bound the outputs per read, the configuration table said "127 outputs" while the why
    column said the workload had 16: the line now gives both"""
    from cimsim.validation.macro_configs import point_config

    path = tmp_path / "c.toml"
    path.write_text(CHIP.format(macro="cycle_ns = 20\ninput_bits = 4\nweight_bits = 1\nadcs = 8",
                                point="tops_per_w = 100.0"))
    config = point_config("c", 0, str(path))[0]
    assert config.workload.out_features == 16  # 8 ADCs of 2 columns each
    assert "127 outputs (16 in the workload)" in macro_report.config_summary(config)
    path.write_text(CHIP.format(macro="cycle_ns = 20\ninput_bits = 4\nweight_bits = 1", point="tops_per_w = 100.0"))
    assert "127 outputs;" in macro_report.config_summary(point_config("c", 0, str(path))[0])


def test_a_stated_weight_accumulation_false_is_taken(tmp_path):
    """an SRAM macro whose UIUC B_w is 2 or more sums a weight's columns before the ADC unless the entry says
    otherwise: weight_accumulation = false had been read as not stated, the columns summed all the same"""
    from cimsim.validation.macro_configs import point_config

    point = "uiuc_b_x = 1\nuiuc_b_w = 2\nuiuc_alpha = 1\ntops_per_w_1b_norm = 100.0"
    path = tmp_path / "c.toml"
    for stated, summed in (("", "slices"), ("weight_accumulation = false", "none"),
                           ("weight_accumulation = true", "slices")):
        path.write_text(CHIP.format(macro=f"cycle_ns = 20\ninput_bits = 1\nweight_bits = 2\n{stated}", point=point))
        assert point_config("c", 0, str(path))[0].adc.accumulation == summed, stated


def test_a_weight_group_inferred_from_another_points_uiuc_row_is_said(tmp_path):
    """a UIUC B_w >= 2 at one point sums a weight's columns before the ADC at every point of the chip (the silicon's
    structure); a point without UIUC figures had changed with the other point's row, its notes unchanged"""
    from cimsim.validation.macro_configs import point_config

    path = tmp_path / "c.toml"
    uiuc = "\n[[macro.point]]\nlabel = \"row\"\nuiuc_b_x = 1\nuiuc_b_w = 4\nuiuc_alpha = 1\ntops_per_w_1b_norm = 100.0"
    path.write_text(CHIP.format(macro="cycle_ns = 20\ninput_bits = 1\nweight_bits = 4", point="tops_per_w = 5.0")
                    + uiuc)
    config, notes = point_config("c", 0, str(path))
    assert config.adc.accumulation == "slices"
    assert any("summed before the ADC" in n and "UIUC B_w = 4 at 'row'" in n for n in notes), notes
    path.write_text(CHIP.format(macro="cycle_ns = 20\ninput_bits = 1\nweight_bits = 4", point="tops_per_w = 5.0"))
    config, notes = point_config("c", 0, str(path))
    assert config.adc.accumulation == "none" and not any("summed before the ADC" in n for n in notes)
    path.write_text(CHIP.format(macro="cycle_ns = 20\ninput_bits = 1\nweight_bits = 1", point="tops_per_w = 5.0")
                    + uiuc)  # one column a weight: nothing summed, nothing said (valavi-vlsi2018's note had said so)
    config, notes = point_config("c", 0, str(path))
    assert config.adc.accumulation == "none" and not any("summed before the ADC" in n for n in notes)


RESISTIVE = CHIP.replace('family = "sram-charge"', 'family = "{family}"').replace(
    "{macro}", "cycle_ns = 100\ninput_bits = 1\nweight_bits = 1\n{macro}")


@pytest.mark.parametrize("family", ["mram", "rram"])
def test_a_resistive_cell_stated_in_the_entry_is_priced_as_stated(tmp_path, family):
    # a chip file could not state a cell's conductance, read voltage or word-line pulse: an MRAM or FeFET macro ran
    # at the RRAM default cell's, unsaid, and every resistive cell conducted for the whole 100 ns cycle
    from cimsim.validation.macro_configs import point_config, point_model

    path = tmp_path / "c.toml"
    stated = "g_min_us = 100.0\ng_max_us = 300.0\nread_voltage_v = 0.1\nread_pulse_ns = 5.0"
    energies = []
    for macro in ("", stated):
        path.write_text(RESISTIVE.format(family=family, macro=macro, point="tops_per_w = 100.0"))
        config, notes = point_config("c", 0, str(path))
        said = " ".join(notes)
        assert ("cell: no device preset of its own" in said) == (family == "mram" and not macro)
        assert ("entry states no read_pulse_ns" in said) == (not macro)
        if macro:
            d = config.device
            assert (d.g_min_us, d.g_max_us, d.read_voltage_v, d.read_pulse_ns) == (100.0, 300.0, 0.1, 5.0)
            assert config.technology.clock_ghz == pytest.approx(0.01)  # the clock stays the stated cycle's
        energies.append(point_model("c", 0, str(path))["energy_fj_per_mac"])
    assert min(energies) > 0 and energies[1] != energies[0]


@pytest.mark.parametrize("family, macro, message", [
    ("sram-charge", "read_voltage_v = 0.2", "read_voltage_v state a resistive cell (rram, pcm, mram, fefet); a "
                                            "sram-charge macro's lines swing its supply (vdd_v): leave them out"),
    ("rram", "g_min_us = 5.0\ng_max_us = 5.0", "g_min_us = 5.0 must be below g_max_us = 5.0"),
    ("rram", "g_min_us = 500.0", "g_min_us and g_max_us go together (the cell's conductance range); it states "
                                 "g_min_us alone (here or in its macro)"),
    ("rram", "g_min_us = -1.0\ng_max_us = 5.0", "'g_min_us' must be a finite number >= 0"),
    ("rram", "g_max_us = -1.0", "'g_max_us' must be a positive number")])
def test_cell_fields_an_entry_cannot_hold_are_refused(tmp_path, family, macro, message):
    assert message in _refusal(tmp_path, RESISTIVE.format(family=family, macro=macro, point="tops_per_w = 1.0"))


def test_a_conductance_range_split_between_a_macro_and_its_points_is_one_range(tmp_path):
    # g_min_us in the macro, g_max_us in each point: every point states both (it had been refused at the macro)
    from cimsim.validation.macro_configs import point_config

    path = tmp_path / "c.toml"
    path.write_text(RESISTIVE.format(family="rram", macro="g_min_us = 1.0", point="g_max_us = 50.0\ntops_per_w = 1.0"))
    device = point_config("c", 0, str(path))[0].device
    assert (device.g_min_us, device.g_max_us) == (1.0, 50.0)


def test_a_stated_pulse_longer_than_its_read_is_left_out_with_the_reason(tmp_path):
    usable, unusable = _survey_text(tmp_path, RESISTIVE.format(family="rram", macro="read_pulse_ns = 150.0",
                                                               point="tops_per_w = 1.0"))
    assert not usable and "read_pulse_ns = 150 x 1 unit pulse(s) is longer than the read cycle (100 ns)" in \
        unusable[0].reason


def _survey_text(tmp_path, text: str):
    path = tmp_path / "c.toml"
    path.write_text(text)
    return macro_comparison.survey(str(path))


@pytest.mark.parametrize("stated, note", [("", "bits per read not stated: all 4 magnitude bits in one read"),
                                          ("bits_per_read = 1", None), ("input_bits = 1", None)])
def test_a_point_priced_reading_every_input_bit_at_once_says_so_where_the_entry_is_silent(tmp_path, stated, note):
    """a bit-serial chip whose entry stated no bits_per_read had been priced reading all its input bits at once,
    its DAC 42 % of a digital macro's energy, unsaid (probe of 2026-12-06)"""
    path, report = tmp_path / "m.toml", tmp_path / "m.md"
    fields = {"input_bits": "4", **dict([stated.split(" = ")] if stated else [])}
    path.write_text('[[macro]]\nkey = "k"\ntitle = "t"\nsource = "s"\nread_via = "r"\nfamily = "digital"\n'
                    "node_nm = 22\nvdd_v = 0.8\nrows = 256\ncols = 256\ncycle_ns = 10\nweight_bits = 4\n"
                    + "".join(f"{k} = {v}\n" for k, v in fields.items())
                    + '[[macro.point]]\nlabel = "p"\ntops_per_w = 50\n')
    result = CliRunner().invoke(main, ["macros", str(path), "-o", str(report)])
    assert result.exit_code == 0, result.output
    assert (note in report.read_text()) if note else "bits per read not stated" not in report.read_text()


@pytest.mark.parametrize("point, message", [
    ('energy_pj = 3.0\nenergy_per = "one ADC conversion of all 64 ADCs"',
     "'energy_per' 'one ADC conversion of all 64 ADCs' is compared as one ADC conversion's energy only as"),
    ('energy_pj = 3.0\nenergy_per = "one ADC conversion (per column) for all 256 ADCs (sum)"',
     "'energy_per' 'one ADC conversion (per column) for all 256 ADCs (sum)' is compared as one ADC conversion's"),
    ('energy_pj = 3.0\nenergy_per = "one ADC conversion (of all 64 ADCs)"',
     "is compared as one ADC conversion's energy only as 'one ADC conversion', a remark in parentheses after it at "
     "most (not a count of ADCs or conversions)"),
    ('energy_pj = 3.0\nenergy_per = "one ADC conversion (x64 ADCs)"', "(not a count of ADCs or conversions)"),
    ('energy_pj = 3.0\nenergy_per = "one ADC conversion (summed over every ADC)"', "(not a count of ADCs or"),
    ('energy_pj = 3.0\nenergy_per = "One ADC conversion"',
     "'energy_per' 'One ADC conversion' is read as written 'one ADC conversion' only (its capitals, single "
     "spaces): write 'one ADC conversion'"),
    ('energy_pj = 3.0\nenergy_per = " one  ADC conversion"', "write 'one ADC conversion'"),
    ('energy_pj = 3.0\nenergy_per = "ONE FULL-ARRAY MVM (1024 MACs)"',
     "is read as written 'one full-array' only (its capitals, single spaces): write 'one full-array MVM (1024 "
     "MACs)'"),
    ("input_zero_fraction = 1.0", "'input_zero_fraction' must be a number in [0, 1)"),
    ("weight_zero_fraction = 1", "'weight_zero_fraction' must be a number in [0, 1)"),
    ("input_bits = 4\nuiuc_b_x = 8\nuiuc_b_w = 1\ntops_per_w_1b_norm = 800.0",
     "it states uiuc_b_x = 8 (UIUC's input bits per array invocation) above input_bits = 4"),
    ("input_bits = 8\nbits_per_read = 1\nuiuc_b_x = 4\nuiuc_b_w = 1\ntops_per_w_1b_norm = 800.0",
     "it states uiuc_b_x = 4 (UIUC's input bits per array invocation, one read at the stated cycle) beside "
     "bits_per_read = 1")])
def test_figures_a_comparison_would_misread_are_refused(tmp_path, point, message):
    """a probe of 2026-12-06: an energy of 64 conversions had been compared as one's, a figure measured on all-zero
    inputs priced, B_x above the input bits divided the figure by 8; 2026-12-07: the 64 conversions in parentheses
    compared as one's, a compared form in other capitals left out as saying nothing of what it covers"""
    path = tmp_path / "m.toml"
    path.write_text(MACRO.format(macro="", point=point))
    result = CliRunner().invoke(main, ["macros", str(path)])
    assert result.exit_code == 2 and message in result.output, result.output


@pytest.mark.parametrize("point", ['energy_pj = 3.0\nenergy_per = "one ADC conversion"',
                                   'energy_pj = 3.0\nenergy_per = "one ADC conversion (per column, 1b op)"',
                                   "input_zero_fraction = 0.99",
                                   "input_bits = 8\nuiuc_b_x = 8\nuiuc_b_w = 3\ntops_per_w_1b_norm = 800.0",
                                   "input_bits = 8\nbits_per_read = 1\nanalog_accumulation = true\nuiuc_b_x = 8\n"
                                   "uiuc_b_w = 1\ntops_per_w_1b_norm = 800.0"])
def test_figures_stated_as_the_format_reads_them_stay_accepted(tmp_path, point):
    path = tmp_path / "m.toml"
    path.write_text(MACRO.format(macro="", point=point))
    result = CliRunner().invoke(main, ["macros", str(path)])
    assert _loaded(result), result.output  # (nothing to compare: the template's point lacks the design fields)


@pytest.mark.parametrize("macro, b_x, mode", [("", 1, "bit_serial"), ("analog_accumulation = true", 1, "bit_serial"),
                                              ("analog_accumulation = true", 8, "parallel")])
def test_a_uiuc_invocations_input_bits_are_a_reads(tmp_path, macro, b_x, mode):
    """UIUC's B_x is the input bits of one invocation, one read at the stated cycle: an entry of B_x 1 and 8-bit
    inputs stating no bits_per_read had been priced as all 8 bits in one read (its throughput 8x, its TOPS/W 5.4x
    a bit-serial read's; a chips probe), with its planes summed before one conversion too (a review); a B_x of every
    input bit with its planes summed leaves the read unstated"""
    from cimsim.validation.macro_configs import point_config

    path = tmp_path / "c.toml"
    path.write_text(CHIP.format(macro=f"cycle_ns = 10\ninput_bits = 8\nweight_bits = 1\n{macro}",
                                point=f"uiuc_b_x = {b_x}\nuiuc_b_w = 1\ntops_per_w_1b_norm = 800.0"))
    config, notes = point_config("c", 0, str(path))
    assert config.dac.mode == mode and config.dac.input_bits == 8
    assert any(n.startswith("bits per read not stated: UIUC's B_x, 1") for n in notes) == (b_x == 1)


@pytest.mark.parametrize("cycle_ns, noted", [(2.5, True), (300.0, False)])
def test_a_unit_pulse_shorter_than_a_gate_delay_is_noted(tmp_path, cycle_ns, noted):
    """an 8-bit pulse-width input read in a 2.5 ns cycle has 255 unit pulses of 9.8 ps, below one NAND2 delay at
    65 nm (ZigZag-IMC's 47.8 ps at 28 nm and 0.9 V, slower at 65 nm and 0.7 V): taken without a word, it made the
    input bits' time free (a chips probe)"""
    from cimsim.cost.gates import nand2_delay_ns
    from cimsim.validation.macro_configs import point_config

    path = tmp_path / "c.toml"
    path.write_text(CHIP.format(macro=f'cycle_ns = {cycle_ns}\ninput_bits = 8\nweight_bits = 1\n'
                                      'input_encoding = "pulse_width"', point="tops_per_w = 100.0"))
    config, notes = point_config("c", 0, str(path))
    gate_ns = nand2_delay_ns(65, 0.7)
    assert nand2_delay_ns(28, 0.9) == 0.0478 and 0.0478 < gate_ns < 1.0
    assert config.device.read_pulse_ns == pytest.approx(cycle_ns / 255)
    assert any(f"is shorter than one gate delay at 65 nm and 0.7 V ({gate_ns:.3g} ns" in n for n in notes) == noted


@pytest.mark.parametrize("macro, said", [
    ("adc_enob = 4", "a digital macro has no ADC and sums exactly; it states adc_enob = 4"),
    ('subtraction = "analog"', "a digital macro has no ADC and sums exactly; it states subtraction = 'analog'"),
    ('input_encoding = "pulse_count"', "a digital macro's inputs reach its rows as bits on wires; it states "
                                       "input_encoding = 'pulse_count'")])
def test_a_digital_macros_analog_fields_are_refused_not_dropped(tmp_path, macro, said):
    """adc_enob and a time-domain input had been accepted and priced as without them, analog subtraction refused as
    a two's-complement encoding's rule (a probe, 2026-12-06)"""
    assert f"FILE: macro 'd': {said}" in _refusal(tmp_path, DIGITAL.format(macro=macro))


@pytest.mark.parametrize("macro, noted", [('data = "full_scale"', True), ("weight_zero_fraction = 0.5", True),
                                          ('data = "full_scale"\nbits_per_read = 1', False), ("", False)])
def test_a_digital_macros_data_priced_in_part_is_said(tmp_path, macro, noted):
    """a bit-parallel digital macro priced a full-scale point as uniform data (54.75 against 54.80 TOPS/W) and said
    'as the entry states and cimsim prices it' (a probe, 2026-12-06): not modelled, now said on the point"""
    path = tmp_path / "d.toml"
    path.write_text(DIGITAL.format(macro=macro))
    (case,) = [c for c in macro_comparison.macro_cases(str(path)) if c.kind == "absolute"]
    said = "priced in part" if macro.startswith("data") else "not priced"  # zero weights move nothing here
    assert (f"{said}: a digital array's reads or cells of more than one bit" in case.why) == noted, case.why
    assert ("cimsim prices it" in case.why) == (macro.startswith("data") and not noted)
