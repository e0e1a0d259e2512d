"""Exact integer products on the CPU's int8 units: onnxruntime's ``MatMulInteger`` (MLAS, VNNI where the CPU has it).

A programmed layer whose product matrix holds integers in [-128, 127] (ideal cells: no programming error, IR drop
or drift; at most 7 bits per cell; weight slices not summed before the ADC) and input planes of integer codes in
[0, 255] (unsigned, two-phase, bit-serial planes) or [-128, 127] (bipolar: a zero point of 128, its column sums
subtracted) give the same sums as the float32 product, exactly (every sum is below 2**24, checked at config time),
up to 4x faster on large products (small or narrow ones stay on float32: :data:`MIN_MACS`, :data:`MIN_SIDE`).
Everything else takes the float32 path, which stays the reference the tests compare against.

The layer keeps its product matrix as int8 (:func:`compact`: one byte per converted cell, the float32 copy dropped).
One session per matrix shape computes the products of every row group of that shape; the session is given the group's rows on every call (an
input bound without a copy) instead of holding its own copy and a prepacked one (measured: 2.6 bytes per weight
held by onnxruntime at 4096 x 4096), at the price of packing them per call (3.0 -> 3.4 ms for a 256 x 256 group
and batch 10 000; 6 % at 1024 x 1024). ``intra_op_num_threads = 1``: cimsim's own row-range workers are the
parallelism, so the two thread pools never spin against each other. onnxruntime is the optional
``int8`` extra (``pip install '.[int8]'``); without it, or with ``simulation.int8_products = "off"``, nothing changes.
"""

from __future__ import annotations

import functools
import threading

import numpy as np

from ..config.modes import SignedInputs
from ..mapping import Plan

__all__ = ["available", "compact", "IntegerProducts", "MIN_MACS", "MIN_SIDE"]

MIN_MACS = 1 << 24
"""smallest product (plane rows x rows x columns) sent to the int8 units: below it a call's fixed cost (the session
run, the uint8 copy) outweighs the gain (measured: 64 x 64 layers, batch 1000, 0.41 ms int8 against 0.32 ms
float32; 256 x 256, 1.13 against 1.75 ms)"""
MIN_SIDE = 128
"""smallest rows and columns of a row group's matrix sent to the int8 units: narrower products run faster on float32
BLAS (measured: 64 x 64, batch 10000, 1.67x numpy float64 on int8 against 1.17x on float32)"""

_LOCAL = threading.local()


def _buffer(size: int) -> np.ndarray:
    """This thread's int32 work buffer of at least ``size`` values (grown, never shrunk: products of every shape
    reuse it)."""
    buf = getattr(_LOCAL, "buffer", None)
    if buf is None or buf.size < size:
        buf = _LOCAL.buffer = np.empty(size, dtype=np.int32)
    return buf[:size]



@functools.cache
def available() -> bool:
    """onnxruntime and onnx (which builds the sessions' graphs) can both be imported: the ``int8`` extra."""
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def _zero_point(plan: Plan) -> int:
    """128 for bipolar planes (signed codes), 0 for the others (two-phase, bit-serial, sliced, unsigned: codes >= 0)."""
    return 128 if plan.signed_inputs == SignedInputs.BIPOLAR else 0


@functools.cache
def _session(rows: int, cols: int):
    """An onnxruntime session computing uint8 (batch x ``rows``) @ int8 (``rows`` x ``cols``) -> int32, both bound
    per call: one per shape in the process, shared by every row group and layer of that shape (a session costs
    about 10 MB; runs are thread-safe)."""
    import onnxruntime
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("MatMulInteger", ["x", "w"], ["y"])], "products",
        [helper.make_tensor_value_info("x", TensorProto.UINT8, [None, rows]),
         helper.make_tensor_value_info("w", TensorProto.INT8, [rows, cols])],
        [helper.make_tensor_value_info("y", TensorProto.INT32, [None, cols])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.enable_cpu_mem_arena = False  # outputs go to our own buffers (io binding): no arena to keep them
    return onnxruntime.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])


def _wide_groups(matrix: np.ndarray, plan: Plan) -> dict[int, tuple[int, int]]:
    """The row groups (number: (first row, stop)) of ``matrix`` at least :data:`MIN_SIDE` rows and columns wide: the
    only ones worth a session."""
    if matrix.shape[1] < MIN_SIDE:
        return {}
    return {g: (start, stop) for g, (start, stop) in enumerate(plan.row_groups()) if stop - start >= MIN_SIDE}


def compact(matrix: np.ndarray, plan: Plan) -> np.ndarray | None:
    """``matrix`` (float32 levels) as int8 when it holds integers in [-128, 127] only, the plan's plane codes fit 8
    bits (unsigned codes up to 255; bipolar codes, shifted by the zero point, up to 127 in magnitude) and at least
    one row group is :data:`MIN_SIDE` rows and columns wide; else None (the layer keeps float32)."""
    codes_fit = plan.max_plane_code <= (127 if _zero_point(plan) else 255)
    if not (codes_fit and _wide_groups(matrix, plan) and matrix.min() >= -128 and matrix.max() <= 127
            and np.array_equal(matrix, np.round(matrix))):
        return None
    return matrix.astype(np.int8)


class IntegerProducts:
    """Products with one layer's int8 matrix (:func:`compact`), one session per row group wide enough."""

    def __init__(self, codes: np.ndarray, plan: Plan):
        if codes.dtype != np.int8:
            raise TypeError(f"IntegerProducts needs the layer's int8 matrix (int8.compact); got {codes.dtype}")
        groups = _wide_groups(codes, plan)
        self._rows = {g: codes[start:stop] for g, (start, stop) in groups.items()}  # C-contiguous row slices
        self._sessions = {g: _session(stop - start, codes.shape[1]) for g, (start, stop) in groups.items()}
        self._zero_point = _zero_point(plan)
        self._column_sums = {g: self._zero_point * rows.sum(axis=0, dtype=np.int64) for g, rows in self._rows.items()}
        self._cols = codes.shape[1]

    def products(self, planes: np.ndarray, group: int, out: np.ndarray) -> bool:
        """``out`` = the plane rows ``planes`` (float32 codes, the group's rows) times the group's matrix, exactly;
        False (``out`` untouched) when the product is below MIN_MACS or the group narrower than MIN_SIDE."""
        if group not in self._sessions or planes.shape[0] * planes.shape[1] * out.shape[1] < MIN_MACS:
            return False
        if self._zero_point:  # bipolar codes: shifted into uint8, the shift's column sums taken away
            out[:] = self._run(group, (planes + self._zero_point).astype(np.uint8))
            out -= self._column_sums[group]
        else:
            out[:] = self._run(group, planes.astype(np.uint8))
        return True

    def _run(self, group: int, x: np.ndarray) -> np.ndarray:
        """The int32 products of ``x`` (uint8) with the group's rows, into this thread's work array (io binding:
        onnxruntime reads the layer's own int8 rows and writes there instead of allocating, so memory stays flat)."""
        session = self._sessions[group]
        y = _buffer(x.shape[0] * self._cols).reshape(x.shape[0], self._cols)
        binding = session.io_binding()
        binding.bind_cpu_input("x", x)
        binding.bind_cpu_input("w", self._rows[group])
        binding.bind_output("y", "cpu", 0, np.int32, list(y.shape), y.ctypes.data)
        session.run_with_iobinding(binding)
        return y
