"""How the published-macro harness maps an entry's stated fields onto a cimsim configuration: fractional ADC
resolutions, signed inputs of a digital macro, full-scale data and a stated weight encoding."""

import math
import re
from pathlib import Path

import pytest

from cimsim.cost.adc import adc_default_enob
from cimsim.validation import macro_checks, macro_configs, macro_defaults

MACRO = """
[[macro]]
key = "{key}"
title = "test macro"
source = "test"
read_via = "test"
family = "{family}"
node_nm = 22
vdd_v = 0.8
rows = 128
cols = 128
adcs = 32
cycle_ns = 5.0
input_bits = {input_bits}
weight_bits = 4
bits_per_cell = 1
{extra}
"""
POINT = """
[[macro.point]]
label = "{label}"
tops_per_w = 20.0
{extra}
"""


def _file(tmp_path, name, macros):
    """a macro file of ``macros``: (key, family, input_bits, macro lines, [(label, point lines), ...]) each"""
    text = ""
    for key, family, input_bits, extra, points in macros:
        text += MACRO.format(key=key, family=family, input_bits=input_bits, extra=extra)
        text += "".join(POINT.format(label=label, extra=lines) for label, lines in points)
    path = tmp_path / name
    path.write_text(text)
    return str(path)


STATED_BITS = (2, 2.5, 3, 3.4, 3.9, 4, 5, 5.01, 5.5, 5.9, 6, 6.5, 6.99, 7, 7.5, 8, 8.5, 9, 9.5, 10, 11.5, 12)


@pytest.mark.parametrize("adc_type", ["sar", "flash"])
def test_energy_per_conversion_rises_with_the_stated_adc_bits(tmp_path, adc_type):
    """a fractional adc_bits is a nominal resolution (a level count) like a whole one: its ENOB lies between the
    default ENOBs of the whole bits either side, and here (22 nm) the energy per conversion never falls as the stated
    bits rise (a fraction had been read as the ENOB itself: 6.99 bits cost more than 7), but where a fraction just
    below a whole bit costs a little more than it, its stated ENOB pricing the floor's smaller converters (docs/adc.md:
    5.9 bits 3 % above 6 with the survey's ENOB line)"""
    stated_bits = [b for b in STATED_BITS if adc_type != "flash" or b <= 8]  # a flash: up to 8 bits (the survey's)
    points = [(f"{b} b", f"adc_bits = {b}") for b in stated_bits]
    file = _file(tmp_path, "bits.toml", [("bits", "sram-charge", 4, f'bits_per_read = 1\nadc_type = "{adc_type}"',
                                          points)])
    energies = [macro_configs.point_model("bits", i, file)["adc_energy_pj"] for i in range(len(stated_bits))]
    at = dict(zip(stated_bits, energies))
    for low, high in zip(stated_bits, stated_bits[1:]):  # the documented exception: a fraction's stated ENOB prices
        fraction_below = high == math.ceil(low) != low  # the floor's smaller converters (5.9 b above 6 b by 3 %)
        assert at[low] <= at[high] * (1.05 if fraction_below else 1 + 1e-12), list(at.items())
    assert all(at[b] <= at[math.floor(b) + 1] * 1.05 and at[b] >= at[math.floor(b)] for b in stated_bits
               if b != int(b) and math.floor(b) in at and math.floor(b) + 1 in at)
    enobs = []
    for index, stated in enumerate(stated_bits):
        adc = macro_configs.point_config("bits", index, file)[0].adc
        assert adc.bits == math.ceil(stated)
        enobs.append(adc.enob if adc.enob is not None else adc_default_enob(adc.bits))
        if stated != int(stated):
            assert adc_default_enob(math.floor(stated)) < adc.enob < adc_default_enob(math.ceil(stated))
    assert all(a < b for a, b in zip(enobs, enobs[1:])), enobs


