"""The int8 product path (onnxruntime's MatMulInteger) gives the float32 path's results bit for bit, for every input
mode whose codes fit 8 bits, and stays out of the way where the cells hold non-integer conductances."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

from cimsim.config import load_config, with_overrides
from cimsim.numerics import Crossbar, int8
from cimsim.numerics.exact_products import exact_product

ROOT = Path(__file__).resolve().parents[1]

if not int8.available():
    if os.environ.get("CI"):
        raise ImportError("CI must install onnxruntime (the test extra) so that the int8 tests run")
    pytest.skip("onnxruntime is not installed (pip install '.[int8]'): the int8 path is not there to test",
                allow_module_level=True)

MEASURED_FASTER = int8.faster
"""the real choice (the autouse fixture below replaces it with one that always says yes)"""

MODES = [
    {},                                                                   # parallel DAC, two-phase inputs
    {"dac.signed_inputs": "bipolar"},                                     # signed planes: the zero-point path
    {"dac.signed_inputs": "bipolar", "dac.input_bits": 1},                # binary inputs, +/-1
    {"dac.mode": "bit_serial"},
    {"dac.mode": "sliced", "dac.bits_per_read": 2, "dac.signed_inputs": "twos_complement"},
    {"dac.signed_inputs": "unsigned"},
    {"mapping.signed_encoding": "offset", "device.bits_per_cell": 1},
    {"mapping.signed_encoding": "twos_complement", "mapping.subtraction": "digital", "device.bits_per_cell": 1,
     "device.g_min_us": 0.0},
    {"array.rows_per_read": 64, "adc.bits": 6},
    # 7-bit cells and bipolar planes: pairs of products up to 2 x 255 x 127, past the int16 that AVX2's uint8 x int8
    # multiply-add pairs saturate at (int8.weight_offset)
    {"dac.signed_inputs": "bipolar", "device.bits_per_cell": 7, "device.g_min_us": 0.0, "adc.range": "max"},
    # 8-bit offset cells subtracted in the array: levels -127 to 125 in the product matrix, which fit int8
    {"mapping.signed_encoding": "offset", "device.bits_per_cell": 8, "adc.range": "max"},
]


def design(**overrides):
    base = {"device.preset": "ideal", "workload.in_features": 300, "workload.out_features": 70}
    return with_overrides(load_config(ROOT / "configs" / "default.toml"), {**base, **overrides})


@pytest.fixture(autouse=True)
def every_product_on_int8(monkeypatch):
    """Small test layers too (int8.MIN_MACS keeps them on float32 otherwise); counts the int8 calls."""
    calls = []
    run = int8.IntegerProducts.products
    monkeypatch.setattr(int8, "MIN_MACS", 0)
    monkeypatch.setattr(int8, "MIN_SIDE", 0)
    monkeypatch.setattr(int8, "faster", lambda: True)  # whatever this CPU's int8 kernel: the path is under test

    def counted(self, *args):
        used = run(self, *args)
        calls.append(used is not None)
        return used

    monkeypatch.setattr(int8.IntegerProducts, "products", counted)
    return calls


FORMS = {"uint8 x int8": (0, 0), "uint8 x uint8": (128, 128), "AVX2's mix": (128, None)}
"""(int8.weight_offset, every product's int8.form: None = the real choice) of each way the int8 units can multiply:
int8 weights (VNNI); uint8 weights + 128; and as on AVX2, where uint8 x int8 saturates pairs at int16: uint8 weights
only for products whose pairs can pass int16"""
EXACT_FORMS = [name for name, (offset, each) in FORMS.items() if int8._exact_form(offset)
               and (each is not None or int8._pairs_exact())]
"""the ways this CPU's MatMulInteger multiplies exactly; one it gets wrong is never used (the probes), so not tested"""


def test_the_probe_takes_the_first_exact_form():
    assert int8.weight_offset() == next((o for o in (0, 128) if int8._exact_form(o)), None)
    assert MEASURED_FASTER() is False or int8.weight_offset() is not None  # no products in a form that is not exact
    if int8.weight_offset() == 128:  # e.g. AVX2: uint8 x int8 only where no pair passes int16
        assert int8.form(255, 128) == 128 and int8.form(255, 64) == int8.form(127, 128) == (
            0 if int8._pairs_exact() else 128)


@pytest.fixture(params=EXACT_FORMS)
def weight_form(request, monkeypatch):
    """every exact way in turn, whichever the probes pick"""
    offset, each = FORMS[request.param]
    monkeypatch.setattr(int8, "weight_offset", lambda: offset)
    if each is not None:
        monkeypatch.setattr(int8, "form", lambda max_x, max_w: each)
    int8.shared_session.cache_clear()  # sessions of the shapes, built for one form
    yield request.param
    int8.shared_session.cache_clear()


@pytest.mark.parametrize("held_max_cells", [int8.HELD_MAX_CELLS, 0])  # sessions holding their rows, or bound
@pytest.mark.parametrize("overrides", MODES)
def test_int8_path_equals_float32_path_bit_for_bit(overrides, held_max_cells, weight_form, every_product_on_int8,
                                                   monkeypatch):
    monkeypatch.setattr(int8, "HELD_MAX_CELLS", held_max_cells)
    cfg = design(**overrides)
    rng = np.random.default_rng(4)
    w = rng.standard_normal((70, 300))
    x = rng.uniform(0 if overrides.get("dac.signed_inputs") == "unsigned" else -1, 1, (257, 300))
    fast, slow = Crossbar(cfg), Crossbar(with_overrides(cfg, {"simulation.int8_products": "off"}))
    for xbar in (fast, slow):
        xbar.program(w)
        if xbar.adc is None:
            xbar.calibrate(x[:64])
    assert fast._integer is not None and slow._integer is None
    assert bool(fast._integer._bound) == (held_max_cells == 0)
    y_fast = fast.mvm(x)
    assert any(every_product_on_int8)  # the int8 units really computed products
    np.testing.assert_array_equal(y_fast, slow.mvm(x))
    assert fast.counts == slow.counts


def test_non_integer_conductances_stay_on_the_float_path():
    noisy = Crossbar(design(**{"device.preset": "rram"}))
    noisy.program(np.random.default_rng(0).standard_normal((70, 300)))
    assert noisy._integer is None  # programming error: conductances are no longer integer levels
    wide = Crossbar(design(**{"device.bits_per_cell": 8, "mapping.weight_bits": 9}))
    wide.program(np.random.default_rng(0).standard_normal((70, 300)))
    assert wide._integer is None  # 8-bit cell levels do not fit int8 in a differential pair


def test_narrow_layers_build_no_sessions(monkeypatch):
    """A layer narrower than MIN_SIDE never reaches the int8 units, so programming it builds no session at all."""
    monkeypatch.setattr(int8, "MIN_SIDE", 128)
    narrow = Crossbar(design(**{"workload.in_features": 100}))  # one row group of 100 rows
    narrow.program(np.random.default_rng(0).standard_normal((70, 100)))
    assert narrow._integer is None
    wide = Crossbar(design(**{"workload.out_features": 200}))
    wide.program(np.random.default_rng(0).standard_normal((200, 300)))
    assert wide._integer is not None


def test_the_int8_units_need_onnxruntime_alone(monkeypatch):
    """The sessions' models are written without the onnx package (whose import took over a second), so the int8
    path runs with onnx unimportable, exactly as with it; without onnxruntime every product stays float32."""
    monkeypatch.setitem(sys.modules, "onnx", None)  # import onnx now raises ImportError
    int8.shared_session.cache_clear()
    w, x = np.random.default_rng(0).standard_normal((70, 300)), np.random.default_rng(1).uniform(-1, 1, (50, 300))
    fast, slow = Crossbar(design()), Crossbar(design(**{"simulation.int8_products": "off"}))
    for xbar in (fast, slow):
        xbar.program(w)
        xbar.calibrate(x)
    assert fast._integer is not None
    np.testing.assert_array_equal(fast.mvm(x), slow.mvm(x))
    np.testing.assert_array_equal(fast.digital_reference(x), slow.digital_reference(x))
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    int8.available.cache_clear()
    try:
        assert not int8.available()
        xbar = Crossbar(design())
        xbar.program(w)
        assert xbar._integer is None
    finally:
        int8.available.cache_clear()


def test_int8_products_off_never_touch_onnxruntime(monkeypatch):
    """simulation.int8_products = "off": products and the digital reference stay on BLAS, onnxruntime never asked"""
    def refused():
        raise AssertionError("onnxruntime consulted with int8_products off")
    monkeypatch.setattr(int8, "available", refused)
    monkeypatch.setattr(int8, "faster", refused)
    xbar = Crossbar(design(**{"simulation.int8_products": "off"}))
    xbar.program(np.random.default_rng(0).standard_normal((70, 300)))
    x = np.random.default_rng(1).uniform(-1, 1, (50, 300))
    xbar.calibrate(x)
    xbar.mvm(x)
    xbar.digital_reference(x)


@pytest.mark.parametrize("offset", [0, 128])
@pytest.mark.parametrize("held", [False, True])
@pytest.mark.parametrize("rows, cols", [(70, 40), (300, 200)])  # lengths of one, two and three varint bytes
def test_the_product_models_are_the_bytes_onnx_writes(offset, held, rows, cols):
    """cimsim writes the MatMulInteger model itself (numerics._int8_model); onnx.helper serialises the same graph to
    the same bytes, for both weight forms and zero points, weights held or bound"""
    try:
        import onnx
        from onnx import TensorProto, helper, numpy_helper
    except ImportError:
        if os.environ.get("CI"):
            raise ImportError("CI must install onnx (the test extra) to check the product models") from None
        pytest.skip("onnx is not installed (the test extra has it)")

    from cimsim.numerics._int8_model import IR_VERSION, OPSET, matmul_integer_model

    w_type = TensorProto.UINT8 if offset else TensorProto.INT8
    w = (np.random.default_rng(3).integers(-128, 128, (rows, cols)) + offset).astype(np.uint8 if offset else np.int8)
    for zero_point in (0, 128):
        zeros = [numpy_helper.from_array(np.array(zero_point, dtype=np.uint8), "zero_point")]
        zeros += [numpy_helper.from_array(np.array(offset, dtype=np.uint8), "w_zero_point")] if offset else []
        graph = helper.make_graph(
            [helper.make_node("MatMulInteger", ["x", "w", "zero_point"] + ["w_zero_point"] * bool(offset), ["y"])],
            "products",
            [helper.make_tensor_value_info("x", TensorProto.UINT8, [None, rows])]
            + ([] if held else [helper.make_tensor_value_info("w", w_type, [rows, cols])]),
            [helper.make_tensor_value_info("y", TensorProto.INT32, [None, cols])],
            zeros + ([numpy_helper.from_array(w, "w")] if held else []))
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], ir_version=IR_VERSION)
        onnx.checker.check_model(model)
        assert matmul_integer_model(rows, cols, zero_point, offset, w if held else None) == model.SerializeToString()


