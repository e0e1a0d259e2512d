"""A macro file's figures in other units than its fields' (a chips probe, round 22): an unknown field naming a figure
in another unit is told the field and the conversion (not offered a field 1000x off), one measurement restated in
another unit in its own point is held against the first, and a throughput no array of the stated size reaches at the
stated clock is refused."""

from __future__ import annotations

import pytest
from test_macro_files import CHIP, invoke, macro_file

from cimsim.validation.macro_checks import _KNOWN
from cimsim.validation.macro_units import field_hint

_POINT = '[[macro.point]]\nlabel = "{}"\n{}\n'


@pytest.mark.parametrize("name, hint", [
    ("gops", "did you mean 'tops', in its own unit? tops = gops / 1000"),
    ("gops_per_w", "tops_per_w = gops_per_w / 1000"),
    ("energy_pj_per_mac", "energy_fj_per_mac = energy_pj_per_mac x 1000"),
    ("energy_fj_per_op", "energy_fj_per_mac = energy_fj_per_op x the point's ops_per_mac (2 unless stated)"),
    ("area_um2", "area_mm2 = area_um2 / 1e+06"),
    ("tops_per_um2", "tops_per_mm2 = tops_per_um2 x 1e+06"),
    ("clock_ghz", "clock_mhz = clock_ghz x 1000"),
    ("vdd_mv", "vdd_v = vdd_mv / 1000"),
    ("latency_s", "latency_ns = latency_s x 1e+09"),
    ("g_max_ms", "g_max_us = g_max_ms x 1000"),  # millisiemens: a prefix converts alike
    ("fj_per_mac", "did you mean 'energy_fj_per_mac'?"),  # the same unit: a plain suggestion
    ("tops_per_w_1b", "did you mean 'tops_per_w_1b_norm'?"),  # a normalised figure is offered a normalised field
    ("energy_pj_per_mvm", "an energy per MVM is 'energy_pj' in pJ with energy_per = 'one full-array MVM (N MACs)'"),
    ("tops_per_w_per_b", "a figure in a unit no field takes: the figures are tops, tops_per_w"),
    ("rowz", "did you mean 'rows'?"),  # no unit: spelling alone
    # a review: a count misspelt, a unit after a field that has none, units without their 'per', a conductance state
    ("OPS_per_MAC", "did you mean 'ops_per_mac'?"),
    ("adc_bits_s", "did you mean 'adc_bits'?"),
    # a third review: energies per op to the compared field, SET as the on state, counts misspelt, rates, v as a word
    ("fJ/op", "energy_fj_per_mac = fJ/op x the point's ops_per_mac"), ("g_set_us", "did you mean 'g_max_us'?"),
    ("g_us", "did you mean one of g_min_us, g_max_us"), ("bits_per_cells", "did you mean 'bits_per_cell'?"),
    ("op_per_mac", "did you mean 'ops_per_mac'?"), ("reads_per_us", "a figure in a unit no field takes"),
    ("supply_voltage_v", "did you mean 'vdd_v'?"), ("v_read_mv", "read_voltage_v = v_read_mv / 1000"),
    ("cycle_sec", "cycle_ns = cycle_sec x 1e+09"), ("mvm_latency_ns", "did you mean 'latency_ns'?"),
    # a second review: synonyms of a field's words, a breakdown figure's unit, prefixes as words, the micro sign
    ("freq_mhz", "did you mean 'clock_mhz'?"), ("period_ns", "did you mean 'cycle_ns'?"),
    ("supply_mv", "vdd_v = supply_mv / 1000"), ("process_nm", "did you mean 'node_nm'?"),
    ("gon_us", "did you mean 'g_max_us'?"), ("neuron_pj_per_op", "neuron_fj_per_op = neuron_pj_per_op x 1000"),
    ("ops_per_cycle", "a figure in a unit no field takes"), ("area_\u00b5m2", "area_mm2 = area_\u00b5m2 / 1e+06"),
    ("giga_ops", "tops = giga_ops / 1000"), ("tera_ops", "did you mean 'tops'?"),
    ("tops_per_j", "did you mean 'tops_per_w'?"), ("tops_mm2", "did you mean 'tops_per_mm2'?"),
    ("TOPS/W", "did you mean 'tops_per_w'?"), ("GOPS/W", "tops_per_w = GOPS/W / 1000"),
    ("g_on_us", "did you mean 'g_max_us'?"), ("g_lrs_ms", "g_max_us = g_lrs_ms x 1000"),
    ("tops_per_mm2_per_core", "a figure in a unit no field takes"), ("peak_tops", "did you mean 'tops'?"),
    # a later review: the unit after what a figure is per, a count before an energy, a one-letter unit beside 'per'
    ("energy_per_mac_pj", "energy_fj_per_mac = energy_per_mac_pj x 1000"),
    ("latency_per_mvm_us", "latency_ns = latency_per_mvm_us x 1000"), ("latency_ns_per_mvm", "'latency_ns'?"),
    ("mac_energy_pj", "energy_fj_per_mac = mac_energy_pj x 1000"),
    ("energy_mac_fj", "did you mean 'energy_fj_per_mac'?"),
    ("energy_per_op_pj", "energy_fj_per_mac = energy_per_op_pj x 1000 x the point's ops_per_mac"),
    ("energy_fj_per_ops", "energy_fj_per_mac = energy_fj_per_ops x the point's ops_per_mac"),
    ("op_energy_fj", "energy_fj_per_mac = op_energy_fj x the point's ops_per_mac"),
    ("energy_j_per_op", "energy_fj_per_mac = energy_j_per_op x 1e+15 x the point's"),
    ("j/mac", "energy_fj_per_mac = j/mac x 1e+15"), ("tops_per_w_peak", "did you mean 'tops_per_w'?"),
    ("tops_per_mw_1b_norm", "tops_per_w_1b_norm = tops_per_mw_1b_norm x 1000"),
    ("energy_per_mvm_nj", "an energy per MVM is 'energy_pj' in pJ (energy_pj = energy_per_mvm_nj x 1000) with "
                          "energy_per = 'one full-array MVM (N MACs)'"),
    ("mvm_op_energy_pj", "an energy per MVM is 'energy_pj' in pJ with"),
    ("energy_per_conversion_fj",
     "(energy_pj = energy_per_conversion_fj / 1000) with energy_per = 'one ADC conversion'"),
    ("energy_per_inference_uj", "an energy per inference is 'energy_pj' in pJ (energy_pj = energy_per_inference_uj x "
                                "1e+06) with energy_per saying what it covers"),
    ("energy_per_bit_fj", "a figure in a unit no field takes"),
    # operations or MACs a second: a throughput (a time's fields had been offered for 'gop_s', 'adcs' for 'gmacs')
    ("gop_s", "tops = gop_s / 1000"), ("GOP/s", "tops = GOP/s / 1000"), ("tera_op_per_s", "did you mean 'tops'?"),
    ("ops_per_s_per_w", "tops_per_w = ops_per_s_per_w / 1e+12"), ("gops_per_us", "tops = gops_per_us x 1000"),
    ("gmacs", "tops = gmacs / 1000 x the point's ops_per_mac (2 unless stated)"),
    ("macs_per_s", "tops = macs_per_s / 1e+12 x the point's ops_per_mac"),
    ("tmacs_per_w", "tops_per_w = tmacs_per_w x the point's ops_per_mac"),
    # a fifth review and a chips probe: names of no field ('energy/MAC' had been offered the text field energy_per,
    # camelCase and bracketed units a field 1000x off, 'system_tops_per_w' the macro's figure, 'output_bits' input_bits)
    ("Energy/MAC", "did you mean 'energy_fj_per_mac', its figure in fJ?"),
    ("energyPerMvm", "an energy per MVM is 'energy_pj' in pJ with"), ("clockGhz", "clock_mhz = clockGhz x 1000"),
    ("gopsPerW", "tops_per_w = gopsPerW / 1000"), ("clock (GHz)", "clock_mhz = clock (GHz) x 1000"),
    ("area_um^2", "area_mm2 = area_um^2 / 1e+06"), ("energy [pJ/MAC]", "energy_fj_per_mac = energy [pJ/MAC] x 1000"),
    ("area", "did you mean 'area_mm2', its figure in the unit its name ends with?"),
    ("g_max_siemens", "g_max_us = g_max_siemens x 1e+06"), ("node_angstrom", "node_nm = node_angstrom / 10"),
    ("energy_uj", "energy_pj = energy_uj x 1e+06 (with energy_per saying what it covers)"),
    ("system_tops_per_w", "a system's figure is not a field"), ("tops_per_mm2_soc", "a system's figure is not a field"),
    ("tops_per_w_8b_norm", "a figure normalised to other bits than 1b x 1b: no field takes it"),
    ("input_sparsity", "did you mean 'input_zero_fraction'?"), ("columns_per_adc", "did you mean 'cols_per_adc'?"),
    # a second review and a newcomer's chips probe: a time per MVM, shares in percent, system words, SI capitals run
    # into a word, precision as bits, a word every field of a kind ends with
    ("us_per_mvm", "latency_ns = us_per_mvm x 1000"), ("ns/MVM", "did you mean 'latency_ns'?"),
    ("input_sparsity_pct", "input_zero_fraction = input_sparsity_pct / 100"),
    ("sparsity", "did you mean one of input_zero_fraction, weight_zero_fraction?"),
    ("tops_per_w_including_dram", "a system's figure is not a field"),
    ("tops_per_w_chip_level", "a system's figure is not a field"), ("clockMHz", "did you mean 'clock_mhz'?"),
    ("clockFreqkHz", "clock_mhz = clockFreqkHz / 1000"), ("vddV", "did you mean 'vdd_v'?"),
    ("energyPerMacfJ", "did you mean 'energy_fj_per_mac'?"), ("readPulseWidthns", "did you mean 'read_pulse_ns'?"),
    ("input_precision", "did you mean 'input_bits'?"),
    ("bits", "did you mean one of adc_bits, input_bits, weight_bits?"),
    ("wordlines", "did you mean 'rows'?"), ("adc_resolution", "did you mean 'adc_bits'?"),
    # a third review: a unit run into a word at its capital, names run together, percent of no share, DRAM taken out
    ("energyPerInferenceUj", "(energy_pj = energyPerInferenceUj x 1e+06)"), ("cycleTimeNs", "did you mean 'cycle_ns'?"),
    ("energyPerMvmJ", "(energy_pj = energyPerMvmJ x 1e+12)"), ("energyPerMacJ", "energyPerMacJ x 1e+15"),
    ("tops_per_mW", "tops_per_w = tops_per_mW x 1000"), ("energy_pJ", "did you mean 'energy_pj' (with"),
    ("adcbits", "did you mean 'adc_bits'?"), ("colsperadc", "did you mean 'cols_per_adc'?"),
    ("sparsity_pct", "input_zero_fraction, weight_zero_fraction (each = the percentage / 100)"),
    ("tops_per_w_no_dram", "did you mean 'tops_per_w'?"),
    # a fourth review: a prefixed unit after an acronym or a word of no field, acronyms run into 'per'
    ("energyPerMACfJ", "did you mean 'energy_fj_per_mac'?"), ("VDDmV", "vdd_v = VDDmV / 1000"),
    ("energyPerInferenceuJ", "(energy_pj = energyPerInferenceuJ x 1e+06)"), ("gLRSuS", "did you mean 'g_max_us'?"),
    ("TOPSperW", "did you mean 'tops_per_w'?"), ("TOPSperMm2", "did you mean 'tops_per_mm2'?"),
    ("frequencyInGhz", "clock_mhz = frequencyInGhz x 1000"),
    ("fmax_hz", "'clock_mhz', its figure in the unit its name ends with?"),
    # a fifth review: a prefix before a capital unit after a word of no field is the word's ('vddNomV'), a prefix
    # before capitals kept ('peak_kOPS')
    ("vddNomV", "did you mean 'vdd_v'?"), ("energyPerTokenJ", "(energy_pj = energyPerTokenJ x 1e+12)"),
    ("peakOps", "tops = peakOps / 1e+12"), ("cycleTimeInS", "cycle_ns = cycleTimeInS x 1e+09"),
    ("peak_kOPS", "tops = peak_kOPS / 1e+09"), ("clockkHZ", "clock_mhz = clockkHZ / 1000"),
    ("systemOps", "a system's figure is not a field"),
    ("energyPerOpJ", "energy_fj_per_mac = energyPerOpJ x 1e+15"), ("VDDCoremV", "vdd_v = VDDCoremV / 1000"),
    ("SRAMAreamm2", "did you mean 'area_mm2'?"), ("numADCs", "did you mean 'adcs'?"),
    ("cycleTimens", "did you mean 'cycle_ns'?"),
])
def test_an_unknown_field_in_another_unit_is_told_the_conversion(name, hint):
    """(difflib had offered 'tops' for 'gops', 'energy_fj_per_mac' for 'energy_pj_per_mvm', 'ops_per_mac' for
    'fj_per_mac' and 'tops_per_w' for a per-bit figure: renamed as told, each compared 2-1000x off)"""
    assert hint in field_hint(name, _KNOWN)