def test_a_fraction_of_a_bit_says_only_its_enob_is_priced(tmp_path):
    """11 levels (3.46 bits) cost what 4 bits cost (the survey floor, the flash bound of 15 comparators): the point
    says what the fraction prices (the harness had promised that the energy rises with the stated bits, and it
    stayed flat there and above the floor, at the converter bounds)"""
    file = _file(tmp_path, "levels.toml", [("lv", "sram-charge", 4, "bits_per_read = 1",
                                            [("11 levels", "adc_bits = 3.46"), ("4 b", "adc_bits = 4"),
                                             ("5.5 b", "adc_bits = 5.5")])])
    energies = [macro_configs.point_model("lv", i, file)["adc_energy_pj"] for i in range(3)]
    assert energies[0] == energies[1] < energies[2]
    notes = [macro_configs.point_config("lv", i, file)[1] for i in range(3)]
    assert any("adc_bits 3.46 (about 11 levels) priced as a 4-bit sar at ENOB 3.04 (between the whole bits' defaults)"
               ": cimsim's config has no level count" in n for n in notes[0]), notes[0]
    assert any("adc_bits 5.5 (about 45 levels) priced as a 6-bit sar" in n for n in notes[2]), notes[2]
    assert not any("levels) priced as" in n for n in notes[1])


def test_a_fraction_of_a_bit_on_a_counting_converter_says_it_is_priced_whole(tmp_path):
    """a ramp's 5.5 bits had been rounded up without a word"""
    file = _file(tmp_path, "ramp.toml", [("rp", "sram-charge", 4, 'bits_per_read = 1\nadc_type = "ramp"',
                                          [("5.5 b", "adc_bits = 5.5")])])
    notes = macro_configs.point_config("rp", 0, file)[1]
    assert any("adc_bits 5.5 (about 45 levels) priced as a 6-bit ramp: its 2**bits steps" in n for n in notes), notes


def test_a_digital_macro_reads_signed_inputs_whole_in_twos_complement(tmp_path):
    """signed inputs of a digital macro read whole (bits_per_read = input_bits or not stated) are two's complement,
    as a digital INT-n macro's, with a note; they had been mapped to bipolar row voltages, which cimsim refuses for
    a digital array. An analog array keeps them bipolar; slices stay two's complement."""
    signed = "input_signed = true"
    file = _file(tmp_path, "signed.toml", [
        ("dig", "digital", 8, signed, [("not stated", ""), ("8 per read", "bits_per_read = 8"),
                                       ("4 per read", "bits_per_read = 4"), ("1 per read", "bits_per_read = 1")]),
        ("dig2", "digital", 2, signed, [("2b", "")]),
        ("ana", "sram-charge", 8, signed + "\nadc_bits = 6", [("not stated", "")])])
    for index in (0, 1):
        config, notes = macro_configs.point_config("dig", index, file)
        assert (config.dac.mode, config.dac.bits_per_read, config.dac.signed_inputs) == ("sliced", 7,
                                                                                         "twos_complement")
        assert macro_configs.point_model("dig", index, file)["reads_per_vector"] == 2  # 7 magnitude bits, the sign
        assert any("two's complement" in n and "digital" in n for n in notes), notes
    sliced, serial = (macro_configs.point_config("dig", i, file) for i in (2, 3))
    assert (sliced[0].dac.mode, sliced[0].dac.bits_per_read, sliced[0].dac.signed_inputs) == (
        "sliced", 4, "twos_complement")
    assert (serial[0].dac.mode, serial[0].dac.signed_inputs) == ("bit_serial", "twos_complement")
    assert not any("read whole" in n for n in sliced[1] + serial[1])
    two_bits = macro_configs.point_config("dig2", 0, file)[0].dac
    assert (two_bits.mode, two_bits.signed_inputs) == ("bit_serial", "twos_complement")
    analog, notes = macro_configs.point_config("ana", 0, file)
    assert (analog.dac.mode, analog.dac.signed_inputs) == ("parallel", "bipolar")
    assert notes == ("bits per read not stated: all 7 magnitude bits in one read",)