def test_an_int8_layer_holds_one_byte_per_converted_cell_and_the_same_conductances():
    w = np.random.default_rng(2).standard_normal((70, 300))
    fast, slow = Crossbar(design()), Crossbar(design(**{"simulation.int8_products": "off"}))
    fast.program(w)
    slow.program(w)
    assert fast.layer.matrix.dtype == np.int8 and slow.layer.matrix.dtype == np.float32
    np.testing.assert_array_equal(fast.layer.matrix, slow.layer.matrix)
    assert fast.layer.conductances_us is None and fast.layer.weight_codes.dtype == np.int8  # nothing float per cell
    np.testing.assert_array_equal(fast.conductances_us, slow.conductances_us)
    assert not fast.layer.matrix.flags.writeable
    one_slice = Crossbar(design(**{"device.bits_per_cell": 7}))  # weight codes = the first converted columns
    one_slice.program(w)
    assert np.shares_memory(one_slice.layer.weight_codes, one_slice.layer.matrix)
    np.testing.assert_array_equal(one_slice.layer.weight_codes, slow.layer.weight_codes)


def test_stuck_cells_keep_their_conductances_on_the_int8_path():
    """Stuck cells hold integer levels (0 or the top), so the products stay int8, but not their targets: the
    layer keeps the conductances it programmed."""
    cfg = design(**{"device.stuck_at_gmax_rate": 0.05})
    fast, slow = Crossbar(cfg), Crossbar(with_overrides(cfg, {"simulation.int8_products": "off"}))
    w = np.random.default_rng(3).standard_normal((70, 300))
    fast.program(w)
    slow.program(w)
    assert fast._integer is not None and fast.layer.conductances_us is not None
    np.testing.assert_array_equal(fast.conductances_us, slow.conductances_us)
    x = np.random.default_rng(5).uniform(-1, 1, (40, 300))
    for xbar in (fast, slow):
        xbar.calibrate(x)
    np.testing.assert_array_equal(fast.mvm(x), slow.mvm(x))
    assert fast.counts == slow.counts


