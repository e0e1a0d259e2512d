"""UIUC 1b-normalised figures the harness had refused or dropped: a fractional B_w (a ternary weight, B_w 1.5), an
energy figure the harness never compares, and the one-core throughput of a multi-core design."""

import numpy
import pytest

from cimsim.validation import macro_comparison, macro_configs, macro_data

_RASUL = """
[[macro]]
key = "rasul-cicc2021"
title = "Rasul et al., CICC 2021 (ternary weights)"
source = "UIUC Benchmarking_Data.csv row Index 34"
read_via = "UIUC-IMC/UIUC-IMC-Benchmarking (secondary)"
family = "sram-charge"
node_nm = 65
vdd_v = 0.7
rows = 128
cols = 128
rows_per_read = 128
adc_bits = 5
adcs = 64
cols_per_adc = 2
cycle_ns = 325

[[macro.point]]
label = "UIUC: 0.7 V, B_x 5, B_w 1.5"
input_bits = 5
weight_levels = 3
uiuc_b_x = 5
uiuc_b_w = 1.5
uiuc_alpha = 1
ops_per_mac = 2
tops_per_w_1b_norm = 2482.5
tops_1b_norm = 0.38
source = "UIUC Benchmarking_Data.csv"
"""

_NO_PRECISION = """
[[macro]]
key = "bw-reason"
title = "repro"
source = "repro"
read_via = "repro"
family = "rram"
node_nm = 40
vdd_v = 0.9
rows = 256
cols = 256
rows_per_read = 32
bits_per_read = 1
adc_bits = 6
adcs = 16
cycle_ns = 10

[[macro.point]]
label = "p"
uiuc_b_x = 1
uiuc_b_w = {b_w}
tops_per_w_1b_norm = 147.06
energy_pj = 13.926
energy_per = "{per}"
source = "repro"
"""