def test_full_scale_data_is_described_as_the_model_prices_it(tmp_path):
    """data = "full_scale" is dearer than uniform data for resistive and charge arrays, not for a digital adder
    tree (fewer toggles when every code is the same) and no different for a cell chain; the harness's rules (the
    docs' defaults list) and the data field's description say so instead of calling it a worst case"""
    points = [("uniform", ""), ("full scale", 'data = "full_scale"')]
    macros = [(f, f, 8, "bits_per_read = 1\nadc_bits = 6", points) for f in ("rram", "pcm", "sram-charge")]
    macros += [("tree", "digital", 8, "bits_per_read = 1", points),
               ("chain", "digital", 8, 'bits_per_read = 1\ndigital_adders = "cell_chain"', points)]
    file = _file(tmp_path, "data.toml", macros)
    def energy(key, k, component=None):
        model = macro_configs.point_model(key, k, file)
        return model["energy_fj_per_mac"] * (1.0 if component is None else model["energy_share"][component])

    ratio = {key: energy(key, 1) / energy(key, 0) for key, *_ in macros}
    assert min(ratio[k] for k in ("rram", "pcm", "sram-charge")) > 1, ratio
    assert energy("tree", 1, "adder_tree") < energy("tree", 0, "adder_tree")  # (its wires all carry 1s: dearer)
    assert energy("chain", 1, "adder_tree") == pytest.approx(energy("chain", 0, "adder_tree"))
    for text in (macro_defaults.DEFAULTS["data"], _data_conditions_doc()):
        assert "no worst case for a digital macro" in text or "worst case" not in text, text


def _data_conditions_doc():
    """the attribute docstring of macro_checks.DATA_CONDITIONS (the text after its assignment)"""
    source = open(macro_checks.__file__).read()
    after = source.split("DATA_CONDITIONS = (", 1)[1]
    return after.split('"""', 2)[1]