def test_a_cpu_without_a_fast_int8_kernel_keeps_float32_products(monkeypatch):
    """The int8 path is chosen by measuring it (int8.speedup): where it is not faster, every product stays float32
    and the results are the same."""
    assert int8.speedup() > 0
    monkeypatch.setattr(int8, "faster", lambda: False)
    w, x = np.random.default_rng(6).standard_normal((70, 300)), np.random.default_rng(7).uniform(-1, 1, (50, 300))
    slow = Crossbar(design(**{"adc.range": "max"}))
    slow.program(w)
    assert slow._integer is None and slow.layer.matrix.dtype == np.float32
    monkeypatch.setattr(int8, "faster", lambda: True)
    fast = Crossbar(design(**{"adc.range": "max"}))
    fast.program(w)
    assert fast._integer is not None
    np.testing.assert_array_equal(fast.mvm(x), slow.mvm(x))


@pytest.mark.parametrize("route", ["none", "mixed"])
def test_small_products_on_blas_from_an_int8_layer_are_exact(route, monkeypatch):
    """Products below the int8 thresholds run on BLAS from the group's float32 rows: every group (float32 planes),
    or only the small one of two (uint8 planes, the small group's converted back) - the same results."""
    cfg = design(**{"array.rows_per_read": 256})  # row groups of 256 and 44 rows
    batch = 257
    w, x = np.random.default_rng(8).standard_normal((70, 300)), np.random.default_rng(9).uniform(-1, 1, (batch, 300))
    slow = Crossbar(with_overrides(cfg, {"simulation.int8_products": "off"}))
    slow.program(w)
    fast = Crossbar(cfg)
    fast.program(w)
    cols = fast.layer.matrix.shape[1]
    monkeypatch.setattr(int8, "ALWAYS_CELLS", 1 << 40)
    big = slow.plan.n_planes * batch * 256 * cols  # the 256-row group's product; the 44-row group's is smaller
    monkeypatch.setattr(int8, "MIN_MACS", big + 1 if route == "none" else big)
    for xbar in (fast, slow):
        xbar.calibrate(x[:64])
    assert fast._integer.uses_integer(slow.plan.n_planes * batch) == (route == "mixed")
    np.testing.assert_array_equal(fast.mvm(x), slow.mvm(x))
    assert fast.counts == slow.counts