@pytest.mark.parametrize("name", ["output_bits", "macros", "utilization", "latency_clk", "vdd_nv", "vread", "minus",
                                  "onus", "vdd_pct"])
def test_a_name_no_field_spells_is_offered_none(name):
    """(difflib had offered input_bits, rows, subtraction, latency_ns, vdd_v and read_via: another field, or one in
    another unit than the name's, which was not read)"""
    assert field_hint(name, _KNOWN) == ""


def test_a_name_or_label_of_100_000_characters_is_read_in_a_moment():
    """a read-through: regular expressions that backtracked over a run of letters or digits had taken 182 s for a
    100 000-letter field name and 58 s for a 50 000-digit label (linear now: well under a second each)"""
    import time

    from cimsim.validation.macro_text import stated_sparsity

    start = time.perf_counter()
    assert "tops = " in field_hint("x" * 100_000 + "_gops", _KNOWN)
    assert stated_sparsity("9" * 50_000 + " %") is None and field_hint("aB" * 50_000, _KNOWN) == ""
    assert time.perf_counter() - start < 10  # quadratic backtracking takes minutes


def test_the_file_refusal_carries_the_conversion(tmp_path):
    result = invoke(macro_file(tmp_path, CHIP + _POINT.format("p", "gops = 25.6")))
    assert result.exit_code == 2 and "unknown field 'gops'; did you mean 'tops', in its own unit? tops = gops / 1000" \
        in result.output, result.output


