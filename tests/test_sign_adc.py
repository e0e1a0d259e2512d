"""A 1-bit converter of a signed sum is a sign comparator, as in binary-network macros (Kim et al., VLSI 2019: +/-1
inputs and weights, a sense amplifier per column giving sign(sum)): codes -1/2 and +1/2 of a step lsb = 2 F, so
levels -F and +F (F the full scale, the top code's level as at every resolution), the threshold at 0 and a sum of
exactly 0 reading 0, the mean of the two (a comparator at its threshold resolves either way with equal chance): a
read that drives no row adds nothing. The kernel and the crossbar against numpy twins written from docs/adc.md, the
config loader, counts and cost."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import cimsim
import naive
from cimsim.analytic import analytic_counts
from cimsim.config import config_from_dict
from cimsim.errors import ConfigError
from cimsim.mapping import plan_layer
from cimsim.numerics import _kernels
from cimsim.numerics.converters import adc_setting
from cimsim.validation import macro_configs
from cimsim.validation.macro_report import config_summary
from test_numerics import DAC_CHOICES, ENCODINGS, data, legal_config, make_config, programmed

KIM_BNN = {  # Kim et al., VLSI 2019: 28 nm 6T SRAM, 192 of 256 rows at once, +/-1 inputs and weights, 1-bit reads
    "name": "kim-bnn", "array": {"rows": 256, "cols": 64, "rows_per_read": 192, "family": "current"},
    "device": {"preset": "sram", "read_pulse_ns": 40},  # its lines swing the supply, 1.0 V
    "mapping": {"weight_bits": 1}, "dac": {"input_bits": 1, "signed_inputs": "bipolar"},
    "adc": {"bits": 1, "cols_per_adc": 1, "range": "max"}, "technology": {"node_nm": 28, "vdd_v": 1.0},
    "workload": {"in_features": 192, "out_features": 32, "vectors": 40}}


def sign_codes(a, lsb, gain=0.0, offset=0.0, inl=0.0):
    """(codes, conversions clipped) of analog values ``a`` on a sign comparator of step ``lsb`` (docs/adc.md):
    floor(a' / lsb) + 1/2 clipped to [-1/2, 1/2], but 0 where a' = 0 (the threshold: the mean of the codes), a' the
    reading with gain, offset and INL (full scale lsb / 2)"""
    if gain or offset or inl:
        u = np.minimum(np.abs(a) / (lsb * 0.5), 1.0)
        a = a * (1.0 + gain) + offset * lsb + np.sign(a) * 4.0 * inl * lsb * u * (1.0 - u)
    raw = np.where(a == 0.0, 0.0, np.floor(a * (1.0 / lsb)) + 0.5)
    code = np.clip(raw, -0.5, 0.5)
    return code, int((raw != code).sum())


# ---- the kernel -----------------------------------------------------------------------------------
@pytest.mark.parametrize("gain,offset,inl", [(0.0, 0.0, 0.0), (0.03, -0.2, 0.5)])
def test_the_adc_kernel_reads_signs_as_its_twin(gain, offset, inl):
    """2 blocks of 3 data columns, two planes (+1, -1), a ones column (g_min share on odd columns), reference columns
    of tiles 0 and 1: sums of -3..3 (exact zeros), steps that clip the largest"""
    rng = np.random.default_rng(5)
    batch, n_out, n_blocks, per_array, planes_w = 120, 3, 2, 2, np.array([1.0, -1.0])
    col_w = np.array([1.0, 1.0, 1.0, 4.0, 4.0, 4.0, -1.0, -4.0])
    ref_tile, col_r = np.array([0, 1]), np.array([0.0, 0.25, 0.0, 0.25, 0.0, 0.25, 0.0, 0.25])
    lsb = np.array([4.0, 4.0, 2.0, 8.0, 16.0, 4.0, 2.0, 8.0])
    x_scale, w_scale = rng.uniform(0.5, 2, batch), rng.uniform(0.5, 2, n_out)
    sums = rng.integers(-3, 4, size=(2 * batch, 9)).astype(np.float32)
    out = np.full((batch, n_out), np.nan)
    clipped = _kernels.adc_accumulate(sums, batch, planes_w, n_blocks, n_out, col_w, col_r, ref_tile, 8, lsb, -0.5,
                                      0.5, gain, offset, inl, per_array, np.empty(0), np.uint64(0), 0, True,
                                      x_scale, w_scale, out)
    want, want_clipped, zeros = np.zeros((batch, n_out)), 0, 0
    for p, pw in enumerate(planes_w):
        s = sums[p * batch:(p + 1) * batch].astype(np.float64)
        a = s[:, :-1] + col_r * s[:, -1:]
        code, hits = sign_codes(a, lsb, gain, offset, inl)
        want_clipped, zeros = want_clipped + hits, zeros + int((a == 0).sum())
        for c in range(len(col_w)):
            v = pw * col_w[c] * code[:, c] * lsb[c]
            if c < n_blocks * n_out:
                want[:, c % n_out] += v
            else:
                first = ref_tile[c - n_blocks * n_out] * per_array
                want[:, first:first + per_array] += v[:, None]
    np.testing.assert_array_equal(out, want * x_scale[:, None] * w_scale[None, :])
    assert clipped == want_clipped > 0 and zeros > 100


def test_the_one_conversion_kernel_reads_signs_and_0_as_0():
    """the kernel's loop for outputs of one conversion each: a sum of 0 reads 0 (the threshold: the mean of -lsb / 2
    and +lsb / 2, no clip), a sum of -lsb reads -lsb / 2 (the bottom bin is [-lsb, 0)), +lsb and -lsb - 1 clip"""
    batch, n_out = 6, 2
    sums = np.array([[0, 0], [1, -1], [3, -3], [4, -4], [5, -5], [-0.5, 0.5]], dtype=np.float32)
    lsb = np.array([4.0, 4.0])
    out = np.full((batch, n_out), np.nan)
    clipped = _kernels.adc_accumulate(sums, batch, np.array([1.0]), 1, n_out, np.ones(n_out), np.zeros(n_out),
                                      np.zeros(0, np.int64), -1, lsb, -0.5, 0.5, 0.0, 0.0, 0.0, n_out, np.empty(0),
                                      np.uint64(0), 0, True, np.ones(batch), np.ones(n_out), out)
    np.testing.assert_array_equal(out, [[0, 0], [2, -2], [2, -2], [2, -2], [2, -2], [-2, 2]])
    assert clipped == 3  # 4 and 5 beyond the top bin [0, 4); -5 below the bottom one [-4, 0)


@pytest.mark.parametrize("offset,want", [(0.0, 0.0), (0.1, 2.0), (-0.1, -2.0)])
def test_an_offset_moves_the_threshold_and_the_tie_resolves_to_its_side(offset, want):
    """a sum of exactly 0 is at the ideal comparator's threshold and reads 0; an offset of +/-0.1 LSB (the transfer
    applied first) puts it on one side: +/-lsb / 2"""
    sums, lsb, out = np.zeros((1, 2), np.float32), np.array([4.0, 4.0]), np.full((1, 2), np.nan)
    clipped = _kernels.adc_accumulate(sums, 1, np.array([1.0]), 1, 2, np.ones(2), np.zeros(2), np.zeros(0, np.int64),
                                      -1, lsb, -0.5, 0.5, 0.0, offset, 0.0, 2, np.empty(0), np.uint64(0), 0, True,
                                      np.ones(1), np.ones(2), out)
    assert out.tolist() == [[want, want]] and clipped == 0


def test_the_noisy_adc_kernel_reads_the_sign_of_the_noisy_sum():
    """with read noise the comparator reads the sign of sum + noise: the kernel's draws are add_read_noise's"""
    rng = np.random.default_rng(1)
    batch, n_out = 50, 9
    sums = rng.integers(-2, 3, (2 * batch, n_out)).astype(np.float32)
    std, key, lsb = rng.uniform(0.5, 2.0, 2 * batch), np.uint64(12345), np.full(n_out, 6.0)
    out = np.zeros((batch, n_out))
    clipped = _kernels.adc_accumulate(sums, batch, np.array([1.0, 2.0]), 1, n_out, np.ones(n_out), np.zeros(n_out),
                                      np.zeros(0, np.int64), -1, lsb, -0.5, 0.5, 0.0, 0.0, 0.0, n_out, std, key, 3,
                                      True, np.empty(0), np.empty(0), out)
    noisy = sums.astype(np.float64)
    _kernels.add_read_noise(noisy, batch, 2, n_out, std, key, 3)
    code, hits = sign_codes(noisy, lsb)
    np.testing.assert_array_equal(out, (code[:batch] + 2.0 * code[batch:]) * 6.0)
    assert clipped == hits and (np.sign(noisy) != np.sign(sums)).any()


# ---- the setting and the crossbar -----------------------------------------------------------------
def test_the_setting_of_a_sign_comparator_has_levels_of_plus_and_minus_the_full_scale():
    plan = plan_layer(make_config(adc_bits=1))  # analog subtraction: a signed sum
    setting = adc_setting(plan, np.array([[96.0, 3.0, 0.3, 0.1, 0.0]]))
    assert (setting.code_min, setting.code_max) == (-0.5, 0.5)
    assert setting.lsb.tolist() == [[192.0, 6.0, 1.0, 0.25, 1.0]]  # 2 F; below 1: 2**-k, the largest 0.5 / F allows
    assert setting.full_scale.tolist() == [[96.0, 3.0, 0.5, 0.125, 0.5]]
    unsigned = plan_layer(make_config(adc_bits=1, subtraction="digital", dac=("parallel", "unsigned")))
    assert (adc_setting(unsigned, np.array([[96.0]])).code_min, adc_setting(unsigned, np.array([[96.0]])).code_max) \
        == (0, 1)  # an unsigned sum: codes 0 and 1, as before


def test_binary_products_read_plus_or_minus_the_full_scale_and_0_reads_0():
    """binary weights and inputs, analog subtraction: sums of 2 rows are -2, 0 or 2 = F; 0 reads 0 (the mean of +/-F:
    balanced sums are unbiased)"""
    cfg = make_config(rows=2, rows_per_read=2, weight_bits=1, bits_per_cell=1, dac=("parallel", "binary"),
                      adc_bits=1, in_features=2, out_features=1)
    xbar = programmed(cfg, np.array([[0.5, 0.5]]))  # codes +1, +1, scale 0.5
    x = np.array([[1.0, -1.0], [1.0, 1.0], [-1.0, -1.0], [-1.0, 1.0]])  # scales 1
    np.testing.assert_array_equal(xbar.mvm(x)[:, 0], [0.0, 1.0, -1.0, 0.0])  # +/-F x 0.5, F = 2; 0 for a tie
    assert xbar.adc_clipped == 0 and xbar.adc.full_scale.tolist() == [[2.0]]


DEFAULT = Path(__file__).resolve().parents[1] / "configs" / "default.toml"


@pytest.mark.parametrize("signed,alone", [
    ({"dac.input_bits": 8}, {"dac.input_bits": 7}),  # two-phase: the negative phase is empty
    ({"dac.input_bits": 4, "dac.mode": "bit_serial", "dac.signed_inputs": "twos_complement"},
     {"dac.input_bits": 3, "dac.mode": "bit_serial"})])  # two's complement: the sign plane is empty
def test_a_read_that_drives_no_row_adds_nothing(signed, alone):
    """default.toml's layer (two-phase inputs, differential weights subtracted on the column) at adc.bits = 1 with
    inputs >= 0: the read of the negative phase (or sign plane) drives no row, its sums are exactly 0 and read 0, so
    the outputs are those of the positive planes alone (the same layer with unsigned inputs of the same magnitude
    codes). Each had read +F and added -F x the slice weights x the scales to every output (found 2026-12-03: a
    16 x 4 layer's exact [-0.03, 2.374, -2.779, 4.091] read [0, 0, -30.1, 0])."""
    shape = {"workload.in_features": 16, "workload.out_features": 6, "array.rows": 16, "array.rows_per_read": 16,
             "adc.bits": 1, "adc.range": "max", "adc.cols_per_adc": 1}
    rng = np.random.default_rng(0)
    w, x = rng.uniform(-1, 1, (6, 16)), rng.uniform(0.1, 1, (30, 16))
    y, y_alone = (programmed(cimsim.as_config(DEFAULT, {**shape, **dac}), w).mvm(x)
                  for dac in (signed, {**alone, "dac.signed_inputs": "unsigned"}))
    np.testing.assert_array_equal(y, y_alone)
    assert np.mean(np.sign(y) == np.sign(x @ w.T)) > 0.8  # the sign of the product, unbiased


def sign_mvm(w, x, cfg, full_scale=None):
    """(outputs, step, conversions clipped, conversions of a sum of exactly 0) of a crossbar with ideal devices and
    sign comparators: naive.mvm (its step 2 F, or 2**-k where F < 1/2), each conversion read by :func:`sign_codes`"""
    tally = [0, 0]

    def counted(a, lsb, code_min, code_max, *non_ideal):
        assert (code_min, code_max) == (-0.5, 0.5)
        code, hits = sign_codes(a, lsb, *non_ideal)
        tally[0], tally[1] = tally[0] + hits, tally[1] + int((a == 0).sum())
        return code

    with mock.patch.object(naive, "adc", counted):
        y, lsb = naive.mvm(w, x, cfg, full_scale)
    return y, lsb, tally[0], tally[1]


CASES = {  # make_config arguments: every way a converted sum is signed, bit-serial and all-bits inputs, the ranges
    "kim_bnn_binary_analog": dict(rows=16, rows_per_read=8, weight_bits=1, bits_per_cell=1, dac=("parallel", "binary"),
                                  in_features=16, out_features=6),
    "binary_inputs_digital_subtraction": dict(weight_bits=1, bits_per_cell=1, encoding="offset", subtraction="digital",
                                              dac=("parallel", "binary"), rows_per_read=2),
    "differential_analog_two_phase": dict(weight_bits=4, bits_per_cell=2, adc_range="fixed", fraction=0.15),
    "offset_analog_bit_serial_slices": dict(encoding="offset", dac=("bit_serial", "two_phase"), accumulation="slices"),
    "bipolar_bit_serial_digital": dict(subtraction="digital", dac=("bit_serial", "bipolar"), g_min_us=0.7),
    "bipolar_parallel_offset_digital": dict(encoding="offset", subtraction="digital", dac=("parallel", "bipolar")),
    "bipolar_sliced_twos_complement": dict(encoding="twos_complement", subtraction="digital", bits_per_cell=1,
                                           dac=("sliced", "bipolar", 2)),
    "summed_negative_planes": dict(subtraction="digital", dac=("bit_serial", "two_phase"), accumulation="planes",
                                   adc_range="fixed", fraction=0.15),
    "summed_twos_complement_planes": dict(encoding="offset", dac=("bit_serial", "twos_complement"),
                                          accumulation="planes_and_slices", groups=2),
}


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("calibrated", [False, True])
def test_the_crossbar_reads_signs_as_its_numpy_twin(name, calibrated):
    cfg = make_config(adc_bits=1, **{"adc_range": "calibrated"} if calibrated else {},
                      **{k: v for k, v in CASES[name].items() if not (calibrated and k in ("adc_range", "fraction"))})
    w, x = data(cfg, batch=40, seed=3)
    xbar = programmed(cfg, w)
    assert xbar.plan.signed_sum
    full = xbar.calibrate(x).full_scale[0, 0] if calibrated else None
    y_ref, lsb, clipped, zeros = sign_mvm(w, x, cfg, full)
    np.testing.assert_array_equal(xbar.mvm(x), y_ref)
    assert (xbar.adc.lsb == lsb).all() and xbar.adc_clipped == clipped
    if name.startswith("kim"):
        assert zeros > 10  # sums of exactly 0, read as 0
    if cfg.adc.range == "fixed":
        assert clipped > 0  # sums past twice the full scale


signed_sums = st.builds(
    lambda wb, bpc, enc, sub, dac, ib, rows, rpr, fin, fout, rng_mode, frac, gmin, acc: legal_config(
        enc, wb, bpc, sub, gmin, acc, rows=rows, cols=64, rows_per_read=min(rpr, rows), dac=dac, input_bits=ib,
        adc_bits=1, adc_range=rng_mode, fraction=frac, in_features=fin, out_features=fout),
    st.integers(1, 6), st.integers(1, 3), st.sampled_from(ENCODINGS), st.sampled_from(["analog", "digital"]),
    st.sampled_from(DAC_CHOICES), st.integers(2, 6), st.integers(1, 12), st.integers(1, 12), st.integers(1, 30),
    st.integers(1, 8), st.sampled_from(["max", "fixed"]), st.floats(0.05, 1.0), st.sampled_from([0.0, 0.7]),
    st.sampled_from(["none", "planes", "slices", "planes_and_slices"]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cfg=signed_sums, seed=st.integers(0, 1000))
def test_every_signed_sum_on_a_sign_comparator_matches_the_twin(cfg, seed):
    assume(plan_layer(cfg).signed_sum)
    w, x = data(cfg, batch=6, seed=seed)
    xbar = programmed(cfg, w)
    y_ref, lsb, clipped, _ = sign_mvm(w, x, cfg)
    np.testing.assert_array_equal(xbar.mvm(x), y_ref)
    assert (xbar.adc.lsb == lsb).all() and xbar.adc_clipped == clipped


# ---- config, counts and cost ----------------------------------------------------------------------
@pytest.mark.parametrize("name", CASES)
def test_counts_of_a_sign_comparator_equal_the_estimate(name):
    cfg = make_config(adc_bits=1, **CASES[name])
    w, x = data(cfg, batch=5)
    xbar = programmed(cfg, w)
    xbar.mvm(x)
    functional, analytic = xbar.counts.as_dict(), analytic_counts(xbar.plan, 5).as_dict()
    for field in ("row_activations", "array_gv2t_fj", "cell_activity"):  # data-dependent
        functional.pop(field), analytic.pop(field)
    assert functional == analytic and functional["adc_bits"] == 1 and functional["adc_conversions"] > 0


def test_a_binary_network_macro_runs_and_prices_one_bit_conversions():
    """Kim et al.'s macro as a config (refused until 2026-12: "1 bit holds no sign"): 40 vectors x 32 outputs, one
    conversion each, priced alike by the simulation and the estimate from shapes"""
    config = config_from_dict(KIM_BNN, "kim")
    result, estimate = cimsim.simulate(config), cimsim.estimate(config)
    assert result.counts.adc_bits == 1 and result.counts.adc_conversions == 40 * 32
    assert result.cost.energy_pj["adc"] > 0
    assert estimate.cim.energy_pj["adc"] == pytest.approx(result.cost.energy_pj["adc"], rel=1e-12)
    assert result.adc.code_max == 0.5 and result.adc_clipped == 0 and np.isfinite(result.vs_digital.relative_error)


@pytest.mark.parametrize("adc", [{"type": "sar"}, {"type": "sar", "built_bits": 5}])
def test_the_report_names_a_one_bit_converter_one_column_comparator(adc):
    """the report's assumption had read "1-bit sar (docs/adc.md: survey regression by type)" (and an ENOB) for a
    converter priced as NeuroSim's column comparator; a SAR built for more bits is still the survey's"""
    config = config_from_dict({**KIM_BNN, "adc": {**KIM_BNN["adc"], **adc}}, "kim")
    line = next(a for a in cimsim.estimate(config).cim.assumptions if a.startswith("ADC:"))
    comparator = line.startswith("ADC: 1-bit, one column comparator (NeuroSim MultilevelSenseAmp, docs/adc.md); ")
    assert comparator == ("built_bits" not in adc) and "ENOB" not in line
    assert comparator != ("survey regression" in line)


@pytest.mark.parametrize("adc_type", ["flash", "ramp", "vco"])
def test_another_type_at_one_bit_is_refused_naming_it(adc_type):
    """every type is one column comparator at 1 bit: a stated flash, ramp or VCO type had been taken and priced as
    that comparator all the same (as an ENOB at 1 bit is refused, docs/adc.md "One bit")"""
    with pytest.raises(ConfigError, match=r"'adc.type' applies only when 'adc.bits' is above 1") as refused:
        config_from_dict({**KIM_BNN, "adc": {**KIM_BNN["adc"], "type": adc_type}}, "kim")
    assert refused.value.fields == ["adc.type"]


def test_a_macro_s_one_bit_comparator_is_noted_as_priced_by_the_column_comparator():
    """valavi-vlsi2018 states its converter as 'other: 1b comparator': priced as the column comparator, not a sar"""
    notes = macro_configs.point_config("valavi-vlsi2018", 0)[1]
    assert "ADC 'other: 1b comparator' priced as one column comparator (NeuroSim MultilevelSenseAmp, docs/adc.md)" \
        in notes and not any("priced as sar" in n for n in notes)


def test_a_macro_stating_its_type_once_prices_its_one_bit_points_as_the_comparator(tmp_path):
    """a reconfigurable macro stating adc_type once (flash) with a 1-bit point: that point is the column comparator,
    noted, not refused (the [adc] table had carried the type, which a config refuses at 1 bit, so the point and its
    trends were lost, and the refusal's "leave it out" would have repriced the multi-bit points as SAR)"""
    file = tmp_path / "m.toml"
    file.write_text('[[macro]]\nkey = "m"\ntitle = "t"\nsource = "s"\nread_via = "r"\nfamily = "sram-current"\n'
                    'node_nm = 28\nvdd_v = 0.9\nrows = 64\ncols = 64\ninput_bits = 1\nweight_bits = 1\n'
                    'adc_type = "flash"\nadcs = 64\nclock_mhz = 100\n'
                    '[[macro.point]]\nlabel = "4b"\nadc_bits = 4\ntops_per_w = 100\n'
                    '[[macro.point]]\nlabel = "1b"\nadc_bits = 1\ntops_per_w = 300\n')
    four, _ = macro_configs.point_config("m", 0, str(file))
    one, notes = macro_configs.point_config("m", 1, str(file))
    assert four.adc.type == "flash" and (one.adc.bits, one.adc.type) == (1, "sar")  # sar: the default, stated by none
    assert "ADC 'flash' at 1 bit priced as one column comparator (NeuroSim MultilevelSenseAmp, docs/adc.md)" in notes
    assert "ADC 1b comparator, 1 cols/ADC" in config_summary(one) and "ADC 4b flash" in config_summary(four)