def test_an_onnxruntime_that_fails_leaves_float32_products_with_a_warning(monkeypatch):
    def broken():
        raise RuntimeError("no kernel for this CPU")
    monkeypatch.setattr(int8, "faster", MEASURED_FASTER.__wrapped__)  # not the fixture's stand-in, and not cached
    monkeypatch.setattr(int8, "speedup", broken)
    with pytest.warns(RuntimeWarning, match="float32 products instead: onnxruntime failed"):
        assert int8.faster() is False
    xbar = Crossbar(design())
    with pytest.warns(RuntimeWarning):
        xbar.program(np.random.default_rng(0).standard_normal((70, 300)))
    assert xbar._integer is None and xbar.layer.matrix.dtype == np.float32


@pytest.mark.parametrize("low, high", [(-127, 128), (0, 256), (-1, 2), (-128, 128)])
def test_the_digital_reference_on_the_int8_units_is_exact(low, high, weight_form, monkeypatch):
    """the exact product of the quantised operands (every layer's digital reference): the int8 units give the float64
    product bit for bit for signed, unsigned and binary codes; int16 weights and codes beyond 8 bits stay on float64"""
    runs = []
    run = int8.run_session
    monkeypatch.setattr(int8, "run_session", lambda *args: runs.append(1) or run(*args))
    rng = np.random.default_rng(61)
    codes = rng.integers(low, high, (300, 70)).astype(np.int32)
    weights = rng.integers(-127, 128, (40, 70)).astype(np.int8)
    want = codes.astype(np.float64) @ weights.T.astype(np.float64)
    np.testing.assert_array_equal(exact_product(codes, weights), want)
    assert len(runs) == 1
    np.testing.assert_array_equal(exact_product(codes * 3, weights.astype(np.int16)), 3 * want)
    np.testing.assert_array_equal(exact_product(codes * 300, weights), 300 * want)  # beyond 8 bits: float64
    assert len(runs) == 1