def test_a_measurement_restated_in_another_unit_is_held_against_the_first(tmp_path):
    """pJ per MVM, fJ per MAC and TOPS/W of points that price alike are one energy per MAC: a pJ figure 4x the
    TOPS/W point's had passed unsaid (only figures of one quantity had been compared)"""
    mvm = 'energy_pj = {}\nenergy_per = "one full-array MVM (64 MACs)"'  # 1-bit weights: 64 x 64 cells, 64 MACs a row
    text = CHIP + _POINT.format("a", "tops_per_w = 100") + _POINT.format("b", mvm.format(5.12))
    result = invoke(macro_file(tmp_path, text + _POINT.format("c", "energy_fj_per_mac = 20.5")))
    assert result.exit_code == 0, result.output
    assert ("'b' of t prices as 'a' (one configuration, one data condition), yet its energy per MAC (its "
            "energy_pj_per_mvm, that point's tops_per_w) is 4x that point's") in result.output
    assert "'c' of t" not in result.output  # 20.5 fJ a MAC is 97.6 TOPS/W: within the tolerance
    same = invoke(macro_file(tmp_path, CHIP + _POINT.format("a", "tops_per_w = 100") + _POINT.format(
        "b", mvm.format(1.28)), "same.toml"))  # 1.28 pJ / 64 MACs = 20 fJ = 2 ops / 100 TOPS/W
    assert same.exit_code == 0 and "Repeat with another figure" not in same.output, same.output


