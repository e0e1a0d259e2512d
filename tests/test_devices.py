"""Device and converter non-idealities against their closed-form statistics."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy import stats

from cimsim.config import Config, with_overrides
from cimsim.config.schema import DeviceConfig
from cimsim.numerics import Crossbar
from cimsim.numerics.devices import program_cells

N = 200_000  # cells per statistical test: the sample std of a variance estimate is about 0.3 %


def device(**kw) -> DeviceConfig:
    return dataclasses.replace(DeviceConfig(), **kw)


def targets(max_level=3, seed=0):
    return np.random.default_rng(seed).integers(0, max_level + 1, N)


def within(sample_mean, expected, sample_std, n, z=5.0):
    return abs(sample_mean - expected) <= z * sample_std / np.sqrt(n)


def test_ideal_device_has_no_deviation_and_one_write_per_cell():
    cells = program_cells(targets(), 0.06, 3, device(), np.random.default_rng(0))
    assert not cells.deviation.any() and (cells.drift_factor == 1).all() and cells.writes == N


def test_absolute_programming_error_is_gaussian_with_the_stated_sigma():
    sigma = 0.02
    t = targets()
    e = program_cells(t, 0.0, 3, device(program_sigma=sigma), np.random.default_rng(1)).deviation
    expected_std = sigma * 3  # fraction of the range, in level units (range = 3 levels)
    on = e[t > 0]  # 16 sigma above zero: never clipped
    assert within(on.mean(), 0.0, expected_std, on.size)
    assert on.var() == pytest.approx(expected_std ** 2, rel=0.02)
    assert stats.normaltest(on).pvalue > 1e-4
    # with g_min = 0 a cell cannot go below zero: level-0 cells hold max(e, 0), a rectified Gaussian
    off = e[t == 0]
    assert (off >= 0).all()
    assert within(off.mean(), expected_std / np.sqrt(2 * np.pi), expected_std, off.size)


def test_proportional_programming_error_scales_with_the_target():
    sigma, r = 0.05, 0.5
    t = targets()
    e = program_cells(t, r, 3, device(program_sigma=sigma, program_error="proportional"),
                      np.random.default_rng(2)).deviation
    for level in range(4):
        sel = e[t == level]
        assert sel.std() == pytest.approx(sigma * (level + r), rel=0.03)


def test_program_and_verify_truncates_the_error_and_counts_the_writes():
    sigma, tol = 0.02, 0.01  # tolerance at half a sigma: P(retry) = P(|Z| > 0.5) = q; g_min far from 0: no clipping
    cells = program_cells(targets(), 1.0, 3, device(program_sigma=sigma, program_verify_tolerance=tol,
                                                    program_verify_max_writes=50), np.random.default_rng(3))
    e = cells.deviation
    assert np.abs(e).max() <= tol * 3
    q = 2 * stats.norm.sf(0.5)
    assert cells.writes / N == pytest.approx(1 / (1 - q), rel=0.02)  # geometric number of writes
    truncated = stats.truncnorm(-0.5, 0.5, scale=sigma * 3)
    assert e.var() == pytest.approx(truncated.var(), rel=0.02)


@pytest.mark.parametrize("max_writes", [100, 3])
def test_verify_reads_the_conductance_a_cell_holds_clipped_at_zero(max_writes):
    """With g_min = 0 a cell targeted at 0 that draws a negative error holds 0 S, on target: it verifies when its
    error is at most the tolerance, P = Phi(tol / sigma) per write, mean writes (1 - (1 - P)**M) / P (M the most);
    a mid-range cell needs |error| within it, P = 2 Phi(tol / sigma) - 1. Verifying the unclipped error had taken
    6.32 writes at target 0 (sigma 0.05, tol 0.01, M 100) against the 1.73 of Phi(0.2)."""
    sigma, tol, n = 0.05, 0.01, 100_000
    dev = device(g_min_us=0.0, g_max_us=40.0, bits_per_cell=7, program_sigma=sigma, program_verify_tolerance=tol,
                 program_verify_max_writes=max_writes)
    for level, p in ((0, stats.norm.cdf(tol / sigma)), (64, 2 * stats.norm.cdf(tol / sigma) - 1)):
        cells = program_cells(np.full(n, level), 0.0, 127, dev, np.random.default_rng(0))
        expected = (1 - (1 - p) ** max_writes) / p
        writes_std = np.sqrt(1 - p) / p  # of the geometric number of writes (an upper bound when capped)
        assert within(cells.writes / n, expected, writes_std, n), (level, cells.writes / n, expected)
        assert (level + cells.deviation >= 0).all()  # no conductance below 0 S


def test_a_cell_that_never_verifies_keeps_its_last_full_sigma_draw():
    """docs/devices.md: at tolerance t and W writes a mid-range cell misses with probability q = (2 - 2 Phi(t /
    sigma))**W and then holds a full-sigma error; the others a normal error truncated at +-t. At t = 0.1 sigma and
    W = 20, q = 19 %: a tighter tolerance than 0.2 sigma (q = 3.2 %) leaves the cells further off."""
    sigma, n, spread = 0.02, N, {}
    for ratio in (0.1, 0.2):
        dev = device(program_sigma=sigma, program_verify_tolerance=ratio * sigma, program_verify_max_writes=20)
        e = program_cells(np.full(n, 64), 1.0, 127, dev, np.random.default_rng(5)).deviation / 127  # g_max units
        q = (2 * stats.norm.sf(ratio)) ** 20
        missed = np.abs(e) > ratio * sigma
        assert within(missed.mean(), q, np.sqrt(q * (1 - q)), n), (ratio, missed.mean(), q)
        expected_var = q * sigma ** 2 * (1 + ratio * stats.norm.pdf(ratio) / stats.norm.sf(ratio)) \
            + (1 - q) * stats.truncnorm(-ratio, ratio, scale=sigma).var()
        assert e.var() == pytest.approx(expected_var, rel=0.03)
        spread[ratio] = e.std()
    assert spread[0.1] > 1.5 * spread[0.2]


def test_a_stuck_cell_keeps_its_stuck_conductance_as_the_others_drift():
    """A cell stuck at g_max had drifted with the rest: 0.63 g_max at t / t0 = 100, nu = 0.1."""
    dev = device(g_min_us=0.0, g_max_us=10.0, bits_per_cell=2, stuck_at_gmax_rate=0.2, drift_nu=0.1,
                 drift_t0_s=20.0, drift_time_s=2000.0)
    t = targets(seed=7)
    cells = program_cells(t, 0.0, 3, dev, np.random.default_rng(0))
    held = t + cells.deviation
    stuck = cells.drift_factor == 1
    assert stuck.mean() == pytest.approx(0.2, abs=0.01)
    assert (held[stuck] == 3).all()  # g_max, undrifted
    np.testing.assert_allclose(held[~stuck], t[~stuck] * 100.0 ** -0.1)


def test_stuck_cells_have_the_stated_rates_and_values():
    r, max_level = 0.2, 3
    t = targets()
    cells = program_cells(t, r, max_level, device(stuck_at_gmin_rate=0.02, stuck_at_gmax_rate=0.05),
                          np.random.default_rng(4))
    actual = t + r + cells.deviation
    low = np.isclose(actual, r) & (t != 0)
    high = np.isclose(actual, max_level + r) & (t != max_level)
    # stuck cells whose target already equals the stuck level cannot be seen: 1/4 of each kind here
    assert low.mean() == pytest.approx(0.02 * 0.75, rel=0.06)
    assert high.mean() == pytest.approx(0.05 * 0.75, rel=0.04)
    changed = actual[~np.isclose(actual, t + r)]
    assert (np.isclose(changed, r) | np.isclose(changed, max_level + r)).all()


def test_drift_follows_the_power_law():
    dev = device(drift_nu=0.05, drift_t0_s=20.0, drift_time_s=3600.0)
    t = targets()
    cells = program_cells(t, 0.1, 3, dev, np.random.default_rng(5))
    np.testing.assert_allclose(cells.drift_factor, (3600 / 20) ** -0.05)
    np.testing.assert_allclose(t + 0.1 + cells.deviation, (t + 0.1) * (3600 / 20) ** -0.05)
    spread = program_cells(t, 0.1, 3, dataclasses.replace(dev, drift_nu_sigma=0.01), np.random.default_rng(6))
    log_f = np.log(spread.drift_factor)
    assert -log_f.mean() / np.log(180) == pytest.approx(0.05, rel=0.01)  # E[nu]
    assert log_f.std() / np.log(180) == pytest.approx(0.01, rel=0.02)  # std of nu


# ---- in the crossbar ------------------------------------------------------------------------------
def small_config(**overrides):
    base = {"workload.in_features": 64, "workload.out_features": 8, "array.rows": 64, "array.cols": 64,
            "array.rows_per_read": 64, "adc.range": "max", "adc.bits": 16, "device.g_min_us": 0.0}
    return with_overrides(Config(), {**base, **overrides})


def programmed(cfg, seed=0):
    rng = np.random.default_rng(seed)
    w = rng.uniform(-1, 1, (cfg.workload.out_features, cfg.workload.in_features))
    xbar = Crossbar(cfg)
    xbar.program(w)
    return xbar, w


def n_cols(xbar):
    return xbar.layer.col_w.size


@pytest.mark.parametrize("subtraction,cells,rows_per_read,groups", [
    ("analog", 2, 64, 1), ("digital", 1, 64, 1), ("digital", 1, 16, 4)])
def test_read_noise_paths_match_the_closed_form_and_each_other(subtraction, cells, rows_per_read, groups):
    """Independent N(0, s^2) per cell and read: a column sum has variance cells x s^2 x sum_i x_i^2 (over the rows of
    every read summed into the conversion: four reads of 16 rows carry the noise of one read of 64)."""
    sigma = 0.02
    samples = {}
    for path in ("output", "cell"):
        cfg = small_config(**{"device.read_noise_sigma": sigma, "device.read_noise_path": path,
                              "mapping.subtraction": subtraction, "array.rows_per_read": rows_per_read,
                              "adc.groups_per_conversion": groups})
        xbar, _ = programmed(cfg)
        x = np.random.default_rng(9).uniform(-1, 1, (1, 64))
        planes, _, row_sq, _, _ = xbar._prepare(np.repeat(x, 400, axis=0))
        planes = planes.reshape(-1, 64)
        noisy = xbar._noisy_sums(planes, row_sq, 0, purpose=0)
        clean = planes @ xbar.layer.matrix.astype(np.float64)
        noise = (noisy - clean)[:, :n_cols(xbar)]
        var_expected = cells * (sigma * 3) ** 2 * np.einsum("ij,ij->i", planes, planes)
        z = noise / np.sqrt(var_expected)[:, None]
        assert within(z.mean(), 0.0, 1.0, z.size)
        assert z.var() == pytest.approx(1.0, rel=0.03), path
        samples[path] = z.ravel()
    assert stats.ks_2samp(samples["output"], samples["cell"]).pvalue > 1e-3


def test_accuracy_degrades_as_read_noise_grows():
    errors = []
    x = np.random.default_rng(1).uniform(-1, 1, (300, 64))
    for sigma in (0.0, 0.005, 0.02, 0.08):
        xbar, _ = programmed(small_config(**{"device.read_noise_sigma": sigma}))
        ref = xbar.digital_reference(x)
        errors.append(np.linalg.norm(xbar.mvm(x) - ref) / np.linalg.norm(ref))
    assert errors[0] == 0.0
    assert errors[0] < errors[1] < errors[2] < errors[3]
    # error ~ sigma: quadrupling sigma quadruples the error (within the sampling scatter)
    assert errors[3] / errors[2] == pytest.approx(4.0, rel=0.15)


def test_programming_error_is_fixed_per_device_and_reproducible():
    cfg = small_config(**{"device.program_sigma": 0.03})
    x = np.random.default_rng(2).uniform(-1, 1, (20, 64))
    a, _ = programmed(cfg)
    b, _ = programmed(cfg)
    np.testing.assert_array_equal(a.mvm(x), a.mvm(x))  # no read noise: every read gives the same result
    np.testing.assert_array_equal(a.mvm(x), b.mvm(x))  # same seed, same devices
    c = Crossbar(cfg, key=(1,))
    c.program(programmed(cfg)[1])
    assert not np.array_equal(a.mvm(x), c.mvm(x))  # another trial key draws other devices


def test_drift_compensation_recovers_the_scale():
    x = np.random.default_rng(3).uniform(-1, 1, (200, 64))
    errors = {}
    for comp in ("none", "global"):
        cfg = small_config(**{"device.drift_nu": 0.06, "device.drift_nu_sigma": 0.01, "device.drift_time_s": 86400.0,
                              "device.drift_compensation": comp})
        xbar, _ = programmed(cfg)
        ref = xbar.digital_reference(x)
        errors[comp] = np.linalg.norm(xbar.mvm(x) - ref) / np.linalg.norm(ref)
    shrink = 1 - (86400 / 20) ** -0.06  # the uncompensated outputs shrink by about this much
    assert errors["none"] == pytest.approx(shrink, rel=0.1)
    assert errors["global"] < errors["none"] / 4


def test_a_drift_to_a_tiny_fraction_keeps_its_digits_and_global_compensation_undoes_it():
    """a uniform drift (no nu spread) to 1e-15 .. 1e-22 of the programmed conductance: the cells hold exactly that
    fraction and global compensation gives the undrifted outputs; held as the target plus a deviation, the drifted
    value had cancelled (4.5 % off at 1e-15, all cells at 0 S from 1e-17: a devices probe)"""
    x = np.random.default_rng(3).uniform(-1, 1, (50, 64))
    calibrated = {"adc.range": "calibrated", "adc.percentile": 100.0}  # the ADC ranges follow the drifted sums
    fresh, _ = programmed(small_config(**calibrated))
    fresh.calibrate(x)
    for time_s in (1e6, 1e13):
        cfg = small_config(**calibrated, **{"device.drift_nu": 1.0, "device.drift_t0_s": 1e-9,
                                            "device.drift_time_s": time_s, "device.drift_compensation": "global"})
        xbar, _ = programmed(cfg)
        xbar.calibrate(x)
        np.testing.assert_allclose(xbar.conductances_us, fresh.conductances_us * (time_s / 1e-9) ** -1.0, rtol=1e-6)
        np.testing.assert_allclose(xbar.mvm(x), fresh.mvm(x), rtol=1e-4, atol=1e-4 * np.abs(fresh.mvm(x)).max())


def test_adc_offset_and_gain_shift_and_scale_the_codes():
    x = np.random.default_rng(4).uniform(-1, 1, (50, 64))
    xbar, _ = programmed(small_config())
    ideal = xbar.mvm(x)
    offset, _ = programmed(small_config(**{"adc.offset_lsb": 2.0, "adc.bits": 16}))
    # every conversion reads 2 codes high; outputs add 2 x (sum over planes and slices of the weights)
    p = offset.plan
    per_output = 2.0 * p.plane_weights.sum() * (2.0 ** np.array([shift for shift, _ in p.weight_slices])).sum()
    scale = offset.digital_reference(x) / np.where(offset.layer.weight_codes.T.any(), 1, 1)
    del scale
    diff = offset.mvm(x) - ideal
    x_scale = np.abs(x).max(axis=1) / 127
    np.testing.assert_allclose(diff, per_output * x_scale[:, None] * offset.layer.weight_scale[None, :])
    gain, _ = programmed(small_config(**{"adc.gain_error": 0.25, "adc.bits": 16}))
    ratio = np.linalg.norm(gain.mvm(x)) / np.linalg.norm(ideal)
    assert ratio == pytest.approx(1.25, rel=1e-3)


def test_calibration_scopes():
    cfg = small_config(**{"workload.out_features": 40, "array.cols": 64, "adc.range": "calibrated", "adc.bits": 8,
                          "adc.percentile": 100.0, "workload.in_features": 100})
    x = np.random.default_rng(5).uniform(-1, 1, (64, 100))
    settings = {}
    for scope in ("layer", "array", "column"):
        xbar, _ = programmed(with_overrides(cfg, {"adc.calibration_scope": scope}))
        settings[scope] = xbar.calibrate(x).full_scale
        xbar.mvm(x)
        assert xbar.adc_clipped == 0  # the 100th percentile of the same inputs never clips
    layer, array, column = settings["layer"], settings["array"], settings["column"]
    assert np.unique(layer).size == 1
    assert (column <= array + 1e-9).all() and (array <= layer + 1e-9).all()
    assert np.unique(column).size > np.unique(array).size > 1


def test_inl_is_a_bow_with_its_peak_at_half_scale():
    """inl_lsb = 2: the transfer is bent up by 2 LSB at half of full scale, not at all at zero and full scale."""
    from cimsim.numerics import _kernels

    code_max = 100.0
    sums = np.array([[0.0, 25.0, 50.0, 100.0]], dtype=np.float32)
    out = np.zeros((1, 4))
    _kernels.adc_accumulate(sums, 1, np.array([1.0]), 1, 4, np.ones(4), np.zeros(4), np.zeros(0, np.int64), -1,
                            np.ones(4), 0.0, code_max, 0.0, 0.0, 2.0, 4, np.empty(0), np.uint64(0), 0, True,
                            np.empty(0), np.empty(0), out)
    np.testing.assert_array_equal(out[0], [0.0, 27.0, 52.0, 100.0])  # 25 + 4 x 2 x 0.25 x 0.75 = 26.5 rounds up


def test_the_adc_kernel_draws_the_same_noise_as_calibration_would():
    """The noise the ADC kernel adds equals add_read_noise's for the same key (one stream per vector and plane)."""
    from cimsim.numerics import _kernels

    rng = np.random.default_rng(0)
    batch, n_out = 40, 7
    sums = rng.integers(0, 50, (2 * batch, n_out)).astype(np.float32)
    std = rng.uniform(0.5, 2.0, 2 * batch)
    key = np.uint64(987654321)
    out = np.zeros((batch, n_out))
    step = np.full(n_out, 2.0 ** -20)  # a fine ADC: the codes keep the noise
    _kernels.adc_accumulate(sums, batch, np.array([1.0, 1.0]), 1, n_out, np.ones(n_out), np.zeros(n_out),
                            np.zeros(0, np.int64), -1, step, -1e12, 1e12, 0.0, 0.0, 0.0, n_out, std, key, 5, True,
                            np.empty(0), np.empty(0), out)
    noisy = sums.astype(np.float64)
    _kernels.add_read_noise(noisy, batch, 2, n_out, std, key, 5)
    np.testing.assert_allclose(out, noisy[:batch] + noisy[batch:], atol=2.0 ** -19)
    assert np.abs(out - (sums[:batch] + sums[batch:])).max() > 0.1