def test_a_kernel_that_gets_a_sum_wrong_is_never_used(monkeypatch):
    """The probe (int8.weight_offset) refuses a form whose products are not exact at the operands' extremes (as
    AVX2's uint8 x int8 multiply-add pairs, saturating at int16, are not) and takes uint8 x uint8 instead; where
    neither form is exact every product stays float32."""
    made, broken = {}, set()
    real_session, real_run = int8._session, int8.run_session

    def session(rows, cols, zero_point, weights=None, offset=0):
        built = real_session(rows, cols, zero_point, weights, offset)
        made[id(built)] = offset
        return built

    def run(built, x, y, w=None):  # a kernel of a broken form gets one sum wrong by one
        out = real_run(built, x, y, w)
        if made.get(id(built)) in broken:
            out[-1, -1] += 1
        return out

    monkeypatch.setattr(int8, "_session", session)
    monkeypatch.setattr(int8, "run_session", run)
    broken.add(0)
    assert int8.weight_offset.__wrapped__() == 128
    broken.add(128)
    assert int8.weight_offset.__wrapped__() is None
    monkeypatch.setattr(int8, "weight_offset", lambda: None)
    monkeypatch.setattr(int8, "faster", MEASURED_FASTER.__wrapped__)  # not the fixture's stand-in, and not cached
    assert int8.faster() is False
    xbar = Crossbar(design())
    xbar.program(np.random.default_rng(0).standard_normal((70, 300)))
    assert xbar._integer is None and xbar.layer.matrix.dtype == np.float32


