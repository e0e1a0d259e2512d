"""The ONNX model of one ``MatMulInteger`` product, serialised without the onnx package.

onnxruntime takes a model as bytes; building them with ``onnx.helper`` imports onnx, whose ``ml_dtypes`` dependency
took 1.0-1.3 s to import on a 2-core AMD EPYC (measured 2026-12-01), more than a small run's products. The model is
five protobuf messages (ONNX's ``onnx.proto``, proto2: repeated numbers unpacked), written here field by field in
field-number order, as protobuf serialises them; ``tests/test_int8.py`` holds the bytes equal to ``onnx.helper``'s.
"""

from __future__ import annotations

import numpy as np

__all__ = ["IR_VERSION", "OPSET", "matmul_integer_model"]

IR_VERSION = 8
"""ONNX IR version of the model (opset 13 needs 7 or later; onnxruntime 1.16 reads up to 9)"""
OPSET = 13
"""opset of the default domain: MatMulInteger since 10"""
_ELEM = {np.dtype(np.uint8): 2, np.dtype(np.int8): 3, np.dtype(np.int32): 6}
"""ONNX TensorProto.DataType of each numpy dtype used"""


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        low, value = value & 0x7F, value >> 7
        out.append(low | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _number(field: int, value: int) -> bytes:
    """a varint field"""
    return _varint(field << 3) + _varint(value)


def _message(field: int, payload: bytes | str) -> bytes:
    """a length-delimited field: a string, bytes or an embedded message"""
    data = payload.encode() if isinstance(payload, str) else payload
    return _varint(field << 3 | 2) + _varint(len(data)) + data


def _value_info(name: str, dtype, dims: list[int | None]) -> bytes:
    """ValueInfoProto of a tensor: name, TypeProto.tensor_type (elem_type, shape); a None dimension is left free"""
    shape = b"".join(_message(1, b"" if d is None else _number(1, d)) for d in dims)
    return _message(1, name) + _message(2, _message(1, _number(1, _ELEM[np.dtype(dtype)]) + _message(2, shape)))


def _tensor(name: str, array: np.ndarray) -> bytes:
    """TensorProto: dims, data_type, name, raw_data (little-endian, as numpy_helper.from_array writes it)"""
    dims = b"".join(_number(1, d) for d in array.shape)
    return dims + _number(2, _ELEM[array.dtype]) + _message(8, name) + _message(9, array.astype(
        array.dtype.newbyteorder("<")).tobytes())


def matmul_integer_model(rows: int, cols: int, zero_point: int, offset: int, weights: np.ndarray | None) -> bytes:
    """ModelProto of y (int32, batch x ``cols``) = (x - ``zero_point``) @ (w - ``offset``), x uint8 (batch x ``rows``),
    w int8 (offset 0) or uint8 (offset 128), held as an initializer (``weights``) or bound per call (None)."""
    w_type = np.uint8 if offset else np.int8
    zeros = [_tensor("zero_point", np.array(zero_point, dtype=np.uint8))]
    if offset:
        zeros.append(_tensor("w_zero_point", np.array(offset, dtype=np.uint8)))
    held = [] if weights is None else [_tensor("w", np.ascontiguousarray(weights, dtype=w_type))]
    bound = [] if weights is not None else [_value_info("w", w_type, [rows, cols])]
    node = (_message(1, "x") + _message(1, "w") + _message(1, "zero_point")
            + (_message(1, "w_zero_point") if offset else b"") + _message(2, "y") + _message(4, "MatMulInteger"))
    graph = (_message(1, node) + _message(2, "products") + b"".join(_message(5, t) for t in zeros + held)
             + b"".join(_message(11, v) for v in [_value_info("x", np.uint8, [None, rows]), *bound])
             + _message(12, _value_info("y", np.int32, [None, cols])))
    return _number(1, IR_VERSION) + _message(7, graph) + _message(8, _message(1, "") + _number(2, OPSET))