def test_read_noise_does_not_depend_on_the_chunk_size():
    cfg = small_config(**{"device.read_noise_sigma": 0.02})
    x = np.random.default_rng(7).uniform(-1, 1, (50, 64))
    a, _ = programmed(cfg)
    b, _ = programmed(with_overrides(cfg, {"simulation.batch_size": 7}))
    first = a.mvm(x)
    np.testing.assert_array_equal(first, b.mvm(x))
    assert not np.array_equal(a.mvm(x[:10]), first[:10])  # a second read of the same vectors draws fresh noise


def test_reads_after_reset_counts_draw_fresh_noise():
    xbar, _ = programmed(small_config(**{"device.read_noise_sigma": 0.02}))
    x = np.random.default_rng(8).uniform(-1, 1, (5, 64))
    first = xbar.mvm(x)
    xbar.reset_counts()
    assert xbar.counts.mvms == 0
    assert not np.array_equal(xbar.mvm(x), first)
    assert xbar.counts.mvms == 5


def test_each_read_draws_from_its_own_stream_and_silent_reads_draw_nothing():
    """Read (vector b, plane p) adds std * the normals of stream (key, first_vector + b, p); a read with std 0
    (no driven row) adds nothing and leaves the other reads' draws unchanged."""
    from cimsim.numerics import _kernels, _normals

    batch, n_cols, first = 6, 5, 11
    std = np.array([1.0, 0.0, 2.0, 0.5, 0.0, 3.0, 0.0, 1.5, 1.0, 0.0, 2.5, 1.0])  # 2 planes x 6 vectors
    key = np.uint64(424242)
    sums = np.zeros((2 * batch, n_cols))
    _kernels.add_read_noise(sums, batch, 2, n_cols, std, key, first)
    z, block = np.empty(n_cols), np.empty(n_cols, dtype=np.uint64)
    for p in range(2):
        for b in range(batch):
            _normals.fill_normals(np.uint64(_normals.stream(key, first + b, p)), z, block)
            np.testing.assert_array_equal(sums[p * batch + b], std[p * batch + b] * z)
    assert (sums[std == 0] == 0).all()


