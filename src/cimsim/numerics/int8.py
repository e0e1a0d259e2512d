"""Exact integer products on the CPU's int8 units: onnxruntime's ``MatMulInteger`` (MLAS, VNNI where the CPU has it).

A programmed layer whose product matrix holds integers in [-128, 127] (ideal cells: no programming error, IR drop
or drift; at most 7 bits per cell; weight slices not summed before the ADC) and input planes of integer codes in
[0, 255] (unsigned, two-phase, bit-serial planes) or [-128, 127] (bipolar: a zero point of 128, its column sums
subtracted) give the same sums as the float32 product, exactly (every sum is below 2**24, checked at config time),
up to 4x faster on large products (small or narrow ones stay on float32: :data:`MIN_MACS`, :data:`MIN_SIDE`).
Everything else takes the float32 path, which stays the reference the tests compare against.

One session per row group holds that group's int8 matrix; ``intra_op_num_threads = 1``: cimsim's own row-range
workers are the parallelism, so the two thread pools never spin against each other. onnxruntime is the optional
``int8`` extra (``pip install '.[int8]'``); without it, or with ``simulation.int8_products = "off"``, nothing changes.
"""

from __future__ import annotations

import functools
import threading

import numpy as np

from ..config.modes import SignedInputs
from ..mapping import Plan

__all__ = ["available", "IntegerProducts", "MIN_MACS", "MIN_SIDE"]

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


def _session(matrix: np.ndarray):
    """An onnxruntime session computing uint8 (batch x rows) @ int8 ``matrix`` (rows x cols) -> int32."""
    import onnxruntime
    from onnx import TensorProto, helper, numpy_helper

    graph = helper.make_graph(
        [helper.make_node("MatMulInteger", ["x", "w"], ["y"])], "products",
        [helper.make_tensor_value_info("x", TensorProto.UINT8, [None, matrix.shape[0]])],
        [helper.make_tensor_value_info("y", TensorProto.INT32, [None, matrix.shape[1]])],
        [numpy_helper.from_array(matrix, "w")])
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


class IntegerProducts:
    """The int8 form of one layer's product matrix, one session per row group wide enough (``_wide_groups``)."""

    def __init__(self, matrix: np.ndarray, plan: Plan):
        codes = matrix.astype(np.int8)
        groups = _wide_groups(matrix, plan)
        self._sessions = {g: _session(np.ascontiguousarray(codes[start:stop])) for g, (start, stop) in groups.items()}
        self._zero_point = _zero_point(plan)
        self._column_sums = {g: self._zero_point * codes[start:stop].sum(axis=0, dtype=np.int64)
                             for g, (start, stop) in groups.items()}
        self._cols = matrix.shape[1]

    @staticmethod
    def fits(matrix: np.ndarray, plan: Plan) -> bool:
        """Whether ``matrix`` (float32) holds integers in [-128, 127] only and the plan's plane codes fit 8 bits
        (unsigned codes up to 255; bipolar codes, shifted by the zero point, up to 127 in magnitude), and at least
        one row group is :data:`MIN_SIDE` rows and columns wide."""
        codes_fit = plan.max_plane_code <= (127 if _zero_point(plan) else 255)
        return (codes_fit and bool(_wide_groups(matrix, plan)) and bool(np.all(matrix == np.round(matrix))
                and matrix.min() >= -128 and matrix.max() <= 127))

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
        """The int32 products of ``x`` (uint8) with the group's matrix, into this thread's work array (an io
        binding: onnxruntime writes there instead of allocating, so memory stays flat over a long stream)."""
        session = self._sessions[group]
        y = _buffer(x.shape[0] * self._cols).reshape(x.shape[0], self._cols)
        binding = session.io_binding()
        binding.bind_cpu_input("x", x)
        binding.bind_output("y", "cpu", 0, np.int32, list(y.shape), y.ctypes.data)
        session.run_with_iobinding(binding)
        return y