def _write(tmp_path, text, name="chips.toml"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def _case(cases, label, quantity):
    return next(c for c in cases if c.point == label and c.quantity == quantity and c.kind == "absolute")


def test_a_ternary_weight_is_undone_with_uiucs_fractional_b_w(tmp_path):
    """UIUC's N_1b = 2 N N_ADC B_x B_w holds with B_w = 1.5 (a ternary weight): the raw figure is the 1b one over
    B_x x 1.5 (it had been refused as not recoverable), and each of the 64 ADCs delivers one ternary dot product"""
    file = _write(tmp_path, _RASUL)
    label = "UIUC: 0.7 V, B_x 5, B_w 1.5"
    cases = macro_comparison.macro_cases(file)
    assert _case(cases, label, "tops_per_w").published == pytest.approx(2482.5 / 7.5)
    tops = _case(cases, label, "tops")
    assert tops.published == pytest.approx(0.38 / 7.5)
    assert tops.model == pytest.approx(tops.published, rel=0.01)  # 2 x 128 x 64 ops per 325 ns, the entry's own
    macro = macro_data.find_macro("rasul-cicc2021", file)
    assert macro_configs.macro_config(macro, label).workload.out_features == 64
    assert "(5 x 1.5) bits" in _case(cases, label, "tops_per_w").why


def test_papistas_uiuc_rows_give_their_zigzag_figure_and_supply_trend():
    """Papistas CICC 2021 (ternary weights stated as weight_bits 2, UIUC B_w 1.5): the 0.8 V UIUC row undone is
    11025 / (7 x 1.5) = 1050 TOPS/W, the entry's ZigZag figure of the same point; its 512 ADCs deliver 512 ternary
    dot products a read (N_ADC x 1.5 / 2 = 384 had cut the throughput by 25 %); the 0.8 -> 0.6 V trend is kept"""
    key = "papistas-cicc2021"
    row1 = "UIUC row 1: 0.8 V, B_x 7, B_w 1.5, ADC 6, R_C 1024, alpha 1"
    row2 = "UIUC row 2: 0.6 V, B_x 7, B_w 1.5, ADC 6, R_C 1024, alpha 1"
    cases = [c for c in macro_comparison.macro_cases() if c.macro == key]
    zigzag = macro_data.find_macro(key).point("ZigZag aimc1 0.8 V 7b-in ternary-w").values["tops_per_w"]
    assert _case(cases, row1, "tops_per_w").published == pytest.approx(zigzag)
    assert macro_configs.macro_config(key, row1).workload.out_features == 512
    tops = _case(cases, row1, "tops")
    assert tops.published == pytest.approx(247.97 / 10.5) and tops.model == pytest.approx(tops.published, rel=0.01)
    trend = next(c for c in cases if c.point == f"{row2} vs {row1}" and c.quantity == "tops_per_w")
    assert trend.published == pytest.approx(19635 / 11025)
    assert not [e for e in macro_comparison.excluded_points() if e.macro == key and e.what != "energy_pj"]


def test_an_energy_the_harness_does_not_compare_leaves_one_invocation_priced(tmp_path):
    """an energy per 'one invocation (UIUC E_core)' is left out as not comparable, so it is no raw figure: the point
    is priced as one invocation (B_x 1, B_w 2) and its 1b TOPS/W compared (it had been refused, blaming a
    'fractional B_w (2)')"""
    file = _write(tmp_path, _NO_PRECISION.format(b_w=2, per="one invocation (UIUC E_core)"))
    cases = macro_comparison.macro_cases(file)
    assert _case(cases, "p", "tops_per_w").published == pytest.approx(147.06 / 2)
    assert [e.what for e in macro_comparison.excluded_points(file)] == ["energy_pj"]


@pytest.mark.parametrize("b_w, per, named, not_named", [
    (2, "one ADC conversion (per column)", "energy_pj (energy per one ADC conversion (per column))", "fractional"),
    (1.5, "one invocation (UIUC E_core)", "a fractional B_w (1.5): no whole weight bits", "energy_pj"),
])
def test_the_refusal_names_what_stops_one_invocation_pricing(tmp_path, b_w, per, named, not_named):
    """a point with no operand precision that cannot be priced as one invocation says why: a compared figure at the
    operand precision (an energy per conversion), or a fractional B_w; never a fractional B_w that is whole"""
    file = _write(tmp_path, _NO_PRECISION.format(b_w=b_w, per=per))
    reasons = [e.reason for e in macro_comparison.excluded_points(file) if e.what == "point"]
    assert len(reasons) == 1 and named in reasons[0] and not_named not in reasons[0], reasons


def test_uiucs_throughput_of_a_multi_core_design_is_one_cores():
    """UIUC's 1b-TOPS is N_1b / T_core, one core's whatever N_core (Su 2021, 4 cores: 2 x 16 rows x 96 ADCs x 4 bits
    per 3.6 ns = 3.41, the published figure): it is compared with the model's one macro (it had been left out as
    'the whole design's figure'); a raw multi-core throughput (Wu 2022's title) is still left out"""
    key, label = "su-isscc2021", "UIUC row 1: 0.7 V, B_x 4, B_w 1, ADC 10, R_C 16, alpha 2"
    tops = _case(macro_comparison.macro_cases(), label, "tops")
    assert tops.macro == key and tops.model == pytest.approx(tops.published, rel=0.01)
    left = {(e.macro, e.label) for e in macro_comparison.excluded_points() if e.what == "tops"}
    assert (key, label) not in left and ("wu-isscc2022-tdcim", "title 8b/8b") in left


_OPS = """
[[macro]]
key = "m"
title = "t"
source = "s"
read_via = "r"
family = "sram-charge"
node_nm = 28
vdd_v = 0.9
rows = 256
cols = 64
input_bits = 4
weight_bits = 4
adc_bits = 5
cols_per_adc = 1
cycle_ns = 20.0
""" + "".join(f"""
[[macro.point]]
label = "{ops} ops"
uiuc_b_x = 4
uiuc_b_w = 4
ops_per_mac = {ops}
tops_per_w_1b_norm = 1600.0
tops_1b_norm = 3.2
""" for ops in (2, 1))


def test_a_uiuc_figure_counts_two_ops_a_mac_whatever_the_points_ops_per_mac(tmp_path):
    """UIUC's N_1b = 2 N N_ADC B_x B_w counts 2 operations a MAC: at a point of ops_per_mac = 1, whose model counts
    one, its figure undone is halved; the two points of one chip, priced alike, miss alike (the 1-op point's had
    been compared at twice its value: -71 % against +17 %, a probe)"""
    cases = macro_comparison.macro_cases(_write(tmp_path, _OPS))
    for quantity in ("tops_per_w", "tops"):
        two, one = _case(cases, "2 ops", quantity), _case(cases, "1 ops", quantity)
        assert (two.published, one.published) == pytest.approx((3.2 if quantity == "tops" else 1600.0) / 16
                                                               * numpy.array([1.0, 0.5]))
        assert one.error == pytest.approx(two.error, rel=1e-9)
    assert "ops_per_mac 1 / UIUC's 2 ops a MAC" in one.why