def test_cells_at_or_below_g_min_hold_no_cell_activity():
    """A charge cell's activity counts the level above g_min: a cell stuck at g_min, or drifted below it (finite
    on/off ratio), stores none, so it adds 0, never a negative share (which made valid runs fail Counts.check)."""
    base = {"device.g_min_us": 10.0 / 17.0, "device.g_max_us": 10.0, "device.bits_per_cell": 1,
            "dac.mode": "bit_serial"}  # the default on/off ratio 17: g_min is r = 1/16 level steps
    x = np.random.default_rng(11).uniform(-1, 1, (20, 64))

    def activity(**overrides):
        xbar, _ = programmed(small_config(**base, **overrides))
        xbar.mvm(x)
        return xbar.counts.check().cell_activity

    ideal = activity()
    assert ideal > 0
    stuck = activity(**{"device.stuck_at_gmin_rate": 1.0})
    assert 0.0 <= stuck <= 1e-12 * ideal
    # drift by f = (t / t0)**-nu: a level-1 cell keeps f (1 + r) - r > 0 levels above g_min (r = g_min in level
    # steps), a level-0 cell f r < r lies below it and adds 0: the activity is the ideal one x (f (1 + r) - r)
    nu, t, t0 = 0.3, 1000.0, DeviceConfig().drift_t0_s
    f, r = (t / t0) ** -nu, 1.0 / 16.0
    assert f * r < r < f * (1 + r)
    drifted = activity(**{"device.drift_nu": nu, "device.drift_time_s": t})
    assert drifted == pytest.approx(ideal * (f * (1 + r) - r), rel=1e-9)
    # drifted so far that every cell lies below g_min: nothing above the floor
    assert activity(**{"device.drift_nu": 1.0, "device.drift_time_s": 1e6}) == 0.0