@pytest.mark.parametrize("extra_min_bytes", [0, int8.EXTRA_MIN_BYTES])
def test_many_small_row_groups_hold_at_most_the_layers_budget(extra_min_bytes, monkeypatch):
    """Partial activation cuts a layer into many small row groups; their held sessions and float32 copies stop at
    the layer's budget (half its int8 matrix's bytes, or EXTRA_MIN_BYTES), the rest bound per call, the results the
    same"""
    monkeypatch.setattr(int8, "EXTRA_MIN_BYTES", extra_min_bytes)
    cfg = design(**{"workload.in_features": 1024, "workload.out_features": 128, "array.rows_per_read": 32,
                    "adc.bits": 6})
    rng = np.random.default_rng(9)
    w, x = rng.standard_normal((128, 1024)), rng.uniform(-1, 1, (40, 1024))
    fast, slow = Crossbar(cfg), Crossbar(with_overrides(cfg, {"simulation.int8_products": "off"}))
    for xbar in (fast, slow):
        xbar.program(w)
        xbar.calibrate(x[:16])
    products = fast._integer
    assert products.extra_bytes <= max(extra_min_bytes, products._codes.nbytes / 2)
    assert bool(products._bound) == (extra_min_bytes == 0)  # 0: past the budget some groups bind their rows
    assert len(products._sessions) == len(products._groups) == 1024 // 32
    np.testing.assert_array_equal(fast.mvm(x), slow.mvm(x))


@pytest.mark.parametrize("signed", ["two_phase", "twos_complement"])
def test_relu_inputs_multiply_their_live_planes_together_on_the_int8_units(signed, monkeypatch):
    """Bit-serial ReLU outputs leave the negative phase's planes all zero: the live planes multiply side by side in
    one product per run of them, which reaches the int8 units' size where each plane alone does not (each had gone
    to BLAS from the uint8 planes: 0 int8 calls against 1 016 for signed inputs, a probe measured)."""
    cfg = design(**{"dac.mode": "bit_serial", "dac.signed_inputs": signed, "array.rows_per_read": 100,
                    "adc.range": "max"})
    batch = 400
    w = np.random.default_rng(8).standard_normal((70, 300))
    x = np.maximum(np.random.default_rng(9).standard_normal((batch, 300)), 0.0)
    x[:, ::7] = 0.0
    slow = Crossbar(with_overrides(cfg, {"simulation.int8_products": "off"}))
    fast = Crossbar(cfg)
    for xbar in (fast, slow):
        xbar.program(w)
    one_plane = batch * 100 * fast.layer.matrix.shape[1]  # a single plane's product of one row group
    monkeypatch.setattr(int8, "ALWAYS_CELLS", 1 << 40)
    monkeypatch.setattr(int8, "MIN_MACS", 2 * one_plane)  # two planes side by side reach it, one does not
    calls = []
    run = int8.IntegerProducts.products
    monkeypatch.setattr(int8.IntegerProducts, "products", lambda self, *a: calls.append(run(self, *a)) or calls[-1])
    np.testing.assert_array_equal(fast.mvm(x), slow.mvm(x))
    assert fast.counts == slow.counts
    assert any(c is not None for c in calls) and all(c is not None for c in calls[:1])


def test_a_runs_json_says_where_its_products_ran_and_why(monkeypatch):
    """the int8 and float32 paths give the same numbers, so nothing had said which ran (their speed and memory
    differ: 1.03 against 5.03 bytes a weight at 4096 x 4096): the run's JSON names the path and, for float32, why"""
    from cimsim.config import Config
    from cimsim.report_json import products_path

    config = Config()
    assert "int8_products = \"off\"" in products_path(with_overrides(config, {"simulation.int8_products": "off"}))
    if int8.available() and int8.faster():
        path = products_path(config)  # the whole rule: a small product stays on float32 (a probe read it as int8)
        assert path.startswith("int8 units (onnxruntime MatMulInteger, at least 1.25x float32"), path
        assert f"hold at least {int8.ALWAYS_CELLS} cells or multiply at least {int8.MIN_MACS} plane-row MACs" in path
    monkeypatch.setattr(int8, "faster", lambda: False)
    monkeypatch.setattr(int8, "weight_offset", lambda: 0)
    monkeypatch.setattr(int8, "available", lambda: True)
    assert products_path(config) == "float32 BLAS (onnxruntime's int8 kernel is not 1.25x float32 here)"
    monkeypatch.setattr(int8, "available", lambda: False)
    assert "is not installed or cannot be imported: pip install '.[int8]'" in products_path(config)