_DOUBTFUL = "tops = 25.6\ntops_per_w = 9\ndoubtful_figure = 'tops'\ndoubtful_reason = 'GOPS'"


@pytest.mark.parametrize("figure, refused", [("tops = 25.6", True), ("tops = 0.0256", False),
                                             ("tops = 1.64", False), ("tops = 1.9", True), ("tops = 2", False),
                                             ("tops = 1.9\ncycle_ns = 4", False), ("tops = 3.2\nvdd_v = 1.1", False),
                                             ("tops = 25.6\nvdd_v = 0.7", True),
                                             ("tops = 3.2\ninput_zero_fraction = 0.5", False),
                                             ("tops = 3.6\ninput_zero_fraction = 0", False),
                                             ("tops = 3.8\ninput_zero_fraction = 0", True), (_DOUBTFUL, False),
                                             ("tops = 3.6\ninput_zero_fraction = 0\ninput_signed = true", True),
                                             ("tops = 2.4\nweight_zero_fraction = 0", True),
                                             ("cycle_ns = 1\ntops = 16.38", True),
                                             ("clock_mhz = 1000\ntops = 12.2", True)])
def test_a_throughput_no_array_of_the_stated_size_reaches_is_refused(tmp_path, figure, refused):
    """CHIP: 64 x 64 cells of 1-bit weights, 4096 MACs a 5 ns read (4.5 ns as rounded), 1.82 TOPS at most (GOPS
    written as TOPS had been compared, its note giving 1.28e+05 MACs a cycle); a figure's rounding passes (2 may be
    1.5), as do zeros a chip skips (uniform data's too, twice the bound where a share is stated: 0 for 1-bit inputs
    skipped at 50 %, as docs/validation.md says to write it; none of a binary +/-1 weight or signed input), a
    supply of the point's own above the macro's (the delay law sets its cycle; below it the macro's cycle bounds it:
    such a point had been left unchecked, a chips probe) and a figure flagged doubtful"""
    result = invoke(macro_file(tmp_path, CHIP + _POINT.format("p", figure)))
    message = "macro 't', point 1 ('p'): it states tops = "
    assert (result.exit_code == 2 and message in result.output and " ns cycle (as rounded to its digits), "
            "more than " in result.output and "the array's rows x cols = 4096, a MAC a cell" in result.output) \
        == refused, \
        result.output
    assert result.exit_code == (2 if refused else 0), result.output