def test_a_calibrated_range_over_non_integer_sums_gets_its_finer_step():
    """16 rows of 1-bit cells, bit-serial inputs: the largest sum of these data (7, measured) needs far fewer than
    the 8-bit ADC's 127 codes. The step is the largest power of two 2**-k whose range covers the calibrated full
    scale, not one level: drifted (then compensated) and noisy sums keep their fractions; integer sums stay exact."""
    cfg = with_overrides(Config(), {
        "array.rows": 16, "array.cols": 64, "array.rows_per_read": 16, "device.g_min_us": 0.0,
        "device.g_max_us": 10.0, "device.bits_per_cell": 1, "mapping.weight_bits": 4, "dac.mode": "bit_serial",
        "dac.input_bits": 4, "adc.bits": 8, "adc.range": "calibrated", "adc.percentile": 100.0,
        "workload.in_features": 16, "workload.out_features": 32})
    rng = np.random.default_rng(0)
    w, x = rng.normal(size=(32, 16)), rng.uniform(-1, 1, (512, 16))

    def run(**device):
        xbar = Crossbar(with_overrides(cfg, {f"device.{k}": v for k, v in device.items()}))
        xbar.program(w)
        setting = xbar.calibrate(x)
        ref = xbar.digital_reference(x)
        return np.linalg.norm(xbar.mvm(x) - ref) / np.linalg.norm(ref), setting, xbar.adc_clipped

    error, setting, clipped = run()
    assert error == 0.0 and clipped == 0  # integer sums: exact codes
    assert (setting.lsb < 1.0).all() and (np.frexp(setting.lsb)[0] == 0.5).all()  # powers of two
    assert (setting.full_scale < 2 * 7.0).all()  # one level per code would span 127
    # drift to (3000)**-0.1 = 0.45 of the programmed conductances, compensated globally: non-integer sums
    error, setting, clipped = run(drift_nu=0.1, drift_time_s=20.0 * 3000.0, drift_compensation="global")
    assert (setting.full_scale < 7.0).all() and clipped == 0
    assert error < 0.03  # a one-level step left 0.57 (and 0.255 at a drift to 0.7)
    error, setting, _ = run(read_noise_sigma=0.01)
    assert 0.0 < error < 0.05 and (setting.lsb <= 1.0 / 8).all()  # the noise is converted, not rounded away