def test_an_onnxruntime_that_fails_leaves_a_report_that_says_so(monkeypatch):
    # a session onnxruntime cannot build: the probes fail on every call (their caches keep no error); the report had
    # asked the probe again after faster() caught it and died with onnxruntime's error, the simulation done
    from cimsim.config import Config
    from cimsim.report_json import products_path

    def broken(*args, **kwargs):
        raise RuntimeError("[ONNXRuntimeError] : 1 : FAIL : no session")
    monkeypatch.setattr(int8, "_session", broken)
    monkeypatch.setattr(int8, "faster", MEASURED_FASTER.__wrapped__)  # not the fixture's stand-in, and not cached
    int8.weight_offset.cache_clear()
    try:
        with pytest.warns(RuntimeWarning, match="onnxruntime failed"):
            path = products_path(Config())
    finally:
        int8.weight_offset.cache_clear()
    assert path == "float32 BLAS (onnxruntime failed: [ONNXRuntimeError] : 1 : FAIL : no session)"


@pytest.mark.parametrize("error", ['OSError("libonnxruntime.so: cannot open shared object file")',
                                   'ImportError("libonnxruntime.so: invalid ELF header")',
                                   'ModuleNotFoundError("No module named \'sympy\'", name="sympy")'])
def test_an_onnxruntime_that_cannot_be_imported_leaves_float32_products_with_a_warning(tmp_path, monkeypatch, error):
    # a broken install raises OSError on import (that had ended every run) or ImportError (its shared library not
    # loadable: that had been taken for no install, unsaid, an int8 probe 2026-12-07), or misses a module of its own
    (tmp_path / "onnxruntime.py").write_text(f"raise {error}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "onnxruntime", raising=False)
    int8.available.cache_clear()
    try:
        with pytest.warns(RuntimeWarning, match=r"onnxruntime cannot be imported \(" + error.split("(")[0]):
            assert not int8.available()
        xbar = Crossbar(design())
        xbar.program(np.random.default_rng(0).standard_normal((70, 300)))
        assert xbar._integer is None
    finally:
        int8.available.cache_clear()


@pytest.mark.parametrize("overrides, why", [
    ({"dac.encoding": "pulse_width"}, "pulse inputs, whose planes are float32 currents"),
    ({"dac.signed_inputs": "unsigned", "dac.input_bits": 9}, "input plane codes up to 511 in magnitude, past the "
                                                             "units' 255"),
    ({"dac.signed_inputs": "bipolar", "dac.input_bits": 9}, "input plane codes up to 255 in magnitude, past the "
                                                            "units' 127"),
    ({"device.read_noise_sigma": 0.01, "device.read_noise_path": "cell"}, "read noise drawn cell by cell"),
    ({"device.iv_nonlinearity": 10.0}, "a non-linear I-V"),
    ({"device.program_sigma": 0.02}, "its cells hold no integer levels (programming error, drift or IR drop)"),
    ({"array.wire_resistance_ohm": 1.0}, "its cells hold no integer levels"),
    ({"device.drift_nu": 0.05, "device.drift_time_s": 3600.0}, "its cells hold no integer levels"),
    ({"device.bits_per_cell": 8, "mapping.weight_bits": 9}, "its columns' levels pass int8's -128 to 127 (a "
                                                            "column's top level: 255)"),
    ({"mapping.signed_encoding": "offset", "mapping.weight_bits": 9, "device.bits_per_cell": 3,
      "adc.accumulation": "slices"}, "(a column's top level: 511)")])
def test_a_design_whose_planes_cannot_go_to_the_int8_units_keeps_float32_and_says_so(overrides, why):
    """such a layer had been compacted to int8 (then converted back to float32 on every product: slower than
    "off") and its run's JSON had said "int8 units" (a probe counted no int8 call); cells off their integer levels
    and row groups too narrow for a session had been said to run there too (an int8 probe, 2026-12-06)"""
    from cimsim.report_json import products_path
    from cimsim.run import simulate

    config = design(**overrides, **{"workload.vectors": 4})
    xbar = Crossbar(config)
    xbar.program(np.random.default_rng(0).uniform(-1, 1, (70, 300)))
    assert xbar._integer is None and xbar.layer.matrix.dtype != np.int8
    path = products_path(config, simulate(config))
    assert path.startswith("float32 BLAS (no product of this design can run on the int8 units: ") and why in path
    assert products_path(design(**{"workload.vectors": 4}), simulate(design(**{"workload.vectors": 4}))
                         ).startswith("int8 units")


@pytest.mark.parametrize("overrides", [{"device.preset": "pcm", "device.program_sigma": 0.0,  # drifts from t0 on
                                        "device.read_noise_sigma": 0.0, "device.drift_time_s": 20.0},
                                       {"mapping.signed_encoding": "offset", "mapping.weight_bits": 8,
                                        "device.bits_per_cell": 4, "adc.accumulation": "slices"}])
def test_a_design_whose_layers_go_to_the_int8_units_says_so(overrides):
    """read at the drift reference time (no drift yet), or offset columns of 255 levels less their reference (-128 to
    127): compacted, run on the units, and the JSON had said float32 (drift; an int8 probe, 2026-12-07)"""
    from cimsim.report_json import products_path
    from cimsim.run import simulate

    config = design(**overrides, **{"workload.vectors": 4})
    xbar = Crossbar(config)
    xbar.program(np.random.default_rng(0).uniform(-1, 1, (70, 300)))
    assert xbar._integer is not None
    assert products_path(config, simulate(config)).startswith("int8 units")


def test_a_design_of_row_groups_too_narrow_for_the_units_says_float32(monkeypatch):
    """16 rows a read: no row group is int8.MIN_SIDE rows wide, so no layer gets a session (int8.compact), and the
    run's JSON says float32 with why (it had said "int8 units"; an int8 probe, 2026-12-06)"""
    from cimsim.report_json import products_path
    from cimsim.run import simulate

    monkeypatch.setattr(int8, "MIN_SIDE", 32)  # the shipped width (the fixture opens the units to every product)
    config = design(**{"array.rows_per_read": 16, "workload.vectors": 4})
    xbar = Crossbar(config)
    xbar.program(np.random.default_rng(0).uniform(-1, 1, (70, 300)))
    assert xbar._integer is None
    assert products_path(config, simulate(config)) == (
        "float32 BLAS (no product of this design can run on the int8 units: no layer has a row group of 32 rows and "
        "32 converted columns)")


@pytest.mark.parametrize("overrides, uint8", [({}, True), ({"dac.encoding": "pulse_count"}, False),
                                              ({"device.iv_nonlinearity": 10.0}, False)])
def test_a_workers_piece_counts_uint8_planes_only_where_the_int8_units_take_them(overrides, uint8):
    """the planes of a pulse-count input, or bent by a non-linear cell, stay float32 on a layer with int8 products:
    a piece sized for uint8 planes there had taken 3x the work arrays it was sized for"""
    from cimsim.numerics.products import PRODUCT_ROWS, plane_piece
    from cimsim.numerics.threads import piece_rows

    xbar = Crossbar(design(**overrides))
    xbar.program(np.random.default_rng(0).uniform(-1, 1, (70, 300)))
    p, cols = xbar.plan, xbar.layer.col_w.size
    assert (xbar._integer is not None) == uint8  # a layer whose planes cannot go to the units is not compacted
    plane_bytes = 1 if uint8 else 4
    assert plane_piece(p, xbar._integer, cols, xbar._cell_noise_path) == piece_rows(
        p.n_planes * (plane_bytes * p.in_features + 4 * (cols + 1)), PRODUCT_ROWS)