def test_a_stated_differential_weight_encoding_stores_a_column_pair_per_weight(tmp_path):
    """weight_encoding = "differential" is cimsim's differential encoding (a G+ / G- column pair subtracted before
    one conversion, its cells holding the magnitude bits, wider cells capped there): half the outputs of the offset
    encoding, which was all an entry could be priced in (NeuRRAM's 256 x 256 cores had held 255 weights per read,
    not the 128 of its differential pairs)"""
    cells = [("1b cells", ""), ("3b cells", "bits_per_cell = 3"), ("4b cells", "bits_per_cell = 4")]
    file = _file(tmp_path, "pair.toml", [
        ("pair", "rram", 4, 'weight_encoding = "differential"\nadc_bits = 6\ncols_per_adc = 4', cells),
        ("offset", "rram", 4, "adc_bits = 6\ncols_per_adc = 4", cells[2:])])
    for index, (cell_bits, outputs) in enumerate([(1, 128 // 6), (3, 64), (3, 64)]):
        config = macro_configs.point_config("pair", index, file)[0]
        assert (config.mapping.signed_encoding, config.mapping.subtraction) == ("differential", "analog")
        assert config.device.bits_per_cell == cell_bits
        assert macro_configs.point_model("pair", index, file)["outputs"] == outputs
    assert macro_configs.point_config("offset", 0, file)[0].mapping.signed_encoding == "offset"
    assert macro_configs.point_model("offset", 0, file)["outputs"] == 127
    neurram = [p for p in macro_configs.find_macro("wan-nature2022-neurram").points if p.values.get("one_phase")]
    assert neurram and {macro_configs.point_model(p.macro, p.index)["outputs"] for p in neurram} == {128}


def test_a_weight_encoding_is_one_of_cimsims(tmp_path):
    """a misspelt weight_encoding is refused naming the field and the nearest encoding"""
    file = _file(tmp_path, "bad.toml", [("bad", "rram", 4, 'weight_encoding = "diferential"\nadc_bits = 6',
                                         [("p", "")])])
    with pytest.raises(ValueError, match="'weight_encoding' must be one of .*did you mean 'differential'"):
        macro_configs.find_macro("bad", file)


def test_the_stated_adcs_of_differential_pairs_convert_the_pairs(tmp_path):
    """an entry's adcs count physical columns (cols / adcs each); a differential pair is one converted column, so
    the stated ADCs are built, each converting half its physical columns (32 ADCs of 4 columns: 2 pairs each);
    more ADCs than pairs leave the others idle, with a note (a pair per ADC had halved the stated count)"""
    file = _file(tmp_path, "pairs.toml", [
        ("pairs", "rram", 4, 'weight_encoding = "differential"\nadc_bits = 6', [("p", "")]),
        ("every", "rram", 4, 'weight_encoding = "differential"\nadc_bits = 6\ncols_per_adc = 1',
         [("p", "")])])
    config, notes = macro_configs.point_config("pairs", 0, file)
    assert config.adc.cols_per_adc == 2 and macro_configs.plan_layer(config).adcs_per_array == 32
    assert not [n for n in notes if "converted column" in n]
    config, notes = macro_configs.point_config("every", 0, file)
    assert config.adc.cols_per_adc == 1
    assert [n for n in notes if "one ADC per converted column priced, the others idle" in n]


def test_differential_weights_summed_before_the_adc_count_a_sides_magnitude_columns(tmp_path):
    """a 4-bit differential weight stores 3 magnitude bits a side: its columns summed before the ADC are 2 x 3, so
    12 physical columns an ADC convert 2 outputs and the stated 8 ADCs of 96 columns are built (4 columns a side had
    been assumed: 1 output an ADC, 16 ADCs, the area doubled; a chips probe, 2026-12-06)"""
    file = _file(tmp_path, "summed.toml", [
        ("summed", "sram-charge", 1, 'weight_encoding = "differential"\nweight_accumulation = true\nadc_bits = 9\n'
         'cols_per_adc = 12', [("p", "")])])
    Path(file).write_text(Path(file).read_text().replace("cols = 128", "cols = 96").replace("adcs = 32", "adcs = 8"))
    config, notes = macro_configs.point_config("summed", 0, file)
    plan = macro_configs.plan_layer(config)
    assert (plan.n_slices, plan.polarities) == (3, 2)
    assert config.adc.cols_per_adc == 2 and plan.adcs_per_array == 8
    assert not [n for n in notes if "converted column" in n]


def test_stated_adcs_delivering_more_outputs_than_the_array_holds_are_said(tmp_path):
    """32 ADCs of 4 columns each deliver 32 outputs a read, but the offset encoding spends one of the 32 column
    groups on its reference: 31 are priced, now with a note (it had gone unsaid, the energy per MAC 32/31 of the
    stated design's; a chips probe); two's complement weights, no reference, hold the 32 and say nothing"""
    file = _file(tmp_path, "refs.toml", [("refs", "rram", 4, "adc_bits = 6", [("p", "")]),
                                         ("twos", "rram", 4, 'adc_bits = 6\nweight_encoding = "twos_complement"',
                                          [("p", "")])])
    config, notes = macro_configs.point_config("refs", 0, file)
    assert config.workload.out_features == 31
    assert [n for n in notes if n.startswith("32 outputs its 32 ADCs convert per read, but its 128 columns hold 31")]
    config, notes = macro_configs.point_config("twos", 0, file)
    assert config.workload.out_features == 32 and not [n for n in notes if "but its" in n]


def test_adcs_dropped_by_a_contradicting_cols_per_adc_are_said_and_the_paced_read_named(tmp_path):
    """32 ADCs of 128 columns each for a 128-column array: one ADC is built (one per cols_per_adc columns), converting
    its columns in turn, so a read outlasts the stated 5 ns cycle; the note says how many ADCs were built against the
    stated count, and a throughput's why says the conversions set the read's time (both had gone unsaid)"""
    from cimsim.validation.macro_comparison import macro_cases

    file = _file(tmp_path, "paced.toml", [("paced", "sram-charge", 4, "adc_bits = 4\ncols_per_adc = 128",
                                           [("p", "tops = 1.0")])])
    notes = macro_configs.point_config("paced", 0, file)[1]
    assert [n for n in notes if "ADCs built one per cols_per_adc columns (1, not 32), each converting" in n]
    (tops,) = [c for c in macro_cases(file) if c.quantity == "tops"]
    assert re.search(r"each read's \d+ conversions per ADC of [0-9.]+ ns: longer than the stated 5 ns cycle", tops.why)


@pytest.mark.parametrize("encoding", ["", 'weight_encoding = "differential"'])
def test_a_paced_read_names_the_offset_encodings_reference_conversions(tmp_path, encoding):
    """binary weights in the default offset encoding convert a reference column beside the outputs; where the ADCs
    then set the read's time, the why counts those conversions and names the field a cell computing +-1 itself
    states (the pacing had gone unexplained); a differential pair converts none"""
    from cimsim.validation.macro_comparison import macro_cases

    text = MACRO.format(key="binary", family="sram-current", input_bits=1, extra=f"adc_bits = 5\n{encoding}")
    path = tmp_path / "binary.toml"
    path.write_text(text.replace("weight_bits = 4", "weight_bits = 1").replace("adcs = 32", "adcs = 1")
                    + POINT.format(label="p", extra="tops = 1.0"))
    (tops,) = [c for c in macro_cases(str(path)) if c.quantity == "tops"]
    said = re.search(r"1 of the (\d+) columns converted a read the offset encoding's reference \(a cell that forms "
                     r"the signed product itself states weight_encoding = 'differential'\): longer than", tops.why)
    assert bool(said) == (not encoding), tops.why
    assert not said or said.group(1) == "128"  # 127 binary outputs and their reference


def test_a_refusal_leaves_out_the_fields_idle_only_beside_the_refused_one(tmp_path):
    """4-bit cells of an SRAM macro are refused; the weight-slice accumulation the harness sets by default (UIUC's
    B_w of 4) is then idle, and had been refused too, told to leave out a field the entry never stated"""
    file = _file(tmp_path, "cells.toml", [("cells", "sram-charge", 4, "adc_bits = 5", [("p", "uiuc_b_w = 4")])])
    Path(file).write_text(Path(file).read_text().replace("bits_per_cell = 1", "bits_per_cell = 4"))
    with pytest.raises(macro_configs.Unusable) as refused:
        macro_configs.point_config("cells", 0, file)
    assert "must be 1 with the sram device preset" in str(refused.value)
    assert "adc.accumulation" not in str(refused.value)


@pytest.mark.parametrize("accumulation, said", [("none", "8 cols/ADC, 2 row groups per conversion;"),
                                                ("planes", "8 cols/ADC, planes summed;"),
                                                ("slices", "8 cols/ADC, weight slices summed;"),
                                                ("planes_and_slices", "planes and weight slices summed;")])
def test_the_configuration_line_says_what_is_summed_before_a_conversion(accumulation, said):
    # weight slices summed before the ADC (a macro's weight_accumulation) had left no trace in the line, and planes
    # with slices had dropped the planes too
    from cimsim.config import Config, with_overrides
    from cimsim.validation.macro_report import config_summary

    line = config_summary(with_overrides(Config(), {"adc.accumulation": accumulation, "array.rows_per_read": 64,
                                                    "adc.groups_per_conversion": 1 + (accumulation == "none")}))
    assert said in line and ("2 row groups per conversion" in line) == (accumulation == "none")


@pytest.mark.parametrize("adc", ["flash", "ramp", "vco", "sar"])
def test_a_one_bit_point_of_a_macro_is_priced_on_its_chips_area_whatever_its_converters_type(tmp_path, adc):
    """a 1-bit point's converter is one comparator, its config naming no type: its chip had been told apart from the
    macro's other points by that missing type, a flash macro's 1-bit point priced on 0.0064 mm2 against its 4-bit
    point's 0.28 (a density trend of 0.023 between two modes of one silicon; a chips probe, 2026-12-06)"""
    from cimsim.validation.macro_comparison import macro_cases

    text = (f'[[macro]]\nkey = "modes"\ntitle = "t"\nsource = "t"\nread_via = "t"\nfamily = "sram-charge"\n'
            f'node_nm = 28\nvdd_v = 0.9\nrows = 256\ncols = 64\ninput_bits = 1\nweight_bits = 1\ncols_per_adc = 1\n'
            f'clock_mhz = 100\nadc_type = "{adc}"\n' + "".join(
                f'[[macro.point]]\nlabel = "{b}b"\nadc_bits = {b}\ntops_per_mm2 = 10.0\n' for b in (1, 4)))
    (file := tmp_path / "modes.toml").write_text(text)
    densities = [c.model for c in macro_cases(str(file)) if c.quantity == "tops_per_mm2" and c.kind == "absolute"]
    assert len(densities) == 2 and densities[0] == pytest.approx(densities[1], rel=1e-2)  # one area (times differ)