@pytest.mark.parametrize("family", ["charge", "current"])
def test_sram_mismatch_leaves_a_stored_zero_holding_nothing(family):
    """capacitor or transistor mismatch (program_sigma, absolute: the sram preset's) on an SRAM bit that stores 0:
    its capacitor is uncharged, its read transistor off; a draw clipped at 0 had biased every stored 0 upward,
    -1.28 levels an output of all-zero two's-complement weights over 64 rows (a probe; closed form:
    0.05 / sqrt(2 pi) x 64 x (-8 + 4 + 2 + 1)); a stored 1 keeps its mismatch"""
    overrides = {"array.family": family, "device.preset": "sram", "device.bits_per_cell": 1,
                 "device.program_sigma": 0.05, "array.rows": 64, "array.cols": 64, "array.rows_per_read": 64,
                 "mapping.weight_bits": 4, "mapping.signed_encoding": "twos_complement",
                 "mapping.subtraction": "digital", "dac.input_bits": 1, "dac.signed_inputs": "unsigned",
                 "dac.mode": "parallel", "adc.bits": 16, "adc.range": "max", "adc.cols_per_adc": 1,
                 "workload.in_features": 64, "workload.out_features": 16}
    if family == "charge":
        overrides["array.cell_capacitance_ff"] = 1000.0  # kT/C noise far below the mismatch
    config = with_overrides(Config(), overrides)
    weights = np.zeros((16, 64))
    weights[:, 0] = [7.0] + [0.0] * 15  # output 0 (three stored 1s) sets the scale; 1..15 hold all-zero weights
    x = np.ones((1, 64))
    errors = []
    for trial in range(20):
        xbar = Crossbar(config, key=(trial,))
        xbar.program(weights)
        errors.append((xbar.mvm(x) - xbar.digital_reference(x))[0])
    errors = np.array(errors)
    assert abs(errors[:, 1:].mean()) < 0.1  # had been -1.28
    assert errors[:, 0].std() > 0.01  # 3 stored 1s of 0.05 x (4 + 2 + 1) level mismatch each