def test_a_design_of_cores_is_bounded_by_its_cores(tmp_path):
    text = CHIP + "cores = 4\n" + _POINT.format("p", "tops = 6.4\ntops_per_w = 10")
    assert invoke(macro_file(tmp_path, text)).exit_code == 0
    result = invoke(macro_file(tmp_path, CHIP + "cores = 4\n" + _POINT.format("p", "tops = 7.5"), "more.toml"))
    assert result.exit_code == 2 and "more than 16384" in result.output and "in each of 4 cores" in result.output


@pytest.mark.parametrize("figure, refused", [("input_bits = 8\nbits_per_read = 1\ntops = 0.5", True),
                                             ("input_bits = 8\nbits_per_read = 1\ntops = 0.2", False),
                                             ("input_bits = 8\nbits_per_read = 8\ntops = 1.6", False),
                                             ("input_bits = 8\ninput_signed = true\nbits_per_read = 7\ntops = 1.6",
                                              False)])
def test_bit_serial_inputs_bound_a_throughput_by_their_reads(tmp_path, figure, refused):
    """an MVM of 8 input bits read one a cycle takes 8 reads: CHIP's 4096 MACs in 40 ns, 0.2 TOPS at most (the bound
    had counted one read an MVM, 8x too high); a signed input's 7 magnitude bits read whole are one read (a review)"""
    result = invoke(macro_file(tmp_path, CHIP + _POINT.format("p", figure)))
    assert result.exit_code == (2 if refused else 0), result.output
    assert ("more than 512: the array's rows x cols = 4096, a MAC a cell over the 8 reads an MVM takes (8 input "
            "magnitude bits, 1 a read)" in result.output) == refused, result.output


def test_a_hybrid_family_and_a_comparator_readout_are_told_how_to_enter_them(tmp_path):
    for family, hint in (("analog-digital hybrid", True), ("hybrid SRAM", True), ("hybrid SLC-MLC PCM", False)):
        hybrid = invoke(macro_file(tmp_path, CHIP.replace('"sram-current"', f'"{family}"')))
        assert hybrid.exit_code == 2 and ("a hybrid macro (some weight or input bits summed by adder trees"
                                          in hybrid.output) == hint, hybrid.output
    comparators = invoke(macro_file(tmp_path, CHIP + 'adc_type = "no ADC: 1-bit comparators"\n', "c.toml"))
    assert comparators.exit_code == 2 and "columns read by 1-bit comparators or sense amplifiers are 1-bit " \
        "converters: adc_bits = 1" in comparators.output, comparators.output


@pytest.mark.parametrize("clock", ["cycle_ns = 5.5\ntops = 0.3751", "clock_mhz = 181\ntops = 0.3716",
                                   "cycle_ns = 5.5\ntops = 0.38"])
def test_a_throughput_at_the_bound_of_a_rounded_clock_passes(tmp_path, clock):
    """a 64 x 64 array of 4-bit weights (1024 MACs a read) at the chip's 5.46 ns written 5.5, or 181.45 MHz written
    181, had been refused at 1031 and 1026 MACs a cycle: the clock's rounding counts too (a review)"""
    chip = CHIP.replace("weight_bits = 1", "weight_bits = 4").replace("cycle_ns = 5\n", "")
    result = invoke(macro_file(tmp_path, chip + _POINT.format("p", clock)))
    assert result.exit_code == 0, result.output


def test_points_stating_their_efficiency_in_two_units_are_told_why_they_form_no_trend(tmp_path):
    """a 1-bit point in TOPS/W and a 2-bit one in fJ per MAC form no trend (one figure in one unit is compared): the
    report had said nothing of it (a chips probe)"""
    text = CHIP + _POINT.format("a", "tops_per_w = 100") + _POINT.format("b", "weight_bits = 2\nenergy_fj_per_mac = 30")
    out = tmp_path / "r.md"
    result = invoke(macro_file(tmp_path, text), "-o", out)
    assert result.exit_code == 0, result.output
    assert ("No trend between units in t: its points state their energy efficiency as tops_per_w at 'a'; "
            "energy_fj_per_mac at 'b'; a trend compares one figure in one unit") in out.read_text()
    same = tmp_path / "same.md"
    invoke(macro_file(tmp_path, text.replace("energy_fj_per_mac = 30", "tops_per_w = 60"), "one.toml"), "-o", same)
    assert "No trend between units" not in same.read_text()
